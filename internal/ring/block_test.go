package ring_test

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/netoffload/offload/internal/ring"
)

var errTest = errors.New("test error")

func TestReadBlocksUntilWrite(t *testing.T) {
	r := ring.New(16)
	ch := goRead(r, make([]byte, 8))
	readerParked(t, r)
	notDone(t, ch, "Read on an empty ring")
	mustWrite(t, r, []byte("wake"))
	if res := await(t, ch); res.n != 4 || res.err != nil {
		t.Fatalf("Read = %+v, want 4 bytes", res)
	}
}

func TestWriteBlocksUntilSpace(t *testing.T) {
	r := ring.New(16)
	mustWrite(t, r, pattern(0, 16))
	ch := goWrite(r, pattern(16, 8))
	writerParked(t, r)
	notDone(t, ch, "Write on a full ring")
	// Free 4 bytes: the writer needs 8, so it cannot have finished.
	got := mustRead(t, r, 4)
	notDone(t, ch, "Write with only half the space it needs")
	got = append(got, mustRead(t, r, 20)...)
	if res := await(t, ch); res.n != 8 || res.err != nil {
		t.Fatalf("Write = %+v, want 8", res)
	}
	if !bytes.Equal(got, pattern(0, 24)) {
		t.Fatal("bytes differ")
	}
}

// TestLargeWriteStreams writes far more than the limit in one call while a
// reader drains it.
func TestLargeWriteStreams(t *testing.T) {
	r := ring.New(1000)
	want := pattern(3, 100_000)
	ch := goWrite(r, want)
	got := mustRead(t, r, len(want))
	if res := await(t, ch); res.n != len(want) || res.err != nil {
		t.Fatalf("Write = %+v", res)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("bytes differ")
	}
}

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

func TestPastDeadlineFailsAtOnce(t *testing.T) {
	r := ring.New(16)
	mustWrite(t, r, []byte("data"))
	r.SetReadDeadline(time.Now().Add(-time.Second))
	r.SetWriteDeadline(time.Now().Add(-time.Second))
	if n, err := r.Read(make([]byte, 4)); n != 0 || !isTimeout(err) {
		t.Fatalf("Read past deadline = %d, %v; want os.ErrDeadlineExceeded", n, err)
	}
	if n, err := r.Write([]byte("x")); n != 0 || !isTimeout(err) {
		t.Fatalf("Write past deadline = %d, %v", n, err)
	}
	if _, err := r.ReadFrom(bytes.NewReader([]byte("x"))); !isTimeout(err) {
		t.Fatalf("ReadFrom past deadline: %v", err)
	}
	if _, err := r.WriteTo(&bytes.Buffer{}); !isTimeout(err) {
		t.Fatalf("WriteTo past deadline: %v", err)
	}
	if r.Buffered() != 4 {
		t.Fatalf("Buffered = %d: a timed-out call changed the ring", r.Buffered())
	}
	// Zero disarms: both directions work again.
	r.SetReadDeadline(time.Time{})
	r.SetWriteDeadline(time.Time{})
	mustWrite(t, r, []byte("!"))
	if got := mustRead(t, r, 5); string(got) != "data!" {
		t.Fatalf("Read = %q", got)
	}
}

func TestDeadlineWakesBlockedRead(t *testing.T) {
	r, ch := blockedReader(t)
	r.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
	if res := await(t, ch); res.n != 0 || !isTimeout(res.err) {
		t.Fatalf("Read = %+v, want os.ErrDeadlineExceeded", res)
	}
	// Re-armed after expiry: a new Read blocks again and gets data.
	r.SetReadDeadline(time.Now().Add(time.Hour))
	ch = goRead(r, make([]byte, 4))
	readerParked(t, r)
	notDone(t, ch, "Read after re-arming")
	mustWrite(t, r, []byte("late"))
	if res := await(t, ch); res.n != 4 || res.err != nil {
		t.Fatalf("Read = %+v, want the data", res)
	}
}

