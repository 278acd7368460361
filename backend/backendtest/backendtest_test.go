package backendtest_test

import (
	"testing"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/backendtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeFactory returns a Factory for the in-memory fake backend.
func fakeFactory(noHalfClose bool) backendtest.Factory {
	return func(t *testing.T) backendtest.Env {
		n := newFakeNet()
		n.noHalfClose = noHalfClose
		return backendtest.Env{
			Dialer:       &offload.Dialer{Backend: n},
			ListenConfig: &offload.ListenConfig{Backend: n},
			StreamAddr:   "127.0.0.1:0",
			PacketAddr:   "127.0.0.1:0",
			NoHalfClose:  noHalfClose,
		}
	}
}

func TestFakeBackend(t *testing.T) {
	backendtest.Run(t, fakeFactory(false))
}

func TestFakeBackendNoHalfClose(t *testing.T) {
	backendtest.Run(t, fakeFactory(true))
}
