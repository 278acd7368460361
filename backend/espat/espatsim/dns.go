package espatsim

import (
	"context"
	"errors"
	"net/netip"
	"time"
)

// DNS commands: AT+CIPDOMAIN, AT+CIPDNS.

var errNoAddress = errors.New("espatsim: no address of the wanted family")

// cmdCIPDOMAIN handles AT+CIPDOMAIN="host"[,<1 prefer v4|2 v4|3 v6>][,<ms>]:
// +CIPDOMAIN:"a.b.c.d" (bare in AT 1.7), or ERROR.
func cmdCIPDOMAIN(s *Sim, c *command) error {
	if c.form != formSet {
		return errUnsupported
	}
	host, err := c.str(0, 64)
	if err != nil {
		return err
	}
	pref, err := c.intOr(1, 1, 1, 3)
	if err != nil {
		return err
	}
	ms, err := c.intOr(2, 0, 0, 60000)
	if err != nil {
		return err
	}
	if err := c.maxParams(3); err != nil {
		return err
	}
	if !s.joined() {
		return errExec
	}
	s.startOp(func(ctx context.Context) func(bool) {
		if ms > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, time.Duration(ms)*time.Millisecond)
			defer cancel()
		}
		ip, err := s.resolve(ctx, host, pref)
		return func(current bool) {
			switch {
			case !current:
			case err != nil:
				s.emitError(errExec)
			default:
				s.emitf("+CIPDOMAIN:%s\r\n\r\nOK\r\n", s.ipField(ip))
			}
		}
	})
	return errHandled
}

// resolve turns host into one address through Config.Resolve; pref is
// the CIPDOMAIN network: 1 prefer IPv4, 2 IPv4 only, 3 IPv6 only.
func (s *Sim) resolve(ctx context.Context, host string, pref int) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap(), nil
	}
	ips, err := s.cfg.Resolve(ctx, host)
	if err != nil {
		return netip.Addr{}, err
	}
	var v4, v6 []netip.Addr
	for _, ip := range ips {
		if ip = ip.Unmap(); ip.Is4() {
			v4 = append(v4, ip)
		} else {
			v6 = append(v6, ip)
		}
	}
	switch {
	case pref != 3 && len(v4) > 0:
		return v4[0], nil
	case pref != 2 && len(v6) > 0:
		return v6[0], nil
	}
	return netip.Addr{}, errNoAddress
}

// defaultDNS are the servers reported before AT+CIPDNS sets others.
var defaultDNS = []string{"208.67.222.222", "8.8.8.8"}

// cmdCIPDNS handles AT+CIPDNS=<0|1>[,"dns1"[,"dns2"[,"dns3"]]] and its
// query. The servers are recorded and reported; resolution always goes
// through Config.Resolve.
func cmdCIPDNS(s *Sim, c *command) error {
	switch c.form {
	case formQuery:
		servers := s.st.dns
		if !s.st.dnsOn {
			servers = defaultDNS
		}
		s.emitf("%s:%d", c.name, b2i(s.st.dnsOn))
		for _, d := range servers {
			s.emitf(",%q", d)
		}
		s.emitString("\r\n")
		return nil
	case formSet:
	default:
		return errUnsupported
	}
	on, err := c.int(0, 0, 1)
	if err != nil {
		return err
	}
	var servers []string
	for i := 1; i < c.nparams(); i++ {
		d, err := c.str(i, 64)
		if err != nil {
			return err
		}
		if _, perr := netip.ParseAddr(d); perr != nil {
			return errParamInvalid
		}
		servers = append(servers, d)
	}
	if err := c.maxParams(4); err != nil {
		return err
	}
	if on == 1 && len(servers) == 0 {
		return errParamCount
	}
	s.st.dnsOn, s.st.dns = on == 1, servers
	return nil
}
