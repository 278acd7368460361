package backendtest

import (
	"testing"

	"github.com/netoffload/offload"
)

// Env is one fresh environment of the backend under test, made by a
// Factory for each subtest.
type Env struct {
	// Dialer dials through the backend under test.
	Dialer *offload.Dialer
	// ListenConfig listens through the backend under test.
	ListenConfig *offload.ListenConfig
	// StreamAddr is the address to Listen on for stream tests, e.g.
	// "127.0.0.1:0". The listener's Addr must be dialable by Dialer.
	StreamAddr string
	// PacketAddr is the address for ListenPacket, e.g. "127.0.0.1:0";
	// "" means the backend has no datagram sockets, and the suite checks
	// that ListenPacket fails cleanly instead of running the datagram tests.
	PacketAddr string
	// MaxConns is how many stream conns (both ends counted) the backend
	// can hold open at once; 0 means no limit worth testing.
	MaxConns int
	// NoHalfClose says CloseWrite is unsupported: the suite checks that it
	// returns an error satisfying errors.Is(err, errors.ErrUnsupported).
	NoHalfClose bool
}

// Factory returns a fresh Env. It registers its own cleanup with t.Cleanup.
type Factory func(t *testing.T) Env
