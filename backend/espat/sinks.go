package espat

import (
	"net/netip"

	"github.com/netoffload/offload/backend"
)

// Payload sinks run on the reader goroutine. They use only the
// non-blocking Buffer calls (TryReserve/Commit) and never hold Modem.mu
// while doing so.

// activeSink returns where an active-mode +IPD payload goes.
func (m *Modem) activeSink(h dataHeader) sink {
	id := max(h.id, 0)
	m.mu.Lock()
	l := m.lookup(id)
	m.mu.Unlock()
	if l == nil {
		return discard{}
	}
	if l.udp {
		return m.datagramSink(l, h)
	}
	return &streamSink{m: m, l: l, in: l.st.In, direct: true}
}

// recvSink returns where a +CIPRECVDATA payload goes: the link of the
// AT+CIPRECVDATA in flight.
func (m *Modem) recvSink(h dataHeader) sink {
	m.mu.Lock()
	var l *link
	if cmd := m.cur; cmd != nil && cmd.recv != nil {
		l = cmd.recv
		cmd.got += h.n
		// Account here, in stream order: a notice that follows this
		// answer is news, one before it is already included.
		if !l.udp && h.n < cmd.recvLen {
			l.pending = 0
		} else {
			l.pending = max(0, l.pending-h.n)
		}
	}
	m.mu.Unlock()
	switch {
	case l == nil:
		return discard{}
	case l.udp:
		return m.datagramSink(l, h)
	}
	return &streamSink{m: m, l: l, in: l.st.In, direct: true}
}

// streamSink moves payload into a TCP link's In buffer, lending In's free
// memory so the UART is read straight into it (direct) and copying from
// the reader's buffer otherwise. In passive mode the request was sized to
// fit; in active mode a full buffer is an overrun: the connection fails
// with ErrOverrun rather than lose bytes.
type streamSink struct {
	m      *Modem
	l      *link
	in     *backend.Buffer
	direct bool
	dead   bool // dropping the rest (In closed, or overrun)
}

func (s *streamSink) write(p []byte) {
	for len(p) > 0 && !s.dead {
		span, err := s.in.TryReserve()
		if err != nil {
			s.dead = true // the application stopped reading: drop
			return
		}
		if len(span) == 0 {
			s.overrun()
			return
		}
		n := copy(span, p)
		s.in.Commit(n)
		p = p[n:]
	}
}

// overrun fails the link: its receive buffer had no room.
func (s *streamSink) overrun() {
	s.dead = true
	s.m.sendFailed(s.l, ErrOverrun)
}

func (s *streamSink) end() {}

// span lends free space of In for up to max payload bytes.
func (s *streamSink) span(max int) []byte {
	if !s.direct || s.dead {
		return nil
	}
	span, err := s.in.TryReserve()
	if err != nil || len(span) == 0 {
		s.in.Commit(0)
		return nil
	}
	if len(span) > max {
		span = span[:max]
	}
	return span
}

func (s *streamSink) commit(n int) { s.in.Commit(n) }

// maxDatagram bounds the datagram a record may carry.
const maxDatagram = 64 << 10

// datagramSink assembles one datagram and delivers it to the link's
// queue at the end of the record.
func (m *Modem) datagramSink(l *link, h dataHeader) sink {
	if h.n > maxDatagram {
		return discard{}
	}
	from := h.from
	if !from.IsValid() {
		from = l.remote
	}
	return &dgramSink{m: m, pq: l.pq, from: from, buf: m.scratch[:0]}
}

type dgramSink struct {
	m    *Modem
	pq   *backend.PacketQueue
	from netip.AddrPort
	buf  []byte
}

func (s *dgramSink) write(p []byte) { s.buf = append(s.buf, p...) }

func (s *dgramSink) end() {
	s.pq.Deliver(s.buf, s.from)
	s.m.scratch = s.buf[:0] // reader-owned: keep the grown buffer
}
