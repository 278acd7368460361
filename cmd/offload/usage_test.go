package main

import (
	"strings"
	"testing"
)

func TestHelpListsEveryCommand(t *testing.T) {
	r := runCmd(t, nil, "", "--help")
	r.want(t, exitOK)
	for _, cmd := range []string{"demo", "gateway", "espat-sim", "nc", "get", "bench", "Exit codes", "espat+tcp://"} {
		if !strings.Contains(r.stdout, cmd) {
			t.Errorf("--help does not mention %q:\n%s", cmd, r.stdout)
		}
	}
}

func TestEverySubcommandHasHelp(t *testing.T) {
	for _, cmd := range []string{"demo", "gateway", "espat-sim", "nc", "get", "bench"} {
		t.Run(cmd, func(t *testing.T) {
			r := runCmd(t, nil, "", cmd, "--help")
			r.want(t, exitOK)
			if !strings.Contains(r.stdout, "offload "+cmd) || !strings.Contains(r.stdout, "Flags:") {
				t.Errorf("help of %s:\n%s", cmd, r.stdout)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	psk := keyFile(t, "ab")
	for _, tc := range []struct {
		name string
		args []string
		msg  string // in stderr
	}{
		{"no command", nil, "Usage:"},
		{"unknown command", []string{"frobnicate"}, "unexpected argument frobnicate"},
		{"unknown flag", []string{"demo", "--bogus"}, "unknown flag --bogus"},
		{"gateway without rule", []string{"gateway", "--listen", "127.0.0.1:0", "--psk-file", psk}, "no allow rule"},
		{"gateway bad rule", []string{"gateway", "--listen", "127.0.0.1:0", "--allow", "10.0.0.0/33"}, "--allow"},
		{"gateway without key", []string{"gateway", "--listen", "127.0.0.1:0", "--allow", "127.0.0.1"}, "no pre-shared key"},
		{"gateway no-auth without client CA", []string{"gateway", "--listen", "127.0.0.1:0", "--allow-all", "--no-auth"}, "--client-ca"},
		{"gateway cert without key", []string{"gateway", "--listen", "127.0.0.1:0", "--allow-all", "--tls-cert", psk}, "--tls-key"},
		{"nc bad URI", []string{"nc", "--via", "carrier-pigeon://x:1", "h", "1"}, "unknown scheme"},
		{"nc secret on command line", []string{"nc", "--via", "yamux://127.0.0.1:1?psk=00", "h", "1"}, "secrets"},
		{"nc one argument", []string{"nc", "--via", "loopback:", "127.0.0.1"}, "want HOST PORT"},
		{"nc bad port", []string{"nc", "--via", "loopback:", "127.0.0.1", "http2000"}, "bad port"},
		{"nc without via", []string{"nc", "127.0.0.1", "1"}, "--via"},
		{"get not http", []string{"get", "--via", "loopback:", "ftp://127.0.0.1/x"}, "http://"},
		{"bench bad chart name", []string{"bench", "--out", "chart.gif"}, ".svg or .png"},
		{"bench unknown series", []string{"bench", "--only", "carrier-pigeon"}, "matches no series"},
		{"espat-sim both transports", []string{"espat-sim", "--pty", "--tcp", "127.0.0.1:0"}, "can't be used together"},
		{"espat-sim bad dialect", []string{"espat-sim", "--dialect", "3.0"}, "dialect"},
		{"espat-sim auto-join unknown", []string{"espat-sim", "--ap", "home", "--auto-join", "work"}, "names no --ap"},
		{"demo zero requests", []string{"demo", "--requests", "0"}, "positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(envPSK, "")
			r := runCmd(t, nil, "", tc.args...)
			r.want(t, exitUsage)
			if !strings.Contains(r.err, tc.msg) {
				t.Errorf("stderr does not mention %q:\n%s", tc.msg, r.err)
			}
			if len(tc.args) > 0 && strings.Contains(r.stdout, "Usage:") {
				t.Errorf("usage went to stdout, want stderr:\n%s", r.stdout)
			}
		})
	}
}
