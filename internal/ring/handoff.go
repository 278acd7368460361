package ring

import "unsafe"

// Direct hand-off: when a consumer is parked in Read with a large buffer
// and the ring is empty, a Write of appendMin bytes or more copies straight
// into the reader's buffer (after what earlier writes put there), so those
// bytes are copied once instead of twice. Only the parked Read's own
// buffer is used, and only while that Read is parked; it is dropped before
// Read returns, so no caller slice outlives a call.
//
// The offer is one atomic word (Ring.hand): the count of bytes handed into
// the buffer, an open bit while the Read offers it, and a busy bit while a
// writer copies into it. A writer, holding the producer gate, takes busy
// with one CAS, copies, and stores the new count with one plain store; the
// woken reader closes the offer with one CAS, waiting out a busy writer
// (who never blocks while busy). So a run of medium writes to a parked
// reader costs about what writes into the ring cost.

// Bits of Ring.hand above the count.
const (
	handOpen  = 1 << 63 // a parked Read offers its buffer
	handBusy  = 1 << 62 // a writer is copying into it
	handCount = handBusy - 1
)

// handoffMin is the smallest read buffer offered for a hand-off; writes of
// this size or more always look for a parked reader.
const handoffMin = 8 << 10

// waitHandoff parks the consumer like waitData, offering p for a direct
// hand-off. It returns how many bytes were handed into p, or the wait's
// error when none were.
func (r *Ring) waitHandoff(p []byte) (int, error) {
	r.flushConsumer()
	r.parked = p // read by writers only after they see the open bit
	r.hand.Store(handOpen)
	err := r.waitData()
	n := r.closeHand()
	r.parked = nil
	if n > 0 {
		return n, nil
	}
	return 0, err
}

// closeHand withdraws the offer, waiting for a writer that is copying,
// and returns how many bytes were handed over. Consumer only.
func (r *Ring) closeHand() int {
	for {
		v := r.hand.Load()
		if v&handBusy != 0 {
			waitWord(&r.hand, v)
			continue
		}
		if r.hand.CompareAndSwap(v, 0) {
			return int(v & handCount)
		}
	}
}

// tryHandoff copies a prefix of q into a parked reader's buffer if the
// ring holds nothing the reader has not consumed. Producer only, gate
// held (either mode). It reports how many bytes it handed over, and
// whether the parked buffer is full of earlier hand-offs that the reader,
// woken but not yet running, has still to collect.
func (r *Ring) tryHandoff(q []byte) (n int, pending bool) {
	v := r.hand.Load()
	if v&handOpen == 0 || r.flags.Load() != 0 {
		return 0, false
	}
	r.flushProducer()
	if r.wtotal != r.cons.total() || !r.hand.CompareAndSwap(v, v|handBusy) {
		return 0, false
	}
	at := int(v & handCount)
	c := copy(r.parked[at:], q)
	storeRelease(r.handPtr(), v+uint64(c))
	if at == 0 && c > 0 {
		kick(r.dataCh)
	}
	return c, c == 0
}

// handoffOffered reports whether a parked Read offers its buffer for a
// direct hand-off. It stays set until that Read returns, unlike parkBit,
// which the first publish clears.
func (r *Ring) handoffOffered() bool { return r.hand.Load()&handOpen != 0 }

func (r *Ring) handPtr() *uint64 { return (*uint64)(unsafe.Pointer(&r.hand)) }

// handoffHook, when set (by tests only), runs in Write right after a
// hand-off.
var handoffHook func()

// handoffYields is how many times a Write yields the processor to a reader
// whose buffer is full of hand-offs it has yet to collect, before it
// queues its bytes in the ring instead. The woken reader usually runs on the
// writer's processor; letting it take its bytes and park again with a
// fresh buffer keeps every large write a single copy.
const handoffYields = 2

// appendMin is the smallest write handed to a parked reader. Writes from
// appendMin up to handoffMin are appended to the reader's buffer for as
// long as it has not woken to collect them, so a run of medium writes
// reaches the reader with one copy each and one wake-up in all.
const appendMin = 512
