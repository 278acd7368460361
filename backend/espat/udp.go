package espat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// openUDP opens s's UDP link on the engine goroutine: connected to remote
// (mode 0) when remote is valid, otherwise unconnected (mode 2, each
// datagram's sender reported through AT+CIPDINFO). A socket already bound
// to an unconnected link is re-opened connected on the same port.
func (m *Modem) openUDP(ctx context.Context, s *socket, remote netip.AddrPort) error {
	s.mu.Lock()
	closed, old, lport := s.closed, s.link, s.local.Port()
	s.mu.Unlock()
	if closed {
		return net.ErrClosed
	}
	if !remote.IsValid() && m.info.dialect == Dialect17 && !m.cfg.ActiveReceive {
		return errNoDatagramSource
	}
	if old != nil {
		m.closeLinkNow(old)
	}
	// Datagrams carry their source: unconnected sockets report it, and
	// connected ones drop strangers by it.
	if err := m.enableDinfo(); err != nil {
		return err
	}
	for try := 0; ; try++ {
		p := lport
		if p == 0 && !remote.IsValid() {
			p = randomPort() // mode 2 needs a local port and the modem cannot pick one
		}
		err := m.startUDP(ctx, s, remote, p)
		if err == nil || lport != 0 || try+1 == maxPortTries || !retryablePort(err) {
			return err
		}
	}
}

// retryablePort reports whether a failed UDP CIPSTART may have failed
// because the random port was taken.
func retryablePort(err error) bool {
	var ae *ATError
	return errors.As(err, &ae) && ae.Result == "ERROR"
}

// startUDP sends one AT+CIPSTART for a UDP link on local port p (0: let
// the modem choose; only when connected).
func (m *Modem) startUDP(ctx context.Context, s *socket, remote netip.AddrPort, p uint16) error {
	m.mu.Lock()
	id, ok := m.freeID()
	var l *link
	if ok {
		l = newPacketLink(id, s.pq, remote)
		m.links[id] = l
	}
	m.mu.Unlock()
	if !ok {
		return syscall.EMFILE
	}
	var args string
	switch {
	case !remote.IsValid():
		args = fmt.Sprintf(`"UDP","0.0.0.0",0,%d,2`, p)
	case p != 0:
		args = fmt.Sprintf(`"UDP",%s,%d,%d,0`, quote(ipString(remote.Addr())), remote.Port(), p)
	default:
		args = fmt.Sprintf(`"UDP",%s,%d`, quote(ipString(remote.Addr())), remote.Port())
	}
	if _, err := m.cipstart(ctx, l, args); err != nil {
		return err
	}
	if p == 0 && !m.info.linkConn {
		m.learnLocalPort(l)
	}
	m.mu.Lock()
	l.state = linkOpen
	if l.local.Port() != 0 && p == 0 {
		p = l.local.Port()
	}
	m.mu.Unlock()
	s.mu.Lock()
	s.link, s.remote = l, remote
	s.local = netip.AddrPortFrom(s.local.Addr(), p)
	closed := s.closed
	s.mu.Unlock()
	if closed { // Close raced with Bind or Connect
		s.closeLinkAsync()
		return net.ErrClosed
	}
	return nil
}

// enableDinfo turns on AT+CIPDINFO so datagrams carry their source.
func (m *Modem) enableDinfo() error {
	m.mu.Lock()
	on := m.dinfo
	m.mu.Unlock()
	if on {
		return nil
	}
	if err := m.exec(newCommand("AT+CIPDINFO=1")); err != nil {
		return err
	}
	m.mu.Lock()
	m.dinfo = true
	m.mu.Unlock()
	return nil
}

// SendTo sends one datagram (AT+CIPSEND=<id>,<n>[,"ip",port]). It waits
// until the modem has taken it.
func (s *socket) SendTo(p []byte, to netip.AddrPort) (int, error) {
	if !s.udp {
		return 0, errNotSupported
	}
	s.mu.Lock()
	closed, l, remote := s.closed, s.link, s.remote
	s.mu.Unlock()
	switch {
	case closed:
		return 0, net.ErrClosed
	case l == nil:
		return 0, syscall.ENOTCONN
	case len(p) == 0:
		return 0, nil // the modem cannot send an empty datagram
	case len(p) > s.m.maxDatagram():
		return 0, syscall.EMSGSIZE
	}
	text := fmt.Sprintf("AT+CIPSEND=%d,%d", l.id, len(p))
	if !remote.IsValid() {
		if !to.Addr().Unmap().Is4() {
			return 0, syscall.EAFNOSUPPORT
		}
		text += fmt.Sprintf(",%s,%d", quote(ipString(to.Addr())), to.Port())
	}
	buf := append([]byte(nil), p...) // the writer may outlive a timeout
	ctx, cancel := context.WithTimeout(context.Background(), s.m.cfg.SendTimeout+s.m.cfg.CommandTimeout)
	defer cancel()
	err := s.m.do(ctx, opSend, func(context.Context) error {
		if s.m.linkOf(s) != l {
			return net.ErrClosed
		}
		cmd := newCommand(text)
		cmd.payload = buf
		cmd.errno = syscall.ECONNRESET
		return s.m.exec(cmd)
	}, nil)
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// linkOf returns the live link of s, or nil.
func (m *Modem) linkOf(s *socket) *link {
	s.mu.Lock()
	l := s.link
	s.mu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if l == nil || m.links[l.id] != l || l.state != linkOpen {
		return nil
	}
	return l
}

// MaxDatagram is the largest UDP payload the modem carries: one +IPD
// record (2920 bytes on v2, one 1460-byte segment on the ESP8266 and
// 1.x), within the CIPSEND limit.
func (m *Modem) maxDatagram() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.info.dialect == Dialect17 || m.info.sendLimit <= 2048 {
		return min(m.info.sendLimit, 1460)
	}
	return min(m.info.sendLimit, 2920)
}

// closeLinkNow closes l with AT+CIPCLOSE on the engine goroutine.
func (m *Modem) closeLinkNow(l *link) {
	m.mu.Lock()
	live := m.links[l.id] == l && l.state != linkGone
	if live {
		l.state = linkClosing
	}
	m.mu.Unlock()
	if !live {
		return
	}
	cmd := newCommand(fmt.Sprintf("AT+CIPCLOSE=%d", l.id))
	cmd.timeout = m.cfg.CommandTimeout
	err := m.exec(cmd)
	m.mu.Lock()
	m.unregister(l)
	if isTimeout(err) {
		m.stale |= 1 << l.id
		m.eng.closeAfterSync |= 1 << l.id
	}
	m.mu.Unlock()
}
