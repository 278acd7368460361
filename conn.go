package offload

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netoffload/offload/backend"
)

// Conn is a stream connection (TCP-like) over an offload backend. Besides
// net.Conn it offers CloseWrite and CloseRead as *net.TCPConn does, and
// io.ReaderFrom / io.WriterTo that move bytes straight between the other
// side and the socket buffers.
//
// Write copies into the connection's send buffer and returns; it blocks
// only while the buffer is full. A nil error therefore means the bytes are
// queued for the backend, as with a kernel socket, not that they arrived.
type Conn struct {
	sock    backend.Socket
	st      *backend.Stream
	network string
	laddr   net.Addr
	raddr   net.Addr

	closed    atomic.Bool
	closeOnce sync.Once
}

func newConn(network string, s backend.Socket) *Conn {
	return &Conn{
		sock:    s,
		st:      s.Stream(),
		network: network,
		laddr:   toNetAddr(kindStream, s.LocalAddr()),
		raddr:   toNetAddr(kindStream, s.RemoteAddr()),
	}
}

// Read reads received bytes. It returns io.EOF after the peer's orderly
// close once everything it sent has been read.
func (c *Conn) Read(p []byte) (int, error) {
	if c.closed.Load() {
		return 0, c.err("read", net.ErrClosed)
	}
	n, err := c.st.In.Read(p)
	if err != nil && err != io.EOF {
		err = c.err("read", err)
	}
	return n, err
}

// Write queues p for sending, blocking while the send buffer is full.
func (c *Conn) Write(p []byte) (int, error) {
	if c.closed.Load() {
		return 0, c.err("write", net.ErrClosed)
	}
	n, err := c.st.Out.Write(p)
	if err != nil {
		return n, c.err("write", err)
	}
	return n, nil
}

// ReadFrom copies from r into the send buffer until r returns io.EOF.
func (c *Conn) ReadFrom(r io.Reader) (int64, error) {
	if c.closed.Load() {
		return 0, c.err("readfrom", net.ErrClosed)
	}
	n, err := c.st.Out.ReadFrom(r)
	return n, c.err("readfrom", err)
}

// WriteTo copies received bytes to w until the peer's orderly close.
func (c *Conn) WriteTo(w io.Writer) (int64, error) {
	if c.closed.Load() {
		return 0, c.err("writeto", net.ErrClosed)
	}
	n, err := c.st.In.WriteTo(w)
	return n, c.err("writeto", err)
}

// Close closes the connection. Bytes already written are still delivered
// by backends that can (the peer reads them, then io.EOF); blocked Read
// and Write calls return net.ErrClosed. A second Close returns an error
// wrapping net.ErrClosed.
func (c *Conn) Close() error {
	first := false
	c.closeOnce.Do(func() {
		first = true
		c.closed.Store(true)
		c.st.Out.CloseWrite(net.ErrClosed)
		c.st.In.CloseRead(net.ErrClosed, syscall.ECONNRESET)
	})
	if !first {
		return c.err("close", net.ErrClosed)
	}
	return c.err("close", c.sock.Close())
}

// CloseWrite shuts down the sending side: the peer reads io.EOF after the
// bytes already written, and later Writes fail with EPIPE. Backends
// without half-close return an error satisfying
// errors.Is(err, errors.ErrUnsupported).
func (c *Conn) CloseWrite() error {
	if c.closed.Load() {
		return c.err("close", net.ErrClosed)
	}
	if hc, ok := c.sock.(backend.HalfCloser); ok {
		if err := hc.CloseWrite(); err != nil {
			return c.err("close", err)
		}
	}
	c.st.Out.CloseWrite(syscall.EPIPE)
	return nil
}

// CloseRead shuts down the receiving side: Read returns io.EOF and bytes
// that arrive later are discarded.
func (c *Conn) CloseRead() error {
	if c.closed.Load() {
		return c.err("close", net.ErrClosed)
	}
	c.st.In.CloseRead(io.EOF, nil)
	return nil
}

// LocalAddr returns the local address, a *net.TCPAddr.
func (c *Conn) LocalAddr() net.Addr { return c.laddr }

// RemoteAddr returns the peer's address, a *net.TCPAddr.
func (c *Conn) RemoteAddr() net.Addr { return c.raddr }

// SetDeadline sets both the read and the write deadline.
func (c *Conn) SetDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.err("set", net.ErrClosed)
	}
	c.st.In.SetReadDeadline(t)
	c.st.Out.SetWriteDeadline(t)
	return nil
}

// SetReadDeadline sets the deadline for Read and WriteTo; zero disarms it.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.err("set", net.ErrClosed)
	}
	c.st.In.SetReadDeadline(t)
	return nil
}

// SetWriteDeadline sets the deadline for Write and ReadFrom; zero disarms it.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.err("set", net.ErrClosed)
	}
	c.st.Out.SetWriteDeadline(t)
	return nil
}

func (c *Conn) err(op string, err error) error {
	return opError(op, c.network, c.laddr, c.raddr, err)
}

var (
	_ net.Conn      = (*Conn)(nil)
	_ io.ReaderFrom = (*Conn)(nil)
	_ io.WriterTo   = (*Conn)(nil)
)
