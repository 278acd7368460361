package yamux

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
)

var errBadAddress = errors.New("yamux: bad address")

// splitHostPort splits "host:port" and parses the numeric port. host may
// be empty (any address), an IP literal or a name.
func splitHostPort(s string) (string, uint16, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, errBadAddress
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return "", 0, errBadAddress
	}
	return host, uint16(p), nil
}

// addrPortOf converts a net.Addr to an AddrPort; the zero value when the
// address is not an IP address.
func addrPortOf(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.TCPAddr:
		return unmapPort(a.AddrPort())
	case *net.UDPAddr:
		return unmapPort(a.AddrPort())
	case nil:
		return netip.AddrPort{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.AddrPort{}
	}
	return unmapPort(ap)
}

func unmapPort(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// hostPortString formats ap as "ip:port", or ":port" for an invalid
// (any) address.
func hostPortString(ap netip.AddrPort) string {
	if !ap.Addr().IsValid() {
		return ":" + strconv.Itoa(int(ap.Port()))
	}
	return ap.String()
}
