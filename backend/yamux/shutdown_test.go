package yamux

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend"
)

// payload is n deterministic pseudo-random bytes.
func payload(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{1}).Read(b)
	return b
}

// bigOut is a dialer whose conns buffer a whole payload in Out, so that
// Write returns at once and the bytes are still on the device at Close.
func bigOut(b *Backend) *offload.Dialer {
	return &offload.Dialer{Backend: b, Options: backend.Options{OutSize: 8 << 20}}
}

// readResult is what a peer read: a digest and count of the bytes up to
// EOF, and the error that ended the read (nil for EOF).
type readResult struct {
	sum [32]byte
	n   int64
	err error
}

// slowRead reads r to EOF in small pieces, after start is closed.
func slowRead(r io.Reader, start <-chan struct{}) readResult {
	<-start
	h := sha256.New()
	buf := make([]byte, 4<<10)
	var res readResult
	for {
		n, err := r.Read(buf)
		h.Write(buf[:n])
		res.n += int64(n)
		if err != nil {
			if err != io.EOF {
				res.err = err
			}
			break
		}
	}
	copy(res.sum[:], h.Sum(nil))
	return res
}

// pipePeer makes g's dials return one end of a net.Pipe and hands the
// other to the test. A pipe buffers nothing, so the gateway can pass on
// only what the peer reads: deterministic back-pressure.
func pipePeer(g *Gateway) <-chan net.Conn {
	peers := make(chan net.Conn, 1)
	g.Dial = func(ctx context.Context, network, address string) (net.Conn, error) {
		a, b := net.Pipe()
		peers <- b
		return a, nil
	}
	return peers
}

// pipeDial links a client to a gateway whose dials reach a pipePeer,
// runs before (if not nil), then dials: it returns the env, the device's
// conn and the peer's end, which cleanup closes.
func pipeDial(t *testing.T, before func(*env)) (*env, net.Conn, net.Conn) {
	t.Helper()
	g := &Gateway{AllowAll: true}
	peers := pipePeer(g)
	e := newEnv(t, linkPipe, g, nil)
	if before != nil {
		before(e)
	}
	c, err := bigOut(e.b).Dial("tcp", "127.0.0.1:9")
	if err != nil {
		t.Fatal(err)
	}
	peer := <-peers
	t.Cleanup(func() { c.Close(); peer.Close() })
	return e, c, peer
}

func checkDelivered(t *testing.T, got readResult, want []byte) {
	t.Helper()
	if got.err != nil || got.n != int64(len(want)) || got.sum != sha256.Sum256(want) {
		t.Fatalf("peer read %d bytes (digest match %v) ending with %v; want %d bytes, then EOF",
			got.n, got.sum == sha256.Sum256(want), got.err, len(want))
	}
}

// TestShutdownDelivers: a conn written and closed at once, then Shutdown,
// delivers every byte and then EOF to a slow peer on the gateway's
// network, although the link is closed right after.
func TestShutdownDelivers(t *testing.T) {
	for _, kind := range linkKinds {
		t.Run(kind, func(t *testing.T) {
			guard(t, 25*time.Second)
			e := newEnv(t, kind, nil, nil)
			got := make(chan readResult, 1)
			addr := oneShotServer(t, func(c *net.TCPConn) {
				// A small receive window keeps bytes queued on the
				// gateway's socket when the link goes.
				c.SetReadBuffer(64 << 10)
				got <- slowRead(c, e.b.drainCh) // starts once Shutdown has begun
			})
			c, err := bigOut(e.b).Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			want := payload(4 << 20)
			if _, err := c.Write(want); err != nil {
				t.Fatal(err)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := e.b.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			checkDelivered(t, <-got, want)
			if _, err := bigOut(e.b).Dial("tcp", addr); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("dial after Shutdown: %v, want net.ErrClosed", err)
			}
		})
	}
}

// TestShutdownDeliversAccepted: the same for a conn the device accepted
// through a listener on the gateway.
func TestShutdownDeliversAccepted(t *testing.T) {
	guard(t, 20*time.Second)
	e := newEnv(t, linkTCP, nil, nil)
	lc := offload.ListenConfig{Backend: e.b, Options: backend.Options{OutSize: 8 << 20}}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	far, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer far.Close()
	far.(*net.TCPConn).SetReadBuffer(64 << 10)
	got := make(chan readResult, 1)
	go func() { got <- slowRead(far, e.b.drainCh) }()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	want := payload(4 << 20)
	c.Write(want)
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := e.b.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	checkDelivered(t, <-got, want)
}

