package yamux

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netoffload/offload/internal/testnet"
)

// sink swallows everything and never answers: writers on the device keep
// the link busy.
func sink(far *halfConn) { io.Copy(io.Discard, far) }

// blockedCalls starts a blocked Read, a busy Write loop, a blocked Accept
// and a blocked ReadFrom on e, and returns a channel of their results.
func blockedCalls(t *testing.T, e *env) <-chan error {
	t.Helper()
	c, err := dialer(e.b).Dial("tcp", "192.0.2.1:9")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := listenConfig(e.b).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pc, err := listenConfig(e.b).ListenPacket(context.Background(), "udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); ln.Close(); pc.Close() })
	errs := make(chan error, 4)
	report := func(call string, err error) { // names the call that failed, or did not
		if err != nil {
			err = fmt.Errorf("%s: %w", call, err)
		}
		errs <- err
	}
	go func() {
		_, err := c.Read(make([]byte, 10))
		report("Read", err)
	}()
	go func() {
		buf := make([]byte, 32<<10)
		for {
			if _, err := c.Write(buf); err != nil {
				report("Write", err)
				return
			}
		}
	}()
	go func() {
		_, err := ln.Accept()
		report("Accept", err)
	}()
	go func() {
		_, _, err := pc.ReadFrom(make([]byte, 10))
		report("ReadFrom", err)
	}()
	return errs
}

// expectFailures waits for n errors, none of them nil or a timeout.
func expectFailures(t *testing.T, errs <-chan error, n int) {
	t.Helper()
	for range n {
		err := <-errs
		if err == nil || errors.Is(err, io.EOF) {
			t.Errorf("call ended with %v after link loss, want an error", err)
		}
	}
}

// lossEnv joins a client to a gateway over the link ends cl and gl, with
// the default link timeout; the gateway's dials go to sinks. Cleanup
// closes both and waits for the sinks.
func lossEnv(t *testing.T, cl, gl net.Conn) *env {
	t.Helper()
	var sinks sync.WaitGroup
	t.Cleanup(sinks.Wait) // runs last
	return envOver(t, cl, gl,
		&Gateway{AllowAll: true, Dial: memDial(&sinks, sink), MuxConfig: MuxConfig{LinkTimeout: DefaultLinkTimeout}},
		&Config{PSK: testKey, Logger: quiet, MuxConfig: MuxConfig{LinkTimeout: DefaultLinkTimeout}})
}

func TestLinkCut(t *testing.T) {
	guard(t, 20*time.Second)
	cl, gl := net.Pipe()
	e := lossEnv(t, cl, gl)
	errs := blockedCalls(t, e)
	cl.Close() // the link dies under a transfer
	expectFailures(t, errs, 4)
	<-e.b.Done()
	if _, err := dialer(e.b).Dial("tcp", "192.0.2.1:9"); !errors.Is(err, syscall.ENETDOWN) {
		t.Errorf("dial after link loss: %v, want ENETDOWN", err)
	}
}

// TestLinkSilent: a link that stops carrying bytes without closing is
// found dead by keepalives, and everything on it fails.
func TestLinkSilent(t *testing.T) {
	guard(t, 20*time.Second)
	c, gl := net.Pipe()
	cl := &testnet.Silenceable{Conn: c}
	e := lossEnv(t, cl, gl)
	errs := blockedCalls(t, e)
	cl.Hush()
	expectFailures(t, errs, 4)
	<-e.b.Done()
}

// TestLinkSilentOneWay: a link that stops carrying one end's bytes, while
// the other end's still arrive, fails everything too, whichever end's
// bytes are lost. (The device that still hears its gateway learns when
// the gateway, which hears nothing, ends the link: 850 ms after the
// silence began in a scratch measurement, as with TestLinkSilent.)
func TestLinkSilentOneWay(t *testing.T) {
	for _, end := range []string{"device", "gateway"} {
		t.Run(end+" unheard", func(t *testing.T) {
			guard(t, 20*time.Second)
			c, g := net.Pipe()
			cl, gl := &testnet.Silenceable{Conn: c}, &testnet.Silenceable{Conn: g}
			e := lossEnv(t, cl, gl)
			errs := blockedCalls(t, e)
			if end == "device" {
				cl.HushOut()
			} else {
				gl.HushOut()
			}
			expectFailures(t, errs, 4)
			<-e.b.Done()
		})
	}
}

// TestRedial: after the link dies the client redials; old conns stay
// failed and new dials wait for the new link.
func TestRedial(t *testing.T) {
	guard(t, 20*time.Second)
	addr := testnet.EchoServer(t)
	g := &Gateway{PSK: testKey, AllowAll: true, Logger: quiet, MuxConfig: MuxConfig{LinkTimeout: testLinkTimeout}}
	var served sync.WaitGroup
	defer served.Wait()
	defer g.Close()
	serve := func() net.Conn {
		cl, gl := net.Pipe()
		served.Add(1)
		go func() {
			defer served.Done()
			g.ServeConn(gl)
		}()
		return cl
	}
	links := make(chan net.Conn, 4)
	first := serve()
	cfg := &Config{PSK: testKey, Logger: quiet, MuxConfig: MuxConfig{LinkTimeout: testLinkTimeout}, Redial: func(ctx context.Context) (io.ReadWriteCloser, error) {
		c := serve()
		links <- c
		return c, nil
	}}
	b, err := Client(first, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	old, err := dialer(b).Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	first.Close()
	if _, err := old.Read(make([]byte, 1)); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("old conn read after link loss: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := dialer(b).DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatalf("dial after redial: %v", err)
	}
	c.Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("echo over the new link: %q, %v", buf, err)
	}
	c.Close()
	if _, err := old.Write([]byte("x")); err == nil {
		t.Error("old conn writable after redial")
	}
	<-links
}
