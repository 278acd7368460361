package espatsim

import (
	"context"
	"net/netip"
)

// payload is a CIPSEND or CIPSENDEX payload being collected after the
// prompt.
type payload struct {
	l    *link
	want int  // bytes announced
	raw  int  // bytes consumed from the UART
	ex   bool // CIPSENDEX: \0 ends early, backslash escapes
	esc  bool // CIPSENDEX: the previous byte was a backslash
	end  bool // CIPSENDEX: \0 seen
	buf  []byte
	dest netip.AddrPort // UDP destination for this send; zero: the link's remote
}

// cmdCIPSEND handles AT+CIPSEND and AT+CIPSENDEX:
// [<id>,]<len>[,"<ip>",<port>], or AT+CIPSEND alone for passthrough.
func cmdCIPSEND(s *Sim, c *command) error {
	ex := c.name == "+CIPSENDEX"
	if c.form == formExec && !ex {
		return s.enterPassthrough()
	}
	if c.form != formSet {
		return errUnsupported
	}
	if s.st.cipmode != 0 {
		return errOp
	}
	id, off, err := s.linkParam(c)
	if err != nil {
		return err
	}
	n, err := c.int(off, 1, s.sendLimit())
	if err != nil {
		return err
	}
	l := s.links[id]
	if l == nil || l.eof || l.reported {
		return errOp
	}
	dest, err := sendDest(c, off+1, l)
	if err != nil {
		return err
	}
	s.pay = payload{l: l, want: n, ex: ex, dest: dest}
	s.mode = modePayload
	s.emitString(s.prompt())
	return errHandled
}

// linkParam reads the leading link id of a mux-mode command; in single
// mode the id is 0 and no parameter is consumed. off is the index of the
// next parameter.
func (s *Sim) linkParam(c *command) (id, off int, err error) {
	if !s.st.mux {
		return 0, 0, nil
	}
	id, err = c.int(0, 0, maxLinks-1)
	return id, 1, err
}

// sendDest parses the optional UDP destination "<ip>",<port> at index i.
func sendDest(c *command, i int, l *link) (netip.AddrPort, error) {
	if err := c.maxParams(i + 2); err != nil {
		return netip.AddrPort{}, err
	}
	if !c.has(i) {
		return netip.AddrPort{}, nil
	}
	if l.typ != "UDP" {
		return netip.AddrPort{}, errParamInvalid
	}
	host, err := c.str(i, 64)
	if err != nil {
		return netip.AddrPort{}, err
	}
	ip, perr := netip.ParseAddr(host)
	if perr != nil {
		return netip.AddrPort{}, errParamInvalid
	}
	port, err := c.int(i+1, 1, 65535)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(ip, uint16(port)), nil
}

// inputPayload collects payload bytes and returns those beyond the
// payload. Payload bytes are not echoed.
func (s *Sim) inputPayload(data []byte) []byte {
	p := &s.pay
	i := 0
	if !p.ex {
		i = min(len(data), p.want-p.raw)
		p.buf = append(p.buf, data[:i]...)
		p.raw += i
	} else {
		for i < len(data) && p.raw < p.want && !p.end {
			p.sendexByte(data[i])
			i++
		}
	}
	if p.raw >= p.want || p.end {
		s.mode = modeCommand
		s.finishPayload()
	}
	return data[i:]
}

// sendexByte consumes one CIPSENDEX byte: "\0" ends the payload, a
// backslash takes the next byte literally.
func (p *payload) sendexByte(b byte) {
	p.raw++
	switch {
	case p.esc:
		p.esc = false
		if b == '0' {
			p.end = true
			return
		}
		p.buf = append(p.buf, b)
	case b == '\\':
		p.esc = true
	default:
		p.buf = append(p.buf, b)
	}
}

// finishPayload acknowledges a complete payload and hands it to the
// link's send buffer: SEND OK at once, or after the modem was busy while
// the buffer drained. Called with mu held.
func (s *Sim) finishPayload() {
	p := s.pay
	s.pay = payload{}
	s.emitf("\r\nRecv %d bytes\r\n", len(p.buf))
	l := p.l
	dest := p.dest
	if !dest.IsValid() {
		dest = l.remote
	}
	if l.hasSendRoom(len(p.buf)) || !s.sendable(l) {
		s.acceptSend(l, p.buf, dest)
		return
	}
	s.startOp(func(ctx context.Context) func(bool) {
		s.waitSendRoom(ctx.Done(), l, len(p.buf))
		return func(current bool) {
			if current {
				s.acceptSend(l, p.buf, dest)
			}
		}
	})
}

// sendable reports whether the link can take data: it is open and no
// write has failed.
func (s *Sim) sendable(l *link) bool {
	return !l.closed && !l.eof && l.sendErr == nil
}

// acceptSend queues a payload and prints SEND OK, or SEND FAIL when the
// link cannot send or a fault is injected. Called with mu held.
func (s *Sim) acceptSend(l *link, b []byte, dest netip.AddrPort) {
	if !s.sendable(l) || s.faults.takeSendFail() {
		s.emitString("\r\nSEND FAIL\r\n")
		return
	}
	l.queueSend(b, dest)
	s.emitString("\r\nSEND OK\r\n")
}
