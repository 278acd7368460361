package backendtest

import (
	"bytes"
	"net"
	"syscall"
	"testing"
	"time"
)

func (s *suite) packet(t *testing.T) {
	if s.probe.PacketAddr == "" {
		t.Run("Unsupported", s.packetUnsupported)
		return
	}
	t.Run("Boundaries", s.packetBoundaries)
	t.Run("Truncation", s.packetTruncation)
	t.Run("SourceAddr", s.packetSourceAddr)
	t.Run("ReadDeadline", s.packetReadDeadline)
	t.Run("CloseUnblocksRead", s.packetCloseUnblocksRead)
	t.Run("Connected", s.packetConnected)
	t.Run("BoundConnected", s.packetBoundConnected)
	t.Run("MsgSize", s.packetMsgSize)
}

// packetUnsupported checks that a backend without datagrams refuses
// ListenPacket with an error instead of a panic or a broken conn.
func (s *suite) packetUnsupported(t *testing.T) {
	h := s.start(t)
	addr := "127.0.0.1:0"
	if ap, err := parseAddr(h.env.StreamAddr); err == nil {
		addr = net.JoinHostPort(ap.Addr().String(), "0")
	}
	err := noPanic(func() error {
		c, err := h.env.ListenConfig.ListenPacket(h.ctx, udp, addr)
		if err == nil {
			c.Close()
		}
		return err
	})
	if err == nil {
		t.Fatalf("ListenPacket(%q, %q) succeeded on a backend whose Env has no PacketAddr", udp, addr)
	}
	if _, ok := err.(*panicError); ok {
		t.Fatalf("ListenPacket(%q, %q): %v", udp, addr, err)
	}
	checkOpError(t, "ListenPacket without datagram support", err, "", udp)
}

// datagramSizes returns sizes from one byte to the largest datagram.
func (h *harness) datagramSizes() []int {
	var out []int
	for _, n := range []int{1, 7, 512, 1472, 8192, 65000} {
		if n < h.env.MaxDatagram {
			out = append(out, n)
		}
	}
	return append(out, h.env.MaxDatagram)
}

// readDatagram reads one datagram into a buffer one byte larger than the
// largest datagram, failing the test on error.
func (h *harness) readDatagram(c net.PacketConn) ([]byte, net.Addr) {
	h.t.Helper()
	buf := make([]byte, h.env.MaxDatagram+1)
	n, from, err := c.ReadFrom(buf)
	if err != nil {
		h.t.Fatalf("ReadFrom: %v", err)
	}
	return buf[:n], from
}

// writeDatagram sends p to addr, failing the test unless all of it went.
func (h *harness) writeDatagram(c net.PacketConn, p []byte, addr net.Addr) {
	h.t.Helper()
	n, err := c.WriteTo(p, addr)
	if err != nil || n != len(p) {
		h.t.Fatalf("WriteTo(%d bytes, %v) = %d, %v", len(p), addr, n, err)
	}
}

func (s *suite) packetBoundaries(t *testing.T) {
	h := s.start(t)
	a, b := h.listenPacket(), h.listenPacket()
	sizes := h.datagramSizes()
	want := make([][]byte, len(sizes))
	for i, n := range sizes {
		want[i] = randBytes(uint64(100+i), n)
		h.writeDatagram(a, want[i], b.LocalAddr())
	}
	seen := make([]bool, len(sizes))
	for range sizes {
		got, _ := h.readDatagram(b)
		i := indexOf(want, seen, got)
		if i < 0 {
			t.Fatalf("received a %d-byte datagram that was never sent whole (sent sizes %v)", len(got), sizes)
		}
		seen[i] = true
	}
}

// indexOf returns the index of the first unseen datagram equal to got.
func indexOf(want [][]byte, seen []bool, got []byte) int {
	for i, w := range want {
		if !seen[i] && bytes.Equal(w, got) {
			return i
		}
	}
	return -1
}

func (s *suite) packetTruncation(t *testing.T) {
	h := s.start(t)
	a, b := h.listenPacket(), h.listenPacket()
	long, next := randBytes(1, 100), randBytes(2, 10)
	h.writeDatagram(a, long, b.LocalAddr())
	h.writeDatagram(a, next, b.LocalAddr())
	short := make([]byte, 10)
	n, _, err := b.ReadFrom(short)
	if err != nil {
		t.Fatalf("ReadFrom into a short buffer: %v", err)
	}
	if n != len(short) || !bytes.Equal(short, long[:len(short)]) {
		t.Fatalf("ReadFrom into a 10-byte buffer = %d bytes %x, want the first 10 bytes %x", n, short[:n], long[:10])
	}
	got, _ := h.readDatagram(b)
	if !bytes.Equal(got, next) {
		t.Fatalf("read after a truncated datagram = %x, want the next datagram %x", got, next)
	}
}

func (s *suite) packetSourceAddr(t *testing.T) {
	h := s.start(t)
	a, b := h.listenPacket(), h.listenPacket()
	checkAddr(t, "PacketConn.LocalAddr", a.LocalAddr(), true)
	h.writeDatagram(a, []byte("ping"), b.LocalAddr())
	_, from := h.readDatagram(b)
	checkAddr(t, "ReadFrom source", from, true)
	checkSameAddr(t, "ReadFrom source vs sender's LocalAddr", from, a.LocalAddr())
	h.writeDatagram(b, []byte("pong"), from)
	got, from2 := h.readDatagram(a)
	if string(got) != "pong" {
		t.Errorf("reply to the source address = %q, want %q", got, "pong")
	}
	checkSameAddr(t, "reply's source vs replier's LocalAddr", from2, b.LocalAddr())
}

