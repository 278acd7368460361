package loopback_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend"
	"github.com/netoffload/offload/backend/loopback"
)

// hangGuard bounds waits; it turns a hang into a failure and is never a
// timing check.
const hangGuard = 20 * time.Second

var (
	addrDB  = netip.MustParseAddr("192.0.2.10")
	addrApp = netip.MustParseAddr("192.0.2.20")
)

// twoHosts is a network with the machines db.test and app.test besides
// localhost.
func twoHosts(cfg loopback.Config) loopback.Config {
	cfg.Hosts = append(cfg.Hosts,
		loopback.Host{Name: "db.test", Addrs: []netip.Addr{addrDB}},
		loopback.Host{Name: "app.test", Addrs: []netip.Addr{addrApp}},
	)
	return cfg
}

// newNet returns a network closed when the test ends.
func newNet(t *testing.T, cfg loopback.Config) *loopback.Network {
	t.Helper()
	n := loopback.New(cfg)
	t.Cleanup(func() { n.Close() })
	return n
}

func listen(t *testing.T, b backend.Backend, address string) *offload.Listener {
	t.Helper()
	return listenWith(t, &offload.ListenConfig{Backend: b}, address)
}

func listenWith(t *testing.T, lc *offload.ListenConfig, address string) *offload.Listener {
	t.Helper()
	ln, err := lc.Listen(context.Background(), "tcp", address)
	if err != nil {
		t.Fatalf("Listen(%q): %v", address, err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.(*offload.Listener)
}

func listenPacket(t *testing.T, lc *offload.ListenConfig, address string) *offload.PacketConn {
	t.Helper()
	pc, err := lc.ListenPacket(context.Background(), "udp", address)
	if err != nil {
		t.Fatalf("ListenPacket(%q): %v", address, err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.(*offload.PacketConn)
}

// pair dials address from b and accepts the conn on ln.
func pair(t *testing.T, b backend.Backend, ln *offload.Listener, address string) (client, server *offload.Conn) {
	t.Helper()
	c, err := (&offload.Dialer{Backend: b}).Dial("tcp", address)
	if err != nil {
		t.Fatalf("Dial(%q): %v", address, err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := ln.AcceptOffload()
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return c.(*offload.Conn), s
}

// addrPort returns the netip form of a conn's *net.TCPAddr.
func addrPort(t *testing.T, a net.Addr) netip.AddrPort {
	t.Helper()
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		t.Fatalf("address %v is a %T, want *net.TCPAddr", a, a)
	}
	return ta.AddrPort()
}

// isOpErr checks err is a *net.OpError wrapping target.
func isOpErr(t *testing.T, err, target error) {
	t.Helper()
	var oe *net.OpError
	if !errors.As(err, &oe) || !errors.Is(err, target) {
		t.Fatalf("error %v (%T): want a *net.OpError wrapping %v", err, err, target)
	}
}

// notArrived checks that nothing can be read from c yet: a read with a
// short deadline times out. It is evidence of "not yet", never a claim
// about durations.
func notArrived(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	n, err := c.Read(make([]byte, 64))
	c.SetReadDeadline(time.Time{})
	if n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read = %d, %v; want nothing to have arrived (a timeout)", n, err)
	}
}

// readFull reads exactly n bytes from c, with the hang guard as deadline.
func readFull(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(hangGuard))
	defer c.SetReadDeadline(time.Time{})
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("reading %d bytes: %v", n, err)
	}
	return b
}

// transfer sends data from a to b (then closes a's write side) while b
// reads until EOF, and fails unless every byte arrived intact.
func transfer(t *testing.T, a, b *offload.Conn, data []byte) {
	t.Helper()
	if err := transferErr(a, b, data); err != nil {
		t.Fatal(err)
	}
}

// transferErr is transfer for use off the test goroutine.
func transferErr(a, b *offload.Conn, data []byte) error {
	errc := make(chan error, 1)
	go func() {
		_, err := a.Write(data)
		if err == nil {
			err = a.CloseWrite()
		}
		errc <- err
	}()
	b.SetReadDeadline(time.Now().Add(hangGuard))
	got, err := io.ReadAll(b)
	b.SetReadDeadline(time.Time{})
	if err != nil {
		return fmt.Errorf("reading: %w", err)
	}
	if err := <-errc; err != nil {
		return fmt.Errorf("writing: %w", err)
	}
	if sha256.Sum256(got) != sha256.Sum256(data) {
		return fmt.Errorf("received %d bytes, want %d: checksum differs", len(got), len(data))
	}
	return nil
}

// payload returns n bytes of a non-repeating-at-small-periods pattern.
func payload(n int) []byte {
	p := make([]byte, n)
	x := uint32(2463534242)
	for i := range p {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		p[i] = byte(x)
	}
	return p
}
