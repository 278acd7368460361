package yamux

import (
	"crypto/tls"
	"io"
	"net"
)

// unsentLimit is how many bytes a link's TCP socket may hold that it has
// not sent yet (TCP_NOTSENT_LOWAT). Without a limit the kernel takes
// frames as fast as they come, up to a send buffer it grows to megabytes:
// behind a slow hop, every later frame of every stream — a keepalive
// answer, an interactive request — waits behind all of that, and frame
// writes return at once, so the pacer sees a fast link and keeps frames
// at their largest. With it, a frame write waits until the link has
// taken the queue down to the limit, so queued frames stay in yamux's
// order, where the next stream's frame is at most one frame behind, and
// the pacer sees the link's speed. It bounds only bytes not yet sent:
// bytes in flight, which a link with a long round trip needs, are left
// to TCP.
const unsentLimit = 16 << 10

// limitUnsent applies unsentLimit to the TCP socket under link: a
// *net.TCPConn, or a *tls.Conn over one. Other wrappers are left as they
// are. It is best effort: on a system without the option the link works
// as before.
func limitUnsent(link io.ReadWriteCloser) {
	var c net.Conn
	switch l := link.(type) {
	case *net.TCPConn:
		c = l
	case *tls.Conn:
		c = l.NetConn()
	}
	if tc, ok := c.(*net.TCPConn); ok {
		setUnsentLimit(tc, unsentLimit)
	}
}
