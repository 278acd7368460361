package backendtest_test

// A minimal in-memory backend written against the exported contract only
// (package backend, no internal packages). It proves that a vendor outside
// this module can implement backend.Backend, and lets the suite test
// itself without any real backend.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"github.com/netoffload/offload/backend"
)

// fakeNet is the network: hosts 127.0.0.1 and ::1, stream listeners and
// bound datagram sockets keyed by address.
type fakeNet struct {
	noHalfClose bool  // CloseWrite is refused with errors.ErrUnsupported
	fault       fault // a deliberate bug, to check that the suite notices

	mu        sync.Mutex
	listeners map[netip.AddrPort]*fakeSocket
	datagrams map[netip.AddrPort]*fakeSocket
	used      map[netip.AddrPort]bool // every bound address, any kind
	nextPort  uint16
}

func newFakeNet() *fakeNet {
	return &fakeNet{
		listeners: map[netip.AddrPort]*fakeSocket{},
		datagrams: map[netip.AddrPort]*fakeSocket{},
		used:      map[netip.AddrPort]bool{},
		nextPort:  49152,
	}
}

var (
	fakeV4 = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	fakeV6 = netip.IPv6Loopback()
)

// fault is a deliberate bug of the fake (see faults_test.go).
type fault string

const (
	faultNone           fault = ""
	faultUnbounded      fault = "unbounded"      // stream buffers of 1 GiB
	faultLossyClose     fault = "lossyclose"     // Close drops unread bytes
	faultPlainErrors    fault = "plainerrors"    // refusals without errnos
	faultTruncDatagrams fault = "truncdatagrams" // the last byte is lost
	faultIgnoreCtx      fault = "ignorectx"      // Open/Connect/Accept ignore ctx
)

// Open implements backend.Backend.
func (n *fakeNet) Open(ctx context.Context, network string, opts backend.Options) (backend.Socket, error) {
	if err := ctx.Err(); err != nil && n.fault != faultIgnoreCtx {
		return nil, err
	}
	opts = opts.WithDefaults()
	if n.fault == faultUnbounded {
		opts.InSize, opts.OutSize = 1<<30, 1<<30
	}
	s := &fakeSocket{net: n, opts: opts, closed: make(chan struct{})}
	switch network {
	case "tcp", "tcp4", "tcp6":
	case "udp", "udp4", "udp6":
		s.datagram = true
		s.queue = backend.NewPacketQueue(s.opts.PacketQueue)
	default:
		return nil, net.UnknownNetworkError(network)
	}
	return s, nil
}

// LookupHost implements backend.Resolver: the fake knows no names.
func (n *fakeNet) LookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	return nil, fmt.Errorf("%s: %w", host, backend.ErrNotFound)
}

// bind reserves local, choosing the host and an ephemeral port for zero
// parts. mu held.
func (n *fakeNet) bind(local netip.AddrPort, near netip.Addr) (netip.AddrPort, error) {
	ip := local.Addr().Unmap()
	switch {
	case !ip.IsValid() || ip.IsUnspecified():
		ip = fakeV4
		if near.Is6() {
			ip = fakeV6
		}
	case ip != fakeV4 && ip != fakeV6:
		return netip.AddrPort{}, syscall.EADDRNOTAVAIL
	}
	if local.Port() != 0 {
		ap := netip.AddrPortFrom(ip, local.Port())
		if n.used[ap] {
			return netip.AddrPort{}, n.errno(syscall.EADDRINUSE)
		}
		n.used[ap] = true
		return ap, nil
	}
	for range 1 << 16 {
		n.nextPort++
		if n.nextPort == 0 {
			n.nextPort = 49152
		}
		ap := netip.AddrPortFrom(ip, n.nextPort)
		if !n.used[ap] {
			n.used[ap] = true
			return ap, nil
		}
	}
	return netip.AddrPort{}, syscall.EADDRINUSE
}

// release frees the addresses of a closing socket.
func (n *fakeNet) release(s *fakeSocket) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !s.owns {
		return
	}
	delete(n.used, s.local)
	if n.listeners[s.local] == s {
		delete(n.listeners, s.local)
	}
	if n.datagrams[s.local] == s {
		delete(n.datagrams, s.local)
	}
}

// connect hands a new server end to the listener at remote and returns
// the client's Stream.
func (n *fakeNet) connect(client *fakeSocket, remote netip.AddrPort) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	l := n.listeners[remote]
	if l == nil {
		return n.errno(syscall.ECONNREFUSED)
	}
	if !client.local.IsValid() {
		local, err := n.bind(netip.AddrPort{}, remote.Addr())
		if err != nil {
			return err
		}
		client.local, client.owns = local, true
	}
	up := backend.NewBuffer(client.opts.OutSize)
	down := backend.NewBuffer(client.opts.InSize)
	server := &fakeSocket{
		net: n, local: remote, remote: client.local, closed: make(chan struct{}),
		stream: &backend.Stream{In: up, Out: down},
	}
	select {
	case l.backlog <- server:
	default:
		return syscall.ECONNREFUSED
	}
	client.remote = remote
	client.stream = &backend.Stream{In: down, Out: up}
	return nil
}

