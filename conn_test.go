package offload_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend"
)

// hangGuard bounds waits; it turns a hang into a failure and is never a
// timing check.
const hangGuard = 20 * time.Second

func listen(t *testing.T, b backend.Backend, address string) net.Listener {
	t.Helper()
	ln, err := (&offload.ListenConfig{Backend: b}).Listen(context.Background(), "tcp", address)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// connPair returns a connected client and server over a fresh loopback
// network, closed when the test ends.
func connPair(t *testing.T) (client, server *offload.Conn) {
	t.Helper()
	n := newNet(t)
	ln := listen(t, n, "127.0.0.1:0")
	c, err := (&offload.Dialer{Backend: n}).Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := ln.(*offload.Listener).AcceptOffload()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c.SetDeadline(time.Now().Add(hangGuard))
	s.SetDeadline(time.Now().Add(hangGuard))
	return c.(*offload.Conn), s
}

func TestWriteAfterCloseWrite(t *testing.T) {
	c, s := connPair(t)
	if _, err := c.Write([]byte("everything before")); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatalf("CloseWrite: %v", err)
	}
	_, err := c.Write([]byte("too late"))
	wantOpError(t, err, "write")
	if !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("Write after CloseWrite: %v, want EPIPE", err)
	}
	got, err := io.ReadAll(s)
	if string(got) != "everything before" || err != nil {
		t.Fatalf("peer read %q, %v; want everything written before, then EOF", got, err)
	}
	// The other direction still works.
	s.Write([]byte("reply"))
	s.CloseWrite()
	if got, err := io.ReadAll(c); string(got) != "reply" || err != nil {
		t.Fatalf("half-closed side read %q, %v", got, err)
	}
}

func TestCloseRead(t *testing.T) {
	c, s := connPair(t)
	s.Write([]byte("unread"))
	if err := c.CloseRead(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 8)); err != io.EOF {
		t.Fatalf("Read after CloseRead: %v, want io.EOF", err)
	}
	// The peer's writes are discarded, not failed.
	if _, err := s.Write([]byte("dropped")); err != nil {
		t.Fatalf("peer Write after CloseRead: %v", err)
	}
	// Our write side is untouched.
	c.Write([]byte("still"))
	if got := make([]byte, 5); readFullErr(s, got) != nil || string(got) != "still" {
		t.Fatalf("peer read %q", got)
	}
}

func readFullErr(c net.Conn, p []byte) error {
	_, err := io.ReadFull(c, p)
	return err
}

// TestAfterClose is the post-Close table: every method on the closed end
// returns net.ErrClosed inside a *net.OpError, and the peer sees io.EOF.
func TestAfterClose(t *testing.T) {
	c, s := connPair(t)
	if err := c.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	calls := map[string]func() error{
		"Read":             func() error { _, err := c.Read(make([]byte, 1)); return err },
		"Write":            func() error { _, err := c.Write([]byte("x")); return err },
		"ReadFrom":         func() error { _, err := c.ReadFrom(eofReader{}); return err },
		"WriteTo":          func() error { _, err := c.WriteTo(io.Discard); return err },
		"CloseWrite":       c.CloseWrite,
		"CloseRead":        c.CloseRead,
		"Close":            c.Close,
		"SetDeadline":      func() error { return c.SetDeadline(time.Now()) },
		"SetReadDeadline":  func() error { return c.SetReadDeadline(time.Now()) },
		"SetWriteDeadline": func() error { return c.SetWriteDeadline(time.Now()) },
	}
	for name, call := range calls {
		err := call()
		var oe *net.OpError
		if !errors.As(err, &oe) || !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s after Close: %v; want a *net.OpError wrapping net.ErrClosed", name, err)
		}
	}
	if c.LocalAddr() == nil || c.RemoteAddr() == nil {
		t.Error("addresses are nil after Close")
	}
	if _, err := s.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("peer Read: %v, want io.EOF", err)
	}
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

func TestListenerAfterClose(t *testing.T) {
	ln := listen(t, newNet(t), "127.0.0.1:0")
	blocked := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		blocked <- err
	}()
	ln.Close()
	for name, err := range map[string]error{
		"blocked Accept": <-blocked,
		"Accept":         func() error { _, err := ln.Accept(); return err }(),
		"second Close":   ln.Close(),
		"SetDeadline":    ln.(*offload.Listener).SetDeadline(time.Now()),
	} {
		var oe *net.OpError
		if !errors.As(err, &oe) || !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s: %v; want a *net.OpError wrapping net.ErrClosed", name, err)
		}
	}
	if ln.Addr() == nil {
		t.Error("Addr is nil after Close")
	}
}

func TestListenerDeadline(t *testing.T) {
	ln := listen(t, newNet(t), "127.0.0.1:0").(*offload.Listener)
	ln.SetDeadline(time.Now().Add(-time.Second))
	_, err := ln.Accept()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Accept past deadline: %v; want a timeout", err)
	}
	ln.SetDeadline(time.Time{})
	blocked := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		blocked <- err
	}()
	ln.SetDeadline(time.Now().Add(10 * time.Millisecond))
	if err := <-blocked; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("blocked Accept after a new deadline: %v", err)
	}
}

func TestPacketConnErrors(t *testing.T) {
	n := newNet(t)
	pc, err := (&offload.ListenConfig{Backend: n}).ListenPacket(context.Background(), "udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	u := pc.(*offload.PacketConn)
	if _, err := u.Write([]byte("x")); !errors.Is(err, syscall.EDESTADDRREQ) {
		t.Errorf("Write on an unconnected socket: %v, want EDESTADDRREQ", err)
	}
	if u.RemoteAddr() != nil {
		t.Errorf("RemoteAddr of an unconnected socket = %v, want nil as *net.UDPConn", u.RemoteAddr())
	}
	c, err := (&offload.Dialer{Backend: n}).Dial("udp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.(*offload.PacketConn).WriteTo([]byte("x"), pc.LocalAddr()); !errors.Is(err, net.ErrWriteToConnected) {
		t.Errorf("WriteTo on a connected socket: %v, want net.ErrWriteToConnected", err)
	}
	pc.SetReadDeadline(time.Now().Add(-time.Second))
	_, _, err = pc.ReadFrom(make([]byte, 1))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("ReadFrom past deadline: %v, want a timeout", err)
	}
	pc.Close()
	for name, err := range map[string]error{
		"ReadFrom":     func() error { _, _, err := pc.ReadFrom(make([]byte, 1)); return err }(),
		"WriteTo":      func() error { _, err := pc.WriteTo([]byte("x"), c.LocalAddr()); return err }(),
		"second Close": pc.Close(),
	} {
		var oe *net.OpError
		if !errors.As(err, &oe) || !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s after Close: %v; want a *net.OpError wrapping net.ErrClosed", name, err)
		}
	}
}

// TestConnSteadyStateAllocs: a Write and Read of 64 B on a connected
// pair allocate nothing once the buffers exist.
func TestConnSteadyStateAllocs(t *testing.T) {
	c, s := connPair(t)
	c.SetDeadline(time.Time{})
	s.SetDeadline(time.Time{})
	p, buf := make([]byte, 64), make([]byte, 64)
	allocs := testing.AllocsPerRun(1000, func() {
		c.Write(p)
		s.Read(buf)
	})
	if allocs != 0 {
		t.Errorf("Conn Write+Read of 64 B: %v allocations, want 0", allocs)
	}
}
