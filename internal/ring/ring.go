// Package ring implements the bounded byte ring behind every offload stream
// connection: the socket buffer that sits between the application and the
// offload backend.
//
// A Ring has a producer side and a consumer side. For a connection's Out
// ring the application produces (Write) and the backend consumes; for its In
// ring the backend produces and the application consumes. The loopback
// backend makes one conn's Out the very same ring as its peer's In.
//
// # Representation
//
// Bytes live in a chain of blocks (a single-producer, single-consumer
// queue). The producer copies into the tail block, linking a new block
// when it is full, and publishes by adding to its running total; the
// consumer reads up to (producer total − consumer total) bytes onward from
// its place in the head block and adds what it took to its own total.
// Each side caches the other's total and reloads it only when it seems to
// have run out, so the two cores rarely contend for a cache line. A side's
// total shares one atomic word with that side's gate bits and the other
// side's park bit (side.go). A small Write or Read takes its gate with one
// CAS, copies, and publishes its bytes and opens the gate with one plain
// (release) store: one locked instruction per call, and no lock. Calls
// that may block hold the gate in a mode whose updates are all atomic
// read-modify-writes. The mutex is for the slow paths only: parking,
// closing, deadlines. A Write of 256 bytes or more then
// prefetches, for writing, the room the next write of its size would
// take: that memory was last read by the consumer's core, and fetching it
// early keeps the next Write's CAS from waiting for it.
//
// A consumer whose ring is paired with the ring it writes to (PairWith,
// for in-memory conn pairs) yields the processor briefly before parking
// when it has just written, since a reply is then likely to be one
// scheduling step away; not when either consumer relays the bytes on
// (WriteTo).
//
// A Read parked with a large buffer offers it for a direct hand-off: a
// Write of 512 bytes or more that finds the ring empty copies into that
// buffer instead (handoff.go), so the bytes are copied once. The offer
// is one atomic word that a writer takes and gives back around its copy,
// as it does the gate, so a hand-off costs no more than a write to the
// ring. A writer whose reader has yet to collect a full hand-off yields
// to it rather than queueing in the ring: the woken reader usually runs
// on the writer's processor, and taking turns there keeps the bytes in
// one core's cache.
//
// # Invariants
//
//   - 0 <= producer total − consumer total <= limit; that many bytes
//     after (head, r) in chain order are published and unreleased.
//   - Blocks are allocated as bytes arrive (4 KiB, 4 KiB, then doubling
//     to 32 KiB, or up to 128 KiB after SetBlockLimit; each starts at a
//     multiple of its size in the stream) and recycled when the consumer
//     leaves them. A new ring holds no block memory. A consumer about to
//     wait on an empty ring hands the last block back too, when no
//     producer call runs and the producer does not lend spans (Shrink);
//     the chain then restarts from the ring's empty sentinel block, and
//     the next block starts part way in, at the stream's offset within
//     it, so later blocks stay aligned. So a ring whose reader waits
//     holds no block; one nobody reads keeps the block it was filling.
//   - At most one producer and one consumer run at a time: Write and
//     ReadFrom hold the producer gate for their whole duration (so
//     concurrent Writes never interleave, as net.Conn promises), Read and
//     WriteTo hold the consumer gate. The bare lend calls (Reserve/Commit,
//     Peek/Discard) are for a backend's single pump goroutine and take no
//     gate.
//   - No caller slice is kept after a call returns. Spans returned by
//     Reserve and Peek stay valid until the matching Commit or Discard.
//   - Orderly end and abort are distinct: after CloseWrite the consumer
//     drains what is buffered and then reads io.EOF; after CloseRead or
//     Abort it gets the given error at once.
//   - Blocked calls wait on channels that closes, deadlines and the other
//     side signal. A side about to park sets the park bit in the other
//     side's word unless that side's total has moved on; whoever moves it
//     next clears the bit and wakes the waiter, so no wake-up is lost. The
//     one wait that is not on a channel is for a fast-path call's closing
//     store, which follows within one short copy: the waiter re-reads the
//     word, then yields (side.waitStore).
//
// Lock order: mu is the only lock; no callback runs with it held.
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

// ErrReadClosed is returned to a producer whose consumer has gone away
// without leaving a more specific error.
var ErrReadClosed = errors.New("ring: read side closed")

// ErrWriteClosed is what producers get after CloseWrite(nil).
var ErrWriteClosed = errors.New("ring: write side closed")

// Flag bits of Ring.flags.
const (
	flagWClosed = 1 << iota // producer side closed
	flagRClosed             // consumer side closed
	flagHold                // consumer sees nothing (fault injection)
)

