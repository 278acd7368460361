package offload

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netoffload/offload/backend"
	"github.com/pion/transport/v3/deadline"
)

// PacketConn is a datagram socket (UDP-like) over an offload backend, the
// counterpart of *net.UDPConn. From ListenPacket it is unconnected: use
// ReadFrom and WriteTo. From Dial("udp", …) it is connected: Read and
// Write exchange datagrams with the one remote address and arrivals from
// elsewhere are dropped.
//
// Message boundaries are kept. A read buffer shorter than the datagram
// receives its first len(p) bytes and the rest is discarded, as with UDP.
// Arrivals beyond the receive queue are dropped and counted (Dropped).
type PacketConn struct {
	sock    backend.Socket
	q       *backend.PacketQueue
	network string
	laddr   net.Addr
	raddr   net.Addr       // nil when unconnected
	remote  netip.AddrPort // valid when connected

	wdl       *deadline.Deadline
	wdlArmed  atomic.Bool
	closed    atomic.Bool
	closeOnce sync.Once
}

func newPacketConn(network string, s backend.Socket) *PacketConn {
	c := &PacketConn{
		sock:    s,
		q:       s.Packets(),
		network: network,
		laddr:   toNetAddr(kindDatagram, s.LocalAddr()),
		wdl:     deadline.New(),
	}
	if r := s.RemoteAddr(); r.IsValid() {
		c.remote = r
		c.raddr = toNetAddr(kindDatagram, r)
	}
	return c
}

// ReadFrom reads one datagram into p and returns its length and source, a
// *net.UDPAddr.
func (c *PacketConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, from, err := c.readFrom(p)
	if err != nil {
		return 0, nil, c.err("read", nil, err)
	}
	return n, toNetAddr(kindDatagram, from), nil
}

// ReadFromUDPAddrPort is ReadFrom returning a netip.AddrPort, without
// allocating.
func (c *PacketConn) ReadFromUDPAddrPort(p []byte) (int, netip.AddrPort, error) {
	n, from, err := c.readFrom(p)
	return n, from, c.err("read", nil, err)
}

func (c *PacketConn) readFrom(p []byte) (int, netip.AddrPort, error) {
	for {
		if c.closed.Load() {
			return 0, netip.AddrPort{}, net.ErrClosed
		}
		n, from, _, err := c.q.Receive(p)
		if err != nil {
			return 0, from, err
		}
		if c.remote.IsValid() && from != c.remote {
			continue
		}
		return n, from, nil
	}
}

// Read reads one datagram, on a connected or unconnected socket.
func (c *PacketConn) Read(p []byte) (int, error) {
	n, _, err := c.readFrom(p)
	return n, c.err("read", nil, err)
}

// WriteTo sends p as one datagram to addr, a *net.UDPAddr (or any
// net.Addr whose String is "ip:port"). It fails on a connected socket.
func (c *PacketConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.remote.IsValid() {
		return 0, c.err("write", addr, net.ErrWriteToConnected)
	}
	to, err := fromNetAddr(addr)
	if err != nil {
		return 0, c.err("write", addr, err)
	}
	return c.send(p, to, addr)
}

// WriteToUDPAddrPort is WriteTo with a netip.AddrPort, without allocating.
func (c *PacketConn) WriteToUDPAddrPort(p []byte, to netip.AddrPort) (int, error) {
	if c.remote.IsValid() {
		return 0, c.err("write", nil, net.ErrWriteToConnected)
	}
	return c.send(p, unmap(to), nil)
}

// Write sends p as one datagram to the connected remote address.
func (c *PacketConn) Write(p []byte) (int, error) {
	if !c.remote.IsValid() {
		return 0, c.err("write", nil, syscall.EDESTADDRREQ)
	}
	return c.send(p, c.remote, c.raddr)
}

func (c *PacketConn) send(p []byte, to netip.AddrPort, addr net.Addr) (int, error) {
	switch {
	case c.closed.Load():
		return 0, c.err("write", addr, net.ErrClosed)
	case c.wdlArmed.Load() && c.wdl.Err() != nil:
		return 0, c.err("write", addr, errTimeout)
	case len(p) > backend.MaxDatagram:
		return 0, c.err("write", addr, syscall.EMSGSIZE)
	}
	n, err := c.sock.SendTo(p, to)
	return n, c.err("write", addr, err)
}

// Dropped reports how many arriving datagrams were dropped because the
// receive queue was full.
func (c *PacketConn) Dropped() uint64 { return c.q.Dropped() }

// Close closes the socket; blocked reads return net.ErrClosed.
func (c *PacketConn) Close() error {
	first := false
	c.closeOnce.Do(func() {
		first = true
		c.closed.Store(true)
		c.q.Close(net.ErrClosed)
		c.q.Discard()
	})
	if !first {
		return c.err("close", nil, net.ErrClosed)
	}
	return c.err("close", nil, c.sock.Close())
}

// LocalAddr returns the local address, a *net.UDPAddr.
func (c *PacketConn) LocalAddr() net.Addr { return c.laddr }

// RemoteAddr returns the connected remote address (a *net.UDPAddr), or
// nil on an unconnected socket, as *net.UDPConn does.
func (c *PacketConn) RemoteAddr() net.Addr { return c.raddr }

// SetDeadline sets both deadlines.
func (c *PacketConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the deadline for reads; zero disarms it.
func (c *PacketConn) SetReadDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.err("set", nil, net.ErrClosed)
	}
	c.q.SetReadDeadline(t)
	return nil
}

// SetWriteDeadline sets the deadline for writes; zero disarms it. A
// backend's SendTo already under way is not interrupted.
func (c *PacketConn) SetWriteDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.err("set", nil, net.ErrClosed)
	}
	c.wdl.Set(t)
	c.wdlArmed.Store(!t.IsZero())
	return nil
}

func (c *PacketConn) err(op string, addr net.Addr, err error) error {
	if addr == nil {
		addr = c.raddr
	}
	return opError(op, c.network, c.laddr, addr, err)
}

var (
	_ net.PacketConn = (*PacketConn)(nil)
	_ net.Conn       = (*PacketConn)(nil)
)
