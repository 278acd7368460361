package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend"
	"github.com/netoffload/offload/backend/espat"
	"github.com/netoffload/offload/backend/espat/espatsim"
	"github.com/netoffload/offload/backend/loopback"
	"github.com/netoffload/offload/backend/yamux"
)

// A rig is one backend running entirely inside this process, for the demo
// and the benchmark: its Dialer and ListenConfig, and how to stop it.
// The yamux and ESP-AT rigs reach the host's 127.0.0.1 (their gateway
// and emulator dial and listen there); the loopback rig reaches only
// itself.
type rig struct {
	name   string
	dialer *offload.Dialer
	lc     *offload.ListenConfig
	// host is true when the rig's far side is the host's loopback, so
	// a kernel listener on 127.0.0.1 is reachable through dialer.
	host  bool
	close func()
}

// listen opens a listener on 127.0.0.1 that the rig's dialer reaches:
// on the host's kernel when onHost is set, else on the rig's own
// ListenConfig.
func (r *rig) listen(ctx context.Context, onHost bool) (net.Listener, error) {
	if onHost {
		var lc net.ListenConfig
		return lc.Listen(ctx, "tcp", "127.0.0.1:0")
	}
	return r.lc.Listen(ctx, "tcp", "127.0.0.1:0")
}

// rigMaker builds a rig.
type rigMaker func() (*rig, error)

func newRig(name string, b backend.Backend, host bool, stop func()) *rig {
	return &rig{
		name:   name,
		dialer: &offload.Dialer{Backend: b},
		lc:     &offload.ListenConfig{Backend: b},
		host:   host,
		close:  stop,
	}
}

// loopbackRig is an in-memory network.
func loopbackRig() (*rig, error) {
	n := loopback.New(loopback.Config{})
	return newRig("loopback", n, false, func() { n.Close() }), nil
}

// yamuxRig is a yamux client and a gateway joined by an in-process link
// (net.Pipe), authenticated with a fresh pre-shared key and allowed to
// dial and listen on 127.0.0.1 only.
func yamuxRig() (*rig, error) {
	psk := make([]byte, 32)
	rand.Read(psk)
	g := &yamux.Gateway{
		PSK:         psk,
		Allow:       []yamux.Rule{{Prefix: netip.MustParsePrefix("127.0.0.1/32")}},
		AllowListen: yamux.PortRanges{{Lo: 0, Hi: 65535}},
		Logger:      slog.New(slog.DiscardHandler),
	}
	dev, gw := net.Pipe()
	served := make(chan struct{})
	go func() { defer close(served); g.ServeConn(gw) }()
	b, err := yamux.Client(dev, &yamux.Config{PSK: psk})
	if err != nil {
		g.Close()
		<-served
		return nil, fmt.Errorf("yamux client: %w", err)
	}
	return newRig("yamux", b, true, func() { b.Close(); g.Close(); <-served }), nil
}

// simSSID and simPassword name the access point of in-process emulators.
const (
	simSSID     = "offload-demo"
	simPassword = "correct horse battery staple"
)

// espatRig is the ESP-AT driver on an in-process UART to the emulator,
// which joins a simulated access point and links to the host's
// 127.0.0.1. Baud zero means an unpaced line.
func espatRig(baud int, coalesce bool) rigMaker {
	return func() (*rig, error) {
		host, sim := espatsim.Pipe(espatsim.Config{
			Baud: baud,
			APs:  []espatsim.AccessPoint{{SSID: simSSID, Password: simPassword}},
		})
		m, err := espat.Open(host, espat.Config{
			Baud: baud, SSID: simSSID, Password: simPassword, NoCoalesce: !coalesce,
		})
		if err != nil {
			host.Close()
			sim.Close()
			return nil, fmt.Errorf("espat: %w", err)
		}
		return newRig("espat", m, true, func() { m.Close(); sim.Close() }), nil
	}
}
