package espat

import (
	"net"
	"net/netip"
	"sync"
	"syscall"

	"github.com/netoffload/offload/backend"
)

// linkState is where a link is in its life.
type linkState uint8

const (
	linkConnecting linkState = iota // AT+CIPSTART running
	linkOpen                        // carrying data
	linkClosing                     // the application closed it: flush Out, then AT+CIPCLOSE
	linkGone                        // closed on the modem; the id is free
)

// link is one of the modem's five connections (<link ID> 0..4) and the
// socket buffers it feeds.
type link struct {
	id     int
	udp    bool
	st     *backend.Stream      // TCP
	pq     *backend.PacketQueue // UDP
	remote netip.AddrPort       // the peer; the source of datagrams without CIPDINFO
	local  netip.AddrPort       // from +LINK_CONN when the modem reports it

	// Guarded by Modem.mu.
	state      linkState
	pending    int  // passive mode: bytes the modem holds for this link
	peerClosed bool // the modem said <id>,CLOSED
	failed     bool // aborted with an error

	// Write boundaries for Config.NoCoalesce, guarded by markMu:
	// produced-byte offsets at which a Write ended, and the bytes taken.
	markMu   sync.Mutex
	consumed int64
	marks    []int64
}

// newStreamLink makes a TCP link and hooks its buffers to the engine.
func (m *Modem) newStreamLink(id int, st *backend.Stream) *link {
	l := &link{id: id, st: st}
	st.Out.SetNotify(func() { m.outReadable(l) }, nil)
	st.In.SetNotify(nil, m.wake)
	return l
}

// newPacketLink makes a UDP link.
func newPacketLink(id int, pq *backend.PacketQueue, remote netip.AddrPort) *link {
	return &link{id: id, udp: true, pq: pq, remote: remote}
}

// outReadable runs (without locks) after the application adds bytes to
// Out: it records a write boundary when NoCoalesce is set and wakes the
// engine.
func (m *Modem) outReadable(l *link) {
	if m.cfg.NoCoalesce {
		l.markMu.Lock()
		end := l.consumed + int64(l.st.Out.Buffered())
		// Marks are at least a byte apart and Out is bounded, so are they.
		if n := len(l.marks); n == 0 || l.marks[n-1] < end {
			l.marks = append(l.marks, end)
		}
		l.markMu.Unlock()
	}
	m.wake()
}

// nextChunk returns how many of the buffered Out bytes the next
// AT+CIPSEND should carry.
func (l *link) nextChunk(buffered, limit int, noCoalesce bool) int {
	n := min(buffered, limit)
	if !noCoalesce {
		return n
	}
	l.markMu.Lock()
	defer l.markMu.Unlock()
	i := 0
	for i < len(l.marks) && l.marks[i] <= l.consumed {
		i++
	}
	if i > 0 {
		l.marks = append(l.marks[:0], l.marks[i:]...)
	}
	if len(l.marks) > 0 {
		n = min(n, int(l.marks[0]-l.consumed))
	}
	return n
}

// fail aborts the link's buffers with err: no hole in a stream, and
// blocked calls wake up. Received bytes that end in an orderly close are
// kept. Call without Modem.mu.
func (l *link) fail(err error, peerClosed bool) {
	if l.udp {
		l.pq.Close(err)
		return
	}
	l.st.Out.Abort(err)
	if !peerClosed {
		l.st.In.Abort(err)
	}
}

// closedByPeer ends the received stream in order (the application reads
// what is buffered, then io.EOF) and fails later writes with EPIPE. Call
// without Modem.mu.
func (l *link) closedByPeer() {
	if l.udp {
		l.pq.Close(syscall.ECONNRESET)
		return
	}
	l.st.In.CloseWrite(nil)
	l.st.Out.CloseRead(net.ErrClosed, syscall.EPIPE)
}

// freeID returns a link id no link uses, preferring high ids (the modem
// gives accepted connections the lowest free one). mu held.
func (m *Modem) freeID() (int, bool) {
	for id := maxLinks - 1; id >= 0; id-- {
		if m.links[id] == nil && m.stale&(1<<id) == 0 {
			return id, true
		}
	}
	return 0, false
}

// lookup returns the live link with id, or nil. mu held.
func (m *Modem) lookup(id int) *link {
	if id < 0 || id >= maxLinks {
		return nil
	}
	return m.links[id]
}

// unregister removes l from the table if it is still there. mu held.
func (m *Modem) unregister(l *link) {
	if m.links[l.id] == l {
		m.links[l.id] = nil
	}
	l.state = linkGone
}
