package espat

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

var (
	// ErrModemReset is what every connection, listener and pending
	// command fails with when the modem restarts on its own (an
	// unsolicited "ready"). It wraps syscall.ECONNRESET.
	ErrModemReset = fmt.Errorf("espat: modem restarted: %w", syscall.ECONNRESET)

	// ErrSendFailed poisons a connection whose data the modem refused
	// (SEND FAIL) or could not confirm: the stream would otherwise have a
	// hole. It wraps syscall.ECONNRESET.
	ErrSendFailed = fmt.Errorf("espat: send failed: %w", syscall.ECONNRESET)

	// ErrOverrun fails a connection in active receive mode whose receive
	// buffer was full when data arrived: active mode has no flow control,
	// so the bytes could only be dropped. It wraps syscall.ENOBUFS. Use
	// passive receive (the default) to avoid it.
	ErrOverrun = fmt.Errorf("espat: receive buffer overrun in active mode: %w", syscall.ENOBUFS)

	// ErrNoHalfClose is returned by CloseWrite: ESP-AT can only close a
	// link in both directions. It satisfies errors.Is(err,
	// errors.ErrUnsupported).
	ErrNoHalfClose = fmt.Errorf("espat: ESP-AT has no half-close: %w", errors.ErrUnsupported)

	// ErrNoModem is returned by Open when nothing answers AT.
	ErrNoModem = fmt.Errorf("espat: no answer to AT: %w", syscall.ETIMEDOUT)
)

// errNoDatagramSource refuses unconnected UDP where the modem cannot say
// who sent a datagram: AT 1.x answers AT+CIPRECVDATA without the source.
var errNoDatagramSource = fmt.Errorf("espat: unconnected UDP on AT 1.x needs ActiveReceive (passive reads carry no source address): %w", errors.ErrUnsupported)

// errBusy is an internal signal: the modem answered "busy p...".
var errBusy = errors.New("espat: modem busy")

// ATError reports a command the modem refused or did not answer in time.
// Err is the errno-style error it maps to (see Unwrap).
type ATError struct {
	Command string // the command line, e.g. "AT+CIPSTART=4,\"TCP\",\"10.0.0.1\",80"
	Result  string // ERROR, FAIL, SEND FAIL, or "timeout"
	Code    uint32 // the ERR CODE value printed before ERROR, or 0
	Err     error  // e.g. syscall.ECONNREFUSED, syscall.ETIMEDOUT
}

func (e *ATError) Error() string {
	s := fmt.Sprintf("espat: %s: %s", e.Command, e.Result)
	if e.Code != 0 {
		s += fmt.Sprintf(" (ERR CODE:0x%08x)", e.Code)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the errno-style error.
func (e *ATError) Unwrap() error { return e.Err }

// Timeout reports whether the modem did not answer in time.
func (e *ATError) Timeout() bool { return errors.Is(e.Err, syscall.ETIMEDOUT) }

// ERR CODE subcategories (bits 23..16).
const (
	codeUnsupported = 0x09
	codeExecFail    = 0x0a
	codeProcessing  = 0x0b
)

// codeErr maps an ERR CODE to an errno, or returns nil to keep the
// command's own mapping.
func codeErr(code uint32) error {
	switch (code >> 16) & 0xff {
	case 0:
		return nil
	case 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08:
		return syscall.EINVAL
	case codeUnsupported:
		return errors.ErrUnsupported
	case codeProcessing:
		return syscall.EBUSY
	}
	return nil
}

// errTimedOut is a command that got no final result in time.
func errTimedOut(cmd string) error {
	return &ATError{Command: cmd, Result: "timeout", Err: syscall.ETIMEDOUT}
}

// isTimeout reports errors that mean "took too long" rather than "refused".
func isTimeout(err error) bool {
	return errors.Is(err, syscall.ETIMEDOUT) || errors.Is(err, os.ErrDeadlineExceeded)
}

// errClosed is what calls on a closed Modem return.
var errClosed = net.ErrClosed
