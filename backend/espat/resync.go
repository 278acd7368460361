package espat

import (
	"fmt"
	"strings"
	"syscall"
	"time"
)

// BaudSetter is implemented by ports whose line rate can change while
// open; the port behind OpenSerial does. Config.SwitchBaud needs it.
type BaudSetter interface {
	SetBaudRate(baud int) error
}

// switchBaud moves the line to Config.SwitchBaud: AT+UART_CUR (answered at
// the old rate), then the port, then a probe at the new rate.
func (m *Modem) switchBaud() error {
	b := m.cfg.SwitchBaud
	if b <= 0 || (m.eng.switched && m.eng.baud == b) {
		return nil
	}
	bs, ok := m.port.(BaudSetter)
	if !ok {
		return fmt.Errorf("espat: SwitchBaud needs a port that implements BaudSetter: %w", syscall.ENOTSUP)
	}
	flow := 0
	if m.cfg.FlowControl {
		flow = 3
	}
	if err := m.exec(newCommand(fmt.Sprintf("AT+UART_CUR=%d,8,1,0,%d", b, flow))); err != nil {
		return err
	}
	if err := bs.SetBaudRate(b); err != nil {
		return err
	}
	m.eng.baud, m.eng.switched = b, true
	return m.probe()
}

// restoreBaud returns the port to Config.Baud after the modem restarted
// (AT+UART_CUR is not kept across a reset).
func (m *Modem) restoreBaud() {
	if bs, ok := m.port.(BaudSetter); ok && bs.SetBaudRate(m.cfg.Baud) == nil {
		m.eng.baud, m.eng.switched = m.cfg.Baud, false
	}
}

// maxResyncTries bounds the synchronisation rounds after a timeout
// before the command that needed them fails.
const maxResyncTries = 4

// syncQueries are harmless queries whose answers name themselves; each
// resynchronisation round uses the next one, so that a late answer to an
// earlier round cannot pass for the current one.
var syncQueries = [...]struct{ cmd, prefix string }{
	{"AT+CIPMUX?", "+CIPMUX:"},
	{"AT+CIPSTO?", "+CIPSTO:"},
	{"AT+CIPDINFO?", "+CIPDINFO:"},
	{"AT+CIPRECVMODE?", "+CIPRECVMODE:"},
}

// resyncIfNeeded runs after a command timed out or the modem restarted:
// it sends a query and discards every final line until the one that
// answers it, so every late line of older commands has been seen and the
// next command gets its own answer. Links whose AT+CIPSTART or
// AT+CIPCLOSE timed out are then closed.
func (m *Modem) resyncIfNeeded() error {
	if !m.eng.desync {
		return nil
	}
	for try := 0; try < maxResyncTries; try++ {
		m.eng.syncRound++
		ok, err := m.syncRound(syncQueries[m.eng.syncRound%uint64(len(syncQueries))])
		if ok {
			m.eng.desync = false
			m.closeStale()
			return nil
		}
		if err == errClosed || m.failed() != nil {
			return err
		}
		if !m.pause(50 * time.Millisecond) {
			return errClosed
		}
	}
	if m.eng.switched {
		m.recoverBaud()
	}
	return &ATError{Command: "AT (resynchronise)", Result: "timeout", Err: syscall.ETIMEDOUT}
}

// syncRound sends one query and reports whether its own answer arrived
// in time (a second, or CommandTimeout if shorter).
func (m *Modem) syncRound(q struct{ cmd, prefix string }) (bool, error) {
	cmd := newCommand(q.cmd)
	cmd.sticky = true
	if err := m.begin(cmd); err != nil {
		return false, err
	}
	defer m.end(cmd)
	wait := min(time.Second, m.cfg.CommandTimeout)
	t := time.NewTimer(wait)
	defer t.Stop()
	if err := m.write([]byte(cmd.text+"\r\n"), wait); err != nil {
		return false, err
	}
	for {
		select {
		case <-cmd.doneCh:
		case <-t.C:
			return false, nil
		case <-m.done:
			return false, errClosed
		}
		m.mu.Lock()
		ok := cmd.final == evOK && hasPrefix(cmd.info, q.prefix)
		if !ok { // someone else's answer: wait for ours
			cmd.info, cmd.final, cmd.finished, cmd.abort = nil, evInfo, false, nil
		}
		m.mu.Unlock()
		if ok {
			return true, nil
		}
	}
}

// recoverBaud handles a modem that restarted at its default rate without
// our seeing ready (it was printed at the other rate): if it answers at
// Config.Baud, treat it as a reset.
func (m *Modem) recoverBaud() {
	m.restoreBaud()
	cmd := newCommand("AT")
	cmd.timeout = probeTimeout
	if m.execOnce(cmd) == nil {
		m.onReady()
		return
	}
	if bs, ok := m.port.(BaudSetter); ok && bs.SetBaudRate(m.cfg.SwitchBaud) == nil {
		m.eng.baud, m.eng.switched = m.cfg.SwitchBaud, true
	}
}

// closeStale closes links left behind by commands that timed out.
func (m *Modem) closeStale() {
	ids := m.eng.closeAfterSync
	m.eng.closeAfterSync = 0
	for id := 0; id < maxLinks; id++ {
		if ids&(1<<id) == 0 {
			continue
		}
		cmd := newCommand(fmt.Sprintf("AT+CIPCLOSE=%d", id))
		m.execOnce(cmd)
		m.mu.Lock()
		m.stale &^= 1 << id
		m.mu.Unlock()
	}
}

// closeAllLinks is Close's polite goodbye: stop the server, close links.
func (m *Modem) closeAllLinks() error {
	if !m.info.started || m.eng.broken != nil {
		return nil
	}
	m.mu.Lock()
	srv := m.listener != nil
	m.mu.Unlock()
	if srv {
		m.exec(newCommand("AT+CIPSERVER=0,1"))
	}
	return m.exec(newCommand("AT+CIPCLOSE=5"))
}

func hasPrefix(info []string, p string) bool {
	for _, l := range info {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}
