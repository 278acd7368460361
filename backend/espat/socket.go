package espat

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"github.com/netoffload/offload/backend"
)

// socket is a backend.Socket on the modem. A TCP socket becomes a client
// link (Connect), the CIPSERVER listener (Listen) or an accepted link; a
// UDP socket becomes a link when bound (unconnected, mode 2) or connected
// (mode 0).
//
// ESP-AT has no half-close, so the socket implements backend.HalfCloser
// and refuses with ErrNoHalfClose.
//
// Lock order: socket.mu before Modem.mu.
type socket struct {
	m    *Modem
	udp  bool
	opts backend.Options
	pq   *backend.PacketQueue // UDP

	mu        sync.Mutex
	local     netip.AddrPort
	remote    netip.AddrPort
	bound     bool
	link      *link
	st        *backend.Stream
	listening bool
	acceptQ   chan *socket  // accepted, not yet taken
	lerr      error         // why the listener stopped
	lstop     chan struct{} // closed when the listener stops
	closed    bool
	from      *socket // the listener that accepted this socket
}

func newSocket(m *Modem, udp bool, opts backend.Options) *socket {
	s := &socket{m: m, udp: udp, opts: opts.WithDefaults()}
	if udp {
		s.pq = backend.NewPacketQueue(s.opts.PacketQueue)
	}
	return s
}

// Bind sets the local address. An unspecified IP means the station
// address; port 0 means a port chosen at random (ESP-AT cannot pick one).
// Binding a UDP socket opens its link at once, unconnected (ListenPacket).
func (s *socket) Bind(local netip.AddrPort) error {
	if a := local.Addr(); a.IsValid() && !a.Unmap().Is4() {
		return syscall.EAFNOSUPPORT
	}
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return net.ErrClosed
	case s.bound || s.link != nil || s.listening:
		s.mu.Unlock()
		return syscall.EINVAL
	}
	s.local, s.bound = netip.AddrPortFrom(local.Addr().Unmap(), local.Port()), true
	s.mu.Unlock()
	if !s.udp {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.m.cfg.ConnectTimeout)
	defer cancel()
	return s.m.do(ctx, opControl, func(ctx context.Context) error { return s.m.openUDP(ctx, s, netip.AddrPort{}) }, s.closeLinkAsync)
}

// Stream returns the buffers of a connected TCP socket.
func (s *socket) Stream() *backend.Stream {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// Packets returns a UDP socket's receive queue.
func (s *socket) Packets() *backend.PacketQueue { return s.pq }

// LocalAddr returns the bound address, or the station address with the
// link's local port when the modem reported it.
func (s *socket) LocalAddr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, port := s.local.Addr(), s.local.Port()
	if !a.IsValid() || a.IsUnspecified() {
		if st := s.m.LocalIP(); st.IsValid() {
			a = st
		} else {
			a = netip.IPv4Unspecified()
		}
	}
	return netip.AddrPortFrom(a, port)
}

// RemoteAddr returns the peer's address (zero when unconnected).
func (s *socket) RemoteAddr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remote
}

// CloseWrite refuses: ESP-AT closes links in both directions only.
func (s *socket) CloseWrite() error { return ErrNoHalfClose }

// Close releases the socket. A TCP link is closed once what was written
// has been sent (AT+CIPCLOSE runs in the background); the listener stops
// (AT+CIPSERVER=0) and drops connections not yet accepted.
func (s *socket) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	listening, st := s.listening, s.st
	s.mu.Unlock()
	if s.udp {
		s.pq.Close(net.ErrClosed)
	}
	if st != nil {
		st.Out.CloseWrite(net.ErrClosed)
		st.In.CloseRead(net.ErrClosed, syscall.ECONNRESET)
	}
	if listening {
		return s.closeListener()
	}
	s.closeLinkAsync()
	return nil
}

// closeLinkAsync marks the socket's link for closing by the engine: it
// flushes Out, then sends AT+CIPCLOSE.
func (s *socket) closeLinkAsync() {
	s.mu.Lock()
	l := s.link
	s.mu.Unlock()
	if l == nil {
		return
	}
	m := s.m
	m.mu.Lock()
	if l.state == linkOpen || l.state == linkConnecting {
		l.state = linkClosing
	}
	m.mu.Unlock()
	m.wake()
}

// isClosed reports whether Close was called.
func (s *socket) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// errNotSupported is what methods that do not apply to the socket's type
// return.
var errNotSupported = errors.ErrUnsupported

var (
	_ backend.Socket     = (*socket)(nil)
	_ backend.HalfCloser = (*socket)(nil)
)
