// Package ring implements the bounded byte ring behind every offload stream
// connection: the socket buffer that sits between the application and the
// offload backend.
//
// A Ring has a producer side and a consumer side. For a connection's Out
// ring the application produces (Write) and the backend consumes; for its In
// ring the backend produces and the application consumes. The loopback
// backend makes one conn's Out the very same ring as its peer's In.
//
// Invariants (all guarded by mu):
//
//   - 0 <= n <= len(buf) <= limit; pending bytes are buf[head:head+n] taken
//     modulo len(buf). buf is allocated on the first write and grows by
//     doubling up to limit, so an idle ring costs no buffer memory.
//   - At most one producer and one consumer operate at a time: Write and
//     ReadFrom hold the producer gate for their whole duration (so
//     concurrent Writes never interleave, as net.Conn promises), Read and
//     WriteTo hold the consumer gate. The bare lend calls (Reserve/Commit,
//     Peek/Discard) are for a backend's single pump goroutine and take no
//     gate.
//   - No caller slice is kept after a call returns. Spans returned by
//     Reserve and Peek stay valid until the matching Commit or Discard.
//   - Orderly end and abort are distinct: after CloseWrite the consumer
//     drains what is buffered and then reads io.EOF; after CloseRead or
//     Abort it gets the given error at once and buffered bytes are dropped.
//   - Blocked calls wait on channels that Close, Abort, the other side and
//     the deadlines signal: nothing polls.
package ring

import (
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/transport/v3/deadline"
)

// DefaultLimit is the capacity used when New is given a size <= 0.
const DefaultLimit = 256 << 10

// minAlloc is the first allocation; growth doubles from here.
const minAlloc = 4 << 10

// ErrReadClosed is returned to a producer whose consumer has gone away
// without leaving a more specific error.
var ErrReadClosed = errors.New("ring: read side closed")

// Ring is a bounded byte FIFO. Create one with New.
type Ring struct {
	mu    sync.Mutex
	buf   []byte
	head  int // index of the first pending byte
	n     int // number of pending bytes
	limit int // the most len(buf) may grow to

	reserved bool // a producer holds a Reserve span: head must not be rewound

	wclosed bool  // producer side closed: no more writes
	wErr    error // what producers get after CloseWrite
	rclosed bool  // consumer side closed
	rErr    error // what consumers get after CloseRead / Abort
	peerErr error // what producers get after CloseRead; nil discards writes
	hold    bool  // consumer sees nothing while held (fault injection)

	producing, consuming   bool // gates
	prodWaiters, consWaiters int
	readWaiting, writeWaiting bool

	dataCh, spaceCh   chan struct{} // cap 1: wake the parked consumer / producer
	prodGate, consGate chan struct{} // cap 1: hand a gate to a waiter

	rdl, wdl           *deadline.Deadline // consumer (read) and producer (write) deadlines
	rdlArmed, wdlArmed atomic.Bool

	onReadable, onWritable func() // called without mu held
}

// New returns an empty ring that may hold up to limit bytes
// (DefaultLimit if limit <= 0).
func New(limit int) *Ring {
	if limit <= 0 {
		limit = DefaultLimit
	}
	return &Ring{
		limit:    limit,
		dataCh:   make(chan struct{}, 1),
		spaceCh:  make(chan struct{}, 1),
		prodGate: make(chan struct{}, 1),
		consGate: make(chan struct{}, 1),
		rdl:      deadline.New(),
		wdl:      deadline.New(),
	}
}

// Limit reports the most bytes the ring can hold.
func (r *Ring) Limit() int { return r.limit }

// Buffered reports the number of bytes waiting to be consumed.
func (r *Ring) Buffered() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// Available reports how many more bytes a producer could add now.
func (r *Ring) Available() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.limit - r.n
}

// SetNotify installs callbacks run (without any ring lock held) after
// the ring changes in a way that may let a consumer (readable) or a
// producer (writable) make progress, including closes. They must not block.
// Either may be nil.
func (r *Ring) SetNotify(readable, writable func()) {
	r.mu.Lock()
	r.onReadable, r.onWritable = readable, writable
	r.mu.Unlock()
}

// SetReadDeadline sets the deadline of consumer calls; zero disarms it.
func (r *Ring) SetReadDeadline(t time.Time) {
	r.rdl.Set(t)
	r.rdlArmed.Store(!t.IsZero())
}

// SetWriteDeadline sets the deadline of producer calls; zero disarms it.
func (r *Ring) SetWriteDeadline(t time.Time) {
	r.wdl.Set(t)
	r.wdlArmed.Store(!t.IsZero())
}

func expired(armed *atomic.Bool, d *deadline.Deadline) bool {
	return armed.Load() && d.Err() != nil
}

// SetHold makes the ring look empty to its consumer while on is true
// (bytes still buffer up to the limit). Used to model blocked links.
func (r *Ring) SetHold(on bool) {
	r.mu.Lock()
	r.hold = on
	r.signalData()
	notify := r.onReadable
	r.mu.Unlock()
	if notify != nil {
		notify()
	}
}

// signalData wakes a parked consumer. mu held.
func (r *Ring) signalData() {
	if r.readWaiting {
		select {
		case r.dataCh <- struct{}{}:
		default:
		}
	}
}

// signalSpace wakes a parked producer. mu held.
func (r *Ring) signalSpace() {
	if r.writeWaiting {
		select {
		case r.spaceCh <- struct{}{}:
		default:
		}
	}
}

// errTimeout is what every call returns once its deadline has passed.
var errTimeout = os.ErrDeadlineExceeded

var _ io.ReadWriter = (*Ring)(nil)
