package ring_test

import (
	"errors"
	"io"
	"testing"

	"github.com/netoffload/offload/internal/ring"
)

var errWriter = errors.New("writer error")

func TestCloseWriteDrainsThenEOF(t *testing.T) {
	r := ring.New(16)
	mustWrite(t, r, []byte("last words"))
	r.CloseWrite(errTest)
	if n, err := r.Write([]byte("x")); n != 0 || !errors.Is(err, errTest) {
		t.Fatalf("Write after CloseWrite = %d, %v; want the CloseWrite error", n, err)
	}
	if got := mustRead(t, r, 10); string(got) != "last words" {
		t.Fatalf("Read = %q", got)
	}
	for range 2 { // EOF is sticky
		if n, err := r.Read(make([]byte, 4)); n != 0 || err != io.EOF {
			t.Fatalf("Read after drain = %d, %v; want io.EOF", n, err)
		}
	}
	if _, err := r.TryPeek(); err != io.EOF {
		t.Fatalf("TryPeek after drain: %v, want io.EOF", err)
	}
	if _, err := r.Peek(); err != io.EOF {
		t.Fatalf("Peek after drain: %v, want io.EOF", err)
	}
	if _, err := r.TryReserve(); !errors.Is(err, errTest) {
		t.Fatalf("TryReserve after CloseWrite: %v", err)
	}
	if _, err := r.Reserve(); !errors.Is(err, errTest) {
		t.Fatalf("Reserve after CloseWrite: %v", err)
	}
}

func TestCloseWriteWakesReader(t *testing.T) {
	r, ch := blockedReader(t)
	r.CloseWrite(errTest)
	if res := await(t, ch); res.n != 0 || res.err != io.EOF {
		t.Fatalf("Read = %+v, want io.EOF", res)
	}
}

func TestCloseWriteWakesBlockedWriter(t *testing.T) {
	r, ch := blockedWriter(t, []byte("blocked"))
	r.CloseWrite(errTest)
	if res := await(t, ch); res.n != 0 || !errors.Is(res.err, errTest) {
		t.Fatalf("Write = %+v, want the CloseWrite error", res)
	}
	if got := mustRead(t, r, 4); string(got) != "full" {
		t.Fatalf("Read = %q", got)
	}
}

func TestCloseWriteFirstErrorWins(t *testing.T) {
	r := ring.New(4)
	r.CloseWrite(errTest)
	r.CloseWrite(errWriter)
	if _, err := r.Write([]byte("x")); !errors.Is(err, errTest) {
		t.Fatalf("Write: %v, want the first CloseWrite error", err)
	}
}

func TestCloseReadFailsReaderAtOnce(t *testing.T) {
	r := ring.New(16)
	mustWrite(t, r, []byte("dropped"))
	r.CloseRead(errTest, errWriter)
	if n, err := r.Read(make([]byte, 16)); n != 0 || !errors.Is(err, errTest) {
		t.Fatalf("Read after CloseRead = %d, %v; want the reader error, buffered bytes dropped", n, err)
	}
	if n, err := r.Write([]byte("x")); n != 0 || !errors.Is(err, errWriter) {
		t.Fatalf("Write after CloseRead = %d, %v; want the writer error", n, err)
	}
	if _, err := r.TryPeek(); !errors.Is(err, errTest) {
		t.Fatalf("TryPeek: %v", err)
	}
	if _, err := r.TryReserve(); !errors.Is(err, errWriter) {
		t.Fatalf("TryReserve: %v", err)
	}
}

// TestCloseReadNilDiscards: with no writer error, writes succeed and the
// bytes vanish, as after shutdown(SHUT_RD).
func TestCloseReadNilDiscards(t *testing.T) {
	r := ring.New(4)
	r.CloseRead(io.EOF, nil)
	big := pattern(0, 100) // larger than the limit: must not block
	if n, err := r.Write(big); n != len(big) || err != nil {
		t.Fatalf("Write = %d, %v; want everything accepted and dropped", n, err)
	}
	if r.Buffered() != 0 {
		t.Fatalf("Buffered = %d", r.Buffered())
	}
	if _, err := r.Read(make([]byte, 4)); err != io.EOF {
		t.Fatalf("Read: %v, want the reader error io.EOF", err)
	}
	if _, err := r.TryReserve(); !errors.Is(err, ring.ErrReadClosed) {
		t.Fatalf("TryReserve: %v, want ErrReadClosed", err)
	}
	if _, err := r.Reserve(); !errors.Is(err, ring.ErrReadClosed) {
		t.Fatalf("Reserve: %v, want ErrReadClosed", err)
	}
}

func TestCloseReadWakesBoth(t *testing.T) {
	r, rd := blockedReader(t)
	r.CloseRead(errTest, errWriter)
	if res := await(t, rd); !errors.Is(res.err, errTest) {
		t.Fatalf("Read = %+v", res)
	}

	r, wr := blockedWriter(t, []byte("more"))
	r.CloseRead(errTest, errWriter)
	if res := await(t, wr); res.n != 0 || !errors.Is(res.err, errWriter) {
		t.Fatalf("Write = %+v", res)
	}

	r, wr = blockedWriter(t, []byte("more"))
	r.CloseRead(io.EOF, nil)
	if res := await(t, wr); res.n != 4 || res.err != nil {
		t.Fatalf("Write woken by CloseRead(_, nil) = %+v, want all 4 accepted", res)
	}
}

