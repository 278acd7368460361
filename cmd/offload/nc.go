package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/netoffload/offload"
)

type ncCmd struct {
	Via     via           `required:"" env:"OFFLOAD_VIA" placeholder:"URI" help:"Backend to go through (see 'offload --help'); default $$OFFLOAD_VIA."`
	Listen  bool          `short:"l" help:"Listen for one connection on [HOST] PORT instead of connecting to HOST PORT."`
	Timeout time.Duration `short:"w" default:"30s" help:"Bound on opening the backend and connecting (0: none)."`
	Args    []string      `arg:"" name:"HOST PORT" help:"Where to connect: HOST PORT; with -l: [HOST] PORT (HOST defaults to 0.0.0.0, PORT 0 picks one)."`
}

// Run connects or listens, then copies stdin to the connection and the
// connection to stdout until the peer closes it.
func (n *ncCmd) Run(ctx context.Context, e *env) error {
	addr, err := n.address()
	if err != nil {
		return err
	}
	octx, cancel := n.openContext(ctx)
	defer cancel()
	b, release, err := n.Via.open(octx, e)
	if err != nil {
		return err
	}
	defer release()
	var c net.Conn
	if n.Listen {
		c, err = acceptOne(ctx, &offload.ListenConfig{Backend: b}, addr, e)
	} else {
		c, err = (&offload.Dialer{Backend: b}).DialContext(octx, "tcp", addr)
	}
	if err != nil {
		return err
	}
	return pipeStdio(ctx, c, e)
}

// openContext bounds opening and connecting by --timeout.
func (n *ncCmd) openContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if n.Timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, n.Timeout)
}

// address checks the positional arguments and joins them.
func (n *ncCmd) address() (string, error) {
	args := n.Args
	switch {
	case n.Listen && len(args) == 1:
		args = []string{"0.0.0.0", args[0]}
	case len(args) != 2 && n.Listen:
		return "", usagef("nc -l: want [HOST] PORT")
	case len(args) != 2:
		return "", usagef("nc: want HOST PORT")
	}
	port, err := net.LookupPort("tcp", args[1])
	if err != nil || (port == 0 && !n.Listen) {
		return "", usagef("nc: bad port %q", args[1])
	}
	return net.JoinHostPort(args[0], fmt.Sprint(port)), nil
}

// acceptOne listens on addr, reports the address on stderr and returns
// the first connection.
func acceptOne(ctx context.Context, lc *offload.ListenConfig, addr string, e *env) (net.Conn, error) {
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	fmt.Fprintf(e.err, "listening on %s\n", ln.Addr())
	stop := closeOnCancel(ctx, ln)
	defer stop()
	c, err := ln.Accept()
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return c, err
}

// pipeStdio copies stdin to c and c to stdout. At the end of stdin it
// half-closes c (backends without half-close, such as ESP-AT, keep it
// open); it returns when the peer has closed its side, or ctx is done.
func pipeStdio(ctx context.Context, c net.Conn, e *env) error {
	defer c.Close()
	stop := closeOnCancel(ctx, c)
	defer stop()
	// The sender is not waited for: a terminal's Read cannot be
	// interrupted, and once the peer has closed there is nothing to send
	// to. It ends at the end of stdin or at its next write.
	go sendStdin(c, e.in)
	_, err := io.Copy(e.out, c)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// sendStdin copies in to c, then shuts c's sending side where the
// backend can (ESP-AT cannot: errors.ErrUnsupported). A failure to send
// also shows on the receiving side, which reports it.
func sendStdin(c net.Conn, in io.Reader) {
	if _, err := io.Copy(c, in); err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}
