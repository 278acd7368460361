package yamux

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netoffload/offload/internal/testnet"
)

// handshakeResult runs gateway g and a client with cfg over a pipe and
// returns both errors.
func handshakeResult(t *testing.T, g *Gateway, cfg *Config) (clientErr, gatewayErr error) {
	t.Helper()
	if g.Logger == nil {
		g.Logger = quiet
	}
	cl, gl := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- g.ServeConn(gl) }()
	b, err := Client(cl, cfg)
	if err == nil {
		b.Close()
	}
	gerr := <-done
	g.Close()
	return err, gerr
}

func TestAuthWrongKey(t *testing.T) {
	guard(t, 10*time.Second)
	cerr, gerr := handshakeResult(t, &Gateway{PSK: testKey, AllowAll: true}, &Config{PSK: []byte("another key, 16+ bytes")})
	if !errors.Is(cerr, ErrAuthFailed) || !errors.Is(cerr, syscall.EACCES) {
		t.Errorf("client: %v, want ErrAuthFailed", cerr)
	}
	if !errors.Is(gerr, ErrAuthFailed) {
		t.Errorf("gateway: %v, want ErrAuthFailed", gerr)
	}
}

func TestAuthMissingKey(t *testing.T) {
	guard(t, 10*time.Second)
	cerr, gerr := handshakeResult(t, &Gateway{PSK: testKey, AllowAll: true}, nil)
	if !errors.Is(cerr, ErrAuthFailed) || !errors.Is(gerr, ErrAuthFailed) {
		t.Errorf("client %v, gateway %v; want ErrAuthFailed", cerr, gerr)
	}
}

// A client with a key refuses a gateway that cannot prove it knows it.
func TestAuthGatewayWithoutKey(t *testing.T) {
	guard(t, 10*time.Second)
	cerr, _ := handshakeResult(t, &Gateway{NoAuth: true, AllowAll: true}, &Config{PSK: testKey})
	if !errors.Is(cerr, ErrAuthFailed) {
		t.Errorf("client: %v, want ErrAuthFailed", cerr)
	}
}

func TestNoAuthOverTLSClientCerts(t *testing.T) {
	guard(t, 10*time.Second)
	e := newEnv(t, linkTLS, &Gateway{NoAuth: true, AllowAll: true}, &Config{})
	c, err := dialer(e.b).Dial("tcp", testnet.EchoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// A link that never completes the handshake is closed after
// HandshakeTimeout.
func TestHandshakeTimeout(t *testing.T) {
	guard(t, 10*time.Second)
	g := &Gateway{PSK: testKey, AllowAll: true, Logger: quiet}
	g.HandshakeTimeout = 50 * time.Millisecond
	cl, gl := net.Pipe()
	defer cl.Close()
	done := make(chan error, 1)
	go func() { done <- g.ServeConn(gl) }()
	if _, err := cl.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("idle link read: %v, want EOF (closed by the gateway)", err)
	}
	if err := <-done; err == nil {
		t.Error("ServeConn accepted a silent link")
	}
	g.Close()
}

func TestGatewayGarbageLink(t *testing.T) {
	guard(t, 10*time.Second)
	g := &Gateway{PSK: testKey, AllowAll: true, Logger: quiet}
	cl, gl := net.Pipe()
	defer cl.Close()
	done := make(chan error, 1)
	go func() { done <- g.ServeConn(gl) }()
	cl.Write([]byte("GET / HTTP/1.1\r\nHost: gateway.example\r\n\r\n"))
	if err := <-done; !errors.Is(err, ErrBadHandshake) {
		t.Errorf("ServeConn: %v, want ErrBadHandshake", err)
	}
	g.Close()
}

func TestGatewayRefusesToStart(t *testing.T) {
	for _, tc := range []struct {
		g    *Gateway
		want error
	}{
		{&Gateway{AllowAll: true}, ErrNoAuth},
		{&Gateway{PSK: testKey}, ErrNoPolicy},
		{&Gateway{NoAuth: true}, ErrNoPolicy},
	} {
		cl, gl := net.Pipe()
		if err := tc.g.ServeConn(gl); !errors.Is(err, tc.want) {
			t.Errorf("ServeConn: %v, want %v", err, tc.want)
		}
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		if err := tc.g.Serve(ln); !errors.Is(err, tc.want) {
			t.Errorf("Serve: %v, want %v", err, tc.want)
		}
		cl.Close()
	}
}

func TestGatewayBusy(t *testing.T) {
	guard(t, 10*time.Second)
	g := &Gateway{PSK: testKey, AllowAll: true, MaxSessions: 1}
	newEnv(t, linkPipe, g, nil)
	cerr, _ := handshakeResult(t, g, &Config{PSK: testKey})
	if !errors.Is(cerr, ErrGatewayBusy) {
		t.Errorf("second client: %v, want ErrGatewayBusy", cerr)
	}
}

// logBuffer collects log output for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }
