package benchmarks

import (
	"context"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/loopback"
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
				b.ReportMetric(heapPerConn(b, v.conns, v.bytes, v.reading), "B/conn")
			}
		})
	}
}

// heapPerConn opens conns connections, sends size bytes each way over
// each, parks a Read on each end if reading, and returns the heap they
// hold per connection.
func heapPerConn(b *testing.B, conns, size int, reading bool) float64 {
	n := loopback.New(loopback.Config{})
	defer n.Close()
	ln, err := (&offload.ListenConfig{Backend: n, Backlog: conns}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	d := &offload.Dialer{Backend: n}
	before := heapInUse()
	open := make([]net.Conn, 0, 2*conns)
	msg := make([]byte, min(size, 32<<10))
	for range conns {
		c1, err := d.Dial("tcp", ln.Addr().String())
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
