package yamux

import (
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// frameLink is the link as yamux sees it after the handshake. yamux's
// send loop writes each data frame as two writes, the 12-byte header and
// then the body; frameLink joins them into one: a single writev on
// sockets that have it (TCP, Unix), otherwise one write of a joined copy
// when the body is small. That halves the syscalls, TLS records or pipe
// hand-offs per frame. Anything that does not look like a data header
// followed by its body is written as it comes, so correctness never
// depends on the send loop's habits.
//
// It also keeps what the link's keepalive goes by (heard, writes), sizes
// data frames to the link's speed (pace), and on TCP (and TLS over TCP)
// bounds what the socket holds unsent (limitUnsent). The receive loop
// and the send loop each write their own cache line: both run on every
// frame.
type frameLink struct {
	io.ReadWriteCloser
	onFail   func() // called once, at the link's first read or write error
	failOnce sync.Once
	dead     atomic.Bool // the link failed or went silent: Close need not be polite
	writev   bool        // the link takes net.Buffers in one call
	_        [64]byte

	// Written by the receive loop.
	heard atomic.Int64 // when a read last returned bytes, as monoNow
	_     [56]byte

	// Written by the send loop.
	writes atomic.Uint64 // writes that put bytes on the link
	held   []byte        // a data frame header waiting for its body
	arr    [2][]byte     // backing of vec
	vec    net.Buffers   // a field, so WriteTo's pointer receiver does not allocate
	joined []byte        // scratch for joined small frames
	_      [64]byte

	pace pacer // read by the send pumps on every frame, rarely written
}

const (
	frameHeaderSize = 12
	// joinLimit is the largest body copied to join it with its header on
	// links without writev.
	joinLimit = 16 << 10
)

// newFrameLink wraps link; onFail (if not nil) runs at its first error.
func newFrameLink(link io.ReadWriteCloser, onFail func()) *frameLink {
	l := &frameLink{ReadWriteCloser: link, onFail: onFail, held: make([]byte, 0, frameHeaderSize)}
	l.heard.Store(monoNow())
	switch link.(type) {
	case *net.TCPConn, *net.UnixConn:
		l.writev = true
	}
	limitUnsent(link)
	l.pace.init(frameLimit(l))
	return l
}

// Read is called only by yamux's receive loop.
func (l *frameLink) Read(p []byte) (int, error) {
	n, err := l.ReadWriteCloser.Read(p)
	if n > 0 {
		l.heard.Store(monoNow())
	}
	if err != nil {
		l.failed()
	}
	return n, err
}

// quiet returns how long nothing has arrived on the link: the time since
// a read last returned bytes, or since the link was wrapped.
func (l *frameLink) quiet() time.Duration { return time.Duration(monoNow() - l.heard.Load()) }

// monoEpoch anchors monoNow.
var monoEpoch = time.Now()

// monoNow reads the monotonic clock, in nanoseconds since monoEpoch.
func monoNow() int64 { return int64(time.Since(monoEpoch)) }

// Write is called only by yamux's send loop, one call at a time.
func (l *frameLink) Write(p []byte) (int, error) {
	n, err := l.write(p)
	if err != nil {
		l.failed()
	}
	if n > 0 && len(l.held) == 0 {
		l.writes.Add(1)
	}
	return n, err
}

// failed reports the link's failure, once. Any read or write error ends
// a yamux session; onFail runs before yamux sees the error, so before it
// starts closing the session.
func (l *frameLink) failed() {
	l.dead.Store(true)
	if l.onFail != nil {
		l.failOnce.Do(l.onFail)
	}
}

// Close closes the link. A TLS link's Close first sends close_notify,
// waiting up to 5 s for the socket to take it; a dead link's peer will
// not (its socket may hold all the unsent bytes it allows already), so
// on a dead link the TCP conn under TLS is closed first, and that send
// fails at once.
func (l *frameLink) Close() error {
	if tc, ok := l.ReadWriteCloser.(*tls.Conn); ok && l.dead.Load() {
		tc.NetConn().Close()
	}
	return l.ReadWriteCloser.Close()
}

func (l *frameLink) write(p []byte) (int, error) {
	if len(l.held) > 0 {
		return l.writeHeld(p)
	}
	if dataHeaderBodyLen(p) > 0 {
		l.held = append(l.held[:0], p...)
		return len(p), nil
	}
	return l.ReadWriteCloser.Write(p)
}

// writeHeld writes the held header with p, its body if it fits.
func (l *frameLink) writeHeld(p []byte) (int, error) {
	hdr := l.held
	l.held = l.held[:0]
	if len(p) != dataHeaderBodyLen(hdr) {
		if _, err := l.ReadWriteCloser.Write(hdr); err != nil {
			return 0, err
		}
		return l.ReadWriteCloser.Write(p)
	}
	if len(p) < paceFrom {
		return l.writeFrame(hdr, p)
	}
	start := monoNow()
	n, err := l.writeFrame(hdr, p)
	if err == nil {
		l.pace.wrote(n, time.Duration(monoNow()-start))
	}
	return n, err
}

// writeFrame writes a data frame's header and body, and returns how much
// of the body went out.
func (l *frameLink) writeFrame(hdr, p []byte) (int, error) {
	if l.writev {
		l.arr[0], l.arr[1] = hdr, p
		l.vec = l.arr[:]
		n, err := l.vec.WriteTo(l.ReadWriteCloser)
		l.arr[1] = nil // do not keep the caller's buffer
		return max(int(n)-len(hdr), 0), err
	}
	if len(p) > joinLimit {
		if _, err := l.ReadWriteCloser.Write(hdr); err != nil {
			return 0, err
		}
		return l.ReadWriteCloser.Write(p)
	}
	l.joined = append(append(l.joined[:0], hdr...), p...)
	n, err := l.ReadWriteCloser.Write(l.joined)
	return max(n-len(hdr), 0), err
}

// dataHeaderBodyLen returns the body length of a yamux v0 data frame
// header, or 0 if p is not one (or announces no body).
func dataHeaderBodyLen(p []byte) int {
	if len(p) != frameHeaderSize || p[0] != 0 || p[1] != 0 {
		return 0
	}
	return int(binary.BigEndian.Uint32(p[8:12]))
}
