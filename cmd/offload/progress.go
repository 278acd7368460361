package main

import (
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows how far a run of numbered steps has got: a bar on a
// terminal, a line per finished step elsewhere (logs, CI), nothing when
// quiet.
type progress struct {
	w     io.Writer
	bar   *progressbar.ProgressBar // nil: print lines
	quiet bool
}

func newProgress(w io.Writer, steps int, quiet bool) *progress {
	p := &progress{w: w, quiet: quiet}
	if !quiet && isTerminal(w) {
		p.bar = progressbar.NewOptions(steps,
			progressbar.OptionSetWriter(w),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(20),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

// start announces a step.
func (p *progress) start(label string) {
	if p.bar != nil {
		p.bar.Describe(label)
	}
}

// done records a finished step and its result.
func (p *progress) done(label, result string) {
	switch {
	case p.quiet:
	case p.bar != nil:
		p.bar.Add(1)
	default:
		fmt.Fprintf(p.w, "  %s  %s\n", label, result)
	}
}

// finish removes the bar.
func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar.Exit()
	}
}

// isTerminal reports whether f, a reader or writer, is a terminal.
func isTerminal(rw any) bool {
	f, ok := rw.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
