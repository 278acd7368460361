package espatsim

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"
)

// serverConfig listens on an ephemeral loopback port whatever port the
// AT command names.
func serverConfig(d Dialect) Config {
	cfg := baseConfig(d)
	cfg.Listen = func(ctx context.Context, network, address string) (net.Listener, error) {
		var lc net.ListenConfig
		return lc.Listen(ctx, network, "127.0.0.1:0")
	}
	return cfg
}

// dialServer connects a client to the modem's server.
func dialServer(t *testing.T, s *Sim) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.ServerAddr().String(), hangGuard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestServerLinkIDs(t *testing.T) {
	h := newQuietHost(t, serverConfig(V2))
	h.cmd("AT+CIPSERVER=1,8080", "\r\nERROR\r\n") // needs CIPMUX=1
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	h.cmd("AT+CIPSERVER?", "+CIPSERVER:0\r\n\r\nOK\r\n")
	h.cmd("AT+CIPSERVERMAXCONN=3", "\r\nOK\r\n")
	h.cmd("AT+CIPSERVER=1,8080", "\r\nOK\r\n")
	h.cmd("AT+CIPSERVER?", "+CIPSERVER:1,8080,\"TCP\",0\r\n\r\nOK\r\n")
	h.cmd("AT+CIPSERVER=1,8081", "\r\nERROR\r\n")
	h.cmd("AT+CIPSERVERMAXCONN=2", "\r\nERROR\r\n")
	h.cmd("AT+CIPMUX=0", "\r\nERROR\r\n")

	c0 := dialServer(t, h.sim)
	h.expect("0,CONNECT\r\n")
	c1 := dialServer(t, h.sim)
	h.expect("1,CONNECT\r\n")
	c1.Write([]byte("hi"))
	h.expect("\r\n+IPD,1,2:hi")
	h.cmd("AT+CIPSEND=0,3", "\r\nOK\r\n\r\n>")
	h.send("abc")
	h.expect("\r\nRecv 3 bytes\r\n\r\nSEND OK\r\n")
	readFull(t, c0, 3)
	port := c1.LocalAddr().(*net.TCPAddr).Port
	lport := h.sim.ServerAddr().(*net.TCPAddr).Port
	h.cmd("AT+CIPSTATUS", fmt.Sprintf("STATUS:3\r\n+CIPSTATUS:0,\"TCP\",\"127.0.0.1\",%d,%d,1\r\n+CIPSTATUS:1,\"TCP\",\"127.0.0.1\",%d,%d,1\r\n\r\nOK\r\n",
		c0.LocalAddr().(*net.TCPAddr).Port, lport, port, lport))

	// The lowest free id is reused.
	h.cmd("AT+CIPCLOSE=0", "0,CLOSED\r\n\r\nOK\r\n")
	expectEOF(t, c0)
	dialServer(t, h.sim)
	h.expect("0,CONNECT\r\n")
	dialServer(t, h.sim)
	h.expect("2,CONNECT\r\n")
	// A fourth client is over CIPSERVERMAXCONN=3 and is dropped.
	expectEOF(t, dialServer(t, h.sim))

	c1.Close()
	h.expect("1,CLOSED\r\n")
	h.cmd("AT+CIPSERVER=0,1", "0,CLOSED\r\n2,CLOSED\r\n\r\nOK\r\n")
	h.cmd("AT+CIPSERVER?", "+CIPSERVER:0\r\n\r\nOK\r\n")
}

func TestServerLinkConnMessage(t *testing.T) {
	h := newQuietHost(t, serverConfig(V2))
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	h.cmd("AT+SYSMSG=2", "\r\nOK\r\n")
	h.cmd("AT+CIPSERVER=1", "\r\nOK\r\n")
	c := dialServer(t, h.sim)
	lport := h.sim.ServerAddr().(*net.TCPAddr).Port
	h.expect(fmt.Sprintf("+LINK_CONN:0,0,\"TCP\",1,\"127.0.0.1\",%d,%d\r\n", c.LocalAddr().(*net.TCPAddr).Port, lport))
}

func TestServerIdleTimeout(t *testing.T) {
	h := newQuietHost(t, serverConfig(V2))
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	h.cmd("AT+CIPSERVER=1,80", "\r\nOK\r\n")
	h.cmd("AT+CIPSTO=1", "\r\nOK\r\n")
	h.cmd("AT+CIPSTO?", "+CIPSTO:1\r\n\r\nOK\r\n")
	start := time.Now()
	c := dialServer(t, h.sim)
	h.expect("0,CONNECT\r\n")
	h.expect("0,CLOSED\r\n")
	if d := time.Since(start); d < time.Second {
		t.Fatalf("idle client closed after %v, before the 1 s CIPSTO", d)
	}
	expectEOF(t, c)
}
