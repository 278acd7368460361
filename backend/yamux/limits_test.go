package yamux

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend"
	"github.com/netoffload/offload/internal/testnet"
)

func TestMaxStreams(t *testing.T) {
	guard(t, 10*time.Second)
	addr := testnet.EchoServer(t)
	// The control stream takes one of the three.
	e := newEnv(t, linkPipe, &Gateway{AllowAll: true, MaxStreams: 3}, nil)
	var conns []net.Conn
	for range 2 {
		c, err := dialer(e.b).Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	if _, err := dialer(e.b).Dial("tcp", addr); !errors.Is(err, syscall.EMFILE) {
		t.Fatalf("dial beyond the limit: %v, want EMFILE", err)
	}
	for _, c := range conns {
		c.Close()
	}
	// Slots come back once streams end.
	waitFor(func() bool {
		c, err := dialer(e.b).Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

func TestMaxListeners(t *testing.T) {
	guard(t, 10*time.Second)
	e := newEnv(t, linkPipe, &Gateway{AllowAll: true, MaxListeners: 1}, nil)
	ln, err := listenConfig(e.b).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := listenConfig(e.b).ListenPacket(context.Background(), "udp", "127.0.0.1:0"); !errors.Is(err, syscall.EMFILE) {
		t.Fatalf("second listener: %v, want EMFILE", err)
	}
	ln.Close()
	pc, err := listenConfig(e.b).ListenPacket(context.Background(), "udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listener after closing the first: %v", err)
	}
	pc.Close()
}

// rawRequest sends b as the first bytes of a new stream and returns the
// reply status.
func rawRequest(t *testing.T, e *env, b []byte) (uint8, error) {
	t.Helper()
	s, err := e.b.session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ent, err := s.open()
	if err != nil {
		t.Fatal(err)
	}
	defer s.reset(ent, syscall.ECONNRESET)
	defer s.reg.remove(ent)
	if _, err := ent.st.Write(b); err != nil {
		return 0, err
	}
	ent.st.SetReadDeadline(time.Now().Add(5 * time.Second))
	rep, err := readReply(ent.st)
	return rep.status, err
}

// Malformed and oversized requests get an error status; the session
// and its other streams live on.
func TestBadRequests(t *testing.T) {
	guard(t, 10*time.Second)
	addr := testnet.EchoServer(t)
	e := newEnv(t, linkPipe, &Gateway{AllowAll: true, MaxHeader: 64}, nil)
	live, err := dialer(e.b).Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	long := appendRequest(nil, request{op: opResolve, network: netIP, payload: make([]byte, 100)})
	for name, b := range map[string][]byte{
		"oversized":   long,
		"unknown op":  appendRequest(nil, request{op: 99, network: netTCP, payload: []byte("1.2.3.4:5")}),
		"bad network": appendRequest(nil, request{op: opDial, network: 42, payload: []byte("1.2.3.4:5")}),
		"bad address": appendRequest(nil, request{op: opDial, network: netTCP, payload: []byte("no port")}),
		"accept":      appendRequest(nil, request{op: opAccept, network: netTCP, payload: []byte{0, 0}}),
		"short":       {0, 2, 1, 1},
	} {
		st, err := rawRequest(t, e, b)
		if err != nil || st != stBadRequest {
			t.Errorf("%s: status %d, %v; want %d", name, st, err, stBadRequest)
		}
	}
	live.Write([]byte("still here"))
	buf := make([]byte, 10)
	if _, err := live.Read(buf); err != nil || string(buf) != "still here" {
		t.Fatalf("conn after bad requests: %q, %v", buf, err)
	}
}

func TestLookupHost(t *testing.T) {
	guard(t, 10*time.Second)
	hosts := map[string][]netip.Addr{"gw.test": {netip.MustParseAddr("127.0.0.7"), netip.MustParseAddr("::1")}}
	g := &Gateway{AllowAll: true, Resolve: func(ctx context.Context, network, host string) ([]netip.Addr, error) {
		if a, ok := hosts[host]; ok {
			return a, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}}
	e := newEnv(t, linkPipe, g, nil)
	addrs, err := e.b.LookupHost(context.Background(), "gw.test")
	if err != nil || len(addrs) != 2 || addrs[0] != hosts["gw.test"][0] || addrs[1] != hosts["gw.test"][1] {
		t.Fatalf("LookupHost(gw.test) = %v, %v", addrs, err)
	}
	if _, err := e.b.LookupHost(context.Background(), "nowhere.test"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("LookupHost of an unknown name: %v, want ErrNotFound", err)
	}
	if _, err := e.b.LookupHost(context.Background(), "bad name"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("LookupHost of a malformed name: %v", err)
	}
	// Through the socket API: names resolve on the gateway.
	addr := testnet.EchoServer(t)
	_, port, _ := net.SplitHostPort(addr)
	hosts["echo.test"] = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	c, err := (&offload.Dialer{Backend: e.b}).Dial("tcp", "echo.test:"+port)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
