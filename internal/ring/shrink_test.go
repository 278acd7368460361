package ring_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/netoffload/offload/internal/ring"
)

// waitIdle parks a Read on the empty ring r, reports how much block
// memory r holds while it waits, and ends the Read with a past deadline.
func waitIdle(t *testing.T, r *ring.Ring) int {
	t.Helper()
	ch := goRead(r, make([]byte, 100))
	readerParked(t, r)
	held := r.Held()
	r.SetReadDeadline(time.Now())
	if res := await(t, ch); res.n != 0 || !isTimeout(res.err) {
		t.Fatalf("Read on an empty ring = %d, %v; want a timeout", res.n, res.err)
	}
	r.SetReadDeadline(time.Time{})
	return held
}

// TestShrinkWhenIdle: a ring whose reader waits with nothing buffered
// hands its block back, and the stream goes on intact, with blocks that
// still start at multiples of their size.
func TestShrinkWhenIdle(t *testing.T) {
	const k = 1 << 10
	r := ring.New(256 * k)
	const first = 100 * k // not a multiple of the 32 KiB blocks
	mustWrite(t, r, pattern(0, first))
	if got := mustRead(t, r, first); !bytes.Equal(got, pattern(0, first)) {
		t.Fatal("first 100 KiB read back wrong")
	}
	if h := ring.HeldBlocks(r); h == 0 {
		t.Fatal("drained ring holds no block before its reader waits; the test shows nothing")
	}
	if held := waitIdle(t, r); held != 0 {
		t.Fatalf("ring holds %d B of blocks while its reader waits, want 0", held)
	}
	if h := ring.HeldBlocks(r); h != 0 {
		t.Fatalf("%d B of blocks in the chain after the wait, want 0", h)
	}
	// The first block after the wait ends at the next 32 KiB boundary of
	// the stream (128 KiB), so the blocks after it are whole again.
	next := pattern(first, 28*k+64*k)
	mustWrite(t, r, next)
	want := []int{28 * k, 32 * k, 32 * k}
	spans, got := drainSpanBytes(t, r)
	if fmt.Sprint(spans) != fmt.Sprint(want) {
		t.Errorf("spans after the wait %v, want %v", spans, want)
	}
	if !bytes.Equal(got, next) {
		t.Error("bytes written after the wait read back wrong")
	}
}

// TestShrinkKeepsLentBlocks: a ring whose producer lends spans (Reserve)
// keeps its block while the reader waits.
func TestShrinkKeepsLentBlocks(t *testing.T) {
	r := ring.New(64 << 10)
	lendAndRead(t, r, "abc")
	// The producer might hold a span of the block from its next Reserve
	// while the reader waits, so the block must stay.
	if held := waitIdle(t, r); held == 0 {
		t.Fatal("a ring whose producer lends spans gave its block back")
	}
	lendAndRead(t, r, "de")
}

// lendAndRead puts msg into r through Reserve and Commit and reads it back.
func lendAndRead(t *testing.T, r *ring.Ring, msg string) {
	t.Helper()
	span, err := r.Reserve()
	if err != nil {
		t.Fatal(err)
	}
	r.Commit(copy(span, msg))
	if got := mustRead(t, r, len(msg)); string(got) != msg {
		t.Fatalf("read %q, want %q", got, msg)
	}
}

