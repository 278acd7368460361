package espatsim

import (
	"fmt"
	"net"
	"testing"
)

func TestPassthrough(t *testing.T) {
	for _, d := range []Dialect{V2, AT17} {
		t.Run(d.String(), func(t *testing.T) {
			h := newQuietHost(t, baseConfig(d))
			prompt := h.sim.prompt()
			h.cmd("AT+CIPSEND", "\r\nERROR\r\n") // CIPMODE=0
			c := h.connect(newPeer(t), "")
			h.cmd("AT+SYSMSG=1", "\r\nOK\r\n")
			h.cmd("AT+CIPMODE=1", "\r\nOK\r\n")
			h.cmd("AT+CIPSEND", prompt)
			h.send("hello, ")
			h.ptSend(c, "world", "hello, world")
			c.Write([]byte("raw\r\nbytes"))
			h.expect("raw\r\nbytes")
			// "+++" without the guard times is data.
			h.ptSend(c, "a+++b", "a+++b")
			// The uplink got the data only after the 20 ms flush pause, so
			// the line has been silent long enough for "+++".
			h.send("+++")
			h.expect("\r\n+QUITT\r\n")
			h.cmd("AT", "\r\nOK\r\n")
			h.cmd("AT+CIPSTATUS", "STATUS:3\r\n"+h.linkLine(c)+"\r\nOK\r\n")
			h.cmd("AT+CIPSEND", prompt)
			h.ptSend(c, "again", "again")
			h.send("+++")
			h.expect("\r\n+QUITT\r\n")
			h.cmd("AT+CIPMODE=0", "\r\nOK\r\n")
			h.cmd("AT+CIPCLOSE", "CLOSED\r\n\r\nOK\r\n")
		})
	}
}

func TestPassthroughPeerClose(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	c := h.connect(newPeer(t), "")
	h.cmd("AT+SYSMSG=1", "\r\nOK\r\n")
	h.cmd("AT+CIPMODE=1", "\r\nOK\r\n")
	h.cmd("AT+CIPSEND", "\r\nOK\r\n\r\n>")
	c.Write([]byte("last words"))
	h.expect("last words")
	// The peer sees "x" only after the 20 ms flush pause: the guard time
	// before "+++" has passed.
	h.send("x")
	readFull(t, c, 1)
	c.Close()
	h.expect("CLOSED\r\n")
	h.send("+++")
	h.expect("\r\n+QUITT\r\n")
	h.cmd("AT+CIPSEND", "\r\nERROR\r\n")
}

// linkLine is the +CIPSTATUS line of single-mode link 0 whose peer side
// is c.
func (h *host) linkLine(c net.Conn) string {
	return fmt.Sprintf("+CIPSTATUS:0,\"TCP\",\"127.0.0.1\",%d,%d,0\r\n",
		c.LocalAddr().(*net.TCPAddr).Port, c.RemoteAddr().(*net.TCPAddr).Port)
}

// ptSend writes s in passthrough mode and checks the uplink receives want.
func (h *host) ptSend(c net.Conn, s, want string) {
	h.t.Helper()
	h.send(s)
	if got := readFull(h.t, c, len(want)); string(got) != want {
		h.t.Fatalf("uplink got %q, want %q", got, want)
	}
}
