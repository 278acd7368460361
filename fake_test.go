package offload_test

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/netoffload/offload/backend"
)

// fakeBackend is a backend without a Resolver whose stream Connect
// records its address and context, then either refuses at once or, when
// block is set, waits for the context to end. It uses only exported
// types, as a vendor's backend would.
type fakeBackend struct {
	block bool

	mu        sync.Mutex
	dialed    []netip.AddrPort
	deadlines []time.Time // of each Connect's context; zero: none
}

func (b *fakeBackend) Open(ctx context.Context, network string, opts backend.Options) (backend.Socket, error) {
	return &fakeSocket{b: b}, nil
}

func (b *fakeBackend) record(ctx context.Context, to netip.AddrPort) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dialed = append(b.dialed, to)
	dl, _ := ctx.Deadline()
	b.deadlines = append(b.deadlines, dl)
}

// calls returns the addresses Connect was called with and the deadlines
// of its contexts.
func (b *fakeBackend) calls() ([]netip.AddrPort, []time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]netip.AddrPort(nil), b.dialed...), append([]time.Time(nil), b.deadlines...)
}

type fakeSocket struct{ b *fakeBackend }

func (s *fakeSocket) Connect(ctx context.Context, remote netip.AddrPort) error {
	s.b.record(ctx, remote)
	if !s.b.block {
		return syscall.ECONNREFUSED
	}
	<-ctx.Done()
	return ctx.Err()
}

var errFake = errors.ErrUnsupported

func (s *fakeSocket) Bind(netip.AddrPort) error                      { return nil }
func (s *fakeSocket) Listen(int) error                               { return errFake }
func (s *fakeSocket) Accept(context.Context) (backend.Socket, error) { return nil, errFake }
func (s *fakeSocket) Stream() *backend.Stream                        { return nil }
func (s *fakeSocket) SendTo([]byte, netip.AddrPort) (int, error)     { return 0, errFake }
func (s *fakeSocket) Packets() *backend.PacketQueue                  { return nil }
func (s *fakeSocket) LocalAddr() netip.AddrPort                      { return netip.AddrPort{} }
func (s *fakeSocket) RemoteAddr() netip.AddrPort                     { return netip.AddrPort{} }
func (s *fakeSocket) Close() error                                   { return nil }
