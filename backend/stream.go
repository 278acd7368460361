package backend

import (
	"errors"

	"github.com/netoffload/offload/internal/ring"
)

// Buffer is a bounded socket buffer (a byte ring). The application side
// uses Read/Write; the backend side uses the lend calls Reserve/Commit and
// Peek/Discard, their non-blocking forms TryReserve/TryPeek, or
// ReadFrom/WriteTo. Buffered, Available and SetNotify let an event-driven
// backend schedule work without a goroutine per buffer.
type Buffer = ring.Ring

// ReadySource is a source that can tell whether its next Read returns at
// once. Buffer.ReadFrom reads one only while it is ready and returns at
// its first read that is not, so a receive pump that waits for its medium
// itself and then calls ReadFrom never holds the buffer while it waits,
// and a reader waiting on the empty buffer can hand its memory back
// meanwhile.
type ReadySource = ring.ReadySource

// NewBuffer returns an empty Buffer holding at most limit bytes
// (DefaultBufferSize if limit <= 0). Memory is allocated as bytes arrive.
func NewBuffer(limit int) *Buffer {
	if limit <= 0 {
		limit = DefaultBufferSize
	}
	return ring.New(limit)
}

// DefaultBufferSize is the In and Out limit used when Options leave it zero.
const DefaultBufferSize = 256 << 10

// DefaultPacketQueue is the datagram queue length used when Options leave
// it zero.
const DefaultPacketQueue = 128

// ErrNotFound is what a Resolver's error wraps when a name does not exist.
var ErrNotFound = errors.New("no such host")

// Options are the socket-layer settings passed to Backend.Open.
type Options struct {
	// InSize and OutSize limit the receive and send buffers of stream
	// sockets, in bytes. Zero or negative means DefaultBufferSize.
	InSize, OutSize int
	// PacketQueue is how many received datagrams may wait unread before
	// arrivals are dropped. Zero or negative means DefaultPacketQueue.
	PacketQueue int
}

// WithDefaults returns o with zero or negative fields replaced by defaults.
func (o Options) WithDefaults() Options {
	if o.InSize <= 0 {
		o.InSize = DefaultBufferSize
	}
	if o.OutSize <= 0 {
		o.OutSize = DefaultBufferSize
	}
	if o.PacketQueue <= 0 {
		o.PacketQueue = DefaultPacketQueue
	}
	return o
}

// Stream is a connected stream socket's pair of buffers.
type Stream struct {
	In  *Buffer // received bytes: the backend produces, the application reads
	Out *Buffer // bytes to send: the application writes, the backend drains
}

// NewStream returns a Stream with fresh buffers sized by o.
func NewStream(o Options) *Stream {
	o = o.WithDefaults()
	return &Stream{In: NewBuffer(o.InSize), Out: NewBuffer(o.OutSize)}
}
