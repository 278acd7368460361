package yamux

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netoffload/offload/backend"
)

// Backend is the device side of a gateway link: a backend.Backend whose
// sockets are carried out by the gateway, and a backend.Resolver that
// asks the gateway's resolver. Create it with Client.
//
// Its sockets implement the whole contract, with these differences from
// kernel sockets: addresses are those on the gateway's network; Bind
// before Connect on a stream socket is ignored (the gateway picks the
// source address of its dials); a conn whose far end the gateway reaches
// through a net.Conn without CloseWrite cannot half-close toward it (the
// gateway closes that conn instead); datagrams may wait for stream
// window space rather than be dropped when the gateway's socket is slow.
//
// Closing a conn lingers as closing a kernel socket does: Close returns
// at once and the backend goes on sending what was written, then FIN.
// Those bytes live on the device until they have crossed the link, so
// Backend.Close (which cuts the link at once) or the program's exit
// loses them; Shutdown waits for them first, then closes.
type Backend struct {
	cfg Config
	log *slog.Logger

	ctx    context.Context // canceled by Close; bounds Redial
	cancel context.CancelFunc

	// Shutdown (shutdown.go): draining refuses new requests; drainCh is
	// closed (under mu) when it is set; streams kick quietKick when they
	// may have become quiet.
	draining  atomic.Bool
	drainCh   chan struct{}
	quietKick chan struct{}

	// mu guards the fields below. Lock order: Backend.mu, then a
	// clientSession's mu; neither is held while blocking on the link.
	mu     sync.Mutex
	sess   *clientSession // the live session; nil while down
	up     chan struct{}  // closed when sess is set (replaced each time it goes)
	downCh chan struct{}  // closed once the backend is closed or down for good
	closed bool
	final  bool // down for good (link lost without Redial)

	wg sync.WaitGroup // every goroutine the backend started
}

// Client starts the device side of the protocol on link: it runs the
// handshake (authenticating with cfg.PSK), then multiplexes link with
// yamux. A nil cfg means the zero Config. On error link is closed.
func Client(link io.ReadWriteCloser, cfg *Config) (*Backend, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	c = c.withDefaults()
	b := &Backend{cfg: c, log: c.Logger, up: make(chan struct{}), downCh: make(chan struct{}),
		drainCh: make(chan struct{}), quietKick: make(chan struct{}, 1)}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	s, err := b.connect(b.ctx, link)
	if err != nil {
		b.cancel()
		return nil, &net.OpError{Op: "handshake", Net: "yamux", Err: err}
	}
	b.install(s)
	b.wg.Add(1)
	go b.supervise(s)
	return b, nil
}

// Close closes the link at once and stops redialing. Every socket fails;
// blocked calls return; bytes that conns still had to send, FINs
// included, are lost (use Shutdown to deliver them first). It waits for
// the backend's goroutines to end.
func (b *Backend) Close() error {
	b.mu.Lock()
	already := b.closed
	b.closed = true
	s := b.sess
	if !already && !b.final {
		close(b.downCh)
	}
	b.mu.Unlock()
	if already {
		return nil
	}
	b.cancel()
	if s != nil {
		s.end()
	}
	b.wg.Wait()
	return nil
}

// Done is closed when the backend can serve no more requests: after
// Close, or after the link died when Config.Redial is nil.
func (b *Backend) Done() <-chan struct{} { return b.downCh }

// install makes s the live session and wakes requests waiting for one.
// After Close it closes s instead.
func (b *Backend) install(s *clientSession) {
	b.mu.Lock()
	closed := b.closed
	if !closed {
		b.sess = s
		close(b.up)
	}
	b.mu.Unlock()
	if closed {
		s.end()
	}
}

// session returns the live session, waiting for a redial up to ctx.
func (b *Backend) session(ctx context.Context) (*clientSession, error) {
	for {
		b.mu.Lock()
		s, up, closed, final := b.sess, b.up, b.closed, b.final
		b.mu.Unlock()
		switch {
		case closed, b.draining.Load():
			return nil, net.ErrClosed
		case s != nil && !s.mux.IsClosed():
			return s, nil
		case final:
			return nil, syscall.ENETDOWN
		}
		select {
		case <-up:
		case <-b.downCh:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// supervise waits for each session to die, fails what it carried, and
// redials when configured to.
func (b *Backend) supervise(s *clientSession) {
	defer b.wg.Done()
	for s != nil {
		<-s.mux.CloseChan()
		b.retire(s)
		s.fail() // already done unless yamux ended the session on its own (a protocol error)
		if b.cfg.Redial == nil {
			b.goDown()
			return
		}
		s = b.redial()
	}
}

// retire takes s out of service: new requests wait for the next one.
func (b *Backend) retire(s *clientSession) {
	b.mu.Lock()
	if b.sess == s {
		b.sess = nil
		b.up = make(chan struct{})
	}
	b.mu.Unlock()
	if !b.isClosed() {
		b.log.Warn("gateway link lost")
	}
}

func (b *Backend) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// refusing reports whether new requests are refused: closed or shutting
// down.
func (b *Backend) refusing() bool {
	return b.draining.Load() || b.isClosed()
}

// goDown marks the backend down for good.
func (b *Backend) goDown() {
	b.mu.Lock()
	if !b.final && !b.closed {
		close(b.downCh)
	}
	b.final = true
	b.mu.Unlock()
}

// redial gets a new session with exponential backoff; nil once closed.
func (b *Backend) redial() *clientSession {
	delay := b.cfg.RedialMin
	for attempt := 1; ; attempt++ {
		t := time.NewTimer(jitter(delay))
		select {
		case <-b.ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		s, err := b.dialOnce()
		if err == nil {
			b.install(s)
			b.log.Info("gateway link restored", "attempt", attempt)
			return s
		}
		b.log.Warn("gateway redial failed", "attempt", attempt, "err", err)
		delay = min(delay*2, b.cfg.RedialMax)
	}
}

func (b *Backend) dialOnce() (*clientSession, error) {
	link, err := b.cfg.Redial(b.ctx)
	if err != nil {
		return nil, err
	}
	return b.connect(b.ctx, link)
}

// jitter spreads d by ±20% so many devices do not redial in step.
func jitter(d time.Duration) time.Duration {
	return d - d/5 + rand.N(d*2/5+1)
}

var _ backend.Backend = (*Backend)(nil)
var _ backend.Resolver = (*Backend)(nil)