// TestShutdownWaitsForFinAck: with a peer that takes nothing until
// Shutdown has begun, Shutdown cannot return before the gateway has passed
// the last byte on, so this run always exercises the wait.
func TestShutdownWaitsForFinAck(t *testing.T) {
	guard(t, 20*time.Second)
	e, c, peer := pipeDial(t, nil)
	got := make(chan readResult, 1)
	go func() { got <- slowRead(peer, e.b.drainCh) }()
	want := payload(4 << 20)
	c.Write(want)
	c.Close()
	done := make(chan error, 1)
	go func() { done <- e.b.Shutdown(context.Background()) }()
	res := <-got // the peer has everything and EOF before the link is gone
	checkDelivered(t, res, want)
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// TestShutdownCanceled: a context that has ended makes Shutdown give up
// at once, close the backend anyway and report the context's error.
func TestShutdownCanceled(t *testing.T) {
	guard(t, 20*time.Second)
	e, c, _ := pipeDial(t, nil) // the peer never reads: the gateway holds at most a window
	c.Write(payload(4 << 20))
	c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.b.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown: %v, want context.Canceled", err)
	}
	select {
	case <-e.b.Done():
	default:
		t.Fatal("backend not closed after Shutdown gave up")
	}
	if _, err := e.b.Open(context.Background(), "tcp", backend.Options{}); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Open after Shutdown: %v, want net.ErrClosed", err)
	}
	if err := e.b.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
}

// TestShutdownRefusesRequests: once Shutdown has begun, dials, listens
// and lookups fail with net.ErrClosed while lingering conns finish.
func TestShutdownRefusesRequests(t *testing.T) {
	guard(t, 20*time.Second)
	e, c, peer := pipeDial(t, nil)
	want := payload(2 << 20)
	c.Write(want)
	c.Close()
	release := make(chan struct{})
	got := make(chan readResult, 1)
	go func() { got <- slowRead(peer, release) }()
	done := make(chan error, 1)
	go func() { done <- e.b.Shutdown(context.Background()) }()
	<-e.b.drainCh

	if _, err := bigOut(e.b).Dial("tcp", "127.0.0.1:9"); !errors.Is(err, net.ErrClosed) {
		t.Errorf("dial during Shutdown: %v, want net.ErrClosed", err)
	}
	lc := offload.ListenConfig{Backend: e.b}
	if _, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0"); !errors.Is(err, net.ErrClosed) {
		t.Errorf("listen during Shutdown: %v, want net.ErrClosed", err)
	}
	if _, err := e.b.LookupHost(context.Background(), "localhost"); !errors.Is(err, net.ErrClosed) {
		t.Errorf("lookup during Shutdown: %v, want net.ErrClosed", err)
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v before the peer read anything", err)
	default:
	}
	close(release)
	checkDelivered(t, <-got, want)
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// TestShutdownOpenConn: a conn the application keeps open holds
// Shutdown up until its send buffer has gone to the link (here: until the
// peer, which starts reading when Shutdown begins, has taken all but what
// the gateway buffers), and is then reset as by Close.
func TestShutdownOpenConn(t *testing.T) {
	guard(t, 20*time.Second)
	e, c, peer := pipeDial(t, nil)
	c.Write(payload(4 << 20))
	got := make(chan readResult, 1)
	go func() { got <- slowRead(peer, e.b.drainCh) }()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := e.b.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read on an open conn after Shutdown: %v, want ECONNRESET", err)
	}
	// At most a stream window (1 MiB) and a proxy buffer were still on
	// the gateway when the link went.
	if res := <-got; res.n < 2<<20 {
		t.Fatalf("peer read %d bytes before the reset; Shutdown did not wait for the send buffer", res.n)
	}
}

// TestCloseLingers: without Shutdown, a conn closed with bytes still in
// Out keeps sending them and then FIN; the stream is not reset.
func TestCloseLingers(t *testing.T) {
	for _, kind := range []string{linkPipe, linkTCP} {
		t.Run(kind, func(t *testing.T) {
			guard(t, 20*time.Second)
			e := newEnv(t, kind, nil, nil)
			closed := make(chan struct{})
			got := make(chan readResult, 1)
			addr := oneShotServer(t, func(c *net.TCPConn) {
				got <- slowRead(c, closed) // starts after the device's Close
			})
			c, err := bigOut(e.b).Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			want := payload(4 << 20)
			c.Write(want)
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			close(closed)
			checkDelivered(t, <-got, want)
		})
	}
}

// TestShutdownOldGateway: against a gateway that sends no FINACKs,
// Shutdown waits for the FIN to leave and does not hang.
func TestShutdownOldGateway(t *testing.T) {
	guard(t, 20*time.Second)
	e, c, peer := pipeDial(t, func(e *env) {
		e.b.mu.Lock()
		e.b.sess.finAck = false // as if the gateway's hello lacked the flag
		e.b.mu.Unlock()
	})
	go io.Copy(io.Discard, peer)
	c.Write(payload(256 << 10))
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := e.b.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// TestHandshakeFinAckFlags: both ends announce FINACK support.
func TestHandshakeFinAckFlags(t *testing.T) {
	guard(t, 10*time.Second)
	cl, gl := net.Pipe()
	defer cl.Close()
	defer gl.Close()
	type res struct {
		flags uint8
		err   error
	}
	gch := make(chan res, 1)
	go func() {
		f, err := gatewayHandshake(gl, testKey, false)
		gch <- res{f, err}
	}()
	cf, err := clientHandshake(cl, testKey)
	gr := <-gch
	if err != nil || gr.err != nil {
		t.Fatalf("handshake: client %v, gateway %v", err, gr.err)
	}
	if cf&flagFinAck == 0 || gr.flags&flagFinAck == 0 {
		t.Fatalf("flags: gateway hello %#x, client hello %#x; want flagFinAck in both", cf, gr.flags)
	}
}
