package espatsim

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
)

func TestTCPSingleActive(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	p := newPeer(t)
	c := h.connect(p, "")
	h.sendOver(c, "", "hello")
	c.Write([]byte("world"))
	h.expect("\r\n+IPD,5:world")
	h.cmd("AT+CIPSTART=\"TCP\",\"127.0.0.1\",1", "ALREADY CONNECTED\r\n\r\nERROR\r\n")
	h.cmd("AT+CIPCLOSE", "CLOSED\r\n\r\nOK\r\n")
	expectEOF(t, c)
	h.cmd("AT+CIPCLOSE", "\r\nERROR\r\n")
}

func TestTCPMuxActiveDinfo(t *testing.T) {
	for _, tc := range []struct {
		d      Dialect
		prompt string
		ip     string
	}{{V2, "\r\nOK\r\n\r\n>", `"127.0.0.1"`}, {AT17, "\r\nOK\r\n> ", "127.0.0.1"}} {
		t.Run(tc.d.String(), func(t *testing.T) {
			h := newQuietHost(t, baseConfig(tc.d))
			h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
			p := newPeer(t)
			c := h.connect(p, "3")
			payload := strings.Repeat("x", 32)
			h.cmd("AT+CIPSEND=3,32", tc.prompt)
			h.send(payload)
			h.expect("\r\nRecv 32 bytes\r\n\r\nSEND OK\r\n")
			readFull(t, c, 32)
			c.Write([]byte("ab"))
			h.expect("\r\n+IPD,3,2:ab")
			h.cmd("AT+CIPDINFO=1", "\r\nOK\r\n")
			c.Write([]byte("cd"))
			port := c.LocalAddr().(*net.TCPAddr).Port
			h.expect(fmt.Sprintf("\r\n+IPD,3,2,%s,%d:cd", tc.ip, port))
			c.Close()
			h.expect("3,CLOSED\r\n")
			h.cmd("AT+CIPSEND=3,1", "\r\nERROR\r\n")
		})
	}
}

func TestSendLimits(t *testing.T) {
	for _, tc := range []struct {
		d   Dialect
		max int
	}{{V2, 8192}, {AT17, 2048}} {
		t.Run(tc.d.String(), func(t *testing.T) {
			h := newQuietHost(t, baseConfig(tc.d))
			h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
			c := h.connect(newPeer(t), "0")
			h.cmd(fmt.Sprintf("AT+CIPSEND=0,%d", tc.max+1), "\r\nERROR\r\n")
			h.cmd("AT+CIPSEND=0,0", "\r\nERROR\r\n")
			h.send(fmt.Sprintf("AT+CIPSEND=0,%d\r\n", tc.max))
			h.expect(h.sim.prompt())
			data := strings.Repeat("0123456789abcdef", tc.max/16)
			h.send(data)
			h.expect(fmt.Sprintf("\r\nRecv %d bytes\r\n\r\nSEND OK\r\n", tc.max))
			if got := readFull(t, c, tc.max); string(got) != data {
				t.Fatal("payload corrupted")
			}
		})
	}
}

// The AT 1.7 capture of the reference (S6): CIPSEND, CIPSTATUS, CIPCLOSE.
func TestCapture17(t *testing.T) {
	p := newPeer(t)
	cfg := baseConfig(AT17)
	cfg.Dial = func(ctx context.Context, network, address string) (net.Conn, error) {
		if address != "192.168.0.31:1883" {
			return nil, fmt.Errorf("unexpected dial %s", address)
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, network, p.ln.Addr().String())
		if err != nil {
			return nil, err
		}
		return fakeAddrConn{c, &net.TCPAddr{IP: net.IPv4(192, 168, 4, 2), Port: 1575}, &net.TCPAddr{IP: net.IPv4(192, 168, 0, 31), Port: 1883}}, nil
	}
	h := newQuietHost(t, cfg)
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	h.cmd("AT+CIPRECVMODE=1", "\r\nOK\r\n")
	h.cmd(`AT+CIPSTART=4,"TCP","192.168.0.31",1883`, "4,CONNECT\r\n\r\nOK\r\n")
	c := p.accept()
	h.cmd("AT+CIPSTATUS", "STATUS:3\r\n+CIPSTATUS:4,\"TCP\",\"192.168.0.31\",1883,1575,0\r\n\r\nOK\r\n")
	h.cmd("AT+CIPSEND=4,4", "\r\nOK\r\n> ")
	h.send("ping")
	h.expect("\r\nRecv 4 bytes\r\n\r\nSEND OK\r\n")
	readFull(t, c, 4)
	c.Write([]byte("pong"))
	h.expect("\r\n+IPD,4,4\r\n")
	h.cmd("AT+CIPRECVLEN?", "+CIPRECVLEN:0,0,0,0,4\r\n\r\nOK\r\n")
	h.cmd("AT+CIPRECVDATA=4,32", "\r\n+CIPRECVDATA,4:pong\r\nOK\r\n")
	h.cmd("AT+CIPCLOSE=4", "4,CLOSED\r\n\r\nOK\r\n")
	h.cmd("AT+CIPSTATUS", "STATUS:4\r\n\r\nOK\r\n")
	expectEOF(t, c)
}

