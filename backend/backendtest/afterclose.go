package backendtest

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// connOp is one method call on a conn, for the after-Close tables.
type connOp struct {
	name string
	do   func(c net.Conn) error
}

// streamOps are the stream conn methods that must fail with net.ErrClosed
// after Close.
var streamOps = []connOp{
	{"Read", func(c net.Conn) error { _, err := c.Read(make([]byte, 8)); return err }},
	{"Write", func(c net.Conn) error { _, err := c.Write([]byte("x")); return err }},
	{"SetDeadline", func(c net.Conn) error { return c.SetDeadline(time.Now()) }},
	{"SetReadDeadline", func(c net.Conn) error { return c.SetReadDeadline(time.Now()) }},
	{"SetWriteDeadline", func(c net.Conn) error { return c.SetWriteDeadline(time.Now()) }},
	{"CloseWrite", func(c net.Conn) error { return call[closeWriter](c, closeWriter.CloseWrite) }},
	{"CloseRead", func(c net.Conn) error { return call[closeReader](c, closeReader.CloseRead) }},
	{"ReadFrom", func(c net.Conn) error {
		return call[io.ReaderFrom](c, func(rf io.ReaderFrom) error {
			_, err := rf.ReadFrom(strings.NewReader("x"))
			return err
		})
	}},
	{"WriteTo", func(c net.Conn) error {
		return call[io.WriterTo](c, func(wt io.WriterTo) error {
			_, err := wt.WriteTo(io.Discard)
			return err
		})
	}},
}

// call applies f to c as a T, or reports that c lacks the method.
func call[T any](c net.Conn, f func(T) error) error {
	v, ok := c.(T)
	if !ok {
		return errMissingMethod
	}
	return f(v)
}

var errMissingMethod = errors.New("the conn lacks this method")

func (s *suite) afterClose(t *testing.T) {
	for _, end := range []string{"Client", "Server"} {
		server := end == "Server"
		t.Run(end, func(t *testing.T) {
			t.Run("Methods", func(t *testing.T) { s.afterCloseMethods(t, server) })
			t.Run("PeerReadsThenEOF", func(t *testing.T) { s.peerReadsThenEOF(t, server) })
			t.Run("PeerWritesFail", func(t *testing.T) { s.peerWritesFail(t, server) })
		})
	}
	t.Run("Listener", s.listenerAfterClose)
	if s.probe.PacketAddr != "" {
		t.Run("Packet", s.packetAfterClose)
		t.Run("ConnectedPacket", s.connectedPacketAfterClose)
	}
}

// closedEnd returns one end of a new pair, and its peer, after closing
// the end.
func (h *harness) closedEnd(server bool) (closed, peer net.Conn) {
	h.t.Helper()
	closed, peer = h.pair(h.listen())
	if server {
		closed, peer = peer, closed
	}
	if err := closed.Close(); err != nil {
		h.t.Errorf("Close: %v", err)
	}
	return closed, peer
}

func (s *suite) afterCloseMethods(t *testing.T, server bool) {
	h := s.start(t)
	c, _ := h.closedEnd(server)
	runOps(t, c, streamOps, tcp)
	checkAddr(t, "LocalAddr after Close", c.LocalAddr(), false)
	checkAddr(t, "RemoteAddr after Close", c.RemoteAddr(), false)
}

// runOps runs each op on the closed conn c as a subtest, then closes c
// again.
func runOps(t *testing.T, c net.Conn, ops []connOp, network string) {
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			checkClosed(t, op.name+" after Close", noPanic(func() error { return op.do(c) }), network)
		})
	}
	t.Run("Close", func(t *testing.T) { checkCloseAgain(t, c.Close, network) })
}

// checkCloseAgain calls a second Close: nil or net.ErrClosed, no panic.
func checkCloseAgain(t *testing.T, closeFn func() error, network string) {
	t.Helper()
	err := noPanic(closeFn)
	if err != nil {
		checkClosed(t, "second Close", err, network)
	}
}

