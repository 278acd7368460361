package ring

import "io"

// Read copies buffered bytes into p, blocking while the ring is empty. It
// returns io.EOF once the write side is closed and everything is drained,
// the CloseRead/Abort error, or os.ErrDeadlineExceeded.
func (r *Ring) Read(p []byte) (int, error) {
	if expired(&r.rdlArmed, r.rdl) {
		return 0, errTimeout
	}
	// Reads with a buffer large enough to offer for a hand-off take the
	// gate held at once: they often park, and measured faster that way.
	v, ok := uint64(0), false
	if len(p) < handoffMin {
		v, ok = r.cons.tryAcquireBusy()
	}
	if !ok {
		if err := r.acquireConsumer(); err != nil {
			return 0, err
		}
		n, err := r.read(p)
		r.releaseConsumer()
		return n, err
	}
	// Fast path: an open ring with bytes to read. The gate was taken
	// busy, so releasing the bytes and opening it is one plain store.
	if r.flags.Load() == 0 {
		if span := r.headSpan(); len(span) > 0 && len(p) > 0 {
			n := r.copyOut(p, span)
			r.unrel = 0
			r.released(r.cons.releaseBusy(v, int64(n)))
			return n, nil
		}
	}
	r.cons.own(v)
	n, err := r.read(p)
	r.releaseConsumer()
	return n, err
}

// read is Read's loop, run with the consumer gate held.
func (r *Ring) read(p []byte) (int, error) {
	for {
		span, err := r.TryPeek()
		if err != nil {
			return 0, err
		}
		if len(span) > 0 {
			return r.copyOut(p, span), nil
		}
		if len(p) == 0 {
			return 0, nil
		}
		if len(p) >= handoffMin {
			if n, err := r.waitHandoff(p); n > 0 || err != nil {
				return n, err
			}
			continue
		}
		if err := r.waitData(); err != nil {
			return 0, err
		}
	}
}

// copyOut moves up to len(p) pending bytes into p, starting with span
// (the head span TryPeek returned), and releases them.
func (r *Ring) copyOut(p, span []byte) int {
	avail := r.avail()
	total := 0
	for {
		c := copy(p[total:], span)
		r.r += c
		r.rtotal += int64(c) // where the next block starts (span)
		total += c
		if total == len(p) || int64(total) >= avail {
			break
		}
		span = r.span(avail - int64(total))
	}
	r.unrel += int64(total)
	return total
}

// headSpan returns the published, unread part of the head block, moving
// past (and recycling) blocks the producer has filled and left. Consumer
// only.
func (r *Ring) headSpan() []byte { return r.span(r.avail()) }

// avail reports how many published bytes are unread, reloading the
// producer's total only when the cached one says the ring is empty.
func (r *Ring) avail() int64 {
	a := r.tailSeen - r.rtotal
	if a <= 0 {
		r.tailSeen = r.prod.total()
		a = r.tailSeen - r.rtotal
	}
	return a
}

// span is headSpan for a known count of unread bytes.
func (r *Ring) span(avail int64) []byte {
	if avail <= 0 {
		return nil
	}
	h := r.head
	if r.r == len(h.buf) {
		next := h.next.Load() // linked before its bytes were published
		r.head, r.r = next, next.offset(r.rtotal)
		r.held.Add(-int64(len(h.buf)))
		putBlock(h)
		h = next
	}
	return h.buf[r.r : r.r+int(min(int64(len(h.buf)-r.r), avail))]
}

// consumerErr reports why a consumer cannot read: the abort error, io.EOF
// after an orderly end once drained, or nil.
func (r *Ring) consumerErr(f uint32) error {
	switch {
	case f&flagRClosed != 0:
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.rErr
	case f&flagHold != 0:
		return nil
	case f&flagWClosed != 0 && r.avail() <= 0:
		return io.EOF
	}
	return nil
}

// Peek lends the consumer the contiguous run of pending bytes, blocking
// while there are none. Call Discard with how many were used. It returns
// io.EOF once the write side is closed and drained. Only one goroutine may
// use Peek/Discard, and not together with Read or WriteTo.
func (r *Ring) Peek() ([]byte, error) {
	for {
		span, err := r.TryPeek()
		if err != nil || len(span) > 0 {
			return span, err
		}
		if err := r.waitData(); err != nil {
			return nil, err
		}
	}
}

// TryPeek is Peek without blocking: it returns an empty span when nothing
// is pending.
func (r *Ring) TryPeek() ([]byte, error) {
	f := r.flags.Load()
	if f != 0 {
		if err := r.consumerErr(f); err != nil {
			return nil, err
		}
		if f&flagHold != 0 {
			return nil, nil
		}
	}
	return r.headSpan(), nil
}

// Discard drops the first n pending bytes (at most what Peek lent).
func (r *Ring) Discard(n int) {
	if n <= 0 {
		return
	}
	n = min(n, len(r.head.buf)-r.r, int(r.avail()))
	if n <= 0 {
		return
	}
	r.r += n
	r.rtotal += int64(n)
	r.released(r.cons.add(int64(n)))
}

// WriteTo drains the ring into dst until the write side is closed and
// everything is written (returning nil), dst fails, or the ring is
// aborted. It holds the consumer gate throughout and writes straight from
// the ring's memory. It marks the consumer as a relay for good: neither
// it nor a consumer paired with it yields for a reply (replyLikely).
func (r *Ring) WriteTo(dst io.Writer) (int64, error) {
	if err := r.acquireConsumer(); err != nil {
		return 0, err
	}
	defer r.releaseConsumer()
	if !r.drains.Load() {
		r.drains.Store(true)
	}
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
	if r.flags.Load()&flagRClosed == 0 {
		r.rErr, r.peerErr = readerErr, writerErr
		r.setFlag(flagRClosed)
	}
	r.mu.Unlock()
	r.wakeAll()
}

// Abort fails both sides with err at once, dropping buffered bytes, as a
// connection reset does. Later closes do not change the error.
func (r *Ring) Abort(err error) {
	if err == nil {
		err = ErrWriteClosed
	}
	r.mu.Lock()
	f := r.flags.Load()
	var bits uint32
	if f&flagWClosed == 0 {
		r.wErr = err
		bits |= flagWClosed
	}
	if f&flagRClosed == 0 {
		r.rErr, r.peerErr = err, err
		bits |= flagRClosed
	}
	// Both bits at once: a consumer must never see the write side closed
	// without the read side, or it would take the reset for an orderly end.
	r.setFlag(bits)
	r.mu.Unlock()
	r.wakeAll()
}

// wakeAll wakes every parked caller so it rechecks the state.
func (r *Ring) wakeAll() {
	kick(r.dataCh)
	kick(r.spaceCh)
	r.notifyReadable()
	r.notifyWritable()
}
