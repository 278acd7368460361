package ring

import "io"

// Read copies buffered bytes into p, blocking while the ring is empty. It
// returns io.EOF once the write side is closed and everything is drained,
// the CloseRead/Abort error, or os.ErrDeadlineExceeded.
func (r *Ring) Read(p []byte) (int, error) {
	if expired(&r.rdlArmed, r.rdl) {
		return 0, errTimeout
	}
	r.mu.Lock()
	if err := r.acquireConsumer(); err != nil {
		r.mu.Unlock()
		return 0, err
	}
	n, err := r.read(p)
	r.releaseConsumer()
	notify := r.onWritable
	r.mu.Unlock()
	if notify != nil && n > 0 {
		notify()
	}
	return n, err
}

// read is Read's loop, run with mu and the consumer gate held.
func (r *Ring) read(p []byte) (int, error) {
	for {
		if r.rclosed {
			return 0, r.rErr
		}
		if r.n > 0 && !r.hold {
			n := r.copyOut(p)
			r.signalSpace()
			return n, nil
		}
		if r.wclosed && !r.hold {
			return 0, io.EOF
		}
		if len(p) == 0 {
			return 0, nil
		}
		if err := r.waitData(); err != nil {
			return 0, err
		}
	}
}

// copyOut moves up to len(p) pending bytes into p. mu held.
func (r *Ring) copyOut(p []byte) int {
	total := 0
	for total < len(p) && r.n > 0 {
		end := min(r.head+r.n, len(r.buf))
		c := copy(p[total:], r.buf[r.head:end])
		r.consume(c)
		total += c
	}
	return total
}

// consume drops c bytes from the head. mu held.
func (r *Ring) consume(c int) {
	r.n -= c
	r.head += c
	if r.head >= len(r.buf) {
		r.head -= len(r.buf)
	}
	if r.n == 0 && !r.reserved {
		r.head = 0
	}
}

// consumerErr reports why a consumer finds nothing to read: the abort
// error, io.EOF after an orderly end, or nil if it should wait. mu held.
func (r *Ring) consumerErr() error {
	switch {
	case r.rclosed:
		return r.rErr
	case r.hold:
		return nil
	case r.wclosed && r.n == 0:
		return io.EOF
	}
	return nil
}

// Peek lends the consumer the contiguous run of pending bytes, blocking
// while there are none. Call Discard with how many were used. It returns
// io.EOF once the write side is closed and drained. Only one goroutine may
// use Peek/Discard, and not together with Read or WriteTo.
func (r *Ring) Peek() ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		if err := r.consumerErr(); err != nil {
			return nil, err
		}
		if r.n > 0 && !r.hold {
			return r.buf[r.head:min(r.head+r.n, len(r.buf))], nil
		}
		if err := r.waitData(); err != nil {
			return nil, err
		}
	}
}

// TryPeek is Peek without blocking: it returns an empty span when nothing
// is pending.
func (r *Ring) TryPeek() ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.consumerErr(); err != nil {
		return nil, err
	}
	if r.n == 0 || r.hold {
		return nil, nil
	}
	return r.buf[r.head:min(r.head+r.n, len(r.buf))], nil
}

// Discard drops the first n pending bytes (at most what Peek lent).
func (r *Ring) Discard(n int) {
	r.mu.Lock()
	n = min(n, r.n)
	if n > 0 {
		r.consume(n)
		r.signalSpace()
	}
	notify := r.onWritable
	r.mu.Unlock()
	if notify != nil && n > 0 {
		notify()
	}
}

// WriteTo drains the ring into dst until the write side is closed and
// everything is written (returning nil), dst fails, or the ring is
// aborted. It holds the consumer gate throughout and writes straight from
// the ring's memory.
func (r *Ring) WriteTo(dst io.Writer) (int64, error) {
	r.mu.Lock()
	err := r.acquireConsumer()
	r.mu.Unlock()
	if err != nil {
		return 0, err
	}
	defer func() {
		r.mu.Lock()
		r.releaseConsumer()
		r.mu.Unlock()
	}()
	var total int64
	for {
		if expired(&r.rdlArmed, r.rdl) {
			return total, errTimeout
		}
		span, err := r.Peek()
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
		n, werr := dst.Write(span)
		r.Discard(n)
		total += int64(n)
		if werr != nil {
			return total, werr
		}
	}
}

// CloseRead shuts the consumer side: consumers get readerErr from now on
// and buffered bytes are dropped; producers get writerErr, or, if it is
// nil, succeed while their bytes are dropped. Only the first close counts.
func (r *Ring) CloseRead(readerErr, writerErr error) {
	r.mu.Lock()
	if !r.rclosed {
		r.rclosed, r.rErr, r.peerErr = true, readerErr, writerErr
		r.n, r.head = 0, 0
		if !r.reserved {
			r.buf = nil
		}
	}
	r.wakeAll()
	rn, wn := r.onReadable, r.onWritable
	r.mu.Unlock()
	callBoth(rn, wn)
}

// Abort fails both sides with err at once, dropping buffered bytes, as a
// connection reset does. Later closes do not change the error.
func (r *Ring) Abort(err error) {
	r.mu.Lock()
	if !r.wclosed {
		r.wclosed, r.wErr = true, err
	}
	r.mu.Unlock()
	r.CloseRead(err, err)
}

// wakeAll wakes every parked caller so it rechecks the state. mu held.
func (r *Ring) wakeAll() {
	r.signalData()
	r.signalSpace()
}

func callBoth(a, b func()) {
	if a != nil {
		a()
	}
	if b != nil {
		b()
	}
}
