package yamux

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"

	"github.com/netoffload/offload/backend"
)

// Errors returned by Client, Gateway and the handshake. Test with errors.Is.
var (
	// ErrAuthFailed: the other side did not prove knowledge of the
	// pre-shared key, or refused ours. It wraps syscall.EACCES.
	ErrAuthFailed = &wrapErr{"yamux: authentication failed", syscall.EACCES}
	// ErrVersion: the other side speaks an unsupported protocol version.
	ErrVersion = errors.New("yamux: unsupported protocol version")
	// ErrBadHandshake: the other side did not speak this protocol.
	ErrBadHandshake = errors.New("yamux: bad handshake")
	// ErrGatewayBusy: the gateway refused the link because it serves
	// Gateway.MaxSessions sessions already. It wraps syscall.EAGAIN.
	ErrGatewayBusy = &wrapErr{"yamux: gateway busy", syscall.EAGAIN}
	// ErrNoPolicy: a Gateway with no allow rule and AllowAll unset
	// refuses to start, so it is never an open proxy by accident.
	ErrNoPolicy = errors.New("yamux: gateway has no allow rule (set Allow, AllowListen or AllowAll)")
	// ErrNoAuth: a Gateway with no PSK and NoAuth unset refuses to start.
	ErrNoAuth = errors.New("yamux: gateway has no pre-shared key (set PSK, or NoAuth for links authenticated otherwise)")
	// ErrGatewayClosed is returned by Serve and ServeConn after Close.
	ErrGatewayClosed = errors.New("yamux: gateway closed")
)

// wrapErr is a sentinel with its own text that also matches an errno.
type wrapErr struct {
	msg   string
	errno syscall.Errno
}

func (e *wrapErr) Error() string { return e.msg }
func (e *wrapErr) Unwrap() error { return e.errno }

// Reply status codes (PROTOCOL.md, "Status codes").
const (
	stOK           uint8 = 0
	stRefused      uint8 = 1  // ECONNREFUSED
	stNetUnreach   uint8 = 2  // ENETUNREACH
	stHostUnreach  uint8 = 3  // EHOSTUNREACH
	stTimedOut     uint8 = 4  // ETIMEDOUT
	stDenied       uint8 = 5  // EACCES: policy
	stAddrInUse    uint8 = 6  // EADDRINUSE
	stAddrNotAvail uint8 = 7  // EADDRNOTAVAIL
	stNotFound     uint8 = 8  // no such host
	stLimit        uint8 = 9  // EMFILE: a gateway limit
	stBadRequest   uint8 = 10 // EINVAL: malformed request
	stUnsupported  uint8 = 11 // errors.ErrUnsupported
	stReset        uint8 = 12 // ECONNRESET
	stFailed       uint8 = 13 // EIO: anything else
)

// statusErrs maps status codes to the errors the device returns.
var statusErrs = [...]error{
	stRefused:      syscall.ECONNREFUSED,
	stNetUnreach:   syscall.ENETUNREACH,
	stHostUnreach:  syscall.EHOSTUNREACH,
	stTimedOut:     syscall.ETIMEDOUT,
	stDenied:       syscall.EACCES,
	stAddrInUse:    syscall.EADDRINUSE,
	stAddrNotAvail: syscall.EADDRNOTAVAIL,
	stNotFound:     backend.ErrNotFound,
	stLimit:        syscall.EMFILE,
	stBadRequest:   syscall.EINVAL,
	stUnsupported:  errors.ErrUnsupported,
	stReset:        syscall.ECONNRESET,
	stFailed:       syscall.EIO,
}

// statusError returns the device-side error of a status (nil for OK).
func statusError(st uint8) error {
	if st == stOK {
		return nil
	}
	if int(st) < len(statusErrs) && statusErrs[st] != nil {
		return statusErrs[st]
	}
	return syscall.EIO
}

// errnoStatus lists errnos in the order statusOf tries them.
var errnoStatus = []struct {
	errno syscall.Errno
	st    uint8
}{
	{syscall.ECONNREFUSED, stRefused},
	{syscall.ENETUNREACH, stNetUnreach},
	{syscall.EHOSTUNREACH, stHostUnreach},
	{syscall.ETIMEDOUT, stTimedOut},
	{syscall.EACCES, stDenied},
	{syscall.EPERM, stDenied},
	{syscall.EADDRINUSE, stAddrInUse},
	{syscall.EADDRNOTAVAIL, stAddrNotAvail},
	{syscall.EMFILE, stLimit},
	{syscall.ENFILE, stLimit},
	{syscall.EINVAL, stBadRequest},
	{syscall.EAFNOSUPPORT, stUnsupported},
	{syscall.ECONNRESET, stReset},
	{syscall.EPIPE, stReset},
}

// statusOf maps an error from the gateway's network to a status code.
func statusOf(err error) uint8 {
	if err == nil {
		return stOK
	}
	for _, m := range errnoStatus {
		if errors.Is(err, m.errno) {
			return m.st
		}
	}
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns) && dns.IsNotFound, errors.Is(err, backend.ErrNotFound):
		return stNotFound
	case isTimeout(err):
		return stTimedOut
	case errors.Is(err, errors.ErrUnsupported):
		return stUnsupported
	case isUnknownNetwork(err):
		return stUnsupported
	}
	return stFailed
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isUnknownNetwork(err error) bool {
	var u net.UnknownNetworkError
	return errors.As(err, &u)
}
