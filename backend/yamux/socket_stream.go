package yamux

import (
	"context"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"

	hyamux "github.com/hashicorp/yamux"
	"github.com/netoffload/offload/backend"
)

// Frame size caps of the send pumps (see pacer for how frames are sized
// below them). Large frames cost less per byte (a yamux frame costs
// several µs of hand-offs); on kernel socket links, though, 32 KiB writes
// keep sender and receiver better in step. (64 KiB frames there ran about
// 13 % faster on TCP 127.0.0.1 in most runs, but one run in five or so
// fell to half, with the kernel waking the receiver for each segment;
// 32 KiB frames ran steadily.)
const (
	maxFrame       = 128 << 10
	maxSocketFrame = 32 << 10
)

// frameLimit picks the largest data frame for a link.
func frameLimit(l *frameLink) int {
	if l.writev {
		return maxSocketFrame
	}
	return maxFrame
}

// dialStream asks the gateway to dial remote and starts the pumps.
func (s *socket) dialStream(ctx context.Context, remote netip.AddrPort) (*streamConn, error) {
	req := request{op: opDial, network: s.netc, payload: []byte(remote.String())}
	sess, e, local, remote, err := s.requestAddrs(ctx, req)
	if err != nil {
		return nil, err
	}
	return startStream(sess, e, s.opts, local, remote), nil
}

// streamConn moves a connected stream socket's bytes: the send pump drains
// Out into the yamux stream, the receive pump fills In from it. Small
// application writes pile up in Out while a frame is on its way, so the
// next frame carries all of them.
type streamConn struct {
	s             *clientSession
	e             *entry
	bufs          *backend.Stream
	local, remote netip.AddrPort

	dst     frameWriter
	src     streamSource
	closed  atomic.Bool  // the application closed the socket
	ending  atomic.Bool  // the application closed Out (Close or CloseWrite)
	idle    atomic.Bool  // the send pump waits for bytes, Out empty
	settled atomic.Bool  // nothing left to linger for (see settle)
	left    atomic.Int32 // send pump, receive pump, settling: the entry lives while > 0
}

// startStream wires a connected stream to new buffers and starts pumps.
func startStream(s *clientSession, e *entry, opts backend.Options, local, remote netip.AddrPort) *streamConn {
	c := &streamConn{s: s, e: e, bufs: backend.NewStream(opts), local: local, remote: remote}
	// Send-buffer blocks as large as a frame: each frame is one span.
	c.bufs.Out.SetBlockLimit(s.link.pace.largest())
	c.dst.st, c.dst.pace, c.src.st = e.st, &s.link.pace, e.st
	c.left.Store(3)
	s.track(c)
	e.setOnAck(c.settle)
	if err := e.attach(c.abort); err != nil {
		c.abort(err)
	}
	s.b.wg.Add(2)
	go c.sendPump()
	go c.recvPump()
	return c
}

// abort fails both buffers: blocked application calls return err.
func (c *streamConn) abort(err error) {
	c.bufs.In.Abort(err)
	c.bufs.Out.Abort(err)
	c.settle()
}

// close is the socket's Close: refuse more input, and linger: the send
// pump still flushes Out, then sends FIN (see socket_linger.go).
func (c *streamConn) close() {
	c.ending.Store(true)
	c.closed.Store(true)
	c.bufs.Out.CloseWrite(net.ErrClosed)
	c.bufs.In.CloseRead(net.ErrClosed, syscall.ECONNRESET)
}

// sendPump drains Out into the stream; at Out's end it half-closes the
// stream (yamux FIN), which the far end reads as EOF.
func (c *streamConn) sendPump() {
	defer c.pumpDone()
	err := c.send()
	if err == io.EOF {
		c.e.st.Close()
		if !c.s.finAck {
			c.settle() // an older gateway: the FIN is as far as we can follow
		}
		return
	}
	if c.e.aborted() == nil {
		c.s.b.log.Debug("send pump failed", "stream", c.e.id, "err", err)
		c.s.reset(c.e, syscall.ECONNRESET)
	}
}

// send writes Out's bytes as frames until Out ends (io.EOF) or a write
// fails. Each span goes straight from the ring to yamux, in frames no
// larger than the link's pacer allows: Out's blocks grow to the link's
// largest frame (startStream) and start at multiples of their size, so on
// a busy stream the spans fill whole frames without gathering pieces into
// a copy.
func (c *streamConn) send() error {
	out := c.bufs.Out
	for {
		span, err := out.TryPeek()
		if err == nil && len(span) == 0 {
			span, err = c.waitOut()
		}
		if err != nil {
			return err
		}
		n, err := c.dst.Write(span)
		out.Discard(n)
		if err != nil {
			return err
		}
	}
}

