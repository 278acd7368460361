package espat

import (
	"bytes"
	"net/netip"
	"strconv"
)

// evKind classifies one line from the modem.
type evKind uint8

const (
	evInfo        evKind = iota // anything else: an information line of the running command
	evOK                        // OK
	evError                     // ERROR
	evFail                      // FAIL (AT 1.x CWJAP failure)
	evSendOK                    // SEND OK
	evSendFail                  // SEND FAIL
	evBusy                      // busy p... / busy s... / busy now ...
	evErrCode                   // ERR CODE:0x%08x
	evRecvBytes                 // Recv <n> bytes
	evReady                     // ready (the modem restarted)
	evConnect                   // [<id>,]CONNECT
	evClosed                    // [<id>,]CLOSED
	evConnectFail               // <id>,CONNECT FAIL
	evIPD                       // +IPD,<id>,<len> passive receive notice
	evWifi                      // WIFI CONNECTED / GOT IP / DISCONNECT ...
	evAlready                   // ALREADY CONNECTED (ALREADY CONNECT on 1.x)
	evCancelled                 // SEND CANCELLED
	evLinkConn                  // +LINK_CONN:<status>,<id>,"TCP",<c/s>,"<ip>",<port>,<lport>
)

// event is one classified line. id is a link id or -1; n is the length of
// evIPD and evRecvBytes; code is the value of evErrCode.
type event struct {
	kind evKind
	id   int
	n    int
	code uint32
	conn linkConn // evLinkConn
}

// linkConn is a parsed +LINK_CONN line (AT+SYSMSG bit 1).
type linkConn struct {
	failed bool
	server bool
	proto  string
	remote netip.AddrPort
	lport  uint16
}

// maxLinks is the number of link ids (0..4).
const maxLinks = 5

// classify turns one trimmed, non-empty line into an event.
func classify(l []byte) event {
	ev := event{id: -1}
	switch {
	case bytes.Equal(l, []byte("OK")):
		ev.kind = evOK
	case bytes.Equal(l, []byte("ERROR")):
		ev.kind = evError
	case bytes.Equal(l, []byte("FAIL")):
		ev.kind = evFail
	case bytes.Equal(l, []byte("SEND OK")):
		ev.kind = evSendOK
	case bytes.Equal(l, []byte("SEND FAIL")):
		ev.kind = evSendFail
	case bytes.Equal(l, []byte("SEND CANCELLED")):
		ev.kind = evCancelled
	case bytes.Equal(l, []byte("ready")):
		ev.kind = evReady
	case bytes.HasPrefix(l, []byte("busy ")):
		ev.kind = evBusy
	case bytes.HasPrefix(l, []byte("ALREADY CONNECT")):
		ev.kind = evAlready
	case bytes.HasPrefix(l, []byte("WIFI ")):
		ev.kind = evWifi
	default:
		return classifyRest(l, ev)
	}
	return ev
}

// classifyRest handles the lines that carry numbers.
func classifyRest(l []byte, ev event) event {
	if c, ok := cutPrefix(l, "ERR CODE:"); ok {
		if v, err := strconv.ParseUint(string(trimHex(c)), 16, 32); err == nil {
			ev.kind, ev.code = evErrCode, uint32(v)
		}
		return ev
	}
	if c, ok := cutPrefix(l, "Recv "); ok {
		if n, ok := cutSuffix(c, " bytes"); ok {
			if v, ok := atoi(n); ok {
				ev.kind, ev.n = evRecvBytes, v
			}
		}
		return ev
	}
	if c, ok := cutPrefix(l, "+IPD,"); ok {
		return parseIPDNotice(c, ev)
	}
	if c, ok := cutPrefix(l, "+LINK_CONN:"); ok {
		if lc, id, ok := parseLinkConn(c); ok {
			ev.kind, ev.id, ev.conn = evLinkConn, id, lc
		}
		return ev
	}
	return classifyLink(l, ev)
}

// classifyLink recognises [<id>,]CONNECT, [<id>,]CLOSED and
// <id>,CONNECT FAIL.
func classifyLink(l []byte, ev event) event {
	id := 0
	rest := l
	if len(l) >= 2 && l[0] >= '0' && l[0] <= '9' && l[1] == ',' {
		id = int(l[0] - '0')
		rest = l[2:]
		if id >= maxLinks {
			return ev
		}
	}
	switch string(rest) {
	case "CONNECT":
		ev.kind, ev.id = evConnect, id
	case "CLOSED":
		ev.kind, ev.id = evClosed, id
	case "CONNECT FAIL":
		ev.kind, ev.id = evConnectFail, id
	}
	return ev
}

