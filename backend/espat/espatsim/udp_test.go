package espatsim

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"
)

// udpPeer is a UDP socket on 127.0.0.1 standing for a remote host.
type udpPeer struct {
	t  *testing.T
	pc *net.UDPConn
}

func newUDPPeer(t *testing.T) *udpPeer {
	t.Helper()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return &udpPeer{t: t, pc: pc}
}

func (p *udpPeer) port() int { return p.pc.LocalAddr().(*net.UDPAddr).Port }

// recv returns the next datagram and its source port.
func (p *udpPeer) recv() (string, int) {
	p.t.Helper()
	p.pc.SetReadDeadline(time.Now().Add(hangGuard))
	b := make([]byte, 4096)
	n, from, err := p.pc.ReadFromUDP(b)
	if err != nil {
		p.t.Fatal(err)
	}
	return string(b[:n]), from.Port
}

func (p *udpPeer) sendTo(port int, s string) {
	p.t.Helper()
	if _, err := p.pc.WriteToUDP([]byte(s), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}); err != nil {
		p.t.Fatal(err)
	}
}

// udpConfig binds UDP links to an ephemeral port whatever the AT command
// asks, so tests never collide on ports.
func udpConfig(d Dialect) Config {
	cfg := baseConfig(d)
	cfg.ListenPacket = func(ctx context.Context, network, address string) (net.PacketConn, error) {
		var lc net.ListenConfig
		return lc.ListenPacket(ctx, network, "127.0.0.1:0")
	}
	return cfg
}

// simSend sends payload on link id ("" in single mode) with CIPSEND
// (extra: more parameters).
func (h *host) simSend(id, extra, payload string) {
	h.t.Helper()
	if id != "" {
		id += ","
	}
	h.cmd(fmt.Sprintf("AT+CIPSEND=%s%d%s", id, len(payload), extra), h.sim.prompt())
	h.send(payload)
	h.expect(fmt.Sprintf("\r\nRecv %d bytes\r\n\r\nSEND OK\r\n", len(payload)))
}

func TestUDPModes(t *testing.T) {
	for _, mode := range []int{0, 1, 2} {
		t.Run(fmt.Sprint("mode", mode), func(t *testing.T) {
			h := newQuietHost(t, udpConfig(V2))
			h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
			a, b, c := newUDPPeer(t), newUDPPeer(t), newUDPPeer(t)
			h.cmd(fmt.Sprintf(`AT+CIPSTART=0,"UDP","127.0.0.1",%d,1234,%d`, a.port(), mode), "0,CONNECT\r\n\r\nOK\r\n")
			h.simSend("0", "", "ping")
			msg, simPort := a.recv()
			if msg != "ping" {
				t.Fatalf("a got %q", msg)
			}
			a.sendTo(simPort, "pong")
			h.expect("\r\n+IPD,0,4:pong")
			b.sendTo(simPort, "from-b")
			h.expect("\r\n+IPD,0,6:from-b")
			c.sendTo(simPort, "from-c")
			h.expect("\r\n+IPD,0,6:from-c")
			h.simSend("0", "", "reply")
			// Mode 0 keeps a, mode 1 adopted b once, mode 2 follows c.
			got := []*udpPeer{a, b, c}[mode]
			if msg, _ := got.recv(); msg != "reply" {
				t.Fatalf("mode %d: got %q", mode, msg)
			}
			h.cmd("AT+CIPSTATUS", fmt.Sprintf("STATUS:3\r\n+CIPSTATUS:0,\"UDP\",\"127.0.0.1\",%d,%d,0\r\n\r\nOK\r\n", got.port(), simPort))
			// A per-send destination overrides the remote for one send.
			h.simSend("0", fmt.Sprintf(`,"127.0.0.1",%d`, a.port()), "once")
			if msg, _ := a.recv(); msg != "once" {
				t.Fatalf("dest send: got %q", msg)
			}
			h.cmd("AT+CIPCLOSE=0", "0,CLOSED\r\n\r\nOK\r\n")
		})
	}
}

