package ring

import "runtime"

// Gates and parking: the slow paths.

// acquireProducer takes the producer gate, waiting for the holder to
// finish. It fails when the write deadline passes.
func (r *Ring) acquireProducer() error {
	if r.prod.tryAcquire() {
		return nil
	}
	return acquireSlow(&r.prod, r.prodGateCh, r.wdlDone)
}

// releaseProducer publishes the producer's pending bytes and opens the
// producer gate.
func (r *Ring) releaseProducer() {
	c := r.unpub
	r.unpub = 0
	if parked := r.prod.release(c, r.prodGateCh); c > 0 {
		r.published(parked)
	}
}

// acquireConsumer takes the consumer gate, waiting for the holder to
// finish. It fails when the read deadline passes.
func (r *Ring) acquireConsumer() error {
	if r.cons.tryAcquire() {
		return nil
	}
	return acquireSlow(&r.cons, r.consGateCh, r.rdlDone)
}

// releaseConsumer releases the consumer's pending bytes and opens the
// consumer gate.
func (r *Ring) releaseConsumer() {
	c := r.unrel
	r.unrel = 0
	if parked := r.cons.release(c, r.consGateCh); c > 0 {
		r.released(parked)
	}
}

func acquireSlow(s *side, ch chan struct{}, deadline func() <-chan struct{}) error {
	for {
		if s.tryAcquire() {
			break
		}
		if v := s.word.Load(); v&busyBit != 0 {
			// A fast-path holder stores the word within one short copy
			// and does not look for waiters: wait for that store.
			select {
			case <-deadline():
				return errTimeout
			default:
			}
			s.waitStore(v)
			continue
		}
		s.wait.Add(1)
		if s.word.Load()&heldBit != 0 {
			// Held: its release sees wait and kicks ch.
			select {
			case <-ch:
			case <-deadline():
				s.wait.Add(-1)
				return errTimeout
			}
		}
		s.wait.Add(-1)
	}
	// Another waiter may have been woken for the same release; let it retry.
	kick(ch)
	return nil
}

// rdlDone and wdlDone return the deadline channels, or nil (never ready)
// when no deadline is armed.
func (r *Ring) rdlDone() <-chan struct{} {
	if r.rdlArmed.Load() {
		return r.rdl.Done()
	}
	return nil
}

func (r *Ring) wdlDone() <-chan struct{} {
	if r.wdlArmed.Load() {
		return r.wdl.Done()
	}
	return nil
}

// published follows bytes the producer published: it wakes the consumer
// if the publish found it parked (parkBit), and runs the readable
// callback.
func (r *Ring) published(parked bool) {
	if parked {
		kick(r.dataCh)
	}
	r.notifyReadable()
}

// released follows bytes the consumer released: it wakes the producer if
// the release found it parked, and runs the writable callback.
func (r *Ring) released(parked bool) {
	if parked {
		kick(r.spaceCh)
	}
	r.notifyWritable()
}

// waitData parks the consumer until the producer publishes bytes, either
// side closes, the hold lifts, or the read deadline passes. It may return
// spuriously; callers re-check. The consumer announces itself by setting
// parkBit in the producer word, unless bytes arrived; whoever publishes
// next clears the bit and wakes it. Closes and SetHold wake it through
// dataCh directly.
func (r *Ring) waitData() error {
	r.flushConsumer()
	if r.replyLikely() {
		for i := 0; i < replyYields && r.flags.Load() == 0; i++ {
			runtime.Gosched()
			if r.prod.total() > r.rtotal {
				return nil
			}
		}
	}
	f := r.flags.Load()
	if f&flagRClosed != 0 {
		return nil
	}
	if f&flagHold == 0 {
		if f&flagWClosed != 0 {
			return nil
		}
		r.Shrink()
		if !r.prod.announce(r.rtotal) {
			return nil
		}
		defer r.prod.clearPark()
	}
	if done := r.rdlDone(); done != nil {
		select {
		case <-r.dataCh:
		case <-done:
			return errTimeout
		}
		return nil
	}
	<-r.dataCh
	return nil
}

