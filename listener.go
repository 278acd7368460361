package offload

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/netoffload/offload/backend"
	"github.com/pion/transport/v3/deadline"
)

// Listener is a stream listener over an offload backend. It behaves like
// *net.TCPListener: Accept blocks until a connection arrives, Close
// unblocks it with net.ErrClosed, and SetDeadline bounds it.
type Listener struct {
	sock    backend.Socket
	network string
	addr    net.Addr

	dl        *deadline.Deadline
	ctx       context.Context // done when the listener is closed
	cancel    context.CancelFunc
	closeOnce sync.Once
}

func newListener(network string, s backend.Socket) *Listener {
	ctx, cancel := context.WithCancel(context.Background())
	return &Listener{
		sock:    s,
		network: network,
		addr:    toNetAddr(kindStream, s.LocalAddr()),
		dl:      deadline.New(),
		ctx:     ctx,
		cancel:  cancel,
	}
}

// Accept waits for and returns the next connection, a *Conn.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.AcceptOffload()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptOffload is Accept returning the concrete *Conn.
func (l *Listener) AcceptOffload() (*Conn, error) {
	if l.ctx.Err() != nil {
		return nil, l.err(net.ErrClosed)
	}
	if l.dl.Err() != nil {
		return nil, l.err(errTimeout)
	}
	ctx, cancel := context.WithCancel(l.ctx)
	stop := context.AfterFunc(l.dl, cancel)
	s, err := l.sock.Accept(ctx)
	stop()
	cancel()
	if err != nil {
		switch {
		case l.ctx.Err() != nil:
			err = net.ErrClosed
		case l.dl.Err() != nil:
			err = errTimeout
		}
		return nil, l.err(err)
	}
	if err := checkShape(s, kindStream); err != nil {
		s.Close()
		return nil, l.err(err)
	}
	return newConn(l.network, s), nil
}

// Close stops listening. Blocked Accept calls return net.ErrClosed;
// connections already accepted stay open.
func (l *Listener) Close() error {
	first := false
	l.closeOnce.Do(func() {
		first = true
		l.cancel()
	})
	if !first {
		return l.err(net.ErrClosed)
	}
	return opError("close", l.network, nil, l.addr, l.sock.Close())
}

// Addr returns the listening address, a *net.TCPAddr.
func (l *Listener) Addr() net.Addr { return l.addr }

// SetDeadline sets the deadline for Accept; zero disarms it.
func (l *Listener) SetDeadline(t time.Time) error {
	if l.ctx.Err() != nil {
		return l.err(net.ErrClosed)
	}
	l.dl.Set(t)
	return nil
}

func (l *Listener) err(err error) error {
	return opError("accept", l.network, nil, l.addr, err)
}

var _ net.Listener = (*Listener)(nil)
