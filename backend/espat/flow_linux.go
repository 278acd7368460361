//go:build linux

package espat

import "golang.org/x/sys/unix"

// ttyFlow holds a second descriptor of the tty, opened before
// go.bug.st/serial takes it exclusively, to set CRTSCTS afterwards.
type ttyFlow struct{ fd int }

func prepareFlowControl(path string) (flowSetter, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return &ttyFlow{fd: fd}, nil
}

func (f *ttyFlow) enable() error {
	t, err := unix.IoctlGetTermios(f.fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Cflag |= unix.CRTSCTS
	return unix.IoctlSetTermios(f.fd, unix.TCSETS, t)
}

func (f *ttyFlow) close() { unix.Close(f.fd) }
