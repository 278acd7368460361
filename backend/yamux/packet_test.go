package yamux

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"
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
