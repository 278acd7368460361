package loopback_test

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/loopback"
)

func TestEphemeralPorts(t *testing.T) {
	n := newNet(t, loopback.Config{EphemeralMin: 40000, EphemeralMax: 40002})
	seen := map[int]bool{}
	for range 3 {
		ln := listen(t, n, "127.0.0.1:0")
		port := ln.Addr().(*net.TCPAddr).Port
		if port < 40000 || port > 40002 || seen[port] {
			t.Fatalf("port %d: want a fresh one in 40000-40002", port)
		}
		seen[port] = true
	}
	_, err := (&offload.ListenConfig{Backend: n}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	isOpErr(t, err, syscall.EADDRINUSE)
}

func TestDefaultEphemeralRange(t *testing.T) {
	n := newNet(t, loopback.Config{})
	ln := listen(t, n, "127.0.0.1:0")
	if p := ln.Addr().(*net.TCPAddr).Port; p < 49152 || p > 65535 {
		t.Fatalf("listener port %d outside 49152-65535", p)
	}
	c, _ := pair(t, n, ln, ln.Addr().String())
	if p := c.LocalAddr().(*net.TCPAddr).Port; p < 49152 || p > 65535 || p == ln.Addr().(*net.TCPAddr).Port {
		t.Fatalf("dialer port %d: want another ephemeral port", p)
	}
}

func TestAddrInUse(t *testing.T) {
	n := newNet(t, loopback.Config{})
	listen(t, n, "127.0.0.1:8080")
	lc := &offload.ListenConfig{Backend: n}
	for _, addr := range []string{"127.0.0.1:8080", ":8080", "0.0.0.0:8080"} {
		_, err := lc.Listen(context.Background(), "tcp", addr)
		isOpErr(t, err, syscall.EADDRINUSE)
	}
	// Datagram ports are a separate space.
	listenPacket(t, lc, "127.0.0.1:8080")
	// A port is free again once its listener is closed.
	ln := listen(t, n, "127.0.0.1:9090")
	ln.Close()
	listen(t, n, "127.0.0.1:9090")
}

func TestConnRefusedWithoutListener(t *testing.T) {
	n := newNet(t, loopback.Config{})
	_, err := (&offload.Dialer{Backend: n}).Dial("tcp", "127.0.0.1:1")
	isOpErr(t, err, syscall.ECONNREFUSED)
	ln := listen(t, n, "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err = (&offload.Dialer{Backend: n}).Dial("tcp", addr)
	isOpErr(t, err, syscall.ECONNREFUSED)
}

func TestConnRefusedWhenBacklogFull(t *testing.T) {
	n := newNet(t, loopback.Config{})
	ln := listenWith(t, &offload.ListenConfig{Backend: n, Backlog: 1}, "127.0.0.1:0")
	d := &offload.Dialer{Backend: n}
	first, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("first dial: %v", err)
	}
	defer first.Close()
	_, err = d.Dial("tcp", ln.Addr().String())
	isOpErr(t, err, syscall.ECONNREFUSED)
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	third, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("dial after Accept freed the backlog: %v", err)
	}
	third.Close()
}

func TestNetUnreachable(t *testing.T) {
	n := newNet(t, loopback.Config{})
	d := &offload.Dialer{Backend: n}
	for _, network := range []string{"tcp", "udp"} {
		_, err := d.Dial(network, "198.51.100.7:80")
		isOpErr(t, err, syscall.ENETUNREACH)
	}
}

// TestListenerCloseResetsQueued: connections queued but never accepted
// are reset when the listener closes.
func TestListenerCloseResetsQueued(t *testing.T) {
	n := newNet(t, loopback.Config{})
	lc := &offload.ListenConfig{Backend: n}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := (&offload.Dialer{Backend: n}).Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ln.Close()
	_, err = c.Read(make([]byte, 1))
	isOpErr(t, err, syscall.ECONNRESET)
}

func TestNetworkCloseFailsEverything(t *testing.T) {
	n := loopback.New(loopback.Config{})
	ln := listen(t, n, "127.0.0.1:0")
	c, s := pair(t, n, ln, ln.Addr().String())
	pc := listenPacket(t, &offload.ListenConfig{Backend: n}, "127.0.0.1:0")

	reads := make(chan error, 2)
	for _, conn := range []*offload.Conn{c, s} {
		go func() {
			_, err := conn.Read(make([]byte, 1))
			reads <- err
		}()
	}
	accepted := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		accepted <- err
	}()
	n.Close()
	for range 2 {
		isOpErr(t, <-reads, syscall.ENETDOWN)
	}
	if err := <-accepted; !errors.Is(err, net.ErrClosed) && !errors.Is(err, syscall.ENETDOWN) {
		t.Fatalf("Accept after Network.Close: %v", err)
	}
	_, err := c.Write([]byte("x"))
	isOpErr(t, err, syscall.ENETDOWN)
	_, _, err = pc.ReadFrom(make([]byte, 1))
	isOpErr(t, err, syscall.ENETDOWN)
	_, err = (&offload.Dialer{Backend: n}).Dial("tcp", ln.Addr().String())
	isOpErr(t, err, syscall.ENETDOWN)
}

// TestCloseThenPeerReads: bytes written before Close still reach the
// peer, then io.EOF; the peer's writes then fail.
func TestCloseThenPeerReads(t *testing.T) {
	n := newNet(t, loopback.Config{})
	ln := listen(t, n, "127.0.0.1:0")
	c, s := pair(t, n, ln, ln.Addr().String())
	c.Write([]byte("bye"))
	c.Close()
	if got := readFull(t, s, 3); string(got) != "bye" {
		t.Fatalf("read %q", got)
	}
	if _, err := s.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("Read after the peer's Close: %v, want io.EOF", err)
	}
	_, err := s.Write([]byte("x"))
	isOpErr(t, err, syscall.ECONNRESET)
}
