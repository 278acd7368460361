package espat

import (
	"context"
	"sync/atomic"
	"time"
)

// engineState is owned by the engine goroutine.
type engineState struct {
	recvCursor     int       // round-robin position of the receive pass
	sendCursor     int       // round-robin position of the send pass
	handledGen     uint64    // the last reset start-up ran for
	broken         error     // start-up after a reset failed
	desync         bool      // a command timed out: resynchronise first
	wpending       bool      // a write is still with the writer goroutine
	sendBuf        []byte    // CIPSEND payload assembly
	lastPoll       time.Time // last AT+CIPRECVLEN?
	baud           int       // current line rate, for timeouts
	switched       bool      // the baud rate was moved by SwitchBaud
	closeAfterSync uint8     // ids to AT+CIPCLOSE once resynchronised
	brokenAt       time.Time
	syncRound      uint64 // counts resynchronisation rounds
}

// opKind orders the queue: control operations before datagram sends.
type opKind int

const (
	opControl opKind = iota
	opSend
)

// op is a control operation run on the engine goroutine for a caller.
type op struct {
	ctx   context.Context
	kind  opKind
	run   func(ctx context.Context) error
	undo  func() // run on the engine if the caller left before a success
	state atomic.Int32
	done  chan error // cap 1
}

const (
	opQueued int32 = iota
	opRunning
	opFinished
	opAbandoned
)

// do queues run for the engine and waits for its result. If ctx ends
// first, do returns ctx's error; an operation already running completes
// and, if it succeeded, undo (if any) is run on the engine to release what
// it made.
func (m *Modem) do(ctx context.Context, kind opKind, run func(context.Context) error, undo func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o := &op{ctx: ctx, kind: kind, run: run, undo: undo, done: make(chan error, 1)}
	m.opMu.Lock()
	m.ops = append(m.ops, o)
	m.opMu.Unlock()
	m.wake()
	select {
	case err := <-o.done:
		return err
	case <-ctx.Done():
	case <-m.done:
	}
	if o.state.CompareAndSwap(opQueued, opAbandoned) || o.state.CompareAndSwap(opRunning, opAbandoned) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errClosed
	}
	return <-o.done
}

// nextOp removes the first queued operation, control before sends.
func (m *Modem) nextOp() *op {
	m.opMu.Lock()
	defer m.opMu.Unlock()
	best := -1
	for i, o := range m.ops {
		if best < 0 || o.kind < m.ops[best].kind {
			best = i
		}
		if o.kind == opControl {
			break
		}
	}
	if best < 0 {
		return nil
	}
	o := m.ops[best]
	m.ops = append(m.ops[:best], m.ops[best+1:]...)
	return o
}

// runOp runs one queued operation and reports whether there was one.
func (m *Modem) runOp() bool {
	o := m.nextOp()
	if o == nil {
		return false
	}
	if !o.state.CompareAndSwap(opQueued, opRunning) {
		return true // abandoned while queued
	}
	err := o.ctx.Err()
	switch {
	case err != nil:
	case m.eng.broken != nil:
		err = m.eng.broken
	default:
		err = o.run(o.ctx)
	}
	if !o.state.CompareAndSwap(opRunning, opFinished) && err == nil && o.undo != nil {
		o.undo()
	}
	o.done <- err
	return true
}

// failOps fails every queued operation with err.
func (m *Modem) failOps(err error) {
	m.opMu.Lock()
	ops := m.ops
	m.ops = nil
	m.opMu.Unlock()
	for _, o := range ops {
		if o.state.CompareAndSwap(opQueued, opFinished) {
			o.done <- err
		}
	}
}

// engineLoop is the engine goroutine: it alternates between control
// operations and data work, restarts the modem after a reset, polls in
// passive mode, and sleeps until kicked.
func (m *Modem) engineLoop() {
	defer m.engineWG.Done()
	poll := time.NewTimer(time.Hour)
	defer poll.Stop()
	for {
		select {
		case <-m.done:
			m.failOps(errClosed)
			return
		default:
		}
		m.checkReset()
		did := m.resolveAccepted()
		did = m.runOp() || did
		if m.dataStep() {
			did = true
		}
		if did {
			continue
		}
		if m.pollStep() {
			continue
		}
		poll.Reset(m.pollWait())
		select {
		case <-m.kick:
		case <-poll.C:
		case <-m.done:
		}
	}
}
