package loopback_test

import (
	"testing"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/backendtest"
	"github.com/netoffload/offload/backend/loopback"
)

// factory returns a backendtest.Factory over a fresh loopback Network
// with cfg, listening on addr for both streams and datagrams.
func factory(cfg loopback.Config, addr string) backendtest.Factory {
	return func(t *testing.T) backendtest.Env {
		n := loopback.New(cfg)
		t.Cleanup(func() { n.Close() })
		return backendtest.Env{
			Dialer:       &offload.Dialer{Backend: n},
			ListenConfig: &offload.ListenConfig{Backend: n},
			StreamAddr:   addr,
			PacketAddr:   addr,
		}
	}
}

func TestConformance(t *testing.T) {
	t.Run("Direct", func(t *testing.T) {
		backendtest.Run(t, factory(loopback.Config{}, "127.0.0.1:0"))
	})
	t.Run("Shaped", func(t *testing.T) {
		backendtest.Run(t, factory(loopback.Config{ShapeAll: true}, "127.0.0.1:0"))
	})
	t.Run("IPv6", func(t *testing.T) {
		backendtest.Run(t, factory(loopback.Config{}, "[::1]:0"))
	})
}
