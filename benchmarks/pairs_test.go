package benchmarks

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend"
	"github.com/netoffload/offload/backend/loopback"
	"google.golang.org/grpc/test/bufconn"
)

// pairFunc returns two connected stream ends and a cleanup.
type pairFunc func(tb testing.TB) (net.Conn, net.Conn, func())

type impl struct {
	name string
	pair pairFunc
}

// streamImpls are the stream transports measured side by side.
var streamImpls = []impl{
	{"loopback", loopbackPair},
	{"net.Pipe", pipePair},
	{"bufconn", bufconnPair},
	{"tcp", func(tb testing.TB) (net.Conn, net.Conn, func()) { return kernelPair(tb, "tcp", "127.0.0.1:0") }},
	{"unix", unixPair},
}

func loopbackPair(tb testing.TB) (net.Conn, net.Conn, func()) {
	n, ln := farListener(tb)
	c1, c2 := dialAccept(tb, n, ln)
	return c1, c2, func() { c1.Close(); c2.Close(); ln.Close(); n.Close() }
}

// farListener opens an in-memory loopback network and a TCP listener on
// it: the far end of the offload pairs.
func farListener(tb testing.TB) (*loopback.Network, net.Listener) {
	n := loopback.New(loopback.Config{})
	ln, err := (&offload.ListenConfig{Backend: n}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	return n, ln
}

// dialAccept dials ln through b and accepts the conn: the device's end
// first, the far end second.
func dialAccept(tb testing.TB, b backend.Backend, ln net.Listener) (net.Conn, net.Conn) {
	c1, err := (&offload.Dialer{Backend: b}).Dial("tcp", ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	c2, err := ln.Accept()
	if err != nil {
		tb.Fatal(err)
	}
	return c1, c2
}

// acceptDial accepts on ln while dial runs, for listeners whose dial
// waits for the accept.
func acceptDial(tb testing.TB, ln net.Listener, dial func() (net.Conn, error)) (net.Conn, net.Conn) {
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() { c, err := ln.Accept(); ch <- res{c, err} }()
	c1, err := dial()
	if err != nil {
		tb.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		tb.Fatal(r.err)
	}
	return c1, r.c
}

func pipePair(testing.TB) (net.Conn, net.Conn, func()) {
	c1, c2 := net.Pipe()
	return c1, c2, func() { c1.Close(); c2.Close() }
}

func bufconnPair(tb testing.TB) (net.Conn, net.Conn, func()) {
	ln := bufconn.Listen(1 << 20)
	c1, c2 := acceptDial(tb, ln, ln.Dial)
	return c1, c2, func() { c1.Close(); c2.Close(); ln.Close() }
}

func kernelPair(tb testing.TB, network, addr string) (net.Conn, net.Conn, func()) {
	ln, err := net.Listen(network, addr)
	if err != nil {
		tb.Fatal(err)
	}
	c1, c2 := acceptDial(tb, ln, func() (net.Conn, error) { return net.Dial(network, ln.Addr().String()) })
	return c1, c2, func() { c1.Close(); c2.Close(); ln.Close() }
}

func unixPair(tb testing.TB) (net.Conn, net.Conn, func()) {
	dir, err := os.MkdirTemp("", "offload-bench")
	if err != nil {
		tb.Fatal(err)
	}
	c1, c2, stop := kernelPair(tb, "unix", filepath.Join(dir, "s"))
	return c1, c2, func() { stop(); os.RemoveAll(dir) }
}
