package yamux

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/netoffload/offload/internal/testnet"
)

func TestParseAllowRule(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		ok, no  []string
	}{
		{"10.0.0.0/8", "10.0.0.0/8", []string{"10.1.2.3:1", "10.0.0.1:65535"}, []string{"11.0.0.1:80"}},
		{"192.168.1.5:22", "192.168.1.5/32:22", []string{"192.168.1.5:22"}, []string{"192.168.1.5:23", "192.168.1.6:22"}},
		{"0.0.0.0/0:80,443", "0.0.0.0/0:80,443", []string{"1.2.3.4:443"}, []string{"1.2.3.4:8080", "[::1]:80"}},
		{"127.0.0.1:8000-8010", "127.0.0.1/32:8000-8010", []string{"127.0.0.1:8005", "[::ffff:127.0.0.1]:8000"}, []string{"127.0.0.1:8011"}},
		{"[2001:db8::/32]:443", "[2001:db8::/32]:443", []string{"[2001:db8::1]:443"}, []string{"[2001:db9::1]:443"}},
		{"2001:db8::/32", "2001:db8::/32", []string{"[2001:db8::1]:1"}, nil},
		{"2001:db8::/32:443", "[2001:db8::/32]:443", []string{"[2001:db8::1]:443"}, []string{"[2001:db8::1]:80"}},
		{"::1", "::1/128", []string{"[::1]:9"}, []string{"127.0.0.1:9"}},
		{"*:443", "*:443", []string{"1.2.3.4:443", "[::1]:443"}, []string{"1.2.3.4:80"}},
		{"*", "*", []string{"1.2.3.4:1"}, nil},
	} {
		r, err := ParseAllowRule(tc.in)
		if err != nil {
			t.Errorf("ParseAllowRule(%q): %v", tc.in, err)
			continue
		}
		if r.String() != tc.out {
			t.Errorf("ParseAllowRule(%q) = %s, want %s", tc.in, r, tc.out)
		}
		for _, a := range tc.ok {
			if !r.Allows(netip.MustParseAddrPort(a)) {
				t.Errorf("%s should allow %s", tc.in, a)
			}
		}
		for _, a := range tc.no {
			if r.Allows(netip.MustParseAddrPort(a)) {
				t.Errorf("%s should not allow %s", tc.in, a)
			}
		}
	}
	for _, bad := range []string{"", "10.0.0.0/33", "10.0.0.1:", "10.0.0.1:x", "[::1", "[::1]x", "host.example:80", "10.0.0.1:90-80", "1.2.3.4:70000"} {
		if r, err := ParseAllowRule(bad); err == nil {
			t.Errorf("ParseAllowRule(%q) = %v, want an error", bad, r)
		}
	}
}

func TestParsePortRanges(t *testing.T) {
	p, err := ParsePortRanges("80, 443,8000-8080")
	if err != nil || p.String() != "80,443,8000-8080" || !p.Contains(8042) || p.Contains(81) {
		t.Fatalf("ParsePortRanges = %v, %v", p, err)
	}
	if p, _ := ParsePortRanges("*"); !p.Contains(0) || !p.Contains(65535) {
		t.Fatal("* should contain every port")
	}
}

func TestDenied(t *testing.T) {
	guard(t, 10*time.Second)
	allowed := testnet.EchoServer(t)
	other := testnet.EchoServer(t)
	rule, err := ParseAllowRule(allowed)
	if err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	ports, _ := ParsePortRanges("1")
	g := &Gateway{PSK: testKey, Allow: []Rule{rule}, AllowListen: ports, Logger: logs.logger()}
	e := newEnv(t, linkPipe, g, nil)
	c, err := dialer(e.b).Dial("tcp", allowed)
	if err != nil {
		t.Fatalf("allowed dial: %v", err)
	}
	c.Close()
	for _, addr := range []string{other, "[::1]:80"} {
		_, err = dialer(e.b).Dial("tcp", addr)
		if !errors.Is(err, syscall.EACCES) {
			t.Errorf("dial %s: %v, want EACCES", addr, err)
		}
	}
	_, err = listenConfig(e.b).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if !errors.Is(err, syscall.EACCES) {
		t.Errorf("listen: %v, want EACCES", err)
	}
	_, err = listenConfig(e.b).ListenPacket(context.Background(), "udp", "127.0.0.1:0")
	if !errors.Is(err, syscall.EACCES) {
		t.Errorf("listen packet: %v, want EACCES", err)
	}
	if s := logs.String(); !strings.Contains(s, "denied") || !strings.Contains(s, "op=listen") {
		t.Errorf("no denial log lines:\n%s", s)
	}
}

// TestDeniedByName: a host name resolves on the gateway and only allowed
// addresses are dialed.
func TestDeniedByName(t *testing.T) {
	guard(t, 10*time.Second)
	addr := testnet.EchoServer(t)
	ap := netip.MustParseAddrPort(addr)
	rule := Rule{Prefix: netip.PrefixFrom(ap.Addr(), 32)}
	g := &Gateway{PSK: testKey, Allow: []Rule{rule}, Resolve: func(ctx context.Context, network, host string) ([]netip.Addr, error) {
		switch host {
		case "good.test":
			return []netip.Addr{netip.MustParseAddr("127.0.0.2"), ap.Addr()}, nil
		case "evil.test":
			return []netip.Addr{netip.MustParseAddr("127.0.0.3")}, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}}
	e := newEnv(t, linkPipe, g, nil)
	s, _ := e.b.session(context.Background())
	port := ap.Port()
	for _, tc := range []struct {
		host string
		want error
	}{{"good.test", nil}, {"evil.test", syscall.EACCES}, {"nowhere.test", syscall.ENOENT}} {
		ent, err := s.open()
		if err != nil {
			t.Fatal(err)
		}
		req := request{op: opDial, network: netTCP, payload: []byte(net.JoinHostPort(tc.host, itoa(port)))}
		_, err = s.roundTrip(context.Background(), ent, req, nil)
		switch {
		case tc.want == nil && err != nil:
			t.Errorf("%s: %v", tc.host, err)
		case tc.want == syscall.EACCES && !errors.Is(err, syscall.EACCES):
			t.Errorf("%s: %v, want EACCES", tc.host, err)
		case tc.want == syscall.ENOENT && err == nil:
			t.Errorf("%s: dial succeeded", tc.host)
		}
		if err == nil {
			s.reset(ent, syscall.ECONNRESET)
		}
	}
}

func itoa(p uint16) string {
	return netip.AddrPortFrom(netip.IPv4Unspecified(), p).String()[len("0.0.0.0:"):]
}
