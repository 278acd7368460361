package espat

import (
	"net/netip"
	"strconv"
	"strings"
)

// quote formats s as a quoted AT string parameter, escaping the three
// bytes the firmware treats specially inside quotes: `,` `"` and `\`.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// validParam reports whether s can be sent as a quoted parameter at all:
// CR, LF and NUL would end or corrupt the command line.
func validParam(s string) bool {
	return !strings.ContainsAny(s, "\r\n\x00")
}

// ipString formats an address for a command, without IPv4-mapping.
func ipString(a netip.Addr) string {
	return a.Unmap().String()
}

// infoValue returns the text after "prefix" in the first info line that
// starts with it.
func infoValue(info []string, prefix string) (string, bool) {
	for _, l := range info {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			return v, true
		}
	}
	return "", false
}

// parseQuotedAddr parses an IP address that may be quoted.
func parseQuotedAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(strings.Trim(strings.TrimSpace(s), `"`))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// parseRecvLen parses "+CIPRECVLEN:<l0>,<l1>,..." values: numbers, -1
// or empty fields (unknown) become -1.
func parseRecvLen(v string) [maxLinks]int {
	var out [maxLinks]int
	f := strings.Split(v, ",")
	for i := range out {
		out[i] = -1
		if i < len(f) {
			if n, err := strconv.Atoi(strings.TrimSpace(f[i])); err == nil && n >= 0 {
				out[i] = n
			}
		}
	}
	return out
}

// parseVersion extracts the major AT version from an AT+GMR answer
// ("AT version:2.2.0.0(...)"); 0 when absent.
func parseVersion(info []string) int {
	v, ok := infoValue(info, "AT version:")
	if !ok {
		return 0
	}
	end := strings.IndexAny(v, ".(")
	if end < 0 {
		end = len(v)
	}
	n, err := strconv.Atoi(strings.TrimSpace(v[:end]))
	if err != nil {
		return 0
	}
	return n
}

// mentions8266 reports whether the AT+GMR answer names the ESP8266, whose
// CIPSEND limit is 2048 even on v2 firmware.
func mentions8266(info []string) bool {
	for _, l := range info {
		if strings.Contains(strings.ToUpper(l), "ESP8266") {
			return true
		}
	}
	return false
}
