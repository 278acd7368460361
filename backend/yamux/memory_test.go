package yamux

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend"
	"github.com/netoffload/offload/backend/loopback"
	"github.com/netoffload/offload/internal/testnet"
)

// onlyConn returns the client's one connected stream.
func (e *env) onlyConn(t *testing.T) *streamConn {
	t.Helper()
	e.b.mu.Lock()
	s := e.b.sess
	e.b.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) != 1 {
		t.Fatalf("%d connected streams, want 1", len(s.conns))
	}
	for c := range s.conns {
		return c
	}
	return nil
}

// TestIdleConnHoldsNoBuffers: once a device conn has carried bytes both
// ways and its application waits in Read, neither buffer keeps a block.
// The send pump hands Out's back when Out runs empty; the receive pump
// waits for the stream outside In, so the waiting Read hands In's back.
func TestIdleConnHoldsNoBuffers(t *testing.T) {
	guard(t, time.Minute)
	e := newEnv(t, linkPipe, nil, nil)
	c, err := dialer(e.b).Dial("tcp", testnet.EchoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	msg := make([]byte, 300<<10) // past the first, small blocks
	rand.Read(msg)
	testnet.Echo(t, c, msg)
	sc := e.onlyConn(t)
	read := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		read <- err
	}()
	for sc.bufs.In.Held() != 0 || sc.bufs.Out.Held() != 0 {
		runtime.Gosched() // the test's guard bounds this wait
	}
	c.Close()
	if err := <-read; err == nil {
		t.Fatal("Read on a closed conn succeeded")
	}
}

// recordingBackend remembers the sockets it opens.
type recordingBackend struct {
	backend.Backend
	mu    sync.Mutex
	socks []backend.Socket
}

func (r *recordingBackend) Open(ctx context.Context, network string, opts backend.Options) (backend.Socket, error) {
	s, err := r.Backend.Open(ctx, network, opts)
	if err == nil {
		r.mu.Lock()
		r.socks = append(r.socks, s)
		r.mu.Unlock()
	}
	return s, err
}

// TestIdleRelayHoldsNoBuffers: once a conn the gateway relays to an
// in-memory network has carried bytes both ways and both applications
// wait in Read, neither buffer of the gateway's conn keeps a block. The
// relay waits for the device's bytes outside its conn's send buffer
// (copyUp), and drains the receive buffer with WriteTo, which hands the
// block back when it waits.
func TestIdleRelayHoldsNoBuffers(t *testing.T) {
	guard(t, time.Minute)
	far := loopback.New(loopback.Config{})
	defer far.Close()
	ln, err := (&offload.ListenConfig{Backend: far}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	rec := &recordingBackend{Backend: far}
	e := newEnv(t, linkPipe, &Gateway{AllowAll: true, Dial: (&offload.Dialer{Backend: rec}).DialContext}, nil)
	c, err := dialer(e.b).Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer fc.Close()
	msg := make([]byte, 300<<10) // past the first, small blocks
	rand.Read(msg)
	for _, pair := range [][2]net.Conn{{c, fc}, {fc, c}} {
		go pair[0].Write(msg)
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(pair[1], got); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("relayed bytes differ (%v)", err)
		}
	}
	for _, conn := range []net.Conn{c, fc} {
		go conn.Read(make([]byte, 1)) // returns when the conn closes
	}
	rec.mu.Lock()
	gw := rec.socks[0].Stream()
	rec.mu.Unlock()
	for gw.In.Held() != 0 || gw.Out.Held() != 0 {
		runtime.Gosched() // the test's guard bounds this wait
	}
}

// TestCompactDuringTransfer: handing back empty receive buffers while
// bytes flow loses and reorders nothing (testnet.Echo checks every byte),
// and races with nothing (-race), at either end.
func TestCompactDuringTransfer(t *testing.T) {
	guard(t, time.Minute)
	e := newEnv(t, linkPipe, nil, nil)
	c, err := dialer(e.b).Dial("tcp", testnet.EchoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	e.b.mu.Lock()
	client := e.b.sess
	e.b.mu.Unlock()
	e.g.mu.Lock()
	var gw *gwSession
	for s := range e.g.sessions {
		gw = s
	}
	e.g.mu.Unlock()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				client.compact()
				gw.compact()
			}
		}
	}()
	msg := make([]byte, 1<<20)
	rand.Read(msg)
	testnet.Echo(t, c, msg)
	close(stop)
	<-done
}
