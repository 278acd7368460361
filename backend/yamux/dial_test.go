package yamux

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/internal/testnet"
)

func dialer(b *Backend) *offload.Dialer { return &offload.Dialer{Backend: b} }

func TestDialEcho(t *testing.T) {
	for _, kind := range linkKinds {
		t.Run(kind, func(t *testing.T) {
			guard(t, 20*time.Second)
			e := newEnv(t, kind, nil, nil)
			addr := testnet.EchoServer(t)
			c, err := dialer(e.b).Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.RemoteAddr().String() != addr {
				t.Errorf("RemoteAddr = %v, want %v", c.RemoteAddr(), addr)
			}
			want := bytes.Repeat([]byte("hello, gateway "), 10000)
			go func() {
				c.Write(want)
				c.(*offload.Conn).CloseWrite()
			}()
			got, err := io.ReadAll(c)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("echo mismatch: got %d bytes, want %d", len(got), len(want))
			}
		})
	}
}

func TestDialRefused(t *testing.T) {
	guard(t, 10*time.Second)
	e := newEnv(t, linkPipe, nil, nil)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err := dialer(e.b).Dial("tcp", addr)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %v, want ECONNREFUSED", err)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) {
		t.Fatalf("err %T is not a *net.OpError", err)
	}
}

func TestDialContextCancel(t *testing.T) {
	guard(t, 10*time.Second)
	release := make(chan struct{})
	var d net.Dialer
	g := &Gateway{AllowAll: true, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr != "127.0.0.1:9" {
			return d.DialContext(ctx, network, addr)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-release:
			return nil, syscall.ECONNREFUSED
		}
	}}
	e := newEnv(t, linkPipe, g, nil)
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := dialer(e.b).DialContext(ctx, "tcp", "127.0.0.1:9")
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	// The session survives a failed dial.
	addr := testnet.EchoServer(t)
	c, err := dialer(e.b).Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// TestOpenTimeout: a gateway that never answers fails that one request
// after Config.OpenTimeout; the session carries on.
func TestOpenTimeout(t *testing.T) {
	guard(t, 10*time.Second)
	release := make(chan struct{})
	var d net.Dialer
	g := &Gateway{AllowAll: true, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == "127.0.0.1:9" {
			<-release
			return nil, syscall.ECONNREFUSED
		}
		return d.DialContext(ctx, network, addr)
	}}
	e := newEnv(t, linkPipe, g, &Config{PSK: testKey, Logger: quiet, OpenTimeout: 50 * time.Millisecond})
	defer close(release)
	_, err := dialer(e.b).Dial("tcp", "127.0.0.1:9")
	if !errors.Is(err, syscall.ETIMEDOUT) {
		t.Fatalf("err = %v, want ETIMEDOUT", err)
	}
	// The next dial gets the default timeout: 50 ms is for the one
	// that must time out, not for a dial on a loaded machine.
	e.b.cfg.OpenTimeout = DefaultOpenTimeout
	c, err := dialer(e.b).Dial("tcp", testnet.EchoServer(t))
	if err != nil {
		t.Fatalf("dial after a timed-out one: %v", err)
	}
	c.Close()
}
