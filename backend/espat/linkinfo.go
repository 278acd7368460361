package espat

import (
	"net/netip"
	"strconv"
	"strings"
)

// Without +LINK_CONN (AT+SYSMSG bit 1: v2 only) the modem does not say
// which addresses a link has; the link table query does: AT+CIPSTATE? on
// v2, AT+CIPSTATUS on 1.x. Accepted connections wait in Modem.unresolved
// until the engine has asked, so Accept returns them with their addresses.

// linkEntry is one line of the link table.
type linkEntry struct {
	remote netip.AddrPort
	lport  uint16
}

// linkTable queries the modem's link table.
func (m *Modem) linkTable() map[int]linkEntry {
	text, prefix := "AT+CIPSTATE?", "+CIPSTATE:"
	if m.info.dialect == Dialect17 {
		text, prefix = "AT+CIPSTATUS", "+CIPSTATUS:"
	}
	cmd := newCommand(text)
	if m.exec(cmd) != nil {
		return nil
	}
	table := make(map[int]linkEntry)
	for _, l := range cmd.info {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			if id, e, ok := parseLinkEntry(v); ok {
				table[id] = e
			}
		}
	}
	return table
}

// parseLinkEntry parses <id>,"<type>","<rip>",<rport>,<lport>,<tetype>.
func parseLinkEntry(v string) (int, linkEntry, bool) {
	f := strings.Split(v, ",")
	if len(f) < 5 {
		return 0, linkEntry{}, false
	}
	id, err1 := strconv.Atoi(f[0])
	lport, err2 := strconv.ParseUint(f[4], 10, 16)
	remote, ok := parseAddrPort([]byte(f[2]), []byte(f[3]))
	if err1 != nil || err2 != nil || !ok || id < 0 || id >= maxLinks {
		return 0, linkEntry{}, false
	}
	return id, linkEntry{remote: remote, lport: uint16(lport)}, true
}

// learnLocalPort fills in a client link's local port after AT+CIPSTART
// when the modem did not report it.
func (m *Modem) learnLocalPort(l *link) {
	m.mu.Lock()
	known := l.local.Port() != 0
	m.mu.Unlock()
	if known {
		return
	}
	if e, ok := m.linkTable()[l.id]; ok {
		m.mu.Lock()
		l.local = netip.AddrPortFrom(netip.Addr{}, e.lport)
		m.mu.Unlock()
	}
}

// resolveAccepted gives accepted connections their addresses and hands
// them to Accept. It reports whether there were any.
func (m *Modem) resolveAccepted() bool {
	m.mu.Lock()
	pending := m.unresolved
	m.unresolved = nil
	m.mu.Unlock()
	if len(pending) == 0 {
		return false
	}
	table := m.linkTable()
	for _, a := range pending {
		if e, ok := table[a.link.id]; ok {
			a.link.remote, a.remote = e.remote, e.remote
		}
		a.offer()
	}
	return true
}

// offer hands an accepted socket to its listener, or closes it.
func (s *socket) offer() {
	if srv := s.from; srv == nil || !srv.enqueue(s) {
		s.Close()
	}
}
