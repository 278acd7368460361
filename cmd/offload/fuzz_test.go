package main

import (
	"testing"
)

// FuzzParseVia feeds arbitrary text to the backend URI parser: it must
// not panic, and a URI it accepts must print as one that parses to the
// same backend.
func FuzzParseVia(f *testing.F) {
	for _, s := range []string{
		"loopback:",
		"yamux://127.0.0.1:7000?psk-file=psk",
		"yamux+tls://gw.example:7443?ca-file=ca.pem&cert-file=c.pem&key-file=k.pem",
		"espat:///dev/ttyUSB0?baud=115200&ssid=home&psk-file=wifi",
		"espat+tcp://[::1]:3333?dialect=1.7&active=1",
		"yamux://gw.example:7000?psk=00",
		"yamux://gw.example:7000?window=4MiB&keepalive=1s",
		"espat://dev/ttyUSB0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v via
		if v.UnmarshalText([]byte(s)) != nil {
			return
		}
		var w via
		if err := w.UnmarshalText([]byte(v.String())); err != nil {
			t.Fatalf("%q parsed, but its String %q does not: %v", s, v.String(), err)
		}
		if w.scheme != v.scheme || w.addr != v.addr || w.device != v.device || w.query.Encode() != v.query.Encode() {
			t.Fatalf("%q → %q: got %+v, want %+v", s, v.String(), w, v)
		}
	})
}
