package yamux

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"github.com/netoffload/offload/backend"
)

// Open creates a socket for network ("tcp", "tcp4", "tcp6", "udp",
// "udp4", "udp6"). Nothing crosses the link until Bind (datagram
// sockets), Listen or Connect.
func (b *Backend) Open(ctx context.Context, network string, opts backend.Options) (backend.Socket, error) {
	code := netCode(network)
	if !isStreamNet(code) && !isPacketNet(code) {
		return nil, net.UnknownNetworkError(network)
	}
	if b.refusing() {
		return nil, net.ErrClosed
	}
	s := &socket{b: b, netc: code, packet: isPacketNet(code), opts: opts.WithDefaults(), closeCh: make(chan struct{})}
	if s.packet {
		s.pq = backend.NewPacketQueue(s.opts.PacketQueue)
	}
	return s, nil
}

type sockState uint8

const (
	stateIdle      sockState = iota
	stateBound               // address set (stream) or bound on the gateway (datagram)
	stateBusy                // a request is in flight
	stateConnected           // connected stream, or datagram with a default peer
	stateListening
)

// socket is the device's backend.Socket. Its methods are safe for
// concurrent use; Close unblocks Connect, Listen, Bind and Accept.
type socket struct {
	b       *Backend
	netc    uint8
	packet  bool
	opts    backend.Options
	pq      *backend.PacketQueue // datagram sockets only
	closeCh chan struct{}        // closed by Close
	bindMu  sync.Mutex           // serialises automatic binds of SendTo

	// mu guards the fields below; it is never held while waiting on the
	// link. Lock order: socket.mu, then entry.mu.
	mu            sync.Mutex
	state         sockState
	closed        bool
	local, remote netip.AddrPort
	pending       *entry // the stream of the request in flight
	requests      uint64 // requests started: tells the one in flight from those abandoned
	conn          *streamConn
	lis           *listener
	dg            *datagram
}

// begin moves an idle (or, if allowBound, bound) socket to busy.
func (s *socket) begin(allowBound bool) (sockState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.state
	switch {
	case s.closed:
		return prev, net.ErrClosed
	case prev == stateIdle, prev == stateBound && allowBound:
		s.state = stateBusy
		return prev, nil
	case prev == stateConnected:
		return prev, syscall.EISCONN
	}
	return prev, syscall.EINVAL
}

// finish ends a request begun with begin: on success it stores the
// result with set; on failure the socket returns to prev.
func (s *socket) finish(prev sockState, next sockState, err error, set func()) error {
	s.mu.Lock()
	s.pending = nil
	if err != nil {
		s.state = prev
		s.mu.Unlock()
		return err
	}
	s.state = next
	set()
	closed := s.closed
	s.mu.Unlock()
	if closed { // Close ran while the request was in flight
		s.closeParts()
		return net.ErrClosed
	}
	return nil
}

// request opens a stream, sends req and waits for the reply. Close
// interrupts it.
func (s *socket) request(ctx context.Context, req request) (*clientSession, *entry, reply, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, reply{}, err
	}
	sess, err := s.b.session(ctx)
	if err != nil {
		return nil, nil, reply{}, err
	}
	s.mu.Lock()
	s.requests++
	n := s.requests
	s.mu.Unlock()
	// The stream is recorded so that Close can wake its wait for the
	// reply, unless a later request is in flight by then (this one's
	// caller left while the stream was opening).
	pending := func(e *entry) {
		s.mu.Lock()
		if s.requests == n {
			s.pending = e
		}
		s.mu.Unlock()
	}
	e, rep, err := sess.call(ctx, req, s.closeCh, pending, true)
	return sess, e, rep, err
}

// requestAddrs makes a DIAL or LISTEN request and decodes its OK body:
// two binary addresses, local then remote. A body that does not decode
// resets the stream and fails with EPROTO.
func (s *socket) requestAddrs(ctx context.Context, req request) (*clientSession, *entry, netip.AddrPort, netip.AddrPort, error) {
	sess, e, rep, err := s.request(ctx, req)
	if err != nil {
		return nil, nil, netip.AddrPort{}, netip.AddrPort{}, err
	}
	addrs, err := decodeAddrs(rep.body)
	if err != nil || len(addrs) != 2 {
		sess.reset(e, syscall.EPROTO)
		sess.reg.remove(e)
		return nil, nil, netip.AddrPort{}, netip.AddrPort{}, syscall.EPROTO
	}
	return sess, e, addrs[0], addrs[1], nil
}

// Bind sets the local address. A datagram socket is bound on the gateway
// at once (ListenPacket there), so errors such as EADDRINUSE or EACCES
// show here. For stream sockets the address is used by Listen; Connect
// ignores it (the gateway picks the source address of its dials).
func (s *socket) Bind(local netip.AddrPort) error {
	if !s.packet {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return net.ErrClosed
		}
		if s.state != stateIdle {
			return syscall.EINVAL
		}
		s.local, s.state = local, stateBound
		return nil
	}
	prev, err := s.begin(false)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.b.cfg.OpenTimeout)
	defer cancel()
	dg, err := s.openDatagram(ctx, opListen, local)
	return s.finish(prev, stateBound, noCtxErr(err), func() { s.dg, s.local = dg, dg.local })
}

