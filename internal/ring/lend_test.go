package ring_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/netoffload/offload/internal/ring"
)

func TestReserveCommit(t *testing.T) {
	r := ring.New(64)
	span, err := r.Reserve()
	if err != nil || len(span) == 0 || len(span) > 64 {
		t.Fatalf("Reserve = %d bytes, %v", len(span), err)
	}
	n := copy(span, "lent")
	if r.Buffered() != 0 {
		t.Fatalf("bytes visible before Commit")
	}
	r.Commit(n)
	if got := mustRead(t, r, 4); string(got) != "lent" {
		t.Fatalf("Read = %q", got)
	}
	// Commit(0) publishes nothing.
	if _, err := r.Reserve(); err != nil {
		t.Fatal(err)
	}
	r.Commit(0)
	if r.Buffered() != 0 {
		t.Fatalf("Commit(0) published %d bytes", r.Buffered())
	}
}

// TestReserveFillsToLimit fills a ring through the lend calls alone; the
// spans never add up to more than the limit.
func TestReserveFillsToLimit(t *testing.T) {
	const limit = 3*block + 5
	r := ring.New(limit)
	want := pattern(1, limit)
	filled := 0
	for filled < limit {
		span, err := r.TryReserve()
		if err != nil || len(span) == 0 {
			t.Fatalf("TryReserve at %d/%d = %d bytes, %v", filled, limit, len(span), err)
		}
		if len(span) > limit-filled {
			t.Fatalf("span of %d bytes with only %d free", len(span), limit-filled)
		}
		filled += copy(span, want[filled:])
		r.Commit(min(len(span), limit))
	}
	if span, err := r.TryReserve(); span != nil || err != nil {
		t.Fatalf("TryReserve on a full ring = %d bytes, %v; want nil, nil", len(span), err)
	}
	if got := mustRead(t, r, limit); !bytes.Equal(got, want) {
		t.Fatal("bytes differ")
	}
}

func TestReserveBlocksUntilSpace(t *testing.T) {
	r := ring.New(4)
	mustWrite(t, r, []byte("full"))
	ch := goReserve(r)
	parked(t, "goReserve", 1)
	notDone(t, ch, "Reserve on a full ring")
	mustRead(t, r, 1)
	if err := await(t, ch); err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	r.Commit(0)
}

func TestPeekDiscard(t *testing.T) {
	r := ring.New(64)
	if span, err := r.TryPeek(); span != nil || err != nil {
		t.Fatalf("TryPeek on empty ring = %q, %v; want nil, nil", span, err)
	}
	mustWrite(t, r, []byte("peekaboo"))
	span, err := r.Peek()
	if err != nil || string(span) != "peekaboo" {
		t.Fatalf("Peek = %q, %v", span, err)
	}
	r.Discard(4)
	span, err = r.TryPeek()
	if err != nil || string(span) != "aboo" {
		t.Fatalf("TryPeek after Discard(4) = %q, %v", span, err)
	}
	r.Discard(0)
	r.Discard(len(span))
	if r.Buffered() != 0 {
		t.Fatalf("Buffered = %d after discarding everything", r.Buffered())
	}
}

// TestPeekSpansCoverEverything reads a wrapped, grown ring by Peek and
// Discard alone: the spans are contiguous runs that together give the
// bytes in order.
func TestPeekSpansCoverEverything(t *testing.T) {
	r := ring.New(4 * block)
	mustWrite(t, r, pattern(0, block))
	mustRead(t, r, block/2)
	want := pattern(block/2, block/2)
	more := pattern(9, 3*block)
	mustWrite(t, r, more)
	want = append(want, more...)
	var got []byte
	for len(got) < len(want) {
		span, err := r.TryPeek()
		if err != nil || len(span) == 0 {
			t.Fatalf("TryPeek after %d/%d = %d bytes, %v", len(got), len(want), len(span), err)
		}
		got = append(got, span...)
		r.Discard(len(span))
	}
	if !bytes.Equal(got, want) {
		t.Fatal("bytes differ")
	}
}

