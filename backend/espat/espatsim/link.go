package espatsim

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"time"
)

// link is one of the modem's five connections, backed by an uplink
// socket: conn for TCP and SSL, pc for UDP. Fields below the line are
// guarded by Sim.mu.
type link struct {
	id       int
	typ      string // "TCP", "UDP" or "SSL"
	conn     net.Conn
	pc       net.PacketConn
	server   bool // accepted by CIPSERVER
	lport    int
	udpMode  int           // CIPSTART UDP mode 0, 1 or 2
	room     chan struct{} // cap 1: the passive buffer shrank or the mode changed
	done     chan struct{} // closed when the link is dropped
	sendWake chan struct{} // cap 1: data was queued for the sender
	sent     chan struct{} // cap 1: the sender wrote a packet

	remote   netip.AddrPort
	adopted  bool // UDP mode 1 adopted a new remote
	closed   bool // dropped: the reader must stop
	eof      bool // the peer closed (CLOSED may be held back in v2 passive mode)
	reported bool // CLOSED was printed while data remains (AT 1.7 passive)
	rx       []byte
	dgrams   []datagram
	nbuf     int  // bytes in rx and dgrams
	notified bool // a passive +IPD notice is outstanding (v2)
	last     time.Time
	sendq    []packet // accepted for the uplink, not yet written
	sendn    int      // bytes in sendq
	sendErr  error    // a write failed: later sends fail
}

// datagram is a UDP datagram held in passive mode.
type datagram struct {
	b    []byte
	from netip.AddrPort
}

func newLink(id int, typ string) *link {
	return &link{
		id: id, typ: typ,
		room:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		sendWake: make(chan struct{}, 1),
		sent:     make(chan struct{}, 1),
		last:     time.Now(),
	}
}

// wake tells the link's reader to look at its passive buffer again.
func (l *link) wake() {
	select {
	case l.room <- struct{}{}:
	default:
	}
}

// write sends p on the uplink; UDP sends it as one datagram to dest.
func (l *link) write(p []byte, dest netip.AddrPort) error {
	if l.pc != nil {
		_, err := l.pc.WriteTo(p, net.UDPAddrFromAddrPort(dest))
		return err
	}
	_, err := l.conn.Write(p)
	return err
}

