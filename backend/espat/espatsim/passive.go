package espatsim

import (
	"fmt"
	"net/netip"
	"strings"
)

// passiveWindow is the per-link passive receive buffer, the ESP-AT TCP
// window (LWIP_TCP_WND_DEFAULT).
const passiveWindow = 5760

// passiveIn stores received bytes for AT+CIPRECVDATA and notifies the
// host: v2 once until the host reads, AT 1.7 on every arrival with the
// growing total. A UDP datagram that does not fit is dropped. Called with
// mu held.
func (s *Sim) passiveIn(l *link, b []byte, from netip.AddrPort) {
	if l.typ == "UDP" {
		if l.nbuf+len(b) > passiveWindow {
			return
		}
		l.dgrams = append(l.dgrams, datagram{b: append([]byte(nil), b...), from: from})
	} else {
		l.rx = append(l.rx, b...)
	}
	l.nbuf += len(b)
	if s.cfg.Dialect == V2 && l.notified {
		return
	}
	l.notified = true
	if s.faults.takeLoseNotice() {
		return
	}
	s.emitf("\r\n+IPD,%s%d\r\n", s.linkPrefix(l.id), l.nbuf)
}

// readPassive takes up to n bytes (one datagram's worth for UDP; keep
// keeps the rest of a datagram that was read in part). Called with mu
// held.
func (s *Sim) readPassive(l *link, n int, keep bool) ([]byte, netip.AddrPort) {
	var b []byte
	from := l.remote
	if l.typ == "UDP" {
		d := &l.dgrams[0]
		from = d.from
		m := min(n, len(d.b))
		b = d.b[:m:m]
		d.b = d.b[m:]
		drop := len(d.b)
		if keep && drop > 0 {
			drop = 0
		} else {
			l.dgrams = l.dgrams[1:]
		}
		l.nbuf -= m + drop
	} else {
		m := min(n, len(l.rx))
		b = append([]byte(nil), l.rx[:m]...)
		l.rx = append(l.rx[:0], l.rx[m:]...)
		l.nbuf -= m
	}
	l.notified = false
	l.wake()
	return b, from
}

// cmdCIPRECVDATA handles AT+CIPRECVDATA=[<id>,]<len>[,<keep>].
func cmdCIPRECVDATA(s *Sim, c *command) error {
	if c.form != formSet {
		return errUnsupported
	}
	id, off, err := s.linkParam(c)
	if err != nil {
		return err
	}
	n, err := c.int(off, 1, 0x7fffffff)
	if err != nil {
		return err
	}
	keep, err := c.intOr(off+1, 0, 0, 1)
	if err != nil {
		return err
	}
	if err := c.maxParams(off + 2); err != nil {
		return err
	}
	l := s.links[id]
	if l == nil || !s.st.passive[id] || l.nbuf == 0 {
		return errOp
	}
	b, from := s.readPassive(l, n, keep == 1)
	s.emitRecvData(b, from)
	if l.nbuf == 0 && l.eof {
		s.dropLink(l, true)
	}
	return errHandled
}

// emitRecvData prints the CIPRECVDATA reply with its OK.
func (s *Sim) emitRecvData(b []byte, from netip.AddrPort) {
	if s.cfg.Dialect == AT17 {
		s.emitf("\r\n+CIPRECVDATA,%d:", len(b))
	} else if s.st.dinfo {
		s.emitf("+CIPRECVDATA:%d,%q,%d,", len(b), ipString(from.Addr()), from.Port())
	} else {
		s.emitf("+CIPRECVDATA:%d,", len(b))
	}
	s.emit(b)
	s.emitString("\r\nOK\r\n")
}

// cmdCIPRECVLEN handles AT+CIPRECVLEN?: buffered bytes per link id; v2
// prints -1 for ids without a link, AT 1.7 prints 0.
func cmdCIPRECVLEN(s *Sim, c *command) error {
	if c.form != formQuery {
		return errUnsupported
	}
	f := make([]string, maxLinks)
	for id, l := range s.links {
		switch {
		case l != nil:
			f[id] = fmt.Sprint(l.nbuf)
		case s.cfg.Dialect == V2:
			f[id] = "-1"
		default:
			f[id] = "0"
		}
	}
	s.emitf("+CIPRECVLEN:%s\r\n", strings.Join(f, ","))
	return nil
}

// cmdCIPRECVMODE handles AT+CIPRECVMODE=<0|1> (all links) and its query.
func cmdCIPRECVMODE(s *Sim, c *command) error {
	switch c.form {
	case formQuery:
		s.emitf("+CIPRECVMODE:%d\r\n", b2i(s.st.passive[0]))
		return nil
	case formSet:
		m, err := c.int(0, 0, 1)
		if err != nil {
			return err
		}
		if err := c.maxParams(1); err != nil {
			return err
		}
		for id := range s.links {
			s.setRecvMode(id, m == 1)
		}
		return nil
	}
	return errUnsupported
}

// cmdCIPRECVTYPE handles AT+CIPRECVTYPE=[<id>,]<mode>[,<len_report>]
// (id 5: all) and its query.
func cmdCIPRECVTYPE(s *Sim, c *command) error {
	switch c.form {
	case formQuery:
		for id := range s.links {
			s.emitf("+CIPRECVTYPE:%d,%d\r\n", id, b2i(s.st.passive[id]))
		}
		return nil
	case formSet:
		id, off := maxLinks, 0
		if s.st.mux {
			v, err := c.int(0, 0, maxLinks)
			if err != nil {
				return err
			}
			id, off = v, 1
		}
		m, err := c.int(off, 0, 1)
		if err != nil {
			return err
		}
		if _, err := c.intOr(off+1, 0, 0, 1); err != nil {
			return err
		}
		if err := c.maxParams(off + 2); err != nil {
			return err
		}
		for i := range s.links {
			if id == maxLinks || id == i {
				s.setRecvMode(i, m == 1)
			}
		}
		return nil
	}
	return errUnsupported
}

// setRecvMode switches link id between active and passive receive.
// Bytes already buffered are delivered as +IPD when going active.
func (s *Sim) setRecvMode(id int, passive bool) {
	s.st.passive[id] = passive
	l := s.links[id]
	if l == nil {
		return
	}
	l.wake()
	if passive || l.nbuf == 0 {
		return
	}
	for l.nbuf > 0 {
		b, from := s.readPassive(l, passiveWindow, false)
		s.deliver(l, b, from)
	}
	if l.eof {
		s.dropLink(l, true)
	}
}

// cmdCIPDINFO handles AT+CIPDINFO=<0|1> and its query.
func cmdCIPDINFO(s *Sim, c *command) error {
	switch c.form {
	case formQuery:
		s.emitf("+CIPDINFO:%t\r\n", s.st.dinfo)
		return nil
	case formSet:
		return boolSetting(c, &s.st.dinfo, s.emitf)
	}
	return errUnsupported
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
