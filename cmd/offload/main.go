// Command offload is the command-line face of the offload library: a demo
// of every backend, and tools to use them.
//
// Exit codes: 0 success, 1 the command failed, 2 bad usage.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/alecthomas/kong"
)

// cli is the command tree.
type cli struct {
	Demo demoCmd `cmd:"" help:"Serve HTTP on each backend's Listener and fetch it through its Dialer, then print a table."`
}

func main() {
	os.Exit(run(os.Args[1:]))
}

// run parses args and runs the chosen command, returning the exit code.
func run(args []string) int {
	var c cli
	parser, err := kong.New(&c,
		kong.Name("offload"),
		kong.Description("Standard Go networking over offload backends: loopback, yamux gateway, ESP-AT modem."),
		kong.UsageOnError(),
		kong.Exit(func(int) {}),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, "offload:", err)
		return 1
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "offload:", err)
		return 2
	}
	if kctx.Command() == "" {
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	kctx.BindTo(ctx, (*context.Context)(nil))
	if err := kctx.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "offload:", err)
		return 1
	}
	return 0
}
