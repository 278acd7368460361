package espat

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"
)

// maxStartups bounds start-up re-runs caused by the modem restarting
// (printing ready) while start-up runs, e.g. its power-up banner.
const maxStartups = 4

// startup brings the modem to the state the driver relies on. It runs on
// the engine goroutine, at Open and after every unsolicited ready.
func (m *Modem) startup() error {
	var err error
	for try := 0; try < maxStartups; try++ {
		m.mu.Lock()
		gen := m.gen
		m.mu.Unlock()
		m.eng.handledGen = gen
		err = m.startupOnce()
		m.mu.Lock()
		again := m.gen != gen
		m.mu.Unlock()
		if !again {
			break
		}
	}
	m.mu.Lock()
	m.info.started = err == nil
	m.mu.Unlock()
	if err == nil {
		m.cfg.logf("espat: ready: dialect %v, send limit %d, station %v", m.info.dialect, m.info.sendLimit, m.info.station)
	}
	return err
}

// startupOnce is one pass of start-up.
func (m *Modem) startupOnce() error {
	steps := []func() error{
		m.probe,
		func() error { return m.exec(newCommand("ATE0")) },
		m.switchBaud,
		m.detectDialect,
		m.configure,
		m.joinWiFi,
		m.readStation,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// probeTimeout is how long one AT probe waits.
const probeTimeout = 500 * time.Millisecond

// probe sends AT until the modem answers OK, then resynchronises so that
// no late answer to an earlier probe is mistaken for a later command's.
func (m *Modem) probe() error {
	for try := 0; try < m.cfg.ProbeAttempts; try++ {
		cmd := newCommand("AT")
		cmd.timeout = probeTimeout
		err := m.execOnce(cmd)
		switch {
		case err == nil:
			m.eng.desync = true
			return m.resyncIfNeeded()
		case errors.Is(err, errClosed) || m.failed() != nil:
			return err
		case err == errBusy:
			if !m.pause(50 * time.Millisecond) {
				return errClosed
			}
		}
	}
	return ErrNoModem
}

// detectDialect reads AT+GMR and sets the dialect and send limit.
func (m *Modem) detectDialect() error {
	cmd := newCommand("AT+GMR")
	if err := m.exec(cmd); err != nil {
		return err
	}
	d := m.cfg.Dialect
	if d == DialectAuto {
		d = DialectV2
		if v := parseVersion(cmd.info); v > 0 && v < 2 {
			d = Dialect17
		}
	}
	limit := 8192
	if d == Dialect17 || mentions8266(cmd.info) {
		limit = 2048
	}
	if m.cfg.SendLimit > 0 {
		limit = m.cfg.SendLimit
	}
	m.mu.Lock()
	m.info.dialect, m.info.sendLimit = d, limit
	m.mu.Unlock()
	return nil
}

// configure sets the modes the driver needs: multiple links, the receive
// mode, no stored settings, +LINK_CONN reports, no leftover links.
func (m *Modem) configure() error {
	v2 := m.info.dialect == DialectV2
	if v2 {
		m.exec(newCommand("AT+SYSSTORE=0")) // do not wear the flash; ignore old firmware
		ok := m.exec(newCommand("AT+SYSMSG=2")) == nil
		m.mu.Lock()
		m.info.linkConn = ok
		m.mu.Unlock()
	}
	if err := m.exec(newCommand("AT+CIPMUX=1")); err != nil {
		m.exec(newCommand("AT+CIPCLOSE")) // single-connection link left open
		if err := m.exec(newCommand("AT+CIPMUX=1")); err != nil {
			return err
		}
	}
	m.exec(newCommand("AT+CIPSERVER=0,1")) // a server of a previous session
	m.exec(newCommand("AT+CIPCLOSE=5"))
	if err := m.setRecvMode(); err != nil {
		return err
	}
	if err := m.exec(newCommand("AT+CIPDINFO=0")); err != nil {
		return err
	}
	m.mu.Lock()
	m.dinfo = false
	m.mu.Unlock()
	return nil
}

// setRecvMode selects passive or active receive: AT+CIPRECVMODE, or
// AT+CIPRECVTYPE on firmware that only has the per-link form.
func (m *Modem) setRecvMode() error {
	mode := 1
	if m.cfg.ActiveReceive {
		mode = 0
	}
	err := m.exec(newCommand(fmt.Sprintf("AT+CIPRECVMODE=%d", mode)))
	if err == nil {
		return nil
	}
	if err2 := m.exec(newCommand(fmt.Sprintf("AT+CIPRECVTYPE=5,%d", mode))); err2 != nil {
		return err
	}
	return nil
}

// joinWiFi joins Config.SSID (station mode) if set.
func (m *Modem) joinWiFi() error {
	if m.cfg.SSID == "" {
		return nil
	}
	if !validParam(m.cfg.SSID) || !validParam(m.cfg.Password) {
		return syscall.EINVAL
	}
	if err := m.exec(newCommand("AT+CWMODE=1")); err != nil {
		return err
	}
	cmd := newCommand(fmt.Sprintf("AT+CWJAP=%s,%s", quote(m.cfg.SSID), quote(m.cfg.Password)))
	cmd.timeout = m.cfg.JoinTimeout
	cmd.errno = syscall.ENETUNREACH
	err := m.exec(cmd)
	if err != nil {
		if v, ok := infoValue(cmd.info, "+CWJAP:"); ok {
			if ae := (*ATError)(nil); errors.As(err, &ae) {
				ae.Err = joinErr(strings.TrimSpace(v))
			}
		}
	}
	return err
}

// joinErr maps the +CWJAP:<n> failure code.
func joinErr(code string) error {
	switch code {
	case "1":
		return syscall.ETIMEDOUT
	case "2":
		return syscall.EACCES
	}
	return syscall.ENETUNREACH
}

// readStation reads the station IP (AT+CIPSTA?, else AT+CIFSR).
func (m *Modem) readStation() error {
	var ip string
	cmd := newCommand("AT+CIPSTA?")
	if m.exec(cmd) == nil {
		ip, _ = infoValue(cmd.info, "+CIPSTA:ip:")
	}
	if ip == "" {
		cmd = newCommand("AT+CIFSR")
		if m.exec(cmd) == nil {
			ip, _ = infoValue(cmd.info, "+CIFSR:STAIP,")
		}
	}
	if a, ok := parseQuotedAddr(ip); ok {
		m.mu.Lock()
		m.info.station = a
		m.mu.Unlock()
	}
	return nil
}

// brokenRetry is how long after a failed start-up the next one is tried;
// operations fail at once meanwhile.
const brokenRetry = 5 * time.Second

// checkReset re-runs start-up after an unsolicited ready.
func (m *Modem) checkReset() {
	m.mu.Lock()
	gen := m.gen
	m.mu.Unlock()
	if gen == m.eng.handledGen && (m.eng.broken == nil || time.Since(m.eng.brokenAt) < brokenRetry) {
		return
	}
	if m.eng.switched {
		m.restoreBaud()
	}
	m.eng.desync = false
	if err := m.startup(); err != nil {
		m.cfg.logf("espat: start-up after reset failed: %v", err)
		m.eng.broken, m.eng.brokenAt = err, time.Now()
		return
	}
	m.eng.broken = nil
}
