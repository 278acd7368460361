package yamux

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// serveDial dials the requested destination, if policy allows, and then
// carries the connection on the stream.
func (s *gwSession) serveDial(e *entry, req request) {
	network := netName(req.network)
	host, port, _ := splitHostPort(string(req.payload)) // validated by the decoder
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	if req.arg > 0 {
		ctx, cancel = context.WithTimeout(ctx, time.Duration(req.arg)*time.Millisecond)
		defer cancel()
	}
	if e.attach(func(error) { cancel() }) != nil {
		return // the device gave up already
	}
	c, err := s.dialAllowed(ctx, network, host, port)
	if err != nil {
		s.reply(e, statusOf(err), nil)
		return
	}
	body := appendAddr(appendAddr(nil, addrPortOf(c.LocalAddr())), addrPortOf(c.RemoteAddr()))
	if e.aborted() != nil || s.reply(e, stOK, body) != nil {
		c.Close()
		return
	}
	if isPacketNet(req.network) {
		s.relay(e, nil, c)
		return
	}
	s.proxy(e, c)
}

// dialAllowed resolves host, keeps the addresses policy allows, and dials
// them in turn.
func (s *gwSession) dialAllowed(ctx context.Context, network, host string, port uint16) (net.Conn, error) {
	addrs, err := s.destinations(ctx, network, host, port)
	if err != nil {
		return nil, err
	}
	var first error
	for _, ap := range addrs {
		c, err := s.g.dial(ctx, network, ap.String())
		if err == nil {
			s.log.Debug("dialed", "network", network, "addr", ap)
			return c, nil
		}
		s.log.Debug("dial failed", "network", network, "addr", ap, "err", err)
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// destinations lists the allowed addresses of host:port, or fails with
// EACCES (and a log line) when policy allows none.
func (s *gwSession) destinations(ctx context.Context, network, host string, port uint16) ([]netip.AddrPort, error) {
	cands, err := s.candidates(ctx, network, host)
	if err != nil {
		return nil, err
	}
	var out []netip.AddrPort
	for _, a := range cands {
		ap := netip.AddrPortFrom(a.Unmap(), port)
		if s.g.pol.allowDial(ap) {
			out = append(out, ap)
		}
	}
	if len(out) == 0 {
		s.log.Warn("denied", "op", "dial", "network", network, "host", host, "port", port)
		return nil, &wrapErr{errDenied.Error(), syscall.EACCES}
	}
	return out, nil
}

// candidates returns host's addresses of the network's family.
func (s *gwSession) candidates(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	if host == "" {
		return nil, syscall.EINVAL
	}
	family := "ip"
	if strings.HasSuffix(network, "4") || strings.HasSuffix(network, "6") {
		family += network[len(network)-1:]
	}
	return s.g.resolve(ctx, family, host)
}
