package backendtest

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
)

// harness is one subtest's environment: the Env, every conn and listener
// opened through it (closed at cleanup or when the hang guard fires), and
// the goroutines it started (waited for at cleanup, so none outlives the
// subtest).
type harness struct {
	t      *testing.T
	env    Env
	ctx    context.Context // ended when the subtest ends or hangs
	cancel context.CancelFunc
	guard  *guard

	mu      sync.Mutex
	closers []io.Closer
	wg      sync.WaitGroup
}

// start makes a fresh Env for t and a harness that cleans up when t ends.
func (s *suite) start(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, checkEnv(t, s.f))
	t.Cleanup(h.cleanup)
	return h
}

// newHarness arms a hang guard reporting to t; the caller must call
// cleanup before t ends.
func newHarness(t *testing.T, env Env) *harness {
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, env: env, ctx: ctx, cancel: cancel}
	h.guard = newGuard(t, env.HangTimeout, h.closeAll)
	return h
}

// cleanup closes everything, waits for the harness goroutines, then
// disarms the guard (which stays armed while waiting).
func (h *harness) cleanup() {
	h.closeAll()
	h.wg.Wait()
	h.guard.stop()
}

// track registers c to be closed at cleanup.
func (h *harness) track(c io.Closer) {
	h.mu.Lock()
	h.closers = append(h.closers, c)
	h.mu.Unlock()
}

// closeAll ends the context and closes every tracked value, newest first.
// Closing twice is harmless by contract.
func (h *harness) closeAll() {
	h.cancel()
	h.mu.Lock()
	cs := h.closers
	h.closers = nil
	h.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i].Close()
	}
}

// spawn runs f on a goroutine the harness waits for at cleanup.
func (h *harness) spawn(f func()) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		f()
	}()
}

// async runs f on a harness goroutine and delivers its result.
func async[T any](h *harness, f func() T) <-chan T {
	ch := make(chan T, 1)
	h.spawn(func() { ch <- f() })
	return ch
}

// asyncErr runs f on a harness goroutine and delivers its error.
func (h *harness) asyncErr(f func() error) <-chan error {
	return async(h, f)
}

// connResult is the outcome of Accept or Dial.
type connResult struct {
	c   net.Conn
	err error
}

// ioResult is the outcome of a Read or Write.
type ioResult struct {
	n   int
	err error
}