// recvPump fills In from the stream until the far end's FIN (In then
// ends with io.EOF after the buffered bytes), a failure (reset), or the
// application shutting its read side (drain).
func (c *streamConn) recvPump() {
	defer c.pumpDone()
	err := c.receive()
	switch {
	case c.e.aborted() != nil:
	case c.src.err != nil, err == nil && !c.s.alive():
		// yamux reports a dead session as EOF: not an orderly end.
		c.s.b.log.Debug("receive pump failed", "stream", c.e.id, "err", c.src.err)
		c.s.reset(c.e, syscall.ECONNRESET)
	case err == nil:
		// A RESET from the gateway is ahead of its FIN on the link, but
		// another goroutine applies it: let it, so that the application
		// reads the reset, not an orderly end.
		c.s.ctl.caughtUp()
		if c.e.aborted() == nil {
			c.bufs.In.CloseWrite(nil)
		}
	default:
		c.drain()
	}
}

// receive fills In from the stream until the stream ends (nil), fails, or
// In refuses more bytes (In's error), through ReadFrom. The pump waits
// for bytes outside ReadFrom (readySource.wait), so it never waits with a
// block of In lent to a read, and In, empty with its reader waiting, can
// hand that block back (idle conns hold no receive memory but the
// readySource's head).
func (c *streamConn) receive() error {
	src := readySource{s: &c.src}
	for {
		if err := src.wait(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if _, err := c.bufs.In.ReadFrom(&src); err != nil || src.eof {
			return err
		}
	}
}

// readySource reads the stream for ReadFrom one read at a time: wait
// returns once the stream holds bytes, and the one read after it returns
// at once (ring.ReadySource), so ReadFrom never waits inside it; ReadFrom
// then returns, and the caller waits again. eof tells the stream's end
// from the end of a read.
//
// How wait waits depends on the last read. After a short one (less than
// waitRead bytes: messages, not a bulk transfer) it reads into head, a
// few hundred bytes of its own, so a short message takes one yamux read
// and ReadFrom copies it from head. After a long one it waits with a
// zero-length read, and ReadFrom's read then goes straight into the
// ring. Either way no ring memory is lent to a read that may wait.
type readySource struct {
	s      *streamSource
	ready  bool // the next Read will not block: head holds bytes, or the stream does
	eof    bool // the stream ended
	long   bool // the last read took waitRead bytes or more
	hr, hw int  // head[hr:hw] is still to be read
	head   [waitRead]byte
}

// waitRead is the size of a readySource's head.
const waitRead = 256

// wait blocks until the stream holds bytes or ends.
func (r *readySource) wait() error {
	if r.hr < r.hw {
		r.ready = true
		return nil
	}
	if r.long {
		// A zero-length yamux read returns once bytes are there, or at
		// the end.
		if _, err := r.s.Read(nil); err != nil {
			r.eof = err == io.EOF
			return err
		}
		r.ready = true
		return nil
	}
	n, err := r.s.Read(r.head[:])
	if n == 0 && err != nil {
		r.eof = err == io.EOF
		return err
	}
	r.hr, r.hw, r.long, r.ready = 0, n, n == len(r.head), n > 0
	return nil
}

func (r *readySource) Read(p []byte) (int, error) {
	if r.hr < r.hw {
		n := copy(p, r.head[r.hr:r.hw])
		r.hr += n
		r.ready = r.hr < r.hw
		return n, nil
	}
	r.ready = false
	n, err := r.s.Read(p)
	r.eof = err == io.EOF
	r.long = n >= waitRead
	return n, err
}

func (r *readySource) ReadReady() bool { return r.ready }

// drain discards what arrives after the application shut its read side.
// Bytes arriving after a full Close reset the stream, as TCP answers
// data for a closed socket with RST.
func (c *streamConn) drain() {
	buf := getBuf()
	defer putBuf(buf)
	for {
		n, err := c.e.st.Read(*buf)
		if n > 0 && c.closed.Load() {
			c.s.reset(c.e, syscall.ECONNRESET)
			return
		}
		if err == io.EOF && c.s.alive() {
			return
		}
		if err != nil {
			if c.e.aborted() == nil {
				c.s.reset(c.e, syscall.ECONNRESET)
			}
			return
		}
	}
}

// pumpDone is the end of a pump goroutine.
func (c *streamConn) pumpDone() {
	c.release()
	c.s.b.wg.Done()
}

// frameWriter writes to a yamux stream in frames no larger than its
// link's pacer allows.
type frameWriter struct {
	st   *hyamux.Stream
	pace *pacer
}

func (w *frameWriter) Write(p []byte) (int, error) { return writeFrames(w.st, w.pace, p) }

// writeFrames writes p to st in frames no larger than pace allows.
func writeFrames(st *hyamux.Stream, pace *pacer, p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		n := min(len(p), pace.frameMax())
		m, err := st.Write(p[:n])
		total += m
		if err != nil {
			return total, err
		}
		p = p[n:]
	}
	return total, nil
}

// streamSource reads a yamux stream and remembers its failure, so the
// pump can tell a stream error from its ring refusing more bytes.
type streamSource struct {
	st  *hyamux.Stream
	err error
}

func (r *streamSource) Read(p []byte) (int, error) {
	n, err := r.st.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// bufPool holds copy buffers for drains and the gateway's proxies.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

func getBuf() *[]byte  { return bufPool.Get().(*[]byte) }
func putBuf(b *[]byte) { bufPool.Put(b) }
