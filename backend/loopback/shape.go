package loopback

import (
	"io"
	"sync"
	"syscall"
	"time"

	"github.com/netoffload/offload/backend"
)

// shapeChunk is the most bytes moved as one unit by a shaper.
const shapeChunk = 16 << 10

// shaper moves one direction of a shaped connection from the sender's Out
// (src) to the receiver's In (dst), adding latency and limiting bandwidth.
// Its reader goroutine stamps chunks with their due time; its writer
// goroutine delivers them in order. Both end when the stream ends, either
// side aborts, or stop is closed.
type shaper struct {
	src, dst *backend.Buffer
	ch       chan shapeItem
	kick     chan struct{} // cap 1: faults changed
	stop     chan struct{}
	stopOnce sync.Once

	mu sync.Mutex
	f  Faults
}

type shapeItem struct {
	data []byte
	due  time.Time
	err  error // io.EOF: orderly end; other: abort
}

var chunkPool = sync.Pool{New: func() any { b := make([]byte, shapeChunk); return &b }}

func newShaper(src, dst *backend.Buffer, f Faults) *shaper {
	s := &shaper{
		src:  src,
		dst:  dst,
		ch:   make(chan shapeItem, 32),
		kick: make(chan struct{}, 1),
		stop: make(chan struct{}),
		f:    f,
	}
	go s.readLoop()
	go s.writeLoop()
	return s
}

func (s *shaper) set(f Faults) {
	s.mu.Lock()
	s.f = f
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *shaper) faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f
}

func (s *shaper) halt() { s.stopOnce.Do(func() { close(s.stop) }) }

func (s *shaper) readLoop() {
	defer close(s.ch)
	for {
		p, err := s.src.Peek()
		if err != nil {
			s.ch <- shapeItem{err: err}
			return
		}
		bp := chunkPool.Get().(*[]byte)
		n := copy(*bp, p)
		s.src.Discard(n)
		item := shapeItem{data: (*bp)[:n], due: time.Now().Add(s.faults().Latency)}
		select {
		case s.ch <- item:
		case <-s.stop:
			return
		}
	}
}

func (s *shaper) writeLoop() {
	var busyUntil time.Time
	failed := false
	for item := range s.ch {
		if item.err != nil {
			s.finish(item.err, failed)
			continue
		}
		if !failed {
			var ok bool
			busyUntil, ok = s.deliver(item, busyUntil)
			failed = !ok
		}
		b := item.data[:cap(item.data)]
		chunkPool.Put(&b)
	}
}

// finish propagates the end of src to dst.
func (s *shaper) finish(err error, failed bool) {
	switch {
	case failed:
	case err == io.EOF:
		s.dst.CloseWrite(nil)
	default:
		s.dst.Abort(err)
	}
}

// deliver waits for the chunk's due time and bandwidth share, then writes
// it. It reports false if dst refused it, after resetting src.
func (s *shaper) deliver(item shapeItem, busyUntil time.Time) (time.Time, bool) {
	for {
		f := s.faults()
		start := item.due
		if busyUntil.After(start) {
			start = busyUntil
		}
		wait := time.Until(start)
		if wait <= 0 {
			if f.Bandwidth > 0 {
				busyUntil = time.Now().Add(time.Duration(int64(len(item.data)) * int64(time.Second) / f.Bandwidth))
			}
			break
		}
		if !s.sleep(wait) {
			return busyUntil, false
		}
	}
	if _, err := s.dst.Write(item.data); err != nil {
		s.src.Abort(syscall.ECONNRESET)
		return busyUntil, false
	}
	return busyUntil, true
}

// sleep waits d, returning early (true) when faults change and false when
// the shaper is stopped.
func (s *shaper) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.kick:
	case <-s.stop:
		return false
	}
	return true
}
