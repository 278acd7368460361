package offload_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend"
)

// stuckBackend's sockets wait until they are closed, as a backend waits
// on a stalled medium: datagram sockets in Bind, stream sockets in
// Listen.
type stuckBackend struct{}

func (stuckBackend) Open(ctx context.Context, network string, opts backend.Options) (backend.Socket, error) {
	return &stuckSocket{packet: network[:3] == "udp", closed: make(chan struct{})}, nil
}

type stuckSocket struct {
	fakeSocket
	packet bool
	once   sync.Once
	closed chan struct{}
}

func (s *stuckSocket) Bind(netip.AddrPort) error {
	if !s.packet {
		return nil
	}
	<-s.closed
	return net.ErrClosed
}

func (s *stuckSocket) Listen(int) error {
	<-s.closed
	return net.ErrClosed
}

func (s *stuckSocket) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

// TestListenContextBoundsBind: Bind and Listen take no context, so
// ListenConfig closes the socket when the caller's context ends; a
// backend stuck there returns, and the caller gets a timeout.
func TestListenContextBoundsBind(t *testing.T) {
	lc := &offload.ListenConfig{Backend: stuckBackend{}}
	for _, network := range []string{"tcp", "udp"} {
		t.Run(network, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			var err error
			if network == "tcp" {
				_, err = lc.Listen(ctx, network, "127.0.0.1:0")
			} else {
				_, err = lc.ListenPacket(ctx, network, "127.0.0.1:0")
			}
			var oe *net.OpError
			if !errors.As(err, &oe) || !oe.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("listen with a stuck Bind: %v; want a *net.OpError timeout", err)
			}
		})
	}
}
