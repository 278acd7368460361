package espatsim

import (
	"context"
	"errors"
)

// handler runs one command with Sim.mu held. It returns nil for OK, an
// atError for ERROR, or errHandled when it printed the result itself (or
// will, from an operation started with startOp). It never blocks.
type handler func(s *Sim, c *command) error

// commands maps command names to handlers. Dialect-specific names are
// filtered by lookup.
var commands = map[string]handler{
	"":                  cmdAT,
	"E0":                cmdEcho,
	"E1":                cmdEcho,
	"+RST":              cmdRST,
	"+GMR":              cmdGMR,
	"+UART_CUR":         cmdUART,
	"+UART_DEF":         cmdUART,
	"+SYSSTORE":         cmdSYSSTORE,
	"+SYSMSG":           cmdSYSMSG,
	"+SYSLOG":           cmdSYSLOG,
	"+CWMODE":           cmdCWMODE,
	"+CWMODE_CUR":       cmdCWMODE,
	"+CWMODE_DEF":       cmdCWMODE,
	"+CWJAP":            cmdCWJAP,
	"+CWJAP_CUR":        cmdCWJAP,
	"+CWJAP_DEF":        cmdCWJAP,
	"+CWQAP":            cmdCWQAP,
	"+CWSTATE":          cmdCWSTATE,
	"+CIPSTA":           cmdCIPSTA,
	"+CIPSTA_CUR":       cmdCIPSTA,
	"+CIPSTA_DEF":       cmdCIPSTA,
	"+CIFSR":            cmdCIFSR,
	"+CIPMUX":           cmdCIPMUX,
	"+CIPSTART":         cmdCIPSTART,
	"+CIPSTARTEX":       cmdCIPSTARTEX,
	"+CIPSEND":          cmdCIPSEND,
	"+CIPSENDEX":        cmdCIPSEND,
	"+CIPCLOSE":         cmdCIPCLOSE,
	"+CIPSERVER":        cmdCIPSERVER,
	"+CIPSERVERMAXCONN": cmdCIPSERVERMAXCONN,
	"+CIPSTO":           cmdCIPSTO,
	"+CIPSTATUS":        cmdCIPSTATUS,
	"+CIPSTATE":         cmdCIPSTATE,
	"+CIPDINFO":         cmdCIPDINFO,
	"+CIPRECVMODE":      cmdCIPRECVMODE,
	"+CIPRECVTYPE":      cmdCIPRECVTYPE,
	"+CIPRECVDATA":      cmdCIPRECVDATA,
	"+CIPRECVLEN":       cmdCIPRECVLEN,
	"+CIPDOMAIN":        cmdCIPDOMAIN,
	"+CIPDNS":           cmdCIPDNS,
	"+CIPDNS_CUR":       cmdCIPDNS,
	"+CIPDNS_DEF":       cmdCIPDNS,
	"+CIPMODE":          cmdCIPMODE,
	"+TRANSINTVL":       cmdTRANSINTVL,
}

// onlyV2 and onlyAT17 list the commands one firmware family lacks.
var (
	onlyV2 = map[string]bool{
		"+CWSTATE": true, "+CIPSTARTEX": true, "+SYSSTORE": true, "+SYSLOG": true,
		"+CIPRECVTYPE": true, "+CIPSTATE": true, "+TRANSINTVL": true,
	}
	onlyAT17 = map[string]bool{
		"+CWMODE_CUR": true, "+CWMODE_DEF": true, "+CWJAP_CUR": true, "+CWJAP_DEF": true,
		"+CIPSTA_CUR": true, "+CIPSTA_DEF": true, "+CIPDNS_CUR": true, "+CIPDNS_DEF": true,
	}
)

// lookup returns the handler for name in the configured dialect.
func (s *Sim) lookup(name string) handler {
	if s.cfg.Dialect == AT17 && onlyV2[name] || s.cfg.Dialect == V2 && onlyAT17[name] {
		return nil
	}
	return commands[name]
}

// runLine executes one complete command line. Called with mu held.
func (s *Sim) runLine(line []byte, over bool) {
	if s.busy || (len(line) > 0 && s.faults.takeBusy()) {
		s.emitString("\r\nbusy p...\r\n")
		return
	}
	if len(line) == 0 && !over {
		return
	}
	var err error = errParamLength
	if !over {
		err = s.execLine(line)
	}
	s.result(err)
}

func (s *Sim) execLine(line []byte) error {
	c, err := parseLine(line)
	if err != nil {
		return err
	}
	h := s.lookup(c.name)
	if h == nil {
		return errUnsupported
	}
	return h(s, c)
}

// result prints the final result code for err.
func (s *Sim) result(err error) {
	switch {
	case err == nil:
		s.emitString("\r\nOK\r\n")
	case errors.Is(err, errHandled):
	default:
		s.emitError(err)
	}
}

// emitError prints ERROR, preceded by an ERR CODE line when AT+SYSLOG=1.
func (s *Sim) emitError(err error) {
	var e atError
	if s.st.syslog && errors.As(err, &e) {
		s.emitf("ERR CODE:0x%08x\r\n", e.code())
	}
	s.emitString("\r\nERROR\r\n")
}

// startOp runs the blocking part of a command in its own goroutine while
// the modem answers busy p... to new lines. work runs without mu and
// returns a finish function, which runs with mu held: current is false
// when the modem was reset or closed meanwhile, and finish must then only
// release what work acquired. Called with mu held.
func (s *Sim) startOp(work func(ctx context.Context) (finish func(current bool))) {
	ctx, cancel := context.WithCancel(context.Background())
	s.busy, s.opCancel = true, cancel
	gen := s.gen
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		finish := work(ctx)
		s.mu.Lock()
		current := s.gen == gen && !s.closed
		if current {
			s.busy, s.opCancel = false, nil
			s.dropPartialLine()
		}
		finish(current)
		s.unlock()
	}()
}

// dropPartialLine discards bytes that arrived while the modem was busy
// without completing a line (such as surplus bytes after a CIPSEND
// payload), answering them with busy p... as the firmware does.
func (s *Sim) dropPartialLine() {
	if len(s.line) > 0 || s.lineOver {
		s.emitString("\r\nbusy p...\r\n")
	}
	s.line, s.lineOver = s.line[:0], false
}
