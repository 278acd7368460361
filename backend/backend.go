package backend

import (
	"context"
	"net/netip"
)

// Backend is an offload engine: the Go form of struct net_offload.
type Backend interface {
	// Open creates an unconnected socket (net_offload_get). network is
	// one of "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6"; a backend
	// returns a *net.UnknownNetworkError-compatible error (or
	// errors.ErrUnsupported) for those it cannot do, and syscall.EMFILE
	// when it has no free socket.
	Open(ctx context.Context, network string, opts Options) (Socket, error)
}

// Socket is one offloaded socket. Methods that do not apply to the
// socket's type return errors.ErrUnsupported.
type Socket interface {
	// Bind sets the local address (net_offload_bind). A zero address or
	// port means "any" / "pick an ephemeral port". Bind and Listen take
	// no context: a backend that waits on its medium there must return
	// when the socket is closed, which is how offload ends them when the
	// caller's context ends.
	Bind(local netip.AddrPort) error

	// Listen makes a bound stream socket accept connections, queueing at
	// most backlog not yet accepted (net_offload_listen). Like Bind, it
	// returns when the socket is closed.
	Listen(backlog int) error

	// Connect connects to remote (net_offload_connect). ctx carries the
	// timeout: a deadline, cancellation, or neither (K_FOREVER). For a
	// datagram socket it sets the default destination and filters
	// arrivals to it.
	Connect(ctx context.Context, remote netip.AddrPort) error

	// Accept waits for the next connection on a listening socket
	// (net_offload_accept) and returns it connected. It returns when ctx
	// ends or the socket is closed (net.ErrClosed).
	Accept(ctx context.Context) (Socket, error)

	// Stream returns the connected stream socket's buffers; nil before
	// Connect/Accept and for datagram sockets.
	Stream() *Stream

	// SendTo sends one datagram (net_offload_sendto). to is ignored
	// (may be zero) on a connected datagram socket.
	SendTo(p []byte, to netip.AddrPort) (int, error)

	// Packets returns the queue that arriving datagrams are delivered to;
	// nil for stream sockets.
	Packets() *PacketQueue

	// LocalAddr and RemoteAddr report the socket's addresses; zero values
	// when unknown or unconnected.
	LocalAddr() netip.AddrPort
	RemoteAddr() netip.AddrPort

	// Close releases the socket (net_offload_put). It unblocks Connect
	// and Accept. Calling it twice is harmless.
	Close() error
}

// HalfCloser is implemented by sockets that need to act on, or refuse, the
// application's CloseWrite. If the method returns an error the stream is
// left open for writing and the error reaches the application (use
// errors.ErrUnsupported for engines without half-close). Sockets that do
// not implement it get the default: Out is closed for writing and the
// backend sees io.EOF after draining it.
type HalfCloser interface {
	CloseWrite() error
}

// Resolver is the optional DNS offload of a Backend
// (socket_offload_dns_register). LookupHost returns the addresses of host,
// or an error satisfying errors.Is(err, ErrNotFound) when the name does
// not exist.
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]netip.Addr, error)
}
