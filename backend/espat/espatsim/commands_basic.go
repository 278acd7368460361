package espatsim

import "strings"

// Basic commands: AT, ATE, AT+RST, AT+GMR, AT+UART_CUR/_DEF, AT+SYSSTORE,
// AT+SYSMSG, AT+SYSLOG.

func cmdAT(s *Sim, c *command) error { return nil }

// cmdEcho handles ATE0 and ATE1.
func cmdEcho(s *Sim, c *command) error {
	s.st.echo = c.name == "E1"
	return nil
}

// cmdRST answers OK and reboots: links vanish, then ready.
func cmdRST(s *Sim, c *command) error {
	if c.form != formExec {
		return errUnsupported
	}
	s.emitString("\r\nOK\r\n")
	s.boot(true)
	return errHandled
}

const (
	gmrV2 = "AT version:2.4.0.0(espatsim - ESP32 - Jan  1 2024 00:00:00)\r\n" +
		"SDK version:v4.3.2-espatsim\r\n" +
		"compile time(espatsim):Jan  1 2024 00:00:00\r\n" +
		"Bin version:2.4.0(WROOM-32)\r\n"
	gmrAT17 = "AT version:1.7.4.0(May 11 2020 19:13:04)\r\n" +
		"SDK version:3.0.4(9532ceb)\r\n" +
		"compile time:May 27 2020 10:12:22\r\n"
)

func cmdGMR(s *Sim, c *command) error {
	if c.form != formExec {
		return errUnsupported
	}
	if s.cfg.Dialect == AT17 {
		s.emitString(gmrAT17)
	} else {
		s.emitString(gmrV2)
	}
	return nil
}

// cmdUART handles AT+UART_CUR/AT+UART_DEF
// =<baud>,<data>,<stop>,<parity>,<flow>: OK goes out at the old rate, the
// new rate applies once it is written.
func cmdUART(s *Sim, c *command) error {
	switch c.form {
	case formQuery:
		u := s.st.uart
		s.emitf("%s:%d,%d,%d,%d,%d\r\n", c.name, u.baud, u.data, u.stop, u.parity, u.flow)
		return nil
	case formSet:
	default:
		return errUnsupported
	}
	var u uartCfg
	var err error
	fields := []struct {
		p      *int
		lo, hi int
	}{{&u.baud, 80, 5000000}, {&u.data, 5, 8}, {&u.stop, 1, 3}, {&u.parity, 0, 2}, {&u.flow, 0, 3}}
	for i, f := range fields {
		if *f.p, err = c.int(i, f.lo, f.hi); err != nil {
			return err
		}
	}
	if err := c.maxParams(len(fields)); err != nil {
		return err
	}
	s.st.uart = u
	s.emitString("\r\nOK\r\n")
	if s.cfg.Baud != 0 {
		h := frameHalfBits(u.data, u.stop, u.parity)
		s.emitAction(func() {
			s.rx.set(u.baud, h)
			s.tx.set(u.baud, h)
		})
	}
	return errHandled
}

// persist reports whether a setting made by c is saved to flash: per
// AT+SYSSTORE in v2, unless the command ends in _CUR in AT 1.7.
func (s *Sim) persist(c *command) bool {
	if s.cfg.Dialect == AT17 {
		return !strings.HasSuffix(c.name, "_CUR")
	}
	return s.st.sysstore
}

// intSetting handles a query/set command for one integer setting.
func intSetting(c *command, v *int, lo, hi int, emitf func(string, ...any)) error {
	switch c.form {
	case formQuery:
		emitf("%s:%d\r\n", c.name, *v)
		return nil
	case formSet:
		n, err := c.int(0, lo, hi)
		if err != nil {
			return err
		}
		if err := c.maxParams(1); err != nil {
			return err
		}
		*v = n
		return nil
	}
	return errUnsupported
}

// boolSetting is intSetting for a 0/1 setting.
func boolSetting(c *command, b *bool, emitf func(string, ...any)) error {
	v := b2i(*b)
	err := intSetting(c, &v, 0, 1, emitf)
	*b = v == 1
	return err
}

func cmdSYSSTORE(s *Sim, c *command) error { return boolSetting(c, &s.st.sysstore, s.emitf) }

// cmdSYSMSG handles AT+SYSMSG: bit 0 +QUITT, bit 1 +LINK_CONN, bit 2
// passthrough prompts (accepted, not used).
func cmdSYSMSG(s *Sim, c *command) error {
	err := intSetting(c, &s.st.sysmsg, 0, 7, s.emitf)
	if err == nil && c.form == formSet && s.persist(c) {
		s.nvs.sysmsg = s.st.sysmsg
	}
	return err
}

func cmdSYSLOG(s *Sim, c *command) error { return boolSetting(c, &s.st.syslog, s.emitf) }