func TestAbort(t *testing.T) {
	r, wr := blockedWriter(t, []byte("more"))
	r.Abort(errTest)
	if res := await(t, wr); res.n != 0 || !errors.Is(res.err, errTest) {
		t.Fatalf("blocked Write = %+v, want the abort error", res)
	}
	if n, err := r.Read(make([]byte, 4)); n != 0 || !errors.Is(err, errTest) {
		t.Fatalf("Read after Abort = %d, %v; buffered bytes must be dropped", n, err)
	}
	if _, err := r.Write([]byte("x")); !errors.Is(err, errTest) {
		t.Fatalf("Write after Abort: %v", err)
	}
	r.Abort(errWriter)
	r.CloseWrite(errWriter)
	r.CloseRead(errWriter, errWriter)
	if _, err := r.Read(nil); !errors.Is(err, errTest) {
		t.Fatalf("later closes changed the error: %v", err)
	}

	r, rd := blockedReader(t)
	r.Abort(errTest)
	if res := await(t, rd); !errors.Is(res.err, errTest) {
		t.Fatalf("blocked Read = %+v", res)
	}
}

// TestAbortAfterCloseWrite: an abort after an orderly end still fails the
// reader at once, even with bytes left.
func TestAbortAfterCloseWrite(t *testing.T) {
	r := ring.New(16)
	mustWrite(t, r, []byte("pending"))
	r.CloseWrite(errWriter)
	r.Abort(errTest)
	if _, err := r.Read(make([]byte, 16)); !errors.Is(err, errTest) {
		t.Fatalf("Read: %v, want the abort error", err)
	}
	if _, err := r.Write([]byte("x")); !errors.Is(err, errWriter) {
		t.Fatalf("Write: %v, want the CloseWrite error (first close of the write side counts)", err)
	}
}

func TestHold(t *testing.T) {
	r := ring.New(16)
	r.SetHold(true)
	mustWrite(t, r, []byte("held"))
	if r.Buffered() != 4 {
		t.Fatalf("Buffered = %d under hold, want 4", r.Buffered())
	}
	if span, err := r.TryPeek(); len(span) != 0 || err != nil {
		t.Fatalf("TryPeek under hold = %q, %v; want nothing", span, err)
	}
	ch := goRead(r, make([]byte, 16))
	readerParked(t, r)
	notDone(t, ch, "Read under hold")
	r.SetHold(false)
	if res := await(t, ch); res.n != 4 || res.err != nil {
		t.Fatalf("Read after hold lifted = %+v", res)
	}
}

func TestHoldDoesNotHideAbort(t *testing.T) {
	r := ring.New(16)
	r.SetHold(true)
	ch := goRead(r, make([]byte, 16))
	readerParked(t, r)
	r.Abort(errTest)
	if res := await(t, ch); !errors.Is(res.err, errTest) {
		t.Fatalf("Read = %+v, want the abort error", res)
	}
}

// TestHoldHidesEnd: a held ring hides the orderly end too, and a reader
// parked on it waits (without spinning) until the hold lifts.
func TestHoldHidesEnd(t *testing.T) {
	r := ring.New(16)
	r.SetHold(true)
	mustWrite(t, r, []byte("held"))
	r.CloseWrite(errTest)
	if span, err := r.TryPeek(); len(span) != 0 || err != nil {
		t.Fatalf("TryPeek under hold after CloseWrite = %q, %v; want nothing", span, err)
	}
	ch := goRead(r, make([]byte, 16))
	readerParked(t, r)
	notDone(t, ch, "Read under hold")
	r.SetHold(false)
	if res := await(t, ch); res.n != 4 || res.err != nil {
		t.Fatalf("Read after hold lifted = %+v", res)
	}
	if _, err := r.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("Read: %v, want io.EOF", err)
	}
}

// TestCloseReadDropsBuffered: CloseRead drops buffered bytes, so
// Buffered reports 0 and Available the whole limit.
func TestCloseReadDropsBuffered(t *testing.T) {
	r := ring.New(16)
	mustWrite(t, r, []byte("dropped"))
	r.CloseRead(errTest, errWriter)
	if r.Buffered() != 0 || r.Available() != 16 {
		t.Fatalf("after CloseRead: Buffered %d Available %d, want 0 and 16", r.Buffered(), r.Available())
	}
}

// TestCloseWriteNilRefusesWrites: backends end a received stream with
// In.CloseWrite(nil). After that producers get ErrWriteClosed, never a
// short count with a nil error, and nothing is published after the end.
func TestCloseWriteNilRefusesWrites(t *testing.T) {
	r := ring.New(16)
	r.CloseWrite(nil)
	if n, err := r.Write([]byte("after the end")); n != 0 || !errors.Is(err, ring.ErrWriteClosed) {
		t.Errorf("Write after CloseWrite(nil) = %d, %v; want ErrWriteClosed", n, err)
	}
	if span, err := r.TryReserve(); span != nil || !errors.Is(err, ring.ErrWriteClosed) {
		t.Errorf("TryReserve after CloseWrite(nil) = %d bytes, %v; want ErrWriteClosed", len(span), err)
	}
	if _, err := r.Read(make([]byte, 4)); err != io.EOF {
		t.Errorf("Read after CloseWrite(nil): %v, want io.EOF", err)
	}
}

func TestAbortNil(t *testing.T) {
	r := ring.New(16)
	mustWrite(t, r, []byte("x"))
	r.Abort(nil)
	if _, err := r.Read(make([]byte, 4)); !errors.Is(err, ring.ErrWriteClosed) {
		t.Errorf("Read after Abort(nil): %v; want an error (ErrWriteClosed), not a nil that readers spin on", err)
	}
	if _, err := r.Write([]byte("x")); !errors.Is(err, ring.ErrWriteClosed) {
		t.Errorf("Write after Abort(nil): %v", err)
	}
}
