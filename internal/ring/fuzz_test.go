package ring_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netoffload/offload/internal/ring"
)

// FuzzRing decodes the input into a sequence of ring operations, runs
// them on one goroutine, and checks every result against a reference
// model: a byte queue plus the close state. Only operations the model
// says cannot block are run, so the fuzzer never hangs.
//
// Input: byte 0 picks the limit; then each operation is three bytes, an
// opcode and a 16-bit little-endian argument.
func FuzzRing(f *testing.F) {
	for _, seed := range fuzzSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		m := newModel(fuzzLimits[int(data[0])%len(fuzzLimits)])
		data = data[1:]
		var current atomic.Value
		current.Store("start")
		// A hang means the model let a blocking call through: crash with
		// the operation, so the fuzzer keeps the input.
		watchdog := time.AfterFunc(hangGuard, func() {
			panic(fmt.Sprintf("FuzzRing hung in %v", current.Load()))
		})
		defer watchdog.Stop()
		for i := 0; i+3 <= len(data) && i < 3*400; i += 3 {
			op := fuzzOp(data[i] % byte(numOps))
			arg := int(data[i+1]) | int(data[i+2])<<8
			current.Store(fmt.Sprintf("op %d (%v, arg %d) with %d buffered, limit %d", i/3, op, arg, len(m.q), m.limit))
			if err := m.step(op, arg); err != nil {
				t.Fatalf("op %d (%v, arg %d): %v", i/3, op, arg, err)
			}
			if err := m.checkCounts(); err != nil {
				t.Fatalf("after op %d (%v, arg %d): %v", i/3, op, arg, err)
			}
		}
	})
}

var fuzzLimits = []int{1, 2, 7, 64, 4096, 5000, 9000, 70000}

// Errors the operations close with, picked by argument.
var fuzzErrs = []error{errors.New("e0"), errors.New("e1"), errors.New("e2")}

type fuzzOp byte

const (
	opWrite fuzzOp = iota
	opRead
	opTryReserve
	opCommit
	opTryPeek
	opDiscard
	opCloseWrite
	opCloseRead
	opAbort
	opHold
	opReserve
	opPeek
	opReadFrom
	opWriteTo
	opIdle
	opReadFromReady
	numOps
)

func (o fuzzOp) String() string {
	return [...]string{"Write", "Read", "TryReserve", "Commit", "TryPeek", "Discard", "CloseWrite",
		"CloseRead", "Abort", "SetHold", "Reserve", "Peek", "ReadFrom", "WriteTo", "Idle", "ReadFromReady"}[o]
}

// model is the reference: what a ring of limit bytes must do.
type model struct {
	r     *ring.Ring
	limit int
	q     []byte // pending bytes
	seed  int    // next pattern seed, so every byte written is traceable

	wclosed, rclosed bool
	wErr, rErr       error
	peerErr          error // nil: writes are discarded after CloseRead
	hold             bool

	reserved []byte // outstanding Reserve span, or nil
	peeked   []byte // outstanding Peek span, or nil
	peekCopy []byte // its contents when lent
}

func newModel(limit int) *model { return &model{r: ring.New(limit), limit: limit} }

func (m *model) next(n int) []byte {
	p := pattern(m.seed, n)
	m.seed += n
	return p
}

// producerErr is the error a producer gets now; discard reports the
// "accept and drop" state after CloseRead(_, nil).
func (m *model) producerErr() (err error, discard bool) {
	switch {
	case m.wclosed:
		return m.wErr, false
	case m.rclosed && m.peerErr == nil:
		return nil, true
	case m.rclosed:
		return m.peerErr, false
	}
	return nil, false
}

// consumerErr is the error a consumer gets now when nothing is readable.
func (m *model) consumerErr() error {
	switch {
	case m.rclosed:
		return m.rErr
	case m.hold:
		return nil
	case m.wclosed && len(m.q) == 0:
		return io.EOF
	}
	return nil
}

func (m *model) readable() bool { return !m.rclosed && !m.hold && len(m.q) > 0 }

func (m *model) step(op fuzzOp, arg int) error {
	switch op {
	case opWrite, opTryReserve, opReserve, opReadFrom, opReadFromReady:
		if m.reserved != nil {
			return m.commit(arg) // one producer: finish the lend first
		}
	case opRead, opTryPeek, opPeek, opWriteTo, opIdle:
		if m.peeked != nil {
			return m.discard(arg) // one consumer: finish the lend first
		}
	}
	switch op {
	case opWrite:
		return m.write(arg)
	case opRead:
		return m.read(arg)
	case opTryReserve, opReserve:
		return m.reserve(op == opReserve)
	case opCommit:
		return m.commit(arg)
	case opTryPeek, opPeek:
		return m.peek(op == opPeek)
	case opDiscard:
		return m.discard(arg)
	case opCloseWrite:
		return m.closeWrite(arg)
	case opCloseRead:
		return m.closeRead(arg)
	case opAbort:
		return m.abort(arg)
	case opHold:
		m.hold = arg&1 == 1
		m.r.SetHold(m.hold)
	case opReadFrom:
		return m.readFrom(arg)
	case opWriteTo:
		return m.writeTo(arg)
	case opIdle:
		return m.idle()
	case opReadFromReady:
		return m.readFromReady(arg)
	}
	return nil
}

