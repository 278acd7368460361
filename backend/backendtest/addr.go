package backendtest

import (
	"testing"
)

func (s *suite) addr(t *testing.T) {
	t.Run("Stream", s.streamAddrs)
	if s.probe.PacketAddr != "" {
		t.Run("Packet", s.packetAddrs)
	}
}

// streamAddrs: both ends have *net.TCPAddr addresses, each end's remote
// address is the other's local one, and the client's remote address is
// the listener's.
func (s *suite) streamAddrs(t *testing.T) {
	h := s.start(t)
	l := h.listen()
	client, server := h.pair(l)
	checkAddr(t, "client LocalAddr", client.LocalAddr(), false)
	checkAddr(t, "client RemoteAddr", client.RemoteAddr(), false)
	checkAddr(t, "server LocalAddr", server.LocalAddr(), false)
	checkAddr(t, "server RemoteAddr", server.RemoteAddr(), false)
	checkSameAddr(t, "client RemoteAddr vs server LocalAddr", client.RemoteAddr(), server.LocalAddr())
	checkSameAddr(t, "server RemoteAddr vs client LocalAddr", server.RemoteAddr(), client.LocalAddr())
	checkSameAddr(t, "client RemoteAddr vs listener Addr", client.RemoteAddr(), l.Addr())
	checkSameAddr(t, "server LocalAddr vs listener Addr", server.LocalAddr(), l.Addr())

	client2, server2 := h.pair(l)
	if client2.LocalAddr().String() == client.LocalAddr().String() {
		t.Errorf("two dialed conns share the local address %v", client.LocalAddr())
	}
	checkSameAddr(t, "second server RemoteAddr vs its client", server2.RemoteAddr(), client2.LocalAddr())
}

// packetAddrs: datagram sockets have *net.UDPAddr addresses; a connected
// one's remote address is its peer's local one.
func (s *suite) packetAddrs(t *testing.T) {
	h := s.start(t)
	a := h.listenPacket()
	checkAddr(t, "PacketConn LocalAddr", a.LocalAddr(), true)
	c := h.dialPacket(a.LocalAddr())
	checkAddr(t, "connected LocalAddr", c.LocalAddr(), true)
	checkAddr(t, "connected RemoteAddr", c.RemoteAddr(), true)
	checkSameAddr(t, "connected RemoteAddr vs peer LocalAddr", c.RemoteAddr(), a.LocalAddr())
}
