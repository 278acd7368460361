package espatsim

import (
	"context"
	"io"
	"net"
	"sync"
)

// maxLinks is the number of link ids (0..4); id 5 means "all".
const maxLinks = 5

// inMode is what the UART reader does with incoming bytes.
type inMode int

const (
	modeCommand     inMode = iota // assemble command lines
	modePayload                   // collect a CIPSEND/CIPSENDEX payload
	modePassthrough               // forward to the passthrough link
)

// Sim is a simulated ESP-AT modem. Create it with New, run it with Serve
// on one UART (or use Pipe), stop it with Close. Its fault methods may be
// called from any goroutine while it runs.
type Sim struct {
	cfg    Config
	out    *output
	rx, tx pacer
	faults faultState
	done   chan struct{} // closed by stop
	once   sync.Once
	wg     sync.WaitGroup // every goroutine but Serve's own

	// mu guards everything below. Lock order: mu, then output.mu, pacer.mu
	// or faultState.mu. Never block on the UART, a socket or a channel
	// while holding mu; release it with unlock, which closes what was
	// queued in toClose.
	mu        sync.Mutex
	closed    bool
	served    bool
	rw        io.ReadWriter
	serveDone chan struct{}
	err       error // first transport error
	toClose   []io.Closer
	pending   []byte // output emitted under mu, queued as one message by unlock
	st        state
	nvs       nvs
	links     [maxLinks]*link
	closing   map[*link]bool // dropped links whose sender has not finished
	reserved  [maxLinks]bool // ids held by a CIPSTART in progress
	srv       *server
	busy      bool
	gen       uint64 // counts boots; stale operations compare it
	opCancel  context.CancelFunc
	mode      inMode
	line      []byte
	lineOver  bool
	pay       payload
	pt        *passthrough

	onPeerEOF func(id int) // test seam: called with mu held when a link's peer closes
}

// New returns a modem configured by cfg. It does nothing until Serve.
func New(cfg Config) *Sim {
	s := &Sim{
		cfg:  cfg.withDefaults(),
		out:  newOutput(),
		done: make(chan struct{}),
	}
	s.faults.init(s.cfg.Faults)
	s.nvs = defaultNVS(&s.cfg)
	s.resetState()
	return s
}

// Serve runs the modem on rw, which is one end of a UART-like byte
// stream, until rw fails or Close is called. It prints the boot banner
// first unless Config.NoBootBanner is set. A Sim serves once.
//
// Serve returns nil after Close, otherwise the error that stopped it (for
// example io.EOF when the host end hung up). If rw is an io.Closer, Close
// closes it to unblock Serve; otherwise Serve returns once a pending Read
// on rw returns.
func (s *Sim) Serve(rw io.ReadWriter) error {
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return net.ErrClosed
	case s.served:
		s.mu.Unlock()
		return errAlreadyServing
	}
	s.served, s.rw, s.serveDone = true, rw, make(chan struct{})
	s.boot(!s.cfg.NoBootBanner)
	s.unlock()
	defer close(s.serveDone)

	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.writeLoop(rw); err != nil {
			s.setErr(err)
			s.stop()
		}
	}()
	s.setErr(s.readLoop(rw))
	s.stop()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// setErr records the first transport error, unless the Sim was closed.
func (s *Sim) setErr(err error) {
	if err == nil {
		return
	}
	s.mu.Lock()
	if !s.closed && s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

// Close stops the modem: links and the server are closed, Serve returns,
// and no goroutine of the Sim outlives the call (if the transport given to
// Serve is an io.Closer, it is closed too). Close is idempotent.
func (s *Sim) Close() error {
	s.stop()
	s.wg.Wait()
	s.mu.Lock()
	served, closer := s.serveDone, isCloser(s.rw)
	s.mu.Unlock()
	if served != nil && closer {
		<-served
	}
	return nil
}

func isCloser(rw io.ReadWriter) bool {
	_, ok := rw.(io.Closer)
	return ok
}

// stop signals every goroutine to end and releases all resources without
// waiting.
func (s *Sim) stop() {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.done)
		s.dropAll()
		rw := s.rw
		s.unlock()
		if c, ok := rw.(io.Closer); ok {
			c.Close()
		}
	})
}

// unlock queues the output emitted while mu was held as one message,
// releases mu, then closes the sockets queued while it was held.
func (s *Sim) unlock() {
	s.flushPending()
	cl := s.toClose
	s.toClose = nil
	s.mu.Unlock()
	for _, c := range cl {
		c.Close()
	}
}
