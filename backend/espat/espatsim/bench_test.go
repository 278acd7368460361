package espatsim

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// reportLine reports goodput as a share of the UART's byte rate.
func reportLine(b *testing.B, baud, bytes int, el time.Duration) {
	if baud == 0 || el == 0 {
		return
	}
	goodput := float64(bytes) / el.Seconds()
	b.ReportMetric(100*goodput/(float64(baud)/10), "%line")
}

// BenchmarkReceive moves 64 KiB per op from a remote TCP peer to the host
// as active +IPD records.
func BenchmarkReceive(b *testing.B) {
	for _, baud := range []int{0, 921600, 3000000} {
		b.Run(fmt.Sprintf("baud=%d", baud), func(b *testing.B) {
			const size = 64 << 10
			cfg := baseConfig(V2)
			cfg.Baud = baud
			h := newQuietHost(b, cfg)
			h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
			c := h.connect(newPeer(b), "0")
			src := []byte(strings.Repeat("r", size))
			b.SetBytes(size)
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				go c.Write(src)
				for got := 0; got < size; {
					hdr := h.until(":")
					var n int
					fmt.Sscanf(hdr, "\r\n+IPD,0,%d:", &n)
					h.fill(func(buf []byte) bool { return len(buf) >= n }, "record")
					h.buf = h.buf[n:]
					got += n
				}
			}
			reportLine(b, baud, b.N*size, time.Since(start))
		})
	}
}

// BenchmarkSend moves 64 KiB per op from the host to a remote TCP peer
// with AT+CIPSEND in 8192-byte chunks.
func BenchmarkSend(b *testing.B) {
	for _, baud := range []int{0, 921600, 3000000} {
		b.Run(fmt.Sprintf("baud=%d", baud), func(b *testing.B) {
			const size, chunk = 64 << 10, 8192
			cfg := baseConfig(V2)
			cfg.Baud = baud
			h := newQuietHost(b, cfg)
			h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
			c := h.connect(newPeer(b), "0")
			done := make(chan struct{})
			go func() {
				defer close(done)
				io.Copy(io.Discard, c)
			}()
			data := strings.Repeat("s", chunk)
			b.SetBytes(size)
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				for i := 0; i < size/chunk; i++ {
					h.cmd(fmt.Sprintf("AT+CIPSEND=0,%d", chunk), "\r\nOK\r\n\r\n>")
					h.send(data)
					h.expect(fmt.Sprintf("\r\nRecv %d bytes\r\n\r\nSEND OK\r\n", chunk))
				}
			}
			reportLine(b, baud, b.N*size, time.Since(start))
			c.Close()
			<-done
		})
	}
}
