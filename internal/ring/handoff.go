package ring

// Direct hand-off: when a consumer is parked in Read with a large buffer
// and the ring is empty, a Write of appendMin bytes or more copies straight
// into the reader's buffer (after what earlier writes put there), so those
// bytes are copied once instead of twice. Only the parked Read's own
// buffer is used, and only while that Read is parked; it is dropped before
// Read returns, so no caller slice outlives a call.

// handoffMin is the smallest read buffer offered for a hand-off; writes of
// this size or more always look for a parked reader.
const handoffMin = 8 << 10

// waitHandoff parks the consumer like waitData, offering p for a direct
// hand-off. It returns how many bytes were handed into p, or the wait's
// error when none were.
func (r *Ring) waitHandoff(p []byte) (int, error) {
	r.flushConsumer()
	r.mu.Lock()
	r.parked, r.parkedN = p, 0
	r.mu.Unlock()
	r.offered.Store(true)
	err := r.waitData()
	r.offered.Store(false)
	r.mu.Lock()
	n := r.parkedN
	r.parked, r.parkedN = nil, 0
	r.mu.Unlock()
	if n > 0 {
		return n, nil
	}
	return 0, err
}

// tryHandoff copies a prefix of q into a parked reader's buffer if the
// ring holds nothing the reader has not consumed. Producer only, gate
// held. It reports how many bytes it handed over, and whether the parked
// buffer is full of earlier hand-offs that the reader, woken but not yet
// running, has still to collect.
func (r *Ring) tryHandoff(q []byte) (n int, pending bool) {
	if r.flags.Load() != 0 {
		return 0, false
	}
	r.flushProducer()
	if r.wtotal != r.cons.total() {
		return 0, false
	}
	r.mu.Lock()
	if r.parked == nil || r.parkedN == len(r.parked) {
		pending = r.parked != nil
		r.mu.Unlock()
		return 0, pending
	}
	first := r.parkedN == 0
	c := copy(r.parked[r.parkedN:], q)
	r.parkedN += c
	r.mu.Unlock()
	if first {
		kick(r.dataCh)
	}
	return c, false
}

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
