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
	c.Close()
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
	buf := getBuf()
	defer putBuf(buf)
	for {
		n, err := p.e.st.Read(*buf)
		if n > 0 {
			if _, werr := p.c.Write((*buf)[:n]); werr != nil {
				p.fail(statusOf(werr), werr)
				return
			}
		}
		switch {
		case err == io.EOF && p.s.alive():
			p.closeWrite()
			p.upDone.Store(true)
			p.s.finAcked(p.e)
			return
		case err != nil:
			p.fail(stReset, err)
			return
		}
	}
}

// down copies what the conn receives to the device.
func (p *proxy) down() {
	buf := getBuf()
	defer putBuf(buf)
	for {
		n, err := p.c.Read(*buf)
		if n > 0 {
			if _, werr := p.e.st.Write((*buf)[:n]); werr != nil {
				p.fail(stReset, werr)
				return
			}
		}
		switch {
		case err == io.EOF, err != nil && p.closing.Load():
			p.e.st.Close()
			return
		case err != nil:
			p.fail(statusOf(err), err)
			return
		}
	}
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
