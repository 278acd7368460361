package espat

import (
	"syscall"
	"time"
)

// command is one AT command and, once it has run, its answer. The reader
// fills the answer fields with Modem.mu held; the engine reads them after
// done fires.
type command struct {
	text    string        // the command line without CR LF
	payload []byte        // CIPSEND data, written after the '>' prompt
	timeout time.Duration // for the answer; zero: Config.CommandTimeout
	recv    *link         // CIPRECVDATA: where the data goes
	recvLen int           // CIPRECVDATA: the length asked for
	errno   error         // what a plain ERROR maps to; nil: EIO
	sticky  bool          // stays in flight after a final line (resynchronisation)

	// Filled by the reader.
	info      []string
	final     evKind
	code      uint32
	prompted  bool
	finished  bool
	got       int     // CIPRECVDATA payload bytes delivered
	connects  uint8   // ids that announced CONNECT while this ran
	closes    uint8   // ids that announced CLOSED while this ran
	staleSnap uint8   // Modem.stale when this began
	already   bool    // ALREADY CONNECTED seen
	abort     error   // the modem restarted or the port failed while this ran
	conn      []event // +LINK_CONN lines seen while this ran

	promptCh chan struct{}
	doneCh   chan struct{}
}

func newCommand(text string) *command {
	return &command{text: text}
}

// prepare clears the answer for a (re)run.
func (c *command) prepare() {
	c.info, c.final, c.code = nil, evInfo, 0
	c.prompted, c.finished, c.got = false, false, 0
	c.connects, c.closes, c.already, c.abort, c.conn = 0, 0, false, nil, nil
	c.promptCh = make(chan struct{}, 1)
	c.doneCh = make(chan struct{}, 1)
}

// result turns the final line into an error.
func (c *command) result() error {
	if c.abort != nil {
		return c.abort
	}
	switch c.final {
	case evOK, evSendOK:
		return nil
	case evBusy:
		return errBusy
	}
	e := &ATError{Command: c.text, Code: c.code, Err: c.errno}
	switch c.final {
	case evSendFail:
		e.Result, e.Err = "SEND FAIL", ErrSendFailed
	case evCancelled:
		e.Result, e.Err = "SEND CANCELLED", ErrSendFailed
	case evFail:
		e.Result = "FAIL"
	default:
		e.Result = "ERROR"
	}
	if ce := codeErr(c.code); ce != nil && c.final != evSendFail {
		e.Err = ce
	}
	if e.Err == nil {
		e.Err = syscall.EIO
	}
	return e
}

// maxBusyRetries bounds how often a command answered "busy p..." is sent
// again (with backoff) before the busy error is returned.
const maxBusyRetries = 50

// exec runs cmd, retrying after "busy p..." with backoff, and returns its
// result. Only the engine goroutine calls it.
func (m *Modem) exec(cmd *command) error {
	if err := m.resyncIfNeeded(); err != nil {
		return err
	}
	backoff := time.Millisecond
	for try := 0; ; try++ {
		err := m.execOnce(cmd)
		if err != errBusy {
			return err
		}
		if try == maxBusyRetries {
			return &ATError{Command: cmd.text, Result: "busy", Err: syscall.EBUSY}
		}
		if !m.pause(backoff) {
			return errClosed
		}
		backoff = min(2*backoff, 100*time.Millisecond)
	}
}

// pause waits d unless the Modem closes first.
func (m *Modem) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-m.done:
		return false
	}
}

// execOnce sends cmd once and waits for its final line.
func (m *Modem) execOnce(cmd *command) error {
	if err := m.begin(cmd); err != nil {
		return err
	}
	defer m.end(cmd)
	timeout := cmd.timeout
	if timeout <= 0 {
		timeout = m.cfg.CommandTimeout
	}
	timeout += m.cfg.lineTime(len(cmd.text)+2, m.eng.baud)
	if err := m.write([]byte(cmd.text+"\r\n"), timeout); err != nil {
		return err
	}
	if cmd.payload != nil {
		if err := m.sendPayload(cmd, timeout); err != nil {
			return err
		}
		timeout = m.cfg.SendTimeout
	}
	if err := m.await(cmd, cmd.doneCh, timeout); err != nil {
		return err
	}
	err := cmd.result()
	if err == ErrModemReset {
		m.eng.desync = true // the ready may have preceded our command
	}
	return err
}

// sendPayload waits for the prompt (or an early final line) and writes the
// payload.
func (m *Modem) sendPayload(cmd *command, timeout time.Duration) error {
	if err := m.await(cmd, cmd.promptCh, timeout); err != nil {
		return err
	}
	m.mu.Lock()
	finished := cmd.finished
	m.mu.Unlock()
	if finished {
		return nil
	}
	return m.write(cmd.payload, m.cfg.CommandTimeout+m.cfg.lineTime(len(cmd.payload), m.eng.baud))
}

// begin makes cmd the command in flight.
func (m *Modem) begin(cmd *command) error {
	cmd.prepare()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fatal != nil {
		return m.fatal
	}
	m.cur = cmd
	cmd.staleSnap = m.stale
	return nil
}

// end clears cmd as the command in flight (if the reader has not).
func (m *Modem) end(cmd *command) {
	m.mu.Lock()
	if m.cur == cmd {
		m.cur = nil
	}
	cmd.finished = true
	m.mu.Unlock()
}

// await waits for ch (the prompt or the final line). A prompt wait also
// ends when the final line comes first.
func (m *Modem) await(cmd *command, ch chan struct{}, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ch:
		return nil
	case <-cmd.doneCh:
		if ch != cmd.doneCh {
			cmd.doneCh <- struct{}{} // a final line before the prompt: keep it for the next wait
		}
		return nil
	case <-t.C:
		m.eng.desync = true
		m.cfg.logf("espat: %q: no answer in %v", cmd.text, timeout)
		return errTimedOut(cmd.text)
	case <-m.done:
		return errClosed
	}
}
