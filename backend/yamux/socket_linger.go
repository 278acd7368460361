package yamux

import (
	"net"
	"syscall"
)

// Lingering. A stream socket the application closes (or half-closes)
// keeps its send pump: the pump flushes Out into the stream, then sends
// FIN, as a kernel socket keeps sending after close(2). Only a reset (the
// gateway's, a failed write, data arriving after Close) or the link's end
// (Backend.Close) cuts it short.
//
// Backend.Shutdown waits for lingering streams to settle. A stream is
// settled when there is nothing more to wait for: the gateway has
// acknowledged its FIN (FINACK: its bytes are written to the gateway's
// conn and that conn half-closed, so the link may go), the FIN left for a
// gateway that sends no FINACKs, or the stream failed. A stream the
// application still has open counts as quiet while its send pump waits
// with Out empty.

// CloseWrite is the application's half-close (backend.HalfCloser). It
// marks the stream as ending, so that Shutdown waits for its FIN; the
// caller then closes Out, whose end the send pump turns into FIN.
func (s *socket) CloseWrite() error {
	s.mu.Lock()
	c, closed := s.conn, s.closed
	s.mu.Unlock()
	switch {
	case closed:
		return net.ErrClosed
	case c == nil:
		return syscall.ENOTCONN
	}
	c.ending.Store(true)
	return nil
}

// waitOut is the send pump's wait for bytes: it shows the pump idle while
// Out is empty, telling a draining Backend.
func (c *streamConn) waitOut() ([]byte, error) {
	c.idle.Store(true)
	if c.s.b.draining.Load() {
		c.s.b.kickDrain()
	}
	span, err := c.bufs.Out.Peek()
	c.idle.Store(false)
	return span, err
}

// quiet reports whether Shutdown may close the link under this stream:
// it has settled, or it is open with nothing to send.
func (c *streamConn) quiet() bool {
	if c.settled.Load() {
		return true
	}
	return c.idle.Load() && !c.ending.Load() && c.bufs.Out.Buffered() == 0
}

// settle ends the lingering: on the gateway's FINACK, after the FIN to a
// gateway without FINACKs, or on abort. Only the first call acts.
func (c *streamConn) settle() {
	if c.settled.CompareAndSwap(false, true) {
		c.s.b.kickDrain()
		c.release()
	}
}

// release drops one of the stream's three holds (two pumps, settling);
// the last forgets the stream. The entry stays registered until the
// stream has settled, so a FINACK that comes after the gateway's FIN still
// finds it.
func (c *streamConn) release() {
	if c.left.Add(-1) == 0 {
		c.s.reg.remove(c.e)
		c.s.untrack(c)
	}
}

// track and untrack keep the session's set of connected streams.
func (s *clientSession) track(c *streamConn) {
	s.mu.Lock()
	s.conns[c] = true
	s.mu.Unlock()
}

func (s *clientSession) untrack(c *streamConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// quiet reports whether every stream of the session is quiet.
func (s *clientSession) quiet() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if !c.quiet() {
			return false
		}
	}
	return true
}