func (m *model) write(arg int) error {
	size := arg % (2*m.limit + 1)
	perr, discard := m.producerErr()
	if perr == nil && !discard {
		size = min(size, m.limit-len(m.q)) // more would block
	}
	p := m.next(size)
	n, err := m.r.Write(p)
	switch {
	case perr != nil:
		if n != 0 || !errors.Is(err, perr) {
			return fmt.Errorf("Write(%d) = %d, %v; want 0, %v", size, n, err, perr)
		}
	case discard:
		if n != size || err != nil {
			return fmt.Errorf("Write(%d) after CloseRead(_, nil) = %d, %v; want all accepted", size, n, err)
		}
	default:
		if n != size || err != nil {
			return fmt.Errorf("Write(%d) = %d, %v", size, n, err)
		}
		m.q = append(m.q, p...)
	}
	return nil
}

func (m *model) read(arg int) error {
	size := arg % (m.limit + 2)
	if !m.readable() && m.consumerErr() == nil && size > 0 {
		return nil // would block
	}
	p := make([]byte, size)
	n, err := m.r.Read(p)
	if !m.readable() || size == 0 {
		want := m.consumerErr()
		if m.readable() {
			want = nil
		}
		if n != 0 || err != want {
			return fmt.Errorf("Read(%d) = %d, %v; want 0, %v", size, n, err, want)
		}
		return nil
	}
	if err != nil || n < 1 || n > min(size, len(m.q)) {
		return fmt.Errorf("Read(%d) with %d buffered = %d, %v", size, len(m.q), n, err)
	}
	if !bytes.Equal(p[:n], m.q[:n]) {
		return fmt.Errorf("Read(%d) returned the wrong bytes", size)
	}
	m.q = m.q[n:]
	return nil
}

// idle parks a Read on an empty ring until a near read deadline passes:
// the consumer waits, and the ring may hand its block back meanwhile.
func (m *model) idle() error {
	if m.readable() || m.consumerErr() != nil {
		return nil // it would not wait
	}
	m.r.SetReadDeadline(time.Now().Add(50 * time.Microsecond))
	defer m.r.SetReadDeadline(time.Time{})
	n, err := m.r.Read(make([]byte, 1+m.seed%(16<<10)))
	if n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("Read on an empty ring past its deadline = %d, %v", n, err)
	}
	return nil
}

func (m *model) reserve(blocking bool) error {
	perr, discard := m.producerErr()
	if discard {
		perr = ring.ErrReadClosed
	}
	full := perr == nil && len(m.q) == m.limit
	if blocking && full {
		return nil // would block
	}
	var span []byte
	var err error
	if blocking {
		span, err = m.r.Reserve()
	} else {
		span, err = m.r.TryReserve()
	}
	switch {
	case perr != nil:
		if span != nil || !errors.Is(err, perr) {
			return fmt.Errorf("Reserve = %d bytes, %v; want nil, %v", len(span), err, perr)
		}
	case full:
		if len(span) != 0 || err != nil {
			return fmt.Errorf("TryReserve on a full ring = %d bytes, %v", len(span), err)
		}
	default:
		if err != nil || len(span) < 1 || len(span) > m.limit-len(m.q) {
			return fmt.Errorf("Reserve with %d free = %d bytes, %v", m.limit-len(m.q), len(span), err)
		}
		m.reserved = span
	}
	return nil
}

func (m *model) commit(arg int) error {
	if m.reserved == nil {
		return nil
	}
	k := arg % (len(m.reserved) + 1)
	p := m.next(k)
	copy(m.reserved, p)
	m.r.Commit(k)
	m.reserved = nil
	if !m.rclosed {
		m.q = append(m.q, p...)
	}
	return nil
}

