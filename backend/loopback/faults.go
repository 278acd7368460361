package loopback

import (
	"errors"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/netoffload/offload/backend"
)

// Faults describe an imperfect link, applied between two hosts (SetLink)
// or to one connection (SetConnFaults). The zero value is a perfect link.
type Faults struct {
	// Latency is added one way to every byte and datagram. Zero: none.
	Latency time.Duration
	// Bandwidth limits each direction, in bytes per second. Zero: unlimited.
	Bandwidth int64
	// Loss is the fraction (0 to 1) of datagrams dropped. Streams are
	// reliable and never lose bytes. Zero: none.
	Loss float64
	// Blocked stops all traffic: stream bytes wait (the sender fills its
	// buffer and then blocks), datagrams are dropped. Zero: traffic flows.
	Blocked bool
}

// shaped reports whether f needs a pump between the two ends.
func (f Faults) shaped() bool { return f.Latency > 0 || f.Bandwidth > 0 }

// ErrNotShaped is returned by SetConnFaults when latency or bandwidth is
// asked of a connection that was made without a pump between its ends.
// Set the link's faults before dialing, or set Config.ShapeAll.
var ErrNotShaped = errors.New("loopback: connection is not shaped; set link faults before dialing")

// ErrNoConn is returned for a connection the network does not know.
var ErrNoConn = errors.New("loopback: no such connection")

type linkKey struct{ a, b string }

func newLinkKey(a, b string) linkKey {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if b < a {
		a, b = b, a
	}
	return linkKey{a, b}
}

// SetLink sets the faults of the link between hosts a and b (names as in
// Config.Hosts, or "localhost"), both ways. Blocked applies at once to
// existing connections, and dials across a blocked link wait, as a lost
// SYN does, until the link heals or the dial's context ends; latency and
// bandwidth apply to connections made afterwards and to existing shaped
// ones.
func (n *Network) SetLink(a, b string, f Faults) {
	key := newLinkKey(a, b)
	n.mu.Lock()
	if f == (Faults{}) {
		delete(n.links, key)
	} else {
		n.links[key] = f
	}
	close(n.linkChanged)
	n.linkChanged = make(chan struct{})
	var affected []*connState
	for _, c := range n.conns {
		if c.link == key {
			affected = append(affected, c)
		}
	}
	n.mu.Unlock()
	for _, c := range affected {
		c.setFaults(f)
	}
}

// Partition blocks all traffic between hosts a and b; Heal restores it.
func (n *Network) Partition(a, b string) { n.SetLink(a, b, Faults{Blocked: true}) }

// Heal removes every fault between hosts a and b.
func (n *Network) Heal(a, b string) { n.SetLink(a, b, Faults{}) }

func (n *Network) linkFaults(a, b string) Faults { return n.links[newLinkKey(a, b)] }

type connKey struct{ a, b netip.AddrPort }

// connState is one stream connection as the network sees it.
type connState struct {
	key            connKey
	link           linkKey
	dialerStream   *backend.Stream
	acceptorStream *backend.Stream
	shapers        []*shaper // two when shaped, else nil

	mu     sync.Mutex
	faults Faults
	ends   int // sockets closed, of two
}

// endClosed records that one end's socket closed; once both have, the
// shapers stop even if they wait on a long latency.
func (c *connState) endClosed() {
	c.mu.Lock()
	c.ends++
	done := c.ends == 2
	c.mu.Unlock()
	if done {
		c.halt()
	}
}

func (c *connState) halt() {
	for _, s := range c.shapers {
		s.halt()
	}
}

// sharedBlock is the block size limit of the buffers two ends share.
const sharedBlock = 128 << 10

// newConn makes the buffers between dialer d and acceptor a. n.mu held.
func (n *Network) newConn(d, a *streamSocket) *connState {
	c := &connState{
		key:  connKey{d.local, a.local},
		link: newLinkKey(d.host, a.host),
	}
	f := n.linkFaults(d.host, a.host)
	c.faults = f
	d2a := backend.NewBuffer(d.opts.OutSize)
	a2d := backend.NewBuffer(a.opts.OutSize)
	if !f.shaped() && !n.cfg.ShapeAll {
		c.dialerStream = &backend.Stream{In: a2d, Out: d2a}
		c.acceptorStream = &backend.Stream{In: d2a, Out: a2d}
		a2d.PairWith(d2a)
		d2a.PairWith(a2d)
		// Large blocks mean fewer block changes on a busy conn; a ring
		// hands its block back while its reader waits, so an idle conn
		// does not keep one.
		a2d.SetBlockLimit(sharedBlock)
		d2a.SetBlockLimit(sharedBlock)
	} else {
		d2aIn := backend.NewBuffer(a.opts.InSize)
		a2dIn := backend.NewBuffer(d.opts.InSize)
		c.dialerStream = &backend.Stream{In: a2dIn, Out: d2a}
		c.acceptorStream = &backend.Stream{In: d2aIn, Out: a2d}
		c.shapers = []*shaper{newShaper(d2a, d2aIn, f), newShaper(a2d, a2dIn, f)}
	}
	if f.Blocked {
		c.hold(true)
	}
	return c
}

func (c *connState) inbound() []*backend.Buffer {
	return []*backend.Buffer{c.dialerStream.In, c.acceptorStream.In}
}

func (c *connState) hold(on bool) {
	for _, b := range c.inbound() {
		b.SetHold(on)
	}
}

func (c *connState) setFaults(f Faults) {
	c.mu.Lock()
	was := c.faults.Blocked
	c.faults = f
	c.mu.Unlock()
	if was != f.Blocked {
		c.hold(f.Blocked)
	}
	for _, s := range c.shapers {
		s.set(f)
	}
}

// abort resets the connection: both ends fail with err.
func (c *connState) abort(err error) {
	for _, st := range []*backend.Stream{c.dialerStream, c.acceptorStream} {
		st.In.Abort(err)
		st.Out.Abort(err)
	}
	c.halt()
}

func (n *Network) findConn(a, b netip.AddrPort) *connState {
	n.mu.Lock()
	defer n.mu.Unlock()
	if c := n.conns[connKey{a, b}]; c != nil {
		return c
	}
	return n.conns[connKey{b, a}]
}

// Reset resets the connection between the two addresses (in either
// order, as from a conn's LocalAddr and RemoteAddr): both ends fail with
// ECONNRESET.
func (n *Network) Reset(a, b netip.AddrPort) error {
	c := n.findConn(unmapAP(a), unmapAP(b))
	if c == nil {
		return ErrNoConn
	}
	c.abort(syscall.ECONNRESET)
	return nil
}

// SetConnFaults sets the faults of one connection, named by its two
// addresses in either order. Blocked works on any connection; latency and
// bandwidth need a shaped one (ErrNotShaped otherwise). Loss does not
// apply to streams.
func (n *Network) SetConnFaults(a, b netip.AddrPort, f Faults) error {
	c := n.findConn(unmapAP(a), unmapAP(b))
	if c == nil {
		return ErrNoConn
	}
	if f.shaped() && c.shapers == nil {
		return ErrNotShaped
	}
	c.setFaults(f)
	return nil
}

func unmapAP(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