func (s *suite) packetReadDeadline(t *testing.T) {
	h := s.start(t)
	a, b := h.listenPacket(), h.listenPacket()
	buf := make([]byte, 64)
	if err := b.SetReadDeadline(aLongTimeAgo); err != nil {
		t.Fatalf("SetReadDeadline: %v", err)
	}
	_, _, err := b.ReadFrom(buf)
	checkTimeout(t, "ReadFrom with a past deadline", err, "read", udp)

	if err := b.SetReadDeadline(time.Time{}); err != nil {
		t.Fatalf("SetReadDeadline(zero): %v", err)
	}
	res := async(h, func() ioResult { n, _, err := b.ReadFrom(buf); return ioResult{n, err} })
	letRun()
	if err := b.SetReadDeadline(time.Now().Add(shortWait)); err != nil {
		t.Fatalf("SetReadDeadline: %v", err)
	}
	checkTimeout(t, "blocked ReadFrom after the deadline passed", (<-res).err, "read", udp)

	if err := b.SetReadDeadline(time.Time{}); err != nil {
		t.Fatalf("SetReadDeadline(zero): %v", err)
	}
	h.writeDatagram(a, []byte("after"), b.LocalAddr())
	if got, _ := h.readDatagram(b); string(got) != "after" {
		t.Errorf("ReadFrom with the deadline disarmed = %q, want %q", got, "after")
	}
}

func (s *suite) packetCloseUnblocksRead(t *testing.T) {
	h := s.start(t)
	b := h.listenPacket()
	res := async(h, func() ioResult { n, _, err := b.ReadFrom(make([]byte, 64)); return ioResult{n, err} })
	letRun()
	if err := b.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	checkClosed(t, "ReadFrom unblocked by Close", (<-res).err, udp)
}

func (s *suite) packetConnected(t *testing.T) {
	h := s.start(t)
	srv, other := h.listenPacket(), h.listenPacket()
	h.checkConnected(h.dialPacket(srv.LocalAddr()), srv, other)
}

// packetBoundConnected dials from a chosen local address, as a Dialer
// with LocalAddr does: the socket is bound first, then connected, and
// must then behave as one connected at once, on the address it was bound
// to.
func (s *suite) packetBoundConnected(t *testing.T) {
	h := s.start(t)
	srv, other := h.listenPacket(), h.listenPacket()
	local, err := net.ResolveUDPAddr(udp, h.env.PacketAddr)
	if err != nil {
		t.Fatalf("PacketAddr %q: %v", h.env.PacketAddr, err)
	}
	d := *h.env.Dialer
	d.LocalAddr = local
	c, err := d.DialContext(h.ctx, udp, srv.LocalAddr().String())
	if err != nil {
		t.Fatalf("Dial(%q, %q) from %v: %v", udp, srv.LocalAddr(), local, err)
	}
	h.track(c)
	got, err := parseAddr(c.LocalAddr().String())
	if err != nil {
		t.Fatalf("LocalAddr %v: %v", c.LocalAddr(), err)
	}
	if local.Port != 0 && int(got.Port()) != local.Port {
		t.Errorf("LocalAddr %v, want the bound port %d", c.LocalAddr(), local.Port)
	}
	h.checkConnected(c, srv, other)
}

// checkConnected checks a datagram conn connected to srv: addresses, a
// Write reaching srv from c's LocalAddr, and a Read seeing srv's reply but
// not a datagram from other sent to the same address before it. Call
// from the test goroutine.
func (h *harness) checkConnected(c net.Conn, srv, other net.PacketConn) {
	t := h.t
	t.Helper()
	checkAddr(t, "connected LocalAddr", c.LocalAddr(), true)
	checkSameAddr(t, "connected RemoteAddr vs server's LocalAddr", c.RemoteAddr(), srv.LocalAddr())
	if n, err := c.Write([]byte("hello")); err != nil || n != 5 {
		t.Fatalf("connected Write = %d, %v", n, err)
	}
	got, from := h.readDatagram(srv)
	if string(got) != "hello" {
		t.Fatalf("server got %q, want %q", got, "hello")
	}
	checkSameAddr(t, "server's ReadFrom source vs connected LocalAddr", from, c.LocalAddr())
	// A stranger's datagram must not reach the connected conn.
	h.writeDatagram(other, []byte("stranger"), c.LocalAddr())
	h.writeDatagram(srv, []byte("reply"), from)
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "reply" {
		t.Fatalf("connected Read = %q, %v; want %q", buf[:n], err, "reply")
	}
}

func (s *suite) packetMsgSize(t *testing.T) {
	h := s.start(t)
	a, b := h.listenPacket(), h.listenPacket()
	for _, n := range []int{h.env.MaxDatagram + 1, 65508, 1 << 20} {
		_, err := a.WriteTo(make([]byte, n), b.LocalAddr())
		checkIs(t, "WriteTo of an oversized datagram", err, "write", udp, syscall.EMSGSIZE)
	}
	c := h.dialPacket(b.LocalAddr())
	_, err := c.Write(make([]byte, 65508))
	checkIs(t, "connected Write of an oversized datagram", err, "write", udp, syscall.EMSGSIZE)
	// The socket still works afterwards.
	h.writeDatagram(a, []byte("fits"), b.LocalAddr())
	if got, _ := h.readDatagram(b); string(got) != "fits" {
		t.Errorf("datagram after an oversized one = %q, want %q", got, "fits")
	}
}
