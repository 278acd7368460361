package ring_test

import (
	"bytes"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/netoffload/offload/internal/ring"
)

// TestConcurrentWritesDoNotInterleave: each Write is much larger than the
// ring, so writers block many times mid-call; the reader must still see
// every Write as one contiguous run.
func TestConcurrentWritesDoNotInterleave(t *testing.T) {
	const writers, calls, size = 4, 3, 40_000
	r := ring.New(1 << 10)
	var wg sync.WaitGroup
	errs := make(chan error, writers*calls)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range calls {
				b := byte(1 + w*calls + c) // unique per Write call
				if n, err := r.Write(bytes.Repeat([]byte{b}, size)); n != size || err != nil {
					errs <- err
				}
			}
		}()
	}
	done := make(chan []byte, 1)
	go func() {
		all, _ := io.ReadAll(r)
		done <- all
	}()
	wg.Wait()
	r.CloseWrite(errTest)
	all := await(t, done)
	close(errs)
	for err := range errs {
		t.Fatalf("Write: %v", err)
	}
	if len(all) != writers*calls*size {
		t.Fatalf("read %d bytes, want %d", len(all), writers*calls*size)
	}
	seen := map[byte]bool{}
	for i := 0; i < len(all); i += size {
		run := all[i : i+size]
		if seen[run[0]] || bytes.Count(run, run[:1]) != size {
			t.Fatalf("Write calls interleaved at offset %d", i)
		}
		seen[run[0]] = true
	}
}

// TestConcurrentReads: several readers share one stream; together they
// receive each byte exactly once.
func TestConcurrentReads(t *testing.T) {
	const readers, total = 4, 200_000
	r := ring.New(1 << 10)
	var mu sync.Mutex
	var counts [251]int
	var wg sync.WaitGroup
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local [251]int
			buf := make([]byte, 333)
			for {
				n, err := r.Read(buf)
				for _, b := range buf[:n] {
					local[b]++
				}
				if err != nil {
					break
				}
			}
			mu.Lock()
			for i, c := range local {
				counts[i] += c
			}
			mu.Unlock()
		}()
	}
	mustWrite(t, r, pattern(0, total))
	r.CloseWrite(errTest)
	wg.Wait()
	var want [251]int
	for _, b := range pattern(0, total) {
		want[b]++
	}
	if counts != want {
		t.Fatal("bytes lost or duplicated between concurrent readers")
	}
}

// TestConcurrentLendPump runs a backend-style pump (Peek/Discard into a
// second ring through Reserve/Commit) between an application writer and
// reader, with everything moving at once.
func TestConcurrentLendPump(t *testing.T) {
	out, in := ring.New(700), ring.New(900)
	want := pattern(11, 300_000)
	go func() {
		for {
			span, err := out.Peek()
			if err != nil {
				in.CloseWrite(errTest)
				return
			}
			dst, err := in.Reserve()
			if err != nil {
				out.CloseRead(err, err)
				return
			}
			n := copy(dst, span)
			in.Commit(n)
			out.Discard(n)
		}
	}()
	wr := make(chan error, 1)
	go func() {
		_, err := out.Write(want)
		out.CloseWrite(errTest)
		wr <- err
	}()
	got, err := io.ReadAll(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := await(t, wr); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("bytes differ through the pump")
	}
}

// TestPingPongWakeups bounces one byte between two goroutines through two
// rings many times, so that nearly every Read parks and every Write must
// wake it: a lost wake-up shows as a hang.
func TestPingPongWakeups(t *testing.T) {
	const rounds = 20_000
	ab, ba := ring.New(1), ring.New(1)
	done := make(chan error, 1)
	go func() {
		b := make([]byte, 1)
		for range rounds {
			if _, err := io.ReadFull(ab, b); err != nil {
				done <- err
				return
			}
			if _, err := ba.Write(b); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	b := []byte{0}
	for i := range rounds {
		b[0] = byte(i)
		mustWrite(t, ab, b)
		if got := mustRead(t, ba, 1); got[0] != byte(i) {
			t.Fatalf("round %d: got %d", i, got[0])
		}
	}
	if err := await(t, done); err != nil {
		t.Fatal(err)
	}
}

// TestFullRingWakeups streams through a one-byte ring, so the writer
// parks on every byte after the first and the reader on most.
func TestFullRingWakeups(t *testing.T) {
	r := ring.New(1)
	want := pattern(0, 30_000)
	ch := goWrite(r, want)
	got := mustRead(t, r, len(want))
	if res := await(t, ch); res.err != nil {
		t.Fatal(res.err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("bytes differ")
	}
}

// TestDeadlineRacesData lets read deadlines expire at about the moment
// bytes arrive. Whichever wins, no byte is lost or read twice.
func TestDeadlineRacesData(t *testing.T) {
	const rounds = 2000
	r := ring.New(16)
	go func() {
		for i := range rounds {
			r.Write([]byte{byte(i)})
		}
	}()
	b := make([]byte, 1)
	for i, try := 0, 0; i < rounds; try++ {
		dl := time.Now().Add(time.Duration(1+try%50) * time.Microsecond)
		if try%10 == 9 {
			dl = time.Time{} // guarantees progress on a loaded machine
		}
		r.SetReadDeadline(dl)
		n, err := r.Read(b)
		if err != nil && !isTimeout(err) {
			t.Fatalf("Read: %v", err)
		}
		if n == 1 {
			if b[0] != byte(i) {
				t.Fatalf("byte %d: got %d", i, b[0])
			}
			i++
		}
	}
	r.SetReadDeadline(time.Time{})
	if r.Buffered() != 0 {
		t.Fatalf("%d bytes left over", r.Buffered())
	}
}
