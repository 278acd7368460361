package offload

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/netoffload/offload/backend"
)

var defaultBackend atomic.Pointer[backend.Backend]

// Register makes b the default backend used by the package-level
// functions and by Dialers and ListenConfigs whose Backend is nil — the
// Go form of socket_offload_register. Register(nil) clears it.
func Register(b backend.Backend) {
	if b == nil {
		defaultBackend.Store(nil)
		return
	}
	defaultBackend.Store(&b)
}

// Registered returns the default backend, or nil.
func Registered() backend.Backend {
	if p := defaultBackend.Load(); p != nil {
		return *p
	}
	return nil
}

func pick(b backend.Backend) (backend.Backend, error) {
	if b != nil {
		return b, nil
	}
	if b = Registered(); b != nil {
		return b, nil
	}
	return nil, ErrNoBackend
}

// Dialer connects through an offload backend. Its DialContext has the
// signature of (*net.Dialer).DialContext, so it drops into
// http.Transport.DialContext, grpc.WithContextDialer and
// golang.org/x/net/proxy. The zero value dials through the registered
// backend with no timeout.
type Dialer struct {
	// Backend does the networking; nil means the one given to Register.
	Backend backend.Backend
	// Timeout bounds the whole dial, name lookup included; zero means
	// none (the context may still end it).
	Timeout time.Duration
	// Deadline is an absolute time after which dials fail; zero means none.
	Deadline time.Time
	// LocalAddr is the local address to bind, a *net.TCPAddr or
	// *net.UDPAddr; nil lets the backend choose.
	LocalAddr net.Addr
	// Resolver resolves host names; nil means a zero Resolver (literal
	// IPs, localhost, then the backend's own Resolver if it has one).
	Resolver *Resolver
	// Options sets the socket buffers; zero fields mean the defaults.
	Options backend.Options
}

// Dial connects to address on the named network ("tcp", "tcp4", "tcp6",
// "udp", "udp4", "udp6").
func (d *Dialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

// DialContext connects to address on the named network. A stream network
// gives a *Conn, a datagram network a connected *PacketConn. Host names
// are tried address by address until one connects.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	k, version, err := parseNetwork(network)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	b, err := pick(d.Backend)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	ctx, cancel := d.context(ctx)
	defer cancel()
	host, port, err := splitHostPort(network, address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	addrs, err := d.Resolver.lookup(ctx, b, host, version)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	var first error
	for _, a := range addrs {
		c, err := d.dialOne(ctx, b, network, k, netip.AddrPortFrom(a, port))
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// context applies Timeout and Deadline to ctx.
func (d *Dialer) context(ctx context.Context) (context.Context, context.CancelFunc) {
	dl := d.Deadline
	if d.Timeout > 0 {
		if t := time.Now().Add(d.Timeout); dl.IsZero() || t.Before(dl) {
			dl = t
		}
	}
	if dl.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, dl)
}

func (d *Dialer) dialOne(ctx context.Context, b backend.Backend, network string, k kind, raddr netip.AddrPort) (net.Conn, error) {
	fail := func(err error) error {
		return opError("dial", network, d.LocalAddr, toNetAddr(k, raddr), ctxErr(ctx, err))
	}
	s, err := b.Open(ctx, network, d.Options.WithDefaults())
	if err != nil {
		return nil, fail(err)
	}
	if d.LocalAddr != nil {
		la, err := fromNetAddr(d.LocalAddr)
		if err == nil {
			err = bounded(ctx, s, func() error { return s.Bind(la) })
		}
		if err != nil {
			s.Close()
			return nil, fail(err)
		}
	}
	if err := s.Connect(ctx, raddr); err != nil {
		s.Close()
		return nil, fail(err)
	}
	if err := checkShape(s, k); err != nil {
		s.Close()
		return nil, fail(err)
	}
	if k == kindDatagram {
		return newPacketConn(network, s), nil
	}
	return newConn(network, s), nil
}

// errBadSocket reports a backend that returned a socket without the
// buffers its type needs: a bug in the backend, surfaced as an error
// rather than a panic later.
var errBadSocket = errors.New("offload: backend returned a socket without buffers")

func checkShape(s backend.Socket, k kind) error {
	if k == kindDatagram && s.Packets() == nil || k == kindStream && s.Stream() == nil {
		return errBadSocket
	}
	return nil
}

// ctxErr prefers the context's own error when it ended, so a dial cut
// short reports a timeout or cancellation rather than a side effect.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		var oe *net.OpError
		if !errors.As(err, &oe) {
			return cerr
		}
	}
	return err
}

