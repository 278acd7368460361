package yamux

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/netoffload/offload/backend"
)

func TestListenPacket(t *testing.T) {
	for _, kind := range linkKinds {
		t.Run(kind, func(t *testing.T) {
			guard(t, 20*time.Second)
			e := newEnv(t, kind, nil, nil)
			pc, err := listenConfig(e.b).ListenPacket(context.Background(), "udp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer pc.Close()
			host, err := net.ListenPacket("udp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer host.Close()
			// host → device, then device → host, boundaries kept.
			for _, size := range []int{1, 100, 1400, 60000} {
				msg := bytes.Repeat([]byte{byte(size)}, size)
				if _, err := host.WriteTo(msg, pc.LocalAddr()); err != nil {
					t.Fatal(err)
				}
				buf := make([]byte, 65536)
				n, from, err := pc.ReadFrom(buf)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(buf[:n], msg) || from.String() != host.LocalAddr().String() {
					t.Fatalf("device got %d bytes from %v", n, from)
				}
				if _, err := pc.WriteTo(msg, from); err != nil {
					t.Fatal(err)
				}
				n, from, err = host.ReadFrom(buf)
				if err != nil || !bytes.Equal(buf[:n], msg) || from.String() != pc.LocalAddr().String() {
					t.Fatalf("host got %d bytes from %v: %v", n, from, err)
				}
			}
		})
	}
}

// udpEcho echoes datagrams on 127.0.0.1 until cleanup.
func udpEcho(t *testing.T) net.Addr {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65536)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(buf[:n], from)
		}
	}()
	t.Cleanup(func() { pc.Close(); <-done })
	return pc.LocalAddr()
}

func TestDialUDP(t *testing.T) {
	guard(t, 10*time.Second)
	e := newEnv(t, linkPipe, nil, nil)
	addr := udpEcho(t)
	c, err := dialer(e.b).Dial("udp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.RemoteAddr().String() != addr.String() {
		t.Fatalf("RemoteAddr %v, want %v", c.RemoteAddr(), addr)
	}
	buf := make([]byte, 100)
	for i := range 5 {
		msg := []byte{'p', 'i', 'n', 'g', byte('0' + i)}
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		n, err := c.Read(buf)
		if err != nil || !bytes.Equal(buf[:n], msg) {
			t.Fatalf("read %q, %v", buf[:n], err)
		}
	}
}

