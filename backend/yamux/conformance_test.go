package yamux

import (
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
				return suiteEnv(newEnv(t, kind, nil, nil))
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
