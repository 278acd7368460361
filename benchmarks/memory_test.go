package benchmarks

import (
	"context"
	"io"
	"net"
	"runtime"
	"testing"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/loopback"
)

// idleConns is how many connections BenchmarkIdleConn holds open.
const idleConns = 10000

// BenchmarkIdleConn measures the heap held per open, idle loopback
// connection (dialer end plus acceptor end), with 10,000 of them open:
// fresh ones, and ones that carried a 1 KiB exchange before going idle.
func BenchmarkIdleConn(b *testing.B) {
	for _, used := range []bool{false, true} {
		name := "fresh"
		if used {
			name = "after-1KiB"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				b.ReportMetric(heapPerConn(b, used), "B/conn")
			}
		})
	}
}

func heapPerConn(b *testing.B, used bool) float64 {
	n := loopback.New(loopback.Config{})
	defer n.Close()
	ln, err := (&offload.ListenConfig{Backend: n, Backlog: idleConns}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	d := &offload.Dialer{Backend: n}
	before := heapInUse()
	conns := make([]net.Conn, 0, 2*idleConns)
	msg := make([]byte, 1024)
	for range idleConns {
		c1, err := d.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		c2, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		if used {
			exchange(b, c1, c2, msg)
		}
		conns = append(conns, c1, c2)
	}
	after := heapInUse()
	for _, c := range conns {
		c.Close()
	}
	return float64(after-before) / idleConns
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
