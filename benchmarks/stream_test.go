package benchmarks

import (
	"fmt"
	"io"
	"net"
	"testing"
)

var writeSizes = []int{64, 1 << 10, 32 << 10}

func sizeName(n int) string {
	if n >= 1<<10 {
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// BenchmarkStream measures one-way bulk throughput: one goroutine writes
// b.N writes of the given size, the other reads them with a 32 KiB buffer.
func BenchmarkStream(b *testing.B) {
	for _, im := range streamImpls {
		for _, size := range writeSizes {
			b.Run(fmt.Sprintf("%s/write=%s", im.name, sizeName(size)), func(b *testing.B) {
				benchBulk(b, im.pair, size)
			})
		}
	}
}

func benchBulk(b *testing.B, pair pairFunc, size int) {
	c1, c2, stop := pair(b)
	defer stop()
	total := int64(size) * int64(b.N)
	done := make(chan error, 1)
	go func() { done <- drain(c2, total) }()
	buf := make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := c1.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

func drain(c net.Conn, total int64) error {
	buf := make([]byte, 32<<10)
	for total > 0 {
		n, err := c.Read(buf)
		total -= int64(n)
		if err != nil {
			if err == io.EOF && total <= 0 {
				return nil
			}
			return err
		}
	}
	return nil
}

// BenchmarkPingPong measures the round trip of a 64 B message echoed back.
func BenchmarkPingPong(b *testing.B) {
	for _, im := range streamImpls {
		b.Run(im.name+"/msg=64B", func(b *testing.B) { benchPingPong(b, im.pair, 64) })
	}
}

func benchPingPong(b *testing.B, pair pairFunc, size int) {
	c1, c2, stop := pair(b)
	defer stop()
	go func() {
		buf := make([]byte, size)
		for {
			if _, err := io.ReadFull(c2, buf); err != nil {
				return
			}
			if _, err := c2.Write(buf); err != nil {
				return
			}
		}
	}()
	buf := make([]byte, size)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := c1.Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c1, buf); err != nil {
			b.Fatal(err)
		}
	}
}
