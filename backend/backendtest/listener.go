package backendtest

import (
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// listenerDeadline is the SetDeadline of *net.TCPListener, which every
// offload Listener has.
type listenerDeadline interface{ SetDeadline(time.Time) error }

// aLongTimeAgo is a deadline already passed.
var aLongTimeAgo = time.Unix(1, 0)

// shortWait is how far in the future a deadline is set to unblock a call
// already waiting. Only its passing matters, never how long it took.
const shortWait = 20 * time.Millisecond

// letRun gives goroutines just started a chance to reach their blocking
// call. It is not synchronisation: tests using it pass whichever of the
// two orders happens.
func letRun() {
	for range 10 {
		runtime.Gosched()
	}
}

func (s *suite) listener(t *testing.T) {
	t.Run("AcceptBlocksUntilDial", s.acceptBlocksUntilDial)
	t.Run("CloseUnblocksAccept", s.closeUnblocksAccept)
	t.Run("DeadlinePast", s.listenerDeadlinePast)
	t.Run("DeadlineUnblocksAccept", s.listenerDeadlineUnblocks)
	t.Run("DeadlineZeroDisarms", s.listenerDeadlineZero)
	t.Run("Addr", s.listenerAddr)
	t.Run("DialClosedRefused", s.dialClosedRefused)
	t.Run("ListenTwiceInUse", s.listenTwiceInUse)
}

func (s *suite) acceptBlocksUntilDial(t *testing.T) {
	h := s.start(t)
	l := h.listen()
	acc := h.accept(l)
	letRun()
	select {
	case r := <-acc:
		t.Fatalf("Accept returned before any dial: %v, %v", r.c, r.err)
	default:
	}
	c := h.dial(l.Addr())
	r := <-acc
	if r.err != nil {
		t.Fatalf("Accept: %v", r.err)
	}
	checkSameAddr(t, "accepted conn's RemoteAddr vs dialer's LocalAddr", r.c.RemoteAddr(), c.LocalAddr())
}

func (s *suite) closeUnblocksAccept(t *testing.T) {
	h := s.start(t)
	l := h.listen()
	acc := h.accept(l)
	letRun()
	if err := l.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	r := <-acc
	if r.c != nil {
		t.Errorf("Accept after Close returned a conn %v", r.c.RemoteAddr())
	}
	checkClosed(t, "Accept unblocked by Close", r.err, tcp)
	_, err := l.Accept()
	checkClosed(t, "Accept after Close", err, tcp)
}

// deadline returns l's SetDeadline, failing the test if it has none.
func deadline(t *testing.T, l net.Listener) listenerDeadline {
	t.Helper()
	d, ok := l.(listenerDeadline)
	if !ok {
		t.Fatalf("%T has no SetDeadline method", l)
	}
	return d
}

func (s *suite) listenerDeadlinePast(t *testing.T) {
	h := s.start(t)
	l := h.listen()
	if err := deadline(t, l).SetDeadline(aLongTimeAgo); err != nil {
		t.Fatalf("SetDeadline: %v", err)
	}
	c, err := l.Accept()
	if c != nil {
		t.Errorf("Accept with a past deadline returned a conn")
	}
	checkTimeout(t, "Accept with a past deadline", err, "accept", tcp)
}

func (s *suite) listenerDeadlineUnblocks(t *testing.T) {
	h := s.start(t)
	l := h.listen()
	acc := h.accept(l)
	letRun()
	if err := deadline(t, l).SetDeadline(time.Now().Add(shortWait)); err != nil {
		t.Fatalf("SetDeadline: %v", err)
	}
	r := <-acc
	if r.c != nil {
		t.Errorf("Accept with no dial returned a conn")
	}
	checkTimeout(t, "blocked Accept after the deadline passed", r.err, "accept", tcp)
	s.checkAccepts(h, l)
}

func (s *suite) listenerDeadlineZero(t *testing.T) {
	h := s.start(t)
	l := h.listen()
	d := deadline(t, l)
	if err := d.SetDeadline(aLongTimeAgo); err != nil {
		t.Fatalf("SetDeadline: %v", err)
	}
	if err := d.SetDeadline(time.Time{}); err != nil {
		t.Fatalf("SetDeadline(zero): %v", err)
	}
	s.checkAccepts(h, l)
}

// checkAccepts resets l's deadline and checks that a dial is accepted.
func (s *suite) checkAccepts(h *harness, l net.Listener) {
	h.t.Helper()
	if err := deadline(h.t, l).SetDeadline(time.Time{}); err != nil {
		h.t.Fatalf("SetDeadline(zero): %v", err)
	}
	if _, _, err := h.connect(l); err != nil {
		h.t.Errorf("dial and Accept with the deadline disarmed: %v", err)
	}
}

func (s *suite) listenerAddr(t *testing.T) {
	h := s.start(t)
	l := h.listen()
	got := checkAddr(t, "Listener.Addr", l.Addr(), false)
	want, err := parseAddr(h.env.StreamAddr)
	if err != nil {
		return // a host name: nothing to compare with
	}
	if want.Port() != 0 && got.Port() != want.Port() {
		t.Errorf("Listener.Addr %v, want port %d", l.Addr(), want.Port())
	}
	if a := want.Addr(); !a.IsUnspecified() && got.Addr() != a {
		t.Errorf("Listener.Addr %v, want IP %v", l.Addr(), a)
	}
}

func (s *suite) dialClosedRefused(t *testing.T) {
	h := s.start(t)
	l := h.listen()
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	c, err := h.dialErr(l.Addr())
	if err == nil {
		t.Fatalf("Dial to the closed listener %v succeeded (local %v)", l.Addr(), c.LocalAddr())
	}
	checkIs(t, "Dial to a closed listener", err, "dial", tcp, syscall.ECONNREFUSED)
}

func (s *suite) listenTwiceInUse(t *testing.T) {
	h := s.start(t)
	l := h.listen()
	l2, err := h.env.ListenConfig.Listen(h.ctx, tcp, l.Addr().String())
	if err == nil {
		l2.Close()
		t.Fatalf("second Listen on %v succeeded", l.Addr())
	}
	checkIs(t, "second Listen on the same address", err, "listen", tcp, syscall.EADDRINUSE)
}
