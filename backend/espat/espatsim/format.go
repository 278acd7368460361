package espatsim

import (
	"fmt"
	"net/netip"
	"strconv"
)

// Dialect-dependent wording and limits.

// prompt is the CIPSEND prompt, written in one piece.
func (s *Sim) prompt() string {
	if s.cfg.Dialect == AT17 {
		return "\r\nOK\r\n> "
	}
	return "\r\nOK\r\n\r\n>"
}

// sendLimit is the largest CIPSEND/CIPSENDEX payload.
func (s *Sim) sendLimit() int {
	if s.cfg.Dialect == AT17 {
		return 2048
	}
	return 8192
}

// recordMax is the largest +IPD record: 2920 bytes on the ESP32 family,
// one 1460-byte TCP segment on the ESP8266.
func (s *Sim) recordMax() int {
	if s.cfg.Dialect == AT17 {
		return 1460
	}
	return 2920
}

// ipField prints an IP address as +IPD, +CIPRECVDATA and +CIPDOMAIN do:
// quoted in v2, bare in AT 1.x.
func (s *Sim) ipField(ip netip.Addr) string {
	if s.cfg.Dialect == AT17 {
		return ipString(ip)
	}
	return strconv.Quote(ipString(ip))
}

// linkPrefix is "<id>," in mux mode and "" in single mode.
func (s *Sim) linkPrefix(id int) string {
	if s.st.mux {
		return strconv.Itoa(id) + ","
	}
	return ""
}

// closedLine announces that link id closed.
func (s *Sim) closedLine(id int) string { return s.linkPrefix(id) + "CLOSED\r\n" }

// connectLine announces a new link: "<id>,CONNECT" or, with AT+SYSMSG
// bit 1, a +LINK_CONN line.
func (s *Sim) connectLine(l *link) string {
	if s.st.sysmsg&2 != 0 {
		tetype := 0
		if l.server {
			tetype = 1
		}
		return fmt.Sprintf("+LINK_CONN:0,%d,%q,%d,%q,%d,%d\r\n",
			l.id, l.typ, tetype, ipString(l.remote.Addr()), l.remote.Port(), l.lport)
	}
	return s.linkPrefix(l.id) + "CONNECT\r\n"
}

// emitIPD prints one active-mode +IPD record with its payload.
func (s *Sim) emitIPD(id int, b []byte, from netip.AddrPort) {
	s.emitf("\r\n+IPD,%s%d", s.linkPrefix(id), len(b))
	if s.st.dinfo {
		s.emitf(",%s,%d", s.ipField(from.Addr()), from.Port())
	}
	s.emitString(":")
	s.emit(b)
}

// ipString prints an address, or 0.0.0.0 when there is none.
func ipString(a netip.Addr) string {
	if !a.IsValid() {
		return "0.0.0.0"
	}
	return a.String()
}
