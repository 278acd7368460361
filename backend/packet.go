package backend

import (
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/transport/v3/deadline"
)

// MaxDatagram is the largest UDP payload over IPv4 (65,535 − 8 − 20).
const MaxDatagram = 65507

// PacketQueue is a datagram socket's bounded receive queue. The backend
// calls Deliver for each arrival; the application side calls Receive.
// When the queue is full, arrivals are dropped and counted, as UDP does.
// Slot memory is reused, so steady-state delivery does not allocate.
type PacketQueue struct {
	mu      sync.Mutex
	slots   []slot
	head, n int
	closed  bool
	err     error
	waiters int
	ready   chan struct{} // cap 1; chained from one woken waiter to the next

	dl      *deadline.Deadline
	dlArmed atomic.Bool
	dropped atomic.Uint64
}

type slot struct {
	data []byte
	from netip.AddrPort
}

// NewPacketQueue returns a queue holding up to size datagrams
// (DefaultPacketQueue if size <= 0).
func NewPacketQueue(size int) *PacketQueue {
	if size <= 0 {
		size = DefaultPacketQueue
	}
	return &PacketQueue{
		slots: make([]slot, size),
		ready: make(chan struct{}, 1),
		dl:    deadline.New(),
	}
}

// Deliver queues a copy of p as a datagram from from. It reports false,
// counting a drop, when the queue is full or closed. It never blocks.
func (q *PacketQueue) Deliver(p []byte, from netip.AddrPort) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.n == len(q.slots) {
		q.dropped.Add(1)
		return false
	}
	s := &q.slots[(q.head+q.n)%len(q.slots)]
	s.data = append(s.data[:0], p...)
	s.from = from
	q.n++
	q.wake()
	return true
}

// wake lets one waiting receiver run. mu held.
func (q *PacketQueue) wake() {
	if q.waiters > 0 {
		select {
		case q.ready <- struct{}{}:
		default:
		}
	}
}

// Receive copies the next datagram into p and returns its length, its
// source, and whether it was truncated to fit p (the rest is discarded,
// as UDP does). It blocks until a datagram arrives, the queue is closed
// (returning the Close error) or the read deadline passes
// (os.ErrDeadlineExceeded).
func (q *PacketQueue) Receive(p []byte) (n int, from netip.AddrPort, truncated bool, err error) {
	if q.dlArmed.Load() && q.dl.Err() != nil {
		return 0, from, false, os.ErrDeadlineExceeded
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.n == 0 {
		if q.closed {
			q.wake() // pass Close's wake-up on to the next parked receiver
			return 0, from, false, q.err
		}
		if err := q.wait(); err != nil {
			return 0, from, false, err
		}
	}
	s := &q.slots[q.head]
	n = copy(p, s.data)
	from, truncated = s.from, n < len(s.data)
	q.head = (q.head + 1) % len(q.slots)
	q.n--
	if q.n > 0 || q.closed {
		q.wake()
	}
	return n, from, truncated, nil
}

// wait parks one receiver. mu held on entry and return.
func (q *PacketQueue) wait() error {
	q.waiters++
	q.mu.Unlock()
	var err error
	select {
	case <-q.ready:
	case <-q.dl.Done():
		err = os.ErrDeadlineExceeded
	}
	q.mu.Lock()
	q.waiters--
	return err
}

// Len reports how many datagrams wait unread.
func (q *PacketQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// Dropped reports how many arrivals were dropped because the queue was
// full or closed.
func (q *PacketQueue) Dropped() uint64 { return q.dropped.Load() }

// SetReadDeadline sets the deadline of Receive; zero disarms it.
func (q *PacketQueue) SetReadDeadline(t time.Time) {
	q.dl.Set(t)
	q.dlArmed.Store(!t.IsZero())
}

// Close makes Receive return err once the queued datagrams are gone, and
// drops later arrivals. Only the first Close counts.
func (q *PacketQueue) Close(err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed, q.err = true, err
	}
	q.wake()
}

// Discard drops every queued datagram (used when the application closes
// its socket, so later receivers see the Close error at once).
func (q *PacketQueue) Discard() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.head, q.n = 0, 0
	q.wake()
}
