package benchmarks

import (
	"context"
	"io"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/loopback"
	"github.com/netoffload/offload/backend/yamux"
	"github.com/netoffload/offload/internal/testnet"
)

// idleConns is how many connections BenchmarkIdleConn holds open.
const idleConns = 10000

// BenchmarkIdleConn measures the heap held per open, idle loopback
// connection (dialer end plus acceptor end): 10,000 fresh ones, 10,000
// that carried a 1 KiB exchange before going idle, and 1,000 that carried
// 1 MiB each way. Blocks grow with the traffic, and a ring keeps its
// current block until a reader waits on it: after-1MiB leaves the conns
// with nobody reading, after-1MiB-reading with a Read parked on each end,
// as a server's conns have.
func BenchmarkIdleConn(b *testing.B) {
	for _, v := range []struct {
		name    string
		conns   int
		bytes   int
		reading bool
	}{
		{"fresh", idleConns, 0, false},
		{"after-1KiB", idleConns, 1 << 10, false},
		{"after-1MiB", idleConns / 10, 1 << 20, false},
		{"after-1MiB-reading", idleConns / 10, 1 << 20, true},
	} {
		b.Run(v.name, func(b *testing.B) {
			for range b.N {
				b.ReportMetric(heapPerConn(b, loopbackEnds, v.conns, v.bytes, v.reading), "B/conn")
			}
		})
	}
	// The same through a yamux client and gateway over a net.Pipe link:
	// the device conn, its stream at both ends, the gateway's conn to a
	// loopback network and that conn's peer. The conns are measured after
	// 2 s idle: a yamux session hands back its streams' empty receive
	// buffers once a second.
	b.Run("yamux/after-1KiB-reading", func(b *testing.B) {
		for range b.N {
			b.ReportMetric(heapPerConn(b, yamuxEnds, idleConns/10, 1<<10, true), "B/conn")
		}
	})
	b.Run("yamux/after-1MiB-reading", func(b *testing.B) {
		for range b.N {
			b.ReportMetric(heapPerConn(b, yamuxEnds, idleConns/100, 1<<20, true), "B/conn")
		}
	})
}

// endsFunc returns a dial function, a listener whose accepted conns are
// the dialed conns' far ends, how long the conns are left idle before
// they are measured, and a cleanup.
type endsFunc func(b *testing.B, backlog int) (dial func() (net.Conn, error), ln net.Listener, idle time.Duration, stop func())

// loopbackEnds are the two ends of loopback conns.
func loopbackEnds(b *testing.B, backlog int) (func() (net.Conn, error), net.Listener, time.Duration, func()) {
	n := loopback.New(loopback.Config{})
	ln, err := (&offload.ListenConfig{Backend: n, Backlog: backlog}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	d := &offload.Dialer{Backend: n}
	return func() (net.Conn, error) { return d.Dial("tcp", ln.Addr().String()) }, ln, 0, func() { ln.Close(); n.Close() }
}

// yamuxEnds are device conns of a yamux client, dialed through a gateway
// to a loopback network, and the conns the gateway's dials reached.
func yamuxEnds(b *testing.B, backlog int) (func() (net.Conn, error), net.Listener, time.Duration, func()) {
	y := newYamuxWorld(b, backlog)
	return y.dial, y.ln, 2 * time.Second, y.stop
}

// yamuxWorld is a yamux client joined to a gateway over a net.Pipe link;
// the gateway dials a loopback network, where ln listens.
type yamuxWorld struct {
	far    *loopback.Network
	ln     net.Listener
	g      *yamux.Gateway
	be     *yamux.Backend
	dev    *testnet.Silenceable // the device's end of the link
	served chan struct{}
}

func newYamuxWorld(b *testing.B, backlog int) *yamuxWorld {
	y := &yamuxWorld{far: loopback.New(loopback.Config{}), served: make(chan struct{})}
	ln, err := (&offload.ListenConfig{Backend: y.far, Backlog: backlog}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	y.ln = ln
	y.g = &yamux.Gateway{NoAuth: true, AllowAll: true, Dial: (&offload.Dialer{Backend: y.far}).DialContext,
		Logger: slog.New(slog.DiscardHandler)}
	dev, gw := net.Pipe()
	y.dev = &testnet.Silenceable{Conn: dev}
	go func() { defer close(y.served); y.g.ServeConn(gw) }()
	if y.be, err = yamux.Client(y.dev, &yamux.Config{Logger: slog.New(slog.DiscardHandler)}); err != nil {
		b.Fatal(err)
	}
	return y
}

// dial dials ln from the device.
func (y *yamuxWorld) dial() (net.Conn, error) {
	return (&offload.Dialer{Backend: y.be}).Dial("tcp", y.ln.Addr().String())
}

func (y *yamuxWorld) stop() {
	y.be.Close()
	y.g.Close()
	<-y.served
	y.ln.Close()
	y.far.Close()
}

// heapPerConn opens conns connections between ends, sends size bytes
// each way over each, parks a Read on each end if reading, and returns
// the heap they hold per connection.
func heapPerConn(b *testing.B, ends endsFunc, conns, size int, reading bool) float64 {
	dial, ln, idle, stop := ends(b, conns)
	defer stop()
	before := heapInUse()
	open := make([]net.Conn, 0, 2*conns)
	msg := make([]byte, min(size, 32<<10))
	for range conns {
		c1, err := dial()
		if err != nil {
			b.Fatal(err)
		}
		c2, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		for sent := 0; sent < size; sent += len(msg) {
			exchange(b, c1, c2, msg)
		}
		open = append(open, c1, c2)
	}
	var readers sync.WaitGroup
	if reading {
		for _, c := range open {
			readers.Add(1)
			go parkRead(c, &readers)
		}
		testnet.Parked(b, "benchmarks.parkRead", len(open), time.Minute)
	}
	if idle != 0 {
		time.Sleep(idle) // the idle time being measured, not a synchronisation
	}
	after := heapInUse()
	for _, c := range open {
		c.Close()
	}
	readers.Wait()
	return float64(after-before) / float64(conns)
}

// parkRead waits in Read on c until c is closed.
func parkRead(c net.Conn, done *sync.WaitGroup) {
	defer done.Done()
	var buf [1]byte
	c.Read(buf[:])
}

func exchange(b *testing.B, c1, c2 net.Conn, msg []byte) {
	if _, err := c1.Write(msg); err != nil {
		b.Fatal(err)
	}
	if _, err := io.ReadFull(c2, msg); err != nil {
		b.Fatal(err)
	}
	if _, err := c2.Write(msg); err != nil {
		b.Fatal(err)
	}
	if _, err := io.ReadFull(c1, msg); err != nil {
		b.Fatal(err)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
