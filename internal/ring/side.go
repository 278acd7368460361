package ring

import "sync/atomic"

// heldBit is the gate bit of a side's word.
const heldBit = 1 << 63

// side is one end of the ring: an atomic word whose top bit is the gate
// (set while a producer, or consumer, call runs, so that concurrent Writes
// or Reads take turns) and whose other bits are the running total of
// bytes that side has published (producer) or released (consumer).
//
// Waiters for the gate count themselves in wait before retrying; a holder
// releases with an atomic add and then loads wait. Both are sequentially
// consistent, so either the waiter's retry sees the gate open or the
// holder sees the waiter and wakes it.
type side struct {
	word atomic.Uint64
	wait atomic.Int32
}

// total returns the side's running byte total.
func (s *side) total() int64 { return int64(s.word.Load() &^ heldBit) }

// tryAcquire takes the gate if it is open.
func (s *side) tryAcquire() bool {
	v := s.word.Load()
	return v&heldBit == 0 && s.word.CompareAndSwap(v, v|heldBit)
}

// add adds c to the total, leaving the gate as it is.
func (s *side) add(c int64) {
	if c > 0 {
		s.word.Add(uint64(c))
	}
}

// release adds c to the total and opens the gate in one atomic add (adding
// 2^63 flips the set gate bit off), then wakes a gate waiter if any.
func (s *side) release(c int64, ch chan struct{}) {
	s.word.Add(uint64(c) + heldBit)
	if s.wait.Load() > 0 {
		kick(ch)
	}
}
