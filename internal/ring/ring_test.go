package ring_test

import (
	"bytes"
	"sync/atomic"
	"testing"

	"github.com/netoffload/offload/internal/ring"
)

func TestWriteRead(t *testing.T) {
	r := ring.New(64)
	mustWrite(t, r, []byte("hello, "))
	mustWrite(t, r, []byte("ring"))
	if got := r.Buffered(); got != 11 {
		t.Fatalf("Buffered = %d, want 11", got)
	}
	if got := r.Available(); got != 64-11 {
		t.Fatalf("Available = %d, want %d", got, 64-11)
	}
	buf := make([]byte, 5)
	n, err := r.Read(buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	buf = make([]byte, 100)
	n, err = r.Read(buf)
	if err != nil || string(buf[:n]) != ", ring" {
		t.Fatalf("Read = %q, %v; want a short read of what is buffered", buf[:n], err)
	}
	if r.Buffered() != 0 || r.Available() != 64 {
		t.Fatalf("after draining: Buffered %d Available %d", r.Buffered(), r.Available())
	}
}

func TestNewDefaultLimit(t *testing.T) {
	for _, limit := range []int{0, -1} {
		if got := ring.New(limit).Limit(); got != ring.DefaultLimit {
			t.Errorf("New(%d).Limit() = %d, want DefaultLimit %d", limit, got, ring.DefaultLimit)
		}
	}
	if got := ring.New(100).Limit(); got != 100 {
		t.Errorf("New(100).Limit() = %d", got)
	}
}

func TestZeroLengthCalls(t *testing.T) {
	r := ring.New(8)
	if n, err := r.Write(nil); n != 0 || err != nil {
		t.Fatalf("Write(nil) = %d, %v", n, err)
	}
	// A zero-length Read on an empty open ring returns at once.
	if n, err := r.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil) on empty ring = %d, %v", n, err)
	}
	mustWrite(t, r, []byte("x"))
	if n, err := r.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil) with data = %d, %v", n, err)
	}
	if r.Buffered() != 1 {
		t.Fatalf("zero-length Read consumed data")
	}
}

// TestWrapAround pushes many odd-sized chunks through a small full-size
// ring so that both head and tail wrap repeatedly.
func TestWrapAround(t *testing.T) {
	const limit = 100
	r := ring.New(limit)
	var want, got []byte
	seed := 0
	for round := range 200 {
		w := 1 + (round*37)%limit
		if w > r.Available() {
			w = r.Available()
		}
		p := pattern(seed, w)
		seed += w
		mustWrite(t, r, p)
		want = append(want, p...)
		k := 1 + (round*53)%limit
		k = min(k, r.Buffered())
		got = append(got, mustRead(t, r, k)...)
	}
	got = append(got, mustRead(t, r, r.Buffered())...)
	if !bytes.Equal(got, want) {
		t.Fatalf("bytes differ after wrap-around (%d vs %d bytes)", len(got), len(want))
	}
}

// block is the first allocation size of the ring as documented (4 KiB);
// the tests use it only to pick sizes that cross allocation boundaries.
const block = 4 << 10

// TestBoundariesKeepData moves data across every size where the ring's
// memory grows or wraps, at a limit that is not a power of two.
func TestBoundariesKeepData(t *testing.T) {
	const limit = 5*block + 123
	r := ring.New(limit)
	var want, got []byte
	seed := 0
	for _, size := range []int{1, block - 1, 1, 1, block, 2*block + 1, limit - 4*block - 3} {
		p := pattern(seed, size)
		seed += size
		mustWrite(t, r, p)
		want = append(want, p...)
	}
	if r.Buffered() != limit || r.Available() != 0 {
		t.Fatalf("full ring: Buffered %d Available %d, want %d and 0", r.Buffered(), r.Available(), limit)
	}
	for _, size := range []int{10, block - 10, 3*block + 7} {
		got = append(got, mustRead(t, r, size)...)
		p := pattern(seed, size/2+1)
		seed += len(p)
		mustWrite(t, r, p)
		want = append(want, p...)
	}
	got = append(got, mustRead(t, r, r.Buffered())...)
	if !bytes.Equal(got, want) {
		t.Fatalf("bytes differ across growth and wrap (%d vs %d bytes)", len(got), len(want))
	}
}

