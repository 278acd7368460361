package main

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestEspatSimTCPAndNc runs the emulator as a serial-over-TCP bridge and
// nc through the ESP-AT driver on it. ESP-AT cannot half-close, so the
// echo server closes after echoing the message.
func TestEspatSimTCPAndNc(t *testing.T) {
	sim := startCmd(t, nil, "espat-sim", "--tcp", "127.0.0.1:0")
	msg := strings.Repeat("through the modem\n", 500)
	host, port := splitHostPort(t, echoServer(t, int64(len(msg))))

	r := runCmd(t, nil, msg, "nc", "--via", "espat+tcp://"+sim.first, host, port)
	r.want(t, exitOK)
	if r.stdout != msg {
		t.Errorf("echo: got %d bytes, want %d", len(r.stdout), len(msg))
	}
}

// TestEspatSimGetWithWiFi joins a password-protected access point given
// with --ap, then fetches a file through the modem.
func TestEspatSimGetWithWiFi(t *testing.T) {
	pw := writeFile(t, "home.psk", "correct horse\n")
	sim := startCmd(t, nil, "espat-sim", "--tcp", "127.0.0.1:0", "--dialect", "1.7", "--ap", "home:"+pw)
	srv := httptest.NewServer(blobHandler(512 << 10))
	defer srv.Close()

	out := filepath.Join(t.TempDir(), "blob")
	r := runCmd(t, nil, "", "get", "--via", "espat+tcp://"+sim.first+"?ssid=home&psk-file="+pw, "-o", out, srv.URL+"/blob")
	r.want(t, exitOK)
	if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, pattern(512<<10)) {
		t.Errorf("file: %d bytes, %v", len(got), err)
	}

	wrong := writeFile(t, "wrong.psk", "battery staple")
	r = runCmd(t, nil, "", "get", "--via", "espat+tcp://"+sim.first+"?ssid=home&psk-file="+wrong, srv.URL+"/blob")
	r.want(t, exitFailure)
	if !strings.Contains(r.err, "ESP-AT modem") {
		t.Errorf("wrong password: stderr %s", r.err)
	}
}

// TestEspatSimPTY serves the emulator on a pseudo-terminal and fetches
// through the serial driver opened on its path, as with a real modem on
// /dev/ttyUSB0.
func TestEspatSimPTY(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no pseudo-terminals on Windows")
	}
	sim := startCmd(t, nil, "espat-sim", "--pty")
	if !strings.HasPrefix(sim.first, "/dev/") {
		t.Fatalf("printed %q, want a device path", sim.first)
	}
	srv := httptest.NewServer(blobHandler(64 << 10))
	defer srv.Close()
	r := runCmd(t, nil, "", "get", "-q", "--via", "espat://"+sim.first+"?baud=115200", srv.URL+"/blob")
	r.want(t, exitOK)
	if !bytes.Equal([]byte(r.stdout), pattern(64<<10)) {
		t.Errorf("body: %d bytes", len(r.stdout))
	}
}
