package yamux

import (
	"encoding/binary"
	"io"
	"sync"
	"time"

	hyamux "github.com/hashicorp/yamux"
)

// The control stream carries fixed 8-byte messages both ways
// (PROTOCOL.md, "Control stream"): type, status, two reserved bytes and a
// stream id.
const (
	ctlMsgSize       = 8
	ctlReset   uint8 = 1 // abort stream id with the given status
	ctlFinAck  uint8 = 2 // gateway → device: stream id's bytes and FIN were passed on
)

// control is one end of a session's control stream.
//
// A side that resets a stream sends RESET here and then closes the
// stream (FIN), so the RESET is ahead of the FIN on the link; but this
// stream and the reset one are read by different goroutines, and the
// FIN can be acted on first. A reader that meets a stream's end calls
// caughtUp before passing it on as an orderly end, then looks again for
// an abort.
type control struct {
	st *hyamux.Stream
	mu sync.Mutex // serialises writes

	// caughtUp's calls: while some wait (released < tickets), the
	// stream's read deadline is in the past.
	syncMu   sync.Mutex
	tickets  uint64        // caughtUp calls so far
	released uint64        // tickets up to this one have returned
	relCh    chan struct{} // closed at the next release; nil if nobody waits
	exited   chan struct{} // closed when run returns
}

func newControl(st *hyamux.Stream) *control {
	return &control{st: st, exited: make(chan struct{})}
}

// caughtUp returns once every message that had arrived when it was called
// has been applied, or run has returned. It arms a past read deadline:
// yamux returns buffered bytes ahead of a deadline, so a read of run's
// times out only if the stream was empty when that read began (Read).
func (c *control) caughtUp() {
	c.syncMu.Lock()
	if c.released == c.tickets {
		c.st.SetReadDeadline(pastTime)
	}
	c.tickets++
	t := c.tickets
	for c.released < t {
		if c.relCh == nil {
			c.relCh = make(chan struct{})
		}
		ch := c.relCh
		c.syncMu.Unlock()
		select {
		case <-ch:
		case <-c.exited:
			return
		}
		c.syncMu.Lock()
	}
	c.syncMu.Unlock()
}

// Read reads the stream for run. A read that times out on caughtUp's
// deadline found the stream empty when it began, after every message read
// before it was applied (run applies each as soon as it has it whole, and
// each arrives in one frame): it releases the caughtUp calls made before
// it began, and the read goes on. A timeout that caughtUp did not arm (a
// deadline set elsewhere) ends run, as any other error does.
func (c *control) Read(p []byte) (int, error) {
	for {
		c.syncMu.Lock()
		before := c.tickets
		c.syncMu.Unlock()
		n, err := c.st.Read(p)
		if err != hyamux.ErrTimeout {
			return n, err
		}
		c.syncMu.Lock()
		if c.released == c.tickets { // nobody waits: not caughtUp's deadline
			c.syncMu.Unlock()
			return n, err
		}
		if before > c.released {
			c.released = before
			if c.relCh != nil {
				close(c.relCh)
				c.relCh = nil
			}
		}
		if c.released == c.tickets {
			c.st.SetReadDeadline(time.Time{})
		}
		c.syncMu.Unlock()
	}
}

// sendReset asks the peer to abort stream id with status st. It is best
// effort: if the session is gone the stream is gone too.
func (c *control) sendReset(id uint32, status uint8) { c.send(ctlReset, status, id) }

// sendFinAck tells the device that stream id's bytes up to its FIN have
// been written to the gateway's conn and the conn half-closed (best
// effort, like sendReset).
func (c *control) sendFinAck(id uint32) { c.send(ctlFinAck, 0, id) }

func (c *control) send(typ, status uint8, id uint32) {
	var m [ctlMsgSize]byte
	m[0], m[1] = typ, status
	binary.BigEndian.PutUint32(m[4:], id)
	c.mu.Lock()
	c.st.Write(m[:])
	c.mu.Unlock()
}

// run reads messages until the stream ends and applies resets and FIN
// acknowledgements to reg. It returns the read error (io.EOF when the
// peer closed the stream).
func (c *control) run(reg *registry) error {
	defer close(c.exited)
	return readControl(c, reg)
}

// readControl is run's decoder: it applies each message read from r.
func readControl(r io.Reader, reg *registry) error {
	var m [ctlMsgSize]byte
	for {
		if _, err := io.ReadFull(r, m[:]); err != nil {
			return err
		}
		id := binary.BigEndian.Uint32(m[4:])
		switch m[0] {
		case ctlReset:
			status := m[1]
			if status == stOK {
				status = stReset
			}
			reg.reset(id, statusError(status))
		case ctlFinAck:
			reg.finAcked(id)
		}
		// Unknown types are ignored: messages have a fixed size, so a
		// later version can add types without breaking this one.
	}
}
