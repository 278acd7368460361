package yamux

import (
	"bytes"
	"errors"
	"net/netip"
	"syscall"
	"testing"

	"github.com/netoffload/offload/backend"
)

func mustAP(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func TestRequestRoundTrip(t *testing.T) {
	for _, r := range seedRequests() {
		b := appendRequest(nil, r)
		got, err := readRequest(bytes.NewReader(b), DefaultMaxHeader)
		if err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		if got.op != r.op || got.network != r.network || got.arg != r.arg || !bytes.Equal(got.payload, r.payload) {
			t.Fatalf("round trip: %+v → %+v", r, got)
		}
	}
}

func TestAddrRoundTrip(t *testing.T) {
	for _, ap := range []netip.AddrPort{mustAP("1.2.3.4:5"), mustAP("[2001:db8::1]:65535"), mustAP("[::ffff:10.0.0.1]:7"), {}} {
		got, rest, err := decodeAddr(appendAddr(nil, ap))
		if err != nil || len(rest) != 0 || got != unmapPort(ap) {
			t.Errorf("%v → %v, %v", ap, got, err)
		}
	}
}

func TestDatagramTooBig(t *testing.T) {
	if _, err := appendDatagram(nil, mustAP("1.2.3.4:5"), make([]byte, backend.MaxDatagram+1)); !errors.Is(err, syscall.EMSGSIZE) {
		t.Fatalf("err = %v, want EMSGSIZE", err)
	}
}

func TestStatusMapping(t *testing.T) {
	for _, errno := range []error{syscall.ECONNREFUSED, syscall.ENETUNREACH, syscall.EHOSTUNREACH, syscall.ETIMEDOUT, syscall.EACCES, syscall.EADDRINUSE, syscall.EADDRNOTAVAIL, syscall.EMFILE, syscall.ECONNRESET, backend.ErrNotFound} {
		if got := statusError(statusOf(errno)); !errors.Is(got, errno) {
			t.Errorf("%v → status %d → %v", errno, statusOf(errno), got)
		}
	}
	if !errors.Is(statusError(200), syscall.EIO) {
		t.Error("unknown status should map to EIO")
	}
}
