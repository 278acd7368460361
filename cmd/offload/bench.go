package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

type benchCmd struct {
	Duration time.Duration `default:"250ms" help:"How long each cell of the matrix writes (then its reader catches up)."`
	Out      string        `default:"offload-bench.svg" placeholder:"FILE" help:"Chart to write, .svg or .png."`
	Only     []string      `placeholder:"NAME,…" help:"Measure only the series whose names start with these words (loopback, yamux, espat, net.Pipe, tcp, unix)."`
	Quiet    bool          `short:"q" help:"No progress bar."`
}

// Help is the detailed help of offload bench --help.
func (c *benchCmd) Help() string {
	return `Everything runs in this process, on 127.0.0.1 at most: the loopback
backend; a yamux client and gateway over net.Pipe, the gateway dialing
127.0.0.1; the ESP-AT driver and emulator over an in-process UART (unpaced),
the emulator dialing 127.0.0.1; and the peers net.Pipe, TCP and a Unix
socket. For each write size one goroutine writes for --duration and another
reads; the rate counts until the last byte is read. The table goes to
stdout, the chart (log scale) to --out. For careful figures use the Go
benchmarks: cd benchmarks && go test -run '^$' -bench .

Examples:
  offload bench
  offload bench --duration 2s --out docs/bench.png
  offload bench --only yamux,tcp`
}

// benchSizes are the write sizes of the matrix.
var benchSizes = []int{64, 1 << 10, 32 << 10}

// benchRow is one series' results, one entry per write size.
type benchRow struct {
	name string
	peer bool
	mbps []float64
	errs []error
}

// Run measures every series at every size, prints the table and writes
// the chart. A failed cell fails the command after both are written.
func (c *benchCmd) Run(ctx context.Context, e *env) error {
	if c.Duration <= 0 {
		return usagef("bench: --duration must be positive")
	}
	if _, err := chartFormat(c.Out); err != nil {
		return err
	}
	matrix, err := c.selected()
	if err != nil {
		return err
	}
	rows := c.measure(ctx, matrix, e)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	printBench(e.out, rows)
	if err := writeChart(c.Out, benchSizes, rows); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "\nchart: %s\n", c.Out)
	return benchFailures(rows)
}

// selected applies --only.
func (c *benchCmd) selected() ([]benchSeries, error) {
	all := benchMatrix()
	if len(c.Only) == 0 {
		return all, nil
	}
	var out []benchSeries
	for _, s := range all {
		if slices.ContainsFunc(c.Only, func(p string) bool { return strings.HasPrefix(s.name, p) }) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, usagef("bench: --only %s matches no series", strings.Join(c.Only, ","))
	}
	return out, nil
}

// measure runs the cells one after the other, showing progress.
func (c *benchCmd) measure(ctx context.Context, matrix []benchSeries, e *env) []benchRow {
	p := newProgress(e.err, len(matrix)*len(benchSizes), c.Quiet)
	defer p.finish()
	rows := make([]benchRow, len(matrix))
	for i, s := range matrix {
		rows[i] = benchRow{name: s.name, peer: s.peer, mbps: make([]float64, len(benchSizes)), errs: make([]error, len(benchSizes))}
		for j, size := range benchSizes {
			label := fmt.Sprintf("%-26s %6s", s.name, sizeLabel(size))
			p.start(label)
			rows[i].mbps[j], rows[i].errs[j] = throughput(ctx, s.pair, size, c.Duration)
			p.done(label, cell(rows[i].mbps[j], rows[i].errs[j]))
			if ctx.Err() != nil {
				return rows
			}
		}
	}
	return rows
}

// printBench writes the results as a table, MB/s by write size.
func printBench(w io.Writer, rows []benchRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "SERIES")
	for _, s := range benchSizes {
		fmt.Fprintf(tw, "\t%12s", "write="+sizeLabel(s))
	}
	fmt.Fprintln(tw)
	for _, r := range rows {
		fmt.Fprint(tw, r.name)
		for j := range benchSizes {
			fmt.Fprintf(tw, "\t%12s", cell(r.mbps[j], r.errs[j]))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// cell formats one result: MB/s with three significant digits, or FAIL.
func cell(mbps float64, err error) string {
	switch {
	case err != nil:
		return "FAIL"
	case mbps >= 100:
		return fmt.Sprintf("%.0f MB/s", mbps)
	case mbps >= 10:
		return fmt.Sprintf("%.1f MB/s", mbps)
	default:
		return fmt.Sprintf("%.2f MB/s", mbps)
	}
}

// benchFailures lists the failed cells, or returns nil.
func benchFailures(rows []benchRow) error {
	var fails []string
	for _, r := range rows {
		for j, err := range r.errs {
			if err != nil {
				fails = append(fails, fmt.Sprintf("%s write=%s: %v", r.name, sizeLabel(benchSizes[j]), err))
			}
		}
	}
	if len(fails) == 0 {
		return nil
	}
	return fmt.Errorf("bench: %d cells failed:\n  %s", len(fails), strings.Join(fails, "\n  "))
}
