package loopback_test

import (
	"context"
	"net"
	"testing"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/loopback"
	"go.uber.org/goleak"
	"golang.org/x/net/nettest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func pipeMaker(t *testing.T, cfg loopback.Config) nettest.MakePipe {
	return func() (c1, c2 net.Conn, stop func(), err error) {
		n := loopback.New(cfg)
		lc := &offload.ListenConfig{Backend: n}
		ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, nil, err
		}
		d := &offload.Dialer{Backend: n}
		c1, err = d.Dial("tcp", ln.Addr().String())
		if err != nil {
			return nil, nil, nil, err
		}
		c2, err = ln.Accept()
		if err != nil {
			return nil, nil, nil, err
		}
		stop = func() {
			c1.Close()
			c2.Close()
			ln.Close()
			n.Close()
		}
		return c1, c2, stop, nil
	}
}

func TestNettestDirect(t *testing.T) { nettest.TestConn(t, pipeMaker(t, loopback.Config{})) }

func TestNettestShaped(t *testing.T) {
	nettest.TestConn(t, pipeMaker(t, loopback.Config{ShapeAll: true}))
}
