package espatsim

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// linkSpec is a parsed AT+CIPSTART request.
type linkSpec struct {
	typ     string // "TCP", "UDP" or "SSL"
	host    string
	port    int
	lport   int // UDP local port; 0: any
	udpMode int
	timeout time.Duration // 0: none
}

// parseStart parses the CIPSTART parameters from index off:
// "TCP"|"SSL","<host>",<port>[,<keepalive>][,"<local IP>"][,<timeout>] or
// "UDP","<host>",<port>[,<lport>,<mode>[,"<local IP>"]][,<timeout>].
func parseStart(c *command, off int) (linkSpec, error) {
	var sp linkSpec
	var err error
	if sp.typ, err = c.str(off, 8); err != nil {
		return sp, err
	}
	if sp.host, err = c.str(off+1, 64); err != nil {
		return sp, err
	}
	switch sp.typ {
	case "TCP", "SSL":
		err = sp.parseStream(c, off+2)
	case "UDP":
		err = sp.parseUDP(c, off+2)
	default:
		err = errParamInvalid
	}
	return sp, err
}

func (sp *linkSpec) parseStream(c *command, i int) error {
	var err error
	if sp.port, err = c.int(i, 1, 65535); err != nil {
		return err
	}
	if _, err = c.intOr(i+1, 0, 0, 7200); err != nil {
		return err
	}
	if _, err = c.strOr(i+2, "", 64); err != nil {
		return err
	}
	return sp.parseTimeout(c, i+3)
}

func (sp *linkSpec) parseUDP(c *command, i int) error {
	var err error
	if sp.port, err = c.int(i, 0, 65535); err != nil {
		return err
	}
	if sp.lport, err = c.intOr(i+1, 0, 1, 65535); err != nil {
		return err
	}
	if sp.udpMode, err = c.intOr(i+2, 0, 0, 2); err != nil {
		return err
	}
	if c.has(i+2) && !c.has(i+1) {
		return errParamInvalid
	}
	if _, err = c.strOr(i+3, "", 64); err != nil {
		return err
	}
	return sp.parseTimeout(c, i+4)
}

func (sp *linkSpec) parseTimeout(c *command, i int) error {
	ms, err := c.intOr(i, 0, 0, 60000)
	if err != nil {
		return err
	}
	sp.timeout = time.Duration(ms) * time.Millisecond
	return c.maxParams(i + 1)
}

// dialLink opens the uplink socket for a new link. It runs without mu.
func (s *Sim) dialLink(ctx context.Context, id int, sp linkSpec) (*link, error) {
	if sp.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, sp.timeout)
		defer cancel()
	}
	l := newLink(id, sp.typ)
	if sp.typ == "UDP" {
		return l, s.openUDP(ctx, l, sp)
	}
	conn, err := s.dialStream(ctx, sp)
	if err != nil {
		return nil, err
	}
	l.conn = conn
	l.remote = addrPort(conn.RemoteAddr())
	l.lport = int(addrPort(conn.LocalAddr()).Port())
	return l, nil
}

// dialStream dials TCP through Config.Dial and, for SSL, runs the TLS
// handshake with Config.TLSConfig.
func (s *Sim) dialStream(ctx context.Context, sp linkSpec) (net.Conn, error) {
	conn, err := s.cfg.Dial(ctx, "tcp", net.JoinHostPort(sp.host, strconv.Itoa(sp.port)))
	switch {
	case err != nil:
		return nil, err
	case conn == nil:
		return nil, errNoConn
	case sp.typ != "SSL":
		return conn, nil
	}
	tc := tls.Client(conn, s.clientTLS(sp.host))
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// clientTLS returns the TLS config for an SSL link to host.
func (s *Sim) clientTLS(host string) *tls.Config {
	cfg := &tls.Config{}
	if s.cfg.TLSConfig != nil {
		cfg = s.cfg.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	return cfg
}

// openUDP resolves the remote and opens the local UDP socket.
func (s *Sim) openUDP(ctx context.Context, l *link, sp linkSpec) error {
	ip, err := s.resolve(ctx, sp.host, 1)
	if err != nil {
		return err
	}
	laddr := net.JoinHostPort(s.cfg.ListenHost, strconv.Itoa(sp.lport))
	pc, err := s.cfg.ListenPacket(ctx, "udp", laddr)
	if err != nil {
		return err
	}
	if pc == nil {
		return errNoConn
	}
	l.pc = pc
	l.remote = netip.AddrPortFrom(ip, uint16(sp.port))
	l.lport = int(addrPort(pc.LocalAddr()).Port())
	l.udpMode = sp.udpMode
	return nil
}

// closeRes releases the sockets of a link that was never installed.
func (l *link) closeRes() {
	if l == nil {
		return
	}
	if l.conn != nil {
		l.conn.Close()
	}
	if l.pc != nil {
		l.pc.Close()
	}
}
