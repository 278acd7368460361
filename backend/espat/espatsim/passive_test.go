package espatsim

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// eofSeen makes the Sim report peer closes on the returned channel.
func eofSeen(s *Sim) <-chan int {
	ch := make(chan int, maxLinks)
	s.mu.Lock()
	s.onPeerEOF = func(id int) { ch <- id }
	s.mu.Unlock()
	return ch
}

func TestPassiveV2(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	eof := eofSeen(h.sim)
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	h.cmd("AT+CIPRECVMODE=1", "\r\nOK\r\n")
	c := h.connect(newPeer(t), "0")
	data := strings.Repeat("A", 80)
	c.Write([]byte(data))
	h.expect("\r\n+IPD,0,80\r\n")
	c.Write([]byte("0123456789"))
	// v2 sends no second notice until the host reads: the next bytes are
	// the answer to the poll.
	h.pollRecvLen("+CIPRECVLEN:90,-1,-1,-1,-1")
	h.cmd("AT+CIPRECVDATA=0,50", "+CIPRECVDATA:50,"+data[:50]+"\r\nOK\r\n")
	h.cmd("AT+CIPDINFO=1", "\r\nOK\r\n")
	port := c.LocalAddr().(*net.TCPAddr).Port
	h.cmd("AT+CIPRECVDATA=0,100", fmt.Sprintf("+CIPRECVDATA:40,\"127.0.0.1\",%d,%s0123456789\r\nOK\r\n", port, data[:30]))
	h.cmd("AT+CIPRECVDATA=0,10", "\r\nERROR\r\n")
	// A peer close is held back until the buffer is drained.
	c.Write([]byte("bye"))
	h.expect("\r\n+IPD,0,3\r\n")
	c.Close()
	<-eof
	h.cmd("AT+CIPRECVLEN?", "+CIPRECVLEN:3,-1,-1,-1,-1\r\n\r\nOK\r\n")
	h.cmd("AT+CIPDINFO=0", "\r\nOK\r\n")
	h.cmd("AT+CIPRECVDATA=0,2", "+CIPRECVDATA:2,by\r\nOK\r\n")
	h.cmd("AT+CIPRECVDATA=0,2", "+CIPRECVDATA:1,e\r\nOK\r\n0,CLOSED\r\n")
	h.cmd("AT+CIPRECVLEN?", "+CIPRECVLEN:-1,-1,-1,-1,-1\r\n\r\nOK\r\n")
}

func TestPassiveAT17(t *testing.T) {
	h := newQuietHost(t, baseConfig(AT17))
	eof := eofSeen(h.sim)
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	h.cmd("AT+CIPRECVMODE=1", "\r\nOK\r\n")
	c := h.connect(newPeer(t), "4")
	c.Write([]byte("abcd"))
	h.expect("\r\n+IPD,4,4\r\n")
	c.Write([]byte("efgh"))
	// AT 1.7 repeats the notice with the growing total...
	h.expect("\r\n+IPD,4,8\r\n")
	// ...and reports CLOSED at once while data is still buffered.
	c.Close()
	<-eof
	h.expect("4,CLOSED\r\n")
	h.cmd("AT+CIPRECVLEN?", "+CIPRECVLEN:0,0,0,0,8\r\n\r\nOK\r\n")
	h.cmd("AT+CIPRECVDATA=4,5", "\r\n+CIPRECVDATA,5:abcde\r\nOK\r\n")
	h.cmd("AT+CIPRECVDATA=4,5", "\r\n+CIPRECVDATA,3:fgh\r\nOK\r\n")
	h.cmd("AT+CIPRECVLEN?", "+CIPRECVLEN:0,0,0,0,0\r\n\r\nOK\r\n")
	h.cmd("AT+CIPSTATUS", "STATUS:4\r\n\r\nOK\r\n")
}

func TestPassiveSingleMode(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	h.cmd("AT+CIPRECVMODE=1", "\r\nOK\r\n")
	c := h.connect(newPeer(t), "")
	c.Write([]byte("xyz"))
	h.expect("\r\n+IPD,3\r\n")
	h.cmd("AT+CIPRECVDATA=3", "+CIPRECVDATA:3,xyz\r\nOK\r\n")
	// Back to active: later bytes come as +IPD with payload.
	h.cmd("AT+CIPRECVMODE=0", "\r\nOK\r\n")
	c.Write([]byte("q"))
	h.expect("\r\n+IPD,1:q")
}

// pollRecvLen asks AT+CIPRECVLEN? until the answer is want.
func (h *host) pollRecvLen(want string) {
	h.t.Helper()
	for {
		h.send("AT+CIPRECVLEN?\r\n")
		got := h.until("\r\nOK\r\n")
		if got == want+"\r\n\r\nOK\r\n" {
			return
		}
		if !strings.HasPrefix(got, "+CIPRECVLEN:") {
			h.t.Fatalf("unexpected %q", got)
		}
	}
}

