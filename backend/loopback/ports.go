package loopback

import (
	"net/netip"
	"syscall"
)

// Address and port bookkeeping. Every function here runs with n.mu held.

// wildcard normalises an unspecified address to the zero Addr, which
// stands for "every address of the machine".
func wildcard(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.IsUnspecified() {
		return netip.Addr{}
	}
	return a
}

// owns reports whether addr is one of host's addresses (or the wildcard).
func (n *Network) owns(host string, addr netip.Addr) bool {
	if !addr.IsValid() {
		return true
	}
	return n.addrs[addr] == host
}

// sourceFor picks host's address to talk to remote with.
func (n *Network) sourceFor(host string, remote netip.Addr) netip.Addr {
	addrs := n.names[host]
	for _, a := range addrs {
		if a.Is4() == remote.Is4() && a.IsLoopback() == remote.IsLoopback() {
			return a
		}
	}
	for _, a := range addrs {
		if a.Is4() == remote.Is4() {
			return a
		}
	}
	if len(addrs) > 0 {
		return addrs[0]
	}
	return remote
}

// portBusy reports whether binding addr:port on host would clash.
func (n *Network) portBusy(host string, addr netip.Addr, port uint16, stream bool) bool {
	if n.ports[portKey{host, addr, port, stream}] || n.ports[portKey{host, netip.Addr{}, port, stream}] {
		return true
	}
	if addr.IsValid() {
		return false
	}
	for k := range n.ports {
		if k.host == host && k.port == port && k.stream == stream {
			return true
		}
	}
	return false
}

// takePort reserves addr:port (port 0 picks an ephemeral one) and returns
// the port.
func (n *Network) takePort(host string, addr netip.Addr, port uint16, stream bool) (uint16, error) {
	if port != 0 {
		if n.portBusy(host, addr, port, stream) {
			return 0, syscall.EADDRINUSE
		}
		n.ports[portKey{host, addr, port, stream}] = true
		return port, nil
	}
	span := int(n.cfg.EphemeralMax-n.cfg.EphemeralMin) + 1
	for range span {
		p := n.next
		if n.next == n.cfg.EphemeralMax {
			n.next = n.cfg.EphemeralMin
		} else {
			n.next++
		}
		if !n.portBusy(host, addr, p, stream) {
			n.ports[portKey{host, addr, p, stream}] = true
			return p, nil
		}
	}
	return 0, syscall.EADDRINUSE
}

func (n *Network) releasePort(host string, addr netip.Addr, port uint16, stream bool) {
	delete(n.ports, portKey{host, addr, port, stream})
}

// reportAddr is the address a wildcard socket reports as local.
func reportAddr(a netip.Addr, version int) netip.Addr {
	if a.IsValid() {
		return a
	}
	if version == 4 {
		return netip.IPv4Unspecified()
	}
	return netip.IPv6Unspecified()
}

// fitsVersion reports whether addr suits a socket of IP version v (0: any).
func fitsVersion(addr netip.Addr, v int) bool {
	switch v {
	case 4:
		return !addr.IsValid() || addr.Is4()
	case 6:
		return !addr.IsValid() || addr.Is6()
	}
	return true
}
