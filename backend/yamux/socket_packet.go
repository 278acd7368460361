package yamux

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/netoffload/offload/backend"
)

// openDatagram binds (op LISTEN) or connects (op DIAL) a datagram socket
// on the gateway; its stream then carries framed datagrams both ways.
func (s *socket) openDatagram(ctx context.Context, op uint8, addr netip.AddrPort) (*datagram, error) {
	req := request{op: op, network: s.netc, payload: []byte(hostPortString(addr))}
	sess, e, local, remote, err := s.requestAddrs(ctx, req)
	if err != nil {
		return nil, err
	}
	d := &datagram{s: sess, e: e, pq: s.pq, local: local, remote: remote, ended: make(chan struct{})}
	if op == opDial {
		d.filter = remote
	}
	d.start()
	return d, nil
}

// datagram is a device-side datagram socket's engine: a reader goroutine
// delivers arriving frames into the PacketQueue; SendTo frames and
// writes one datagram at a time.
type datagram struct {
	s             *clientSession
	e             *entry
	pq            *backend.PacketQueue
	local, remote netip.AddrPort

	mu     sync.Mutex // guards filter
	filter netip.AddrPort

	wmu    sync.Mutex // serialises sends; guards wbuf
	wbuf   []byte
	broken atomic.Bool // a send failed part way: the stream is being reset

	ended chan struct{} // closed when the read loop has seen the stream end
}

func (d *datagram) start() {
	if err := d.e.attach(d.fail); err != nil {
		d.fail(err)
	}
	d.s.b.wg.Add(1)
	go d.readLoop()
}

// connect sets the only source whose datagrams are delivered.
func (d *datagram) connect(remote netip.AddrPort) {
	d.mu.Lock()
	d.filter = remote
	d.mu.Unlock()
}

func (d *datagram) accepts(from netip.AddrPort) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return !d.filter.IsValid() || d.filter == from
}

func (d *datagram) fail(err error) { d.pq.Close(err) }

// readLoop delivers arriving datagrams until the stream ends.
func (d *datagram) readLoop() {
	defer d.s.b.wg.Done()
	defer close(d.ended)
	r := newDatagramReader(d.e.st)
	var err error
	for {
		var p []byte
		var from netip.AddrPort
		if p, from, err = r.next(); err != nil {
			break
		}
		if d.accepts(from) {
			d.pq.Deliver(p, from)
		}
	}
	if d.e.aborted() == nil {
		if err == errBadRequest {
			d.s.reset(d.e, syscall.EPROTO)
		}
		d.fail(syscall.ECONNRESET) // a no-op after close: the first error stays
	}
	d.e.st.Close()
	d.s.reg.remove(d.e)
}

// send writes one framed datagram.
func (d *datagram) send(p []byte, to netip.AddrPort) (int, error) {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if d.broken.Load() {
		return 0, syscall.ECONNRESET
	}
	var err error
	if d.wbuf, err = appendDatagram(d.wbuf[:0], to, p); err != nil {
		return 0, err
	}
	if _, err := writeFrames(d.e.st, &d.s.link.pace, d.wbuf); err != nil {
		if aerr := d.e.aborted(); aerr != nil {
			return 0, aerr
		}
		// Part of the datagram may have gone out (a large one takes
		// several frames, and yamux may still send a frame whose write
		// timed out): the stream's framing is lost, so it must end. The
		// socket fails now; the reset goes out in the background, as
		// its message and the FIN each queue behind the frame that
		// failed, up to WriteTimeout.
		d.broken.Store(true)
		d.fail(syscall.ECONNRESET)
		d.s.b.wg.Add(1)
		go func() {
			defer d.s.b.wg.Done()
			d.s.reset(d.e, syscall.ECONNRESET)
		}()
		return 0, syscall.ECONNRESET
	}
	return len(p), nil
}

// close is the socket's Close: FIN, so the gateway closes its socket;
// it returns when the gateway has (its FIN follows), so the port is free.
func (d *datagram) close() {
	d.pq.Close(net.ErrClosed)
	if d.broken.Load() {
		// The reset under way (send) ends the stream, and the gateway's
		// socket with it; its FIN waits behind the frame that failed.
		return
	}
	d.e.st.Close()
	d.s.awaitClosed(d.ended)
}
