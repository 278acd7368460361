// Package backendtest is the conformance suite for offload backends: the
// properties every backend.Backend must have so that the net.Conn,
// net.Listener and net.PacketConn values package offload builds on it
// behave like kernel sockets.
//
// Run covers golang.org/x/net/nettest.TestConn over Dialer/Listener pairs
// and what nettest lacks: Listener behaviour (Accept blocks; Close and
// deadlines unblock it; ECONNREFUSED, EADDRINUSE), datagram sockets
// (message boundaries, truncation, source addresses, deadlines, Close,
// connected conns, EMSGSIZE), half-close, error shapes (*net.OpError
// around standard sentinels, timeouts, unknown networks, malformed
// addresses, unknown hosts), the result of every method after Close on
// both ends, addresses, many concurrent conns, a checksummed bulk
// transfer to a slow reader with bounded memory, and the io.ReaderFrom /
// io.WriterTo paths. Every part is a subtest, so a failure names the
// property that broke.
//
// # Usage
//
// A backend, in this module or a vendor's own, runs the suite from a
// _test.go file with a Factory that builds a fresh instance per subtest:
//
//	func TestConformance(t *testing.T) {
//		backendtest.Run(t, func(t *testing.T) backendtest.Env {
//			b := mybackend.New(mybackend.Config{})
//			t.Cleanup(func() { b.Close() })
//			return backendtest.Env{
//				Dialer:       &offload.Dialer{Backend: b},
//				ListenConfig: &offload.ListenConfig{Backend: b},
//				StreamAddr:   "127.0.0.1:0",
//				PacketAddr:   "127.0.0.1:0", // "" if it has no datagrams
//			}
//		})
//	}
//
// Env fields describe what the backend cannot do (no half-close, no
// datagrams, few sockets) and scale the tests for slow media (BulkSize,
// HangTimeout); their zero values suit an in-memory backend.
//
// # Conduct
//
// The suite is deterministic: no sleeps, no timing assertions. Deadlines
// serve only to end waits, and a hang guard per subtest (Env.HangTimeout)
// fails the subtest with a goroutine dump and closes its conns instead of
// hanging. Every goroutine the suite starts ends before its subtest does,
// so the suite can run under go.uber.org/goleak. It sends traffic only
// through the backend under test, to the addresses the Env names.
package backendtest
