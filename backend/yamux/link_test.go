package yamux

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"
)

// failingLink reads from r and writes to w until fail is set, and then
// fails both.
type failingLink struct {
	r      io.Reader
	w      bytes.Buffer
	writes int
	fail   bool
}

var errLinkDown = errors.New("link down")

func (l *failingLink) Read(p []byte) (int, error) {
	if l.fail {
		return 0, errLinkDown
	}
	return l.r.Read(p)
}

func (l *failingLink) Write(p []byte) (int, error) {
	if l.fail {
		return 0, errLinkDown
	}
	l.writes++
	return l.w.Write(p)
}

func (l *failingLink) Close() error { return nil }

// TestFrameLinkJoinsAndReportsFailure: a data frame's header and body
// reach the link as one write, other writes as they come, reads pass
// through; the first failing read or write runs onFail, and only the
// first.
func TestFrameLinkJoinsAndReportsFailure(t *testing.T) {
	inner := &failingLink{r: bytes.NewReader([]byte("incoming"))}
	fails := 0
	l := newFrameLink(inner, func() { fails++ })

	hdr := make([]byte, frameHeaderSize) // version 0, type data
	binary.BigEndian.PutUint32(hdr[8:], 5)
	if n, err := l.Write(hdr); n != len(hdr) || err != nil {
		t.Fatalf("header Write = %d, %v", n, err)
	}
	if inner.w.Len() != 0 {
		t.Fatal("the header went out before its body")
	}
	if n, err := l.Write([]byte("hello")); n != 5 || err != nil {
		t.Fatalf("body Write = %d, %v", n, err)
	}
	if n, err := l.Write([]byte("ping")); n != 4 || err != nil { // not a data header: as it comes
		t.Fatalf("Write = %d, %v", n, err)
	}
	if want := append(append(append([]byte(nil), hdr...), "hello"...), "ping"...); !bytes.Equal(inner.w.Bytes(), want) || inner.writes != 2 {
		t.Fatalf("link got %q in %d writes, want %q in 2", inner.w.Bytes(), inner.writes, want)
	}
	buf := make([]byte, 16)
	if n, err := l.Read(buf); string(buf[:n]) != "incoming" || err != nil {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if fails != 0 {
		t.Fatalf("onFail ran %d times before any error", fails)
	}

	inner.fail = true
	if _, err := l.Read(buf); !errors.Is(err, errLinkDown) {
		t.Fatalf("Read on a failed link: %v", err)
	}
	if _, err := l.Write([]byte("x")); !errors.Is(err, errLinkDown) {
		t.Fatalf("Write on a failed link: %v", err)
	}
	if fails != 1 {
		t.Fatalf("onFail ran %d times, want once", fails)
	}
}

// TestFrameLinkQuiet: a read that returns bytes ends the link's quiet; a
// write that puts bytes on the link counts (a data header only once its
// body went out too); an empty read does neither.
func TestFrameLinkQuiet(t *testing.T) {
	inner := &failingLink{r: bytes.NewReader([]byte("x"))}
	l := newFrameLink(inner, nil)
	const long = time.Hour
	check := func(what string, quiet bool, writes uint64) {
		t.Helper()
		if q := l.quiet(); (q >= long) != quiet || q < 0 || l.writes.Load() != writes {
			t.Fatalf("after %s: quiet %v, %d writes; want quiet for long %v, %d writes", what, q, l.writes.Load(), quiet, writes)
		}
	}
	l.heard.Store(monoNow() - int64(long))
	hdr := make([]byte, frameHeaderSize)
	binary.BigEndian.PutUint32(hdr[8:], 3)
	if _, err := l.Write(hdr); err != nil {
		t.Fatal(err)
	}
	check("a held data header", true, 0)
	if _, err := l.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	check("its body", true, 1)
	if _, err := l.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	check("another write", true, 2)
	buf := make([]byte, 4)
	if n, err := l.Read(buf); n != 1 || err != nil {
		t.Fatalf("Read = %d, %v", n, err)
	}
	check("a read of 1 byte", false, 2)
	l.heard.Store(monoNow() - int64(long))
	if n, err := l.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("Read at the end = %d, %v", n, err)
	}
	check("an empty read", true, 2)
}

// TestPacer: frames that take longer than frameTime shrink the limit to
// what fits in frameTime at their speed (never below minFrame); fast
// frames of at least half the limit double it, up to the link's cap.
func TestPacer(t *testing.T) {
	var p pacer
	p.init(maxFrame)
	if got := p.frameMax(); got != firstFrame {
		t.Fatalf("first limit %d, want %d", got, firstFrame)
	}
	ms := time.Millisecond
	steps := []struct {
		n    int
		d    time.Duration
		want int
	}{
		{1 << 10, ms, 2 << 10},          // fast, a full frame: double
		{1 << 10, ms, 4 << 10},          // half the limit is enough
		{1 << 10, ms, 4 << 10},          // fast but small: says nothing of the link
		{4 << 10, ms, 8 << 10},          //
		{8 << 10, ms, 16 << 10},         //
		{16 << 10, ms, 32 << 10},        //
		{32 << 10, ms, 64 << 10},        //
		{64 << 10, ms, 128 << 10},       //
		{128 << 10, ms, 128 << 10},      // at the cap
		{128 << 10, 20 * ms, 128 << 10}, // neither fast nor slow
		{100 << 10, 500 * ms, 10 << 10}, // 200 KiB/s: 10 KiB in 50 ms
		{10 << 10, 50 * ms, 10 << 10},   // just in time
		{10 << 10, 1000 * ms, minFrame}, // 10 KiB/s: floor
		{512, 10 * ms, 2 << 10},         // half the limit, fast
		{2 << 10, 100 * ms, 1 << 10},    //
		{1 << 10, 12 * ms, 2 << 10},     // under a quarter of frameTime
		{1 << 10, 13 * ms, 2 << 10},     // not under: stays
		{2 << 10, 30 * ms, 2 << 10},     //
		{64 << 10, 100 * ms, 2 << 10},   // slow, but a larger limit would not shrink it
	}
	for i, s := range steps {
		p.wrote(s.n, s.d)
		if got := p.frameMax(); got != s.want {
			t.Fatalf("step %d (%d B in %v): limit %d, want %d", i, s.n, s.d, got, s.want)
		}
	}
}
