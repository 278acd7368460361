package yamux

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/netoffload/offload/internal/testnet"
)

// Link kinds of the carrier matrix.
const (
	linkPipe = "pipe"
	linkTCP  = "tcp"
	linkTLS  = "tls"
)

var linkKinds = []string{linkPipe, linkTCP, linkTLS}

// testKey is the PSK of test gateways and clients.
var testKey = []byte("0123456789abcdef-test-key")

// testLinkTimeout is how long test links may be quiet: under -race on a
// busy machine a goroutine can wait seconds to run. The link-loss tests
// use the 850 ms default.
const testLinkTimeout = 5 * time.Second

// quiet is a logger that drops everything.
var quiet = testLogger()

func testLogger() *slog.Logger {
	if os.Getenv("YAMUX_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// linkPair returns the client and gateway ends of a fresh link.
func linkPair(t testing.TB, kind string) (io.ReadWriteCloser, io.ReadWriteCloser) {
	t.Helper()
	switch kind {
	case linkPipe:
		return net.Pipe()
	case linkTCP:
		return tcpPair(t)
	case linkTLS:
		c, g := tcpPair(t)
		certs := testCerts(t)
		return tls.Client(c, certs.client), tls.Server(g, certs.server)
	}
	t.Fatalf("unknown link kind %q", kind)
	return nil, nil
}

func tcpPair(t testing.TB) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	return c, r.c
}

type tlsConfigs struct{ client, server *tls.Config }

var (
	certsOnce sync.Once
	certs     tlsConfigs
	certsErr  error
)

// testCerts makes (once) a self-signed server certificate and a client
// certificate signed by it, and TLS configs that require and verify both.
func testCerts(t testing.TB) tlsConfigs {
	t.Helper()
	certsOnce.Do(func() { certs, certsErr = makeCerts() })
	if certsErr != nil {
		t.Fatal(certsErr)
	}
	return certs
}

func makeCerts() (tlsConfigs, error) {
	cert, pool, err := testnet.SelfSigned("gateway.test")
	if err != nil {
		return tlsConfigs{}, err
	}
	return tlsConfigs{
		client: &tls.Config{RootCAs: pool, ServerName: "gateway.test", Certificates: []tls.Certificate{cert}},
		server: &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert},
	}, nil
}

// offlineResolve knows localhost only, so tests never query DNS.
func offlineResolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if host == "localhost" {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// env is a client and a gateway joined by one link.
type env struct {
	b    *Backend
	g    *Gateway
	done chan error // ServeConn's result
}

// newEnv links a client to gateway g (filled with test defaults where
// zero) over a link of the given kind. Cleanup closes both.
func newEnv(t testing.TB, kind string, g *Gateway, cfg *Config) *env {
	t.Helper()
	cl, gl := linkPair(t, kind)
	return envOver(t, cl, gl, g, cfg)
}

// envOver is newEnv over the link ends cl (the client's) and gl (the
// gateway's).
func envOver(t testing.TB, cl, gl io.ReadWriteCloser, g *Gateway, cfg *Config) *env {
	t.Helper()
	if g == nil {
		g = &Gateway{AllowAll: true}
	}
	if g.PSK == nil && !g.NoAuth {
		g.PSK = testKey
	}
	if g.Logger == nil {
		g.Logger = quiet
	}
	if g.Resolve == nil {
		g.Resolve = offlineResolve
	}
	if g.LinkTimeout == 0 {
		g.LinkTimeout = testLinkTimeout
	}
	if cfg == nil {
		cfg = &Config{PSK: testKey, Logger: quiet}
	}
	if cfg.LinkTimeout == 0 {
		cfg.LinkTimeout = testLinkTimeout
	}
	e := &env{g: g, done: make(chan error, 1)}
	go func() { e.done <- g.ServeConn(gl) }()
	b, err := Client(cl, cfg)
	if err != nil {
		g.Close()
		<-e.done
		t.Fatalf("Client: %v", err)
	}
	e.b = b
	t.Cleanup(func() {
		b.Close()
		g.Close()
		<-e.done
	})
	return e
}

// session returns the client's live yamux session (for stream counts).
func (e *env) streams() int {
	e.b.mu.Lock()
	s := e.b.sess
	e.b.mu.Unlock()
	if s == nil {
		return -1
	}
	return s.mux.NumStreams()
}

// guard fails the test with a goroutine dump if it runs past d.
func guard(t testing.TB, d time.Duration) {
	t.Helper()
	timer := time.AfterFunc(d, func() {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		panic("test hang guard expired after " + d.String() + "\n" + string(buf[:n]))
	})
	t.Cleanup(func() { timer.Stop() })
}
