package espatsim

import (
	"math/rand/v2"
	"sync"
	"time"
)

// lineFaults drops or corrupts a fraction of the bytes in one direction,
// from a seeded source so runs repeat.
type lineFaults struct {
	mu      sync.Mutex
	rng     *rand.Rand
	drop    float64
	corrupt float64
}

// apply returns b with faults applied, reusing b's storage.
func (f *lineFaults) apply(b []byte) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.drop <= 0 && f.corrupt <= 0 {
		return b
	}
	out := b[:0]
	for _, c := range b {
		if f.drop > 0 && f.rng.Float64() < f.drop {
			continue
		}
		if f.corrupt > 0 && f.rng.Float64() < f.corrupt {
			c ^= byte(1 + f.rng.IntN(255))
		}
		out = append(out, c)
	}
	return out
}

func (f *lineFaults) set(drop, corrupt float64) {
	f.mu.Lock()
	f.drop, f.corrupt = drop, corrupt
	f.mu.Unlock()
}

// faultState holds the injected faults.
type faultState struct {
	in, out    lineFaults
	mu         sync.Mutex
	busy       int           // commands still to answer with busy p...
	sendFail   int           // sends still to fail
	loseNotice int           // passive +IPD notices still to lose
	stallUntil time.Time     // UART frozen until then
	resumed    chan struct{} // made by Stall, closed by Resume
}

func (f *faultState) init(cfg Faults) {
	f.in.rng = rand.New(rand.NewPCG(cfg.Seed, 1))
	f.out.rng = rand.New(rand.NewPCG(cfg.Seed, 2))
	f.in.set(cfg.DropIn, cfg.CorruptIn)
	f.out.set(cfg.DropOut, cfg.CorruptOut)
	f.busy, f.sendFail = cfg.BusyCommands, cfg.FailSends
}

// take decrements *n if positive and reports whether it was.
func (f *faultState) take(n *int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if *n > 0 {
		*n--
		return true
	}
	return false
}

func (f *faultState) takeBusy() bool       { return f.take(&f.busy) }
func (f *faultState) takeSendFail() bool   { return f.take(&f.sendFail) }
func (f *faultState) takeLoseNotice() bool { return f.take(&f.loseNotice) }

func (f *faultState) add(n *int, k int) {
	f.mu.Lock()
	*n += k
	f.mu.Unlock()
}

// Reset reboots the modem at once, as a power glitch or watchdog would:
// every link and the server vanish without CLOSED lines, a command in
// progress is abandoned, settings return to power-up values, and
// "\r\nready\r\n" is printed (followed by the auto-join lines).
func (s *Sim) Reset() {
	s.mu.Lock()
	if !s.closed {
		s.boot(true)
	}
	s.unlock()
}

// SetLineFaults sets the fractions (0..1) of bytes dropped or corrupted in
// each direction from now on (see Faults).
func (s *Sim) SetLineFaults(dropIn, corruptIn, dropOut, corruptOut float64) {
	s.faults.in.set(dropIn, corruptIn)
	s.faults.out.set(dropOut, corruptOut)
}

// BusyNext makes the modem answer "busy p..." to the next n command lines
// instead of running them.
func (s *Sim) BusyNext(n int) { s.faults.add(&s.faults.busy, n) }

// FailNextSends makes the next n CIPSEND/CIPSENDEX payloads end in SEND
// FAIL; the data is not sent.
func (s *Sim) FailNextSends(n int) { s.faults.add(&s.faults.sendFail, n) }

// LoseNextNotices drops the next n passive-mode "+IPD,<id>,<len>" notices
// (the data stays buffered; a v2 modem then stays silent until the host
// reads, as if the notice was lost on the line).
func (s *Sim) LoseNextNotices(n int) { s.faults.add(&s.faults.loseNotice, n) }

// Stall freezes the UART for d: the modem neither reads nor writes, as if
// its firmware hung; bytes wait in the transport and nothing is lost.
func (s *Sim) Stall(d time.Duration) {
	s.faults.mu.Lock()
	if t := time.Now().Add(d); t.After(s.faults.stallUntil) {
		s.faults.stallUntil = t
	}
	if s.faults.resumed == nil {
		s.faults.resumed = make(chan struct{})
	}
	s.faults.mu.Unlock()
}

// Resume ends a stall at once, so a test can stall the modem for as
// long as it needs (Stall with a long d) without a race against the
// clock.
func (s *Sim) Resume() {
	s.faults.mu.Lock()
	s.faults.stallUntil = time.Time{}
	if s.faults.resumed != nil {
		close(s.faults.resumed)
		s.faults.resumed = nil
	}
	s.faults.mu.Unlock()
}

// waitStall blocks while the UART is stalled; false means the Sim stopped.
func (s *Sim) waitStall() bool {
	for {
		s.faults.mu.Lock()
		d := time.Until(s.faults.stallUntil)
		resumed := s.faults.resumed
		s.faults.mu.Unlock()
		if d <= 0 {
			return true
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-resumed:
		case <-s.done:
			t.Stop()
			return false
		}
		t.Stop()
	}
}
