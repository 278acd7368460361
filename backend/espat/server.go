package espat

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"syscall"

	"github.com/netoffload/offload/backend"
)

// maxBacklog caps the accept queue: the modem holds at most five links.
const maxBacklog = maxLinks

// Listen starts the modem's TCP server (AT+CIPSERVER) on the bound port.
// ESP-AT has one server per modem: a second listener fails with
// EADDRINUSE. Connections it accepts take link ids chosen by the modem.
func (s *socket) Listen(backlog int) error {
	if s.udp {
		return errNotSupported
	}
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return net.ErrClosed
	case s.listening || s.link != nil:
		s.mu.Unlock()
		return syscall.EINVAL
	}
	s.acceptQ = make(chan *socket, min(max(backlog, 1), maxBacklog))
	s.lstop = make(chan struct{})
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), s.m.cfg.ConnectTimeout)
	defer cancel()
	return s.m.do(ctx, opControl, func(context.Context) error { return s.m.startServer(s) }, func() { s.m.stopServer(s) })
}

// maxPortTries bounds the random ports tried for port 0.
const maxPortTries = 8

// randomPort picks an ephemeral port (IANA dynamic range).
func randomPort() uint16 { return uint16(49152 + rand.IntN(16384)) }

// startServer runs AT+CIPSERVER=1,<port> on the engine goroutine.
func (m *Modem) startServer(s *socket) error {
	m.mu.Lock()
	busy := m.listener != nil
	m.mu.Unlock()
	if busy {
		return syscall.EADDRINUSE
	}
	// Server clients never idle out (the firmware default is 180 s).
	m.exec(newCommand("AT+CIPSTO=0"))
	port := s.LocalAddr().Port()
	for try := 0; ; try++ {
		p := port
		if p == 0 {
			p = randomPort()
		}
		cmd := newCommand(fmt.Sprintf("AT+CIPSERVER=1,%d", p))
		cmd.errno = syscall.EADDRINUSE
		err := m.exec(cmd)
		if err == nil {
			return m.listening(s, p)
		}
		if port != 0 || try+1 == maxPortTries || !errors.Is(err, syscall.EADDRINUSE) {
			return err
		}
	}
}

// listening records s as the modem's listener on port.
func (m *Modem) listening(s *socket, port uint16) error {
	s.mu.Lock()
	s.listening = true
	s.local = netip.AddrPortFrom(s.local.Addr(), port)
	closed := s.closed
	s.mu.Unlock()
	if closed { // Close raced with Listen: stop the server again
		m.exec(newCommand("AT+CIPSERVER=0"))
		return net.ErrClosed
	}
	m.mu.Lock()
	m.listener = s
	m.mu.Unlock()
	return nil
}

// Accept returns the next accepted connection.
func (s *socket) Accept(ctx context.Context) (backend.Socket, error) {
	s.mu.Lock()
	q, stop, listening := s.acceptQ, s.lstop, s.listening
	s.mu.Unlock()
	if !listening {
		return nil, syscall.EINVAL
	}
	select {
	case c := <-q:
		return c, nil
	default:
	}
	select {
	case c := <-q:
		return c, nil
	case <-stop:
		return nil, s.listenerErr()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *socket) listenerErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lerr != nil {
		return s.lerr
	}
	return net.ErrClosed
}

// onConnect handles <id>,CONNECT (or +LINK_CONN when lc is set): the
// answer to our AT+CIPSTART, or a connection the server accepted.
func (m *Modem) onConnect(id int, lc *linkConn) {
	if m.connectIsOurs(id, lc) {
		return
	}
	m.mu.Lock()
	srv := m.listener
	m.mu.Unlock()
	var acc *socket
	l := &link{id: id, state: linkClosing} // closed at once if nobody takes it
	if srv != nil {
		acc = newSocket(m, false, srv.opts)
		acc.st = backend.NewStream(acc.opts)
		acc.local, acc.from = srv.LocalAddr(), srv
		l = m.newStreamLink(id, acc.st)
		l.state = linkOpen
		acc.link = l
		if lc != nil {
			l.remote, acc.remote = lc.remote, lc.remote
		}
	}
	m.mu.Lock()
	old := m.links[id]
	if old != nil {
		m.unregister(old)
	}
	m.links[id] = l
	m.mu.Unlock()
	if old != nil {
		old.fail(ErrModemReset, false)
	}
	switch {
	case acc == nil:
	case lc == nil: // addresses unknown: the engine asks first
		m.mu.Lock()
		m.unresolved = append(m.unresolved, acc)
		m.mu.Unlock()
	default:
		acc.offer()
	}
	m.wake()
}

// connectIsOurs reports whether a CONNECT belongs to a link we are
// connecting (or to an abandoned one), recording it on the command.
func (m *Modem) connectIsOurs(id int, lc *linkConn) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cmd := m.cur; cmd != nil {
		cmd.connects |= 1 << id
	}
	if m.stale&(1<<id) != 0 {
		return true // a late CONNECT of an abandoned CIPSTART: AT+CIPCLOSE follows
	}
	l := m.links[id]
	if l == nil || l.state != linkConnecting || (lc != nil && lc.server) {
		return false
	}
	if lc != nil {
		l.local = netip.AddrPortFrom(netip.Addr{}, lc.lport)
	}
	return true
}

// enqueue offers an accepted connection to Accept; false if the listener
// is closed or its backlog is full.
func (s *socket) enqueue(c *socket) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.lerr != nil {
		return false
	}
	select {
	case s.acceptQ <- c:
		return true
	default:
		return false
	}
}

// closeListener stops the server and closes connections never accepted.
func (s *socket) closeListener() error {
	m := s.m
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.CommandTimeout*2)
	defer cancel()
	err := m.do(ctx, opControl, func(context.Context) error { return m.stopServer(s) }, nil)
	s.failListener(net.ErrClosed)
	if errors.Is(err, net.ErrClosed) || errors.Is(err, ErrModemReset) {
		err = nil
	}
	return err
}

// stopServer runs AT+CIPSERVER=0 (keeping accepted connections) if s is
// the modem's listener, on the engine goroutine.
func (m *Modem) stopServer(s *socket) error {
	m.mu.Lock()
	mine := m.listener == s
	if mine {
		m.listener = nil
	}
	m.mu.Unlock()
	var err error
	if mine {
		err = m.exec(newCommand("AT+CIPSERVER=0"))
	}
	s.failListener(net.ErrClosed)
	return err
}

// failListener stops Accept with err and closes queued connections.
func (s *socket) failListener(err error) {
	s.mu.Lock()
	if s.lerr == nil && s.lstop != nil {
		s.lerr = err
		close(s.lstop)
	}
	q := s.acceptQ
	s.mu.Unlock()
	for q != nil {
		select {
		case c := <-q:
			c.Close()
		default:
			return
		}
	}
}
