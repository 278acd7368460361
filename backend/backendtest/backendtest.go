package backendtest

import (
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend"
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
	// The LocalAddr of a PacketConn listening there must be reachable by
	// WriteTo and by Dialer.Dial("udp", …).
	PacketAddr string
	// MaxConns is how many stream conns (both ends counted) the backend
	// can hold open at once; 0 means no limit worth testing (the
	// concurrency test then opens 100 pairs).
	MaxConns int
	// NoHalfClose says CloseWrite is unsupported: the suite checks that it
	// returns an error satisfying errors.Is(err, errors.ErrUnsupported).
	NoHalfClose bool

	// BulkSize is how many bytes the slow-reader bulk transfer moves;
	// zero or negative means 8 MiB. Lower it for slow media.
	BulkSize int
	// MaxInFlight is the most bytes the backend may accept from a writer
	// whose peer reads nothing (send buffer, medium, receive buffer
	// together); zero or negative means 16 MiB. The suite fails the
	// backend if writes keep succeeding beyond it: memory must be bounded.
	MaxInFlight int
	// MaxDatagram is the largest datagram payload the backend carries;
	// zero or negative means backend.MaxDatagram (65,507 bytes). Larger
	// datagrams must fail with syscall.EMSGSIZE.
	MaxDatagram int
	// HangTimeout bounds every subtest: when it passes, the subtest fails
	// with a goroutine dump and its conns are closed to unblock it. Zero
	// or negative means 30 s. It is a hang guard, never a timing check.
	HangTimeout time.Duration
}

// Defaults used for zero Env fields.
const (
	DefaultBulkSize    = 8 << 20
	DefaultMaxInFlight = 16 << 20
	DefaultHangTimeout = 30 * time.Second
)

// withDefaults returns e with zero fields replaced by their defaults.
func (e Env) withDefaults() Env {
	if e.BulkSize <= 0 {
		e.BulkSize = DefaultBulkSize
	}
	if e.MaxInFlight <= 0 {
		e.MaxInFlight = DefaultMaxInFlight
	}
	if e.MaxDatagram <= 0 || e.MaxDatagram > backend.MaxDatagram {
		e.MaxDatagram = backend.MaxDatagram
	}
	if e.HangTimeout <= 0 {
		e.HangTimeout = DefaultHangTimeout
	}
	return e
}

// Factory returns a fresh Env. It registers its own cleanup with t.Cleanup.
// Every Env it returns must have the same settings (PacketAddr,
// NoHalfClose, …); only the backend instance is new.
type Factory func(t *testing.T) Env

// Run runs the conformance suite against the backend that f provides,
// each part as a subtest of t:
//
//   - NetTest: golang.org/x/net/nettest.TestConn over Dialer/Listener
//     pairs, with either end as the first conn.
//   - Listener: Accept blocks until a dial; Close and deadlines unblock
//     it; addresses; ECONNREFUSED and EADDRINUSE.
//   - Packet: message boundaries, truncation, source addresses,
//     deadlines, Close, connected datagram conns (dialed, and bound
//     first, as with a Dialer's LocalAddr), EMSGSIZE (or, without
//     datagram support, a clean ListenPacket error).
//   - HalfClose: CloseWrite and CloseRead.
//   - Errors: *net.OpError shapes, timeouts, unknown networks, malformed
//     addresses, unknown hosts, dials with an ended context.
//   - AfterClose: every method after Close, on both ends, and the peer.
//   - Addr: local and remote addresses on both ends.
//   - Concurrency: many conns echoing checksummed data at once.
//   - Bulk: a checksummed transfer to a slow reader with bounded memory.
//   - Copy: io.ReaderFrom and io.WriterTo paths.
func Run(t *testing.T, f Factory) {
	t.Helper()
	s := &suite{f: f, probe: checkEnv(t, f)}
	t.Run("NetTest", s.netTest)
	t.Run("Listener", s.listener)
	t.Run("Packet", s.packet)
	t.Run("HalfClose", s.halfClose)
	t.Run("Errors", s.errors)
	t.Run("AfterClose", s.afterClose)
	t.Run("Addr", s.addr)
	t.Run("Concurrency", s.concurrency)
	t.Run("Bulk", s.bulk)
	t.Run("Copy", s.copy)
}

// suite carries the Factory and the settings of its first Env.
type suite struct {
	f     Factory
	probe Env
}

// checkEnv makes one Env to learn the settings, failing the test if it
// cannot be used.
func checkEnv(t *testing.T, f Factory) Env {
	env := f(t)
	if env.Dialer == nil || env.ListenConfig == nil {
		t.Fatal("Factory returned an Env without Dialer or ListenConfig")
	}
	if env.StreamAddr == "" {
		t.Fatal("Factory returned an Env without StreamAddr")
	}
	return env.withDefaults()
}
