package backendtest

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// guard is a subtest's hang watchdog. When its time passes before stop,
// it fails the test with a dump of every goroutine and calls unblock
// (which closes the subtest's conns, so blocked calls return and the test
// can finish). If the test is still not done after a second period, the
// process panics with a fresh dump rather than hang CI.
type guard struct {
	t       *testing.T
	d       time.Duration
	unblock func()

	mu      sync.Mutex
	stopped bool
	timer   *time.Timer
	last    *time.Timer // the panic timer, once armed
}

func newGuard(t *testing.T, d time.Duration, unblock func()) *guard {
	g := &guard{t: t, d: d, unblock: unblock}
	g.timer = time.AfterFunc(d, g.fire)
	return g
}

// fire reports the hang while the test is still running.
func (g *guard) fire() {
	g.mu.Lock()
	if g.stopped {
		g.mu.Unlock()
		return
	}
	g.t.Errorf("hang guard: %s still running after %v; closing its conns. Goroutines:\n%s",
		g.t.Name(), g.d, stacks())
	g.last = time.AfterFunc(g.d, func() {
		panic(fmt.Sprintf("backendtest: %s hung even after its conns were closed. Goroutines:\n%s",
			g.t.Name(), stacks()))
	})
	g.mu.Unlock()
	g.unblock()
}

// stop disarms the guard; after it returns the guard no longer touches t.
func (g *guard) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stopped = true
	g.timer.Stop()
	if g.last != nil {
		g.last.Stop()
	}
}

// stacks returns the stacks of all goroutines.
func stacks() []byte {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}