func TestUDPPassiveDatagrams(t *testing.T) {
	h := newQuietHost(t, udpConfig(V2))
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	h.cmd("AT+CIPRECVMODE=1", "\r\nOK\r\n")
	a := newUDPPeer(t)
	h.cmd(fmt.Sprintf(`AT+CIPSTART=1,"UDP","127.0.0.1",%d`, a.port()), "1,CONNECT\r\n\r\nOK\r\n")
	h.simSend("1", "", "hi")
	_, simPort := a.recv()
	a.sendTo(simPort, "first")
	h.expect("\r\n+IPD,1,5\r\n")
	a.sendTo(simPort, "second")
	h.pollRecvLen("+CIPRECVLEN:-1,11,-1,-1,-1")
	// One datagram per read; the rest of a datagram read in part is lost.
	h.cmd("AT+CIPRECVDATA=1,100", "+CIPRECVDATA:5,first\r\nOK\r\n")
	h.cmd("AT+CIPRECVDATA=1,3", "+CIPRECVDATA:3,sec\r\nOK\r\n")
	h.cmd("AT+CIPRECVLEN?", "+CIPRECVLEN:-1,0,-1,-1,-1\r\n\r\nOK\r\n")
	a.sendTo(simPort, "third")
	h.expect("\r\n+IPD,1,5\r\n")
	h.cmd("AT+CIPDINFO=1", "\r\nOK\r\n")
	h.cmd("AT+CIPRECVDATA=1,2,1", fmt.Sprintf("+CIPRECVDATA:2,\"127.0.0.1\",%d,th\r\nOK\r\n", a.port()))
	h.cmd("AT+CIPRECVDATA=1,9", fmt.Sprintf("+CIPRECVDATA:3,\"127.0.0.1\",%d,ird\r\nOK\r\n", a.port()))
}

func TestUDPSingleModeAndErrors(t *testing.T) {
	h := newQuietHost(t, udpConfig(AT17))
	a := newUDPPeer(t)
	h.cmd(`AT+CIPSTART="UDP","127.0.0.1",9,,2`, "\r\nERROR\r\n") // mode needs a local port
	h.cmd(`AT+CIPSTART="UDP","nowhere.test",9`, "\r\nERROR\r\n")
	h.cmd(fmt.Sprintf(`AT+CIPSTART="UDP","127.0.0.1",%d`, a.port()), "CONNECT\r\n\r\nOK\r\n")
	h.cmd(`AT+CIPSEND=2,"127.0.0.1"`, "\r\nERROR\r\n")
	h.cmd("AT+CIPSEND=2", "\r\nOK\r\n> ")
	h.send("yo")
	h.expect("\r\nRecv 2 bytes\r\n\r\nSEND OK\r\n")
	_, simPort := a.recv()
	h.cmd("AT+CIPDINFO=1", "\r\nOK\r\n")
	a.sendTo(simPort, "ok")
	h.expect(fmt.Sprintf("\r\n+IPD,2,127.0.0.1,%d:ok", a.port()))
}

// TestUDPPortFreeAtClose: a UDP link's port is free once AT+CIPCLOSE has
// answered, as lwIP frees it, so a new link may bind it at once. The
// driver relies on it to connect a bound socket (it re-opens the link on
// the same port).
func TestUDPPortFreeAtClose(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	a := newUDPPeer(t)
	h.cmd(fmt.Sprintf(`AT+CIPSTART=0,"UDP","127.0.0.1",%d`, a.port()), "0,CONNECT\r\n\r\nOK\r\n")
	h.simSend("0", "", "ping")
	_, simPort := a.recv()
	h.cmd("AT+CIPCLOSE=0", "0,CLOSED\r\n\r\nOK\r\n")
	h.cmd(fmt.Sprintf(`AT+CIPSTART=1,"UDP","127.0.0.1",%d,%d,0`, a.port(), simPort), "1,CONNECT\r\n\r\nOK\r\n")
	h.simSend("1", "", "again")
	if msg, port := a.recv(); msg != "again" || port != simPort {
		t.Fatalf("got %q from port %d, want %q from %d", msg, port, "again", simPort)
	}
}
