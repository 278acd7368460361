package offload_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend"
	"github.com/netoffload/offload/backend/loopback"
)

func newNet(t *testing.T) *loopback.Network {
	t.Helper()
	n := loopback.New(loopback.Config{})
	t.Cleanup(func() { n.Close() })
	return n
}

// wantOpError checks err is a *net.OpError with op, and returns it.
func wantOpError(t *testing.T, err error, op string) *net.OpError {
	t.Helper()
	var oe *net.OpError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v (%T): want a *net.OpError", err, err)
	}
	if oe.Op != op {
		t.Fatalf("OpError.Op = %q, want %q (%v)", oe.Op, op, err)
	}
	return oe
}

func TestUnknownNetworks(t *testing.T) {
	n := newNet(t)
	ctx := context.Background()
	d := &offload.Dialer{Backend: n}
	lc := &offload.ListenConfig{Backend: n}
	for _, network := range []string{"unix", "ip4:icmp", "", "TCP", "tcp5", "unixgram"} {
		calls := map[string]func() error{
			"dial":         func() error { _, err := d.Dial(network, "127.0.0.1:80"); return err },
			"listen":       func() error { _, err := lc.Listen(ctx, network, "127.0.0.1:0"); return err },
			"listenpacket": func() error { _, err := lc.ListenPacket(ctx, network, "127.0.0.1:0"); return err },
		}
		for name, call := range calls {
			err := call()
			op := map[string]string{"dial": "dial", "listen": "listen", "listenpacket": "listen"}[name]
			oe := wantOpError(t, err, op)
			var une net.UnknownNetworkError
			if !errors.As(err, &une) || string(une) != network {
				t.Errorf("%s(%q): %v; want it to wrap net.UnknownNetworkError(%q)", name, network, oe, network)
			}
		}
	}
	// A stream network for ListenPacket and a datagram one for Listen are
	// unknown to those calls too, as in package net.
	_, err := lc.ListenPacket(ctx, "tcp", "127.0.0.1:0")
	var une net.UnknownNetworkError
	if !errors.As(err, &une) {
		t.Errorf("ListenPacket(tcp): %v; want net.UnknownNetworkError", err)
	}
	_, err = lc.Listen(ctx, "udp", "127.0.0.1:0")
	if !errors.As(err, &une) {
		t.Errorf("Listen(udp): %v; want net.UnknownNetworkError", err)
	}
}

func TestMalformedAddresses(t *testing.T) {
	n := newNet(t)
	d := &offload.Dialer{Backend: n}
	lc := &offload.ListenConfig{Backend: n}
	for _, addr := range []string{
		"127.0.0.1",       // no port
		"[::1",            // unclosed bracket
		"1.2.3.4:99999",   // port out of range
		"1.2.3.4:-1",      // negative port
		"1.2.3.4:no-such", // unknown service name
		"a:b:c",           // too many colons
	} {
		_, err := d.Dial("tcp", addr)
		wantOpError(t, err, "dial")
		var ae *net.AddrError
		if !errors.As(err, &ae) {
			t.Errorf("Dial(%q): %v; want a *net.AddrError inside", addr, err)
		}
		_, err = lc.Listen(context.Background(), "tcp", addr)
		if !errors.As(err, &ae) {
			t.Errorf("Listen(%q): %v; want a *net.AddrError inside", addr, err)
		}
	}
}

func TestUnknownHost(t *testing.T) {
	for name, b := range map[string]backend.Backend{"loopback resolver": newNet(t), "no resolver": &fakeBackend{}} {
		d := &offload.Dialer{Backend: b}
		_, err := d.Dial("tcp", "no-such-host.test:80")
		wantOpError(t, err, "dial")
		var de *net.DNSError
		if !errors.As(err, &de) || !de.IsNotFound {
			t.Errorf("%s: %v; want a *net.DNSError with IsNotFound", name, err)
		}
	}
}

// TestLocalhostWithoutResolver: "localhost" needs no resolver and is
// tried as 127.0.0.1, then ::1.
func TestLocalhostWithoutResolver(t *testing.T) {
	fb := &fakeBackend{}
	_, err := (&offload.Dialer{Backend: fb}).Dial("tcp", "localhost:7")
	wantOpError(t, err, "dial")
	dialed, _ := fb.calls()
	if len(dialed) != 2 || dialed[0].String() != "127.0.0.1:7" || dialed[1].String() != "[::1]:7" {
		t.Fatalf("dialed %v; want 127.0.0.1:7 then [::1]:7", dialed)
	}
	fb = &fakeBackend{}
	(&offload.Dialer{Backend: fb}).Dial("tcp6", "LocalHost.:7")
	if dialed, _ := fb.calls(); len(dialed) != 1 || dialed[0].String() != "[::1]:7" {
		t.Fatalf("tcp6 dialed %v; want only [::1]:7", dialed)
	}
}

func TestStaticResolverHosts(t *testing.T) {
	fb := &fakeBackend{}
	r := &offload.Resolver{Hosts: map[string][]netip.Addr{"svc.internal": {netip.MustParseAddr("127.0.0.9")}}}
	(&offload.Dialer{Backend: fb, Resolver: r}).Dial("tcp", "svc.internal:80")
	if dialed, _ := fb.calls(); len(dialed) != 1 || dialed[0].String() != "127.0.0.9:80" {
		t.Fatalf("dialed %v; want the static entry", dialed)
	}
}

// TestDialFallsBackAcrossAddresses: the first address refuses, the second
// has the listener.
func TestDialFallsBackAcrossAddresses(t *testing.T) {
	n := newNet(t)
	ln, err := (&offload.ListenConfig{Backend: n}).Listen(context.Background(), "tcp", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	c, err := (&offload.Dialer{Backend: n}).Dial("tcp", net.JoinHostPort("localhost", port))
	if err != nil {
		t.Fatalf("Dial(localhost) with a listener on ::1 only: %v", err)
	}
	defer c.Close()
	if ip := c.RemoteAddr().(*net.TCPAddr).IP; !ip.Equal(net.IPv6loopback) {
		t.Fatalf("connected to %v, want ::1", ip)
	}
}

func TestTimeoutErrorShape(t *testing.T) {
	fb := &fakeBackend{block: true}
	d := &offload.Dialer{Backend: fb, Deadline: time.Now().Add(-time.Second)}
	_, err := d.Dial("tcp", "127.0.0.1:80")
	wantOpError(t, err, "dial")
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("dial past its deadline: %v; want Timeout() and os.ErrDeadlineExceeded", err)
	}
}
