package espat

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend"
	"github.com/netoffload/offload/backend/espat/espatsim"
	"github.com/netoffload/offload/internal/testnet"
)

func TestLookupHost(t *testing.T) {
	scfg := simConfig()
	scfg.Resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
		if host == "modem.test" {
			return []netip.Addr{netip.MustParseAddr("10.1.2.3")}, nil
		}
		return nil, errors.New("unknown host")
	}
	m, _ := openSim(t, scfg, Config{})
	addrs, err := m.LookupHost(testCtx(t), "modem.test")
	if err != nil || len(addrs) != 1 || addrs[0] != netip.MustParseAddr("10.1.2.3") {
		t.Fatalf("LookupHost(modem.test) = %v, %v", addrs, err)
	}
	if _, err := m.LookupHost(testCtx(t), "missing.test"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("LookupHost(missing.test): %v, want ErrNotFound", err)
	}
	if _, err := m.LookupHost(testCtx(t), `evil"name`+"\r\nAT+RST"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("LookupHost of a name with CR LF: %v, want ErrNotFound", err)
	}
	r := offload.Resolver{Backend: m}
	if addrs, err := r.LookupNetIP(testCtx(t), "ip4", "modem.test"); err != nil || len(addrs) != 1 {
		t.Fatalf("offload.Resolver: %v, %v", addrs, err)
	}
}

func TestTooManyLinks(t *testing.T) {
	m, _ := openSim(t, simConfig(), Config{})
	addr := testnet.EchoServer(t)
	d := offload.Dialer{Backend: m}
	for range maxLinks {
		c, err := d.DialContext(testCtx(t), "tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	_, err := d.DialContext(testCtx(t), "tcp", addr)
	if !errors.Is(err, syscall.EMFILE) {
		t.Fatalf("sixth Dial: %v, want EMFILE", err)
	}
}

func TestCloseWriteUnsupported(t *testing.T) {
	m, _ := openSim(t, simConfig(), Config{})
	c := dialEcho(t, m, testnet.EchoServer(t))
	err := c.(*offload.Conn).CloseWrite()
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("CloseWrite: %v, want ErrUnsupported", err)
	}
	if err := roundTrip(c, "still writable"); err != nil {
		t.Fatal(err)
	}
}

// TestNoCoalesce checks the one-CIPSEND-per-Write mode: every Write of a
// conn whose sends are slower than its writes still becomes its own send.
func TestNoCoalesce(t *testing.T) {
	sends := 0
	cfg := Config{NoCoalesce: true, Trace: true, Logf: func(f string, a ...any) {
		if len(a) == 1 {
			if p, ok := a[0].([]byte); ok && strings.HasPrefix(string(p), "AT+CIPSEND=") {
				sends++
			}
		}
	}}
	m, _ := openSim(t, simConfig(), cfg)
	c := dialEcho(t, m, testnet.EchoServer(t)) // one send
	const writes = 20
	want := strings.Repeat("0123456789abcdef", writes)
	for i := range writes {
		if _, err := c.Write([]byte(want[16*i : 16*i+16])); err != nil {
			t.Fatal(err)
		}
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
		t.Fatalf("echo: %q, %v", got, err)
	}
	c.Close()
	m.Close()
	if sends != writes+1 {
		t.Errorf("%d CIPSENDs for %d writes (+1 ping)", sends, writes)
	}
}

// baudPort is an in-process UART whose rate "changes" (the emulator paces
// itself from AT+UART_CUR).
type baudPort struct {
	io.ReadWriteCloser
	rates []int
}

func (p *baudPort) SetBaudRate(b int) error {
	p.rates = append(p.rates, b)
	return nil
}

func TestSwitchBaud(t *testing.T) {
	host, sim := espatsim.Pipe(simConfig())
	defer sim.Close()
	port := &baudPort{ReadWriteCloser: host}
	m, err := Open(port, traced(t, Config{SwitchBaud: 921600}))
	if err != nil {
		host.Close()
		t.Fatal(err)
	}
	defer m.Close()
	dialEcho(t, m, testnet.EchoServer(t))
	if len(port.rates) != 1 || port.rates[0] != 921600 {
		t.Fatalf("port rates %v, want [921600]", port.rates)
	}
	// Without a BaudSetter the switch is refused.
	host2, sim2 := espatsim.Pipe(simConfig())
	defer sim2.Close()
	if _, err := Open(host2, Config{SwitchBaud: 921600}); err == nil {
		t.Fatal("SwitchBaud on a port without BaudSetter succeeded")
	}
}

var _ net.Conn = (*offload.Conn)(nil)

// TestDialAbandoned cancels a dial while the modem is still connecting:
// the caller returns at once, and the link the modem opens afterwards is
// closed again, not leaked.
func TestDialAbandoned(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	connecting, release := make(chan struct{}, 1), make(chan struct{})
	scfg := simConfig()
	scfg.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		connecting <- struct{}{}
		<-release
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	m, _ := openSim(t, scfg, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	d := offload.Dialer{Backend: m}
	dialed := make(chan error, 1)
	go func() {
		_, err := d.DialContext(ctx, "tcp", ln.Addr().String())
		dialed <- err
	}()
	peer := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			peer <- c
		}
		close(peer)
	}()
	<-connecting // AT+CIPSTART is running
	cancel()
	if err := <-dialed; !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled Dial: %v, want context.Canceled", err)
	}
	close(release)
	c, ok := <-peer
	if !ok {
		t.Fatal("the modem never connected")
	}
	defer c.Close()
	if n, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("peer of an abandoned dial read %d, %v; want io.EOF (link closed)", n, err)
	}
}

// TestJoinWiFi joins a network whose name and password need AT escaping,
// and maps a wrong password to EACCES.
func TestJoinWiFi(t *testing.T) {
	const ssid, pwd = `lab,"5\G"`, `p,a"s\s`
	scfg := espatsim.Config{
		APs:       []espatsim.AccessPoint{{SSID: ssid, Password: pwd}},
		StationIP: netip.MustParseAddr("127.0.0.1"),
	}
	m, _ := openSim(t, scfg, Config{SSID: ssid, Password: pwd})
	if ip := m.LocalIP(); ip != scfg.StationIP {
		t.Errorf("LocalIP = %v, want %v", ip, scfg.StationIP)
	}
	dialEcho(t, m, testnet.EchoServer(t))

	host, sim := espatsim.Pipe(scfg)
	defer sim.Close()
	_, err := Open(host, traced(t, Config{SSID: ssid, Password: "wrong"}))
	if !errors.Is(err, syscall.EACCES) {
		t.Fatalf("joining with a wrong password: %v, want EACCES", err)
	}
}
