package yamux

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	hyamux "github.com/hashicorp/yamux"
)

// clientSession is one live link of a Backend: the yamux session, its
// control stream and the registry of its streams.
type clientSession struct {
	b *Backend
	muxSession
	ctl *control

	finAck bool // the gateway acknowledges FINs (PROTOCOL.md §5)

	mu        sync.Mutex
	listeners map[uint32]*listener // by the id of their LISTEN stream
	conns     map[*streamConn]bool // connected streams, for Shutdown
}

// connect runs the handshake on link and starts a session over it. The
// link is closed on failure or when ctx ends first.
func (b *Backend) connect(ctx context.Context, link io.ReadWriteCloser) (*clientSession, error) {
	flags, err := b.handshake(ctx, link)
	if err != nil {
		link.Close()
		return nil, err
	}
	s := &clientSession{b: b, muxSession: muxSession{reg: newRegistry(false)}, finAck: flags&flagFinAck != 0,
		listeners: make(map[uint32]*listener), conns: make(map[*streamConn]bool)}
	fl := newFrameLink(link, s.fail)
	s.link = fl
	mux, err := hyamux.Client(fl, b.cfg.yamuxConfig(b.log))
	if err != nil {
		link.Close()
		return nil, err
	}
	s.mux = mux
	if err := s.openControl(ctx); err != nil {
		s.end()
		return nil, err
	}
	b.wg.Add(2)
	go s.runControl()
	go s.acceptLoop()
	b.cfg.startKeepalive(mux, fl, s.end, &b.wg, b.log)
	s.startCompact(&b.wg)
	return s, nil
}

// handshake authenticates link, bounded by HandshakeTimeout and ctx, and
// returns the flags of the gateway's hello.
func (b *Backend) handshake(ctx context.Context, link io.ReadWriteCloser) (uint8, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.HandshakeTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { link.Close() })
	flags, err := clientHandshake(link, b.cfg.PSK)
	if !stop() {
		if err == nil {
			err = syscall.ETIMEDOUT
		}
		if ctx.Err() == context.DeadlineExceeded {
			err = &wrapErr{"yamux: handshake timed out", syscall.ETIMEDOUT}
		}
	}
	return flags, err
}

// openControl opens the control stream, the session's first.
func (s *clientSession) openControl(ctx context.Context) error {
	st, err := s.mux.OpenStream()
	if err != nil {
		return err
	}
	e := s.reg.add(st)
	if _, err := s.roundTrip(ctx, e, request{op: opControl}, nil); err != nil {
		return err
	}
	s.ctl = newControl(st)
	return nil
}

// runControl applies the gateway's resets until the session ends. The
// gateway never closes the control stream of a live session, so its end
// ends the session.
func (s *clientSession) runControl() {
	defer s.b.wg.Done()
	s.ctl.run(s.reg)
	s.end()
}

// open opens a request stream and registers it.
func (s *clientSession) open() (*entry, error) {
	st, err := s.mux.OpenStream()
	if err != nil {
		return nil, linkErr(err)
	}
	return s.reg.add(st), nil
}

// linkErr is what a request on a dead or failing link reports.
func linkErr(err error) error {
	if err == hyamux.ErrSessionShutdown || err == hyamux.ErrConnectionWriteTimeout {
		return syscall.ECONNRESET
	}
	return err
}

