package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/netoffload/offload"
	"github.com/schollz/progressbar/v3"
)

type getCmd struct {
	Via     via           `required:"" env:"OFFLOAD_VIA" placeholder:"URI" help:"Backend to go through (see 'offload --help'); default $$OFFLOAD_VIA."`
	Output  string        `short:"o" placeholder:"FILE" help:"Write the body to FILE instead of stdout."`
	Quiet   bool          `short:"q" help:"No progress bar (shown on a terminal for bodies from 1 MiB) and no summary line."`
	Timeout time.Duration `default:"0s" help:"Bound on the whole request, body included (0: none)."`
	URL     string        `arg:"" help:"http:// or https:// URL; host names are resolved by the backend."`
}

// Help is the detailed help of offload get --help.
func (g *getCmd) Help() string {
	return `Fetches the URL with Go's http.Client whose connections are dialed through
the backend; names are resolved by the backend too (the gateway's resolver,
the modem's AT+CIPDOMAIN). On a terminal, bodies from 1 MiB show a progress
bar on stderr. A status of 400 or more writes the body and exits 1.

Examples:
  offload get --via 'espat:///dev/ttyUSB0?ssid=home&psk-file=home.psk' http://example.com/
  offload get --via 'yamux://gateway.example:7000?psk-file=psk' -o big.iso https://mirror.example/big.iso`
}

// progressMin is the body size from which get shows a progress bar.
const progressMin = 1 << 20

// Run fetches the URL through the backend. A status of 400 or more
// fails the command after the body is written.
func (g *getCmd) Run(ctx context.Context, e *env) error {
	u, err := url.Parse(g.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("get: want an http:// or https:// URL, got %q", g.URL)
	}
	if g.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, g.Timeout)
		defer cancel()
	}
	b, release, err := g.Via.open(ctx, e)
	if err != nil {
		return err
	}
	defer release()
	tr := &http.Transport{DialContext: (&offload.Dialer{Backend: b}).DialContext, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	return g.fetch(ctx, &http.Client{Transport: tr}, u, e)
}

// fetch makes the request and saves the body.
func (g *getCmd) fetch(ctx context.Context, c *http.Client, u *url.URL, e *env) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	start := time.Now()
	n, err := g.save(resp, e)
	if err != nil {
		return err
	}
	if !g.Quiet {
		d := time.Since(start)
		fmt.Fprintf(e.err, "GET %s: %s, %d bytes in %s (%.2f MB/s)\n", u.Redacted(), resp.Status, n,
			roundDur(d), float64(n)/d.Seconds()/1e6)
	}
	if resp.StatusCode >= 400 {
		return fmt.Errorf("get: %s: HTTP %s", u.Redacted(), resp.Status)
	}
	return nil
}

// save copies the body to stdout or --output.
func (g *getCmd) save(resp *http.Response, e *env) (n int64, err error) {
	bar := !g.Quiet && isTerminal(e.err)
	if g.Output == "" {
		return copyBody(e.out, resp, bar, e.err)
	}
	f, err := os.Create(g.Output)
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return copyBody(f, resp, bar, e.err)
}

// copyBody copies the body to w, with a progress bar on stderr for large
// or unsized bodies when bar is set.
func copyBody(w io.Writer, resp *http.Response, bar bool, stderr io.Writer) (int64, error) {
	if bar && (resp.ContentLength < 0 || resp.ContentLength >= progressMin) {
		pb := newBar(resp.ContentLength, stderr)
		defer pb.Exit()
		w = io.MultiWriter(w, pb)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("get: body after %d bytes: %w", n, err)
	}
	return n, nil
}

// newBar makes a byte-counting progress bar (a spinner when size is -1).
func newBar(size int64, w io.Writer) *progressbar.ProgressBar {
	return progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("GET"),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		progressbar.OptionSpinnerType(14),
		// No ticker goroutine: the spinner moves as bytes arrive.
		progressbar.OptionSetSpinnerChangeInterval(0),
	)
}