// parseIPDNotice parses the text after "+IPD," of a passive-mode notice:
// <id>,<len> (possibly followed by the source address) or <len>.
func parseIPDNotice(c []byte, ev event) event {
	f := splitFields(c)
	if len(f) == 0 {
		return ev
	}
	if len(f) == 1 || len(f) == 3 {
		// Single-connection form: +IPD,<len>[,"ip",port]; link 0.
		if n, ok := atoi(f[0]); ok {
			ev.kind, ev.id, ev.n = evIPD, 0, n
		}
		return ev
	}
	id, ok1 := atoi(f[0])
	n, ok2 := atoi(f[1])
	if ok1 && ok2 && id < maxLinks {
		ev.kind, ev.id, ev.n = evIPD, id, n
	}
	return ev
}

// parseLinkConn parses <status>,<id>,"TCP",<c/s>,"<ip>",<port>,<lport>.
func parseLinkConn(c []byte) (linkConn, int, bool) {
	f := splitFields(c)
	if len(f) < 7 {
		return linkConn{}, 0, false
	}
	st, ok1 := atoi(f[0])
	id, ok2 := atoi(f[1])
	cs, ok3 := atoi(f[3])
	ap, ok4 := parseAddrPort(f[4], f[5])
	lp, ok5 := atoi(f[6])
	if !(ok1 && ok2 && ok3 && ok4 && ok5) || id >= maxLinks || lp > 65535 {
		return linkConn{}, 0, false
	}
	return linkConn{
		failed: st != 0,
		server: cs == 1,
		proto:  string(unquote(f[2])),
		remote: ap,
		lport:  uint16(lp),
	}, id, true
}

// splitFields splits s at commas outside double quotes. Quotes are kept.
func splitFields(s []byte) [][]byte {
	var f [][]byte
	start, inq := 0, false
	for i, b := range s {
		switch {
		case b == '"':
			inq = !inq
		case b == ',' && !inq:
			f = append(f, s[start:i])
			start = i + 1
		}
	}
	return append(f, s[start:])
}

// unquote strips one pair of surrounding double quotes, if present.
func unquote(s []byte) []byte {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// parseAddrPort parses an IP (quoted or not) and a port field.
func parseAddrPort(ip, port []byte) (netip.AddrPort, bool) {
	a, err := netip.ParseAddr(string(unquote(ip)))
	if err != nil {
		return netip.AddrPort{}, false
	}
	p, ok := atoi(port)
	if !ok || p > 65535 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(p)), true
}

// atoi parses a small non-negative decimal number (at most 9 digits).
func atoi(s []byte) (int, bool) {
	if len(s) == 0 || len(s) > 9 {
		return 0, false
	}
	n := 0
	for _, b := range s {
		if b < '0' || b > '9' {
			return 0, false
		}
		n = n*10 + int(b-'0')
	}
	return n, true
}

func cutPrefix(s []byte, p string) ([]byte, bool) {
	if len(s) >= len(p) && string(s[:len(p)]) == p {
		return s[len(p):], true
	}
	return s, false
}

func cutSuffix(s []byte, p string) ([]byte, bool) {
	if len(s) >= len(p) && string(s[len(s)-len(p):]) == p {
		return s[:len(s)-len(p)], true
	}
	return s, false
}

// trimHex drops a 0x prefix.
func trimHex(s []byte) []byte {
	if c, ok := cutPrefix(s, "0x"); ok {
		return c
	}
	if c, ok := cutPrefix(s, "0X"); ok {
		return c
	}
	return s
}

// trimLine strips surrounding spaces, tabs, CRs and NULs.
func trimLine(l []byte) []byte {
	isSpace := func(b byte) bool { return b == ' ' || b == '\r' || b == '\t' || b == 0 }
	for len(l) > 0 && isSpace(l[0]) {
		l = l[1:]
	}
	for len(l) > 0 && isSpace(l[len(l)-1]) {
		l = l[:len(l)-1]
	}
	return l
}
