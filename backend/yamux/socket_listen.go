package yamux

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/netoffload/offload/backend"
)

// The listen stream stays open for the listener's life: the device closes
// it to stop listening, the gateway closes it (after an optional status
// reply) when its listener fails. Each accepted connection arrives as a
// new stream from the gateway that starts with an ACCEPT header.

// openListener asks the gateway to listen on the socket's bound address.
func (s *socket) openListener(ctx context.Context, backlog int) (*listener, error) {
	s.mu.Lock()
	local := s.local
	s.mu.Unlock()
	if backlog <= 0 {
		backlog = 128
	}
	req := request{op: opListen, network: s.netc, arg: uint32(backlog), payload: []byte(hostPortString(local))}
	sess, e, bound, _, err := s.requestAddrs(ctx, req)
	if err != nil {
		return nil, err
	}
	return startListener(sess, e, s.opts, bound, backlog), nil
}

// listener is a device-side listening socket's engine.
type listener struct {
	s       *clientSession
	e       *entry
	opts    backend.Options // of accepted sockets
	local   netip.AddrPort
	queue   chan *socket  // accepted, not yet returned by Accept
	done    chan struct{} // closed when the listener stops
	watched chan struct{} // closed when the gateway has closed its end

	mu  sync.Mutex
	err error // why the listener stopped; set once, with done closed
}

func startListener(s *clientSession, e *entry, opts backend.Options, local netip.AddrPort, backlog int) *listener {
	l := &listener{s: s, e: e, opts: opts, local: local, queue: make(chan *socket, backlog), done: make(chan struct{}), watched: make(chan struct{})}
	s.mu.Lock()
	s.listeners[e.id] = l
	s.mu.Unlock()
	if err := e.attach(l.fail); err != nil {
		l.fail(err)
	}
	s.b.wg.Add(1)
	go l.watch()
	return l
}

// watch waits for the gateway to end the listen stream.
func (l *listener) watch() {
	defer l.s.b.wg.Done()
	defer close(l.watched)
	rep, err := readReply(l.e.st)
	switch {
	case err == nil:
		l.fail(statusError(rep.status))
	case !l.s.alive():
		l.fail(syscall.ECONNRESET)
	default:
		l.fail(syscall.ECONNRESET) // no effect after close: err is set
	}
	l.e.st.Close()
	l.s.mu.Lock()
	delete(l.s.listeners, l.e.id)
	l.s.mu.Unlock()
	l.s.reg.remove(l.e)
}

// fail stops the listener with err and resets queued connections.
func (l *listener) fail(err error) {
	if err == nil {
		err = syscall.ECONNRESET
	}
	l.mu.Lock()
	first := l.err == nil
	if first {
		l.err = err
		close(l.done)
	}
	l.mu.Unlock()
	if !first {
		return
	}
	for {
		select {
		case sk := <-l.queue:
			sk.resetAccepted()
		default:
			return
		}
	}
}

// close is the socket's Close: stop, and tell the gateway with a FIN.
// Like close(2) on a listening socket it returns once the port is closed
// (the gateway answers with its own FIN after closing its listener), so
// a dial right after is refused.
func (l *listener) close() {
	l.fail(net.ErrClosed)
	l.e.st.Close()
	l.s.awaitClosed(l.watched)
}

// deliver queues an accepted socket, or resets it if the queue is full
// or the listener stopped.
func (l *listener) deliver(sk *socket) {
	l.mu.Lock()
	ok := l.err == nil
	if ok {
		select {
		case l.queue <- sk:
		default:
			ok = false
		}
	}
	l.mu.Unlock()
	if !ok {
		sk.resetAccepted()
	}
}

// accept waits for a connection, ctx, the listener's end or closeCh.
func (l *listener) accept(ctx context.Context, closeCh <-chan struct{}) (backend.Socket, error) {
	select {
	case sk := <-l.queue:
		return sk, nil
	default:
	}
	select {
	case sk := <-l.queue:
		return sk, nil
	case <-l.done:
		l.mu.Lock()
		defer l.mu.Unlock()
		return nil, l.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-closeCh:
		return nil, net.ErrClosed
	}
}

// awaitClosed waits for the gateway to confirm a close, at most
// OpenTimeout (the link dying ends the wait too).
func (s *clientSession) awaitClosed(ch <-chan struct{}) {
	t := time.NewTimer(s.b.cfg.OpenTimeout)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
}

// resetAccepted drops a connection nobody accepted.
func (s *socket) resetAccepted() {
	s.mu.Lock()
	c := s.conn
	s.closed = true
	s.mu.Unlock()
	c.s.reset(c.e, syscall.ECONNRESET)
}

// acceptLoop takes the streams the gateway opens (one per connection its
// listeners accept) until the session ends.
func (s *clientSession) acceptLoop() {
	defer s.b.wg.Done()
	for {
		st, err := s.mux.AcceptStream()
		if err != nil {
			return
		}
		e := s.reg.add(st)
		s.b.wg.Add(1)
		go s.incoming(e)
	}
}

// incoming reads an ACCEPT header and hands the connection to its
// listener, already pumping.
func (s *clientSession) incoming(e *entry) {
	defer s.b.wg.Done()
	e.setReadDeadline(time.Now().Add(s.b.cfg.OpenTimeout))
	req, err := readRequest(e.st, DefaultMaxHeader)
	if err != nil || req.op != opAccept {
		s.b.log.Debug("bad stream from gateway", "id", e.id, "err", err)
		s.reset(e, syscall.EPROTO)
		s.reg.remove(e)
		return
	}
	e.setReadDeadline(time.Time{})
	s.mu.Lock()
	l := s.listeners[req.arg]
	s.mu.Unlock()
	if l == nil {
		s.reset(e, syscall.ECONNRESET)
		s.reg.remove(e)
		return
	}
	addrs, _ := decodeAddrs(req.payload) // validated by readRequest
	sk := &socket{b: s.b, netc: req.network, opts: l.opts, closeCh: make(chan struct{}), state: stateConnected}
	sk.conn = startStream(s, e, l.opts, addrs[0], addrs[1])
	sk.local, sk.remote = addrs[0], addrs[1]
	l.deliver(sk)
}
