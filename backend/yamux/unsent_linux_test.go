package yamux

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netoffload/offload/internal/testnet"
)

// slowHop forwards one TCP conn to target, passing one direction's bytes
// on at rate bytes a second and the other's at once: a slow hop on the
// link's path. Up throttles the accepting side's bytes, else the
// target's. The hop's socket on the throttled side has a small receive
// buffer, so bytes the hop has not passed on wait in the sender's socket,
// as behind a slow router. It returns its address and how many bytes it
// has passed on the throttled way.
func slowHop(t *testing.T, target string, rate int, up bool) (string, *atomic.Int64) {
	t.Helper()
	small := func(_, _ string, c syscall.RawConn) error {
		var serr error
		c.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 8<<10) })
		return serr
	}
	var lc net.ListenConfig
	var d net.Dialer
	if up {
		lc.Control = small
	} else {
		d.Control = small
	}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		passed atomic.Int64
		wg     sync.WaitGroup
		mu     sync.Mutex
		conns  []net.Conn
		ended  bool // cleanup has run: track closes what comes later
	)
	track := func(c net.Conn) {
		mu.Lock()
		defer mu.Unlock()
		if ended {
			c.Close()
		}
		conns = append(conns, c)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		in, err := ln.Accept()
		if err != nil {
			return
		}
		track(in)
		out, err := d.Dial("tcp", target)
		if err != nil {
			in.Close()
			return
		}
		track(out)
		src, dst := in, out
		if !up {
			src, dst = out, in
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			io.Copy(src, dst)
			src.Close()
		}()
		buf := make([]byte, 1024)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				time.Sleep(time.Duration(n) * time.Second / time.Duration(rate))
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
				passed.Add(int64(n))
			}
			if err != nil {
				break
			}
		}
		dst.Close()
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		ended = true
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String(), &passed
}

// unsent returns how many bytes c's socket holds that it has not sent.
func unsent(t *testing.T, c *net.TCPConn) int {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var ierr error
	if err := rc.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQNSD) }); err != nil {
		t.Fatal(err)
	}
	if ierr != nil {
		t.Fatal(ierr)
	}
	return n
}

// TestSlowHopUnsent: while a stream moves 192 KiB over a TCP link (plain
// or TLS) behind a hop of 64 KB/s, up (device to gateway) or down, the
// sending end's socket holds at most about unsentLimit and one frame
// unsent, and a second stream's echo gets through meanwhile. Without the
// limit the kernel took the whole transfer at once, and the echo waited
// behind it (16 s behind 512 KiB at 32 KB/s).
func TestSlowHopUnsent(t *testing.T) {
	for _, dir := range []string{"up", "down"} {
		for _, kind := range []string{linkTCP, linkTLS} {
			t.Run(dir+"/"+kind, func(t *testing.T) { testSlowHopUnsent(t, kind, dir == "up") })
		}
	}
}

func testSlowHopUnsent(t *testing.T, kind string, up bool) {
	guard(t, 60*time.Second)
	const rate, size = 64000, 192 << 10
	mux := MuxConfig{KeepAlive: 500 * time.Millisecond, LinkTimeout: testLinkTimeout}
	gln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer gln.Close()
	hop, passed := slowHop(t, gln.Addr().String(), rate, up)
	nc, err := net.Dial("tcp", hop)
	if err != nil {
		t.Fatal(err)
	}
	dc := nc.(*net.TCPConn)
	gc, err := gln.Accept() // the hop dials once it has accepted nc
	if err != nil {
		dc.Close()
		t.Fatal(err)
	}
	var cl, gl io.ReadWriteCloser = dc, gc
	if kind == linkTLS {
		certs := testCerts(t)
		cl, gl = tls.Client(dc, certs.client), tls.Server(gc, certs.server)
	}
	b := envOver(t, cl, gl, &Gateway{AllowAll: true, MuxConfig: mux}, &Config{PSK: testKey, Logger: quiet, MuxConfig: mux}).b
	sender := dc // the socket whose unsent bytes are watched
	if !up {
		sender = gc.(*net.TCPConn)
	}

	// Up, the bulk stream goes to a sink; down, it comes back from an
	// echo server, and the device drains it.
	server := testnet.SinkServer(t)
	if !up {
		server = testnet.EchoServer(t)
	}
	bulk, err := dialer(b).Dial("tcp", server)
	if err != nil {
		t.Fatal(err)
	}
	defer bulk.Close()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		if !up {
			io.CopyN(io.Discard, bulk, size)
		}
	}()
	defer func() { bulk.Close(); <-drained }()
	echo, err := dialer(b).Dial("tcp", testnet.EchoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	start := passed.Load()
	if _, err := bulk.Write(make([]byte, size)); err != nil { // into the send buffer: returns at once
		t.Fatal(err)
	}
	// Sample the unsent queue until most of the transfer has passed the
	// hop; echo once a quarter of the way through.
	most, echoed := 0, false
	for passed.Load()-start < size*3/4 {
		most = max(most, unsent(t, sender))
		if !echoed && passed.Load()-start > size/4 {
			began := time.Now()
			testnet.Echo(t, echo, []byte("ping"))
			t.Logf("echo during the transfer: %v", time.Since(began))
			echoed = true
			// The echo went past the bulk bytes, not behind them: with the
			// kernel holding the rest of the transfer, it came back only
			// after all of it had passed the hop.
			if done := passed.Load() - start; done >= size {
				t.Errorf("the echo came back after the whole transfer had passed the hop")
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The kernel checks the limit as it starts a segment, so a write may
	// take up to a segment (or a frame, or a TLS record) past it; the bound
	// allows a whole frame of a socket link and some slack.
	if bound := unsentLimit + maxSocketFrame + 1024; most > bound {
		t.Errorf("the link's socket held up to %d bytes unsent, want at most %d", most, bound)
	}
	t.Logf("most unsent: %d B", most)
}
