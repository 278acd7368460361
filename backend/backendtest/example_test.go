package backendtest_test

import (
	"testing"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/backendtest"
	"github.com/netoffload/offload/backend/loopback"
)

// A backend's conformance test, as a vendor writes it in their own
// module: a Factory builds a fresh backend for every subtest, registers
// its cleanup, and describes it in an Env. Here the backend is the
// loopback network; put the body in a TestXxx function.
func ExampleRun() {
	conformance := func(t *testing.T) {
		backendtest.Run(t, func(t *testing.T) backendtest.Env {
			b := loopback.New(loopback.Config{}) // your backend.Backend
			t.Cleanup(func() { b.Close() })
			return backendtest.Env{
				Dialer:       &offload.Dialer{Backend: b},
				ListenConfig: &offload.ListenConfig{Backend: b},
				StreamAddr:   "127.0.0.1:0",
				PacketAddr:   "127.0.0.1:0", // "" without datagram sockets
			}
		})
	}
	_ = conformance // func TestConformance(t *testing.T) { conformance(t) }
}