// TestPeekSpansAligned: blocks start at multiples of their size, so a
// stream of 32 KiB writes (io.Copy's size) reaches a backend as whole
// 32 KiB spans once the small first blocks are behind it.
func TestPeekSpansAligned(t *testing.T) {
	const size = 32 << 10
	r := ring.New(8 * size)
	var spans []int
	for i := range 6 {
		mustWrite(t, r, pattern(i, size))
		spans = append(spans, drainSpans(t, r)...)
	}
	want := []int{4 << 10, 4 << 10, 8 << 10, 16 << 10, size, size, size, size, size}
	if fmt.Sprint(spans) != fmt.Sprint(want) {
		t.Fatalf("spans %v, want %v", spans, want)
	}
}

// TestSetBlockLimit: blocks grow to the set limit (a power of two up to
// 128 KiB), so a consumer's spans do too; without it they stop at 32 KiB.
func TestSetBlockLimit(t *testing.T) {
	const k = 1 << 10
	for _, tc := range []struct {
		set  int // 0: not called
		want []int
	}{
		{0, []int{4 * k, 4 * k, 8 * k, 16 * k, 32 * k, 32 * k, 32 * k, 32 * k, 32 * k, 32 * k, 32 * k, 32 * k}},
		{128 * k, []int{4 * k, 4 * k, 8 * k, 16 * k, 32 * k, 64 * k, 128 * k, 128 * k}},
		{100 * k, []int{4 * k, 4 * k, 8 * k, 16 * k, 32 * k, 64 * k, 64 * k, 64 * k, 64 * k}},
		{1 << 30, []int{4 * k, 4 * k, 8 * k, 16 * k, 32 * k, 64 * k, 128 * k, 128 * k}},
		{1, []int{4 * k, 4 * k, 4 * k, 4 * k, 4 * k, 4 * k, 4 * k, 4 * k}},
	} {
		total := 0
		for _, n := range tc.want {
			total += n
		}
		r := ring.New(total)
		if tc.set != 0 {
			r.SetBlockLimit(tc.set)
		}
		data := pattern(tc.set, total)
		for off := 0; off < total; off += 32 * k {
			mustWrite(t, r, data[off:min(off+32*k, total)])
		}
		if spans := drainSpans(t, r); fmt.Sprint(spans) != fmt.Sprint(tc.want) {
			t.Errorf("SetBlockLimit(%d): spans %v, want %v", tc.set, spans, tc.want)
		}
	}
}

// drainSpans takes everything buffered in r through TryPeek and Discard,
// returning the span lengths.
func drainSpans(t *testing.T, r *ring.Ring) []int {
	t.Helper()
	spans, _ := drainSpanBytes(t, r)
	return spans
}

// drainSpanBytes is drainSpans that also returns the bytes it drained.
func drainSpanBytes(t *testing.T, r *ring.Ring) ([]int, []byte) {
	t.Helper()
	var spans []int
	var got []byte
	for r.Buffered() > 0 {
		span, err := r.TryPeek()
		if err != nil {
			t.Fatal(err)
		}
		spans = append(spans, len(span))
		got = append(got, span...)
		r.Discard(len(span))
	}
	return spans, got
}

func TestPeekBlocksUntilData(t *testing.T) {
	r := ring.New(8)
	ch := goPeek(r)
	parked(t, "goPeek", 1)
	notDone(t, ch, "Peek on an empty ring")
	mustWrite(t, r, []byte("x"))
	if err := await(t, ch); err != nil {
		t.Fatalf("Peek: %v", err)
	}
}

// TestLentSpansStayValid: a Peek span is not overwritten by writes before
// Discard, and a Reserve span's contents reach the reader intact while
// reads run on the other side.
func TestLentSpansStayValid(t *testing.T) {
	r := ring.New(4 * block)
	first := pattern(5, block)
	mustWrite(t, r, first)
	span, err := r.Peek()
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, r, pattern(77, 3*block)) // grows the ring while lent
	if !bytes.Equal(span, first[:len(span)]) {
		t.Fatal("Peek span changed under a Write")
	}
	r.Discard(len(span))
	mustRead(t, r, r.Buffered())

	res, err := r.Reserve()
	if err != nil {
		t.Fatal(err)
	}
	n := copy(res, pattern(3, len(res)))
	if r.Buffered() != 0 {
		t.Fatal("reserved bytes visible before Commit")
	}
	r.Commit(n)
	if got := mustRead(t, r, n); !bytes.Equal(got, pattern(3, n)) {
		t.Fatal("committed bytes differ")
	}
}

func TestReadFrom(t *testing.T) {
	r := ring.New(1 << 10)
	want := pattern(0, 100_000)
	type rf struct {
		n   int64
		err error
	}
	ch := make(chan rf, 1)
	go func() {
		n, err := r.ReadFrom(bytes.NewReader(want))
		ch <- rf{n, err}
	}()
	got := mustRead(t, r, len(want))
	if res := await(t, ch); res.n != int64(len(want)) || res.err != nil {
		t.Fatalf("ReadFrom = %+v; want all bytes and a nil error at EOF", res)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("bytes differ")
	}
}

func TestReadFromSourceError(t *testing.T) {
	r := ring.New(64)
	src := io.MultiReader(strings.NewReader("part"), iotest.ErrReader(errTest))
	n, err := r.ReadFrom(src)
	if n != 4 || !errors.Is(err, errTest) {
		t.Fatalf("ReadFrom = %d, %v; want 4 and the source error", n, err)
	}
	if got := mustRead(t, r, 4); string(got) != "part" {
		t.Fatalf("Read = %q", got)
	}
}

func TestReadFromClosed(t *testing.T) {
	r := ring.New(64)
	r.CloseWrite(errTest)
	if n, err := r.ReadFrom(strings.NewReader("x")); n != 0 || !errors.Is(err, errTest) {
		t.Fatalf("ReadFrom after CloseWrite = %d, %v", n, err)
	}
	r = ring.New(64)
	r.CloseRead(errTest, errWriter)
	if n, err := r.ReadFrom(strings.NewReader("x")); n != 0 || !errors.Is(err, errWriter) {
		t.Fatalf("ReadFrom after CloseRead = %d, %v", n, err)
	}
}

func TestWriteToUntilEOF(t *testing.T) {
	r := ring.New(1 << 10)
	want := pattern(2, 50_000)
	wr := goWrite(r, want)
	type wt struct {
		n   int64
		err error
		b   []byte
	}
	ch := make(chan wt, 1)
	go func() {
		var dst bytes.Buffer
		n, err := r.WriteTo(&dst)
		ch <- wt{n, err, dst.Bytes()}
	}()
	if res := await(t, wr); res.err != nil {
		t.Fatal(res.err)
	}
	r.CloseWrite(errTest)
	res := await(t, ch)
	if res.n != int64(len(want)) || res.err != nil {
		t.Fatalf("WriteTo = %d, %v; want all bytes and nil at the orderly end", res.n, res.err)
	}
	if !bytes.Equal(res.b, want) {
		t.Fatal("bytes differ")
	}
}

// shortWriter accepts up to room bytes, then fails.
type shortWriter struct {
	room int
	got  []byte
}

func (w *shortWriter) Write(p []byte) (int, error) {
	n := min(len(p), w.room)
	w.room -= n
	w.got = append(w.got, p[:n]...)
	if n < len(p) {
		return n, errWriter
	}
	return n, nil
}

func TestWriteToDestinationError(t *testing.T) {
	r := ring.New(64)
	mustWrite(t, r, []byte("0123456789"))
	w := &shortWriter{room: 3}
	n, err := r.WriteTo(w)
	if n != 3 || !errors.Is(err, errWriter) {
		t.Fatalf("WriteTo = %d, %v; want 3 and the writer's error", n, err)
	}
	if got := mustRead(t, r, 7); string(got) != "3456789" {
		t.Fatalf("rest = %q; WriteTo must consume only what dst took", got)
	}
}

func TestWriteToAbort(t *testing.T) {
	r := ring.New(64)
	mustWrite(t, r, []byte("abc"))
	r.Abort(errTest)
	if n, err := r.WriteTo(io.Discard); n != 0 || !errors.Is(err, errTest) {
		t.Fatalf("WriteTo after Abort = %d, %v", n, err)
	}
}
