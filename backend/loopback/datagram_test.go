package loopback_test

import (
	"bytes"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend"
	"github.com/netoffload/offload/backend/loopback"
)

// recv reads one datagram from pc with the hang guard as deadline.
func recv(t *testing.T, pc net.PacketConn, size int) ([]byte, net.Addr) {
	t.Helper()
	pc.SetReadDeadline(time.Now().Add(hangGuard))
	defer pc.SetReadDeadline(time.Time{})
	buf := make([]byte, size)
	n, from, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatalf("ReadFrom: %v", err)
	}
	return buf[:n], from
}

func TestDatagramBoundaries(t *testing.T) {
	n := newNet(t, loopback.Config{})
	lc := &offload.ListenConfig{Backend: n}
	a, b := listenPacket(t, lc, "127.0.0.1:0"), listenPacket(t, lc, "127.0.0.1:0")
	msgs := []string{"a", "bb", "", "dddd"}
	for _, m := range msgs {
		if k, err := a.WriteTo([]byte(m), b.LocalAddr()); k != len(m) || err != nil {
			t.Fatalf("WriteTo(%q) = %d, %v", m, k, err)
		}
	}
	for _, m := range msgs {
		got, from := recv(t, b, 100)
		if string(got) != m {
			t.Fatalf("datagram %q, want %q", got, m)
		}
		if from.String() != a.LocalAddr().String() {
			t.Fatalf("source %v, want %v", from, a.LocalAddr())
		}
		if _, ok := from.(*net.UDPAddr); !ok {
			t.Fatalf("source is a %T, want *net.UDPAddr", from)
		}
	}
}

func TestDatagramTruncation(t *testing.T) {
	n := newNet(t, loopback.Config{})
	lc := &offload.ListenConfig{Backend: n}
	a, b := listenPacket(t, lc, "127.0.0.1:0"), listenPacket(t, lc, "127.0.0.1:0")
	a.WriteTo([]byte("0123456789"), b.LocalAddr())
	a.WriteTo([]byte("next"), b.LocalAddr())
	if got, _ := recv(t, b, 4); string(got) != "0123" {
		t.Fatalf("short read %q, want the first 4 bytes", got)
	}
	if got, _ := recv(t, b, 100); string(got) != "next" {
		t.Fatalf("then %q, want the next datagram (the rest is discarded)", got)
	}
}

func TestDatagramMaxSize(t *testing.T) {
	n := newNet(t, loopback.Config{})
	lc := &offload.ListenConfig{Backend: n}
	a, b := listenPacket(t, lc, "127.0.0.1:0"), listenPacket(t, lc, "127.0.0.1:0")
	big := payload(backend.MaxDatagram)
	if k, err := a.WriteTo(big, b.LocalAddr()); k != len(big) || err != nil {
		t.Fatalf("WriteTo(65507 bytes) = %d, %v", k, err)
	}
	if got, _ := recv(t, b, 70000); !bytes.Equal(got, big) {
		t.Fatalf("received %d bytes, want the 65507 sent", len(got))
	}
	_, err := a.WriteTo(payload(backend.MaxDatagram+1), b.LocalAddr())
	isOpErr(t, err, syscall.EMSGSIZE)
}

func TestDatagramQueueFullDrops(t *testing.T) {
	n := newNet(t, loopback.Config{})
	a := listenPacket(t, &offload.ListenConfig{Backend: n}, "127.0.0.1:0")
	b := listenPacket(t, &offload.ListenConfig{Backend: n, Options: backend.Options{PacketQueue: 4}}, "127.0.0.1:0")
	for i := range 10 {
		if _, err := a.WriteTo([]byte{byte(i)}, b.LocalAddr()); err != nil {
			t.Fatalf("WriteTo: %v (a full receiver must not fail the sender)", err)
		}
	}
	if d := b.Dropped(); d != 6 {
		t.Fatalf("Dropped = %d, want 6", d)
	}
	for i := range 4 {
		if got, _ := recv(t, b, 10); len(got) != 1 || got[0] != byte(i) {
			t.Fatalf("datagram %d = %v; want the first four kept in order", i, got)
		}
	}
	if n.Lost() != 0 {
		t.Fatalf("Network.Lost = %d: queue drops are counted per socket", n.Lost())
	}
}

func TestConnectedDatagrams(t *testing.T) {
	n := newNet(t, loopback.Config{})
	lc := &offload.ListenConfig{Backend: n}
	srv := listenPacket(t, lc, "127.0.0.1:0")
	other := listenPacket(t, lc, "127.0.0.1:0")
	c, err := (&offload.Dialer{Backend: n}).Dial("udp", srv.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	got, from := recv(t, srv, 10)
	if string(got) != "ping" || from.String() != c.LocalAddr().String() {
		t.Fatalf("server got %q from %v; want ping from %v", got, from, c.LocalAddr())
	}
	// Arrivals from elsewhere are filtered out of a connected socket.
	other.WriteTo([]byte("stranger"), c.LocalAddr())
	srv.WriteTo([]byte("pong"), from)
	c.SetReadDeadline(time.Now().Add(hangGuard))
	buf := make([]byte, 10)
	k, err := c.Read(buf)
	if err != nil || string(buf[:k]) != "pong" {
		t.Fatalf("connected Read = %q, %v; want pong only", buf[:k], err)
	}
}

func TestDatagramUnboundDestinationVanishes(t *testing.T) {
	n := newNet(t, loopback.Config{})
	a := listenPacket(t, &offload.ListenConfig{Backend: n}, "127.0.0.1:0")
	for i := range 3 {
		if _, err := a.WriteTo([]byte(fmt.Sprint(i)), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}); err != nil {
			t.Fatalf("WriteTo a port nobody bound: %v; UDP sends succeed", err)
		}
	}
}
