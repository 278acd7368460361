package ring

import "io"

// Write copies p into the ring, blocking while it is full. It returns
// early only with an error: the write side was closed (the CloseWrite
// error), the consumer went away (the CloseRead error), or the write
// deadline passed (os.ErrDeadlineExceeded). Bytes written before the error
// stay queued. Concurrent Writes do not interleave.
func (r *Ring) Write(p []byte) (int, error) {
	if expired(&r.wdlArmed, r.wdl) {
		return 0, errTimeout
	}
	r.mu.Lock()
	if err := r.acquireProducer(); err != nil {
		r.mu.Unlock()
		return 0, err
	}
	total, err := r.write(p)
	r.releaseProducer()
	notify := r.onReadable
	r.mu.Unlock()
	if notify != nil && total > 0 {
		notify()
	}
	return total, err
}

// write is Write's loop, run with mu and the producer gate held.
func (r *Ring) write(p []byte) (int, error) {
	total := 0
	for {
		if err := r.producerErr(); err != nil {
			if err == errDiscard {
				return len(p), nil
			}
			return total, err
		}
		if total == len(p) {
			return total, nil
		}
		if r.n < r.limit {
			total += r.copyIn(p[total:])
			r.signalData()
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

// producerErr reports why a producer cannot proceed, or nil. mu held.
func (r *Ring) producerErr() error {
	switch {
	case r.wclosed:
		return r.wErr
	case r.rclosed && r.peerErr == nil:
		return errDiscard
	case r.rclosed:
		return r.peerErr
	}
	return nil
}

// copyIn appends as much of p as fits, growing buf if allowed. mu held.
func (r *Ring) copyIn(p []byte) int {
	r.grow(len(p))
	total := 0
	for total < len(p) && r.n < len(r.buf) {
		tail := (r.head + r.n) % len(r.buf)
		end := len(r.buf)
		if tail < r.head {
			end = r.head
		}
		c := copy(r.buf[tail:end], p[total:])
		r.n += c
		total += c
	}
	return total
}

// grow makes room for want more bytes if the limit allows. mu held.
func (r *Ring) grow(want int) {
	need := r.n + want
	if need <= len(r.buf) || len(r.buf) == r.limit || r.reserved {
		return
	}
	size := len(r.buf)
	if size == 0 {
		size = minAlloc
	}
	for size < need && size < r.limit {
		size *= 2
	}
	if size > r.limit {
		size = r.limit
	}
	nb := make([]byte, size)
	if r.n > 0 {
		c := copy(nb, r.buf[r.head:min(r.head+r.n, len(r.buf))])
		copy(nb[c:], r.buf[:r.n-c])
	}
	r.buf, r.head = nb, 0
}

// Reserve lends the producer a span of free space, blocking while the ring
// is full. Fill a prefix of it and call Commit with the number of bytes
// filled. Only one goroutine may use Reserve/Commit, and not together with
// Write or ReadFrom.
func (r *Ring) Reserve() ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		if err := r.producerErr(); err != nil {
			if err == errDiscard {
				err = ErrReadClosed
			}
			return nil, err
		}
		if r.n < r.limit {
			return r.reserve(), nil
		}
		if err := r.waitSpace(); err != nil {
			return nil, err
		}
	}
}

// TryReserve is Reserve without blocking: it returns an empty span when
// the ring is full.
func (r *Ring) TryReserve() ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.producerErr(); err != nil {
		if err == errDiscard {
			err = ErrReadClosed
		}
		return nil, err
	}
	if r.n == r.limit {
		return nil, nil
	}
	return r.reserve(), nil
}

// reserve returns the contiguous free span after the tail. mu held, and
// the ring is not full.
func (r *Ring) reserve() []byte {
	if r.n == 0 && !r.consuming {
		r.head = 0
	}
	r.grow(max(minAlloc, r.n))
	tail := (r.head + r.n) % len(r.buf)
	end := len(r.buf)
	if tail < r.head {
		end = r.head
	}
	r.reserved = true
	return r.buf[tail:end]
}

// Commit publishes the first n bytes of the span Reserve returned.
func (r *Ring) Commit(n int) {
	r.mu.Lock()
	r.reserved = false
	if n > 0 && !r.rclosed {
		r.n += n
		r.signalData()
	}
	notify := r.onReadable
	r.mu.Unlock()
	if notify != nil && n > 0 {
		notify()
	}
}

// ReadFrom fills the ring from src until src reports io.EOF (returned as
// nil, as io.ReaderFrom does) or an error, or the ring refuses more bytes.
// It holds the producer gate throughout and reads straight into the
// ring's free space.
func (r *Ring) ReadFrom(src io.Reader) (int64, error) {
	r.mu.Lock()
	err := r.acquireProducer()
	r.mu.Unlock()
	if err != nil {
		return 0, err
	}
	defer func() {
		r.mu.Lock()
		r.releaseProducer()
		r.mu.Unlock()
	}()
	var total int64
	for {
		if expired(&r.wdlArmed, r.wdl) {
			return total, errTimeout
		}
		span, err := r.Reserve()
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

// CloseWrite ends the stream: the consumer drains what is buffered and
// then reads io.EOF; producers get err from now on. Only the first close
// of the write side counts.
func (r *Ring) CloseWrite(err error) {
	r.mu.Lock()
	if !r.wclosed {
		r.wclosed, r.wErr = true, err
	}
	r.wakeAll()
	rn, wn := r.onReadable, r.onWritable
	r.mu.Unlock()
	callBoth(rn, wn)
}
