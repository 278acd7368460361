package main

import (
	"io"
	"net"
	"strings"
	"testing"
)

// echoServer is a kernel TCP server on 127.0.0.1 that echoes each
// connection until the client half-closes, then closes. With limit > 0
// it closes after echoing limit bytes instead (for ESP-AT, which cannot
// half-close).
func echoServer(t *testing.T, limit int64) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			var src io.Reader = c
			if limit > 0 {
				src = io.LimitReader(c, limit)
			}
			io.Copy(c, src)
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func splitHostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

func TestGatewayAndNc(t *testing.T) {
	psk := keyFile(t, "c3")
	host, port := splitHostPort(t, echoServer(t, 0))
	// A rule with a port list: the comma belongs to the rule.
	gw := startCmd(t, nil, "gateway", "--listen", "127.0.0.1:0", "--psk-file", psk, "--allow", "127.0.0.1:1-2,"+port)
	msg := strings.Repeat("hello through the gateway\n", 1000)

	r := runCmd(t, nil, msg, "nc", "--via", "yamux://"+gw.first+"?psk-file="+psk, host, port)
	r.want(t, exitOK)
	if r.stdout != msg {
		t.Errorf("echo: got %d bytes, want %d", len(r.stdout), len(msg))
	}
}

func TestGatewayKeyFromEnvironment(t *testing.T) {
	key := keyHex("7e")
	t.Setenv(envPSK, key)
	gw := startCmd(t, nil, "gateway", "--listen", "127.0.0.1:0", "--allow", "127.0.0.1")
	host, port := splitHostPort(t, echoServer(t, 0))
	r := runCmd(t, nil, "env key", "nc", "--via", "yamux://"+gw.first, host, port)
	r.want(t, exitOK)
	if r.stdout != "env key" {
		t.Errorf("echo: %q", r.stdout)
	}
}

// The link settings parse on both sides and the link carries traffic
// with them.
func TestGatewayLinkSettings(t *testing.T) {
	psk := keyFile(t, "5a")
	host, port := splitHostPort(t, echoServer(t, 0))
	gw := startCmd(t, nil, "gateway", "--listen", "127.0.0.1:0", "--psk-file", psk, "--allow", "127.0.0.1",
		"--keepalive", "50ms", "--link-timeout", "10s", "--stream-window", "512KiB")
	r := runCmd(t, nil, "settings", "nc", "--via", "yamux://"+gw.first+"?psk-file="+psk+"&keepalive=50ms&link-timeout=10s&window=2MiB", host, port)
	r.want(t, exitOK)
	if r.stdout != "settings" {
		t.Errorf("echo: %q", r.stdout)
	}
	runCmd(t, nil, "", "gateway", "--listen", "127.0.0.1:0", "--psk-file", psk, "--allow-all", "--link-timeout", "soon").want(t, exitUsage)
	runCmd(t, nil, "", "gateway", "--listen", "127.0.0.1:0", "--psk-file", psk, "--allow-all", "--stream-window", "100KiB").want(t, exitUsage)
}

func TestGatewayDeniesOutsideAllowList(t *testing.T) {
	psk := keyFile(t, "c3")
	host, port := splitHostPort(t, echoServer(t, 0))
	gw := startCmd(t, nil, "gateway", "--listen", "127.0.0.1:0", "--psk-file", psk, "--allow", "127.0.0.1:1-2")

	r := runCmd(t, nil, "x", "nc", "--via", "yamux://"+gw.first+"?psk-file="+psk, host, port)
	r.want(t, exitFailure)
	if !strings.Contains(r.err, "permission denied") {
		t.Errorf("nc stderr: %s", r.err)
	}
	if log := firstLine(gw.stderr.String(), "denied"); !strings.Contains(log, "port="+port) {
		t.Errorf("gateway logged nothing about the denied dial:\n%s", gw.stderr.String())
	}
}

func TestGatewayRejectsWrongKey(t *testing.T) {
	psk := keyFile(t, "c3")
	other := keyFile(t, "3c")
	gw := startCmd(t, nil, "gateway", "--listen", "127.0.0.1:0", "--psk-file", psk, "--allow", "127.0.0.1")
	r := runCmd(t, nil, "", "nc", "--via", "yamux://"+gw.first+"?psk-file="+other, "127.0.0.1", "1")
	r.want(t, exitFailure)
	if !strings.Contains(r.err, "authentication failed") {
		t.Errorf("stderr: %s", r.err)
	}
}

// TestNcListenThroughGateway runs nc -l through a gateway: the gateway
// listens on 127.0.0.1, the test connects there as the far peer. The
// test reads nc's stdin to the end before it half-closes, so nc has sent
// everything when it exits.
func TestNcListenThroughGateway(t *testing.T) {
	psk := keyFile(t, "c3")
	gw := startCmd(t, nil, "gateway", "--listen", "127.0.0.1:0", "--psk-file", psk, "--allow-listen", "0")
	nc := startWatching(t, strings.NewReader("pong"), true,
		"nc", "-l", "--via", "yamux://"+gw.first+"?psk-file="+psk, "127.0.0.1", "0")

	addr := strings.TrimPrefix(nc.first, "listening on ")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "ping"); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "pong" {
		t.Fatalf("read %q, %v; want pong", got, err)
	}
	c.(*net.TCPConn).CloseWrite()
	if code := nc.wait(t); code != exitOK || nc.stdout.String() != "ping" {
		t.Errorf("nc -l: exit %d, stdout %q; stderr:\n%s", code, nc.stdout.String(), nc.stderr.String())
	}
}

// --stream-window reaches the gateway's yamux settings.
func TestGatewayStreamWindow(t *testing.T) {
	g := &gatewayCmd{AllowAll: true, PSKFile: keyFile(t, "5b")}
	if err := g.Window.UnmarshalText([]byte("3MiB")); err != nil {
		t.Fatal(err)
	}
	gw, err := g.gateway(&env{err: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if gw.StreamWindow != 3<<20 {
		t.Errorf("stream window %d, want 3 MiB", gw.StreamWindow)
	}
}