// TestShrinkUnderTraffic runs a writer whose bursts the reader often
// catches up with, so the reader waits, and the ring gives its block
// back, many times while writes keep arriving; every byte must arrive in
// order.
func TestShrinkUnderTraffic(t *testing.T) {
	r := ring.New(64 << 10)
	const total = 8 << 20
	data := pattern(7, total)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for off, i := 0, 0; off < total; i++ {
			n := min(1+(i*7919)%(20<<10), total-off)
			if _, err := r.Write(data[off : off+n]); err != nil {
				t.Errorf("Write: %v", err)
				return
			}
			off += n
			if i%3 == 0 {
				runtime.Gosched() // let the reader catch up and wait
			}
		}
	}()
	got := make([]byte, 0, total)
	buf := make([]byte, 48<<10)
	for i := 0; len(got) < total; i++ {
		// Alternate small reads (fast path) with large ones (hand-offs).
		n, err := r.Read(buf[:1+(i*104729)%len(buf)])
		if err != nil {
			t.Fatalf("Read after %d bytes: %v", len(got), err)
		}
		got = append(got, buf[:n]...)
	}
	awaitGroup(t, &wg)
	if !bytes.Equal(got, data) {
		i := 0
		for i < total && got[i] == data[i] {
			i++
		}
		t.Fatalf("stream differs from byte %d", i)
	}
}

// TestShrinkRacesFirstReserve: a producer that wrote with Write and then
// lends its first span (TryReserve) while the reader, having drained the
// ring, waits and may hand the block back. Either the block goes back
// before the lend or it stays; the race detector and the bytes check
// both. The ring is new each round so every lend is a first one.
func TestShrinkRacesFirstReserve(t *testing.T) {
	for round := range 200 {
		r := ring.New(64 << 10)
		mustWrite(t, r, pattern(round, 5000))
		if got := mustRead(t, r, 5000); !bytes.Equal(got, pattern(round, 5000)) {
			t.Fatal("first bytes read back wrong")
		}
		// The waiting Read may also be the one that takes the lent bytes.
		idle := make(chan []byte, 1)
		go func() {
			buf := make([]byte, 10)
			r.SetReadDeadline(time.Now().Add(50 * time.Microsecond))
			n, _ := r.Read(buf)
			idle <- buf[:n]
		}()
		span, err := r.TryReserve()
		if err != nil || len(span) == 0 {
			t.Fatalf("TryReserve = %d bytes, %v", len(span), err)
		}
		copy(span, "xyz")
		r.Commit(3)
		got := await(t, idle)
		r.SetReadDeadline(time.Time{})
		got = append(got, mustRead(t, r, 3-len(got))...)
		if string(got) != "xyz" {
			t.Fatalf("round %d: read %q after the lend", round, got)
		}
	}
}

// pausedSource returns data on its first read; its second read waits for
// resume and then fails with errStop.
type pausedSource struct {
	data   []byte
	resume chan struct{}
}

var errStop = errors.New("source stopped")

func (s *pausedSource) Read(p []byte) (int, error) {
	if len(s.data) > 0 {
		n := copy(p, s.data)
		s.data = s.data[n:]
		return n, nil
	}
	<-s.resume
	return 0, errStop
}

// TestShrinkAfterReadFrom: a reader that parks while a ReadFrom holds the
// producer gate cannot hand the block back then; when the ReadFrom
// returns it wakes the reader, which does.
func TestShrinkAfterReadFrom(t *testing.T) {
	r := ring.New(64 << 10)
	src := &pausedSource{data: pattern(0, 5000), resume: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := r.ReadFrom(src)
		done <- err
	}()
	if got := mustRead(t, r, 5000); !bytes.Equal(got, pattern(0, 5000)) {
		t.Fatal("bytes from ReadFrom read back wrong")
	}
	ch := goRead(r, make([]byte, 10))
	readerParked(t, r)
	if r.Held() == 0 {
		t.Fatal("the block went back while ReadFrom held the gate; the test shows nothing")
	}
	close(src.resume)
	if err := await(t, done); err != errStop {
		t.Fatalf("ReadFrom = %v, want %v", err, errStop)
	}
	end := time.Now().Add(hangGuard)
	for r.Held() != 0 {
		if time.Now().After(end) {
			t.Fatalf("hang: the waiting reader kept %d B after ReadFrom returned", r.Held())
		}
		runtime.Gosched()
	}
	mustWrite(t, r, []byte("z"))
	if res := await(t, ch); res.n != 1 || res.err != nil {
		t.Fatalf("Read after the block went back = %d, %v", res.n, res.err)
	}
}