// TestGrowKeepsWrappedData grows a ring whose pending bytes wrap around
// the end of its first allocation.
func TestGrowKeepsWrappedData(t *testing.T) {
	r := ring.New(4 * block)
	first := pattern(0, block)
	mustWrite(t, r, first)
	mustRead(t, r, block-10) // head near the end
	tail := pattern(7, block-20)
	mustWrite(t, r, tail) // wraps within the first allocation
	more := pattern(99, 100)
	mustWrite(t, r, more) // needs more memory with the pending bytes wrapped
	want := append(append(append([]byte(nil), first[block-10:]...), tail...), more...)
	if got := mustRead(t, r, len(want)); !bytes.Equal(got, want) {
		t.Fatal("bytes changed when growing a wrapped ring")
	}
}

func TestSmallLimitNeverExceeded(t *testing.T) {
	r := ring.New(10)
	ch := goWrite(r, pattern(0, 25))
	var got []byte
	for len(got) < 25 {
		if b := r.Buffered(); b > 10 {
			t.Fatalf("Buffered %d past the limit 10", b)
		}
		p := make([]byte, 25)
		n, err := r.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p[:n]...)
	}
	if res := await(t, ch); res.n != 25 || res.err != nil {
		t.Fatalf("Write = %+v", res)
	}
	if !bytes.Equal(got, pattern(0, 25)) {
		t.Fatal("bytes differ")
	}
}

// TestCallerSliceNotKept overwrites the caller's buffers after each call
// and checks the ring still holds, and hands out, the original bytes.
func TestCallerSliceNotKept(t *testing.T) {
	r := ring.New(64)
	p := []byte("original")
	mustWrite(t, r, p)
	copy(p, "XXXXXXXX")
	got := make([]byte, 4)
	if n, _ := r.Read(got); string(got[:n]) != "orig" {
		t.Fatalf("Read = %q, want orig", got[:n])
	}
	copy(got, "YYYY")
	mustWrite(t, r, []byte("more"))
	rest := mustRead(t, r, 8)
	if string(rest) != "inalmore" {
		t.Fatalf("Read = %q, want inalmore", rest)
	}
}

func TestSetNotify(t *testing.T) {
	r := ring.New(16)
	var readable, writable atomic.Int32
	r.SetNotify(func() { readable.Add(1) }, func() { writable.Add(1) })
	check := func(what string, wantR, wantW int32) {
		t.Helper()
		if gr, gw := readable.Load(), writable.Load(); gr < wantR || gw < wantW {
			t.Fatalf("after %s: readable %d (want >= %d), writable %d (want >= %d)", what, gr, wantR, gw, wantW)
		}
	}
	mustWrite(t, r, []byte("abc"))
	check("Write", 1, 0)
	mustRead(t, r, 1)
	check("Read", 1, 1)
	span, err := r.TryReserve()
	if err != nil || len(span) == 0 {
		t.Fatalf("TryReserve = %d bytes, %v", len(span), err)
	}
	span[0] = 'd'
	r.Commit(1)
	check("Commit", 2, 1)
	if _, err := r.TryPeek(); err != nil {
		t.Fatal(err)
	}
	r.Discard(1)
	check("Discard", 2, 2)
	r.SetHold(true)
	r.SetHold(false)
	check("SetHold", 4, 2)
	r.CloseWrite(errTest)
	check("CloseWrite", 5, 3)
	r.CloseRead(errTest, errTest)
	check("CloseRead", 6, 4)
}

// TestNotifyMayCallRing checks the callbacks run without the ring's lock
// held: they call back into the ring, which would deadlock otherwise.
func TestNotifyMayCallRing(t *testing.T) {
	r := ring.New(16)
	var seen atomic.Int64
	r.SetNotify(func() { seen.Store(int64(r.Buffered())) }, func() { r.Available() })
	mustWrite(t, r, []byte("abcd"))
	if seen.Load() != 4 {
		t.Fatalf("readable callback saw %d buffered bytes, want 4", seen.Load())
	}
	mustRead(t, r, 4)
	r.CloseWrite(errTest)
}

func TestSetNotifyNil(t *testing.T) {
	r := ring.New(16)
	r.SetNotify(func() {}, nil)
	r.SetNotify(nil, nil)
	mustWrite(t, r, []byte("ok"))
	mustRead(t, r, 2)
	r.CloseWrite(errTest)
	r.CloseRead(errTest, nil)
}
