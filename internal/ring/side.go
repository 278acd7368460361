package ring

import (
	"runtime"
	"sync/atomic"
	"unsafe"
)

// Bits of a side's word above its running total.
const (
	// heldBit: the gate is held by a call that may block (a slow path).
	// Others may still update the word with atomic read-modify-writes.
	heldBit = 1 << 63
	// busyBit: the gate is held by a fast-path call that neither blocks
	// nor lets anyone else write the word, so it can release with a plain
	// store. Whoever wants the word meanwhile waits for that store.
	busyBit = 1 << 62
	// parkBit: the other side is parked until this side's total grows.
	// The waiter sets it (announce); whoever adds to the total after that
	// clears it and wakes the waiter.
	parkBit = 1 << 61

	stateBits = heldBit | busyBit | parkBit
)

// side is one end of the ring: an atomic word whose top bits are the gate
// (held while a producer, or consumer, call runs, so that concurrent
// Writes or Reads take turns) and the park bit, and whose other bits are
// the running total of bytes that side has published (producer) or
// released (consumer).
//
// A gate held in the busy mode is released with a plain store, saving a
// locked instruction on every small Write. That store overwrites the word,
// so while busy is set nobody else may set a bit in it: waiters for the
// gate and the other side about to park wait for the store (it follows
// within one short copy). Only a woken waiter clears parkBit behind a
// busy holder's back, which is harmless: the holder's store clears it
// too, or sets it again and costs one spurious wake-up.
//
// Waiters for a held gate count themselves in wait before retrying; a
// holder releases with an atomic add and then loads wait. Both are
// sequentially consistent, so either the waiter's retry sees the gate
// open or the holder sees the waiter and wakes it.
type side struct {
	word atomic.Uint64
	wait atomic.Int32
}

// total returns the side's running byte total.
func (s *side) total() int64 { return int64(s.word.Load() &^ stateBits) }

// tryAcquire takes the gate in held mode if it is open.
func (s *side) tryAcquire() bool {
	v := s.word.Load()
	return v&(heldBit|busyBit) == 0 && s.word.CompareAndSwap(v, v|heldBit)
}

// announce sets parkBit for a waiter on the other side, unless the total
// is already past after, in which case it reports false and the waiter
// goes on. A busy holder's plain store would wipe the bit, so the waiter
// first waits for that store, which follows within one short copy.
func (s *side) announce(after int64) bool {
	for {
		v := s.word.Load()
		switch {
		case int64(v&^stateBits) > after:
			return false
		case v&parkBit != 0:
			return true
		case v&busyBit != 0:
			s.waitStore(v)
		case s.word.CompareAndSwap(v, v|parkBit):
			return true
		}
	}
}

// waitStore waits for a busy word to change from v. The holder stores it
// within one short copy unless it lost its processor meanwhile: the waiter
// first re-reads the word, then yields the processor (the holder may be a
// goroutine the Go scheduler preempted), and then mostly the thread (the
// holder's thread may be one the operating system descheduled, and a
// waiter that keeps the CPU busy only delays it), still yielding the
// processor now and then.
func (s *side) waitStore(v uint64) { waitWord(&s.word, v) }

// waitWord waits for w to change from v, which a holder of a busy bit
// stores within one short copy (side.waitStore, closeHand).
func waitWord(w *atomic.Uint64, v uint64) {
	for spins := 0; w.Load() == v; spins++ {
		switch {
		case spins < busySpins:
		case spins < busySpins+busyYields || spins%busyYields == 0:
			runtime.Gosched()
		default:
			osYield()
		}
	}
}

// busySpins is how many times a waiter for a busy holder re-reads the word
// before it yields the processor, and busyYields how many times it yields
// that before it mostly yields its thread (and still the processor every
// busyYields-th time).
const (
	busySpins  = 100
	busyYields = 4
)

// clearPark drops parkBit after a waiter woke for another reason than a
// growing total (a close, a hand-off, a deadline).
func (s *side) clearPark() {
	if s.word.Load()&parkBit != 0 {
		s.unpark()
	}
}

// tryAcquireBusy takes the gate in busy mode if it is open, returning the
// word as it was. The holder must end with releaseBusy or own.
func (s *side) tryAcquireBusy() (uint64, bool) {
	v := s.word.Load()
	return v, v&(heldBit|busyBit) == 0 && s.word.CompareAndSwap(v, v|busyBit)
}

// releaseBusy adds c (> 0) to the total and opens a gate taken with
// tryAcquireBusy (v is what it returned), with one plain store. It
// reports whether the other side was parked and must be woken. It is
// inlined, and storeRelease has no preemption point, so the Go scheduler
// cannot stretch the busy window.
func (s *side) releaseBusy(v uint64, c int64) bool {
	storeRelease(s.ptr(), v&^parkBit+uint64(c))
	return v&parkBit != 0
}

// own turns a busy gate (v from tryAcquireBusy) into a held one, for a
// call that found it has to take the slow path.
func (s *side) own(v uint64) { storeRelease(s.ptr(), v|heldBit) }

// release adds c to the total and opens a held gate in one atomic add
// (adding 2^63 flips the set gate bit off), then wakes a gate waiter if
// any. It reports whether the other side was parked and must be woken.
func (s *side) release(c int64, ch chan struct{}) bool {
	nv := s.word.Add(uint64(c) + heldBit)
	if s.wait.Load() > 0 {
		kick(ch)
	}
	return c > 0 && nv&parkBit != 0 && s.unpark()
}

// add adds c to the total, leaving the gate as it is. It reports whether
// the other side was parked and must be woken.
func (s *side) add(c int64) bool {
	if c <= 0 {
		return false
	}
	return s.word.Add(uint64(c))&parkBit != 0 && s.unpark()
}

// unpark clears parkBit, reporting whether this call cleared it (and so
// owes the other side a wake-up).
func (s *side) unpark() bool { return s.word.And(^uint64(parkBit))&parkBit != 0 }

func (s *side) ptr() *uint64 { return (*uint64)(unsafe.Pointer(&s.word)) }