// fakeAddrConn reports chosen addresses, so transcripts can match
// captures taken on real networks.
type fakeAddrConn struct {
	net.Conn
	local, remote net.Addr
}

func (c fakeAddrConn) LocalAddr() net.Addr  { return c.local }
func (c fakeAddrConn) RemoteAddr() net.Addr { return c.remote }

func TestCIPSTARTFailure(t *testing.T) {
	p := newPeer(t)
	port := p.port()
	p.ln.Close() // nothing listens there now
	h := newQuietHost(t, baseConfig(V2))
	h.cmd(fmt.Sprintf(`AT+CIPSTART="TCP","127.0.0.1",%d`, port), "\r\nERROR\r\n")
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	h.cmd(fmt.Sprintf(`AT+CIPSTART=2,"TCP","127.0.0.1",%d`, port), "\r\nERROR\r\n2,CLOSED\r\n")
	h.cmd(`AT+CIPSTART=2,"TCP","127.0.0.1",0`, "\r\nERROR\r\n")
	h.cmd(`AT+CIPSTART=5,"TCP","127.0.0.1",80`, "\r\nERROR\r\n")
	h.cmd(`AT+CIPSTART=2,"TCPv6","::1",80`, "\r\nERROR\r\n")
	h.cmd(`AT+CIPSTART=2,"TCP","`+strings.Repeat("h", 65)+`",80`, "\r\nERROR\r\n")
}

func TestNotJoined(t *testing.T) {
	cfg := baseConfig(V2)
	cfg.AutoJoin = ""
	h := newQuietHost(t, cfg)
	h.cmd(`AT+CIPSTART="TCP","127.0.0.1",80`, "\r\nERROR\r\n")
	h.cmd(`AT+CIPDOMAIN="localhost.test"`, "\r\nERROR\r\n")
	h.cmd("AT+CIPSTATUS", "STATUS:5\r\n\r\nOK\r\n")
}

func TestBusyWhileConnecting(t *testing.T) {
	p := newPeer(t)
	release := make(chan struct{})
	dialing := make(chan struct{})
	cfg := baseConfig(V2)
	cfg.Dial = func(ctx context.Context, network, address string) (net.Conn, error) {
		close(dialing)
		<-release
		var d net.Dialer
		return d.DialContext(ctx, network, address)
	}
	h := newQuietHost(t, cfg)
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	h.send(fmt.Sprintf("AT+CIPSTART=0,\"TCP\",\"127.0.0.1\",%d\r\n", p.port()))
	<-dialing
	h.cmd("AT", "\r\nbusy p...\r\n")
	h.cmd("AT+GMR", "\r\nbusy p...\r\n")
	close(release)
	h.expect("0,CONNECT\r\n\r\nOK\r\n")
	p.accept()
	h.cmd("AT", "\r\nOK\r\n")
}

func TestCIPSTARTEXAndCIPSTATE(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	p := newPeer(t)
	h.connect(p, "0")
	h.cmd(fmt.Sprintf(`AT+CIPSTARTEX="TCP","127.0.0.1",%d`, p.port()), "1,CONNECT\r\n\r\nOK\r\n")
	c1 := p.accept()
	lport := c1.RemoteAddr().(*net.TCPAddr).Port
	h.send("AT+CIPSTATE?\r\n")
	out := h.until("\r\nOK\r\n")
	want := fmt.Sprintf("+CIPSTATE:1,\"TCP\",\"127.0.0.1\",%d,%d,0\r\n\r\nOK\r\n", p.port(), lport)
	if !strings.HasPrefix(out, "+CIPSTATE:0,\"TCP\",\"127.0.0.1\"") || !strings.HasSuffix(out, want) {
		t.Fatalf("CIPSTATE: %q", out)
	}
	h.cmd("AT+CIPCLOSE=5", "0,CLOSED\r\n1,CLOSED\r\n\r\nOK\r\n")
	h.cmd("AT+CIPSTATE?", "\r\nOK\r\n")
	h.cmd("AT+CIPMUX=0", "\r\nOK\r\n")
}

