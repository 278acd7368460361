package espat

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/netoffload/offload/backend"
)

// Connect opens the link: AT+CIPSTART with a TCP or UDP (mode 0) remote.
// ctx bounds the wait; if it ends while the modem is still connecting,
// the link is closed as soon as the modem answers.
func (s *socket) Connect(ctx context.Context, remote netip.AddrPort) error {
	if !remote.Addr().Unmap().Is4() {
		return syscall.EAFNOSUPPORT
	}
	remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return net.ErrClosed
	case s.listening || (!s.udp && s.link != nil) || (s.udp && s.remote.IsValid()):
		s.mu.Unlock()
		return syscall.EISCONN
	}
	s.mu.Unlock()
	run := func(ctx context.Context) error { return s.m.dialTCP(ctx, s, remote) }
	if s.udp {
		run = func(ctx context.Context) error { return s.m.openUDP(ctx, s, remote) }
	}
	return s.m.do(ctx, opControl, run, s.closeLinkAsync)
}

// maxStartTries bounds AT+CIPSTART attempts that lose their link id to a
// connection the server accepted at the same moment.
const maxStartTries = 3

// dialTCP runs AT+CIPSTART for s on the engine goroutine.
func (m *Modem) dialTCP(ctx context.Context, s *socket, remote netip.AddrPort) error {
	if s.isClosed() {
		return net.ErrClosed
	}
	for try := 0; ; try++ {
		st := backend.NewStream(s.opts)
		l := m.newStreamLink(-1, st)
		l.remote = remote
		m.mu.Lock()
		id, ok := m.freeID()
		if ok {
			l.id = id
			m.links[id] = l
		}
		m.mu.Unlock()
		if !ok {
			return syscall.EMFILE
		}
		cmd, err := m.cipstart(ctx, l, fmt.Sprintf(`"TCP",%s,%d`, quote(ipString(remote.Addr())), remote.Port()))
		if err == nil {
			if !m.info.linkConn {
				m.learnLocalPort(l)
			}
			return m.connected(s, l, st)
		}
		if !m.lostToAccept(l, cmd, err) || try+1 == maxStartTries {
			return err
		}
	}
}

// cipstart sends AT+CIPSTART=<id>,<args> for the registered link l and
// interprets the answer. On failure l is unregistered.
func (m *Modem) cipstart(ctx context.Context, l *link, args string) (*command, error) {
	timeout := m.cfg.ConnectTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	timeout = max(timeout, 100*time.Millisecond)
	text := fmt.Sprintf("AT+CIPSTART=%d,%s", l.id, args)
	if m.Dialect() == DialectV2 && !l.udp {
		// Let the modem give up first, so it is not busy when we do.
		text += fmt.Sprintf(",,,%d", min(timeout.Milliseconds(), 60000))
	}
	cmd := newCommand(text)
	cmd.timeout = timeout + m.cfg.CommandTimeout
	cmd.errno = syscall.ECONNREFUSED
	err := m.exec(cmd)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err == nil {
		if l.state == linkGone { // reset while connecting
			return cmd, ErrModemReset
		}
		return cmd, nil
	}
	m.unregister(l)
	if cmd.closes&(1<<l.id) == 0 && !isTimeout(err) {
		m.stale |= 1 << l.id // its CLOSED is still due
	}
	if isTimeout(err) {
		m.stale |= 1 << l.id // a late CONNECT may come; closed after resync
		m.eng.closeAfterSync |= 1 << l.id
	}
	if ctx.Err() != nil {
		return cmd, ctx.Err()
	}
	return cmd, err
}

// connected finishes a successful CIPSTART: the socket gets its link and
// buffers.
func (m *Modem) connected(s *socket, l *link, st *backend.Stream) error {
	m.mu.Lock()
	byPeer := l.peerClosed
	if l.state == linkConnecting {
		l.state = linkOpen
	}
	local := l.local
	m.mu.Unlock()
	s.mu.Lock()
	s.link, s.st, s.remote = l, st, l.remote
	if local.Port() != 0 && s.local.Port() == 0 {
		s.local = netip.AddrPortFrom(s.local.Addr(), local.Port())
	}
	closed := s.closed
	s.mu.Unlock()
	if closed { // Close raced with Connect: do not leak the link
		s.closeLinkAsync()
		return net.ErrClosed
	}
	if byPeer {
		m.onClosed(l.id) // it closed before the OK: deliver EOF now
	}
	return nil
}

// lostToAccept reports whether a failed CIPSTART lost its id to a
// connection the server accepted meanwhile (the modem said <id>,CONNECT,
// then ALREADY CONNECTED); that connection then goes to the listener.
func (m *Modem) lostToAccept(l *link, cmd *command, err error) bool {
	if !cmd.already || cmd.connects&(1<<l.id) == 0 {
		return false
	}
	m.mu.Lock()
	m.stale &^= 1 << l.id
	taken := m.links[l.id] != nil // +LINK_CONN already gave it to the listener
	m.mu.Unlock()
	if !taken {
		m.onConnect(l.id, nil)
	}
	return true
}