// ListenConfig creates listeners and datagram sockets on an offload
// backend. The zero value uses the registered backend.
type ListenConfig struct {
	// Backend does the networking; nil means the one given to Register.
	Backend backend.Backend
	// Backlog is how many connections may wait unaccepted; zero or
	// negative means 128.
	Backlog int
	// Resolver resolves a host name in the listen address; nil means a
	// zero Resolver.
	Resolver *Resolver
	// Options sets buffer sizes of accepted conns and the datagram
	// queue; zero fields mean the defaults.
	Options backend.Options
}

// DefaultBacklog is the listen backlog used when ListenConfig.Backlog is
// zero or negative.
const DefaultBacklog = 128

// Listen announces on the local stream address. An empty host means all
// addresses; port 0 picks an ephemeral port (see Listener.Addr).
func (lc *ListenConfig) Listen(ctx context.Context, network, address string) (net.Listener, error) {
	s, err := lc.open(ctx, "listen", network, address, kindStream)
	if err != nil {
		return nil, err
	}
	backlog := lc.Backlog
	if backlog <= 0 {
		backlog = DefaultBacklog
	}
	if err := bounded(ctx, s, func() error { return s.Listen(backlog) }); err != nil {
		s.Close()
		return nil, opError("listen", network, nil, toNetAddr(kindStream, s.LocalAddr()), ctxErr(ctx, err))
	}
	return newListener(network, s), nil
}

// ListenPacket announces on the local datagram address and returns an
// unconnected *PacketConn.
func (lc *ListenConfig) ListenPacket(ctx context.Context, network, address string) (net.PacketConn, error) {
	s, err := lc.open(ctx, "listen", network, address, kindDatagram)
	if err != nil {
		return nil, err
	}
	if err := checkShape(s, kindDatagram); err != nil {
		s.Close()
		return nil, opError("listen", network, nil, toNetAddr(kindDatagram, s.LocalAddr()), err)
	}
	return newPacketConn(network, s), nil
}

// open creates and binds a socket of kind want.
func (lc *ListenConfig) open(ctx context.Context, op, network, address string, want kind) (backend.Socket, error) {
	k, version, err := parseNetwork(network)
	if err == nil && k != want {
		err = net.UnknownNetworkError(network)
	}
	if err != nil {
		return nil, &net.OpError{Op: op, Net: network, Err: err}
	}
	b, err := pick(lc.Backend)
	if err != nil {
		return nil, &net.OpError{Op: op, Net: network, Err: err}
	}
	local, err := lc.localAddr(ctx, b, network, address, version)
	if err != nil {
		return nil, &net.OpError{Op: op, Net: network, Err: err}
	}
	s, err := b.Open(ctx, network, lc.Options.WithDefaults())
	if err != nil {
		return nil, opError(op, network, nil, toNetAddr(k, local), err)
	}
	if err := bounded(ctx, s, func() error { return s.Bind(local) }); err != nil {
		s.Close()
		return nil, opError(op, network, nil, toNetAddr(k, local), ctxErr(ctx, err))
	}
	return s, nil
}

// bounded runs step, a call of s that takes no context (Bind, Listen:
// a backend may wait on its medium there, as the yamux backend waits for
// the gateway), and closes s if ctx ends first, which makes the step
// return; it then returns once that Close has. The caller closes s after
// an error and reports ctx's error through ctxErr.
func bounded(ctx context.Context, s backend.Socket, step func() error) error {
	if ctx.Done() == nil {
		return step()
	}
	closed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(closed)
		s.Close()
	})
	err := step()
	if !stop() {
		<-closed
		if err == nil {
			err = ctx.Err() // s was closed under a step that had succeeded
		}
	}
	return err
}

func (lc *ListenConfig) localAddr(ctx context.Context, b backend.Backend, network, address string, version int) (netip.AddrPort, error) {
	host, port, err := splitHostPort(network, address)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if host == "" {
		return netip.AddrPortFrom(netip.Addr{}, port), nil
	}
	addrs, err := lc.Resolver.lookup(ctx, b, host, version)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(addrs[0], port), nil
}

// Dial connects through the registered backend; see Dialer.
func Dial(network, address string) (net.Conn, error) {
	var d Dialer
	return d.Dial(network, address)
}

// DialContext connects through the registered backend; see Dialer.
func DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	var d Dialer
	return d.DialContext(ctx, network, address)
}

// Listen listens on the registered backend; see ListenConfig.
func Listen(network, address string) (net.Listener, error) {
	var lc ListenConfig
	return lc.Listen(context.Background(), network, address)
}

// ListenPacket opens a datagram socket on the registered backend; see
// ListenConfig.
func ListenPacket(network, address string) (net.PacketConn, error) {
	var lc ListenConfig
	return lc.ListenPacket(context.Background(), network, address)
}
