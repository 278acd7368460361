package loopback

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"github.com/netoffload/offload/backend"
)

// streamSocket is a TCP-like socket. Connected pairs share buffers: the
// dialer's Out is the acceptor's In and the reverse, so no goroutine runs
// per connection (unless its link is shaped, see shape.go).
type streamSocket struct {
	n       *Network
	host    string
	version int
	opts    backend.Options

	mu       sync.Mutex
	local    netip.AddrPort // wildcard address when bound to all
	remote   netip.AddrPort
	bound    bool // local port reserved by this socket
	closed   bool
	stream   *backend.Stream
	conn     *connState
	backlog  chan *streamSocket // non-nil once listening
	lclosed  chan struct{}      // closed when the listener closes
	lcloseMu sync.Once
}

func (s *streamSocket) Bind(local netip.AddrPort) error {
	addr := wildcard(local.Addr())
	if !fitsVersion(addr, s.version) {
		return &net.AddrError{Err: "address family mismatch", Addr: local.String()}
	}
	s.n.mu.Lock()
	defer s.n.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return net.ErrClosed
	case s.bound:
		return syscall.EINVAL
	case !s.n.owns(s.host, addr):
		return syscall.EADDRNOTAVAIL
	}
	port, err := s.n.takePort(s.host, addr, local.Port(), true)
	if err != nil {
		return err
	}
	s.local, s.bound = netip.AddrPortFrom(addr, port), true
	return nil
}

func (s *streamSocket) Listen(backlog int) error {
	s.mu.Lock()
	bound := s.bound
	s.mu.Unlock()
	if !bound {
		if err := s.Bind(netip.AddrPort{}); err != nil {
			return err
		}
	}
	s.n.mu.Lock()
	defer s.n.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.stream != nil || s.backlog != nil {
		return syscall.EINVAL
	}
	s.backlog = make(chan *streamSocket, max(backlog, 1))
	s.lclosed = make(chan struct{})
	s.n.listeners[hostKey{s.host, s.local}] = s
	return nil
}

func (s *streamSocket) Accept(ctx context.Context) (backend.Socket, error) {
	s.mu.Lock()
	backlog, lclosed := s.backlog, s.lclosed
	s.mu.Unlock()
	if backlog == nil {
		return nil, syscall.EINVAL
	}
	select {
	case c := <-backlog:
		return c, nil
	case <-lclosed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *streamSocket) Connect(ctx context.Context, remote netip.AddrPort) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	remote = netip.AddrPortFrom(wildcard(remote.Addr()), remote.Port())
	if !remote.Addr().IsValid() {
		remote = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), remote.Port())
	}
	if !fitsVersion(remote.Addr(), s.version) {
		return &net.AddrError{Err: "address family mismatch", Addr: remote.String()}
	}
	for {
		blocked, err := s.tryConnect(remote)
		if blocked == nil {
			return err
		}
		// A partition swallows the handshake: wait for the link to
		// change or the dial's context to end, as a SYN would.
		select {
		case <-blocked:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// tryConnect connects, or returns a channel closed when the link faults
// next change if the link to the peer is blocked.
func (s *streamSocket) tryConnect(remote netip.AddrPort) (<-chan struct{}, error) {
	s.n.mu.Lock()
	defer s.n.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, net.ErrClosed
	}
	if s.stream != nil || s.backlog != nil {
		return nil, syscall.EISCONN
	}
	peerHost, ok := s.n.addrs[remote.Addr()]
	switch {
	case s.n.closed:
		return nil, syscall.ENETDOWN
	case !ok:
		return nil, syscall.ENETUNREACH
	case s.n.linkFaults(s.host, peerHost).Blocked:
		return s.n.linkChanged, nil
	}
	return nil, s.connectLocked(remote, peerHost)
}

// connectLocked builds the connection; n.mu and s.mu held.
func (s *streamSocket) connectLocked(remote netip.AddrPort, peerHost string) error {
	n := s.n
	l := n.findListener(peerHost, remote)
	if l == nil {
		return syscall.ECONNREFUSED
	}
	if !s.bound {
		src := n.sourceFor(s.host, remote.Addr())
		port, err := n.takePort(s.host, src, 0, true)
		if err != nil {
			return err
		}
		s.local, s.bound = netip.AddrPortFrom(src, port), true
	} else if !s.local.Addr().IsValid() {
		s.local = netip.AddrPortFrom(n.sourceFor(s.host, remote.Addr()), s.local.Port())
	}
	peer := &streamSocket{n: n, host: peerHost, version: s.version, opts: l.opts, local: remote, remote: s.local}
	c := n.newConn(s, peer)
	peer.stream, peer.conn = c.acceptorStream, c // before the acceptor can see peer
	select {
	case l.backlog <- peer:
	default:
		c.abort(syscall.ECONNREFUSED)
		return syscall.ECONNREFUSED
	}
	n.conns[c.key] = c
	s.remote, s.stream, s.conn = remote, c.dialerStream, c
	return nil
}

// findListener returns host's listener for addr: exact, then wildcard.
// n.mu held.
func (n *Network) findListener(host string, addr netip.AddrPort) *streamSocket {
	if l := n.listeners[hostKey{host, addr}]; l != nil {
		return l
	}
	l := n.listeners[hostKey{host, netip.AddrPortFrom(netip.Addr{}, addr.Port())}]
	if l != nil && fitsVersion(addr.Addr(), l.version) {
		return l
	}
	return nil
}

func (s *streamSocket) Stream() *backend.Stream {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stream
}

func (s *streamSocket) SendTo([]byte, netip.AddrPort) (int, error) { return 0, errUnsupported }
func (s *streamSocket) Packets() *backend.PacketQueue              { return nil }

func (s *streamSocket) LocalAddr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return netip.AddrPortFrom(reportAddr(s.local.Addr(), s.version), s.local.Port())
}

func (s *streamSocket) RemoteAddr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remote
}

func (s *streamSocket) Close() error {
	s.n.mu.Lock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.n.mu.Unlock()
		return nil
	}
	s.closed = true
	listening := s.backlog != nil
	if s.bound {
		s.n.releasePort(s.host, s.local.Addr(), s.local.Port(), true)
	}
	conn := s.conn
	if conn != nil {
		delete(s.n.conns, conn.key)
	}
	s.mu.Unlock()
	s.n.mu.Unlock()
	if conn != nil {
		conn.endClosed()
	}
	if listening {
		s.closeListener(net.ErrClosed)
	}
	return nil
}

// closeListener stops accepting and resets connections still queued.
func (s *streamSocket) closeListener(err error) {
	s.n.mu.Lock()
	if key := (hostKey{s.host, s.local}); s.n.listeners[key] == s {
		delete(s.n.listeners, key)
	}
	s.n.mu.Unlock()
	s.lcloseMu.Do(func() { close(s.lclosed) })
	for {
		select {
		case c := <-s.backlog:
			c.conn.abort(syscall.ECONNRESET)
			c.Close()
		default:
			return
		}
	}
}
