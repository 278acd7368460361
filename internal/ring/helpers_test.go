package ring_test

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/netoffload/offload/internal/ring"
	"github.com/netoffload/offload/internal/testnet"
)

// hangGuard bounds every wait in these tests. It only turns a hang into a
// failure; no test depends on how long anything takes.
const hangGuard = 20 * time.Second

// result is what a blocking call returned.
type result struct {
	n   int
	err error
}

// goRead runs r.Read(p) in a goroutine and returns its result channel.
func goRead(r *ring.Ring, p []byte) <-chan result {
	ch := make(chan result, 1)
	go func() {
		n, err := r.Read(p)
		ch <- result{n, err}
	}()
	return ch
}

// goWrite runs r.Write(p) in a goroutine and returns its result channel.
func goWrite(r *ring.Ring, p []byte) <-chan result {
	ch := make(chan result, 1)
	go func() {
		n, err := r.Write(p)
		ch <- result{n, err}
	}()
	return ch
}

// goPeek runs r.Peek in a goroutine and returns its error channel.
func goPeek(r *ring.Ring) <-chan error {
	ch := make(chan error, 1)
	go func() {
		_, err := r.Peek()
		ch <- err
	}()
	return ch
}

// goReserve runs r.Reserve in a goroutine and returns its error channel.
func goReserve(r *ring.Ring) <-chan error {
	ch := make(chan error, 1)
	go func() {
		_, err := r.Reserve()
		ch <- err
	}()
	return ch
}

// await returns the result a goroutine sent, failing on a hang.
func await[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(hangGuard):
		buf := make([]byte, 1<<20)
		t.Fatalf("hang: no result after %v\n%s", hangGuard, buf[:runtime.Stack(buf, true)])
		panic("unreachable")
	}
}

// notDone fails if the call behind ch has already returned. Used where
// the call cannot structurally have finished (the ring holds too little
// data or space), so it never fails on a slow machine.
func notDone[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("%s returned early: %+v", what, v)
	default:
	}
}

// parked waits until at least count goroutines started by the helper
// named fn (e.g. "goRead") are parked in a channel operation.
func parked(t *testing.T, fn string, count int) {
	t.Helper()
	testnet.Parked(t, "ring_test."+fn+".", count, hangGuard)
}

func readerParked(t *testing.T, _ *ring.Ring) {
	t.Helper()
	parked(t, "goRead", 1)
}

func writerParked(t *testing.T, _ *ring.Ring) {
	t.Helper()
	parked(t, "goWrite", 1)
}

// pattern returns n bytes counting up from seed, wrapping at 251 (a
// prime, so runs never line up with power-of-two buffer sizes).
func pattern(seed, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte((seed + i) % 251)
	}
	return p
}

// mustWrite writes p in full or fails.
func mustWrite(t *testing.T, r *ring.Ring, p []byte) {
	t.Helper()
	if n, err := r.Write(p); n != len(p) || err != nil {
		t.Fatalf("Write(%d bytes) = %d, %v", len(p), n, err)
	}
}

// mustRead reads exactly n bytes (in as many calls as needed) or fails.
func mustRead(t *testing.T, r *ring.Ring, n int) []byte {
	t.Helper()
	out := make([]byte, 0, n)
	buf := make([]byte, n)
	for len(out) < n {
		k, err := r.Read(buf[:n-len(out)])
		if err != nil {
			t.Fatalf("Read after %d of %d bytes: %v", len(out), n, err)
		}
		out = append(out, buf[:k]...)
	}
	return out
}

// blockedReader returns an empty ring and the result channel of a Read
// parked on it.
func blockedReader(t *testing.T) (*ring.Ring, <-chan result) {
	t.Helper()
	r := ring.New(16)
	ch := goRead(r, make([]byte, 4))
	readerParked(t, r)
	return r, ch
}

// blockedWriter returns a 4-byte ring holding "full" and the result
// channel of a Write of p parked on it.
func blockedWriter(t *testing.T, p []byte) (*ring.Ring, <-chan result) {
	t.Helper()
	r := ring.New(4)
	mustWrite(t, r, []byte("full"))
	ch := goWrite(r, p)
	writerParked(t, r)
	return r, ch
}

// awaitGroup waits for wg, failing the test if it takes implausibly long.
func awaitGroup(t *testing.T, wg *sync.WaitGroup) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	await(t, done)
}
