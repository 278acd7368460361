//go:build linux

package espat

import (
	"bytes"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"go.bug.st/serial"
)

// TestSerialDeadline checks the serial adapter: go.bug.st/serial's (0,
// nil) read timeouts become os.ErrDeadlineExceeded at the deadline, data
// still arrives, and Close unblocks a pending Read with net.ErrClosed.
func TestSerialDeadline(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("no pty: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	p, err := openSerialPort(tty.Name(), Config{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	p.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := p.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past the deadline: %v, want os.ErrDeadlineExceeded", err)
	}
	p.SetReadDeadline(time.Time{})
	if _, err := ptmx.Write([]byte("OK\r\n")); err != nil {
		t.Fatal(err)
	}
	n, err := p.Read(buf)
	if err != nil || string(buf[:n]) != "OK\r\n" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if err := p.SetBaudRate(921600); err != nil {
		t.Fatalf("SetBaudRate: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := p.Read(buf)
		done <- err
	}()
	p.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read during Close: %v, want net.ErrClosed", err)
	}
}

func TestSerialFlowControl(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("no pty: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	p, err := openSerialPort(tty.Name(), Config{FlowControl: true}.withDefaults())
	if err != nil {
		t.Fatalf("open with RTS/CTS: %v", err)
	}
	p.Close()
}

// shortPort is a serial.Port whose Write takes at most max bytes a call,
// without an error, as go.bug.st/serial does when a signal interrupts a
// tty write, and sometimes fails with EINTR before taking any.
type shortPort struct {
	serial.Port
	max   int
	calls int
	got   []byte
}

func (s *shortPort) Write(b []byte) (int, error) {
	s.calls++
	if s.calls%3 == 0 {
		return 0, syscall.EINTR
	}
	n := min(len(b), s.max)
	s.got = append(s.got, b[:n]...)
	return n, nil
}

// TestSerialShortWrites: the adapter writes every byte although the
// library's Write may take only part of them.
func TestSerialShortWrites(t *testing.T) {
	sp := &shortPort{max: 7}
	p := &serialPort{port: sp}
	data := []byte("AT+CIPSEND=0,100\r\n" + strings.Repeat("0123456789", 10))
	n, err := p.Write(data)
	if n != len(data) || err != nil {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(data))
	}
	if !bytes.Equal(sp.got, data) {
		t.Fatalf("port got %q, want %q", sp.got, data)
	}
}
