package benchmarks

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/netoffload/offload"
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
	n := loopback.New(loopback.Config{})
	ln, err := (&offload.ListenConfig{Backend: n}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	c1, err := (&offload.Dialer{Backend: n}).Dial("tcp", ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	c2, err := ln.Accept()
	if err != nil {
		tb.Fatal(err)
	}
	return c1, c2, func() { c1.Close(); c2.Close(); ln.Close(); n.Close() }
}

func pipePair(testing.TB) (net.Conn, net.Conn, func()) {
	c1, c2 := net.Pipe()
	return c1, c2, func() { c1.Close(); c2.Close() }
}

func bufconnPair(tb testing.TB) (net.Conn, net.Conn, func()) {
	ln := bufconn.Listen(1 << 20)
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() { c, err := ln.Accept(); ch <- res{c, err} }()
	c1, err := ln.Dial()
	if err != nil {
		tb.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		tb.Fatal(r.err)
	}
	return c1, r.c, func() { c1.Close(); r.c.Close(); ln.Close() }
}

func kernelPair(tb testing.TB, network, addr string) (net.Conn, net.Conn, func()) {
	ln, err := net.Listen(network, addr)
	if err != nil {
		tb.Fatal(err)
	}
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() { c, err := ln.Accept(); ch <- res{c, err} }()
	c1, err := net.Dial(network, ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		tb.Fatal(r.err)
	}
	return c1, r.c, func() { c1.Close(); r.c.Close(); ln.Close() }
}

func unixPair(tb testing.TB) (net.Conn, net.Conn, func()) {
	dir, err := os.MkdirTemp("", "offload-bench")
	if err != nil {
		tb.Fatal(err)
	}
	c1, c2, stop := kernelPair(tb, "unix", filepath.Join(dir, "s"))
	return c1, c2, func() { stop(); os.RemoveAll(dir) }
}
