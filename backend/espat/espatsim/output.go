package espatsim

import (
	"io"
	"sync"
)

// outLimit is the modem's UART TX buffer (at_uart.h): producers of bulk
// data (active +IPD, passthrough, echo) wait while more is queued.
const outLimit = 8192

// outItem is one atomic message for the UART, or an action to run once
// everything queued before it has been written.
type outItem struct {
	b     []byte
	after func()
}

// output is the single path to the UART. Messages are queued whole, so no
// unsolicited line ever lands inside another line or payload; one writer
// goroutine drains the queue. Lock order: Sim.mu before output.mu.
type output struct {
	mu     sync.Mutex
	q      []outItem
	queued int
	wake   chan struct{} // cap 1: something was queued
	room   chan struct{} // closed and replaced when queued falls below outLimit
}

func newOutput() *output {
	return &output{wake: make(chan struct{}, 1), room: make(chan struct{})}
}

// pushOwned queues b as one message; the caller gives up b.
func (o *output) pushOwned(b []byte) {
	o.mu.Lock()
	o.q = append(o.q, outItem{b: b})
	o.queued += len(b)
	o.mu.Unlock()
	o.signal()
}

// pushAction queues f to run after everything queued so far is written.
func (o *output) pushAction(f func()) {
	o.mu.Lock()
	o.q = append(o.q, outItem{after: f})
	o.mu.Unlock()
	o.signal()
}

func (o *output) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// take removes up to max bytes of whole messages from the front of the
// queue (or the first max bytes of a larger message). An action ends a
// batch: it is returned, to run after the batch is written.
func (o *output) take(max int) ([]byte, func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var batch []byte
	for len(o.q) > 0 {
		it := &o.q[0]
		if it.after != nil {
			f := it.after
			o.q = o.q[1:]
			return batch, f
		}
		if len(batch) > 0 && len(batch)+len(it.b) > max {
			break
		}
		n := min(len(it.b), max-len(batch))
		batch = append(batch, it.b[:n]...)
		it.b = it.b[n:]
		if len(it.b) == 0 {
			o.q = o.q[1:]
		}
		if len(batch) >= max {
			break
		}
	}
	o.queued -= len(batch)
	if o.queued < outLimit {
		close(o.room)
		o.room = make(chan struct{})
	}
	if len(o.q) == 0 {
		o.q = nil
	}
	return batch, nil
}

// waitRoom blocks while the queue is over its limit. It returns false when
// done is closed first.
func (o *output) waitRoom(done <-chan struct{}) bool {
	for {
		o.mu.Lock()
		if o.queued < outLimit {
			o.mu.Unlock()
			return true
		}
		room := o.room
		o.mu.Unlock()
		select {
		case <-room:
		case <-done:
			return false
		}
	}
}

// writeLoop drains the queue to w until done is closed or a write fails.
func (s *Sim) writeLoop(w io.Writer) error {
	for {
		select {
		case <-s.out.wake:
		case <-s.done:
			return nil
		}
		if err := s.flushOut(w); err != nil {
			return err
		}
	}
}

// flushOut writes everything queued, paced and with byte faults applied.
func (s *Sim) flushOut(w io.Writer) error {
	for {
		b, after := s.out.take(s.tx.batch())
		if len(b) == 0 && after == nil {
			return nil
		}
		if len(b) > 0 {
			if !s.waitStall() || !s.tx.wait(len(b), s.done) {
				return nil
			}
			b = s.faults.out.apply(b)
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		if after != nil {
			after()
		}
	}
}
