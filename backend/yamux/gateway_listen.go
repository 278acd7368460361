package yamux

import (
	"net"
	"net/netip"
	"sync/atomic"
)

// serveListen listens on the gateway's network for the device, if policy
// and limits allow. The listen stream lives as long as the listener.
func (s *gwSession) serveListen(e *entry, req request) {
	if int(s.listeners.Add(1)) > s.maxListeners() {
		s.listeners.Add(-1)
		s.log.Warn("listener limit reached", "limit", s.maxListeners())
		s.reply(e, stLimit, nil)
		return
	}
	defer s.listeners.Add(-1)
	network, addr := netName(req.network), string(req.payload)
	_, port, _ := splitHostPort(addr) // validated by the decoder
	if !s.g.pol.allowListen(port) {
		s.log.Warn("denied", "op", "listen", "network", network, "addr", addr)
		s.reply(e, stDenied, nil)
		return
	}
	if isPacketNet(req.network) {
		s.serveListenPacket(e, network, addr)
		return
	}
	ln, err := s.g.listen(s.ctx, network, addr)
	if err != nil {
		s.log.Debug("listen failed", "network", network, "addr", addr, "err", err)
		s.reply(e, statusOf(err), nil)
		return
	}
	s.runListener(e, ln, req.network)
}

// runListener replies with the bound address, accepts connections for
// the device, and stops when the device closes the listen stream.
func (s *gwSession) runListener(e *entry, ln net.Listener, netc uint8) {
	var stopping atomic.Bool
	stop := func(error) {
		stopping.Store(true)
		ln.Close()
	}
	local := addrPortOf(ln.Addr())
	if e.attach(stop) != nil || s.reply(e, stOK, appendAddr(appendAddr(nil, local), netip.AddrPort{})) != nil {
		stop(nil)
		return
	}
	s.log.Info("listening", "addr", local)
	done := make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(done)
		s.acceptReverse(e, ln, netc, &stopping)
	}()
	var b [1]byte
	e.st.Read(b[:]) // returns at the device's FIN, a reset or the session's end
	stop(nil)
	<-done
	s.log.Info("listener closed", "addr", local)
}

// acceptReverse opens a stream toward the device for each connection ln
// accepts. If ln fails on its own, the device is told with a status.
func (s *gwSession) acceptReverse(e *entry, ln net.Listener, netc uint8, stopping *atomic.Bool) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if !stopping.Load() {
				s.reply(e, statusOf(err), nil)
				e.st.Close()
			}
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.reverse(e.id, netc, c)
		}()
	}
}

// reverse carries one accepted connection to the device.
func (s *gwSession) reverse(lid uint32, netc uint8, c net.Conn) {
	if int(s.streams.Add(1)) > s.maxStreams() {
		s.streams.Add(-1)
		s.log.Warn("stream limit reached; connection dropped", "remote", c.RemoteAddr())
		c.Close()
		return
	}
	st, err := s.mux.OpenStream()
	if err != nil {
		s.streams.Add(-1)
		c.Close()
		return
	}
	e := s.reg.add(st)
	defer s.streamDone(e)
	addrs := appendAddr(appendAddr(nil, addrPortOf(c.LocalAddr())), addrPortOf(c.RemoteAddr()))
	hdr := appendRequest(nil, request{op: opAccept, network: netc, arg: lid, payload: addrs})
	if _, err := st.Write(hdr); err != nil {
		e.abort(err)
		c.Close()
		return
	}
	s.proxy(e, c)
}
