package loopback

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/netoffload/offload/backend"
)

// Config describes an in-memory network. The zero value is a network of
// one machine with the addresses 127.0.0.1 and ::1.
type Config struct {
	// Hosts adds named machines; each may have several addresses. Nil
	// means none besides localhost.
	Hosts []Host
	// EphemeralMin and EphemeralMax bound the ports picked for port 0 and
	// for dialers; zero means 49152 and 65535.
	EphemeralMin, EphemeralMax uint16
	// ShapeAll puts a pump between the ends of every stream connection,
	// so that SetConnFaults can add latency and bandwidth limits to any
	// of them later. False: only connections made across a link with
	// latency or bandwidth faults are shaped; the rest share buffers.
	ShapeAll bool
	// Seed seeds the datagram-loss randomness; zero means a fixed seed,
	// so runs are repeatable.
	Seed uint64
}

// Host is a named machine on the network.
type Host struct {
	Name  string       // e.g. "db.test"; looked up by the network's resolver
	Addrs []netip.Addr // e.g. 192.0.2.10
}

// Network is an in-memory network, a backend.Backend and
// backend.Resolver. As a Backend it is the machine "localhost"; Host
// returns the view from another machine. It is safe for concurrent use.
//
// Lock order: Network.mu, then a listener's or socket's own mutex. No
// lock is held while calling a Buffer method that may block.
type Network struct {
	mu          sync.Mutex
	cfg         Config
	names       map[string][]netip.Addr
	addrs       map[netip.Addr]string // address → host name
	listeners   map[hostKey]*streamSocket
	packets     map[hostKey]*dgramSocket
	ports       map[portKey]bool // ports in use
	next        uint16           // next ephemeral port to try
	links       map[linkKey]Faults
	linkChanged chan struct{} // closed and replaced by every SetLink
	conns       map[connKey]*connState
	rand        *rand.Rand
	closed      bool
	local       *hostView
	lost        atomic.Uint64 // datagrams dropped by link faults
}

// Lost reports how many datagrams link faults (Loss, Blocked) dropped.
// Drops by full receive queues are counted per socket instead.
func (n *Network) Lost() uint64 { return n.lost.Load() }

// portKey names a bound port. Wildcard binds (zero addr) belong to one
// machine, so the host is part of every key.
type portKey struct {
	host   string
	addr   netip.Addr
	port   uint16
	stream bool
}

// hostKey names a listener or datagram socket by machine and address.
type hostKey struct {
	host string
	ap   netip.AddrPort
}

// New returns a network described by cfg.
func New(cfg Config) *Network {
	if cfg.EphemeralMin == 0 {
		cfg.EphemeralMin = 49152
	}
	if cfg.EphemeralMax == 0 || cfg.EphemeralMax < cfg.EphemeralMin {
		cfg.EphemeralMax = 65535
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = 1
	}
	n := &Network{
		cfg:         cfg,
		names:       map[string][]netip.Addr{},
		addrs:       map[netip.Addr]string{},
		listeners:   map[hostKey]*streamSocket{},
		packets:     map[hostKey]*dgramSocket{},
		ports:       map[portKey]bool{},
		next:        cfg.EphemeralMin,
		links:       map[linkKey]Faults{},
		linkChanged: make(chan struct{}),
		conns:       map[connKey]*connState{},
		rand:        rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	n.addHost(Host{Name: "localhost", Addrs: []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}})
	for _, h := range cfg.Hosts {
		n.addHost(h)
	}
	n.local = &hostView{n: n, name: "localhost"}
	return n
}

func (n *Network) addHost(h Host) {
	name := strings.ToLower(h.Name)
	for _, a := range h.Addrs {
		a = a.Unmap()
		n.names[name] = append(n.names[name], a)
		n.addrs[a] = name
	}
}

// Host returns the backend as seen from the named machine: sockets it
// opens get that machine's address unless bound otherwise. It returns nil
// for an unknown name.
func (n *Network) Host(name string) backend.Backend {
	name = strings.ToLower(name)
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.names[name]; !ok {
		return nil
	}
	return &hostView{n: n, name: name}
}

// Open implements backend.Backend for the machine "localhost".
func (n *Network) Open(ctx context.Context, network string, opts backend.Options) (backend.Socket, error) {
	return n.local.Open(ctx, network, opts)
}

// LookupHost implements backend.Resolver with the network's host names.
func (n *Network) LookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	addrs, ok := n.names[strings.ToLower(strings.TrimSuffix(host, "."))]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true, UnwrapErr: backend.ErrNotFound}
	}
	return append([]netip.Addr(nil), addrs...), nil
}

// Close shuts the network down: every listener and connection fails
// with ENETDOWN and later Opens fail.
func (n *Network) Close() error {
	n.mu.Lock()
	n.closed = true
	ls := n.listeners
	cs := n.conns
	n.listeners, n.conns = map[hostKey]*streamSocket{}, map[connKey]*connState{}
	ps := n.packets
	n.packets = map[hostKey]*dgramSocket{}
	n.mu.Unlock()
	for _, l := range ls {
		l.closeListener(syscall.ENETDOWN)
	}
	for _, c := range cs {
		c.abort(syscall.ENETDOWN)
	}
	for _, p := range ps {
		p.q.Close(syscall.ENETDOWN)
	}
	return nil
}

// hostView is the Backend of one machine.
type hostView struct {
	n    *Network
	name string
}

func (h *hostView) Open(ctx context.Context, network string, opts backend.Options) (backend.Socket, error) {
	version, stream, err := parseNetwork(network)
	if err != nil {
		return nil, err
	}
	h.n.mu.Lock()
	closed := h.n.closed
	h.n.mu.Unlock()
	if closed {
		return nil, syscall.ENETDOWN
	}
	opts = opts.WithDefaults()
	if stream {
		return &streamSocket{n: h.n, host: h.name, version: version, opts: opts}, nil
	}
	return newDgramSocket(h.n, h.name, version, opts), nil
}

func (h *hostView) LookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	return h.n.LookupHost(ctx, host)
}

func parseNetwork(network string) (version int, stream bool, err error) {
	switch network {
	case "tcp", "udp":
	case "tcp4", "udp4":
		version = 4
	case "tcp6", "udp6":
		version = 6
	default:
		return 0, false, net.UnknownNetworkError(network)
	}
	return version, strings.HasPrefix(network, "tcp"), nil
}

// errUnsupported is returned by methods that do not apply to a socket type.
var errUnsupported = errors.ErrUnsupported