func (m *model) peek(blocking bool) error {
	cerr := m.consumerErr()
	if blocking && !m.readable() && cerr == nil {
		return nil // would block
	}
	var span []byte
	var err error
	if blocking {
		span, err = m.r.Peek()
	} else {
		span, err = m.r.TryPeek()
	}
	if !m.readable() {
		if len(span) != 0 || err != cerr {
			return fmt.Errorf("Peek = %d bytes, %v; want nothing, %v", len(span), err, cerr)
		}
		return nil
	}
	if err != nil || len(span) < 1 || len(span) > len(m.q) || !bytes.Equal(span, m.q[:len(span)]) {
		return fmt.Errorf("Peek with %d buffered = %d bytes, %v (or wrong bytes)", len(m.q), len(span), err)
	}
	m.peeked, m.peekCopy = span, append([]byte(nil), span...)
	return nil
}

func (m *model) discard(arg int) error {
	if m.peeked == nil {
		return nil
	}
	k := arg % (len(m.peeked) + 1)
	if !m.rclosed && !bytes.Equal(m.peeked, m.peekCopy) {
		return fmt.Errorf("Peek span changed before Discard")
	}
	m.r.Discard(k)
	m.peeked, m.peekCopy = nil, nil
	if !m.rclosed {
		m.q = m.q[k:]
	}
	return nil
}

// closeErr picks a close error by argument; nil (the last choice) means
// ErrWriteClosed to CloseWrite and Abort.
func closeErr(arg int) (given, effective error) {
	i := arg % (len(fuzzErrs) + 1)
	if i == len(fuzzErrs) {
		return nil, ring.ErrWriteClosed
	}
	return fuzzErrs[i], fuzzErrs[i]
}

func (m *model) closeWrite(arg int) error {
	given, e := closeErr(arg)
	m.r.CloseWrite(given)
	if !m.wclosed {
		m.wclosed, m.wErr = true, e
	}
	return nil
}

func (m *model) closeRead(arg int) error {
	re := fuzzErrs[arg%len(fuzzErrs)]
	var we error
	if arg&4 != 0 {
		we = fuzzErrs[(arg>>3)%len(fuzzErrs)]
	}
	m.r.CloseRead(re, we)
	m.markReadClosed(re, we)
	return nil
}

func (m *model) markReadClosed(re, we error) {
	if !m.rclosed {
		m.rclosed, m.rErr, m.peerErr = true, re, we
		m.q = nil
	}
}

func (m *model) abort(arg int) error {
	given, e := closeErr(arg)
	m.r.Abort(given)
	if !m.wclosed {
		m.wclosed, m.wErr = true, e
	}
	m.markReadClosed(e, e)
	return nil
}

func (m *model) readFrom(arg int) error {
	perr, discard := m.producerErr()
	size := arg % (m.limit + 1)
	if perr == nil && !discard && size >= m.limit-len(m.q) {
		return nil // it would block on a full ring before seeing EOF
	}
	p := m.next(size)
	n, err := m.r.ReadFrom(bytes.NewReader(p))
	if discard {
		// Like Write, ReadFrom accepts and drops everything.
		if n != int64(size) || err != nil {
			return fmt.Errorf("ReadFrom after CloseRead(_, nil) = %d, %v; want %d, nil", n, err, size)
		}
		return nil
	}
	if perr != nil {
		if n != 0 || !errors.Is(err, perr) {
			return fmt.Errorf("ReadFrom = %d, %v; want 0, %v", n, err, perr)
		}
		return nil
	}
	if n != int64(size) || err != nil {
		return fmt.Errorf("ReadFrom(%d bytes) = %d, %v", size, n, err)
	}
	m.q = append(m.q, p...)
	return nil
}

// readFromReady runs ReadFrom on a ReadySource that is ready for one to
// four reads of chunk bytes at most: ReadFrom must stop at the first read
// that is not ready, having taken exactly the bytes it reported, in
// order, from the front of the source.
func (m *model) readFromReady(arg int) error {
	perr, discard := m.producerErr()
	size := arg % (m.limit + 1)
	if perr == nil && !discard && size >= m.limit-len(m.q) {
		return nil // it could block on a full ring
	}
	p := m.next(size)
	src := &readySource{data: p, chunk: 1 + (arg>>3)%(size+1)}
	src.arm(1 + (arg>>12)%4)
	reads := src.left
	n, err := m.r.ReadFrom(src)
	taken := size - len(src.data)
	switch {
	case perr != nil:
		if n != 0 || !errors.Is(err, perr) || taken != 0 {
			return fmt.Errorf("ReadFrom(ready) = %d, %v after taking %d; want 0, %v", n, err, taken, perr)
		}
		return nil
	case err != nil || n != int64(taken):
		return fmt.Errorf("ReadFrom(ready) = %d, %v; the source gave %d", n, err, taken)
	case src.left < 0:
		return fmt.Errorf("ReadFrom(ready) read %d times; the source was ready for %d", reads-src.left, reads)
	case taken < size && src.left != 0:
		return fmt.Errorf("ReadFrom(ready) returned with the source still ready and %d bytes left", size-taken)
	}
	if !discard {
		m.q = append(m.q, p[:taken]...)
	}
	return nil
}