// addrPort extracts an address and port from a net.Addr of any shape,
// with IPv4-mapped addresses unmapped.
func addrPort(a net.Addr) netip.AddrPort {
	var ap netip.AddrPort
	switch a := a.(type) {
	case *net.TCPAddr:
		ap = a.AddrPort()
	case *net.UDPAddr:
		ap = a.AddrPort()
	case nil:
	default:
		ap, _ = netip.ParseAddrPort(a.String())
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// freeID reports whether link id can be given to a new link.
func (s *Sim) freeID(id int) bool {
	l := s.links[id]
	return !s.reserved[id] && (l == nil || l.reported)
}

// lowestFree returns the lowest free link id, or -1.
func (s *Sim) lowestFree() int {
	for id := range s.links {
		if s.freeID(id) {
			return id
		}
	}
	return -1
}

// openLinks counts links that are up (CLOSED not yet printed).
func (s *Sim) openLinks() int {
	n := 0
	for _, l := range s.links {
		if l != nil && !l.reported {
			n++
		}
	}
	return n
}

// install puts l in the table, starts its reader and sender and
// announces it. Called with mu held.
func (s *Sim) install(l *link) {
	if old := s.links[l.id]; old != nil {
		s.dropLink(old, false)
	}
	s.links[l.id] = l
	s.st.linked = true
	s.wg.Add(2)
	go s.runSender(l)
	if l.conn != nil {
		go s.runStream(l)
	} else {
		go s.runPacket(l)
	}
	s.emitString(s.connectLine(l))
}

// dropLink removes l from the table and stops its reader; its sender
// still writes the data already accepted, then closes the socket. If
// report is set, CLOSED is printed. Called with mu held.
func (s *Sim) dropLink(l *link, report bool) {
	if l.closed {
		return
	}
	l.closed = true
	close(l.done)
	if s.links[l.id] == l {
		s.links[l.id] = nil
	}
	if s.closing == nil {
		s.closing = map[*link]bool{}
	}
	s.closing[l] = true
	if l.pc != nil && len(l.sendq) == 0 {
		// lwIP frees a UDP link's port as the modem answers, so the next
		// AT+CIPSTART may take it again (the driver re-opens a bound
		// socket's link on its port to connect it): close now, not when
		// the reader has gone (linkGone closes again, harmlessly).
		s.toClose = append(s.toClose, l.pc)
	}
	l.setReadDeadline(time.Unix(1, 0)) // wake the reader
	if report && !l.reported {
		s.emitString(s.closedLine(l.id))
	}
}

// abortClosing closes the sockets of all dropped links at once, without
// waiting for their senders. Called with mu held.
func (s *Sim) abortClosing() {
	for l := range s.closing {
		s.toClose = append(s.toClose, l.sock())
	}
}

// setReadDeadline sets the read deadline of the link's socket.
func (l *link) setReadDeadline(t time.Time) {
	if l.pc != nil {
		l.pc.SetReadDeadline(t)
	} else {
		l.conn.SetReadDeadline(t)
	}
}

// peerClosed handles the end of the uplink stream: CLOSED now, or (v2
// passive with data left) once the host has read it all. AT 1.7 prints
// CLOSED at once and keeps the data readable. Called with mu held.
func (s *Sim) peerClosed(l *link) {
	if l.closed || l.eof {
		return
	}
	l.eof = true
	if s.onPeerEOF != nil {
		s.onPeerEOF(l.id)
	}
	if l.nbuf == 0 {
		s.dropLink(l, true)
		return
	}
	if s.cfg.Dialect == AT17 {
		s.emitString(s.closedLine(l.id))
		l.reported = true
	}
}

// runStream moves bytes from a TCP or SSL uplink into the link, waiting
// while the passive buffer is full (so the remote sender is slowed) or
// the UART output is backed up.
func (s *Sim) runStream(l *link) {
	defer s.wg.Done()
	buf := make([]byte, s.recordMax())
	for {
		n, ok := s.linkRoom(l)
		if !ok || !s.armIdle(l) {
			return
		}
		m, err := l.conn.Read(buf[:min(n, len(buf))])
		s.mu.Lock()
		if m > 0 {
			s.deliver(l, buf[:m], l.remote)
		}
		if err != nil && !(isTimeout(err) && !s.idleExpired(l) && !l.closed) {
			s.streamEnded(l, err)
			s.unlock()
			return
		}
		s.unlock()
	}
}

// streamEnded handles a read error: an idle timeout drops the link, any
// other end is the peer closing. Called with mu held.
func (s *Sim) streamEnded(l *link, err error) {
	if isTimeout(err) {
		s.dropLink(l, true)
		return
	}
	s.peerClosed(l)
}

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// linkRoom waits until the link may read more and returns how much.
func (s *Sim) linkRoom(l *link) (int, bool) {
	for {
		s.mu.Lock()
		closed := l.closed
		passive := s.passiveFor(l)
		free := passiveWindow - l.nbuf
		s.mu.Unlock()
		switch {
		case closed:
			return 0, false
		case !passive:
			return s.recordMax(), s.out.waitRoom(l.done)
		case free > 0:
			return free, true
		}
		select {
		case <-l.room:
		case <-l.done:
			return 0, false
		}
	}
}

// runPacket moves datagrams from a UDP uplink into the link.
func (s *Sim) runPacket(l *link) {
	defer s.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		if !s.out.waitRoom(l.done) {
			return
		}
		n, from, err := l.pc.ReadFrom(buf)
		s.mu.Lock()
		if err != nil {
			s.dropLink(l, true)
			s.unlock()
			return
		}
		s.datagramIn(l, buf[:n], addrPort(from))
		s.unlock()
	}
}

// datagramIn applies the UDP remote-adoption mode and delivers a
// datagram. Called with mu held.
func (s *Sim) datagramIn(l *link, b []byte, from netip.AddrPort) {
	if l.closed {
		return
	}
	switch {
	case l.udpMode == 1 && !l.adopted && from != l.remote:
		l.remote, l.adopted = from, true
	case l.udpMode == 2:
		l.remote = from
	}
	if len(b) > s.recordMax() {
		b = b[:s.recordMax()]
	}
	s.deliver(l, b, from)
}

// deliver hands received bytes to the host: raw in passthrough, stored in
// passive mode, as +IPD records otherwise. Called with mu held.
func (s *Sim) deliver(l *link, b []byte, from netip.AddrPort) {
	if l.closed {
		return
	}
	l.last = time.Now()
	switch {
	case s.pt != nil && s.pt.l == l:
		s.emit(b)
	case s.st.passive[l.id]:
		s.passiveIn(l, b, from)
	default:
		for len(b) > 0 {
			n := min(len(b), s.recordMax())
			s.emitIPD(l.id, b[:n], from)
			b = b[n:]
		}
	}
}

// passiveFor reports whether l's reader should fill the passive buffer.
// Called with mu held.
func (s *Sim) passiveFor(l *link) bool {
	return s.st.passive[l.id] && (s.pt == nil || s.pt.l != l)
}
