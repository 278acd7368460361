package espat

import (
	"syscall"
	"time"
)

// writeLoop is the writer goroutine: it performs the engine's UART writes
// so that the engine can time out on a line that stopped draining (a
// stalled modem, a port without flow control credit) instead of hanging.
func (m *Modem) writeLoop() {
	defer m.ioWG.Done()
	for {
		select {
		case p := <-m.wreq:
			_, err := m.port.Write(p)
			m.wres <- err
		case <-m.done:
			return
		}
	}
}

// write hands p to the writer and waits until it is written or timeout
// passes. After a timeout the write stays pending; the next write first
// waits for it. p must not be modified until a later write returns
// (callers that reuse buffers check eng.wpending).
func (m *Modem) write(p []byte, timeout time.Duration) error {
	if m.cfg.Trace && m.cfg.Logf != nil {
		m.cfg.Logf("espat: >> %q", p[:min(len(p), 64)])
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	if m.eng.wpending {
		if err := m.writeResult(t); err != nil {
			return err
		}
	}
	select {
	case m.wreq <- p:
		m.eng.wpending = true
	case <-t.C:
		return m.writeTimeout()
	case <-m.done:
		return errClosed
	}
	return m.writeResult(t)
}

// writeResult waits for the outstanding write to finish.
func (m *Modem) writeResult(t *time.Timer) error {
	select {
	case err := <-m.wres:
		m.eng.wpending = false
		if err != nil {
			m.portFailed(err)
			return err
		}
		return nil
	case <-t.C:
		return m.writeTimeout()
	case <-m.done:
		return errClosed
	}
}

func (m *Modem) writeTimeout() error {
	m.eng.desync = true
	m.eng.sendBuf = nil // the writer may still be reading it
	m.cfg.logf("espat: UART write timed out")
	return &ATError{Command: "write", Result: "timeout", Err: syscall.ETIMEDOUT}
}
