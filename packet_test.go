package offload_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/netoffload/offload"
)

func packetPair(t *testing.T) (a, b *offload.PacketConn) {
	t.Helper()
	lc := &offload.ListenConfig{Backend: newNet(t)}
	open := func() *offload.PacketConn {
		pc, err := lc.ListenPacket(context.Background(), "udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pc.Close() })
		pc.SetReadDeadline(time.Now().Add(hangGuard))
		return pc.(*offload.PacketConn)
	}
	return open(), open()
}

func TestAddrPortCalls(t *testing.T) {
	a, b := packetPair(t)
	to := b.LocalAddr().(*net.UDPAddr).AddrPort()
	if k, err := a.WriteToUDPAddrPort([]byte("netip"), to); k != 5 || err != nil {
		t.Fatalf("WriteToUDPAddrPort = %d, %v", k, err)
	}
	buf := make([]byte, 16)
	k, from, err := b.ReadFromUDPAddrPort(buf)
	if err != nil || string(buf[:k]) != "netip" || from != a.LocalAddr().(*net.UDPAddr).AddrPort() {
		t.Fatalf("ReadFromUDPAddrPort = %q from %v, %v", buf[:k], from, err)
	}
	// An IPv4-mapped destination reaches the IPv4 socket.
	mapped := netip.AddrPortFrom(netip.AddrFrom16(to.Addr().As16()), to.Port())
	if _, err := a.WriteToUDPAddrPort([]byte("mapped"), mapped); err != nil {
		t.Fatal(err)
	}
	if k, _, err := b.ReadFromUDPAddrPort(buf); err != nil || string(buf[:k]) != "mapped" {
		t.Fatalf("via a mapped address: %q, %v", buf[:k], err)
	}
}

// stringAddr is a net.Addr of neither *net.UDPAddr nor *net.TCPAddr.
type stringAddr string

func (a stringAddr) Network() string { return "udp" }
func (a stringAddr) String() string  { return string(a) }

func TestWriteToAddrTypes(t *testing.T) {
	a, b := packetPair(t)
	if _, err := a.WriteTo([]byte("any Addr"), stringAddr(b.LocalAddr().String())); err != nil {
		t.Fatalf("WriteTo with an ip:port net.Addr: %v", err)
	}
	buf := make([]byte, 16)
	if k, _, err := b.ReadFrom(buf); err != nil || string(buf[:k]) != "any Addr" {
		t.Fatalf("ReadFrom = %q, %v", buf[:k], err)
	}
	var ae *net.AddrError
	for _, to := range []net.Addr{nil, stringAddr("not an address")} {
		_, err := a.WriteTo([]byte("x"), to)
		wantOpError(t, err, "write")
		if !errors.As(err, &ae) {
			t.Errorf("WriteTo(%v): %v; want a *net.AddrError", to, err)
		}
	}
}

func TestPacketWriteDeadline(t *testing.T) {
	a, b := packetPair(t)
	a.SetWriteDeadline(time.Now().Add(-time.Second))
	_, err := a.WriteTo([]byte("x"), b.LocalAddr())
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("WriteTo past the write deadline: %v; want a timeout", err)
	}
	a.SetDeadline(time.Time{})
	if _, err := a.WriteTo([]byte("x"), b.LocalAddr()); err != nil {
		t.Fatalf("WriteTo after disarming: %v", err)
	}
}

// TestPacketReadDeadlineWakes: a blocked ReadFrom wakes when a deadline
// is set, and a later datagram is read normally once it is disarmed.
func TestPacketReadDeadlineWakes(t *testing.T) {
	a, b := packetPair(t)
	b.SetReadDeadline(time.Time{})
	errc := make(chan error, 1)
	go func() {
		_, _, err := b.ReadFrom(make([]byte, 8))
		errc <- err
	}()
	b.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	if err := <-errc; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("blocked ReadFrom: %v, want a timeout", err)
	}
	b.SetReadDeadline(time.Time{})
	a.WriteTo([]byte("later"), b.LocalAddr())
	buf := make([]byte, 8)
	if k, _, err := b.ReadFrom(buf); err != nil || string(buf[:k]) != "later" {
		t.Fatalf("ReadFrom = %q, %v", buf[:k], err)
	}
}

func TestPacketSteadyStateAllocs(t *testing.T) {
	a, b := packetPair(t)
	b.SetReadDeadline(time.Time{})
	to := b.LocalAddr().(*net.UDPAddr).AddrPort()
	p, buf := make([]byte, 64), make([]byte, 64)
	allocs := testing.AllocsPerRun(1000, func() {
		a.WriteToUDPAddrPort(p, to)
		b.ReadFromUDPAddrPort(buf)
	})
	if allocs != 0 {
		t.Errorf("WriteToUDPAddrPort+ReadFromUDPAddrPort of 64 B: %v allocations, want 0", allocs)
	}
}

func TestIPVersionNetworks(t *testing.T) {
	n := newNet(t)
	ln6 := listen(t, n, "[::1]:0")
	_, port, _ := net.SplitHostPort(ln6.Addr().String())
	d := &offload.Dialer{Backend: n}
	c, err := d.Dial("tcp6", net.JoinHostPort("localhost", port))
	if err != nil {
		t.Fatalf("tcp6 to localhost: %v", err)
	}
	c.Close()
	if _, err := d.Dial("tcp4", net.JoinHostPort("::1", port)); err == nil {
		t.Fatal("tcp4 to an IPv6 literal succeeded")
	}
	lc := &offload.ListenConfig{Backend: n}
	ln4, err := lc.Listen(context.Background(), "tcp4", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln4.Close()
	if ip := ln4.Addr().(*net.TCPAddr).IP; ip.To4() == nil {
		t.Fatalf("tcp4 wildcard listener reports %v, want 0.0.0.0", ip)
	}
}

func TestResolverLookupNetIP(t *testing.T) {
	r := &offload.Resolver{
		Hosts:   map[string][]netip.Addr{"dual.test": {netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")}},
		Backend: &fakeBackend{},
	}
	ctx := context.Background()
	for network, want := range map[string]string{"ip": "[192.0.2.1 2001:db8::1]", "ip4": "[192.0.2.1]", "ip6": "[2001:db8::1]"} {
		addrs, err := r.LookupNetIP(ctx, network, "dual.test")
		if err != nil || fmt.Sprint(addrs) != want {
			t.Errorf("LookupNetIP(%s) = %v, %v; want %s", network, addrs, err, want)
		}
	}
	_, err := r.LookupNetIP(ctx, "ip", "missing.test")
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound {
		t.Errorf("LookupNetIP(missing): %v; want a *net.DNSError with IsNotFound", err)
	}
}
