package offload

import (
	"context"
	"errors"
	"net"
	"os"
)

// ErrNoBackend is returned by the package-level functions and by a zero
// Dialer or ListenConfig when no backend was given and none registered.
var ErrNoBackend = errors.New("offload: no backend registered")

// opError wraps err the way package net does for a socket operation.
// nil passes through; callers keep io.EOF out of it.
func opError(op, network string, src, addr net.Addr, err error) error {
	if err == nil {
		return nil
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return err
	}
	return &net.OpError{Op: op, Net: network, Source: src, Addr: addr, Err: mapErr(err)}
}

// mapErr turns context errors into the sentinels net uses, so that
// errors.Is(err, os.ErrDeadlineExceeded) and Timeout() hold for timeouts.
func mapErr(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, os.ErrDeadlineExceeded):
		return os.ErrDeadlineExceeded
	}
	return err
}

// errTimeout is the error of an operation whose deadline passed.
var errTimeout = os.ErrDeadlineExceeded
