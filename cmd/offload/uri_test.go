package main

import (
	"strings"
	"testing"
	"time"

	"github.com/netoffload/offload/backend/espat"
)

func TestParseVia(t *testing.T) {
	for _, tc := range []struct {
		in                   string
		scheme, addr, device string
		canonical            string // "" means in
	}{
		{in: "loopback:", scheme: "loopback"},
		{in: "loopback://", scheme: "loopback", canonical: "loopback:"},
		{in: "yamux://127.0.0.1:7000", scheme: "yamux", addr: "127.0.0.1:7000"},
		{in: "yamux://gw.example:7000?psk-file=/etc/offload/psk", scheme: "yamux", addr: "gw.example:7000",
			canonical: "yamux://gw.example:7000?psk-file=%2Fetc%2Foffload%2Fpsk"},
		{in: "yamux://[::1]:7000?psk-env=GW_KEY", scheme: "yamux", addr: "[::1]:7000"},
		{in: "yamux://gw.example:7000?keepalive=1s&link-timeout=2500ms", scheme: "yamux", addr: "gw.example:7000"},
		{in: "yamux://gw.example:7000?window=4MiB", scheme: "yamux", addr: "gw.example:7000"},
		{in: "yamux+tls://gw.example:7443?ca-file=ca.pem&cert-file=c.pem&key-file=k.pem&server-name=gw", scheme: "yamux+tls", addr: "gw.example:7443"},
		{in: "espat:///dev/ttyUSB0?baud=115200&psk-file=wifi&ssid=home", scheme: "espat", device: "/dev/ttyUSB0",
			canonical: "espat:///dev/ttyUSB0?baud=115200&psk-file=wifi&ssid=home"},
		{in: "espat:///dev/ttyACM0?dialect=1.7&rtscts=true&switch-baud=921600&active=1", scheme: "espat", device: "/dev/ttyACM0"},
		{in: "espat+tcp://127.0.0.1:3333", scheme: "espat+tcp", addr: "127.0.0.1:3333"},
		{in: "espat+tcp://localhost:3333?ssid=My%20Net&send-limit=2048", scheme: "espat+tcp", addr: "localhost:3333"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			var v via
			if err := v.UnmarshalText([]byte(tc.in)); err != nil {
				t.Fatal(err)
			}
			if v.scheme != tc.scheme || v.addr != tc.addr || v.device != tc.device {
				t.Errorf("got scheme %q addr %q device %q", v.scheme, v.addr, v.device)
			}
			want := tc.canonical
			if want == "" && !strings.Contains(tc.in, "&") {
				want = tc.in
			}
			if want != "" && v.String() != want {
				t.Errorf("String() = %q, want %q", v.String(), want)
			}
		})
	}
}

func TestParseViaErrors(t *testing.T) {
	for _, tc := range []struct{ in, msg string }{
		{"", "unknown scheme"},
		{"tcp://127.0.0.1:80", "unknown scheme"},
		{"/dev/ttyUSB0", "unknown scheme"},
		{"loopback:foo", "takes no address"},
		{"loopback://127.0.0.1:1", "takes no address"},
		{"loopback:?psk-file=x", "unknown parameter"},
		{"yamux://gw.example", "HOST:PORT"},
		{"yamux://:7000", "HOST:PORT"},
		{"yamux://gw.example:0", "bad port"},
		{"yamux://gw.example:70000", "bad port"},
		{"yamux://gw.example:http", "port"},
		{"yamux://gw.example:7000/path", "HOST:PORT"},
		{"yamux://gw.example:7000?psk=00112233", "secrets"},
		{"yamux://gw.example:7000?key=00112233", "secrets"},
		{"yamux://gw.example:7000?ca-file=ca.pem", "unknown parameter"},
		{"yamux://gw.example:7000?psk-file=a&psk-file=b", "2 times"},
		{"yamux://gw.example:7000?psk-env=", "empty variable"},
		{"yamux://gw.example:7000?link-timeout=3", "link-timeout"},
		{"yamux://gw.example:7000?keepalive=0s", "must be positive"},
		{"yamux://gw.example:7000?link-timeout=-1s", "must be positive"},
		{"yamux://gw.example:7000?window=64KiB", "at least 256KiB"},
		{"yamux://gw.example:7000?window=lots", "window"},
		{"yamux+tls://gw.example:7443?cert-file=c.pem", "go together"},
		{"espat://dev/ttyUSB0", "three slashes"},
		{"espat:///", "three slashes"},
		{"espat:///dev/ttyUSB0?password=hunter2", "secrets"},
		{"espat:///dev/ttyUSB0?baud=fast", "baud"},
		{"espat:///dev/ttyUSB0?baud=0", "positive"},
		{"espat:///dev/ttyUSB0?baud=-9600", "baud"},
		{"espat:///dev/ttyUSB0?dialect=3.0", "dialect"},
		{"espat:///dev/ttyUSB0?rtscts=maybe", "rtscts"},
		{"espat+tcp://127.0.0.1:3333?switch-baud=921600", "unknown parameter"},
		{"espat+tcp://127.0.0.1", "HOST:PORT"},
		{"yamux://%zz:1", "invalid URL escape"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			var v via
			err := v.UnmarshalText([]byte(tc.in))
			if err == nil {
				t.Fatalf("parsed as %+v, want an error", v)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not mention %q", err, tc.msg)
			}
		})
	}
}