// TestBoundConnectedUDP: a datagram socket bound first and then connected
// (a Dialer with LocalAddr) keeps its address on the gateway, sends to the
// connected peer, and receives only the peer's datagrams. Both host
// sockets send to the device's address from the test goroutine, the
// stranger first, so its datagram reaches the gateway's socket ahead of
// the peer's and is relayed first: a Read that returned it would show
// the filter missing. A second reply checks that the stranger's datagram
// was dropped, not merely delayed.
func TestBoundConnectedUDP(t *testing.T) {
	guard(t, 20*time.Second)
	e := newEnv(t, linkPipe, nil, nil)
	peer, stranger := hostUDP(t), hostUDP(t)
	d := dialer(e.b)
	d.LocalAddr = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	c, err := d.Dial("udp", peer.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().(*net.UDPAddr)
	if !local.IP.Equal(net.IPv4(127, 0, 0, 1)) || local.Port == 0 {
		t.Fatalf("LocalAddr %v, want 127.0.0.1 and a port", local)
	}
	if c.RemoteAddr().String() != peer.LocalAddr().String() {
		t.Fatalf("RemoteAddr %v, want %v", c.RemoteAddr(), peer.LocalAddr())
	}
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, from, err := peer.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "hello" || from.String() != local.String() {
		t.Fatalf("peer got %q from %v (%v), want %q from %v", buf[:n], from, err, "hello", local)
	}
	for _, reply := range []string{"reply", "again"} {
		if _, err := stranger.WriteTo([]byte("stranger"), local); err != nil {
			t.Fatal(err)
		}
		if _, err := peer.WriteTo([]byte(reply), local); err != nil {
			t.Fatal(err)
		}
		n, err := c.Read(buf)
		if err != nil || string(buf[:n]) != reply {
			t.Fatalf("Read = %q, %v; want %q", buf[:n], err, reply)
		}
	}
}

// TestDatagramSocketContract drives the backend's datagram sockets
// directly, below offload's PacketConn (which filters a connected conn's
// arrivals again): Connect on a bound socket filters arrivals and sets the
// default destination, and SendTo on an unbound socket binds it first.
func TestDatagramSocketContract(t *testing.T) {
	guard(t, 20*time.Second)
	e := newEnv(t, linkPipe, nil, nil)
	ctx := context.Background()
	peer, stranger := hostUDP(t), hostUDP(t)
	peerAP := netip.MustParseAddrPort(peer.LocalAddr().String())
	buf := make([]byte, 100)

	t.Run("BoundThenConnected", func(t *testing.T) {
		s, err := e.b.Open(ctx, "udp", backend.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Bind(netip.MustParseAddrPort("127.0.0.1:0")); err != nil {
			t.Fatal(err)
		}
		if err := s.Connect(ctx, peerAP); err != nil {
			t.Fatal(err)
		}
		if s.RemoteAddr() != peerAP {
			t.Fatalf("RemoteAddr %v, want %v", s.RemoteAddr(), peerAP)
		}
		local := net.UDPAddrFromAddrPort(s.LocalAddr())
		if _, err := s.SendTo([]byte("hello"), netip.AddrPort{}); err != nil {
			t.Fatalf("SendTo without a destination on a connected socket: %v", err)
		}
		n, from, err := peer.ReadFrom(buf)
		if err != nil || string(buf[:n]) != "hello" || from.String() != local.String() {
			t.Fatalf("peer got %q from %v (%v), want %q from %v", buf[:n], from, err, "hello", local)
		}
		if _, err := stranger.WriteTo([]byte("stranger"), local); err != nil {
			t.Fatal(err)
		}
		if _, err := peer.WriteTo([]byte("reply"), local); err != nil {
			t.Fatal(err)
		}
		n, src, _, err := s.Packets().Receive(buf)
		if err != nil || string(buf[:n]) != "reply" || src != peerAP {
			t.Fatalf("Receive = %q from %v, %v; want %q from %v", buf[:n], src, err, "reply", peerAP)
		}
	})

	t.Run("SendToBindsFirst", func(t *testing.T) {
		s, err := e.b.Open(ctx, "udp", backend.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.LocalAddr().IsValid() {
			t.Fatalf("unbound socket has LocalAddr %v", s.LocalAddr())
		}
		if _, err := s.SendTo([]byte("first"), peerAP); err != nil {
			t.Fatal(err)
		}
		// Bound as an unbound kernel socket is: any address, a port.
		local := s.LocalAddr()
		if !local.Addr().IsUnspecified() || local.Port() == 0 {
			t.Fatalf("LocalAddr after SendTo = %v, want the unspecified address and a port", local)
		}
		n, from, err := peer.ReadFrom(buf)
		if err != nil || string(buf[:n]) != "first" || from.(*net.UDPAddr).Port != int(local.Port()) {
			t.Fatalf("peer got %q from %v (%v), want %q from port %d", buf[:n], from, err, "first", local.Port())
		}
		// The bound socket receives the reply.
		if _, err := peer.WriteTo([]byte("back"), from); err != nil {
			t.Fatal(err)
		}
		n, src, _, err := s.Packets().Receive(buf)
		if err != nil || string(buf[:n]) != "back" || src != peerAP {
			t.Fatalf("Receive = %q from %v, %v; want %q from %v", buf[:n], src, err, "back", peerAP)
		}
	})
}

// hostUDP opens a host UDP socket on 127.0.0.1, closed at cleanup.
func hostUDP(t *testing.T) net.PacketConn {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc
}

// TestPacketDenied: datagrams from a listening socket reach only
// destinations the gateway allows. The denied one is sent first; the
// gateway handles frames in order, so once the allowed echo is back the
// denied datagram would have arrived if it had been sent.
func TestPacketDenied(t *testing.T) {
	guard(t, 10*time.Second)
	echo := udpEcho(t)
	rule, _ := ParseAllowRule(echo.String())
	ports, _ := ParsePortRanges("0")
	e := newEnv(t, linkPipe, &Gateway{PSK: testKey, Allow: []Rule{rule}, AllowListen: ports}, nil)
	pc, err := listenConfig(e.b).ListenPacket(context.Background(), "udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	denied, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer denied.Close()
	pc.WriteTo([]byte("not for you"), denied.LocalAddr())
	pc.WriteTo([]byte("echo me"), echo)
	buf := make([]byte, 100)
	n, _, err := pc.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "echo me" {
		t.Fatalf("echo: %q, %v", buf[:n], err)
	}
	denied.SetReadDeadline(time.Now())
	if n, _, err := denied.ReadFrom(buf); err == nil {
		t.Fatalf("a denied destination received %q", buf[:n])
	}
}
