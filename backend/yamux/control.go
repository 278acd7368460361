package yamux

import (
	"encoding/binary"
	"io"
	"sync"

	hyamux "github.com/hashicorp/yamux"
)

// The control stream carries fixed 8-byte messages both ways
// (PROTOCOL.md, "Control stream"): type, status, two reserved bytes and a
// stream id.
const (
	ctlMsgSize       = 8
	ctlReset   uint8 = 1 // abort stream id with the given status
)

// control is one end of a session's control stream.
type control struct {
	st *hyamux.Stream
	mu sync.Mutex // serialises writes
}

// sendReset asks the peer to abort stream id with status st. It is best
// effort: if the session is gone the stream is gone too.
func (c *control) sendReset(id uint32, status uint8) {
	var m [ctlMsgSize]byte
	m[0], m[1] = ctlReset, status
	binary.BigEndian.PutUint32(m[4:], id)
	c.mu.Lock()
	c.st.Write(m[:])
	c.mu.Unlock()
}

// run reads messages until the stream ends and applies resets to reg. It
// returns the read error (io.EOF when the peer closed the stream).
func (c *control) run(reg *registry) error {
	var m [ctlMsgSize]byte
	for {
		if _, err := io.ReadFull(c.st, m[:]); err != nil {
			return err
		}
		if m[0] == ctlReset {
			status := m[1]
			if status == stOK {
				status = stReset
			}
			reg.reset(binary.BigEndian.Uint32(m[4:]), statusError(status))
		}
		// Unknown types are ignored: messages have a fixed size, so a
		// later version can add types without breaking this one.
	}
}
