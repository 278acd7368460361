package espatsim

import (
	"context"
	"crypto/tls"
	"net"
	"strconv"
	"time"
)

// Server commands: AT+CIPSERVER, AT+CIPSERVERMAXCONN, AT+CIPSTO.

// server is the one CIPSERVER listener.
type server struct {
	ln     net.Listener
	port   int
	typ    string      // "TCP" or "SSL"
	ca     int         // CA verification flag, reported only
	tls    *tls.Config // SSL servers
	ctx    context.Context
	cancel context.CancelFunc
}

// cmdCIPSERVER handles AT+CIPSERVER=1[,<port>][,"TCP"|"SSL"][,<CA>][,<netif>],
// AT+CIPSERVER=0[,<close clients>] and the query.
func cmdCIPSERVER(s *Sim, c *command) error {
	switch c.form {
	case formQuery:
		if s.srv == nil {
			s.emitString("+CIPSERVER:0\r\n")
		} else {
			s.emitf("+CIPSERVER:1,%d,%q,%d\r\n", s.srv.port, s.srv.typ, s.srv.ca)
		}
		return nil
	case formSet:
	default:
		return errUnsupported
	}
	mode, err := c.int(0, 0, 1)
	if err != nil {
		return err
	}
	if mode == 0 {
		all, err := c.intOr(1, 0, 0, 1)
		if err != nil {
			return err
		}
		s.stopServer(all == 1)
		return c.maxParams(2)
	}
	return s.startServer(c)
}

// startServer parses the CIPSERVER=1 parameters and listens through
// Config.Listen on Config.ListenHost.
func (s *Sim) startServer(c *command) error {
	if !s.st.mux || s.srv != nil {
		return errOp
	}
	srv := &server{}
	var err error
	if srv.port, err = c.intOr(1, 333, 1, 65535); err != nil {
		return err
	}
	if srv.typ, err = c.strOr(2, "TCP", 8); err != nil {
		return err
	}
	if srv.ca, err = c.intOr(3, 0, 0, 1); err != nil {
		return err
	}
	if err := c.maxParams(5); err != nil {
		return err
	}
	switch {
	case srv.typ == "SSL" && (s.cfg.TLSConfig == nil || len(s.cfg.TLSConfig.Certificates) == 0 && s.cfg.TLSConfig.GetCertificate == nil):
		return errExec
	case srv.typ == "SSL":
		srv.tls = s.cfg.TLSConfig
	case srv.typ != "TCP":
		return errParamInvalid
	}
	addr := net.JoinHostPort(s.cfg.ListenHost, strconv.Itoa(srv.port))
	s.startOp(func(ctx context.Context) func(bool) {
		ln, err := s.cfg.Listen(ctx, "tcp", addr)
		if err == nil && ln == nil {
			err = errNoConn
		}
		return func(current bool) {
			switch {
			case !current && err == nil:
				ln.Close()
			case !current:
			case err != nil:
				s.emitError(errExec)
			default:
				s.runServer(srv, ln)
				s.emitString("\r\nOK\r\n")
			}
		}
	})
	return errHandled
}

// runServer installs srv and starts its accept loop. Called with mu held.
func (s *Sim) runServer(srv *server, ln net.Listener) {
	srv.ln = ln
	srv.ctx, srv.cancel = context.WithCancel(context.Background())
	s.srv = srv
	s.wg.Add(1)
	go s.acceptLoop(srv)
}

// stopServer closes the listener and, if clients is set, its clients
// (printing CLOSED). Called with mu held.
func (s *Sim) stopServer(clients bool) {
	srv := s.srv
	if srv == nil {
		return
	}
	s.srv = nil
	srv.cancel()
	// Close the listener now, not after the reply is queued: a host that
	// dials the port once it has read OK must be refused, as on a modem.
	// Listener.Close does not block on the network.
	srv.ln.Close()
	if !clients {
		return
	}
	for _, l := range s.links {
		if l != nil && l.server {
			s.dropLink(l, true)
		}
	}
}

// acceptLoop gives each accepted client the lowest free link id and
// announces it, or closes it when CIPSERVERMAXCONN or all ids are taken.
func (s *Sim) acceptLoop(srv *server) {
	defer s.wg.Done()
	for {
		conn, err := srv.ln.Accept()
		if err != nil {
			return
		}
		if srv.tls != nil {
			if conn = s.serverHandshake(srv, conn); conn == nil {
				continue
			}
		}
		s.mu.Lock()
		s.accepted(srv, conn)
		s.unlock()
	}
}

// serverHandshake runs the TLS server handshake (10 s limit, as the
// modem's per-packet SSL timeout); nil means it failed.
func (s *Sim) serverHandshake(srv *server, conn net.Conn) net.Conn {
	ctx, cancel := context.WithTimeout(srv.ctx, 10*time.Second)
	defer cancel()
	tc := tls.Server(conn, srv.tls)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil
	}
	return tc
}

// accepted installs an accepted client. Called with mu held.
func (s *Sim) accepted(srv *server, conn net.Conn) {
	id := s.lowestFree()
	if s.srv != srv || s.closed || id < 0 || s.serverClients() >= s.st.maxconn {
		s.toClose = append(s.toClose, conn)
		return
	}
	l := newLink(id, srv.typ)
	l.conn, l.server = conn, true
	l.remote = addrPort(conn.RemoteAddr())
	l.lport = int(addrPort(conn.LocalAddr()).Port())
	s.install(l)
}

func (s *Sim) serverClients() int {
	n := 0
	for _, l := range s.links {
		if l != nil && l.server && !l.reported {
			n++
		}
	}
	return n
}

// cmdCIPSERVERMAXCONN handles AT+CIPSERVERMAXCONN=<1..5> (before
// CIPSERVER) and its query.
func cmdCIPSERVERMAXCONN(s *Sim, c *command) error {
	if c.form == formSet && s.srv != nil {
		return errOp
	}
	return intSetting(c, &s.st.maxconn, 1, maxLinks, s.emitf)
}

// cmdCIPSTO handles AT+CIPSTO=<0..7200> (server clients' idle timeout in
// seconds, 0 = never) and its query.
func cmdCIPSTO(s *Sim, c *command) error {
	err := intSetting(c, &s.st.sto, 0, 7200, s.emitf)
	if err == nil && c.form == formSet {
		for _, l := range s.links {
			if l != nil && l.server {
				l.conn.SetReadDeadline(time.Now()) // re-arm with the new timeout
			}
		}
	}
	return err
}

// armIdle sets the read deadline of a server client to its idle timeout;
// false means the link was dropped. The deadline is set under mu, so it
// cannot undo the wake-up deadline of dropLink.
func (s *Sim) armIdle(l *link) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l.closed {
		return false
	}
	if l.server {
		var t time.Time
		if s.st.sto > 0 {
			t = l.last.Add(time.Duration(s.st.sto) * time.Second)
		}
		l.conn.SetReadDeadline(t)
	}
	return true
}

// idleExpired reports whether a server client has been idle for the
// CIPSTO timeout. Called with mu held.
func (s *Sim) idleExpired(l *link) bool {
	return l.server && s.st.sto > 0 && time.Since(l.last) >= time.Duration(s.st.sto)*time.Second
}

// ServerAddr returns the address the CIPSERVER listener is bound to, or
// nil when no server runs. Tests use it to reach a server started with an
// injected Config.Listen.
func (s *Sim) ServerAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return nil
	}
	return s.srv.ln.Addr()
}
