package offload

import (
	"net"
	"net/netip"
	"strconv"
)

// kind is the socket family of a network name.
type kind int

const (
	kindStream kind = iota
	kindDatagram
)

// parseNetwork validates a network name as package net does and reports
// its kind and required IP version (0 for either).
func parseNetwork(network string) (kind, int, error) {
	switch network {
	case "tcp":
		return kindStream, 0, nil
	case "tcp4":
		return kindStream, 4, nil
	case "tcp6":
		return kindStream, 6, nil
	case "udp":
		return kindDatagram, 0, nil
	case "udp4":
		return kindDatagram, 4, nil
	case "udp6":
		return kindDatagram, 6, nil
	}
	return 0, 0, net.UnknownNetworkError(network)
}

// splitHostPort splits address into host and a numeric or named port.
func splitHostPort(network, address string) (string, uint16, error) {
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return "", 0, err
	}
	port, err := parsePort(network, portStr)
	if err != nil {
		return "", 0, &net.AddrError{Err: err.Error(), Addr: address}
	}
	return host, port, nil
}

func parsePort(network, s string) (uint16, error) {
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseUint(s, 10, 16); err == nil {
		return uint16(n), nil
	}
	if _, err := strconv.Atoi(s); err == nil {
		return 0, &net.AddrError{Err: "invalid port", Addr: s}
	}
	n, err := net.LookupPort(network, s)
	if err != nil {
		return 0, &net.AddrError{Err: "unknown port", Addr: s}
	}
	return uint16(n), nil
}

// toNetAddr converts an address of a socket of kind k into the type package
// net would use; it never returns nil.
func toNetAddr(k kind, ap netip.AddrPort) net.Addr {
	ip := net.IP(nil)
	zone := ""
	if a := ap.Addr(); a.IsValid() {
		ip = a.AsSlice()
		zone = a.Zone()
		if a.Is4In6() {
			ip = a.Unmap().AsSlice()
		}
	}
	if k == kindDatagram {
		return &net.UDPAddr{IP: ip, Port: int(ap.Port()), Zone: zone}
	}
	return &net.TCPAddr{IP: ip, Port: int(ap.Port()), Zone: zone}
}

// fromNetAddr converts a net.Addr given by the user into an AddrPort.
func fromNetAddr(a net.Addr) (netip.AddrPort, error) {
	switch a := a.(type) {
	case *net.TCPAddr:
		return unmap(a.AddrPort()), nil
	case *net.UDPAddr:
		return unmap(a.AddrPort()), nil
	case nil:
		return netip.AddrPort{}, &net.AddrError{Err: "missing address"}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.AddrPort{}, &net.AddrError{Err: "unsupported address", Addr: a.String()}
	}
	return ap, nil
}

// familyOK reports whether addr fits the IP version a network requires.
func familyOK(addr netip.Addr, version int) bool {
	switch version {
	case 4:
		return addr.Unmap().Is4()
	case 6:
		return addr.Is6() && !addr.Is4In6()
	}
	return true
}

// unmap turns an IPv4-mapped IPv6 address into plain IPv4.
func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
