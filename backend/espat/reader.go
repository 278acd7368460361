package espat

import (
	"errors"
	"io"
	"net"
	"syscall"
)

// readBufSize is the reader's buffer; payloads bigger than what is
// buffered are read straight into the connection's receive buffer.
const readBufSize = 16 << 10

// readLoop is the reader goroutine. It parses everything the modem sends
// and dispatches it at once; it never blocks on anything but the port.
func (m *Modem) readLoop() {
	defer m.ioWG.Done()
	f := newFramer(modemHandler{m})
	buf := make([]byte, readBufSize)
	for {
		if span := f.payloadSpan(); len(span) > 0 {
			n, err := m.port.Read(span)
			f.payloadCommit(n)
			if m.readErr(err) {
				return
			}
			continue
		}
		n, err := m.port.Read(buf)
		f.feed(buf[:n])
		if m.readErr(err) {
			return
		}
	}
}

// readErr handles a read error and reports whether the reader must stop.
func (m *Modem) readErr(err error) bool {
	if err == nil {
		return false
	}
	select {
	case <-m.done:
		return true
	default:
	}
	if errors.Is(err, errTemporary) {
		return false
	}
	m.portFailed(err)
	return true
}

// errTemporary marks read errors after which reading may continue (a
// serial read timeout).
var errTemporary = errors.New("espat: temporary read error")

// portFailed makes a transport failure fatal: every socket fails and
// every later call returns an error wrapping it.
func (m *Modem) portFailed(err error) {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	err = &net.OpError{Op: "read", Net: "uart", Err: errors.Join(err, syscall.ECONNRESET)}
	m.cfg.logf("espat: port failed: %v", err)
	m.setFatal(err)
	m.failAll(err)
	m.wake()
}
