package yamux

import (
	"io"
	"net"
	"sync/atomic"
)

// proxy carries one gateway-side connection over a stream: up copies
// stream → conn, down copies conn → stream. An end of stream half-closes
// the other side (CloseWrite on the conn, FIN on the stream); a failure
// resets both (RST-like close of the conn, a reset message to the device).
//
// Once up has passed the device's FIN on (and acknowledged it with
// FINACK), the conn holds everything the device sent: a link lost after
// that closes the conn gracefully, so its peer still reads every byte and
// then EOF, as after a kernel socket's close.
type proxy struct {
	s       *gwSession
	e       *entry
	c       net.Conn
	closing atomic.Bool // c was closed for want of CloseWrite
	upDone  atomic.Bool // up passed the device's FIN on
}

// proxy runs until both directions have ended, then closes c.
func (s *gwSession) proxy(e *entry, c net.Conn) {
	p := &proxy{s: s, e: e, c: c}
	if e.attach(p.kill) != nil {
		p.kill(nil)
		return
	}
	done := make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(done)
		p.up()
	}()
	p.down()
	<-done
	c.Close() // after kill, if the stream was aborted (entry.stop)
}

// kill closes the conn at once; TCP peers see a reset. If the link died
// after up finished, the conn is closed gracefully instead (see proxy).
func (p *proxy) kill(error) {
	if p.upDone.Load() && !p.s.alive() {
		p.c.Close()
		return
	}
	if tc, ok := p.c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	p.c.Close()
}

// up copies what the device sends to the conn.
func (p *proxy) up() {
	rerr, werr := p.copyUp()
	switch {
	case werr != nil:
		p.fail(statusOf(werr), werr)
	case rerr == io.EOF && p.s.alive():
		// A RESET from the device is ahead of its FIN on the link, but
		// another goroutine applies it: let it, and pass on no FIN after
		// one (the abort reset the conn already).
		if ctl := p.s.control(); ctl != nil {
			ctl.caughtUp()
		}
		if p.e.aborted() != nil {
			return
		}
		p.closeWrite()
		p.upDone.Store(true)
		p.s.finAcked(p.e)
	default:
		p.fail(stReset, rerr)
	}
}

// copyUp moves the stream's bytes to the conn until the stream ends
// (rerr, io.EOF at the device's FIN) or the conn refuses them (werr). A
// conn that fills itself from a reader (io.ReaderFrom, as offload conns
// do) takes the bytes straight into its send buffer, sparing a copy, one
// read at a time as the device's receive pump does (receive), so it does
// not hold that buffer while it waits for the device.
// Kernel sockets gain nothing from that and use the pooled buffer.
func (p *proxy) copyUp() (rerr, werr error) {
	if rf, ok := p.c.(io.ReaderFrom); ok && !kernelConn(p.c) {
		st := streamSource{st: p.e.st}
		src := readySource{s: &st}
		for {
			if err := src.wait(); err != nil {
				return err, nil
			}
			_, err := rf.ReadFrom(&src)
			switch {
			case st.err != nil:
				return st.err, nil
			case err != nil:
				return nil, err
			case src.eof:
				return io.EOF, nil
			}
		}
	}
	buf := getBuf()
	defer putBuf(buf)
	for {
		n, err := p.e.st.Read(*buf)
		if n > 0 {
			if _, werr := p.c.Write((*buf)[:n]); werr != nil {
				return nil, werr
			}
		}
		if err != nil {
			return err, nil
		}
	}
}

// kernelConn reports whether c is a kernel socket.
func kernelConn(c net.Conn) bool {
	switch c.(type) {
	case *net.TCPConn, *net.UnixConn:
		return true
	}
	return false
}

// down copies what the conn receives to the device.
func (p *proxy) down() {
	rerr, werr := p.copyDown()
	switch {
	case werr != nil:
		p.fail(stReset, werr)
	case rerr == io.EOF, rerr != nil && p.closing.Load():
		p.e.fin() // not after an abort, whose kill may read here as EOF
	default:
		p.fail(statusOf(rerr), rerr)
	}
}

// copyDown moves the conn's bytes to the stream until the conn ends
// (rerr, io.EOF after its peer's orderly close) or the stream refuses
// them (werr). A conn that drains itself into a writer (io.WriterTo, as
// offload conns do) hands its buffered bytes to the stream directly.
func (p *proxy) copyDown() (rerr, werr error) {
	st := &frameWriter{st: p.e.st, pace: &p.s.link.pace}
	if wt, ok := p.c.(io.WriterTo); ok && !kernelConn(p.c) {
		dst := &sinkWriter{w: st}
		_, err := wt.WriteTo(dst)
		switch {
		case dst.err != nil:
			return nil, dst.err
		case err == nil:
			return io.EOF, nil
		}
		return err, nil
	}
	buf := getBuf()
	defer putBuf(buf)
	for {
		n, err := p.c.Read(*buf)
		if n > 0 {
			if _, werr := st.Write((*buf)[:n]); werr != nil {
				return nil, werr
			}
		}
		if err != nil {
			return err, nil
		}
	}
}

// sinkWriter remembers the error its writer returned, so that a
// WriteTo's error can be told apart from the destination's.
type sinkWriter struct {
	w   io.Writer
	err error
}

func (s *sinkWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil {
		s.err = err
	}
	return n, err
}

// fail resets the stream (and so the conn, through the hook) unless it
// was aborted already.
func (p *proxy) fail(status uint8, err error) {
	if p.e.aborted() == nil {
		p.s.log.Debug("proxy failed", "stream", p.e.id, "err", err)
		if status == stOK || status == stFailed {
			status = stReset
		}
		p.s.reset(p.e, status)
	}
}

// closeWrite passes the device's FIN on. A conn without CloseWrite is
// closed instead, which ends the other direction too.
func (p *proxy) closeWrite() {
	if cw, ok := p.c.(interface{ CloseWrite() error }); ok {
		if cw.CloseWrite() == nil {
			return
		}
	}
	p.closing.Store(true)
	p.c.Close()
}
