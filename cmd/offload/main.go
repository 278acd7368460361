package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"
	"github.com/netoffload/offload/backend/loopback"
)

// Exit codes of the command, as documented in the package comment.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// cli is the command tree.
type cli struct {
	Verbose bool `short:"v" help:"Log more to stderr."`

	Demo     demoCmd     `cmd:"" help:"Serve HTTP on each backend's Listener and fetch it through its Dialer, then print a table."`
	Gateway  gatewayCmd  `cmd:"" help:"Run a yamux gateway: devices dial, listen and resolve through this host."`
	EspatSim espatSimCmd `cmd:"" name:"espat-sim" help:"Run an ESP-AT modem emulator on a pseudo-terminal or a TCP port."`
	Nc       ncCmd       `cmd:"" help:"Netcat through a backend: connect (or listen with -l) and copy stdin and stdout."`
	Get      getCmd      `cmd:"" help:"HTTP GET through a backend; the body goes to stdout or -o FILE."`
	Bench    benchCmd    `cmd:"" help:"Measure throughput of every backend and its peers; print a table and write a chart."`
}

// env is what a command reads and writes instead of the process's
// standard streams, so tests can run commands in-process.
type env struct {
	in       io.Reader
	out, err io.Writer
	// loopback, if set, is the network behind "loopback:" URIs; nil
	// means a new, empty one per command.
	loopback *loopback.Network
	// verbose is set by --verbose: commands log more to err.
	verbose bool
}

// usageError marks an error as the user's mistake: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}

// exitPanic carries kong's request to exit (after --help) out of Parse.
type exitPanic struct{ code int }

// run parses args, runs the chosen command until it ends or ctx is done,
// and returns the exit code.
func run(ctx context.Context, args []string, st *env) (code int) {
	if len(args) == 0 {
		args, st = []string{"--help"}, &env{in: st.in, out: st.err, err: st.err}
		defer func() { code = exitUsage }()
	}
	var c cli
	parser, err := kong.New(&c,
		kong.Name("offload"),
		kong.Description(description),
		kong.Writers(st.out, st.err),
		kong.Exit(func(code int) { panic(exitPanic{code}) }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	if err != nil {
		fmt.Fprintln(st.err, "offload:", err)
		return exitFailure
	}
	defer func() {
		switch p := recover().(type) {
		case nil:
		case exitPanic:
			code = p.code
		default:
			panic(p)
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(st.err, "offload: %v\nRun 'offload --help' for usage.\n", err)
		return exitUsage
	}
	st.verbose = c.Verbose
	kctx.BindTo(ctx, (*context.Context)(nil))
	kctx.Bind(st)
	return exitCode(st, kctx.Run())
}

// exitCode reports err on stderr and maps it to an exit code.
func exitCode(st *env, err error) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(st.err, "offload: %v\nRun 'offload --help' for usage.\n", err)
		return exitUsage
	default:
		fmt.Fprintln(st.err, "offload:", err)
		return exitFailure
	}
}

const description = `Standard Go networking over offload backends: an in-memory loopback network,
a yamux gateway, an ESP-AT Wi-Fi modem.

Backend URIs (--via):
  loopback:                          in-memory network inside this process
  yamux://HOST:PORT?psk-file=F       a gateway over TCP (yamux+tls:// over TLS)
  espat:///dev/ttyUSB0?baud=115200&ssid=NET&psk-file=F
                                     an ESP-AT modem on a serial port
  espat+tcp://HOST:PORT?ssid=NET     an ESP-AT modem behind a serial-over-TCP
                                     bridge, such as 'offload espat-sim --tcp'
yamux URIs also take keepalive=DUR, link-timeout=DUR and window=SIZE, the
receive window of each stream (see offload gateway --help).

Secrets come from files (psk-file=) or environment variables (psk-env=,
default OFFLOAD_PSK for the gateway key, OFFLOAD_WIFI_PSK for Wi-Fi), never
from the command line.

Exit codes: 0 success, 1 the command failed, 2 bad usage.`
