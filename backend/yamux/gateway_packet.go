package yamux

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"syscall"
)

// serveListenPacket opens a UDP socket on the gateway's network and
// relays its datagrams over the stream.
func (s *gwSession) serveListenPacket(e *entry, network, addr string) {
	pc, err := s.g.listenPacket(s.ctx, network, addr)
	if err != nil {
		s.log.Debug("listen packet failed", "network", network, "addr", addr, "err", err)
		s.reply(e, statusOf(err), nil)
		return
	}
	body := appendAddr(appendAddr(nil, addrPortOf(pc.LocalAddr())), netip.AddrPort{})
	if s.reply(e, stOK, body) != nil {
		pc.Close()
		return
	}
	s.relay(e, pc, nil)
}

// relay moves datagrams between the stream and a gateway socket: an
// unconnected pc (destinations checked against Allow per datagram) or a
// connected conn. It returns when either side ends.
func (s *gwSession) relay(e *entry, pc net.PacketConn, conn net.Conn) {
	closeNet := func(error) {
		if pc != nil {
			pc.Close()
		} else {
			conn.Close()
		}
	}
	if e.attach(closeNet) != nil {
		closeNet(nil)
		return
	}
	done := make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(done)
		s.relayFromNet(e, pc, conn)
		e.abort(syscall.ECONNRESET)
	}()
	s.relayToNet(e, pc, conn)
	closeNet(nil)
	<-done
}

// relayToNet sends the device's datagrams.
func (s *gwSession) relayToNet(e *entry, pc net.PacketConn, conn net.Conn) {
	r := newDatagramReader(e.st)
	for {
		p, to, err := r.next()
		if err != nil {
			if err == errBadRequest {
				s.log.Warn("malformed datagram frame", "stream", e.id)
				s.reset(e, stBadRequest)
			}
			return
		}
		if conn != nil {
			conn.Write(p) // UDP: a failed send is a lost datagram
			continue
		}
		if !s.g.pol.allowDial(to) {
			s.log.Debug("denied", "op", "sendto", "addr", to)
			continue
		}
		writeTo(pc, p, to)
	}
}

func writeTo(pc net.PacketConn, p []byte, to netip.AddrPort) {
	if uc, ok := pc.(*net.UDPConn); ok {
		uc.WriteToUDPAddrPort(p, to)
		return
	}
	pc.WriteTo(p, net.UDPAddrFromAddrPort(to))
}

// relayFromNet frames arriving datagrams toward the device. The payload
// is read behind room for the largest header, which is then written
// just before it, so each datagram costs one stream write and no copy.
func (s *gwSession) relayFromNet(e *entry, pc net.PacketConn, conn net.Conn) {
	buf := make([]byte, maxFrameSize)
	const room = lenSize + maxAddrSize
	var peer netip.AddrPort
	if conn != nil {
		peer = addrPortOf(conn.RemoteAddr())
	}
	for {
		n, from, err := readFrom(pc, conn, buf[room:], peer)
		if err != nil {
			if transientUDP(err) {
				continue
			}
			return
		}
		var hdr [room]byte
		h := binary.BigEndian.AppendUint16(hdr[:0], uint16(n))
		h = appendAddr(h, from)
		start := room - len(h)
		copy(buf[start:], h)
		if _, err := writeFrames(e.st, &s.link.pace, buf[start:room+n]); err != nil {
			return
		}
	}
}

func readFrom(pc net.PacketConn, conn net.Conn, p []byte, peer netip.AddrPort) (int, netip.AddrPort, error) {
	if conn != nil {
		n, err := conn.Read(p)
		return n, peer, err
	}
	if uc, ok := pc.(*net.UDPConn); ok {
		n, from, err := uc.ReadFromUDPAddrPort(p)
		return n, unmapPort(from), err
	}
	n, from, err := pc.ReadFrom(p)
	return n, addrPortOf(from), err
}

// transientUDP reports errors a UDP socket recovers from, such as an ICMP
// port unreachable reported on a connected socket.
func transientUDP(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}
