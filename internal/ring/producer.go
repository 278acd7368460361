package ring

import (
	"io"
	"runtime"
)

// Write copies p into the ring, blocking while it is full. It returns
// early only with an error: the write side was closed (the CloseWrite
// error), the consumer went away (the CloseRead error), or the write
// deadline passed (os.ErrDeadlineExceeded). Bytes written before the error
// stay queued. Concurrent Writes do not interleave.
func (r *Ring) Write(p []byte) (int, error) {
	if expired(&r.wdlArmed, r.wdl) {
		return 0, errTimeout
	}
	// Writes large enough for a hand-off take the gate held at once: they
	// go to the slow path anyway.
	v, ok := uint64(0), false
	if len(p) < handoffMin {
		v, ok = r.prod.tryAcquireBusy()
	}
	if !ok {
		if err := r.acquireProducer(); err != nil {
			return 0, err
		}
		total, err := r.write(p)
		r.releaseProducer()
		return total, err
	}
	// Fast path: an open ring with room for all of p in the tail block,
	// and a non-empty write too small for a hand-off, or a medium one with
	// no hand-off offered. The gate was taken busy, so publishing the
	// bytes and opening it is one plain store.
	n := len(p)
	small := n < appendMin || n < handoffMin && !r.handoffOffered()
	if small && n > 0 && r.flags.Load() == 0 && r.unpub == 0 && r.tw+n <= len(r.tail.buf) && int64(n) <= r.free() {
		copy(r.tail.buf[r.tw:], p)
		r.tw += n
		r.wtotal += int64(n)
		// The room a next write of this size would take, to prefetch
		// once the gate is open (see prefetchWrite; after small writes
		// prefetching measured slower).
		var next []byte
		if n >= prefetchMin {
			next = r.tail.buf[r.tw:min(r.tw+n, len(r.tail.buf))]
		}
		r.published(r.prod.releaseBusy(v, int64(n)))
		if len(next) > 0 {
			prefetchWrite(&next[0], len(next))
		}
		return n, nil
	}
	handed := 0
	if !small && r.unpub == 0 {
		// A medium write to a parked reader: append it to the reader's
		// buffer with the gate still busy, and open the gate with the same
		// plain store. The reader's park bit goes with it: the hand-off
		// woke the reader, so a later publish need not wake it again.
		handed, _ = r.tryHandoff(p)
		if handed > 0 && handoffHook != nil {
			handoffHook()
		}
		if handed == n {
			storeRelease(r.prod.ptr(), v&^parkBit)
			return n, nil
		}
	}
	r.prod.own(v)
	total, err := r.write(p[handed:])
	r.releaseProducer()
	return handed + total, err
}

// prefetchMin is the smallest write after which Write prefetches room for
// the next one.
const prefetchMin = 256

// write is Write's loop, run with the producer gate held.
func (r *Ring) write(p []byte) (int, error) {
	total, yields := 0, 0
	for {
		// Every byte accepted: the Write succeeded, whatever closed since.
		// A hand-off may already have delivered them, and the reader may
		// have shut its side before this check.
		if total == len(p) && total > 0 {
			return total, nil
		}
		if f := r.flags.Load(); f&(flagWClosed|flagRClosed) != 0 {
			err := r.producerErr()
			if err == errDiscard {
				return len(p), nil
			}
			return total, err
		}
		if len(p) == 0 {
			return 0, nil // a zero-length Write on an open ring
		}
		if len(p)-total >= appendMin && r.handoffOffered() {
			c, pending := r.tryHandoff(p[total:])
			if c > 0 {
				if handoffHook != nil {
					handoffHook()
				}
				total += c
				continue
			}
			if pending && yields < handoffYields {
				yields++
				runtime.Gosched()
				continue
			}
		}
		if free := r.free(); free > 0 {
			end := total + int(min(free, int64(len(p)-total)))
			total += r.copyIn(p[total:end])
			continue
		}
		if err := r.waitSpace(); err != nil {
			return total, err
		}
	}
}

// errDiscard tells a producer that the consumer shut its read side without
// an error for writers: writes succeed and are dropped, as after
// shutdown(SHUT_RD).
var errDiscard = &discardError{}

type discardError struct{}

func (*discardError) Error() string { return "ring: writes discarded" }

// producerErr reports why a producer cannot proceed, or nil.
func (r *Ring) producerErr() error {
	f := r.flags.Load()
	if f&(flagWClosed|flagRClosed) == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case f&flagWClosed != 0:
		return r.wErr
	case r.peerErr == nil:
		return errDiscard
	}
	return r.peerErr
}

// tailSpan returns the free part of the tail block, linking a new block
// when the tail is full. Producer only.
func (r *Ring) tailSpan() []byte {
	t := r.tail
	if r.tw == len(t.buf) {
		nb := getBlock(r.wtotal, r.limit, r.most)
		r.held.Add(int64(len(nb.buf)))
		t.next.Store(nb)
		r.tail, r.tw, t = nb, nb.offset(r.wtotal), nb
	}
	return t.buf[r.tw:]
}

// copyIn appends all of p (the caller checked the limit); the gate
// release publishes it.
func (r *Ring) copyIn(p []byte) int {
	total := 0
	for total < len(p) {
		span := r.tailSpan()
		c := copy(span, p[total:])
		r.tw += c
		r.wtotal += int64(c) // the next block's offset (getBlock)
		total += c
	}
	r.unpub += int64(total)
	return total
}