// Ring is a bounded byte FIFO. Create one with New.
type Ring struct {
	// Consumer side, touched only by the consumer.
	head     *block
	r        int    // read offset in head
	rtotal   int64  // bytes consumed so far, released or not
	unrel    int64  // bytes consumed but not yet released to the producer
	tailSeen int64  // last producer total the consumer loaded
	pair     *Ring  // the ring the consumer also writes to (PairWith), or nil
	pairSeen int64  // pair's producer total when the consumer last waited
	parked   []byte // a parked Read's buffer, read by producers while hand is open
	_        [64]byte

	// Producer side, touched only by the producer.
	tail     *block
	tw       int   // write offset in tail
	wtotal   int64 // bytes written so far, published or not
	unpub    int64 // bytes written but not yet published
	headSeen int64 // last consumer total the producer loaded
	limit    int64
	most     int // largest block size: maxBlock, or what SetBlockLimit set
	_        [64]byte

	prod side // producer gate + bytes published so far
	_    [64]byte
	cons side // consumer gate + bytes released so far
	_    [64]byte

	flags atomic.Uint32 // flag bits; rarely written
	hand  atomic.Uint64 // the hand-off offer: count and bits (handoff.go)
	held  atomic.Int64  // bytes of block memory in the chain (Held)
	_     [64]byte

	mu      sync.Mutex // guards the fields below and the slow paths
	wErr    error      // what producers get after CloseWrite
	rErr    error      // what consumers get after CloseRead / Abort
	peerErr error      // what producers get after CloseRead; nil discards writes

	dataCh, spaceCh        chan struct{} // cap 1: wake the parked consumer / producer
	prodGateCh, consGateCh chan struct{} // cap 1: hand a gate to a waiter (see side)

	rdl, wdl           *deadline.Deadline // consumer (read) and producer (write) deadlines
	rdlArmed, wdlArmed atomic.Bool

	notify atomic.Pointer[notifiers]

	// lends is set once the producer uses Reserve: its spans outlive any
	// gate, so the consumer may not take the block back (Shrink).
	lends atomic.Bool

	// drains is set once the consumer drains the ring into a writer
	// (WriteTo): it relays the bytes on rather than answering them, so a
	// reply to them is not one scheduling step away (replyLikely).
	drains atomic.Bool

	// sentinel is the empty block the chain starts from, and restarts
	// from when shrink has taken the last block back.
	sentinel block
}

type notifiers struct{ readable, writable func() }

// New returns an empty ring that may hold up to limit bytes
// (DefaultLimit if limit <= 0).
func New(limit int) *Ring {
	if limit <= 0 {
		limit = DefaultLimit
	}
	r := &Ring{
		limit:      int64(limit),
		most:       maxBlock,
		dataCh:     make(chan struct{}, 1),
		spaceCh:    make(chan struct{}, 1),
		prodGateCh: make(chan struct{}, 1),
		consGateCh: make(chan struct{}, 1),
		rdl:        deadline.New(),
		wdl:        deadline.New(),
	}
	r.head, r.tail = &r.sentinel, &r.sentinel
	return r
}

// SetBlockLimit lets the ring's blocks grow to n bytes (rounded down to a
// power of two, between 4 KiB and 128 KiB) instead of 32 KiB. Larger
// blocks give a consumer that takes spans (Peek) larger ones and mean
// fewer block changes, and cost memory while the ring is busy, or idle
// with no reader waiting (a waiting reader hands the block back). Call it
// before the ring is used.
func (r *Ring) SetBlockLimit(n int) {
	most := minBlock
	for most < largestBlock && most*2 <= n {
		most *= 2
	}
	r.most = most
}

// Held reports how many bytes of block memory the ring holds: the blocks
// from the consumer's place to the producer's. It may be called at any
// time.
func (r *Ring) Held() int { return int(r.held.Load()) }

// Limit reports the most bytes the ring can hold.
func (r *Ring) Limit() int { return int(r.limit) }

// Buffered reports the number of bytes waiting to be consumed.
func (r *Ring) Buffered() int {
	if r.flags.Load()&flagRClosed != 0 {
		return 0 // dropped
	}
	c := r.cons.total()
	return int(max(r.prod.total()-c, 0))
}

// Available reports how many more bytes a producer could add now.
func (r *Ring) Available() int { return max(int(r.limit)-r.Buffered(), 0) }

// SetNotify installs callbacks run (without any ring lock held) after
// the ring changes in a way that may let a consumer (readable) or a
// producer (writable) make progress, including closes. They must not
// block. Either may be nil.
func (r *Ring) SetNotify(readable, writable func()) {
	r.notify.Store(&notifiers{readable, writable})
}

func (r *Ring) notifyReadable() {
	if f := r.notify.Load(); f != nil && f.readable != nil {
		f.readable()
	}
}

func (r *Ring) notifyWritable() {
	if f := r.notify.Load(); f != nil && f.writable != nil {
		f.writable()
	}
}

// SetReadDeadline sets the deadline of consumer calls; zero disarms it.
func (r *Ring) SetReadDeadline(t time.Time) {
	r.rdl.Set(t)
	r.rdlArmed.Store(!t.IsZero())
	kick(r.dataCh) // a parked consumer re-evaluates how it waits
	kick(r.consGateCh)
}

// SetWriteDeadline sets the deadline of producer calls; zero disarms it.
func (r *Ring) SetWriteDeadline(t time.Time) {
	r.wdl.Set(t)
	r.wdlArmed.Store(!t.IsZero())
	kick(r.spaceCh)
	kick(r.prodGateCh)
}

func expired(armed *atomic.Bool, d *deadline.Deadline) bool {
	return armed.Load() && d.Err() != nil
}

// SetHold makes the ring look empty to its consumer while on is true
// (bytes still buffer up to the limit). Used to model blocked links.
func (r *Ring) SetHold(on bool) {
	r.mu.Lock()
	if on {
		r.setFlag(flagHold)
	} else {
		r.flags.And(^uint32(flagHold))
	}
	r.mu.Unlock()
	kick(r.dataCh)
	r.notifyReadable()
}

// setFlag sets bits in flags. mu held, so that errors stored before are
// visible to whoever sees the bit and takes mu.
func (r *Ring) setFlag(bits uint32) { r.flags.Or(bits) }

// kick wakes whoever is parked on ch, if anyone; it never blocks.
func kick(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// errTimeout is what every call returns once its deadline has passed.
var errTimeout = os.ErrDeadlineExceeded

var _ io.ReadWriter = (*Ring)(nil)
