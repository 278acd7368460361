package espat

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.bug.st/serial"
)

// OpenSerial opens the serial device at path with go.bug.st/serial at
// Config.Baud (8N1, RTS/CTS when Config.FlowControl is set, Linux only)
// and runs Open on it. The Modem owns the port: Close closes it.
func OpenSerial(path string, cfg Config) (*Modem, error) {
	p, err := openSerialPort(path, cfg.withDefaults())
	if err != nil {
		return nil, err
	}
	return Open(p, cfg)
}

// serialPort adapts a serial.Port: it implements BaudSetter, read
// deadlines, and turns the library's (0, nil) read timeouts into either
// another wait or os.ErrDeadlineExceeded; a closed port reads as
// net.ErrClosed.
type serialPort struct {
	port serial.Port

	mu   sync.Mutex // guards mode
	mode serial.Mode

	deadline atomic.Int64  // read deadline, UnixNano; 0: none
	timeout  time.Duration // last SetReadTimeout value; reader-owned
	closed   atomic.Bool   // Close was called: every error is net.ErrClosed
}

func openSerialPort(path string, cfg Config) (*serialPort, error) {
	mode := serial.Mode{BaudRate: cfg.Baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}
	var flow flowSetter
	if cfg.FlowControl {
		var err error
		if flow, err = prepareFlowControl(path); err != nil {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		defer flow.close()
	}
	port, err := serial.Open(path, &mode)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if flow != nil {
		if err := flow.enable(); err != nil {
			port.Close()
			return nil, &os.PathError{Op: "open", Path: path, Err: fmt.Errorf("RTS/CTS: %w", err)}
		}
	}
	return &serialPort{port: port, mode: mode, timeout: serial.NoTimeout}, nil
}

// Read reads from the port, waiting no longer than the read deadline.
func (p *serialPort) Read(b []byte) (int, error) {
	for {
		if p.closed.Load() {
			return 0, net.ErrClosed
		}
		timeout := serial.NoTimeout
		if dl := p.deadline.Load(); dl != 0 {
			timeout = time.Until(time.Unix(0, dl))
			if timeout <= 0 {
				return 0, os.ErrDeadlineExceeded
			}
		}
		if timeout != p.timeout {
			if err := p.port.SetReadTimeout(timeout); err != nil {
				return 0, p.portErr(err)
			}
			p.timeout = timeout
		}
		n, err := p.port.Read(b)
		if err != nil {
			return n, p.portErr(err)
		}
		if n > 0 || len(b) == 0 {
			return n, nil
		}
		// (0, nil) is the library's read timeout: check the deadline again.
	}
}

// SetReadDeadline bounds Read; zero means none. It applies to reads that
// start (or time out and retry) after the call.
func (p *serialPort) SetReadDeadline(t time.Time) error {
	if t.IsZero() {
		p.deadline.Store(0)
	} else {
		p.deadline.Store(t.UnixNano())
	}
	return nil
}

// Write writes all of b. go.bug.st/serial makes a single write(2) call,
// and a blocking tty write that a signal interrupts after part of the
// bytes (the Go runtime's preemption signal, for one) returns that part
// with no error; the library passes it on as a short write. Write goes on
// with the rest, so no byte of a command or payload is dropped.
func (p *serialPort) Write(b []byte) (int, error) {
	total := 0
	for total < len(b) {
		n, err := p.port.Write(b[total:])
		total += n
		switch {
		case errors.Is(err, syscall.EINTR):
		case err != nil:
			return total, p.portErr(err)
		case n == 0:
			return total, io.ErrShortWrite
		}
	}
	return total, nil
}

// Close closes the port; a blocked Read returns net.ErrClosed.
func (p *serialPort) Close() error {
	p.closed.Store(true)
	return p.port.Close()
}

// SetBaudRate changes the line rate of the open port.
func (p *serialPort) SetBaudRate(baud int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode.BaudRate = baud
	return p.port.SetMode(&p.mode)
}

// portErr maps the library's "port closed", and any failure of a port
// being closed (a read that starts after Close sees EBADF), to
// net.ErrClosed.
func (p *serialPort) portErr(err error) error {
	var pe *serial.PortError
	if err != nil && (p.closed.Load() || errors.As(err, &pe) && pe.Code() == serial.PortClosed) {
		return net.ErrClosed
	}
	return err
}

// flowSetter turns on RTS/CTS for a port go.bug.st/serial has opened
// (the library resets it at open and has no setting for it).
type flowSetter interface {
	enable() error
	close()
}

var _ BaudSetter = (*serialPort)(nil)
