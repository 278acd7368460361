package espat

import (
	"fmt"
	"syscall"
	"time"
)

// dataStep does one unit of data work: one AT+CIPRECVDATA, else one
// AT+CIPSEND or AT+CIPCLOSE. Receiving goes first: it empties the modem's
// buffers, which keeps the peers' TCP windows open, and a send that the
// modem cannot pass on at once would hold up the line. Each pass visits
// the links round-robin, so they share the line fairly. It reports
// whether it did anything.
func (m *Modem) dataStep() bool {
	return m.visit(&m.eng.recvCursor, m.recvStep) || m.visit(&m.eng.sendCursor, m.sendStep)
}

// visit offers each link, starting after *cursor, to step until one does
// something.
func (m *Modem) visit(cursor *int, step func(*link, linkState, int) bool) bool {
	for i := 0; i < maxLinks; i++ {
		id := (*cursor + i) % maxLinks
		m.mu.Lock()
		l := m.links[id]
		var state linkState
		var pending int
		if l != nil {
			state, pending = l.state, l.pending
		}
		m.mu.Unlock()
		if l != nil && step(l, state, pending) {
			*cursor = id + 1
			return true
		}
	}
	return false
}

// sendStep sends the next chunk of l's pending bytes, or closes a link
// the application closed once everything is sent.
func (m *Modem) sendStep(l *link, state linkState, _ int) bool {
	if state != linkOpen && state != linkClosing {
		return false
	}
	m.mu.Lock()
	draining := l.peerClosed
	m.mu.Unlock()
	if draining { // AT 1.x: the peer closed, data is still being read
		if state == linkClosing { // and the application gave up on it
			m.mu.Lock()
			m.unregister(l)
			m.mu.Unlock()
			return true
		}
		return false
	}
	if l.st == nil { // a UDP link or an unwanted accepted one
		if state == linkClosing {
			m.closeLinkNow(l)
			return true
		}
		return false
	}
	buffered := l.st.Out.Buffered()
	if buffered == 0 {
		if state == linkClosing {
			m.closeLinkNow(l)
			return true
		}
		return false
	}
	n := l.nextChunk(buffered, m.info.sendLimit, m.cfg.NoCoalesce)
	buf := m.takeOut(l, n)
	if len(buf) == 0 {
		return true // Out was aborted meanwhile
	}
	cmd := newCommand(fmt.Sprintf("AT+CIPSEND=%d,%d", l.id, len(buf)))
	cmd.payload = buf
	cmd.errno = syscall.ECONNRESET
	if err := m.exec(cmd); err != nil {
		m.sendFailed(l, err)
	}
	return true
}

// takeOut moves up to n bytes from l's Out into the send buffer. The copy
// lets the application refill Out while the UART carries the chunk.
func (m *Modem) takeOut(l *link, n int) []byte {
	if cap(m.eng.sendBuf) < n {
		m.eng.sendBuf = make([]byte, max(n, m.info.sendLimit))
	}
	buf := m.eng.sendBuf[:0]
	for len(buf) < n {
		span, err := l.st.Out.TryPeek()
		if err != nil || len(span) == 0 {
			break
		}
		k := min(len(span), n-len(buf))
		buf = append(buf, span[:k]...)
		l.markMu.Lock()
		l.st.Out.Discard(k)
		l.consumed += int64(k)
		l.markMu.Unlock()
	}
	l.st.Out.Shrink() // if that emptied Out, an idle link holds no send memory
	return buf
}

// sendFailed poisons l after a failed CIPSEND: the stream would have a
// hole, so both directions fail with err and the link is closed.
func (m *Modem) sendFailed(l *link, err error) {
	m.cfg.logf("espat: link %d: %v", l.id, err)
	m.mu.Lock()
	peerClosed, live := l.peerClosed, m.links[l.id] == l
	l.failed = true
	// A link can fail before its CIPSTART has finished (active-mode data
	// may overrun In between CONNECT and OK): close it all the same.
	if live && (l.state == linkOpen || l.state == linkConnecting) {
		l.state = linkClosing
	}
	m.mu.Unlock()
	l.fail(err, peerClosed)
	if live {
		m.wake()
	}
}

// recvStep reads data the modem holds for l in passive mode
// (AT+CIPRECVDATA), sized to the free space of l's receive buffer so a
// slow reader slows the remote sender instead of losing data.
func (m *Modem) recvStep(l *link, state linkState, pending int) bool {
	if m.cfg.ActiveReceive || state != linkOpen || pending <= 0 {
		return false
	}
	n := m.cfg.RecvLimit
	if !l.udp {
		n = min(n, l.st.In.Available())
		if n == 0 {
			return false // resumes when the application reads (In's writable notice)
		}
	}
	cmd := newCommand(fmt.Sprintf("AT+CIPRECVDATA=%d,%d", l.id, n))
	cmd.recv, cmd.recvLen = l, n
	cmd.timeout = m.cfg.CommandTimeout + m.cfg.lineTime(n, m.eng.baud)
	m.exec(cmd) // the reader accounts for l.pending as the answer arrives
	m.finishDrain(l)
	return true
}

// finishDrain ends the stream of a link the peer closed once the data the
// modem held for it has been read.
func (m *Modem) finishDrain(l *link) {
	m.mu.Lock()
	done := l.peerClosed && l.pending == 0 && m.links[l.id] == l && l.state == linkOpen
	if done {
		m.unregister(l)
	}
	m.mu.Unlock()
	if done {
		l.closedByPeer()
	}
}

// pollStep asks AT+CIPRECVLEN? in passive mode when PollInterval has
// passed with links open, in case a +IPD notice was lost.
func (m *Modem) pollStep() bool {
	if m.pollWait() > 0 {
		return false
	}
	m.eng.lastPoll = time.Now()
	cmd := newCommand("AT+CIPRECVLEN?")
	if m.exec(cmd) != nil {
		return true
	}
	v, ok := infoValue(cmd.info, "+CIPRECVLEN:")
	if !ok {
		return true
	}
	lens := parseRecvLen(v)
	m.mu.Lock()
	for id, l := range m.links {
		if l != nil && l.state == linkOpen && lens[id] >= 0 {
			l.pending = lens[id]
		}
	}
	m.mu.Unlock()
	return true
}

// pollWait returns how long until the next poll is due (an hour when
// polling is off or no link is open).
func (m *Modem) pollWait() time.Duration {
	if m.cfg.ActiveReceive || m.cfg.PollInterval < 0 || !m.info.started {
		return time.Hour
	}
	m.mu.Lock()
	open := false
	for _, l := range m.links {
		open = open || (l != nil && l.state == linkOpen)
	}
	m.mu.Unlock()
	if !open {
		return time.Hour
	}
	return time.Until(m.eng.lastPoll.Add(m.cfg.PollInterval))
}
