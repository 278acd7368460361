package espatsim

import "context"

// Connection commands: AT+CIPMUX, AT+CIPSTART, AT+CIPSTARTEX,
// AT+CIPCLOSE, AT+CIPSTATUS, AT+CIPSTATE.

// cmdCIPMUX handles AT+CIPMUX=<0|1> (only without links; 0 needs no
// server, 1 needs CIPMODE=0) and its query.
func cmdCIPMUX(s *Sim, c *command) error {
	switch c.form {
	case formQuery:
		s.emitf("+CIPMUX:%d\r\n", b2i(s.st.mux))
		return nil
	case formSet:
	default:
		return errUnsupported
	}
	v, err := c.int(0, 0, 1)
	if err != nil {
		return err
	}
	if err := c.maxParams(1); err != nil {
		return err
	}
	mux := v == 1
	switch {
	case mux == s.st.mux:
	case s.openLinks() > 0, !mux && s.srv != nil, mux && s.st.cipmode != 0:
		return errOp
	}
	s.st.mux = mux
	return nil
}

// cmdCIPSTART handles AT+CIPSTART=[<id>,]"TCP"|"UDP"|"SSL",...
func cmdCIPSTART(s *Sim, c *command) error {
	if c.form != formSet {
		return errUnsupported
	}
	id, off, err := s.linkParam(c)
	if err != nil {
		return err
	}
	return s.startLink(id, c, off)
}

// cmdCIPSTARTEX is CIPSTART with the lowest free link id chosen by the
// modem (v2).
func cmdCIPSTARTEX(s *Sim, c *command) error {
	if c.form != formSet {
		return errUnsupported
	}
	id := 0
	if s.st.mux {
		if id = s.lowestFree(); id < 0 {
			return errOp
		}
	}
	return s.startLink(id, c, 0)
}

// startLink opens link id while the modem answers busy p...; success
// prints CONNECT then OK, failure ERROR then (mux) <id>,CLOSED.
func (s *Sim) startLink(id int, c *command, off int) error {
	sp, err := parseStart(c, off)
	if err != nil {
		return err
	}
	if !s.freeID(id) {
		s.emitString(s.alreadyConnected())
		return errExec
	}
	if !s.joined() {
		return errExec
	}
	s.reserved[id] = true
	s.startOp(func(ctx context.Context) func(bool) {
		l, err := s.dialLink(ctx, id, sp)
		return func(current bool) {
			if !current || err != nil {
				l.closeRes()
			}
			if !current {
				return
			}
			s.reserved[id] = false
			if err != nil {
				s.emitError(errExec)
				if s.st.mux {
					s.emitString(s.closedLine(id))
				}
				return
			}
			s.install(l)
			s.emitString("\r\nOK\r\n")
		}
	})
	return errHandled
}

func (s *Sim) alreadyConnected() string {
	if s.cfg.Dialect == AT17 {
		return "ALREADY CONNECT\r\n"
	}
	return "ALREADY CONNECTED\r\n"
}

// cmdCIPCLOSE handles AT+CIPCLOSE=<id> (5: all) in mux mode and
// AT+CIPCLOSE in single mode: <id>,CLOSED then OK.
func cmdCIPCLOSE(s *Sim, c *command) error {
	if !s.st.mux {
		if c.form != formExec {
			return errUnsupported
		}
		return s.closeLink(0)
	}
	if c.form != formSet {
		return errUnsupported
	}
	id, err := c.int(0, 0, maxLinks)
	if err != nil {
		return err
	}
	if err := c.maxParams(1); err != nil {
		return err
	}
	if id < maxLinks {
		return s.closeLink(id)
	}
	for _, l := range s.links {
		if l != nil {
			s.dropLink(l, true)
		}
	}
	return nil
}

func (s *Sim) closeLink(id int) error {
	l := s.links[id]
	if l == nil {
		return errOp
	}
	s.dropLink(l, true)
	return nil
}

// cipStatus is the STATUS value of AT+CIPSTATUS.
func (s *Sim) cipStatus() int {
	switch {
	case !s.joined():
		return 5
	case s.openLinks() > 0:
		return 3
	case s.st.linked:
		return 4
	}
	return 2
}

// cmdCIPSTATUS prints STATUS:<s> and one +CIPSTATUS line per link.
func cmdCIPSTATUS(s *Sim, c *command) error {
	if c.form != formExec {
		return errUnsupported
	}
	s.emitf("STATUS:%d\r\n", s.cipStatus())
	s.emitLinkTable("+CIPSTATUS")
	return nil
}

// cmdCIPSTATE handles AT+CIPSTATE? (v2): one line per link.
func cmdCIPSTATE(s *Sim, c *command) error {
	if c.form != formQuery {
		return errUnsupported
	}
	s.emitLinkTable("+CIPSTATE")
	return nil
}

// emitLinkTable prints <prefix>:<id>,"<type>","<rip>",<rport>,<lport>,<tetype>
// for every open link.
func (s *Sim) emitLinkTable(prefix string) {
	for _, l := range s.links {
		if l == nil || l.reported {
			continue
		}
		s.emitf("%s:%d,%q,%q,%d,%d,%d\r\n", prefix, l.id, l.typ,
			ipString(l.remote.Addr()), l.remote.Port(), l.lport, b2i(l.server))
	}
}
