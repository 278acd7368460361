package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
)

// A pairFunc returns the two ends of a fresh stream connection (the
// first writes, the second reads) and a function that closes everything.
type pairFunc func(ctx context.Context) (w, r net.Conn, stop func(), err error)

// benchSeries is one line of the chart: a backend or a peer.
type benchSeries struct {
	name string
	peer bool // a peer offload is compared with, not an offload backend
	pair pairFunc
}

// benchMatrix lists what bench measures: each backend running in this
// process, then the peers they are compared with.
func benchMatrix() []benchSeries {
	return []benchSeries{
		{"loopback", false, rigPair(loopbackRig)},
		{"yamux (net.Pipe link)", false, rigPair(yamuxRig)},
		{"espat (emulator, unpaced)", false, rigPair(espatRig(0, true))},
		{"net.Pipe", true, pipePair},
		{"tcp 127.0.0.1", true, func(ctx context.Context) (net.Conn, net.Conn, func(), error) {
			return kernelPair(ctx, "tcp", "127.0.0.1:0")
		}},
		{"unix socket", true, unixPair},
	}
}

// rigPair dials through a fresh rig: to a listener on the rig's own
// network (loopback), or to a kernel listener on 127.0.0.1 that the
// rig's gateway or emulator reaches.
func rigPair(mk rigMaker) pairFunc {
	return func(ctx context.Context) (net.Conn, net.Conn, func(), error) {
		rg, err := mk()
		if err != nil {
			return nil, nil, nil, err
		}
		ln, err := rg.listen(ctx, rg.host)
		if err != nil {
			rg.close()
			return nil, nil, nil, err
		}
		w, r, err := connectPair(ctx, ln, rg.dialer.DialContext)
		if err != nil {
			rg.close()
			return nil, nil, nil, err
		}
		return w, r, func() { w.Close(); r.Close(); rg.close() }, nil
	}
}

// connectPair dials ln with dial and accepts the connection; ln is
// closed on return.
func connectPair(ctx context.Context, ln net.Listener, dial dialFunc) (net.Conn, net.Conn, error) {
	defer ln.Close()
	type accepted struct {
		c   net.Conn
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		c, err := ln.Accept()
		ch <- accepted{c, err}
	}()
	w, err := dial(ctx, "tcp", "127.0.0.1:"+portOf(ln.Addr()))
	if err != nil {
		ln.Close()
		if a := <-ch; a.c != nil {
			a.c.Close()
		}
		return nil, nil, err
	}
	a := <-ch
	if a.err != nil {
		w.Close()
		return nil, nil, a.err
	}
	return w, a.c, nil
}

func pipePair(context.Context) (net.Conn, net.Conn, func(), error) {
	w, r := net.Pipe()
	return w, r, func() { w.Close(); r.Close() }, nil
}

// kernelPair connects two kernel sockets through a listener on addr.
func kernelPair(ctx context.Context, network, addr string) (net.Conn, net.Conn, func(), error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, network, addr)
	if err != nil {
		return nil, nil, nil, err
	}
	var d net.Dialer
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, ln.Addr().String())
	}
	w, r, err := connectPair(ctx, ln, dial)
	if err != nil {
		return nil, nil, nil, err
	}
	return w, r, func() { w.Close(); r.Close() }, nil
}

// unixPair connects two Unix-domain stream sockets in a temporary
// directory.
func unixPair(ctx context.Context) (net.Conn, net.Conn, func(), error) {
	dir, err := os.MkdirTemp("", "offload-bench")
	if err != nil {
		return nil, nil, nil, err
	}
	w, r, stop, err := kernelPair(ctx, "unix", filepath.Join(dir, "s"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, nil, err
	}
	return w, r, func() { stop(); os.RemoveAll(dir) }, nil
}
