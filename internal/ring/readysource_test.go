package ring_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/netoffload/offload/internal/ring"
)

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

// TestReadFromReadySource: ReadFrom reads a ReadySource only while it is
// ready, stopping with a nil error at its first read that is not, and a
// later call goes on where it stopped.
func TestReadFromReadySource(t *testing.T) {
	r := ring.New(0)
	data := pattern(11, 30<<10)
	src := &readySource{data: data, chunk: 10 << 10}
	if n, err := r.ReadFrom(src); n != 0 || err != nil || src.left != 0 {
		t.Fatalf("ReadFrom of a source not ready = %d, %v after %d reads; want 0, nil and no read", n, err, -src.left)
	}
	src.arm(1)
	first, err := r.ReadFrom(src)
	if first <= 0 || first > 10<<10 || err != nil || src.left != 0 {
		t.Fatalf("ReadFrom = %d, %v after %d reads; want one read of up to 10240 bytes", first, err, 1-src.left)
	}
	src.arm(100) // ready to its end
	if n, err := r.ReadFrom(src); n != int64(len(data))-first || err != nil {
		t.Fatalf("ReadFrom = %d, %v; want the other %d bytes", n, err, int64(len(data))-first)
	}
	if got := mustRead(t, r, len(data)); !bytes.Equal(got, data) {
		t.Fatal("bytes differ from the source's")
	}
}

// blockingSource is ready, but its read waits until release is closed,
// as a yamux stream's read waits when it sends a window update on a
// congested link.
type blockingSource struct {
	reading chan struct{} // closed when the read starts
	release chan struct{}
	done    bool
}

func (s *blockingSource) Read(p []byte) (int, error) {
	s.done = true
	close(s.reading)
	<-s.release
	return copy(p, "late"), nil
}

func (s *blockingSource) ReadReady() bool { return !s.done } // one read

// TestReadFromSlowSourceKeepsDeadline: ReadFrom never reads a source into
// a parked reader's buffer, so a reader whose deadline passes while a
// source's read is slow returns on time, not when the read does.
func TestReadFromSlowSourceKeepsDeadline(t *testing.T) {
	r := ring.New(0)
	src := &blockingSource{reading: make(chan struct{}), release: make(chan struct{})}
	ch := goRead(r, make([]byte, 16<<10))
	readerParked(t, r)
	done := make(chan error, 1)
	go func() {
		_, err := r.ReadFrom(src)
		done <- err
	}()
	<-src.reading
	r.SetReadDeadline(time.Now())
	if res := await(t, ch); res.n != 0 || !errors.Is(res.err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read = %d, %v; want the deadline's error while the source is still reading", res.n, res.err)
	}
	close(src.release)
	if err := await(t, done); err != nil {
		t.Fatalf("ReadFrom: %v", err)
	}
	r.SetReadDeadline(time.Time{})
	if got := mustRead(t, r, 4); string(got) != "late" {
		t.Fatalf("read %q after the deadline, want the source's late bytes", got)
	}
}

// TestReadFromReadyStream: ReadFrom calls that read a ReadySource for a
// few reads each, against a reader reading concurrently with a large
// buffer; the reader gets every byte once and in order.
func TestReadFromReadyStream(t *testing.T) {
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
