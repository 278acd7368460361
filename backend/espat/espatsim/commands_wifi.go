package espatsim

import (
	"context"
	"net"
	"net/netip"
)

// Wi-Fi commands: AT+CWMODE, AT+CWJAP, AT+CWQAP, AT+CWSTATE, AT+CIPSTA,
// AT+CIFSR. No radio is simulated: joining an AP from Config.APs is a
// state change and the station reports Config.StationIP.

// cmdCWMODE handles AT+CWMODE=<0..3>[,<auto_connect>] and its query.
func cmdCWMODE(s *Sim, c *command) error {
	switch c.form {
	case formQuery:
		s.emitf("%s:%d\r\n", c.name, s.st.cwmode)
		return nil
	case formSet:
	default:
		return errUnsupported
	}
	m, err := c.int(0, 0, 3)
	if err != nil {
		return err
	}
	if _, err := c.intOr(1, 1, 0, 1); err != nil {
		return err
	}
	if err := c.maxParams(2); err != nil {
		return err
	}
	s.st.cwmode = m
	if s.persist(c) {
		s.nvs.cwmode = m
	}
	if m&1 == 0 && s.joined() {
		s.leaveAP()
		s.emitString("\r\nOK\r\nWIFI DISCONNECT\r\n")
		return errHandled
	}
	return nil
}

// cmdCWJAP handles AT+CWJAP="ssid","pwd"[,...], AT+CWJAP (join the saved
// AP, v2) and the query.
func cmdCWJAP(s *Sim, c *command) error {
	switch c.form {
	case formQuery:
		s.queryAP(c.name)
		return nil
	case formExec:
		if s.cfg.Dialect == AT17 || s.nvs.ap == "" {
			return errUnsupported
		}
		ap, _ := s.cfg.findAP(s.nvs.ap)
		return s.join(ap.SSID, ap.Password, false)
	case formSet:
	default:
		return errUnsupported
	}
	ssid, err := c.str(0, 32)
	if err != nil {
		return err
	}
	pwd, err := c.strOr(1, "", 64)
	if err != nil {
		return err
	}
	if err := c.maxParams(9); err != nil {
		return err
	}
	return s.join(ssid, pwd, s.persist(c))
}

// join joins an AP after Config.JoinDelay, answering busy p... meanwhile.
func (s *Sim) join(ssid, pwd string, save bool) error {
	if s.st.cwmode&1 == 0 {
		return errOp
	}
	delay := s.cfg.JoinDelay
	s.startOp(func(ctx context.Context) func(bool) {
		sleep(delay, ctx.Done())
		return func(current bool) {
			if current {
				s.joinResult(ssid, pwd, save)
			}
		}
	})
	return errHandled
}

// joinResult prints the outcome of a join. Called with mu held.
func (s *Sim) joinResult(ssid, pwd string, save bool) {
	if s.joined() {
		s.leaveAP()
		s.emitString("WIFI DISCONNECT\r\n")
	}
	ap, ok := s.cfg.findAP(ssid)
	code := 0
	switch {
	case !ok:
		code = 3
	case ap.Password != "" && ap.Password != pwd:
		code = 2
	}
	if code != 0 {
		s.st.wifi = 4
		s.emitf("+CWJAP:%d\r\n", code)
		if s.cfg.Dialect == AT17 {
			s.emitString("\r\nFAIL\r\n")
		} else {
			s.emitError(errExec)
		}
		return
	}
	s.st.ssid, s.st.wifi = ssid, 2
	if save {
		s.nvs.ap = ssid
	}
	s.emitString("WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n")
}

// leaveAP disconnects the station. Links stay open (their uplink sockets
// are real and unaffected).
func (s *Sim) leaveAP() {
	s.st.ssid, s.st.wifi = "", 4
}

// queryAP prints the AT+CWJAP? answer: 9 fields in v2, 4 in AT 1.7.
func (s *Sim) queryAP(name string) {
	ap, ok := s.cfg.findAP(s.st.ssid)
	if !s.joined() || !ok {
		s.emitString("No AP\r\n")
		return
	}
	s.emitf("%s:%q,%q,%d,%d", name, ap.SSID, ap.BSSID.String(), ap.Channel, ap.RSSI)
	if s.cfg.Dialect == V2 {
		s.emitString(",0,1,3,0,1")
	}
	s.emitString("\r\n")
}

// cmdCWQAP disconnects: OK, then WIFI DISCONNECT.
func cmdCWQAP(s *Sim, c *command) error {
	if c.form != formExec {
		return errUnsupported
	}
	s.emitString("\r\nOK\r\n")
	if s.joined() {
		s.leaveAP()
		s.emitString("WIFI DISCONNECT\r\n")
	}
	return errHandled
}

// cmdCWSTATE handles AT+CWSTATE? (v2 only).
func cmdCWSTATE(s *Sim, c *command) error {
	if c.form != formQuery {
		return errUnsupported
	}
	s.emitf("+CWSTATE:%d,%q\r\n", s.st.wifi, s.st.ssid)
	return nil
}

// stationAddrs returns the addresses the station reports: all zero until
// it has joined an AP.
func (s *Sim) stationAddrs() (ip, gw, mask netip.Addr) {
	if !s.joined() {
		z := netip.IPv4Unspecified()
		return z, z, z
	}
	return s.st.ip, s.st.gw, s.st.mask
}

// cmdCIPSTA handles AT+CIPSTA? and AT+CIPSTA="ip"[,"gw","mask"].
func cmdCIPSTA(s *Sim, c *command) error {
	switch c.form {
	case formQuery:
		ip, gw, mask := s.stationAddrs()
		s.emitf("%s:ip:%q\r\n%s:gateway:%q\r\n%s:netmask:%q\r\n",
			c.name, ip.String(), c.name, gw.String(), c.name, mask.String())
		return nil
	case formSet:
	default:
		return errUnsupported
	}
	var addrs [3]netip.Addr
	for i := range addrs {
		if i > 0 && !c.has(i) {
			continue
		}
		str, err := c.str(i, 16)
		if err != nil {
			return err
		}
		a, perr := netip.ParseAddr(str)
		if perr != nil || !a.Is4() {
			return errParamInvalid
		}
		addrs[i] = a
	}
	if err := c.maxParams(3); err != nil {
		return err
	}
	s.st.ip = addrs[0]
	if addrs[1].IsValid() && addrs[2].IsValid() {
		s.st.gw, s.st.mask = addrs[1], addrs[2]
	}
	if s.persist(c) {
		s.nvs.ip = addrs[0]
	}
	return nil
}

// cmdCIFSR lists the softAP (CWMODE 2/3) and station addresses.
func cmdCIFSR(s *Sim, c *command) error {
	if c.form != formExec {
		return errUnsupported
	}
	if s.st.cwmode&2 != 0 {
		apMAC := append(net.HardwareAddr(nil), s.cfg.MAC...)
		apMAC[0] += 2
		s.emitf("+CIFSR:APIP,\"192.168.4.1\"\r\n+CIFSR:APMAC,%q\r\n", apMAC.String())
	}
	if s.st.cwmode&1 != 0 {
		ip, _, _ := s.stationAddrs()
		s.emitf("+CIFSR:STAIP,%q\r\n+CIFSR:STAMAC,%q\r\n", ip.String(), s.cfg.MAC.String())
	}
	return nil
}
