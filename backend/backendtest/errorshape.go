package backendtest

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"
)

func (s *suite) errors(t *testing.T) {
	t.Run("ReadTimeout", s.readTimeout)
	t.Run("WriteTimeout", s.writeTimeout)
	t.Run("UnknownNetwork", s.unknownNetwork)
	t.Run("MalformedAddress", s.malformedAddress)
	t.Run("UnknownHost", s.unknownHost)
	t.Run("DialEndedContext", s.dialEndedContext)
}

func (s *suite) readTimeout(t *testing.T) {
	h := s.start(t)
	client, server := h.pair(h.listen())
	for _, c := range []net.Conn{client, server} {
		if err := c.SetReadDeadline(aLongTimeAgo); err != nil {
			t.Fatalf("SetReadDeadline: %v", err)
		}
		n, err := c.Read(make([]byte, 8))
		if n != 0 {
			t.Errorf("Read with a past deadline returned %d bytes", n)
		}
		checkTimeout(t, "Read with a past deadline", err, "read", tcp)
	}
}

// writeTimeout fills the conn while the peer reads nothing until the
// write deadline passes.
func (s *suite) writeTimeout(t *testing.T) {
	h := s.start(t)
	client, _ := h.pair(h.listen())
	if err := client.SetWriteDeadline(aLongTimeAgo); err != nil {
		t.Fatalf("SetWriteDeadline: %v", err)
	}
	_, err := client.Write([]byte("x"))
	checkTimeout(t, "Write with a past deadline", err, "write", tcp)

	if err := client.SetWriteDeadline(time.Now().Add(shortWait)); err != nil {
		t.Fatalf("SetWriteDeadline: %v", err)
	}
	_, err = h.fill(client)
	checkTimeout(t, "Write to a peer that reads nothing, past the deadline", err, "write", tcp)
}

// fill writes to c, whose peer must read nothing, until a Write fails or
// more than MaxInFlight bytes went (then it fails the test: memory is
// unbounded). It returns how many bytes were accepted and the error.
func (h *harness) fill(c net.Conn) (int, error) {
	h.t.Helper()
	chunk := make([]byte, 64<<10)
	total := 0
	for total <= h.env.MaxInFlight {
		n, err := c.Write(chunk)
		total += n
		if err != nil {
			return total, err
		}
	}
	h.t.Fatalf("Write accepted %d bytes while the peer read nothing (Env.MaxInFlight %d): memory is not bounded",
		total, h.env.MaxInFlight)
	return total, nil
}

var unknownNetworks = []string{"unix", "ip4:icmp", ""}

func (s *suite) unknownNetwork(t *testing.T) {
	h := s.start(t)
	for _, network := range unknownNetworks {
		_, err := h.env.Dialer.DialContext(h.ctx, network, "127.0.0.1:1")
		checkUnknownNetwork(t, "Dial", err, "dial", network)
	}
	for _, network := range append(unknownNetworks, udp) {
		_, err := h.env.ListenConfig.Listen(h.ctx, network, "127.0.0.1:0")
		checkUnknownNetwork(t, "Listen", err, "listen", network)
	}
	for _, network := range append(unknownNetworks, tcp) {
		_, err := h.env.ListenConfig.ListenPacket(h.ctx, network, "127.0.0.1:0")
		checkUnknownNetwork(t, "ListenPacket", err, "listen", network)
	}
}

func checkUnknownNetwork(t *testing.T, call string, err error, op, network string) {
	t.Helper()
	what := call + "(" + strconv.Quote(network) + ")"
	checkOpError(t, what, err, op, network)
	var une net.UnknownNetworkError
	if err != nil && !errors.As(err, &une) {
		t.Errorf("%s: error %q does not wrap net.UnknownNetworkError", what, err)
	}
}

var malformedAddrs = []string{"nohost", "127.0.0.1:99999", "[::1", "127.0.0.1:-1"}

func (s *suite) malformedAddress(t *testing.T) {
	h := s.start(t)
	for _, addr := range malformedAddrs {
		_, err := h.env.Dialer.DialContext(h.ctx, tcp, addr)
		checkAddrError(t, "Dial("+strconv.Quote(addr)+")", err, "dial", tcp)
		_, err = h.env.ListenConfig.Listen(h.ctx, tcp, addr)
		checkAddrError(t, "Listen("+strconv.Quote(addr)+")", err, "listen", tcp)
		_, err = h.env.ListenConfig.ListenPacket(h.ctx, udp, addr)
		checkAddrError(t, "ListenPacket("+strconv.Quote(addr)+")", err, "listen", udp)
	}
}

func checkAddrError(t *testing.T, what string, err error, op, network string) {
	t.Helper()
	checkOpError(t, what, err, op, network)
	var ae *net.AddrError
	if err != nil && !errors.As(err, &ae) {
		t.Errorf("%s: error %q does not wrap a *net.AddrError", what, err)
	}
}

func (s *suite) unknownHost(t *testing.T) {
	h := s.start(t)
	_, err := h.env.Dialer.DialContext(h.ctx, tcp, "no-such-host.invalid:80")
	checkOpError(t, "Dial to an unknown host", err, "dial", tcp)
	var de *net.DNSError
	if err != nil && (!errors.As(err, &de) || !de.IsNotFound) {
		t.Errorf("Dial to an unknown host: error %q is not a *net.DNSError with IsNotFound", err)
	}
}

// dialEndedContext: a dial whose context has already ended fails, even to
// a listening address, as net.Dialer does.
func (s *suite) dialEndedContext(t *testing.T) {
	h := s.start(t)
	l := h.listen()
	ctx, cancel := context.WithDeadline(h.ctx, aLongTimeAgo)
	defer cancel()
	c, err := h.env.Dialer.DialContext(ctx, tcp, l.Addr().String())
	if err == nil {
		c.Close()
		t.Errorf("Dial with an expired context succeeded")
	} else {
		checkTimeout(t, "Dial with an expired context", err, "dial", tcp)
	}
	ctx, cancel = context.WithCancel(h.ctx)
	cancel()
	c, err = h.env.Dialer.DialContext(ctx, tcp, l.Addr().String())
	if err == nil {
		c.Close()
		t.Errorf("Dial with a canceled context succeeded")
	} else {
		checkIs(t, "Dial with a canceled context", err, "dial", tcp, context.Canceled)
	}
}