var recvLenRE = regexp.MustCompile(`^\+CIPRECVLEN:(-?\d+),`)

// A slow host in passive mode: the remote sends far more than the window;
// the modem holds at most 5760 bytes, nothing is lost, and v2 gives one
// notice per read cycle.
func TestPassiveBackpressure(t *testing.T) {
	const total = 256 << 10
	h := newQuietHost(t, baseConfig(V2))
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	h.cmd("AT+CIPRECVMODE=1", "\r\nOK\r\n")
	c := h.connect(newPeer(t), "0")
	src := make([]byte, total)
	for i := range src {
		src[i] = byte(i * 7)
	}
	wrote := make(chan error, 1)
	go func() {
		_, err := c.Write(src)
		wrote <- err
	}()
	var got bytes.Buffer
	notices := 0
	for got.Len() < total {
		h.send("AT+CIPRECVLEN?\r\n")
		resp := h.until("\r\nOK\r\n")
		notices += strings.Count(resp, "+IPD,0,")
		resp = resp[strings.Index(resp, "+CIPRECVLEN:"):]
		m := recvLenRE.FindStringSubmatch(resp)
		if m == nil {
			t.Fatalf("bad CIPRECVLEN reply %q", resp)
		}
		n, _ := strconv.Atoi(m[1])
		if n > passiveWindow {
			t.Fatalf("modem buffers %d bytes, window is %d", n, passiveWindow)
		}
		if n == 0 {
			continue
		}
		h.send(fmt.Sprintf("AT+CIPRECVDATA=0,%d\r\n", min(n, 1000)))
		notices += strings.Count(h.until("+CIPRECVDATA:"), "+IPD,0,")
		hdr := h.until(",")
		k, err := strconv.Atoi(strings.TrimSuffix(hdr, ","))
		if err != nil {
			t.Fatalf("bad header %q", hdr)
		}
		h.fill(func(b []byte) bool { return len(b) >= k+6 }, "payload")
		got.Write(h.buf[:k])
		if string(h.buf[k:k+6]) != "\r\nOK\r\n" {
			t.Fatalf("no OK after payload: %q", h.buf[k:])
		}
		h.buf = h.buf[k+6:]
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got.Bytes()) != sha256.Sum256(src) {
		t.Fatal("received data differs")
	}
	if notices == 0 {
		t.Fatal("no passive notices")
	}
	t.Logf("%d notices for %d bytes", notices, total)
}

// A slow host in active mode: +IPD records of at most 2920 bytes carry
// everything in order.
func TestActiveSlowHost(t *testing.T) {
	const total = 200 << 10
	h := newQuietHost(t, baseConfig(V2))
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	c := h.connect(newPeer(t), "1")
	src := make([]byte, total)
	for i := range src {
		src[i] = byte(i * 13)
	}
	go c.Write(src)
	var got bytes.Buffer
	for got.Len() < total {
		hdr := h.until(":")
		var n int
		if _, err := fmt.Sscanf(hdr, "\r\n+IPD,1,%d:", &n); err != nil || n > 2920 || n <= 0 {
			t.Fatalf("bad +IPD header %q", hdr)
		}
		h.fill(func(b []byte) bool { return len(b) >= n }, "record")
		got.Write(h.buf[:n])
		h.buf = h.buf[n:]
	}
	if !bytes.Equal(got.Bytes(), src) {
		t.Fatal("received data differs")
	}
}

// AT+CIPRECVTYPE sets the receive mode per link (v3.3+ syntax).
func TestCIPRECVTYPE(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	h.cmd("AT+CIPRECVTYPE=1,1", "\r\nOK\r\n")
	h.cmd("AT+CIPRECVTYPE?", "+CIPRECVTYPE:0,0\r\n+CIPRECVTYPE:1,1\r\n+CIPRECVTYPE:2,0\r\n+CIPRECVTYPE:3,0\r\n+CIPRECVTYPE:4,0\r\n\r\nOK\r\n")
	p := newPeer(t)
	c0 := h.connect(p, "0")
	c1 := h.connect(p, "1")
	c0.Write([]byte("act"))
	h.expect("\r\n+IPD,0,3:act")
	c1.Write([]byte("pas"))
	h.expect("\r\n+IPD,1,3\r\n")
	// All links active: what link 1 buffered is delivered before OK.
	h.cmd("AT+CIPRECVTYPE=5,0", "\r\n+IPD,1,3:pas\r\nOK\r\n")
	h.cmd("AT+CIPRECVTYPE=6,0", "\r\nERROR\r\n")
}
