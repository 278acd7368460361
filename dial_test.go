package offload_test

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"golang.org/x/net/proxy"
)

// The Dialer drops into golang.org/x/net/proxy.
var (
	_ proxy.ContextDialer = (*offload.Dialer)(nil)
	_ proxy.Dialer        = (*offload.Dialer)(nil)
)

func TestNoBackendRegistered(t *testing.T) {
	prev := offload.Registered()
	t.Cleanup(func() { offload.Register(prev) })
	offload.Register(nil)
	if offload.Registered() != nil {
		t.Fatal("Registered() after Register(nil) is not nil")
	}
	calls := map[string]func() error{
		"Dial":        func() error { _, err := offload.Dial("tcp", "127.0.0.1:80"); return err },
		"DialContext": func() error { _, err := offload.DialContext(context.Background(), "tcp", "127.0.0.1:80"); return err },
		"Listen":      func() error { _, err := offload.Listen("tcp", "127.0.0.1:0"); return err },
		"ListenPacket": func() error {
			_, err := offload.ListenPacket("udp", "127.0.0.1:0")
			return err
		},
		"zero Dialer": func() error { _, err := (&offload.Dialer{}).Dial("udp", "127.0.0.1:80"); return err },
	}
	for name, call := range calls {
		err := call()
		var oe *net.OpError
		if !errors.As(err, &oe) || !errors.Is(err, offload.ErrNoBackend) {
			t.Errorf("%s: %v; want a *net.OpError wrapping ErrNoBackend", name, err)
		}
	}
}

func TestRegister(t *testing.T) {
	prev := offload.Registered()
	t.Cleanup(func() { offload.Register(prev) })
	n := newNet(t)
	offload.Register(n)
	if offload.Registered() != n {
		t.Fatal("Registered() is not the registered backend")
	}
	ln, err := offload.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := offload.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c2, err := offload.DialContext(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c2.Close()
	pc, err := offload.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	u, err := offload.Dial("udp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	u.Write([]byte("via the default backend"))
	buf := make([]byte, 64)
	pc.SetReadDeadline(time.Now().Add(hangGuard))
	k, _, err := pc.ReadFrom(buf)
	if err != nil || string(buf[:k]) != "via the default backend" {
		t.Fatalf("ReadFrom = %q, %v", buf[:k], err)
	}
	// An explicit Backend wins over the registered one.
	fb := &fakeBackend{}
	(&offload.Dialer{Backend: fb}).Dial("tcp", ln.Addr().String())
	if dialed, _ := fb.calls(); len(dialed) != 1 {
		t.Fatalf("explicit backend dialed %d times, want 1", len(dialed))
	}
}

func TestDialerTimeout(t *testing.T) {
	fb := &fakeBackend{block: true}
	d := &offload.Dialer{Backend: fb, Timeout: 20 * time.Millisecond}
	before := time.Now()
	_, err := d.Dial("tcp", "127.0.0.1:80")
	after := time.Now()
	wantOpError(t, err, "dial")
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("dial past Timeout: %v; want Timeout() and os.ErrDeadlineExceeded", err)
	}
	_, deadlines := fb.calls()
	if len(deadlines) != 1 || deadlines[0].Before(before.Add(d.Timeout)) || deadlines[0].After(after.Add(d.Timeout)) {
		t.Fatalf("Connect's context deadline %v; want Timeout after the dial started", deadlines)
	}
}

// TestDialerDeadlineAndTimeout: the earlier of Deadline and now+Timeout
// bounds the dial.
func TestDialerDeadlineAndTimeout(t *testing.T) {
	fb := &fakeBackend{block: true}
	dl := time.Now().Add(10 * time.Millisecond)
	(&offload.Dialer{Backend: fb, Timeout: time.Hour, Deadline: dl}).Dial("tcp", "127.0.0.1:80")
	_, deadlines := fb.calls()
	if len(deadlines) != 1 || !deadlines[0].Equal(dl) {
		t.Fatalf("deadline %v, want the Dialer's Deadline %v", deadlines, dl)
	}
	// No Timeout or Deadline: the context's own deadline is kept.
	fb = &fakeBackend{block: true}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	want, _ := ctx.Deadline()
	(&offload.Dialer{Backend: fb}).DialContext(ctx, "tcp", "127.0.0.1:80")
	if _, deadlines := fb.calls(); len(deadlines) != 1 || !deadlines[0].Equal(want) {
		t.Fatalf("deadline %v, want the context's %v", deadlines, want)
	}
}

func TestDialCanceled(t *testing.T) {
	fb := &fakeBackend{block: true}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := (&offload.Dialer{Backend: fb}).DialContext(ctx, "tcp", "127.0.0.1:80")
		errc <- err
	}()
	cancel()
	err := <-errc
	wantOpError(t, err, "dial")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled dial: %v; want context.Canceled", err)
	}
}

func TestDialerLocalAddr(t *testing.T) {
	n := newNet(t)
	ln := listen(t, n, "127.0.0.1:0")
	d := &offload.Dialer{Backend: n, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40123}}
	c, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.LocalAddr().String(); got != "127.0.0.1:40123" {
		t.Fatalf("LocalAddr = %s, want 127.0.0.1:40123", got)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.RemoteAddr().String(); got != "127.0.0.1:40123" {
		t.Fatalf("peer's RemoteAddr = %s", got)
	}
}

// TestDefaultBacklog: a zero or negative Backlog means DefaultBacklog.
func TestDefaultBacklog(t *testing.T) {
	for _, backlog := range []int{0, -1} {
		n := newNet(t)
		lc := &offload.ListenConfig{Backend: n, Backlog: backlog}
		ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		d := &offload.Dialer{Backend: n}
		for i := range offload.DefaultBacklog {
			c, err := d.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatalf("Backlog %d: dial %d of %d: %v", backlog, i+1, offload.DefaultBacklog, err)
			}
			defer c.Close()
		}
		_, err = d.Dial("tcp", ln.Addr().String())
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("Backlog %d: dial beyond DefaultBacklog: %v, want ECONNREFUSED", backlog, err)
		}
		ln.Close()
	}
}
