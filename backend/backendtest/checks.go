package backendtest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"testing"
)

// checkOpError reports a failure unless err is a *net.OpError (not merely
// wrapping one: code type-asserts it) whose Op is op (any non-empty Op if
// op is "") and whose Net is network. It returns the OpError or nil.
func checkOpError(t testing.TB, what string, err error, op, network string) *net.OpError {
	t.Helper()
	if err == nil {
		t.Errorf("%s: got no error", what)
		return nil
	}
	oe, ok := err.(*net.OpError)
	if !ok {
		t.Errorf("%s: error %q is a %T, want *net.OpError", what, err, err)
		return nil
	}
	if oe.Op == "" || (op != "" && oe.Op != op) {
		t.Errorf("%s: OpError.Op = %q, want %q", what, oe.Op, op)
	}
	if oe.Net != network {
		t.Errorf("%s: OpError.Net = %q, want %q", what, oe.Net, network)
	}
	return oe
}

// checkIs reports a failure unless err is a *net.OpError matching
// errors.Is for at least one of targets.
func checkIs(t testing.TB, what string, err error, op, network string, targets ...error) {
	t.Helper()
	if checkOpError(t, what, err, op, network) == nil {
		return
	}
	for _, target := range targets {
		if errors.Is(err, target) {
			return
		}
	}
	t.Errorf("%s: error %q (%#v) matches none of %v with errors.Is", what, err, err, targets)
}

// checkClosed expects the error of an operation on a closed conn.
func checkClosed(t testing.TB, what string, err error, network string) {
	t.Helper()
	checkIs(t, what, err, "", network, net.ErrClosed)
}

// checkTimeout expects the error of an operation whose deadline passed:
// Timeout() true and errors.Is(err, os.ErrDeadlineExceeded).
func checkTimeout(t testing.TB, what string, err error, op, network string) {
	t.Helper()
	checkIs(t, what, err, op, network, os.ErrDeadlineExceeded)
	var ne net.Error
	if err != nil && (!errors.As(err, &ne) || !ne.Timeout()) {
		t.Errorf("%s: error %q: Timeout() is not true", what, err)
	}
}

// addrPort returns the address of a *net.TCPAddr or *net.UDPAddr with
// IPv4-mapped addresses unmapped, and whether a was one of those types
// (non-nil).
func addrPort(a net.Addr) (netip.AddrPort, bool) {
	var ap netip.AddrPort
	switch a := a.(type) {
	case *net.TCPAddr:
		if a == nil {
			return ap, false
		}
		ap = a.AddrPort()
	case *net.UDPAddr:
		if a == nil {
			return ap, false
		}
		ap = a.AddrPort()
	default:
		return ap, false
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
}

// checkAddr reports a failure unless a is a non-nil *net.TCPAddr (stream)
// or *net.UDPAddr (datagram) with an IP and a non-zero port.
func checkAddr(t testing.TB, what string, a net.Addr, datagram bool) netip.AddrPort {
	t.Helper()
	ok := false
	if datagram {
		_, ok = a.(*net.UDPAddr)
	} else {
		_, ok = a.(*net.TCPAddr)
	}
	ap, valid := addrPort(a)
	if !ok || !valid {
		t.Errorf("%s: address %v is a %T, want a non-nil %s", what, a, a, addrType(datagram))
		return ap
	}
	if !ap.Addr().IsValid() || ap.Port() == 0 {
		t.Errorf("%s: address %v lacks an IP or a port", what, a)
	}
	return ap
}

func addrType(datagram bool) string {
	if datagram {
		return "*net.UDPAddr"
	}
	return "*net.TCPAddr"
}

// sameAddr reports whether got matches want: equal ports, and equal IPs
// unless want's IP is unspecified (a socket bound to "any" address).
func sameAddr(got, want netip.AddrPort) bool {
	if got.Port() != want.Port() {
		return false
	}
	return want.Addr().IsUnspecified() || got.Addr() == want.Addr()
}

// checkSameAddr reports a failure unless got and want name the same
// endpoint (see sameAddr).
func checkSameAddr(t testing.TB, what string, got, want net.Addr) {
	t.Helper()
	g, ok1 := addrPort(got)
	w, ok2 := addrPort(want)
	if !ok1 || !ok2 || !sameAddr(g, w) {
		t.Errorf("%s: %v, want %v", what, got, want)
	}
}

// noPanic runs f and turns a panic into an error.
func noPanic(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &panicError{p}
		}
	}()
	return f()
}

type panicError struct{ v any }

func (p *panicError) Error() string { return fmt.Sprint("panic: ", p.v) }

// parseAddr parses a literal "ip:port" (or ":port", as the unspecified
// IPv4 address) into an AddrPort.
func parseAddr(s string) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if host == "" {
		host = "0.0.0.0"
	}
	return netip.ParseAddrPort(net.JoinHostPort(host, port))
}
