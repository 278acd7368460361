package yamux

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netoffload/offload"
)

// oneShotServer accepts one conn on 127.0.0.1 and runs handle on it.
func oneShotServer(t *testing.T, handle func(c *net.TCPConn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		handle(c.(*net.TCPConn))
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

// waitFor polls cond until it holds; the hang guard bounds it.
func waitFor(cond func() bool) {
	for !cond() {
		time.Sleep(time.Millisecond)
	}
}

func TestHalfCloseFromDevice(t *testing.T) {
	for _, kind := range linkKinds {
		t.Run(kind, func(t *testing.T) {
			guard(t, 20*time.Second)
			e := newEnv(t, kind, nil, nil)
			addr := oneShotServer(t, func(c *net.TCPConn) {
				n, _ := io.Copy(io.Discard, c) // until the device's CloseWrite
				c.Write([]byte("got " + strconv.FormatInt(n, 10)))
				c.CloseWrite()
			})
			c, err := dialer(e.b).Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			c.Write(make([]byte, 100000))
			if err := c.(*offload.Conn).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(c) // the device keeps reading after its CloseWrite
			if err != nil || string(got) != "got 100000" {
				t.Fatalf("read %q, %v", got, err)
			}
			c.Close()
			// Both FINs crossed and the conn is closed: only the control
			// stream is left on each end.
			waitFor(func() bool { return e.streams() == 1 && e.g.Streams() == 1 })
		})
	}
}

func TestHalfCloseFromFarEnd(t *testing.T) {
	for _, kind := range linkKinds {
		t.Run(kind, func(t *testing.T) {
			guard(t, 20*time.Second)
			e := newEnv(t, kind, nil, nil)
			got := make(chan []byte, 1)
			addr := oneShotServer(t, func(c *net.TCPConn) {
				c.Write([]byte("hello"))
				c.CloseWrite() // the device reads EOF, and may still write
				b, _ := io.ReadAll(c)
				got <- b
			})
			c, err := dialer(e.b).Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(c)
			if err != nil || string(b) != "hello" {
				t.Fatalf("read %q, %v", b, err)
			}
			want := bytes.Repeat([]byte("after EOF "), 5000)
			if _, err := c.Write(want); err != nil {
				t.Fatal(err)
			}
			c.Close() // flushes, then FIN
			if b := <-got; !bytes.Equal(b, want) {
				t.Fatalf("far end read %d bytes, want %d", len(b), len(want))
			}
			waitFor(func() bool { return e.streams() == 1 && e.g.Streams() == 1 })
		})
	}
}

// TestDataAfterCloseResets: a conn the device closed answers further data
// with a reset, so a far end that keeps writing fails instead of
// filling windows forever.
func TestDataAfterCloseResets(t *testing.T) {
	guard(t, 20*time.Second)
	e := newEnv(t, linkPipe, nil, nil)
	werr := make(chan error, 1)
	addr := oneShotServer(t, func(c *net.TCPConn) {
		buf := make([]byte, 16<<10)
		for {
			if _, err := c.Write(buf); err != nil {
				werr <- err
				return
			}
		}
	})
	c, err := dialer(e.b).Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := <-werr; !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("far end's write after the device closed: %v, want ECONNRESET or EPIPE", err)
	}
	waitFor(func() bool { return e.streams() == 1 && e.g.Streams() == 1 })
}

// TestResetNotReadAsEOF: a far peer's reset reaches the device's reader as
// ECONNRESET, never as an orderly end. The gateway sends RESET and then
// the stream's FIN; the device's receive pump, meeting the FIN, first lets
// the control reader apply what came before it.
func TestResetNotReadAsEOF(t *testing.T) {
	guard(t, 30*time.Second)
	e := newEnv(t, linkPipe, nil, nil)
	for i := range 20 {
		addr := oneShotServer(t, func(c *net.TCPConn) {
			c.SetLinger(0)
			c.Read(make([]byte, 1)) // the device's hello, then reset
		})
		c, err := dialer(e.b).Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("h"))
		_, err = io.Copy(io.Discard, c)
		c.Close()
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("round %d: read after the peer's reset: %v, want ECONNRESET", i, err)
		}
	}
}