// noCtxErr turns the timeout of an internal context into ETIMEDOUT.
func noCtxErr(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return syscall.ETIMEDOUT
	}
	return err
}

// Listen asks the gateway to listen on the bound address; connections it
// accepts arrive as reverse streams and are returned by Accept.
func (s *socket) Listen(backlog int) error {
	if s.packet {
		return errors.ErrUnsupported
	}
	prev, err := s.begin(true)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.b.cfg.OpenTimeout)
	defer cancel()
	l, err := s.openListener(ctx, backlog)
	return s.finish(prev, stateListening, noCtxErr(err), func() { s.lis, s.local = l, l.local })
}

// Connect dials remote through the gateway. On a datagram socket already
// bound it only sets the default destination and filters arrivals.
func (s *socket) Connect(ctx context.Context, remote netip.AddrPort) error {
	if s.packet && s.connectBound(remote) {
		return nil
	}
	prev, err := s.begin(true)
	if err != nil {
		return err
	}
	if s.packet {
		dg, err := s.openDatagram(ctx, opDial, remote)
		return s.finish(prev, stateConnected, err, func() { s.dg, s.local, s.remote = dg, dg.local, dg.remote })
	}
	c, err := s.dialStream(ctx, remote)
	return s.finish(prev, stateConnected, err, func() { s.conn, s.local, s.remote = c, c.local, c.remote })
}

// connectBound connects a datagram socket bound on the gateway.
func (s *socket) connectBound(remote netip.AddrPort) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dg == nil || s.closed {
		return false
	}
	s.remote, s.state = remote, stateConnected
	s.dg.connect(remote)
	return true
}

// Accept returns the next connection the gateway accepted for this
// listening socket.
func (s *socket) Accept(ctx context.Context) (backend.Socket, error) {
	s.mu.Lock()
	l, closed := s.lis, s.closed
	s.mu.Unlock()
	switch {
	case closed:
		return nil, net.ErrClosed
	case l == nil:
		return nil, syscall.EINVAL
	}
	return l.accept(ctx, s.closeCh)
}

// Stream returns the buffers of a connected stream socket.
func (s *socket) Stream() *backend.Stream {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	return s.conn.bufs
}

// SendTo sends one datagram. An unbound socket is first bound to an
// ephemeral port on the gateway.
func (s *socket) SendTo(p []byte, to netip.AddrPort) (int, error) {
	if !s.packet {
		return 0, errors.ErrUnsupported
	}
	s.mu.Lock()
	dg, remote, closed := s.dg, s.remote, s.closed
	s.mu.Unlock()
	if closed {
		return 0, net.ErrClosed
	}
	if remote.IsValid() {
		to = remote
	}
	if !to.IsValid() {
		return 0, syscall.EDESTADDRREQ
	}
	if dg == nil {
		var err error
		if dg, err = s.autoBind(); err != nil {
			return 0, err
		}
	}
	return dg.send(p, to)
}

// autoBind binds an unbound datagram socket to an ephemeral port.
func (s *socket) autoBind() (*datagram, error) {
	s.bindMu.Lock()
	defer s.bindMu.Unlock()
	s.mu.Lock()
	dg := s.dg
	s.mu.Unlock()
	if dg != nil {
		return dg, nil
	}
	if err := s.Bind(netip.AddrPort{}); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dg, nil
}

// Packets returns the datagram receive queue (nil for stream sockets).
func (s *socket) Packets() *backend.PacketQueue { return s.pq }

// LocalAddr is the socket's address on the gateway's network.
func (s *socket) LocalAddr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.local
}

// RemoteAddr is the peer's address on the gateway's network.
func (s *socket) RemoteAddr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remote
}

// Close releases the socket. A connected stream lingers: it still
// flushes what was written, then sends its FIN (socket_linger.go;
// Backend.Shutdown waits for that); a request in flight fails with
// net.ErrClosed; a listener stops and resets connections not accepted.
func (s *socket) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.closeCh)
	pending := s.pending
	s.mu.Unlock()
	if pending != nil {
		pending.st.SetReadDeadline(pastTime)
	}
	s.closeParts()
	return nil
}

// closeParts closes whatever the socket holds.
func (s *socket) closeParts() {
	s.mu.Lock()
	c, l, dg := s.conn, s.lis, s.dg
	s.mu.Unlock()
	if c != nil {
		c.close()
	}
	if l != nil {
		l.close()
	}
	if dg != nil {
		dg.close()
	}
	if s.pq != nil {
		s.pq.Close(net.ErrClosed)
	}
}

var _ backend.Socket = (*socket)(nil)