func TestDeadlineWakesBlockedWrite(t *testing.T) {
	r, ch := blockedWriter(t, []byte("more!"))
	r.SetWriteDeadline(time.Now().Add(5 * time.Millisecond))
	if res := await(t, ch); res.n != 0 || !isTimeout(res.err) {
		t.Fatalf("Write = %+v, want os.ErrDeadlineExceeded", res)
	}
	if got := mustRead(t, r, 4); string(got) != "full" {
		t.Fatalf("Read = %q", got)
	}
}

// TestPartialWriteThenDeadline: bytes copied before the deadline stay
// queued and are counted.
func TestPartialWriteThenDeadline(t *testing.T) {
	r := ring.New(4)
	ch := goWrite(r, []byte("abcdefgh"))
	writerParked(t, r)
	r.SetWriteDeadline(time.Now().Add(-time.Second))
	res := await(t, ch)
	if res.n != 4 || !isTimeout(res.err) {
		t.Fatalf("Write = %+v, want 4 bytes and a timeout", res)
	}
	r.SetWriteDeadline(time.Time{})
	if got := mustRead(t, r, 4); string(got) != "abcd" {
		t.Fatalf("Read = %q", got)
	}
}

func TestDeadlineChangedWhileBlocked(t *testing.T) {
	r := ring.New(16)
	r.SetReadDeadline(time.Now().Add(time.Hour))
	ch := goRead(r, make([]byte, 4))
	readerParked(t, r)
	// Extended while blocked: still blocked, then data wins.
	r.SetReadDeadline(time.Now().Add(2 * time.Hour))
	notDone(t, ch, "Read with an extended deadline")
	mustWrite(t, r, []byte("data"))
	if res := await(t, ch); res.n != 4 || res.err != nil {
		t.Fatalf("Read = %+v", res)
	}
	// Shortened into the past while blocked: wakes at once.
	ch = goRead(r, make([]byte, 4))
	readerParked(t, r)
	r.SetReadDeadline(time.Now().Add(-time.Second))
	if res := await(t, ch); !isTimeout(res.err) {
		t.Fatalf("Read = %+v, want timeout", res)
	}
	// Disarmed while blocked: stays blocked until data.
	r.SetReadDeadline(time.Now().Add(time.Hour))
	ch = goRead(r, make([]byte, 4))
	readerParked(t, r)
	r.SetReadDeadline(time.Time{})
	notDone(t, ch, "Read with a disarmed deadline")
	mustWrite(t, r, []byte("more"))
	if res := await(t, ch); res.n != 4 || res.err != nil {
		t.Fatalf("Read = %+v", res)
	}
}

// TestDeadlineWakesGateWaiter: a second Read waits for the first to
// release the consumer gate; its deadline must still wake it.
func TestDeadlineWakesGateWaiter(t *testing.T) {
	r, first := blockedReader(t)
	second := goRead(r, make([]byte, 4))
	parked(t, "goRead", 2)
	r.SetReadDeadline(time.Now().Add(-time.Second))
	for i, ch := range []<-chan result{first, second} {
		if res := await(t, ch); !isTimeout(res.err) {
			t.Fatalf("reader %d: %+v, want timeout", i, res)
		}
	}
}

func TestWriteDeadlineWakesGateWaiter(t *testing.T) {
	r, first := blockedWriter(t, []byte("1"))
	second := goWrite(r, []byte("2"))
	r.SetWriteDeadline(time.Now().Add(5 * time.Millisecond))
	for i, ch := range []<-chan result{first, second} {
		if res := await(t, ch); res.n != 0 || !isTimeout(res.err) {
			t.Fatalf("writer %d: %+v, want timeout", i, res)
		}
	}
}

func TestReserveAndPeekHonourDeadlines(t *testing.T) {
	r := ring.New(4)
	done := goPeek(r)
	parked(t, "goPeek", 1)
	r.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
	if err := await(t, done); !isTimeout(err) {
		t.Fatalf("Peek: %v, want timeout", err)
	}
	mustWrite(t, r, []byte("full"))
	done = goReserve(r)
	parked(t, "goReserve", 1)
	r.SetWriteDeadline(time.Now().Add(5 * time.Millisecond))
	if err := await(t, done); !isTimeout(err) {
		t.Fatalf("Reserve: %v, want timeout", err)
	}
}
