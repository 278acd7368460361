package loopback

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/netoffload/offload/backend"
)

// dgramSocket is a UDP-like socket: bound to addr:port, keeping message
// boundaries, dropping arrivals when its queue is full.
type dgramSocket struct {
	n       *Network
	host    string
	version int
	q       *backend.PacketQueue

	mu     sync.Mutex
	local  netip.AddrPort
	remote netip.AddrPort
	bound  bool
	closed bool
}

func newDgramSocket(n *Network, host string, version int, opts backend.Options) *dgramSocket {
	return &dgramSocket{n: n, host: host, version: version, q: backend.NewPacketQueue(opts.PacketQueue)}
}

func (s *dgramSocket) Bind(local netip.AddrPort) error {
	s.n.mu.Lock()
	defer s.n.mu.Unlock()
	return s.bindLocked(local)
}

// bindLocked reserves the local address; n.mu held.
func (s *dgramSocket) bindLocked(local netip.AddrPort) error {
	addr := wildcard(local.Addr())
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return net.ErrClosed
	case s.bound:
		return syscall.EINVAL
	case !fitsVersion(addr, s.version):
		return &net.AddrError{Err: "address family mismatch", Addr: local.String()}
	case !s.n.owns(s.host, addr):
		return syscall.EADDRNOTAVAIL
	}
	port, err := s.n.takePort(s.host, addr, local.Port(), false)
	if err != nil {
		return err
	}
	s.local, s.bound = netip.AddrPortFrom(addr, port), true
	s.n.packets[hostKey{s.host, s.local}] = s
	return nil
}

// ensureBound binds to the wildcard address and an ephemeral port if the
// socket is not bound yet; n.mu held.
func (s *dgramSocket) ensureBound() error {
	s.mu.Lock()
	bound := s.bound
	s.mu.Unlock()
	if bound {
		return nil
	}
	return s.bindLocked(netip.AddrPort{})
}

func (s *dgramSocket) Connect(ctx context.Context, remote netip.AddrPort) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	remote = unmapAP(remote)
	if !fitsVersion(remote.Addr(), s.version) {
		return &net.AddrError{Err: "address family mismatch", Addr: remote.String()}
	}
	s.n.mu.Lock()
	defer s.n.mu.Unlock()
	if _, ok := s.n.addrs[remote.Addr()]; !ok {
		return syscall.ENETUNREACH
	}
	if err := s.ensureBound(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remote = remote
	if !s.local.Addr().IsValid() {
		// A connected socket reports the concrete source address.
		s.local = netip.AddrPortFrom(s.n.sourceFor(s.host, remote.Addr()), s.local.Port())
		s.n.packets[hostKey{s.host, s.local}] = s
		delete(s.n.packets, hostKey{s.host, netip.AddrPortFrom(netip.Addr{}, s.local.Port())})
		s.n.releasePort(s.host, netip.Addr{}, s.local.Port(), false)
		s.n.ports[portKey{s.host, s.local.Addr(), s.local.Port(), false}] = true
	}
	return nil
}

func (s *dgramSocket) SendTo(p []byte, to netip.AddrPort) (int, error) {
	if len(p) > backend.MaxDatagram {
		return 0, syscall.EMSGSIZE
	}
	s.n.mu.Lock()
	defer s.n.mu.Unlock()
	if s.n.closed {
		return 0, syscall.ENETDOWN
	}
	if err := s.ensureBound(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	closed, local := s.closed, s.local
	if s.remote.IsValid() {
		to = s.remote
	}
	s.mu.Unlock()
	if closed {
		return 0, net.ErrClosed
	}
	to = unmapAP(to)
	if !to.IsValid() {
		return 0, syscall.EDESTADDRREQ
	}
	if !local.Addr().IsValid() {
		local = netip.AddrPortFrom(s.n.sourceFor(s.host, to.Addr()), local.Port())
	}
	s.n.route(s.host, local, to, p)
	return len(p), nil
}

// route delivers one datagram, subject to link faults; n.mu held. Like
// UDP, a datagram nobody receives vanishes without an error.
func (n *Network) route(fromHost string, from, to netip.AddrPort, p []byte) {
	toHost, ok := n.addrs[to.Addr()]
	if !ok {
		return
	}
	dst := n.packets[hostKey{toHost, to}]
	if dst == nil {
		dst = n.packets[hostKey{toHost, netip.AddrPortFrom(netip.Addr{}, to.Port())}]
	}
	if dst == nil || !fitsVersion(to.Addr(), dst.version) {
		return
	}
	f := n.linkFaults(fromHost, toHost)
	if f.Blocked || (f.Loss > 0 && n.rand.Float64() < f.Loss) {
		n.lost.Add(1)
		return
	}
	if f.Latency > 0 {
		cp := append([]byte(nil), p...)
		time.AfterFunc(f.Latency, func() { dst.deliver(cp, from) })
		return
	}
	dst.deliver(p, from)
}

// deliver queues p unless the socket is connected to another peer.
func (s *dgramSocket) deliver(p []byte, from netip.AddrPort) {
	s.mu.Lock()
	remote := s.remote
	s.mu.Unlock()
	if remote.IsValid() && remote != from {
		return
	}
	s.q.Deliver(p, from)
}

func (s *dgramSocket) Packets() *backend.PacketQueue { return s.q }
func (s *dgramSocket) Stream() *backend.Stream       { return nil }
func (s *dgramSocket) Listen(int) error              { return errUnsupported }

func (s *dgramSocket) Accept(context.Context) (backend.Socket, error) {
	return nil, errUnsupported
}

func (s *dgramSocket) LocalAddr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return netip.AddrPortFrom(reportAddr(s.local.Addr(), s.version), s.local.Port())
}

func (s *dgramSocket) RemoteAddr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remote
}

func (s *dgramSocket) Close() error {
	s.n.mu.Lock()
	defer s.n.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.bound {
		if key := (hostKey{s.host, s.local}); s.n.packets[key] == s {
			delete(s.n.packets, key)
		}
		s.n.releasePort(s.host, s.local.Addr(), s.local.Port(), false)
	}
	s.q.Close(net.ErrClosed)
	return nil
}
