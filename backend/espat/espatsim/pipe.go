package espatsim

import (
	"io"
	"sync"
)

// pipeCap is the buffer of each direction of the in-process UART, about
// what a tty driver holds.
const pipeCap = 4096

// pipeBuf is one direction of the in-process UART: a bounded byte buffer.
type pipeBuf struct {
	mu     sync.Mutex
	cond   sync.Cond
	buf    []byte
	closed bool
}

func newPipeBuf() *pipeBuf {
	p := &pipeBuf{buf: make([]byte, 0, pipeCap)}
	p.cond.L = &p.mu
	return p
}

// read takes buffered bytes, blocking while there are none; after close
// it drains what is left, then returns io.EOF.
func (p *pipeBuf) read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.buf) == 0 && !p.closed {
		p.cond.Wait()
	}
	if len(p.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.buf)
	p.buf = append(p.buf[:0], p.buf[n:]...)
	p.cond.Broadcast()
	return n, nil
}

// write appends all of b, blocking while the buffer is full.
func (p *pipeBuf) write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for len(b) > 0 {
		for len(p.buf) == pipeCap && !p.closed {
			p.cond.Wait()
		}
		if p.closed {
			return n, io.ErrClosedPipe
		}
		k := min(len(b), pipeCap-len(p.buf))
		p.buf = append(p.buf, b[:k]...)
		b, n = b[k:], n+k
		p.cond.Broadcast()
	}
	return n, nil
}

func (p *pipeBuf) close() {
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
}

// pipeEnd is one end of the in-process UART. Closing either end closes
// both directions: the other end reads what is buffered, then io.EOF.
type pipeEnd struct {
	r, w   *pipeBuf
	once   sync.Once
	closed chan struct{}
	served <-chan struct{} // host end: Serve has returned
}

func (e *pipeEnd) Read(b []byte) (int, error) {
	if e.isClosed() {
		return 0, io.ErrClosedPipe
	}
	return e.r.read(b)
}

func (e *pipeEnd) Write(b []byte) (int, error) {
	if e.isClosed() {
		return 0, io.ErrClosedPipe
	}
	return e.w.write(b)
}

func (e *pipeEnd) isClosed() bool {
	select {
	case <-e.closed:
		return true
	default:
		return false
	}
}

// Close closes both directions. On the host end it also waits until the
// modem has stopped.
func (e *pipeEnd) Close() error {
	e.once.Do(func() {
		close(e.closed)
		e.r.close()
		e.w.close()
	})
	if e.served != nil {
		<-e.served
	}
	return nil
}

// Pipe starts a modem configured by cfg on an in-process UART and returns
// the host end of that UART together with the modem (for fault injection).
// Closing the host end stops the modem and waits until all its goroutines
// are gone; closing the Sim makes host reads return io.EOF once the bytes
// already sent are read. Each direction buffers 4 KiB, like a tty.
func Pipe(cfg Config) (host io.ReadWriteCloser, sim *Sim) {
	h2s, s2h := newPipeBuf(), newPipeBuf()
	served := make(chan struct{})
	hostEnd := &pipeEnd{r: s2h, w: h2s, closed: make(chan struct{}), served: served}
	simEnd := &pipeEnd{r: h2s, w: s2h, closed: make(chan struct{})}
	sim = New(cfg)
	go func() {
		defer close(served)
		sim.Serve(simEnd)
		simEnd.Close() // also when Close came before Serve started
	}()
	return hostEnd, sim
}
