package benchmarks

import (
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/espat"
	"github.com/netoffload/offload/backend/espat/espatsim"
)

// The ESP-AT benchmarks run the driver against the emulator on an
// in-process UART. The emulator's sockets are on an in-memory loopback
// network, where the far end of every connection lives.

// pacedBaud is the line rate of the paced benchmarks, a common fast
// setting of ESP-AT modems (AT+UART_CUR=921600,8,1,0,0).
const pacedBaud = 921600

// lineRate is the payload capacity of the UART in one direction, in
// bytes a second: 8N1 framing spends 10 bits a byte.
const lineRate = pacedBaud / 10

// pacedTransfer is what one paced operation moves: small enough that one
// operation (-benchtime=1x) takes a fraction of a second.
const pacedTransfer = 8 << 10

// espatImpls run the stream benchmarks on an unpaced line.
var espatImpls = []impl{
	{"espat/unpaced", espatPair(0, espat.Config{})},
	{"espat/unpaced/cipsend-per-write", espatPair(0, espat.Config{NoCoalesce: true})},
}

// BenchmarkEspatUnpaced measures the driver's own cost: throughput by
// write size and the 64 B round trip, with a line as fast as memory.
func BenchmarkEspatUnpaced(b *testing.B) {
	for _, im := range espatImpls {
		for _, size := range writeSizes {
			b.Run(fmt.Sprintf("%s/write=%s", im.name, sizeName(size)), func(b *testing.B) {
				benchBulk(b, im.pair, size)
			})
		}
		b.Run(im.name+"/pingpong=64B", func(b *testing.B) { benchPingPong(b, im.pair, 64) })
	}
}

// BenchmarkEspatPaced measures goodput on a line paced at 921600 baud,
// as a percentage of the line rate (%line): bulk upload and download,
// and 64 B writes packed into few AT+CIPSENDs (the driver's default)
// against one AT+CIPSEND per Write (as the Zephyr and TinyGo drivers
// send). Each operation moves 8 KiB.
func BenchmarkEspatPaced(b *testing.B) {
	for _, tc := range []struct {
		name string
		cfg  espat.Config
		size int
		down bool
	}{
		{"upload/write=32KiB", espat.Config{}, 32 << 10, false},
		{"upload/write=64B/coalesced", espat.Config{}, 64, false},
		{"upload/write=64B/cipsend-per-write", espat.Config{NoCoalesce: true}, 64, false},
		{"download/read=32KiB", espat.Config{}, 32 << 10, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			tc.cfg.Baud = pacedBaud
			dev, far, stop := espatPair(pacedBaud, tc.cfg)(b)
			defer stop()
			if tc.down {
				benchPaced(b, far, dev, tc.size)
			} else {
				benchPaced(b, dev, far, tc.size)
			}
		})
	}
}

// benchPaced moves pacedTransfer bytes from w to r per operation, in
// writes of size bytes, and reports goodput as a share of the line rate.
func benchPaced(b *testing.B, w, r net.Conn, size int) {
	buf := make([]byte, min(size, pacedTransfer))
	sink := make([]byte, 32<<10)
	b.SetBytes(pacedTransfer)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		errc := make(chan error, 1)
		go func() { errc <- writeN(w, buf, pacedTransfer) }()
		if err := readN(r, sink, pacedTransfer); err != nil {
			b.Fatal(err)
		}
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
	}
	goodput := float64(b.N) * pacedTransfer / time.Since(start).Seconds()
	b.ReportMetric(100*goodput/lineRate, "%line")
}

// writeN writes n bytes in len(buf)-byte writes.
func writeN(w io.Writer, buf []byte, n int) error {
	for n > 0 {
		k, err := w.Write(buf[:min(len(buf), n)])
		n -= k
		if err != nil {
			return err
		}
	}
	return nil
}

// readN reads exactly n bytes.
func readN(r io.Reader, buf []byte, n int) error {
	for n > 0 {
		k, err := r.Read(buf[:min(len(buf), n)])
		n -= k
		if err != nil {
			return err
		}
	}
	return nil
}

// espatPair connects the driver (through an emulator on a UART paced at
// baud, 0 for unpaced) to a listener on a loopback network: the first
// conn is the device's, the second the far end's.
func espatPair(baud int, cfg espat.Config) pairFunc {
	return func(tb testing.TB) (net.Conn, net.Conn, func()) {
		far, ln := farListener(tb)
		port, sim := espatsim.Pipe(espatsim.Config{
			Baud:         baud,
			APs:          []espatsim.AccessPoint{{SSID: "bench"}},
			AutoJoin:     "bench",
			Dial:         (&offload.Dialer{Backend: far}).DialContext,
			NoBootBanner: true,
		})
		m, err := espat.Open(port, cfg)
		if err != nil {
			port.Close()
			tb.Fatal(err)
		}
		c1, c2 := dialAccept(tb, m, ln)
		return c1, c2, func() {
			c1.Close()
			c2.Close()
			m.Close()
			sim.Close()
			ln.Close()
			far.Close()
		}
	}
}
