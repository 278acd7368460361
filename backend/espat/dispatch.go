package espat

import (
	"net"
	"syscall"
)

// modemHandler connects the framer to the Modem: every line, prompt and
// payload is dispatched here on the reader goroutine.
type modemHandler struct{ m *Modem }

func (h modemHandler) line(l []byte)              { h.m.onLine(l) }
func (h modemHandler) prompt()                    { h.m.onPrompt() }
func (h modemHandler) ipd(d dataHeader) sink      { return h.m.activeSink(d) }
func (h modemHandler) recvData(d dataHeader) sink { return h.m.recvSink(d) }

func (h modemHandler) recvDataDinfo() bool {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	return h.m.dinfo
}

// onLine dispatches one line: unsolicited notices at any time, the rest to
// the command in flight.
func (m *Modem) onLine(l []byte) {
	if m.cfg.Trace && m.cfg.Logf != nil {
		m.cfg.Logf("espat: << %q", l)
	}
	ev := classify(l)
	switch ev.kind {
	case evReady:
		m.onReady()
	case evConnect:
		m.onConnect(ev.id, nil)
	case evLinkConn:
		if !ev.conn.failed {
			m.onConnect(ev.id, &ev.conn)
		}
	case evClosed, evConnectFail:
		m.onClosed(ev.id)
	case evIPD:
		m.onNotice(ev.id, ev.n)
	case evWifi:
		m.cfg.logf("espat: %s", l)
	default:
		if !m.onAnswer(ev, l) {
			m.cfg.logf("espat: unexpected line %q", l)
		}
	}
}

// onAnswer gives a response line to the command in flight and reports
// whether there was one to take it.
func (m *Modem) onAnswer(ev event, l []byte) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	cmd := m.cur
	if cmd == nil { // a stray OK after a timeout, or the echo of an aborted probe
		return ev.kind == evOK || ev.kind == evInfo && len(l) >= 2 && string(l[:2]) == "AT"
	}
	sending := cmd.payload != nil
	switch ev.kind {
	case evInfo:
		if string(l) != cmd.text { // not the echo
			cmd.info = append(cmd.info, string(l))
		}
	case evErrCode:
		cmd.code = ev.code
	case evAlready:
		cmd.already = true
	case evOK:
		if !sending { // CIPSEND: OK comes before the prompt
			m.finish(cmd, evOK)
		}
	case evBusy:
		if !sending || !cmd.prompted { // after a payload: surplus bytes
			m.finish(cmd, evBusy)
		}
	case evError, evFail:
		m.finish(cmd, ev.kind)
	case evSendOK, evSendFail, evCancelled:
		if sending && cmd.prompted {
			m.finish(cmd, ev.kind)
		}
	}
	return true
}

// finish completes cmd with its final line. mu held.
func (m *Modem) finish(cmd *command, kind evKind) {
	cmd.final, cmd.finished = kind, true
	if cmd.recv != nil && kind != evOK {
		cmd.recv.pending = 0 // nothing there after all; a notice or the poll brings more
	}
	if m.cur == cmd && !cmd.sticky {
		m.cur = nil
	}
	// A CLOSED that trailed a failed CIPSTART arrives before the answer
	// to the next command: ids stale when this began are now free.
	m.stale &^= cmd.staleSnap
	signal(cmd.doneCh)
}

// onPrompt handles the '>' of AT+CIPSEND.
func (m *Modem) onPrompt() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cmd := m.cur; cmd != nil && cmd.payload != nil && !cmd.prompted {
		cmd.prompted = true
		signal(cmd.promptCh)
	}
}

// onNotice records a passive-mode +IPD notice: n bytes wait in the modem.
func (m *Modem) onNotice(id, n int) {
	m.mu.Lock()
	if l := m.lookup(id); l != nil {
		l.pending = n
	}
	m.mu.Unlock()
	m.wake()
}

// onClosed handles <id>,CLOSED.
func (m *Modem) onClosed(id int) {
	m.mu.Lock()
	if cmd := m.cur; cmd != nil {
		cmd.closes |= 1 << id
	}
	if m.stale&(1<<id) != 0 {
		m.stale &^= 1 << id
		m.mu.Unlock()
		return
	}
	l := m.lookup(id)
	if l == nil || l.state == linkConnecting {
		if l != nil {
			l.peerClosed = true // AT+CIPSTART's answer decides
		}
		m.mu.Unlock()
		return
	}
	byPeer := l.state == linkOpen
	l.peerClosed = true
	if byPeer && l.pending > 0 && !l.udp && !m.cfg.ActiveReceive {
		// AT 1.x reports CLOSED while data still waits in the modem:
		// read it first, then end the stream (see finishDrain).
		m.mu.Unlock()
		l.st.Out.CloseRead(net.ErrClosed, syscall.EPIPE)
		m.wake()
		return
	}
	m.unregister(l)
	m.mu.Unlock()
	if byPeer {
		l.closedByPeer()
	}
	m.wake()
}

// onReady handles an unsolicited "ready": the modem restarted, so every
// link, the server and the command in flight are gone.
func (m *Modem) onReady() {
	m.cfg.logf("espat: modem restarted")
	m.mu.Lock()
	m.gen++
	m.mu.Unlock()
	m.failAll(ErrModemReset)
	m.wake()
}

// failAll fails the command in flight, every link and the listener with
// err and empties the link table.
func (m *Modem) failAll(err error) {
	m.mu.Lock()
	links := m.links
	m.links = [maxLinks]*link{}
	m.stale = 0
	srv := m.listener
	m.listener = nil
	m.dinfo = false
	if cmd := m.cur; cmd != nil {
		cmd.abort = err
		m.finish(cmd, evError)
	}
	for _, l := range links {
		if l != nil {
			l.state = linkGone
		}
	}
	m.mu.Unlock()
	for _, l := range links {
		if l != nil {
			l.fail(err, false)
		}
	}
	if srv != nil {
		srv.failListener(err)
	}
}

// signal sets a cap-1 channel without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
