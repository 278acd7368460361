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

// Help is the detailed help of offload nc --help.
func (n *ncCmd) Help() string {
	return `Connects through the backend (or with -l accepts one connection on it)
and copies stdin to the connection and the connection to stdout until the
peer closes. At the end of stdin the sending side is shut (half-close);
ESP-AT cannot half-close, so there the connection stays open until the
peer closes it. nc ends when the peer has closed and stdin has ended (on a
terminal, as soon as the peer has closed). With -l the listening address
is printed on stderr.

Examples:
  offload nc --via 'yamux://gateway.example:7000?psk-file=psk' 10.1.2.3 80
  offload nc -l --via 'yamux://gateway.example:7000?psk-file=psk' 8080
  printf 'GET / HTTP/1.0\r\n\r\n' | offload nc --via espat+tcp://127.0.0.1:3333 127.0.0.1 8080`
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
// open). It returns when both directions have ended: the peer closed its
// side and stdin ended, or the connection failed, or ctx is done. When
// stdin is a terminal it does not wait for it once the peer has closed.
func pipeStdio(ctx context.Context, c net.Conn, e *env) error {
	defer c.Close()
	stop := closeOnCancel(ctx, c)
	defer stop()
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		sendStdin(c, e.in)
	}()
	_, err := io.Copy(e.out, c)
	switch {
	case ctx.Err() != nil:
		return nil
	case err != nil:
		return err
	case isTerminal(e.in):
		// A terminal's Read cannot be interrupted; the sender ends
		// with the process.
		return nil
	}
	select {
	case <-sent:
	case <-ctx.Done():
	}
	return nil
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
