//go:build linux

package espat

import (
	"context"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/backendtest"
	"github.com/netoffload/offload/backend/espat/espatsim"
)

// openPTY serves a simulated modem on a pseudo-terminal and opens it with
// OpenSerial, as a program would open a real USB-serial adapter.
func openPTY(t testing.TB, scfg espatsim.Config, cfg Config) *Modem {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	paths := make(chan string, 1)
	served := make(chan error, 1)
	go func() { served <- espatsim.ServePTY(ctx, scfg, func(p string) { paths <- p }) }()
	var path string
	select {
	case path = <-paths:
	case err := <-served:
		cancel()
		t.Fatalf("ServePTY: %v", err)
	}
	cfg = traced(t, cfg)
	m, err := OpenSerial(path, cfg)
	if err != nil {
		cancel()
		<-served
		t.Fatalf("OpenSerial(%s): %v", path, err)
	}
	t.Cleanup(func() {
		m.Close()
		cancel()
		if err := <-served; err != nil {
			t.Errorf("ServePTY: %v", err)
		}
	})
	return m
}

// TestConformancePTY runs the suite over two pseudo-terminals opened with
// go.bug.st/serial, the carrier a real modem would use.
func TestConformancePTY(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backendtest.Env {
		server := openPTY(t, simConfig(), Config{})
		client := openPTY(t, simConfig(), Config{})
		return backendtest.Env{
			Dialer:       &offload.Dialer{Backend: client},
			ListenConfig: &offload.ListenConfig{Backend: server},
			StreamAddr:   "127.0.0.1:0",
			PacketAddr:   "127.0.0.1:0",
			MaxConns:     2 * maxLinks,
			NoHalfClose:  true,
			BulkSize:     1 << 20,
			MaxInFlight:  8 << 20,
			MaxDatagram:  2920,
			HangTimeout:  20 * time.Second,
		}
	})
}
