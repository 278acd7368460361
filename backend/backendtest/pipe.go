package backendtest

import (
	"net"
	"testing"
)

// The suite's network names.
const (
	tcp = "tcp"
	udp = "udp"
)

// listen opens a stream listener on StreamAddr, failing the test if it
// cannot. Call from the test goroutine.
func (h *harness) listen() net.Listener {
	h.t.Helper()
	l, err := h.env.ListenConfig.Listen(h.ctx, tcp, h.env.StreamAddr)
	if err != nil {
		h.t.Fatalf("Listen(%q, %q): %v", tcp, h.env.StreamAddr, err)
	}
	h.track(l)
	return l
}

// dial dials addr, failing the test if it cannot. Call from the test
// goroutine.
func (h *harness) dial(addr net.Addr) net.Conn {
	h.t.Helper()
	c, err := h.dialErr(addr)
	if err != nil {
		h.t.Fatalf("Dial(%q, %q): %v", tcp, addr, err)
	}
	return c
}

// dialErr dials addr and tracks the conn.
func (h *harness) dialErr(addr net.Addr) (net.Conn, error) {
	c, err := h.env.Dialer.DialContext(h.ctx, tcp, addr.String())
	if err != nil {
		return nil, err
	}
	h.track(c)
	return c, nil
}

// accept starts an Accept on l; the conn it returns is tracked.
func (h *harness) accept(l net.Listener) <-chan connResult {
	return async(h, func() connResult {
		c, err := l.Accept()
		if err == nil {
			h.track(c)
		}
		return connResult{c, err}
	})
}

// connect dials l and accepts the conn, returning both ends.
func (h *harness) connect(l net.Listener) (client, server net.Conn, err error) {
	acc := h.accept(l)
	client, err = h.dialErr(l.Addr())
	if err != nil {
		return nil, nil, err
	}
	r := <-acc
	if r.err != nil {
		return nil, nil, r.err
	}
	return client, r.c, nil
}

// pair returns both ends of a new connection to l, failing the test if
// it cannot. Call from the test goroutine.
func (h *harness) pair(l net.Listener) (client, server net.Conn) {
	h.t.Helper()
	client, server, err := h.connect(l)
	if err != nil {
		h.t.Fatalf("connecting to %v: %v", l.Addr(), err)
	}
	return client, server
}

// listenPacket opens a datagram socket on PacketAddr, failing the test if
// it cannot. Call from the test goroutine.
func (h *harness) listenPacket() net.PacketConn {
	h.t.Helper()
	c, err := h.env.ListenConfig.ListenPacket(h.ctx, udp, h.env.PacketAddr)
	if err != nil {
		h.t.Fatalf("ListenPacket(%q, %q): %v", udp, h.env.PacketAddr, err)
	}
	h.track(c)
	return c
}

// dialPacket dials a connected datagram conn to addr, failing the test if
// it cannot. Call from the test goroutine.
func (h *harness) dialPacket(addr net.Addr) net.Conn {
	h.t.Helper()
	c, err := h.env.Dialer.DialContext(h.ctx, udp, addr.String())
	if err != nil {
		h.t.Fatalf("Dial(%q, %q): %v", udp, addr, err)
	}
	h.track(c)
	return c
}

// closeWriter and closeReader are the half-close methods of stream conns.
type (
	closeWriter interface{ CloseWrite() error }
	closeReader interface{ CloseRead() error }
)

// asCloseWriter returns c's CloseWrite side, failing the test if it has
// none. Call from the test goroutine.
func asCloseWriter(t testing.TB, c net.Conn) closeWriter {
	t.Helper()
	cw, ok := c.(closeWriter)
	if !ok {
		t.Fatalf("%T has no CloseWrite method", c)
	}
	return cw
}

// asCloseReader returns c's CloseRead side, failing the test if it has
// none. Call from the test goroutine.
func asCloseReader(t testing.TB, c net.Conn) closeReader {
	t.Helper()
	cr, ok := c.(closeReader)
	if !ok {
		t.Fatalf("%T has no CloseRead method", c)
	}
	return cr
}
