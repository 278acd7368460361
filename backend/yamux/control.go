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

	syncMu sync.Mutex
	syncCh chan struct{} // closed once run found the stream empty; nil if nobody waits
	exited chan struct{} // closed when run returns
}

func newControl(st *hyamux.Stream) *control {
	return &control{st: st, exited: make(chan struct{})}
}

// caughtUp returns once every message that had arrived when it was called
// has been applied, or run has returned. It arms a past read deadline:
// yamux returns buffered bytes ahead of a deadline, so run's read times
// out only once the stream is empty (Read).
func (c *control) caughtUp() {
	c.syncMu.Lock()
	if c.syncCh == nil {
		c.syncCh = make(chan struct{})
		c.st.SetReadDeadline(pastTime)
	}
	ch := c.syncCh
	c.syncMu.Unlock()
	select {
	case <-ch:
	case <-c.exited:
	}
}

// Read reads the stream for run: a timeout that caughtUp armed means the
// stream was empty, which releases its waiters (messages are applied as
// soon as they are read whole, and each arrives in one frame); the read
// then goes on. Any other error, a deadline set elsewhere too, ends run.
func (c *control) Read(p []byte) (int, error) {
	for {
		n, err := c.st.Read(p)
		if err != hyamux.ErrTimeout {
			return n, err
		}
		c.syncMu.Lock()
		ch := c.syncCh
		if ch != nil {
			c.syncCh = nil
			c.st.SetReadDeadline(time.Time{})
			close(ch)
		}
		c.syncMu.Unlock()
		if ch == nil {
			return n, err
		}
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
