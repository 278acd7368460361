package yamux

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// PortRange is an inclusive range of ports.
type PortRange struct{ Lo, Hi uint16 }

// PortRanges is a set of port ranges. An empty set means every port where
// a Rule uses it, and no port where Gateway.AllowListen does.
type PortRanges []PortRange

// Contains reports whether port is in one of the ranges.
func (p PortRanges) Contains(port uint16) bool {
	for _, r := range p {
		if port >= r.Lo && port <= r.Hi {
			return true
		}
	}
	return false
}

// String formats the ranges as ParsePortRanges reads them.
func (p PortRanges) String() string {
	parts := make([]string, len(p))
	for i, r := range p {
		parts[i] = strconv.Itoa(int(r.Lo))
		if r.Hi != r.Lo {
			parts[i] += "-" + strconv.Itoa(int(r.Hi))
		}
	}
	return strings.Join(parts, ",")
}

// ParsePortRanges parses "80", "80,443", "8000-9000" or "*" (every port,
// 0 included). Port 0 stands for "an ephemeral port" in listen rules.
func ParsePortRanges(s string) (PortRanges, error) {
	if s == "*" {
		return PortRanges{{0, 65535}}, nil
	}
	var out PortRanges
	for part := range strings.SplitSeq(s, ",") {
		r, err := parsePortRange(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func parsePortRange(s string) (PortRange, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := strconv.ParseUint(lo, 10, 16)
	if err != nil {
		return PortRange{}, fmt.Errorf("yamux: bad port %q", s)
	}
	b := a
	if isRange {
		if b, err = strconv.ParseUint(hi, 10, 16); err != nil || b < a {
			return PortRange{}, fmt.Errorf("yamux: bad port range %q", s)
		}
	}
	return PortRange{uint16(a), uint16(b)}, nil
}

// Rule allows dialing the addresses in Prefix on the ports in Ports.
type Rule struct {
	// Prefix is the allowed network. The zero Prefix matches every
	// address of both families ("*").
	Prefix netip.Prefix
	// Ports are the allowed ports; empty means every port.
	Ports PortRanges
}

// Allows reports whether the rule admits ap.
func (r Rule) Allows(ap netip.AddrPort) bool {
	a := ap.Addr().Unmap()
	if r.Prefix.IsValid() && !r.Prefix.Contains(a) {
		return false
	}
	return len(r.Ports) == 0 || r.Ports.Contains(ap.Port())
}

// String formats the rule as ParseAllowRule reads it.
func (r Rule) String() string {
	s := "*"
	if r.Prefix.IsValid() {
		s = r.Prefix.String()
		if r.Prefix.Addr().Is6() && len(r.Ports) > 0 {
			s = "[" + s + "]"
		}
	}
	if len(r.Ports) > 0 {
		s += ":" + r.Ports.String()
	}
	return s
}

// ParseAllowRule parses the --allow syntax CIDR[:PORTS]: "10.0.0.0/8",
// "192.168.1.5:22", "0.0.0.0/0:80,443", "[2001:db8::/32]:8000-9000",
// "::1", "*:443" (every address). A bare IP is a /32 or /128 prefix.
func ParseAllowRule(s string) (Rule, error) {
	host, ports, err := splitRule(s)
	if err != nil {
		return Rule{}, err
	}
	var r Rule
	if host != "*" {
		if r.Prefix, err = parsePrefix(host); err != nil {
			return Rule{}, err
		}
	}
	if ports != "" {
		if r.Ports, err = ParsePortRanges(ports); err != nil {
			return Rule{}, err
		}
	}
	return r, nil
}

// splitRule separates the address part from the optional port list.
func splitRule(s string) (host, ports string, err error) {
	if rest, ok := strings.CutPrefix(s, "["); ok {
		h, after, ok := strings.Cut(rest, "]")
		if !ok {
			return "", "", fmt.Errorf("yamux: bad rule %q", s)
		}
		if after == "" {
			return h, "", nil
		}
		p, ok := strings.CutPrefix(after, ":")
		if !ok || p == "" {
			return "", "", fmt.Errorf("yamux: bad rule %q", s)
		}
		return h, p, nil
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return s, "", nil // a bare IP, IPv6 included
	}
	if i := strings.IndexByte(s, '/'); i >= 0 {
		if j := strings.IndexByte(s[i:], ':'); j >= 0 {
			return nonEmptyPorts(s, s[:i+j], s[i+j+1:])
		}
		return s, "", nil
	}
	h, p, ok := strings.Cut(s, ":")
	if !ok {
		return s, "", nil
	}
	if strings.Contains(p, ":") {
		return "", "", fmt.Errorf("yamux: bad rule %q (bracket IPv6 addresses with ports)", s)
	}
	return nonEmptyPorts(s, h, p)
}

func nonEmptyPorts(rule, host, ports string) (string, string, error) {
	if ports == "" {
		return "", "", fmt.Errorf("yamux: bad rule %q", rule)
	}
	return host, ports, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("yamux: bad prefix %q", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("yamux: bad address %q", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// policy is a gateway's compiled allow-lists.
type policy struct {
	all    bool
	dial   []Rule
	listen PortRanges
}

func (p *policy) allowDial(ap netip.AddrPort) bool {
	if p.all {
		return true
	}
	for _, r := range p.dial {
		if r.Allows(ap) {
			return true
		}
	}
	return false
}

func (p *policy) allowListen(port uint16) bool {
	return p.all || p.listen.Contains(port)
}
