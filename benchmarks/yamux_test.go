package benchmarks

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	hyamux "github.com/hashicorp/yamux"
	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/yamux"
	"github.com/netoffload/offload/internal/testnet"
)

// yamuxImpls compare offload's yamux backend with a raw hashicorp yamux
// stream over the same links: net.Pipe and TCP on 127.0.0.1. The
// backend's writer is a device conn; its reader is the conn the gateway
// dialed on an in-memory loopback network (the gateway's relay is part
// of the cost). The raw pair is a client stream and the server stream it
// opened.
//
// raw-yamux runs with yamux's defaults, as the targets compare;
// raw-yamux-window=1MiB gives the raw streams the receive window offload
// streams have by default (yamux.DefaultStreamWindow; yamux's own is 256
// KiB), and offload-yamux-window=256KiB gives offload's streams yamux's,
// so that both sides of a link carry as many bytes in flight: on kernel
// socket links that alone changes the bulk figures.
var yamuxImpls = []impl{
	{"offload-yamux/link=pipe", offloadYamuxPair(pipeLink, 0)},
	{"raw-yamux/link=pipe", rawYamuxPair(pipeLink, 0)},
	{"raw-yamux-window=1MiB/link=pipe", rawYamuxPair(pipeLink, yamux.DefaultStreamWindow)},
	{"offload-yamux/link=tcp", offloadYamuxPair(tcpLink, 0)},
	{"raw-yamux/link=tcp", rawYamuxPair(tcpLink, 0)},
	{"raw-yamux-window=1MiB/link=tcp", rawYamuxPair(tcpLink, yamux.DefaultStreamWindow)},
	{"offload-yamux-window=256KiB/link=tcp", offloadYamuxPair(tcpLink, yamux.MinStreamWindow)},
}

// BenchmarkYamux measures one-way bulk throughput (write=…) and the 64 B
// round trip (pingpong=64B) of each yamux pair.
func BenchmarkYamux(b *testing.B) {
	for _, im := range yamuxImpls {
		for _, size := range writeSizes {
			b.Run(fmt.Sprintf("%s/write=%s", im.name, sizeName(size)), func(b *testing.B) {
				benchBulk(b, im.pair, size)
			})
		}
		b.Run(im.name+"/pingpong=64B", func(b *testing.B) { benchPingPong(b, im.pair, 64) })
	}
}

// linkFunc returns the two ends of a link (device, gateway) and a
// cleanup.
type linkFunc func(tb testing.TB) (net.Conn, net.Conn, func())

func pipeLink(tb testing.TB) (net.Conn, net.Conn, func()) { return pipePair(tb) }

func tcpLink(tb testing.TB) (net.Conn, net.Conn, func()) { return kernelPair(tb, "tcp", "127.0.0.1:0") }

// offloadYamuxPair runs a gateway on one end of the link and the client
// backend on the other; the gateway dials a loopback network. Both ends
// give streams a window of window bytes, or the default if it is zero.
func offloadYamuxPair(link linkFunc, window uint32) pairFunc {
	return func(tb testing.TB) (net.Conn, net.Conn, func()) {
		be, ln, stop := offloadYamuxEnv(tb, link, window)
		c1, c2 := dialAccept(tb, be, ln)
		return c1, c2, func() {
			c1.Close()
			c2.Close()
			stop()
		}
	}
}

// offloadYamuxEnv starts a gateway on one end of the link, whose dials go
// to a loopback network, and the client backend on the other. It returns
// the backend, a listener of that network, and a cleanup.
func offloadYamuxEnv(tb testing.TB, link linkFunc, window uint32) (*yamux.Backend, net.Listener, func()) {
	far, ln := farListener(tb)
	mux := yamux.MuxConfig{StreamWindow: window}
	g := &yamux.Gateway{NoAuth: true, AllowAll: true, Dial: (&offload.Dialer{Backend: far}).DialContext,
		Logger: slog.New(slog.DiscardHandler), MuxConfig: mux}
	dev, gw, unlink := link(tb)
	served := make(chan struct{})
	go func() { defer close(served); g.ServeConn(gw) }()
	be, err := yamux.Client(dev, &yamux.Config{MuxConfig: mux})
	if err != nil {
		tb.Fatal(err)
	}
	return be, ln, func() {
		be.Close()
		g.Close()
		<-served
		unlink()
		ln.Close()
		far.Close()
	}
}

