package backendtest

import (
	"net"
	"testing"

	"golang.org/x/net/nettest"
)

// netTest runs nettest.TestConn twice: with the dialing end as c1 and with
// the accepting end as c1, since backends often treat the two differently.
func (s *suite) netTest(t *testing.T) {
	t.Run("ClientFirst", func(t *testing.T) { nettest.TestConn(t, makePipe(t, checkEnv(t, s.f), false)) })
	t.Run("ServerFirst", func(t *testing.T) { nettest.TestConn(t, makePipe(t, checkEnv(t, s.f), true)) })
}

// makePipe returns a nettest.MakePipe that listens on StreamAddr, dials
// the listener's Addr and accepts. Each pipe has its own harness, so its
// hang guard covers one nettest subtest: stop closes both conns and the
// listener and disarms the guard.
func makePipe(t *testing.T, env Env, serverFirst bool) nettest.MakePipe {
	return func() (c1, c2 net.Conn, stop func(), err error) {
		h := newHarness(t, env)
		l, err := h.env.ListenConfig.Listen(h.ctx, tcp, h.env.StreamAddr)
		if err != nil {
			h.cleanup()
			return nil, nil, nil, err
		}
		h.track(l)
		client, server, err := h.connect(l)
		if err != nil {
			h.cleanup()
			return nil, nil, nil, err
		}
		if serverFirst {
			return server, client, h.cleanup, nil
		}
		return client, server, h.cleanup, nil
	}
}