// call opens a request stream, sends req and reads the reply, in a
// goroutine of its own: yamux's stream open and stream writes wait for
// the link (up to WriteTimeout) whatever the caller's context, so on a
// busy or stalled link the caller returns as soon as ctx ends or cancel
// closes, and the goroutine finishes the request alone (roundTrip sees
// the same ctx and cancel, and resets the stream). pending, if not nil,
// is told the stream before the request goes out. With keep false the
// stream is closed once the reply is read (a one-shot request), and the
// caller gets no entry.
func (s *clientSession) call(ctx context.Context, req request, cancel <-chan struct{}, pending func(*entry), keep bool) (*entry, reply, error) {
	type result struct {
		e   *entry
		rep reply
		err error
	}
	const (
		waiting = iota
		left    // the caller returned without the result
		handed  // the result is in done
	)
	var state atomic.Int32
	done := make(chan result, 1)
	s.b.wg.Add(1)
	go func() {
		defer s.b.wg.Done()
		var r result
		switch r.e, r.err = s.open(); {
		case r.err != nil:
		case state.Load() == left:
			// The caller left while the stream opened: the request
			// need not go out.
			r.e.abort(syscall.ECONNRESET)
			s.reg.remove(r.e)
			return
		default:
			if pending != nil {
				pending(r.e)
			}
			r.rep, r.err = s.roundTrip(ctx, r.e, req, cancel)
		}
		e := r.e
		if !keep {
			r.e = nil
		}
		given := state.CompareAndSwap(waiting, handed)
		if given {
			done <- r
		}
		switch {
		case r.err != nil: // roundTrip undid the request
		case !keep: // a one-shot request is done with its stream
			e.st.Close()
			s.reg.remove(e)
		case !given:
			// The reply came as the caller left: nobody will use what
			// the gateway made.
			s.reset(e, syscall.ECONNRESET)
			s.reg.remove(e)
		}
	}()
	select {
	case r := <-done:
		return r.e, r.rep, r.err
	case <-ctx.Done():
	case <-cancel:
	}
	if !state.CompareAndSwap(waiting, left) {
		r := <-done
		return r.e, r.rep, r.err
	}
	select {
	case <-cancel:
		return nil, reply{}, net.ErrClosed
	default:
		return nil, reply{}, ctx.Err()
	}
}

// reset aborts e locally and asks the gateway to abort its end.
func (s *clientSession) reset(e *entry, err error) {
	if e.aborted() == nil && s.alive() && s.ctl != nil {
		s.ctl.sendReset(e.id, stReset)
	}
	e.abort(err)
}

// roundTrip sends req on e's stream and waits for the reply, bounded by
// ctx, OpenTimeout and cancel (closed when the socket is closed). On
// failure the stream is reset and removed.
func (s *clientSession) roundTrip(ctx context.Context, e *entry, req request, cancel <-chan struct{}) (reply, error) {
	rep, err := s.exchange(ctx, e, req, cancel)
	if err == nil && ctx.Err() != nil && rep.status == stOK {
		err = ctx.Err() // the context ended as the reply came: the request failed
	}
	if err == nil {
		err = statusError(rep.status)
		if cerr := ctx.Err(); err != nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			e.st.Close()
			s.reg.remove(e)
		}
		return rep, err
	}
	s.reset(e, syscall.ECONNRESET)
	s.reg.remove(e)
	return rep, err
}

// dialGrace is added to the timeout the gateway gets for a dial.
const dialGrace = 20 * time.Millisecond

// exchange writes req and reads the reply with the stream's read
// deadline armed by ctx and OpenTimeout. Whoever closes cancel must then
// set a past read deadline on e's stream (socket.Close does).
func (s *clientSession) exchange(ctx context.Context, e *entry, req request, cancel <-chan struct{}) (reply, error) {
	// The read deadline is OpenTimeout's; ctx acts through AfterFunc, so
	// that its expiry reports as ctx.Err().
	deadline := time.Now().Add(s.b.cfg.OpenTimeout)
	e.setReadDeadline(deadline)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	select {
	case <-cancel: // closed before the deadline was armed (socket.Close)
		e.st.SetReadDeadline(pastTime)
	default:
	}
	stop := context.AfterFunc(ctx, func() { e.st.SetReadDeadline(pastTime) })
	defer stop()
	if req.op == opDial {
		// The gateway's dial gets a little longer than ours, so that a
		// deadline reports as this side's context error, not ETIMEDOUT.
		req.arg = uint32(max(time.Until(deadline)+dialGrace, 0)/time.Millisecond) + 1
	}
	if _, err := e.st.Write(appendRequest(nil, req)); err != nil {
		return reply{}, s.requestErr(ctx, e, cancel, err)
	}
	rep, err := readReply(e.st)
	if err != nil {
		return reply{}, s.requestErr(ctx, e, cancel, err)
	}
	e.setReadDeadline(time.Time{})
	return rep, nil
}

// requestErr explains why a request failed: the socket was closed, the
// context ended, the gateway reset the stream, the link died, or the
// reply did not come in time.
func (s *clientSession) requestErr(ctx context.Context, e *entry, cancel <-chan struct{}, err error) error {
	select {
	case <-cancel:
		return net.ErrClosed
	default:
	}
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if aerr := e.aborted(); aerr != nil {
		return aerr
	}
	if !s.alive() {
		return syscall.ECONNRESET
	}
	if err == hyamux.ErrTimeout {
		return syscall.ETIMEDOUT
	}
	if err == errBadRequest {
		return syscall.EPROTO
	}
	return syscall.ECONNRESET
}
