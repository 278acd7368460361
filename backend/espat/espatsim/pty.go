//go:build unix

package espatsim

import (
	"context"
	"os"
	"syscall"

	"github.com/creack/pty"
	"golang.org/x/term"
)

// ServePTY opens a pseudo-terminal, reports its device path (for example
// /dev/pts/3) to ready, and serves a modem configured by cfg on it until
// ctx is done (then it returns nil). Any program that opens a serial
// device — screen, minicom, go.bug.st/serial, pyserial — can use the
// path. The terminal is put in raw mode, so the line discipline neither
// echoes nor rewrites bytes; the modem's own ATE echo is the only echo.
// The pty stays usable across client reconnects.
func ServePTY(ctx context.Context, cfg Config, ready func(path string)) error {
	ptmx, tty, err := openPTY()
	if err != nil {
		return err
	}
	// Holding the slave open keeps the master readable while no client
	// has the device open (otherwise reads fail with EIO).
	defer tty.Close()
	if err := makeRaw(tty.SyscallConn()); err != nil {
		ptmx.Close()
		return err
	}
	if ready != nil {
		ready(tty.Name())
	}
	sim := New(cfg)
	release := onDone(ctx, func() { sim.Close() })
	err = sim.Serve(ptmx)
	sim.Close()
	release()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// rawConn is the part of syscall.RawConn makeRaw needs.
type rawConn interface {
	Control(f func(fd uintptr)) error
}

// makeRaw puts the terminal behind rc in raw mode.
func makeRaw(rc rawConn, err error) error {
	if err != nil {
		return err
	}
	var rawErr error
	if err := rc.Control(func(fd uintptr) { _, rawErr = term.MakeRaw(int(fd)) }); err != nil {
		return err
	}
	return rawErr
}

// openPTY opens a pty pair whose master is non-blocking, so that closing
// it wakes a pending Read (creack/pty leaves the master in blocking mode).
func openPTY() (ptmx, tty *os.File, err error) {
	m, tty, err := pty.Open()
	if err != nil {
		return nil, nil, err
	}
	if ptmx, err = pollable(m); err != nil {
		tty.Close()
		return nil, nil, err
	}
	return ptmx, tty, nil
}

// pollable replaces f by a non-blocking duplicate that the runtime poller
// manages.
func pollable(f *os.File) (*os.File, error) {
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	nfd, dupErr := -1, error(nil)
	if err := rc.Control(func(fd uintptr) { nfd, dupErr = syscall.Dup(int(fd)) }); err != nil {
		return nil, err
	}
	if dupErr != nil {
		return nil, dupErr
	}
	syscall.CloseOnExec(nfd)
	if err := syscall.SetNonblock(nfd, true); err != nil {
		syscall.Close(nfd)
		return nil, err
	}
	return os.NewFile(uintptr(nfd), f.Name()), nil
}
