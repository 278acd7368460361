package yamux

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Defaults of Gateway limits left zero.
const (
	DefaultMaxSessions  = 256
	DefaultMaxStreams   = 4096
	DefaultMaxListeners = 64
)

// Gateway is the far side of device links: it authenticates each link,
// then carries out the devices' dials, listens and lookups on its own
// network, within its allow-lists. Create it as a struct literal, then
// call Serve or ServeConn; do not copy it after first use.
type Gateway struct {
	// PSK is the pre-shared key every link must prove knowledge of (see
	// LoadPSK). Empty requires NoAuth.
	PSK []byte
	// NoAuth accepts links without a key. Use it only when links are
	// authenticated otherwise (TLS with client certificates, a private
	// serial line) or in tests. With neither PSK nor NoAuth the gateway
	// refuses to start (ErrNoAuth).
	NoAuth bool

	// Allow lists the destinations devices may dial (TCP and UDP). A
	// host name is resolved here and only allowed addresses are dialed.
	Allow []Rule
	// AllowListen lists the ports devices may listen on (TCP and UDP);
	// include 0 to allow ephemeral ports. Datagrams a device sends from a
	// listening UDP socket must match Allow.
	AllowListen PortRanges
	// AllowAll turns the allow-lists off. Without it and without any rule
	// the gateway refuses to start (ErrNoPolicy).
	AllowAll bool

	// Dial makes the gateway's outbound connections. Nil means a
	// net.Dialer. Another offload Dialer's DialContext chains gateways.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// Listen opens listeners for reverse listening. Nil means a
	// net.ListenConfig.
	Listen func(ctx context.Context, network, address string) (net.Listener, error)
	// ListenPacket opens UDP sockets. Nil means a net.ListenConfig.
	ListenPacket func(ctx context.Context, network, address string) (net.PacketConn, error)
	// Resolve looks up host names ("ip", "ip4", "ip6" networks) for
	// devices and for dial addresses. Nil means net.DefaultResolver.
	Resolve func(ctx context.Context, network, host string) ([]netip.Addr, error)

	// MaxSessions bounds concurrent links (handshakes included); zero
	// means DefaultMaxSessions. Links beyond it are refused as busy.
	MaxSessions int
	// MaxStreams bounds concurrent streams of one session (conns, packet
	// sockets, requests); zero means DefaultMaxStreams. Requests beyond it
	// fail with EMFILE on the device.
	MaxStreams int
	// MaxListeners bounds listeners (TCP and UDP) of one session; zero
	// means DefaultMaxListeners.
	MaxListeners int
	// MaxHeader bounds a request header in bytes; zero means
	// DefaultMaxHeader. Larger requests fail with EINVAL on the device.
	MaxHeader int

	MuxConfig

	// Logger receives structured logs: sessions, denied requests (warn),
	// failed dials (debug). Nil means slog.Default().
	Logger *slog.Logger

	mu        sync.Mutex
	started   bool
	closed    bool
	closers   map[io.Closer]struct{} // Serve's listeners and served links
	sessions  map[*gwSession]struct{}
	nsessions int            // links being served, handshakes included
	wg        sync.WaitGroup // per-link goroutines started by Serve
	pol       policy
	mux       MuxConfig
}

// check validates the configuration once and fills defaults.
func (g *Gateway) check() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return ErrGatewayClosed
	}
	if g.started {
		return nil
	}
	if len(g.PSK) == 0 && !g.NoAuth {
		return ErrNoAuth
	}
	if !g.AllowAll && len(g.Allow) == 0 && len(g.AllowListen) == 0 {
		return ErrNoPolicy
	}
	g.pol = policy{all: g.AllowAll, dial: g.Allow, listen: g.AllowListen}
	g.mux = g.MuxConfig.withDefaults()
	g.closers = make(map[io.Closer]struct{})
	g.sessions = make(map[*gwSession]struct{})
	g.started = true
	return nil
}

func (g *Gateway) logger() *slog.Logger {
	if g.Logger != nil {
		return g.Logger
	}
	return slog.Default()
}

