package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/loopback"
)

type demoCmd struct {
	Requests int   `default:"200" help:"Requests per backend for the latency figures."`
	Size     int64 `default:"16777216" help:"Bytes downloaded per backend for the throughput figure."`
}

// demoTarget is one backend under demonstration: how to listen and dial
// through it, and how to tear it down.
type demoTarget struct {
	name   string
	listen func(ctx context.Context) (net.Listener, error)
	dial   func(ctx context.Context, network, addr string) (net.Conn, error)
	close  func()
}

// demoResult is one row of the demo table.
type demoResult struct {
	name     string
	connect  time.Duration
	p50, p99 time.Duration
	mbps     float64
	err      error
}

func (d *demoCmd) Run(ctx context.Context) error {
	targets := []func() (demoTarget, error){loopbackTarget}
	var results []demoResult
	for _, mk := range targets {
		t, err := mk()
		if err != nil {
			results = append(results, demoResult{name: "?", err: err})
			continue
		}
		res := d.exercise(ctx, t)
		t.close()
		results = append(results, res)
	}
	printDemo(os.Stdout, results)
	for _, r := range results {
		if r.err != nil {
			return fmt.Errorf("backend %s failed: %w", r.name, r.err)
		}
	}
	return nil
}

func loopbackTarget() (demoTarget, error) {
	n := loopback.New(loopback.Config{})
	lc := &offload.ListenConfig{Backend: n}
	d := &offload.Dialer{Backend: n}
	return demoTarget{
		name:   "loopback",
		listen: func(ctx context.Context) (net.Listener, error) { return lc.Listen(ctx, "tcp", "127.0.0.1:0") },
		dial:   d.DialContext,
		close:  func() { n.Close() },
	}, nil
}

// exercise serves HTTP on t's Listener and measures fetching through t's
// Dialer: connect time, request latency and download throughput.
func (d *demoCmd) exercise(ctx context.Context, t demoTarget) demoResult {
	res := demoResult{name: t.name}
	ln, err := t.listen(ctx)
	if err != nil {
		res.err = err
		return res
	}
	srv := &http.Server{Handler: demoHandler(d.Size), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	addr := ln.Addr().String()

	start := time.Now()
	c, err := t.dial(ctx, "tcp", addr)
	if err != nil {
		res.err = err
		return res
	}
	res.connect = time.Since(start)
	c.Close()

	tr := &http.Transport{DialContext: t.dial, MaxIdleConnsPerHost: 4}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	res.p50, res.p99, res.err = latency(ctx, client, "http://"+addr+"/ping", d.Requests)
	if res.err != nil {
		return res
	}
	res.mbps, res.err = download(ctx, client, "http://"+addr+"/blob", d.Size)
	return res
}

// demoHandler answers /ping with "pong" and /blob with size bytes of a
// pattern, its SHA-256 in a trailer-free header.
func demoHandler(size int64) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ping", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "pong") })
	sum := sha256.New()
	io.Copy(sum, io.LimitReader(&patternReader{}, size))
	digest := fmt.Sprintf("%x", sum.Sum(nil))
	mux.HandleFunc("/blob", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-SHA256", digest)
		w.Header().Set("Content-Length", fmt.Sprint(size))
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

func latency(ctx context.Context, c *http.Client, url string, n int) (p50, p99 time.Duration, err error) {
	times := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := c.Do(req)
		if err != nil {
			return 0, 0, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(body) != "pong" {
			return 0, 0, fmt.Errorf("ping: %q, %v", body, err)
		}
		times = append(times, time.Since(start))
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return times[len(times)/2], times[len(times)*99/100], nil
}

func download(ctx context.Context, c *http.Client, url string, size int64) (float64, error) {
	start := time.Now()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sum := sha256.New()
	n, err := io.Copy(sum, resp.Body)
	if err != nil {
		return 0, err
	}
	if n != size || fmt.Sprintf("%x", sum.Sum(nil)) != resp.Header.Get("X-SHA256") {
		return 0, fmt.Errorf("download: got %d bytes, checksum mismatch or short", n)
	}
	return float64(n) / time.Since(start).Seconds() / 1e6, nil
}

func printDemo(w io.Writer, rs []demoResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BACKEND\tCONNECT\tREQ p50\tREQ p99\tDOWNLOAD\tRESULT")
	for _, r := range rs {
		result := "ok"
		if r.err != nil {
			result = "FAIL: " + strings.ReplaceAll(r.err.Error(), "\n", " ")
		}
		fmt.Fprintf(tw, "%s\t%v\t%v\t%v\t%.1f MB/s\t%s\n", r.name, r.connect.Round(time.Microsecond),
			r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.mbps, result)
	}
	tw.Flush()
}