// free reports how many bytes the producer may add, reloading the
// consumer's total only when the cached one says the ring is full.
func (r *Ring) free() int64 {
	f := r.limit - (r.wtotal - r.headSeen)
	if f <= 0 {
		r.headSeen = r.cons.total()
		f = r.limit - (r.wtotal - r.headSeen)
	}
	return f
}

// Reserve lends the producer a span of free space, blocking while the ring
// is full. Fill a prefix of it and call Commit with the number of bytes
// filled. Only one goroutine may use Reserve/Commit, and not together with
// Write or ReadFrom.
func (r *Ring) Reserve() ([]byte, error) {
	r.markLends()
	return r.reserve()
}

// markLends records that the producer lends spans, which keeps the
// consumer from handing the block back (Shrink). A Shrink that took the
// gate before the mark holds it busy for a moment: wait for it, so that
// the lend sees the chain as that Shrink left it. (Shrink checks the mark
// again after taking the gate, so one that comes later stops there.)
func (r *Ring) markLends() {
	if r.lends.Load() {
		return
	}
	r.lends.Store(true)
	if v := r.prod.word.Load(); v&busyBit != 0 {
		r.prod.waitStore(v)
	}
}

// reserve is Reserve for ReadFrom, which holds the producer gate
// throughout, so its spans need no lends mark.
func (r *Ring) reserve() ([]byte, error) {
	for {
		span, err := r.tryReserve()
		if err != nil || len(span) > 0 {
			return span, err
		}
		if err := r.waitSpace(); err != nil {
			return nil, err
		}
	}
}

// TryReserve is Reserve without blocking: it returns an empty span when
// the ring is full.
func (r *Ring) TryReserve() ([]byte, error) {
	r.markLends()
	return r.tryReserve()
}

func (r *Ring) tryReserve() ([]byte, error) {
	if err := r.producerErr(); err != nil {
		if err == errDiscard {
			err = ErrReadClosed
		}
		return nil, err
	}
	free := r.free()
	if free <= 0 {
		return nil, nil
	}
	span := r.tailSpan()
	return span[:min(int64(len(span)), free)], nil
}

// Commit publishes the first n bytes of the span Reserve returned.
func (r *Ring) Commit(n int) {
	if n <= 0 {
		return
	}
	r.tw += n
	r.wtotal += int64(n)
	r.published(r.prod.add(int64(n)))
}

// ReadFrom fills the ring from src until src reports io.EOF (returned as
// nil, as io.ReaderFrom does) or an error, or the ring refuses more bytes.
// It holds the producer gate throughout and reads straight into the
// ring's free space. A ReadySource is read only while it reports
// ReadReady: ReadFrom returns, with a nil error, once it is not, so it
// never waits inside a read of one.
func (r *Ring) ReadFrom(src io.Reader) (int64, error) {
	if err := r.acquireProducer(); err != nil {
		return 0, err
	}
	defer r.endReadFrom()
	ready, _ := src.(ReadySource)
	var total int64
	for {
		if ready != nil && !ready.ReadReady() {
			return total, nil
		}
		if expired(&r.wdlArmed, r.wdl) {
			return total, errTimeout
		}
		if r.producerErr() == errDiscard {
			// The consumer shut its read side: accept and drop, as Write does.
			n, err := discardFrom(src, ready)
			return total + n, err
		}
		span, err := r.reserve()
		if err != nil {
			return total, err
		}
		n, rerr := src.Read(span)
		r.Commit(n)
		total += int64(n)
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

// ReadySource is a source that knows whether its next Read returns at
// once, with bytes it holds, an error or io.EOF. A backend pump that
// waits for its medium itself and then hands ReadFrom one ready read at a
// time never holds the producer gate while it waits, so a reader that
// parks on the empty ring can hand its block back meanwhile (Shrink).
//
// ReadFrom never reads a source, ready or not, into a parked reader's
// buffer: a source's read may do more than copy (a yamux stream's read
// may send a window update and wait for the link to take it), and the
// reader, unable to take its buffer back until that read returned, would
// miss its deadline or its Close.
type ReadySource interface {
	io.Reader
	ReadReady() bool
}

// discardFrom reads src to its end and drops the bytes, or, for a
// ReadySource, only while it is ready.
func discardFrom(src io.Reader, ready ReadySource) (int64, error) {
	if ready != nil {
		src = readyReader{ready}
	}
	return io.Copy(io.Discard, src)
}

// readyReader reads a ReadySource while it is ready, and then reports
// io.EOF.
type readyReader struct{ ReadySource }

func (r readyReader) Read(p []byte) (int, error) {
	if !r.ReadReady() {
		return 0, io.EOF
	}
	return r.ReadySource.Read(p)
}

// endReadFrom releases the gate ReadFrom held. A consumer that parked
// meanwhile on the empty ring could not take the gate to hand the block
// back (Shrink): wake it, so that it tries again now the gate is open.
func (r *Ring) endReadFrom() {
	blocks := len(r.tail.buf) > 0
	r.releaseProducer()
	if blocks && !r.lends.Load() && r.prod.word.Load()&parkBit != 0 && r.prod.unpark() {
		kick(r.dataCh)
	}
}

// CloseWrite ends the stream: the consumer drains what is buffered and
// then reads io.EOF; producers get err from now on. Only the first close
// of the write side counts; a nil err means ErrWriteClosed.
func (r *Ring) CloseWrite(err error) {
	r.mu.Lock()
	if r.flags.Load()&flagWClosed == 0 {
		if err == nil {
			err = ErrWriteClosed
		}
		r.wErr = err
		r.setFlag(flagWClosed)
	}
	r.mu.Unlock()
	r.wakeAll()
}
