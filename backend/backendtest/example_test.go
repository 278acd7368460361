package backendtest_test

import (
	"testing"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/backendtest"
)

// A backend's conformance test, as a vendor writes it in their own
// module: a Factory builds a fresh backend for every subtest and
// describes it in an Env. Here the backend is this package's in-memory
// test fake; call the function from a TestXxx function.
func ExampleRun() {
	conformance := func(t *testing.T) {
		backendtest.Run(t, func(t *testing.T) backendtest.Env {
			b := newFakeNet() // your backend.Backend
			return backendtest.Env{
				Dialer:       &offload.Dialer{Backend: b},
				ListenConfig: &offload.ListenConfig{Backend: b},
				StreamAddr:   "127.0.0.1:0",
				PacketAddr:   "127.0.0.1:0",
			}
		})
	}
	_ = conformance // func TestConformance(t *testing.T) { conformance(t) }
}
