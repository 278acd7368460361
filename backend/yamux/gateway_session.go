package yamux

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	hyamux "github.com/hashicorp/yamux"
)

// gwSession is one authenticated link on the gateway.
type gwSession struct {
	g *Gateway
	muxSession
	log *slog.Logger

	ctx    context.Context // canceled when the session ends
	cancel context.CancelFunc

	ctlMu sync.Mutex
	ctl   *control

	finAck bool // the device asked for FINACKs

	streams   atomic.Int32 // live streams, reverse ones included
	listeners atomic.Int32
	wg        sync.WaitGroup // every goroutine of the session
}

// serveSession runs yamux over an authenticated link until it ends.
// finAck sends FINACKs to the device.
func (g *Gateway) serveSession(link io.ReadWriteCloser, log *slog.Logger, finAck bool) error {
	s := &gwSession{g: g, muxSession: muxSession{reg: newRegistry(true)}, log: log, finAck: finAck}
	fl := newFrameLink(link, s.fail)
	s.link = fl
	mux, err := hyamux.Server(fl, g.mux.yamuxConfig(log))
	if err != nil {
		link.Close()
		return err
	}
	s.mux = mux
	s.ctx, s.cancel = context.WithCancel(context.Background())
	log.Info("session up")
	g.mu.Lock()
	g.sessions[s] = struct{}{}
	g.mu.Unlock()
	g.mux.startKeepalive(mux, fl, s.end, &s.wg, log)
	s.startCompact(&s.wg)
	s.acceptLoop()
	s.cancel()
	s.end()
	s.wg.Wait()
	g.mu.Lock()
	delete(g.sessions, s)
	g.mu.Unlock()
	log.Info("session down")
	return nil
}

// acceptLoop serves each stream the device opens in its own goroutine.
func (s *gwSession) acceptLoop() {
	for {
		st, err := s.mux.AcceptStream()
		if err != nil {
			return
		}
		e := s.reg.add(st)
		s.streams.Add(1)
		s.wg.Add(1)
		go s.serveStream(e)
	}
}

// streamDone releases a stream's slot once its handler is finished.
func (s *gwSession) streamDone(e *entry) {
	e.fin()
	s.reg.remove(e)
	s.streams.Add(-1)
}

// serveStream reads the request header and dispatches on its op.
func (s *gwSession) serveStream(e *entry) {
	defer s.wg.Done()
	defer s.streamDone(e)
	e.setReadDeadline(time.Now().Add(s.g.mux.HandshakeTimeout))
	req, err := readRequest(e.st, s.maxHeader())
	if err != nil {
		if err == errBadRequest {
			s.log.Warn("malformed request", "stream", e.id)
			s.reply(e, stBadRequest, nil)
		}
		return
	}
	e.setReadDeadline(time.Time{})
	if int(s.streams.Load()) > s.maxStreams() && req.op != opControl {
		s.log.Warn("stream limit reached", "op", opName(req.op), "limit", s.maxStreams())
		s.reply(e, stLimit, nil)
		return
	}
	switch req.op {
	case opControl:
		s.serveControl(e)
	case opDial:
		s.serveDial(e, req)
	case opListen:
		s.serveListen(e, req)
	case opResolve:
		s.serveResolve(e, req)
	default:
		s.log.Warn("unexpected request", "op", opName(req.op))
		s.reply(e, stBadRequest, nil)
	}
}

// serveControl runs the session's control stream; its end ends the
// session.
func (s *gwSession) serveControl(e *entry) {
	s.ctlMu.Lock()
	dup := s.ctl != nil
	if !dup {
		s.ctl = newControl(e.st)
	}
	s.ctlMu.Unlock()
	if dup {
		s.reply(e, stBadRequest, nil)
		return
	}
	if s.reply(e, stOK, nil) != nil {
		close(s.ctl.exited) // nobody waits for run
		return
	}
	s.ctl.run(s.reg)
	s.end()
}

// reply writes a reply header to e's stream.
func (s *gwSession) reply(e *entry, status uint8, body []byte) error {
	_, err := e.st.Write(appendReply(nil, status, body))
	return err
}

// reset aborts e here and asks the device to abort its end with status.
func (s *gwSession) reset(e *entry, status uint8) {
	ctl := s.control()
	if e.aborted() == nil && ctl != nil && s.alive() {
		ctl.sendReset(e.id, status)
	}
	e.abort(statusError(status))
}

// finAcked tells the device, if it asked, that e's bytes up to its FIN
// have been passed on.
func (s *gwSession) finAcked(e *entry) {
	if ctl := s.control(); s.finAck && ctl != nil && s.alive() {
		ctl.sendFinAck(e.id)
	}
}

func (s *gwSession) control() *control {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	return s.ctl
}

// serveResolve answers a name lookup with the gateway's resolver.
func (s *gwSession) serveResolve(e *entry, req request) {
	ctx, cancel := context.WithTimeout(s.ctx, DefaultOpenTimeout)
	defer cancel()
	addrs, err := s.g.resolve(ctx, netName(req.network), string(req.payload))
	if err != nil {
		s.log.Debug("lookup failed", "host", string(req.payload), "err", err)
		s.reply(e, statusOf(err), nil)
		return
	}
	var body []byte
	for _, a := range addrs {
		if len(body)+maxAddrSize > maxReplyBody {
			break
		}
		body = appendAddr(body, netip.AddrPortFrom(a, 0))
	}
	s.reply(e, stOK, body)
}

func (s *gwSession) maxStreams() int   { return orDefault(s.g.MaxStreams, DefaultMaxStreams) }
func (s *gwSession) maxListeners() int { return orDefault(s.g.MaxListeners, DefaultMaxListeners) }
func (s *gwSession) maxHeader() int {
	return min(orDefault(s.g.MaxHeader, DefaultMaxHeader), 65535)
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

var opNames = [...]string{"", "control", "dial", "listen", "resolve", "accept"}

func opName(op uint8) string {
	if int(op) < len(opNames) {
		return opNames[op]
	}
	return "unknown"
}

// The gateway's own network, with the host's as default.

func (g *Gateway) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if g.Dial != nil {
		return g.Dial(ctx, network, addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func (g *Gateway) listen(ctx context.Context, network, addr string) (net.Listener, error) {
	if g.Listen != nil {
		return g.Listen(ctx, network, addr)
	}
	var lc net.ListenConfig
	return lc.Listen(ctx, network, addr)
}

func (g *Gateway) listenPacket(ctx context.Context, network, addr string) (net.PacketConn, error) {
	if g.ListenPacket != nil {
		return g.ListenPacket(ctx, network, addr)
	}
	var lc net.ListenConfig
	return lc.ListenPacket(ctx, network, addr)
}

func (g *Gateway) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if g.Resolve != nil {
		return g.Resolve(ctx, network, host)
	}
	return net.DefaultResolver.LookupNetIP(ctx, network, host)
}

// errDenied is what a policy refusal reports.
var errDenied = errors.New("denied by policy")
