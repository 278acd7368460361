package espat

import (
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/netoffload/offload"
)

// Benchmarks of goodput through a simulated modem. With a paced line
// (baud=921600: 92,160 B/s each way, 8N1) they report goodput as a
// percentage of the line rate (%line); unpaced they show the driver's own
// cost (MB/s). Each op moves b.SetBytes bytes; the timer covers the
// transfer until the far end has received everything.
//
//	go test -run XXX -bench . -benchtime 2s ./backend/espat/

// benchRates are the line rates benchmarked; 0 is an unpaced pipe.
var benchRates = []int{921600, 0}

func BenchmarkUpload(b *testing.B) {
	for _, baud := range benchRates {
		for _, size := range []int{64 << 10, 64} {
			for _, noCoalesce := range []bool{false, true} {
				if noCoalesce && size > 64 {
					continue
				}
				name := "baud=" + strconv.Itoa(baud) + "/write=" + sizeName(size)
				if noCoalesce {
					name += "/per-write-CIPSEND"
				}
				b.Run(name, func(b *testing.B) { benchUpload(b, baud, size, noCoalesce) })
			}
		}
	}
}

func BenchmarkDownload(b *testing.B) {
	for _, baud := range benchRates {
		b.Run("baud="+strconv.Itoa(baud)+"/read=64KiB", func(b *testing.B) { benchDownload(b, baud) })
	}
}

func sizeName(n int) string {
	if n >= 1024 {
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}

// benchModem opens a modem on a line paced at baud (0: unpaced).
func benchModem(b *testing.B, baud int, cfg Config) *Modem {
	scfg := simConfig()
	scfg.Baud = baud
	cfg.Baud = baud
	m, _ := openSim(b, scfg, cfg)
	return m
}

// benchPeer is a TCP peer on the host: it counts what it reads, or writes
// what it is told to.
type benchPeer struct {
	ln   net.Listener
	conn chan net.Conn
	wg   sync.WaitGroup
}

func newBenchPeer(b *testing.B) *benchPeer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	p := &benchPeer{ln: ln, conn: make(chan net.Conn, 1)}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		c, err := ln.Accept()
		if err == nil {
			p.conn <- c
		}
		close(p.conn)
	}()
	b.Cleanup(func() {
		ln.Close()
		if c, ok := <-p.conn; ok {
			c.Close()
		}
		p.wg.Wait()
	})
	return p
}

// dial connects m to the peer and returns both ends.
func (p *benchPeer) dial(b *testing.B, m *Modem) (net.Conn, net.Conn) {
	d := offload.Dialer{Backend: m, Timeout: 20 * time.Second}
	c, err := d.Dial("tcp", p.ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	peer, ok := <-p.conn
	if !ok {
		b.Fatal("peer did not accept")
	}
	p.conn = make(chan net.Conn, 1)
	close(p.conn)
	b.Cleanup(func() { peer.Close() })
	return c, peer
}

func benchUpload(b *testing.B, baud, size int, noCoalesce bool) {
	m := benchModem(b, baud, Config{NoCoalesce: noCoalesce})
	c, peer := newBenchPeer(b).dial(b, m)
	total := int64(b.N) * int64(size)
	got := make(chan error, 1)
	go func() {
		_, err := io.CopyN(io.Discard, peer, total)
		got <- err
	}()
	buf := make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-got; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	reportLine(b, baud, total)
}

func benchDownload(b *testing.B, baud int) {
	const size = 64 << 10
	m := benchModem(b, baud, Config{})
	c, peer := newBenchPeer(b).dial(b, m)
	total := int64(b.N) * size
	sent := make(chan error, 1)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		buf := make([]byte, size)
		var err error
		for i := 0; i < b.N && err == nil; i++ {
			_, err = peer.Write(buf)
		}
		sent <- err
	}()
	if _, err := io.CopyN(io.Discard, c, total); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if err := <-sent; err != nil {
		b.Fatal(err)
	}
	reportLine(b, baud, total)
}

// reportLine reports goodput as a percentage of a paced line's rate.
func reportLine(b *testing.B, baud int, total int64) {
	if baud == 0 {
		return
	}
	rate := float64(total) / b.Elapsed().Seconds()
	b.ReportMetric(100*rate/(float64(baud)/10), "%line")
}
