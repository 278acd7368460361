package backendtest

import (
	"net"
	"testing"

	"golang.org/x/net/nettest"
)

// netTest runs nettest.TestConn twice: with the dialing end as c1 and with
// the accepting end as c1, since backends often treat the two differently.
func (s *suite) netTest(t *testing.T) {
	t.Run("ClientFirst", func(t *testing.T) {
		h := s.start(t)
		nettest.TestConn(t, h.makePipe(false))
	})
	t.Run("ServerFirst", func(t *testing.T) {
		h := s.start(t)
		nettest.TestConn(t, h.makePipe(true))
	})
}

// makePipe returns a nettest.MakePipe that listens on StreamAddr, dials
// the listener's Addr and accepts. stop closes both conns and the
// listener.
func (h *harness) makePipe(serverFirst bool) nettest.MakePipe {
	return func() (c1, c2 net.Conn, stop func(), err error) {
		l, err := h.env.ListenConfig.Listen(h.ctx, tcp, h.env.StreamAddr)
		if err != nil {
			return nil, nil, nil, err
		}
		h.track(l)
		client, server, err := h.connect(l)
		if err != nil {
			l.Close()
			return nil, nil, nil, err
		}
		stop = func() {
			client.Close()
			server.Close()
			l.Close()
		}
		if serverFirst {
			return server, client, stop, nil
		}
		return client, server, stop, nil
	}
}
