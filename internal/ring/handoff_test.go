package ring_test

import (
	"bytes"
	"errors"
	"io"
	"syscall"
	"testing"

	"github.com/netoffload/offload/internal/ring"
)

// TestHandoffLargeWrite: a large write to a parked reader reaches it
// whole and in order, however the hand-off and the ring share it.
func TestHandoffLargeWrite(t *testing.T) {
	r := ring.New(0)
	buf := make([]byte, 40<<10)
	ch := goRead(r, buf)
	readerParked(t, r)
	data := pattern(3, 100<<10)
	mustWrite(t, r, data)
	checkParkedRead(t, r, buf, await(t, ch), data, 1)
}

// checkParkedRead checks that a parked Read into buf returned at least
// minN bytes and that they, followed by what the ring still holds, are
// data.
func checkParkedRead(t *testing.T, r *ring.Ring, buf []byte, res result, data []byte, minN int) {
	t.Helper()
	if res.err != nil || res.n < minN {
		t.Fatalf("Read = %d, %v; want at least %d bytes", res.n, res.err, minN)
	}
	got := append([]byte(nil), buf[:res.n]...)
	got = append(got, mustRead(t, r, len(data)-res.n)...)
	if !bytes.Equal(got, data) {
		t.Fatal("bytes differ from what was written")
	}
}

// TestHandoffAppendedWrites: medium writes to a parked reader are
// appended to its buffer, or queued once it has woken; either way the
// reader gets every byte once, in order.
func TestHandoffAppendedWrites(t *testing.T) {
	r := ring.New(0)
	buf := make([]byte, 16<<10)
	ch := goRead(r, buf)
	readerParked(t, r)
	var data []byte
	for i := range 5 {
		p := pattern(i, 1<<10)
		mustWrite(t, r, p)
		data = append(data, p...)
	}
	checkParkedRead(t, r, buf, await(t, ch), data, 1<<10)
}

// TestHandoffStream streams writes of mixed sizes, from below appendMin to
// above handoffMin, to a reader with a large buffer, and checks the
// stream byte for byte.
func TestHandoffStream(t *testing.T) {
	r := ring.New(64 << 10)
	sizes := []int{100, 700, 3000, 9000, 40000, 513, 8192, 65536, 1}
	var data []byte
	for i := range 300 {
		data = append(data, pattern(i, sizes[i%len(sizes)])...)
	}
	done := make(chan error, 1)
	go func() {
		defer r.CloseWrite(nil)
		for off, i := 0, 0; off < len(data); i++ {
			n := min(sizes[i%len(sizes)], len(data)-off)
			if _, err := r.Write(data[off : off+n]); err != nil {
				done <- err
				return
			}
			off += n
		}
		done <- nil
	}()
	got, err := io.ReadAll(struct{ io.Reader }{r}) // plain Reads of growing buffers
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	if err := await(t, done); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes that differ from the %d written", len(got), len(data))
	}
}

// TestHandoffThenCloseRead: a Write whose last bytes went straight into a
// parked reader's buffer has delivered all of them. If the reader takes
// them and shuts its side before the Write returns, the Write must still
// report every byte accepted, as a kernel socket's write does once its
// bytes are in the send buffer, and not the error meant for later writes.
func TestHandoffThenCloseRead(t *testing.T) {
	r := ring.New(0)
	buf := make([]byte, 16<<10)
	ch := goRead(r, buf)
	readerParked(t, r)
	ring.SetHandoffHook(func() {
		ring.SetHandoffHook(nil)
		res := await(t, ch) // the reader has its bytes
		if res.err != nil || res.n != 4<<10 {
			t.Errorf("Read = %d, %v; want 4096 bytes", res.n, res.err)
		}
		r.CloseRead(errors.New("reader gone"), syscall.ECONNRESET)
	})
	defer ring.SetHandoffHook(nil)
	data := pattern(7, 4<<10)
	if n, err := r.Write(data); n != len(data) || err != nil {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(data))
	}
	if _, err := r.Write(data); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("next Write: %v, want ECONNRESET", err)
	}
}

// TestHandoffConcurrentWriters: several writers of medium messages (the
// size appended to a parked reader's buffer) and one reader whose buffer
// is large enough to offer. Every message must arrive whole, once, and
// every writer's messages in order, whether they went by hand-off or
// through the ring.
func TestHandoffConcurrentWriters(t *testing.T) {
	const writers, calls, size = 3, 1500, 700
	r := ring.New(24 << 10)
	msg := func(w, c int) []byte {
		p := pattern(w*calls+c, size)
		p[0], p[1], p[2] = byte(w), byte(c), byte(c>>8)
		return p
	}
	wg := goWriters(t, r, writers, calls, msg)
	done := make(chan error, 1)
	go func() {
		next := make([]int, writers)
		var pend []byte
		buf := make([]byte, 16<<10)
		for got := 0; got < writers*calls; {
			n, err := r.Read(buf)
			if err != nil {
				done <- err
				return
			}
			pend = append(pend, buf[:n]...)
			for len(pend) >= size {
				w, c := int(pend[0]), int(pend[1])|int(pend[2])<<8
				if w >= writers || c != next[w] || !bytes.Equal(pend[:size], msg(w, c)) {
					done <- errors.New("message torn, lost or out of order")
					return
				}
				next[w]++
				got++
				pend = pend[size:]
			}
		}
		done <- nil
	}()
	wg.Wait()
	if err := await(t, done); err != nil {
		t.Fatal(err)
	}
}