// Serve accepts links on ln and serves each in its own goroutine until
// Close, when it returns ErrGatewayClosed. ln is closed on return.
func (g *Gateway) Serve(ln net.Listener) error {
	if err := g.check(); err != nil {
		ln.Close()
		return err
	}
	if !g.track(ln) {
		ln.Close()
		return ErrGatewayClosed
	}
	defer g.untrack(ln)
	defer ln.Close()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if g.isClosed() {
				return ErrGatewayClosed
			}
			if !isTemporary(err) {
				return err
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			g.ServeConn(c)
		}()
	}
}

// isTemporary reports accept errors worth retrying, such as EMFILE.
func isTemporary(err error) bool {
	var ne interface{ Temporary() bool }
	return errors.As(err, &ne) && ne.Temporary()
}

// ServeConn serves one link until it ends, then closes it. It returns
// nil when the device closed the link or the gateway was closed, and the
// handshake error if the link was refused.
func (g *Gateway) ServeConn(link io.ReadWriteCloser) error {
	if err := g.check(); err != nil {
		link.Close()
		return err
	}
	if !g.track(link) {
		link.Close()
		return ErrGatewayClosed
	}
	defer g.untrack(link)
	busy := !g.takeSession()
	if !busy {
		defer g.releaseSession()
	}
	log := g.logger().With("link", linkName(link))
	flags, err := g.handshake(link, busy)
	if err != nil {
		log.Warn("link refused", "err", err)
		link.Close()
		return err
	}
	return g.serveSession(link, log, flags&flagFinAck != 0)
}

// handshake authenticates link (TLS first, if it is a *tls.Conn) within
// HandshakeTimeout, and returns the flags of the client's hello. On
// expiry the link is closed.
func (g *Gateway) handshake(link io.ReadWriteCloser, busy bool) (uint8, error) {
	t := time.AfterFunc(g.mux.HandshakeTimeout, func() { link.Close() })
	var flags uint8
	err := g.handshakeTLS(link)
	if err == nil {
		flags, err = gatewayHandshake(link, g.PSK, busy)
	}
	if !t.Stop() && err != nil {
		err = errors.Join(errHandshakeTimeout, err)
	}
	return flags, err
}

var errHandshakeTimeout = errors.New("yamux: handshake timed out")

func (g *Gateway) handshakeTLS(link io.ReadWriteCloser) error {
	if tc, ok := link.(*tls.Conn); ok {
		return tc.Handshake()
	}
	return nil
}

// takeSession counts a session if the limit allows.
func (g *Gateway) takeSession() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	limit := g.MaxSessions
	if limit <= 0 {
		limit = DefaultMaxSessions
	}
	if g.nsessions >= limit {
		return false
	}
	g.nsessions++
	return true
}

func (g *Gateway) releaseSession() {
	g.mu.Lock()
	g.nsessions--
	g.mu.Unlock()
}

// track registers c to be closed by Close, unless the gateway is closed.
func (g *Gateway) track(c io.Closer) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.closers[c] = struct{}{}
	return true
}

func (g *Gateway) untrack(c io.Closer) {
	g.mu.Lock()
	delete(g.closers, c)
	g.mu.Unlock()
}

// Streams reports how many yamux streams the gateway's sessions hold
// open, control streams included: a gauge for monitoring and tests.
func (g *Gateway) Streams() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for s := range g.sessions {
		n += s.mux.NumStreams()
	}
	return n
}

func (g *Gateway) isClosed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

// Close stops every Serve loop and closes every link (their sessions end,
// so devices see their conns fail), then waits for Serve's goroutines.
func (g *Gateway) Close() error {
	g.mu.Lock()
	g.closed = true
	var all []io.Closer
	for c := range g.closers {
		all = append(all, c)
	}
	g.mu.Unlock()
	for _, c := range all {
		c.Close()
	}
	g.wg.Wait()
	return nil
}

// linkName describes a link for logs.
func linkName(link io.ReadWriteCloser) string {
	if c, ok := link.(net.Conn); ok && c.RemoteAddr() != nil {
		return c.RemoteAddr().String()
	}
	return "link"
}