// A bad URI is a usage error (exit 2) whichever command takes it.
func TestBadViaIsUsageError(t *testing.T) {
	for _, args := range [][]string{
		{"nc", "--via", "yamux://gw.example", "127.0.0.1", "80"},
		{"get", "--via", "espat:///dev/ttyUSB0?password=x", "http://127.0.0.1/"},
	} {
		r := runCmd(t, nil, "", args...)
		r.want(t, exitUsage)
		if !strings.Contains(r.err, "backend URI") {
			t.Errorf("stderr: %s", r.err)
		}
	}
}

func TestViaFromEnvironment(t *testing.T) {
	t.Setenv("OFFLOAD_VIA", "bogus://")
	r := runCmd(t, nil, "", "nc", "127.0.0.1", "80")
	r.want(t, exitUsage)
	if !strings.Contains(r.err, "unknown scheme") {
		t.Errorf("stderr: %s", r.err)
	}
}

func TestYamuxConfigFromURI(t *testing.T) {
	t.Setenv(envPSK, "")
	var v via
	if err := v.UnmarshalText([]byte("yamux://127.0.0.1:1?keepalive=1s&link-timeout=4s&window=2MiB")); err != nil {
		t.Fatal(err)
	}
	cfg, err := v.yamuxConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.KeepAlive != time.Second || cfg.LinkTimeout != 4*time.Second || cfg.StreamWindow != 2<<20 || cfg.PSK != nil {
		t.Errorf("keepalive %v, link timeout %v, window %d, key %x; want 1s, 4s, 2 MiB, none",
			cfg.KeepAlive, cfg.LinkTimeout, cfg.StreamWindow, cfg.PSK)
	}
}

func TestEspatConfigFromURI(t *testing.T) {
	pw := writeFile(t, "wifi", "hunter2 with spaces \n")
	var v via
	if err := v.UnmarshalText([]byte("espat:///dev/ttyUSB0?baud=115200&switch-baud=921600&rtscts=1&ssid=home&psk-file=" + pw + "&dialect=esp8266&active=true&send-limit=1024")); err != nil {
		t.Fatal(err)
	}
	cfg, err := v.espatConfig(&env{})
	if err != nil {
		t.Fatal(err)
	}
	want := espat.Config{Baud: 115200, SwitchBaud: 921600, FlowControl: true, SSID: "home",
		Password: "hunter2 with spaces ", Dialect: espat.Dialect17, ActiveReceive: true, SendLimit: 1024}
	if cfg.Baud != want.Baud || cfg.SwitchBaud != want.SwitchBaud || cfg.FlowControl != want.FlowControl ||
		cfg.SSID != want.SSID || cfg.Password != want.Password || cfg.Dialect != want.Dialect ||
		cfg.ActiveReceive != want.ActiveReceive || cfg.SendLimit != want.SendLimit {
		t.Errorf("got %+v\nwant %+v", cfg, want)
	}
}

func TestSecretFromEnvironment(t *testing.T) {
	t.Setenv("MY_WIFI", "from-env")
	t.Setenv(envWiFiPSK, "default-env")
	for _, tc := range []struct{ uri, want string }{
		{"espat+tcp://127.0.0.1:1?psk-env=MY_WIFI", "from-env"},
		{"espat+tcp://127.0.0.1:1", "default-env"},
	} {
		var v via
		if err := v.UnmarshalText([]byte(tc.uri)); err != nil {
			t.Fatal(err)
		}
		cfg, err := v.espatConfig(&env{})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Password != tc.want {
			t.Errorf("%s: password %q, want %q", tc.uri, cfg.Password, tc.want)
		}
	}
	var v via
	v.UnmarshalText([]byte("espat+tcp://127.0.0.1:1?psk-env=NOT_SET_ANYWHERE"))
	if _, err := v.espatConfig(&env{}); err == nil || !strings.Contains(err.Error(), "NOT_SET_ANYWHERE") {
		t.Errorf("unset psk-env variable: err %v", err)
	}
}