func (m *model) writeTo(arg int) error {
	room := arg % (m.limit + 2)
	drains := !m.rclosed && !m.hold && m.wclosed && room >= len(m.q)
	stopsShort := !m.rclosed && !m.hold && room < len(m.q)
	if !m.rclosed && !drains && !stopsShort {
		return nil // would block
	}
	w := &shortWriter{room: room}
	n, err := m.r.WriteTo(w)
	switch {
	case m.rclosed:
		if n != 0 || err != m.rErr {
			return fmt.Errorf("WriteTo = %d, %v; want 0, %v", n, err, m.rErr)
		}
		return nil
	case drains:
		if n != int64(len(m.q)) || err != nil {
			return fmt.Errorf("WriteTo draining %d = %d, %v", len(m.q), n, err)
		}
	default:
		if n != int64(room) || err != errWriter {
			return fmt.Errorf("WriteTo with room %d of %d = %d, %v", room, len(m.q), n, err)
		}
	}
	if !bytes.Equal(w.got, m.q[:n]) {
		return fmt.Errorf("WriteTo wrote the wrong bytes")
	}
	m.q = m.q[n:]
	return nil
}

func (m *model) checkCounts() error {
	if b := m.r.Buffered(); b != len(m.q) {
		return fmt.Errorf("Buffered = %d, model has %d", b, len(m.q))
	}
	if a := m.r.Available(); a != m.limit-len(m.q) {
		return fmt.Errorf("Available = %d, want %d", a, m.limit-len(m.q))
	}
	if h, c := m.r.Held(), ring.HeldBlocks(m.r); h != c {
		return fmt.Errorf("Held = %d, blocks in the chain hold %d", h, c)
	}
	return nil
}

// fuzzSeeds returns the inputs that f.Add seeds with; the same ones are
// checked in under testdata/fuzz/FuzzRing.
func fuzzSeeds() [][]byte {
	enc := func(limit byte, ops ...[3]byte) []byte {
		b := []byte{limit}
		for _, o := range ops {
			b = append(b, o[:]...)
		}
		return b
	}
	op := func(o fuzzOp, arg int) [3]byte { return [3]byte{byte(o), byte(arg), byte(arg >> 8)} }
	return [][]byte{
		enc(3, op(opWrite, 10), op(opRead, 4), op(opWrite, 60), op(opRead, 100), op(opCloseWrite, 0), op(opRead, 5)),
		enc(4, op(opWrite, 4000), op(opRead, 3990), op(opWrite, 4000), op(opTryPeek, 0), op(opDiscard, 9999), op(opPeek, 0)),
		enc(5, op(opTryReserve, 0), op(opRead, 1), op(opCommit, 300), op(opTryReserve, 0), op(opCommit, 5000), op(opWriteTo, 17)),
		enc(2, op(opWrite, 7), op(opTryReserve, 0), op(opTryPeek, 0), op(opDiscard, 3), op(opCloseRead, 4), op(opWrite, 3), op(opReserve, 0)),
		enc(6, op(opHold, 1), op(opWrite, 100), op(opRead, 10), op(opCloseWrite, 1), op(opPeek, 0), op(opHold, 0), op(opWriteTo, 9000)),
		enc(7, op(opReadFrom, 30000), op(opPeek, 0), op(opWrite, 20000), op(opDiscard, 65535), op(opAbort, 2), op(opRead, 3), op(opWriteTo, 1)),
		enc(1, op(opWrite, 1), op(opRead, 1), op(opWrite, 3), op(opCloseRead, 0), op(opWrite, 2), op(opReadFrom, 1)),
		enc(0, op(opWrite, 1), op(opTryReserve, 0), op(opCloseWrite, 2), op(opRead, 1), op(opRead, 1)),
		enc(3, op(opWrite, 9), op(opCloseWrite, 3), op(opWrite, 1), op(opTryReserve, 0), op(opRead, 64), op(opRead, 1)),
		enc(3, op(opWrite, 9), op(opAbort, 3), op(opRead, 1), op(opWrite, 1), op(opWriteTo, 5)),
		enc(7, op(opWrite, 5000), op(opRead, 5000), op(opIdle, 0), op(opWrite, 40000), op(opRead, 30000), op(opIdle, 0), op(opRead, 20000), op(opIdle, 0), op(opWrite, 65000), op(opTryPeek, 0), op(opDiscard, 100), op(opRead, 65535)),
		enc(6, op(opReadFromReady, 0x3f01), op(opRead, 9000), op(opReadFromReady, 0x1400), op(opCloseRead, 0), op(opReadFromReady, 0x2050), op(opWrite, 3)),
	}
}