// errno returns e, or under faultPlainErrors an error without it.
func (n *fakeNet) errno(e syscall.Errno) error {
	if n.fault == faultPlainErrors {
		return errors.New(e.Error())
	}
	return e
}

// sendTo delivers a datagram from from to to; unknown destinations drop
// it silently, as UDP does.
func (n *fakeNet) sendTo(p []byte, from, to netip.AddrPort) {
	n.mu.Lock()
	dst := n.datagrams[netip.AddrPortFrom(to.Addr().Unmap(), to.Port())]
	n.mu.Unlock()
	if n.fault == faultTruncDatagrams && len(p) > 1 {
		p = p[:len(p)-1]
	}
	if dst != nil && (!dst.remote.IsValid() || dst.remote == from) {
		dst.queue.Deliver(p, from)
	}
}

// fakeSocket is a stream or datagram socket of fakeNet.
type fakeSocket struct {
	net      *fakeNet
	opts     backend.Options
	datagram bool

	// Set before the socket is shared with another goroutine (Bind,
	// Listen, Connect are called by the socket layer before use).
	local, remote netip.AddrPort
	owns          bool // local is reserved in net.used
	stream        *backend.Stream
	queue         *backend.PacketQueue
	backlog       chan *fakeSocket // listening sockets

	closeOnce sync.Once
	closed    chan struct{}
}

func (s *fakeSocket) Bind(local netip.AddrPort) error {
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	if s.owns {
		return syscall.EINVAL
	}
	ap, err := s.net.bind(local, netip.Addr{})
	if err != nil {
		return err
	}
	s.local, s.owns = ap, true
	if s.datagram {
		s.net.datagrams[ap] = s
	}
	return nil
}

func (s *fakeSocket) Listen(backlog int) error {
	if s.datagram {
		return errors.ErrUnsupported
	}
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	if !s.owns {
		return syscall.EINVAL
	}
	s.backlog = make(chan *fakeSocket, max(backlog, 1))
	s.net.listeners[s.local] = s
	return nil
}

func (s *fakeSocket) Connect(ctx context.Context, remote netip.AddrPort) error {
	if err := ctx.Err(); err != nil && s.net.fault != faultIgnoreCtx {
		return err
	}
	if !s.datagram {
		return s.net.connect(s, remote)
	}
	// Set the filter before Bind publishes the socket to senders.
	s.remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	if s.owns {
		return nil
	}
	local := fakeV4
	if s.remote.Addr().Is6() {
		local = fakeV6
	}
	return s.Bind(netip.AddrPortFrom(local, 0))
}

func (s *fakeSocket) Accept(ctx context.Context) (backend.Socket, error) {
	if s.backlog == nil {
		return nil, syscall.EINVAL
	}
	done := ctx.Done()
	if s.net.fault == faultIgnoreCtx {
		done = nil
	}
	select {
	case c := <-s.backlog:
		return c, nil
	case <-s.closed:
		return nil, net.ErrClosed
	case <-done:
		return nil, ctx.Err()
	}
}

func (s *fakeSocket) Stream() *backend.Stream       { return s.stream }
func (s *fakeSocket) Packets() *backend.PacketQueue { return s.queue }
func (s *fakeSocket) LocalAddr() netip.AddrPort     { return s.local }
func (s *fakeSocket) RemoteAddr() netip.AddrPort    { return s.remote }

func (s *fakeSocket) SendTo(p []byte, to netip.AddrPort) (int, error) {
	if !s.datagram {
		return 0, errors.ErrUnsupported
	}
	if s.remote.IsValid() {
		to = s.remote
	}
	s.net.sendTo(p, s.local, to)
	return len(p), nil
}

// CloseWrite implements backend.HalfCloser: nil lets the socket layer
// close Out, which the peer reads as io.EOF.
func (s *fakeSocket) CloseWrite() error {
	if s.net.noHalfClose {
		return errors.ErrUnsupported
	}
	return nil
}

// Close releases the address. Stream buffers need nothing here: the
// socket layer already closed Out for writing (the peer drains it, then
// reads io.EOF) and In for reading (the peer's writes fail).
func (s *fakeSocket) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.net.release(s)
		if s.backlog != nil {
			s.abortBacklog()
		}
		if s.queue != nil {
			s.queue.Close(net.ErrClosed)
		}
		if s.stream != nil && s.net.fault == faultLossyClose {
			s.stream.Out.Abort(net.ErrClosed)
		}
	})
	return nil
}

// abortBacklog resets connections that were never accepted.
func (s *fakeSocket) abortBacklog() {
	for {
		select {
		case c := <-s.backlog:
			c.stream.In.Abort(syscall.ECONNRESET)
			c.stream.Out.Abort(syscall.ECONNRESET)
		default:
			return
		}
	}
}
