package espatsim

import (
	"net/netip"
	"sync"
	"time"
)

// guardTime is the "+++" guard: at least this much silence before and
// after, and less than this between the three bytes
// (AT_UART_PATTERN_TIMEOUT_MS).
const guardTime = 20 * time.Millisecond

// cmdCIPMODE handles AT+CIPMODE=<0|1> (1 needs CIPMUX=0 and no server)
// and its query.
func cmdCIPMODE(s *Sim, c *command) error {
	if c.form == formSet && c.has(0) && c.params[0].s == "1" && (s.st.mux || s.srv != nil) {
		return errOp
	}
	return intSetting(c, &s.st.cipmode, 0, 1, s.emitf)
}

// cmdTRANSINTVL handles AT+TRANSINTVL=<0..1000 ms>, the passthrough flush
// interval (v2), and its query.
func cmdTRANSINTVL(s *Sim, c *command) error {
	return intSetting(c, &s.st.transInt, 0, 1000, s.emitf)
}

// enterPassthrough handles AT+CIPSEND with CIPMODE=1: prompt, then raw
// bytes both ways until "+++".
func (s *Sim) enterPassthrough() error {
	l := s.links[0]
	switch {
	case s.st.cipmode != 1 || s.st.mux:
		return errOp
	case l == nil || l.eof || l.reported:
		return errOp
	case l.typ == "UDP" && l.udpMode != 0:
		return errOp
	}
	pt := &passthrough{
		s: s, l: l, dest: l.remote,
		interval: time.Duration(s.st.transInt) * time.Millisecond,
		in:       make(chan ptChunk, 16),
		done:     make(chan struct{}),
		stop:     make(chan struct{}),
	}
	s.pt, s.mode = pt, modePassthrough
	s.emitString(s.prompt())
	s.wg.Add(1)
	go pt.run(time.Now())
	return errHandled
}

// endPassthrough stops the passthrough session without sending what it
// holds. Called with mu held.
func (s *Sim) endPassthrough() {
	if s.pt == nil {
		return
	}
	s.pt.halt()
	s.pt = nil
	s.mode = modeCommand
}

// passthrough is one transparent-transmission session. Its goroutine
// packs host bytes into uplink packets (full packets at once, the rest
// after AT+TRANSINTVL of silence) and watches for the "+++" exit sequence.
type passthrough struct {
	s        *Sim
	l        *link
	dest     netip.AddrPort
	interval time.Duration // flush after this much input silence
	in       chan ptChunk
	done     chan struct{} // closed when run returns
	stop     chan struct{} // closed by halt
	once     sync.Once
}

// ptChunk is host input with its arrival time.
type ptChunk struct {
	b  []byte
	at time.Time
}

func (pt *passthrough) halt() { pt.once.Do(func() { close(pt.stop) }) }

// feed hands host bytes (copied) to the session; false means the session
// has ended and the bytes belong to command mode.
func (pt *passthrough) feed(b []byte, at time.Time) bool {
	c := ptChunk{b: append([]byte(nil), b...), at: at}
	select {
	case pt.in <- c:
		return true
	case <-pt.done:
		return false
	}
}

// ptState is the packing and "+++" detection state of run.
type ptState struct {
	pending []byte    // data not yet sent
	plus    int       // '+' bytes held as a possible exit sequence
	last    time.Time // arrival of the previous byte
}

func (pt *passthrough) run(start time.Time) {
	defer pt.s.wg.Done()
	defer close(pt.done)
	st := ptState{last: start}
	flush := time.NewTimer(time.Hour)
	guard := time.NewTimer(time.Hour)
	flush.Stop()
	guard.Stop()
	defer flush.Stop()
	defer guard.Stop()
	for {
		select {
		case c := <-pt.in:
			pt.take(&st, c, guard)
			pt.sendFull(&st)
			switch {
			case len(st.pending) == 0:
			case pt.interval == 0:
				pt.send(st.pending)
				st.pending = st.pending[:0]
			default:
				flush.Reset(pt.interval)
			}
		case <-flush.C:
			pt.send(st.pending)
			st.pending = st.pending[:0]
		case <-guard.C:
			if pt.exit(&st, guard) {
				return
			}
		case <-pt.stop:
			return
		}
	}
}

// take runs one chunk through the "+++" detector.
func (pt *passthrough) take(st *ptState, c ptChunk, guard *time.Timer) {
	gap := c.at.Sub(st.last)
	st.last = c.at
	for i, b := range c.b {
		if i > 0 {
			gap = 0
		}
		if st.plus > 0 {
			if b == '+' && st.plus < 3 && gap < guardTime {
				if st.plus++; st.plus == 3 {
					guard.Reset(guardTime)
				}
				continue
			}
			st.release(guard)
		}
		if b == '+' && gap >= guardTime {
			st.plus = 1
			continue
		}
		st.pending = append(st.pending, b)
	}
}

// release turns held '+' bytes back into data.
func (st *ptState) release(guard *time.Timer) {
	for ; st.plus > 0; st.plus-- {
		st.pending = append(st.pending, '+')
	}
	guard.Stop()
}

// exit is called guardTime after a third '+': unless more input is
// waiting (which cancels the sequence), the session ends.
func (pt *passthrough) exit(st *ptState, guard *time.Timer) bool {
	if st.plus != 3 {
		return false
	}
	select {
	case c := <-pt.in:
		pt.take(st, c, guard)
		pt.sendFull(st)
		return false
	default:
	}
	pt.send(st.pending)
	s := pt.s
	s.mu.Lock()
	if s.pt == pt {
		s.pt, s.mode = nil, modeCommand
		if s.st.sysmsg&1 != 0 {
			s.emitString("\r\n+QUITT\r\n")
		}
	}
	s.unlock()
	return true
}

// sendFull sends whole packets from pending.
func (pt *passthrough) sendFull(st *ptState) {
	n := pt.s.recordMax()
	for len(st.pending) >= n {
		pt.send(st.pending[:n])
		st.pending = append(st.pending[:0], st.pending[n:]...)
	}
}

// send hands one packet to the link's sender, waiting while its buffer
// is full. Data for a link that has closed is dropped.
func (pt *passthrough) send(b []byte) {
	if len(b) == 0 {
		return
	}
	s := pt.s
	s.waitSendRoom(pt.stop, pt.l, len(b))
	s.mu.Lock()
	if s.sendable(pt.l) {
		pt.l.queueSend(append([]byte(nil), b...), pt.dest)
	}
	s.mu.Unlock()
}