// BenchmarkYamuxDial measures a device's dial through the gateway and
// its close: the request's round trip over the link, the gateway's dial
// of an in-memory listener, the accept of that conn and its close. The
// loop accepts each conn itself: an acceptor goroutine can fall behind
// (a pair of goroutines handing the processor to each other keeps it for
// a whole time slice, some 10 ms, while the acceptor waits in the run
// queue), and a loopback listener whose backlog of 128 is full refuses
// the next dial, as it should.
func BenchmarkYamuxDial(b *testing.B) {
	for _, l := range []struct {
		name string
		link linkFunc
	}{{"link=pipe", pipeLink}, {"link=tcp", tcpLink}} {
		b.Run(l.name, func(b *testing.B) {
			be, ln, stop := offloadYamuxEnv(b, l.link, 0)
			defer stop()
			d := &offload.Dialer{Backend: be}
			addr := ln.Addr().String()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				c, err := d.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				a, err := ln.Accept()
				if err != nil {
					b.Fatal(err)
				}
				a.Close()
				c.Close()
			}
		})
	}
}

// rawYamuxPair opens a stream of a raw yamux session over the link, with
// yamux's default configuration but for a stream window of window bytes
// if it is not zero.
func rawYamuxPair(link linkFunc, window uint32) pairFunc {
	return func(tb testing.TB) (net.Conn, net.Conn, func()) {
		cl, sl, unlink := link(tb)
		cfg := hyamux.DefaultConfig()
		cfg.LogOutput = io.Discard
		if window != 0 {
			cfg.MaxStreamWindowSize = window
		}
		server, err := hyamux.Server(sl, cfg)
		if err != nil {
			tb.Fatal(err)
		}
		client, err := hyamux.Client(cl, cfg)
		if err != nil {
			tb.Fatal(err)
		}
		c1, err := client.OpenStream()
		if err != nil {
			tb.Fatal(err)
		}
		c2, err := server.AcceptStream()
		if err != nil {
			tb.Fatal(err)
		}
		return c1, c2, func() {
			c1.Close()
			c2.Close()
			client.Close()
			server.Close()
			unlink()
		}
	}
}

// endConns is how many idle conns BenchmarkYamuxEnd ends.
const endConns = 1000

// BenchmarkYamuxEnd measures how long the end of a session takes to reach
// 1,000 idle conns, each with a Read waiting on its device end, until
// every Read has returned: Close of the client backend (close), Close of
// the gateway (gateway-close), the link cut under them (cut), or the link
// gone silent (silent: the keepalives notice once nothing has arrived
// for 850 ms with the defaults, so after 600–850 ms: the last answer to a
// ping came up to 250 ms before the link went silent).
func BenchmarkYamuxEnd(b *testing.B) {
	for _, how := range []string{"close", "gateway-close", "cut", "silent"} {
		b.Run(how, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				y := newYamuxWorld(b, endConns)
				var readers sync.WaitGroup
				for range endConns {
					c, err := y.dial()
					if err != nil {
						b.Fatal(err)
					}
					if _, err := y.ln.Accept(); err != nil {
						b.Fatal(err)
					}
					readers.Add(1)
					go parkRead(c, &readers)
				}
				testnet.Parked(b, "benchmarks.parkRead", endConns, time.Minute)
				b.StartTimer()
				switch how {
				case "close":
					y.be.Close()
				case "gateway-close":
					y.g.Close()
				case "silent":
					y.dev.Hush()
				default:
					y.dev.Close()
				}
				readers.Wait()
				b.StopTimer()
				y.stop()
			}
		})
	}
}
