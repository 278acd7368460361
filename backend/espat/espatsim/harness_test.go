package espatsim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// hangGuard bounds every wait in the tests; it only fires when something
// hangs.
const hangGuard = 10 * time.Second

// host is the test's side of the UART: it sends bytes and checks what the
// modem answers, byte for byte.
type host struct {
	t    testing.TB
	rw   io.ReadWriteCloser
	sim  *Sim
	buf  []byte
	in   chan []byte
	done chan struct{}
}

// testAPs is the access point every test config offers.
var testAPs = []AccessPoint{{SSID: "lab", Password: "secret", BSSID: net.HardwareAddr{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}, Channel: 6, RSSI: -40}}

// baseConfig is a joined modem whose uplinks stay on this machine.
func baseConfig(d Dialect) Config {
	return Config{
		Dialect:      d,
		APs:          testAPs,
		AutoJoin:     "lab",
		NoBootBanner: true,
		Resolve:      testResolve,
	}
}

// testResolve knows a few names and nothing else.
func testResolve(_ context.Context, host string) ([]netip.Addr, error) {
	switch host {
	case "localhost.test":
		return []netip.Addr{netip.MustParseAddr("::1"), netip.MustParseAddr("127.0.0.1")}, nil
	case "v6only.test":
		return []netip.Addr{netip.MustParseAddr("::1")}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// newHost starts a modem on a Pipe. With echo off (the usual host setup)
// unless echo is requested.
func newHost(t testing.TB, cfg Config) *host {
	t.Helper()
	rw, sim := Pipe(cfg)
	return newHostOn(t, rw, sim)
}

// newHostOn drives a modem over any transport; sim may be nil when the
// test cannot reach it (pty, TCP bridge). Cleanup closes rw.
func newHostOn(t testing.TB, rw io.ReadWriteCloser, sim *Sim) *host {
	h := &host{t: t, rw: rw, sim: sim, in: make(chan []byte, 64), done: make(chan struct{})}
	go h.readLoop()
	t.Cleanup(h.close)
	return h
}

// newQuietHost is newHost followed by ATE0.
func newQuietHost(t testing.TB, cfg Config) *host {
	h := newHost(t, cfg)
	h.cmd("ATE0", "ATE0\r\n\r\nOK\r\n")
	return h
}

func (h *host) readLoop() {
	defer close(h.done)
	for {
		b := make([]byte, 4096)
		n, err := h.rw.Read(b)
		if n > 0 {
			h.in <- b[:n]
		}
		if err != nil {
			close(h.in)
			return
		}
	}
}

func (h *host) close() {
	h.rw.Close()
	for range h.in {
	}
	<-h.done
}

// send writes raw bytes to the modem.
func (h *host) send(s string) {
	h.t.Helper()
	if _, err := h.rw.Write([]byte(s)); err != nil {
		h.t.Fatalf("write %q: %v", s, err)
	}
}

// fill reads until ok(buf) or the hang guard fires.
func (h *host) fill(ok func([]byte) bool, what string) {
	h.t.Helper()
	timer := time.NewTimer(hangGuard)
	defer timer.Stop()
	for !ok(h.buf) {
		select {
		case b, open := <-h.in:
			if !open {
				h.t.Fatalf("modem closed while waiting for %s; got %q", what, h.buf)
			}
			h.buf = append(h.buf, b...)
		case <-timer.C:
			h.t.Fatalf("timeout waiting for %s; got %q", what, h.buf)
		}
	}
}

// expect reads exactly len(want) bytes and fails with a diff unless they
// are want.
func (h *host) expect(want string) {
	h.t.Helper()
	h.fill(func(b []byte) bool { return len(b) >= len(want) || !strings.HasPrefix(want, string(b)) }, fmt.Sprintf("%q", want))
	n := min(len(want), len(h.buf))
	got := string(h.buf[:n])
	if got != want {
		h.t.Fatalf("transcript mismatch:\n%s", diff(want, string(h.buf)))
	}
	h.buf = h.buf[n:]
}

// until reads up to and including the first occurrence of marker and
// returns it all.
func (h *host) until(marker string) string {
	h.t.Helper()
	h.fill(func(b []byte) bool { return bytes.Contains(b, []byte(marker)) }, fmt.Sprintf("%q", marker))
	i := bytes.Index(h.buf, []byte(marker)) + len(marker)
	s := string(h.buf[:i])
	h.buf = h.buf[i:]
	return s
}

// cmd sends line+CRLF and expects want.
func (h *host) cmd(line, want string) {
	h.t.Helper()
	h.send(line + "\r\n")
	h.expect(want)
}

// diff shows where two transcripts part.
func diff(want, got string) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	return fmt.Sprintf("  common: %q\n  want:   %q\n  got:    %q", want[:i], want[i:], got[i:])
}

// peer is a TCP listener on 127.0.0.1 that stands for a remote server.
type peer struct {
	t  testing.TB
	ln net.Listener
}

func newPeer(t testing.TB) *peer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &peer{t: t, ln: ln}
}

func (p *peer) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// accept returns the next connection, closed at cleanup.
func (p *peer) accept() net.Conn {
	p.t.Helper()
	p.ln.(*net.TCPListener).SetDeadline(time.Now().Add(hangGuard))
	c, err := p.ln.Accept()
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { c.Close() })
	return c
}

// readFull reads n bytes from c within the hang guard.
func readFull(t testing.TB, c net.Conn, n int) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(hangGuard))
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("read %d bytes from uplink: %v (got %q)", n, err, b)
	}
	return b
}

// expectEOF checks that the peer sees the link closed.
func expectEOF(t testing.TB, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(hangGuard))
	var b [1]byte
	if _, err := c.Read(b[:]); !errors.Is(err, io.EOF) {
		t.Fatalf("uplink read: want EOF, got %v", err)
	}
}

// connect opens link id (mux mode, "" for single) to p and returns the
// peer's side.
func (h *host) connect(p *peer, id string) net.Conn {
	h.t.Helper()
	pre := ""
	if id != "" {
		pre = id + ","
	}
	h.cmd(fmt.Sprintf(`AT+CIPSTART=%s"TCP","127.0.0.1",%d`, pre, p.port()), pre+"CONNECT\r\n\r\nOK\r\n")
	return p.accept()
}

func itoa(n int) string { return fmt.Sprint(n) }

// sendOver sends payload on link id ("" in single mode) and checks that
// the uplink peer c receives it.
func (h *host) sendOver(c net.Conn, id, payload string) {
	h.t.Helper()
	pre := ""
	if id != "" {
		pre = id + ","
	}
	h.cmd(fmt.Sprintf("AT+CIPSEND=%s%d", pre, len(payload)), "\r\nOK\r\n\r\n>")
	h.send(payload)
	h.expect(fmt.Sprintf("\r\nRecv %d bytes\r\n\r\nSEND OK\r\n", len(payload)))
	if got := readFull(h.t, c, len(payload)); string(got) != payload {
		h.t.Fatalf("uplink got %q, want %q", got, payload)
	}
}
