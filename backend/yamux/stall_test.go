package yamux

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netoffload/offload/internal/testnet"
)

// TestRequestOverStalledLink: a request whose frames cannot get onto the
// link (yamux's stream open and writes wait for the link, up to
// WriteTimeout, whatever the caller's context) still returns when its
// context ends, as a dial on a kernel socket does; the request is
// finished and undone in the background once the link moves, and the
// session carries on; a request whose stream opens only after its
// caller left is not sent. The link holds the request's first frame; the
// context is cancelled once it is held, and the frame released only after
// the call has returned. WriteTimeout is past the hang guard, so the call
// can only return through its context.
func TestRequestOverStalledLink(t *testing.T) {
	calls := []struct {
		name string
		call func(ctx context.Context, b *Backend, addr string) error
	}{
		{"dial", func(ctx context.Context, b *Backend, addr string) error {
			c, err := dialer(b).DialContext(ctx, "tcp", addr)
			if err == nil {
				c.Close()
			}
			return err
		}},
		{"listen", func(ctx context.Context, b *Backend, _ string) error {
			l, err := listenConfig(b).Listen(ctx, "tcp", "127.0.0.1:0")
			if err == nil {
				l.Close()
			}
			return err
		}},
		{"listen packet", func(ctx context.Context, b *Backend, _ string) error {
			pc, err := listenConfig(b).ListenPacket(ctx, "udp", "127.0.0.1:0")
			if err == nil {
				pc.Close()
			}
			return err
		}},
		{"resolve", func(ctx context.Context, b *Backend, _ string) error {
			_, err := b.LookupHost(ctx, "localhost")
			return err
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			guard(t, 30*time.Second)
			addr := testnet.EchoServer(t)
			cl, gl := net.Pipe()
			link := newHoldLink(cl)
			released := false
			defer func() {
				if !released {
					close(link.release)
				}
			}()
			mux := MuxConfig{KeepAlive: -1, WriteTimeout: time.Minute}
			var dials atomic.Int32
			var d net.Dialer
			gwDial := func(ctx context.Context, network, addr string) (net.Conn, error) {
				dials.Add(1)
				return d.DialContext(ctx, network, addr)
			}
			b := envOver(t, link, gl, &Gateway{AllowAll: true, Dial: gwDial, MuxConfig: mux},
				&Config{PSK: testKey, Logger: quiet, MuxConfig: mux}).b

			link.arm(0)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			result := make(chan error, 1)
			go func() { result <- c.call(ctx, b, addr) }()
			<-link.held // the call's first frame waits for the link
			cancel()
			if err := <-result; !errors.Is(err, context.Canceled) {
				t.Fatalf("over a stalled link, cancelled: %v, want context.Canceled", err)
			}

			released = true
			close(link.release)
			conn, err := dialer(b).Dial("tcp", addr)
			if err != nil {
				t.Fatalf("dial once the link moves: %v", err)
			}
			defer conn.Close()
			testnet.Echo(t, conn, []byte("after the stall"))
			// The held frame was the stream's opening: its request, which
			// nobody waited for any more, never went out.
			if n := dials.Load(); n != 1 {
				t.Fatalf("the gateway dialed %d times, want 1 (the dial after the stall)", n)
			}
		})
	}
}
