package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/netoffload/offload/backend"
	"github.com/netoffload/offload/backend/espat"
	"github.com/netoffload/offload/backend/espat/espatsim"
	"github.com/netoffload/offload/backend/loopback"
	"github.com/netoffload/offload/backend/yamux"
)

// Environment variables that hold secrets when the URI names no file.
const (
	envPSK     = "OFFLOAD_PSK"      // the gateway's pre-shared key (hex)
	envWiFiPSK = "OFFLOAD_WIFI_PSK" // the Wi-Fi password
)

// open starts the backend v names. The returned function releases it.
// A "loopback:" URI gives e.loopback when set (tests share one network
// with the command), otherwise a new, empty in-memory network.
func (v *via) open(ctx context.Context, e *env) (backend.Backend, func(), error) {
	switch v.scheme {
	case "loopback":
		if e.loopback != nil {
			return e.loopback, func() {}, nil
		}
		n := loopback.New(loopback.Config{})
		return n, func() { n.Close() }, nil
	case "yamux", "yamux+tls":
		return v.openYamux(ctx)
	default:
		return v.openEspat(ctx, e)
	}
}

// openYamux dials the gateway and runs the client handshake.
func (v *via) openYamux(ctx context.Context) (backend.Backend, func(), error) {
	cfg, err := v.yamuxConfig()
	if err != nil {
		return nil, nil, err
	}
	link, err := v.dialLink(ctx)
	if err != nil {
		return nil, nil, err
	}
	b, err := yamux.Client(link, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("gateway %s: %w", v.addr, err)
	}
	// Shutdown, not Close: bytes still queued in closed conns (nc with a
	// piped stdin, say) reach the far end before the link goes.
	return b, func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		b.Shutdown(ctx)
	}, nil
}

// yamuxConfig turns the URI's parameters into the client's Config.
func (v *via) yamuxConfig() (*yamux.Config, error) {
	psk, err := v.secret(envPSK)
	if err != nil {
		return nil, err
	}
	cfg := &yamux.Config{}
	cfg.KeepAlive, cfg.LinkTimeout = v.durParam("keepalive"), v.durParam("link-timeout")
	cfg.StreamWindow = v.windowParam("window")
	if psk != nil {
		if cfg.PSK, err = yamux.ParsePSK(psk); err != nil {
			return nil, fmt.Errorf("gateway key: %w", err)
		}
	}
	return cfg, nil
}

// shutdownGrace bounds how long a command waits, on exit, for a yamux
// backend to deliver what its closed conns still hold.
const shutdownGrace = 5 * time.Second

// dialLink opens the TCP (or TLS) link to a gateway or a serial bridge.
func (v *via) dialLink(ctx context.Context) (net.Conn, error) {
	if v.scheme != "yamux+tls" {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", v.addr)
	}
	cfg, err := clientTLS(v)
	if err != nil {
		return nil, err
	}
	d := tls.Dialer{Config: cfg}
	return d.DialContext(ctx, "tcp", v.addr)
}

// openEspat opens the serial device (or the serial-over-TCP bridge) and
// starts the ESP-AT driver on it.
func (v *via) openEspat(ctx context.Context, e *env) (backend.Backend, func(), error) {
	cfg, err := v.espatConfig(e)
	if err != nil {
		return nil, nil, err
	}
	var m *espat.Modem
	if v.scheme == "espat" {
		m, err = espat.OpenSerial(v.device, cfg)
	} else {
		var port net.Conn
		if port, err = v.dialLink(ctx); err != nil {
			return nil, nil, err
		}
		stop := closeOnCancel(ctx, port)
		m, err = espat.Open(port, cfg)
		stop()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("ESP-AT modem: %w", err)
	}
	return m, func() { m.Close() }, nil
}

// espatConfig turns the URI's parameters into the driver's Config.
func (v *via) espatConfig(e *env) (espat.Config, error) {
	cfg := espat.Config{
		Baud:          v.intParam("baud"),
		SwitchBaud:    v.intParam("switch-baud"),
		FlowControl:   v.boolParam("rtscts"),
		SSID:          v.query.Get("ssid"),
		ActiveReceive: v.boolParam("active"),
		SendLimit:     v.intParam("send-limit"),
		Dialect:       espatDialect(v.query.Get("dialect")),
	}
	if e.verbose {
		cfg.Logf = func(format string, args ...any) {
			fmt.Fprintf(e.err, "espat: "+format+"\n", args...)
		}
	}
	pw, err := v.secret(envWiFiPSK)
	if err != nil {
		return cfg, err
	}
	cfg.Password = string(pw)
	return cfg, nil
}

// espatDialect maps a validated dialect= value to the driver's Dialect.
func espatDialect(s string) espat.Dialect {
	d, err := espatsim.ParseDialect(s)
	switch {
	case err != nil:
		return espat.DialectAuto
	case d == espatsim.AT17:
		return espat.Dialect17
	default:
		return espat.DialectV2
	}
}

// secret reads the URI's secret: the file psk-file= names, else the
// variable psk-env= names, else the variable def. Nil means none given
// (an empty variable counts as unset).
// A file's final line break is dropped.
func (v *via) secret(def string) ([]byte, error) {
	if f := v.query.Get("psk-file"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		return []byte(strings.TrimRight(string(b), "\r\n")), nil
	}
	name := def
	if n := v.query.Get("psk-env"); n != "" {
		name = n
	}
	s := os.Getenv(name)
	if s == "" {
		if v.query.Has("psk-env") {
			return nil, fmt.Errorf("environment variable %s is not set", name)
		}
		return nil, nil
	}
	return []byte(s), nil
}

// closeOnCancel closes c when ctx is done, until the returned stop is
// called.
func closeOnCancel(ctx context.Context, c io.Closer) (stop func() bool) {
	return context.AfterFunc(ctx, func() { c.Close() })
}
