package yamux

import (
	"context"
	"net"
	"testing"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/backendtest"
	"github.com/netoffload/offload/backend/loopback"
)

// TestConformance runs the backend conformance suite over each kind of
// link. Both ends of every stream pair are device conns: one dialed, one
// accepted by a listener the gateway opened on 127.0.0.1.
func TestConformance(t *testing.T) {
	for _, kind := range linkKinds {
		t.Run(kind, func(t *testing.T) {
			backendtest.Run(t, func(t *testing.T) backendtest.Env {
				return suiteEnv(newEnv(t, kind, cappedHostGateway(), nil))
			})
		})
	}
}

// TestConformanceChained runs the suite with a gateway whose own network
// is an in-memory loopback network, as a chained gateway's is: its relays
// then move bytes between yamux streams and offload conns through the
// conns' ReadFrom and WriteTo.
func TestConformanceChained(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backendtest.Env {
		far := loopback.New(loopback.Config{})
		t.Cleanup(func() { far.Close() })
		g := &Gateway{AllowAll: true,
			Dial:         (&offload.Dialer{Backend: far}).DialContext,
			Listen:       (&offload.ListenConfig{Backend: far}).Listen,
			ListenPacket: (&offload.ListenConfig{Backend: far}).ListenPacket}
		return suiteEnv(newEnv(t, linkPipe, g, nil))
	})
}

// suiteEnv is the conformance environment of a test client: device
// conns on both ends, listeners opened by the gateway on 127.0.0.1.
func suiteEnv(e *env) backendtest.Env {
	return backendtest.Env{
		Dialer:       &offload.Dialer{Backend: e.b},
		ListenConfig: &offload.ListenConfig{Backend: e.b},
		StreamAddr:   "127.0.0.1:0",
		PacketAddr:   "127.0.0.1:0",
	}
}

// hostSocketBuffer caps the kernel buffers of the sockets the conformance
// gateway opens on the host.
const hostSocketBuffer = 256 << 10

// cappedHostGateway returns a gateway on the host's network whose TCP
// sockets have fixed kernel buffers. The suite's bulk test checks that a
// writer whose peer reads nothing is stopped before Env.MaxInFlight
// (16 MiB); between the two device conns lie two host sockets, and with
// autotuning a receive buffer may grow to net.ipv4.tcp_rmem's maximum,
// 32 MiB on some hosts, so without a cap the bound would be the host's
// and not the backend's.
func cappedHostGateway() *Gateway {
	var d net.Dialer
	var lc net.ListenConfig
	return &Gateway{
		AllowAll: true,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err == nil {
				capBuffers(c)
			}
			return c, err
		},
		Listen: func(ctx context.Context, network, addr string) (net.Listener, error) {
			ln, err := lc.Listen(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return cappedListener{ln}, nil
		},
	}
}

func capBuffers(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetReadBuffer(hostSocketBuffer)
		tc.SetWriteBuffer(hostSocketBuffer)
	}
}

// cappedListener caps the buffers of the conns it accepts.
type cappedListener struct{ net.Listener }

func (l cappedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		capBuffers(c)
	}
	return c, err
}
