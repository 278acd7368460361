package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// demoHandler answers /ping with "pong" and /blob with size bytes of a
// fixed pattern, its SHA-256 in the X-SHA256 header.
func demoHandler(size int64) http.Handler {
	sum := sha256.New()
	io.Copy(sum, io.LimitReader(&patternReader{}, size))
	digest := hex.EncodeToString(sum.Sum(nil))
	mux := http.NewServeMux()
	mux.HandleFunc("/ping", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "pong") })
	mux.HandleFunc("/blob", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-SHA256", digest)
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		io.Copy(w, io.LimitReader(&patternReader{}, size))
	})
	return mux
}

// patternReader yields an endless byte pattern that depends only on the
// position in the stream, not on how it is read.
type patternReader struct{ off int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte((r.off + int64(i)) * 7 >> 3)
	}
	r.off += int64(len(p))
	return len(p), nil
}

// latency makes n requests for url one after the other and returns the
// median and 99th percentile of their durations.
func latency(ctx context.Context, c *http.Client, url string, n int) (p50, p99 time.Duration, err error) {
	times := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if err := ping(ctx, c, url); err != nil {
			return 0, 0, err
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	return times[len(times)/2], times[len(times)*99/100], nil
}

// ping makes one request and checks the answer.
func ping(ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	if string(body) != "pong" {
		return fmt.Errorf("ping: got %q, want \"pong\"", body)
	}
	return nil
}

// download fetches url, checks the body against its X-SHA256 header and
// returns the rate in MB/s.
func download(ctx context.Context, c *http.Client, url string, size int64) (float64, error) {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sum := sha256.New()
	n, err := io.Copy(sum, resp.Body)
	if err != nil {
		return 0, fmt.Errorf("download: after %d bytes: %w", n, err)
	}
	if n != size || hex.EncodeToString(sum.Sum(nil)) != resp.Header.Get("X-SHA256") {
		return 0, fmt.Errorf("download: got %d of %d bytes, checksum mismatch or short", n, size)
	}
	return float64(n) / time.Since(start).Seconds() / 1e6, nil
}

// printDemo writes the demo table.
func printDemo(w io.Writer, rs []demoResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BACKEND\tSERVER\tCONNECT\tREQ p50\tREQ p99\tDOWNLOAD\tRESULT")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.1f MB/s\t%s\n", r.backend, r.server, roundDur(r.connect),
			roundDur(r.p50), roundDur(r.p99), r.mbps, resultWord(r.err))
	}
	tw.Flush()
}

// resultWord is "ok" or the error on one line.
func resultWord(err error) string {
	if err == nil {
		return "ok"
	}
	return "FAIL: " + strings.ReplaceAll(err.Error(), "\n", " ")
}

// roundDur prints a duration with three significant digits or so.
func roundDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}