// Shrink hands the ring's block back to the pool when the ring is empty
// and no producer call is running, so that a ring waiting for data holds
// no block memory; the next write takes a block again. Read, Peek and
// WriteTo call it before they wait; a consumer that takes bytes with
// TryPeek and waits elsewhere calls it when it finds the ring empty.
// Consumer only, with no span of Peek outstanding. It takes the producer
// gate in busy mode for a moment, so a Write arriving meanwhile waits one
// short step. Rings whose producer lends spans (Reserve) keep their
// block: a lent span holds no gate.
func (r *Ring) Shrink() {
	h := r.head
	if len(h.buf) == 0 || r.lends.Load() || r.prod.total() != r.rtotal {
		return
	}
	v, ok := r.prod.tryAcquireBusy()
	if !ok {
		return
	}
	// With the gate held the producer's fields are stable: the ring is
	// empty if the consumer has reached the published total, and then the
	// head block is also the tail unless the producer linked a block it
	// has yet to fill. The lends mark is checked again: a first Reserve
	// may have come in meanwhile (markLends).
	emptied := !r.lends.Load() && int64(v&^stateBits) == r.rtotal && r.tail == h
	if emptied {
		r.sentinel.next.Store(nil) // the chain left it long ago
		r.head, r.tail, r.r, r.tw = &r.sentinel, &r.sentinel, 0, 0
		r.held.Add(-int64(len(h.buf)))
	}
	storeRelease(r.prod.ptr(), v)
	if emptied {
		putBlock(h) // out of the chain: pooled after the gate opens
	}
}

// waitSpace parks the producer until the consumer frees space, either side
// closes, or the write deadline passes. It may return spuriously. The
// producer announces itself by setting parkBit in the consumer word.
func (r *Ring) waitSpace() error {
	r.flushProducer()
	if r.flags.Load()&(flagRClosed|flagWClosed) != 0 || !r.cons.announce(r.wtotal-r.limit) {
		return nil
	}
	defer r.cons.clearPark()
	if done := r.wdlDone(); done != nil {
		select {
		case <-r.spaceCh:
		case <-done:
			return errTimeout
		}
		return nil
	}
	<-r.spaceCh
	return nil
}

// flushProducer publishes pending bytes without releasing the gate.
func (r *Ring) flushProducer() {
	if r.unpub > 0 {
		r.published(r.prod.add(r.unpub))
		r.unpub = 0
	}
}

// flushConsumer releases consumed bytes without releasing the gate.
func (r *Ring) flushConsumer() {
	if r.unrel > 0 {
		r.released(r.cons.add(r.unrel))
		r.unrel = 0
	}
}

// replyYields is how many times a consumer that expects a reply yields
// the processor before it parks.
const replyYields = 2

// PairWith tells r that its consumer also produces into out, as a
// connection reads its In ring and writes its Out ring, and that both
// rings are served in memory. A consumer that has written to out since it
// last waited and finds r empty expects a reply: it yields the processor a
// couple of times before it parks, since the peer is likely runnable and
// one scheduling step from answering, and a park and wake-up cost more
// than that. A consumer that only reads parks at once. Call PairWith
// before the ring is used.
func (r *Ring) PairWith(out *Ring) { r.pair = out }

// replyLikely reports whether the consumer has written to its paired ring
// since it last asked, and neither it nor the paired ring's consumer
// relays bytes on (WriteTo): a relay's reply comes from past the far end
// of whatever it writes to, a network round trip away. Consumer only.
func (r *Ring) replyLikely() bool {
	if r.pair == nil || r.drains.Load() || r.pair.drains.Load() {
		return false
	}
	t := r.pair.prod.total()
	if t == r.pairSeen {
		return false
	}
	r.pairSeen = t
	return true
}
