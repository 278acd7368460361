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

// readySource serves data in reads of at most chunk bytes, never
// blocking; after arm(k) it reports ready for its next k reads.
type readySource struct {
	data  []byte
	chunk int
	left  int
}

func (s *readySource) arm(k int) { s.left = k }

func (s *readySource) Read(p []byte) (int, error) {
	s.left--
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), s.chunk)], s.data)
	s.data = s.data[n:]
	return n, nil
}

func (s *readySource) ReadReady() bool { return s.left > 0 }

// TestHandoffReadFrom: ReadFrom reads a ready ReadySource straight into a
// parked reader's buffer, and stops at its first read that is not ready;
// the reader gets the stream whole and in order.
func TestHandoffReadFrom(t *testing.T) {
	r := ring.New(0)
	buf := make([]byte, 16<<10)
	ch := goRead(r, buf)
	readerParked(t, r)
	handoffs := 0
	ring.SetHandoffHook(func() { handoffs++ })
	defer ring.SetHandoffHook(nil)
	data := pattern(11, 30<<10)
	src := &readySource{data: data, chunk: 10 << 10}
	src.arm(1)
	if n, err := r.ReadFrom(src); n != 10<<10 || err != nil {
		t.Fatalf("ReadFrom = %d, %v; want one read of 10240 bytes", n, err)
	}
	if handoffs != 1 {
		t.Fatalf("%d hand-offs, want 1", handoffs)
	}
	src.arm(100) // ready to the end
	if n, err := r.ReadFrom(src); n != 20<<10 || err != nil {
		t.Fatalf("ReadFrom = %d, %v; want the other 20480 bytes", n, err)
	}
	checkParkedRead(t, r, buf, await(t, ch), data, 10<<10)
}

// TestReadFromNotReady: ReadFrom never reads a ReadySource that is not
// ready, since its read may block, and so never waits in one.
func TestReadFromNotReady(t *testing.T) {
	r := ring.New(0)
	buf := make([]byte, 16<<10)
	ch := goRead(r, buf)
	readerParked(t, r)
	src := &readySource{data: pattern(12, 12<<10), chunk: 4 << 10}
	if n, err := r.ReadFrom(src); n != 0 || err != nil || src.left != 0 {
		t.Fatalf("ReadFrom = %d, %v after %d reads; want 0, nil and no read", n, err, -src.left)
	}
	r.CloseWrite(nil)
	if res := await(t, ch); res.n != 0 || res.err != io.EOF {
		t.Fatalf("Read = %d, %v; want 0, EOF", res.n, res.err)
	}
}

// TestHandoffReadFromStream: ReadFrom calls that read a ReadySource for a
// few reads each, against a reader reading concurrently with a buffer
// large enough to offer; the reader gets every byte once, in order,
// however each read was placed.
func TestHandoffReadFromStream(t *testing.T) {
	r := ring.New(48 << 10)
	chunks := []int{600, 9000, 17000, 3000, 40000, 1}
	var all []byte
	for i := range 200 {
		all = append(all, pattern(i, chunks[i%len(chunks)]*2)...)
	}
	done := make(chan error, 1)
	go func() {
		defer r.CloseWrite(nil)
		src := &readySource{data: all}
		for i := 0; len(src.data) > 0; i++ {
			src.chunk = chunks[i%len(chunks)]
			src.arm(1 + i%3)
			if _, err := r.ReadFrom(src); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	var data []byte
	buf := make([]byte, 20<<10)
	for {
		n, err := r.Read(buf)
		data = append(data, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
	}
	if err := await(t, done); err != nil {
		t.Fatalf("ReadFrom: %v", err)
	}
	if !bytes.Equal(data, all) {
		t.Fatalf("read %d bytes that differ from the %d written", len(data), len(all))
	}
}