func TestCIPSENDEX(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	c := h.connect(newPeer(t), "")
	h.cmd("AT+CIPSENDEX=20", "\r\nOK\r\n\r\n>")
	h.send(`a\\0b\,c\0`)
	h.expect("\r\nRecv 6 bytes\r\n\r\nSEND OK\r\n")
	if got := readFull(t, c, 6); string(got) != `a\0b,c` {
		t.Fatalf("uplink got %q", got)
	}
	h.cmd("AT+CIPSENDEX=3", "\r\nOK\r\n\r\n>")
	h.send("xyz")
	h.expect("\r\nRecv 3 bytes\r\n\r\nSEND OK\r\n")
	readFull(t, c, 3)
}

func TestCIPMUXRules(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	h.connect(newPeer(t), "")
	h.cmd("AT+CIPMUX=1", "\r\nERROR\r\n")
	h.cmd("AT+CIPMUX=0", "\r\nOK\r\n")
	h.cmd("AT+CIPCLOSE", "CLOSED\r\n\r\nOK\r\n")
	h.cmd("AT+CIPMODE=1", "\r\nOK\r\n")
	h.cmd("AT+CIPMUX=1", "\r\nERROR\r\n")
	h.cmd("AT+CIPMODE=0", "\r\nOK\r\n")
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	h.cmd("AT+CIPMODE=1", "\r\nERROR\r\n")
}

// Bytes beyond the announced length are answered busy p... and dropped.
func TestCIPSENDSurplus(t *testing.T) {
	release := make(chan struct{})
	p := newPeer(t)
	cfg := baseConfig(V2)
	cfg.Dial = func(ctx context.Context, network, address string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, address)
		return blockingConn{c, release}, err
	}
	h := newQuietHost(t, cfg)
	c := h.connect(p, "")
	// The first payload fills the send buffer (the uplink is stuck), so
	// the second keeps the modem busy and XY arrive while it is.
	fill := strings.Repeat("f", sendWindow)
	h.cmd(fmt.Sprintf("AT+CIPSEND=%d", sendWindow), "\r\nOK\r\n\r\n>")
	h.send(fill)
	h.expect(fmt.Sprintf("\r\nRecv %d bytes\r\n\r\nSEND OK\r\n", sendWindow))
	h.cmd("AT+CIPSEND=3", "\r\nOK\r\n\r\n>")
	h.send("abcXY")
	h.expect("\r\nRecv 3 bytes\r\n")
	// One write is one read for the modem: "W" is held by the time the
	// busy answer to "XYZ" is out.
	h.send("Z\r\nW")
	h.expect("\r\nbusy p...\r\n")
	close(release)
	h.expect("\r\nbusy p...\r\n\r\nSEND OK\r\n")
	if got := readFull(t, c, sendWindow+3); string(got) != fill+"abc" {
		t.Fatalf("uplink got %q", got[sendWindow:])
	}
	h.cmd("AT", "\r\nOK\r\n")
}

// blockingConn holds every Write until release is closed.
type blockingConn struct {
	net.Conn
	release chan struct{}
}

func (c blockingConn) Write(b []byte) (int, error) {
	<-c.release
	return c.Conn.Write(b)
}

// Data acknowledged with SEND OK reaches the peer even when the host
// closes the link right away (lwIP sends buffered data before its FIN).
func TestCloseFlushesSends(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	c := h.connect(newPeer(t), "0")
	data := strings.Repeat("z", sendWindow)
	h.simSend("0", "", data)
	h.simSend("0", "", "tail")
	h.cmd("AT+CIPCLOSE=0", "0,CLOSED\r\n\r\nOK\r\n")
	if got := readFull(t, c, len(data)+4); string(got) != data+"tail" {
		t.Fatal("data lost on close")
	}
	expectEOF(t, c)
}
