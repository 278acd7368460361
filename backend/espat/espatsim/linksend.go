package espatsim

import (
	"io"
	"net/netip"
	"time"
)

// sendWindow is the uplink send buffer of a link (lwIP TCP_SND_BUF).
// AT+CIPSEND answers SEND OK as soon as its payload is in this buffer,
// meaning "handed to the stack", not "acknowledged by the peer"; only when
// the buffer is full does the modem stay busy until there is room.
const sendWindow = 5760

// packet is data accepted for the uplink, with its UDP destination.
type packet struct {
	b    []byte
	dest netip.AddrPort
}

// hasSendRoom reports whether n more bytes fit the send buffer (an empty
// buffer takes any payload). Called with mu held.
func (l *link) hasSendRoom(n int) bool {
	return l.sendn == 0 || l.sendn+n <= sendWindow
}

// queueSend hands b to the link's sender. Called with mu held.
func (l *link) queueSend(b []byte, dest netip.AddrPort) {
	l.sendq = append(l.sendq, packet{b: b, dest: dest})
	l.sendn += len(b)
	l.last = time.Now()
	select {
	case l.sendWake <- struct{}{}:
	default:
	}
}

// waitSendRoom blocks until n bytes fit the send buffer, the link closes
// or stop is closed.
func (s *Sim) waitSendRoom(stop <-chan struct{}, l *link, n int) {
	for {
		s.mu.Lock()
		ok := l.closed || l.hasSendRoom(n)
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-l.sent:
		case <-l.done:
		case <-stop:
			return
		}
	}
}

// runSender writes queued data to the uplink in order. After the link is
// dropped it still writes what was accepted (a graceful close, as lwIP
// sends buffered data before its FIN), unless the drop was an abort; then
// it closes the socket.
func (s *Sim) runSender(l *link) {
	defer s.wg.Done()
	defer s.linkGone(l)
	for {
		s.mu.Lock()
		closed, have := l.closed, len(l.sendq) > 0
		var p packet
		if have {
			p = l.sendq[0]
		}
		s.mu.Unlock()
		if !have {
			if closed {
				return
			}
			select {
			case <-l.sendWake:
			case <-l.done:
			}
			continue
		}
		err := l.write(p.b, p.dest)
		s.mu.Lock()
		l.sent1(len(p.b), err)
		s.mu.Unlock()
	}
}

// sent1 accounts for one written packet. A failed stream write discards
// the rest of the queue and makes later sends fail; a failed datagram is
// just lost. Called with mu held.
func (l *link) sent1(n int, err error) {
	l.sendq = l.sendq[1:]
	l.sendn -= n
	if err != nil && l.pc == nil {
		if l.sendErr == nil {
			l.sendErr = err
		}
		l.sendq, l.sendn = nil, 0
	}
	select {
	case l.sent <- struct{}{}:
	default:
	}
}

// linkGone closes the socket of a dropped link once its sender is done.
func (s *Sim) linkGone(l *link) {
	s.mu.Lock()
	delete(s.closing, l)
	s.mu.Unlock()
	l.sock().Close()
}

// sock is the link's uplink socket.
func (l *link) sock() io.Closer {
	if l.pc != nil {
		return l.pc
	}
	return l.conn
}
