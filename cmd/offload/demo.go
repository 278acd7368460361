package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

type demoCmd struct {
	Requests      int           `default:"200" help:"Requests per loopback and yamux row, for the latency figures."`
	Size          int64         `default:"16777216" help:"Bytes downloaded per loopback and yamux row, for the throughput figure."`
	EspatRequests int           `default:"100" name:"espat-requests" help:"Requests per ESP-AT row (its in-process UART is slower)."`
	EspatSize     int64         `default:"4194304" name:"espat-size" help:"Bytes downloaded per ESP-AT row."`
	Timeout       time.Duration `default:"60s" help:"Give up on a row that takes longer than this."`
}

// Help is the detailed help of offload demo --help.
func (d *demoCmd) Help() string {
	return `Needs nothing but this host: each backend runs inside the process and
reaches at most 127.0.0.1. Each row serves HTTP (a /ping and a checksummed
/blob) and fetches it through the backend's Dialer with net/http: the time
to connect, the latency of small requests one after another, and the rate
of one download. The table goes to stdout, progress to stderr; the command
exits 1 if any row fails.`
}

// demoCase is one row of the demo: a backend, and whether the HTTP server
// listens on the backend's Listener or on the host's 127.0.0.1.
type demoCase struct {
	mk       rigMaker
	onHost   bool // serve on a kernel listener on 127.0.0.1
	requests int
	size     int64
}

// demoResult is one row of the demo table.
type demoResult struct {
	backend, server string
	connect         time.Duration
	p50, p99        time.Duration
	mbps            float64
	err             error
}

func (d *demoCmd) cases() []demoCase {
	esp := espatRig(0, true)
	return []demoCase{
		{mk: loopbackRig, requests: d.Requests, size: d.Size},
		{mk: yamuxRig, requests: d.Requests, size: d.Size},
		{mk: yamuxRig, onHost: true, requests: d.Requests, size: d.Size},
		{mk: esp, requests: d.EspatRequests, size: d.EspatSize},
		{mk: esp, onHost: true, requests: d.EspatRequests, size: d.EspatSize},
	}
}

// Run runs every row, prints the table and fails if a row failed.
func (d *demoCmd) Run(ctx context.Context, e *env) error {
	if d.Requests < 1 || d.EspatRequests < 1 || d.Size < 1 || d.EspatSize < 1 {
		return usagef("demo: requests and sizes must be positive")
	}
	fmt.Fprintln(e.out, demoIntro)
	var results []demoResult
	failed := 0
	for _, c := range d.cases() {
		rctx, cancel := context.WithTimeout(ctx, d.Timeout)
		r := c.run(rctx)
		cancel()
		fmt.Fprintf(e.err, "  %-8s %-16s %s\n", r.backend, r.server, resultWord(r.err))
		results = append(results, r)
		if r.err != nil {
			failed++
		}
	}
	fmt.Fprintln(e.out)
	printDemo(e.out, results)
	if failed > 0 {
		return fmt.Errorf("demo: %d of %d rows failed", failed, len(results))
	}
	return nil
}

const demoIntro = `offload demo: for each backend, an HTTP server and client in this process.
  loopback   in-memory network
  yamux      a yamux client and gateway over net.Pipe (pre-shared key, allow 127.0.0.1)
  espat      the ESP-AT driver and the modem emulator over an in-process UART (unpaced),
             the emulator's sockets on the host's 127.0.0.1
SERVER is where the HTTP server listens: the backend's own Listener, or a plain
net.Listener on the host's 127.0.0.1 that the backend's Dialer reaches.`

// run builds the rig, serves HTTP and measures the client.
func (c demoCase) run(ctx context.Context) demoResult {
	res := demoResult{backend: "?", server: "offload Listener"}
	if c.onHost {
		res.server = "host 127.0.0.1"
	}
	rg, err := c.mk()
	if err != nil {
		res.err = err
		return res
	}
	defer rg.close()
	res.backend = rg.name
	ln, err := rg.listen(ctx, c.onHost)
	if err != nil {
		res.err = fmt.Errorf("listen: %w", err)
		return res
	}
	res.connect, res.p50, res.p99, res.mbps, res.err = measureHTTP(ctx, ln, rg.dialer.DialContext, c.requests, c.size)
	return res
}

// dialFunc has the signature of net.Dialer.DialContext.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// measureHTTP serves the demo handler on ln (and closes ln) and measures
// a client that dials with dial: the time to connect, the latency of
// requests small requests, and the rate of downloading size bytes.
func measureHTTP(ctx context.Context, ln net.Listener, dial dialFunc, requests int, size int64) (connect, p50, p99 time.Duration, mbps float64, err error) {
	srv := &http.Server{Handler: demoHandler(size), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() { defer close(served); srv.Serve(ln) }()
	defer func() { srv.Close(); <-served }()
	addr := "127.0.0.1:" + portOf(ln.Addr())

	if connect, err = timeConnect(ctx, dial, addr); err != nil {
		return
	}
	tr := &http.Transport{DialContext: dial, MaxConnsPerHost: 1, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	if p50, p99, err = latency(ctx, client, "http://"+addr+"/ping", requests); err != nil {
		return
	}
	mbps, err = download(ctx, client, "http://"+addr+"/blob", size)
	return
}

// timeConnect measures one dial.
func timeConnect(ctx context.Context, dial dialFunc, addr string) (time.Duration, error) {
	start := time.Now()
	c, err := dial(ctx, "tcp", addr)
	if err != nil {
		return 0, fmt.Errorf("connect: %w", err)
	}
	d := time.Since(start)
	c.Close()
	return d, nil
}

// portOf returns the port of a listener's address.
func portOf(a net.Addr) string {
	_, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "0"
	}
	return port
}