// peerReadsThenEOF: the peer of a closed conn reads what was written
// before Close, then io.EOF.
func (s *suite) peerReadsThenEOF(t *testing.T, server bool) {
	h := s.start(t)
	// Bytes still queued when Close returns are delivered: write what any
	// send buffer holds, close, and only then start reading.
	l := h.listen()
	c, peer := h.pair(l)
	if server {
		c, peer = peer, c
	}
	queued := randBytes(5, 4<<10)
	if _, err := c.Write(queued); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	h.readAllExpect(peer, queued, "peer of a conn closed with bytes queued")
	peer.Close()

	// With more than the buffers hold, Close lingers while the peer reads.
	c, peer = h.pair(l)
	if server {
		c, peer = peer, c
	}
	data := randBytes(4, 600<<10)
	done := h.asyncErr(func() error {
		if _, err := c.Write(data); err != nil {
			return err
		}
		return c.Close()
	})
	h.readAllExpect(peer, data, "peer of a closed conn")
	if err := <-done; err != nil {
		t.Errorf("Write then Close: %v", err)
	}
}

// peerWritesFail: writes to a conn whose peer closed eventually fail with
// ECONNRESET or EPIPE; they neither succeed forever nor block.
func (s *suite) peerWritesFail(t *testing.T, server bool) {
	h := s.start(t)
	_, peer := h.closedEnd(server)
	if n, err := peer.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Errorf("peer's Read after Close = %d, %v; want 0, io.EOF", n, err)
	}
	chunk := make([]byte, 16<<10)
	limit := h.env.MaxInFlight + 1<<20
	for total := 0; total <= limit; total += len(chunk) {
		if _, err := peer.Write(chunk); err != nil {
			checkIs(t, "peer's Write after Close", err, "write", tcp, syscall.ECONNRESET, syscall.EPIPE)
			return
		}
	}
	t.Errorf("the peer of a closed conn wrote %d bytes without error", limit)
}

func (s *suite) listenerAfterClose(t *testing.T) {
	h := s.start(t)
	l := h.listen()
	if err := l.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	_, err := l.Accept()
	checkClosed(t, "Accept after Close", err, tcp)
	checkClosed(t, "SetDeadline after Close", noPanic(func() error {
		return deadline(t, l).SetDeadline(time.Now())
	}), tcp)
	checkCloseAgain(t, l.Close, tcp)
	checkAddr(t, "Addr after Close", l.Addr(), false)
}

// packetOps are the datagram conn methods that must fail with
// net.ErrClosed after Close.
func packetOps(to net.Addr) []connOp {
	pc := func(f func(net.PacketConn) error) func(net.Conn) error {
		return func(c net.Conn) error { return call[net.PacketConn](c, f) }
	}
	return []connOp{
		{"ReadFrom", pc(func(c net.PacketConn) error { _, _, err := c.ReadFrom(make([]byte, 8)); return err })},
		{"WriteTo", pc(func(c net.PacketConn) error { _, err := c.WriteTo([]byte("x"), to); return err })},
		{"SetDeadline", func(c net.Conn) error { return c.SetDeadline(time.Now()) }},
		{"SetReadDeadline", func(c net.Conn) error { return c.SetReadDeadline(time.Now()) }},
		{"SetWriteDeadline", func(c net.Conn) error { return c.SetWriteDeadline(time.Now()) }},
	}
}

func (s *suite) packetAfterClose(t *testing.T) {
	h := s.start(t)
	a, b := h.listenPacket(), h.listenPacket()
	if err := a.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	c, ok := a.(net.Conn)
	if !ok {
		t.Fatalf("%T is not a net.Conn", a)
	}
	runOps(t, c, packetOps(b.LocalAddr()), udp)
	checkAddr(t, "LocalAddr after Close", a.LocalAddr(), true)
}

func (s *suite) connectedPacketAfterClose(t *testing.T) {
	h := s.start(t)
	c := h.dialPacket(h.listenPacket().LocalAddr())
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	ops := append([]connOp{}, streamOps[:5]...) // Read, Write, the deadlines
	runOps(t, c, ops, udp)
}
