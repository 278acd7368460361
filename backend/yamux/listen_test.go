package yamux

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/netoffload/offload"
)

func listenConfig(b *Backend) *offload.ListenConfig { return &offload.ListenConfig{Backend: b} }

// TestReverseHTTP serves HTTP on the device through a listener the
// gateway opened: requests to the gateway's address reach the device.
func TestReverseHTTP(t *testing.T) {
	for _, kind := range linkKinds {
		t.Run(kind, func(t *testing.T) {
			guard(t, 20*time.Second)
			e := newEnv(t, kind, nil, nil)
			ln, err := listenConfig(e.b).Listen(context.Background(), "tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "device says hi to "+r.URL.Path)
			})}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ln) }()

			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			for i := range 3 {
				resp, err := client.Get("http://" + ln.Addr().String() + "/x")
				if err != nil {
					t.Fatalf("GET %d: %v", i, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(body) != "device says hi to /x" {
					t.Fatalf("body %q", body)
				}
			}
			srv.Close()
			if err := <-served; !errors.Is(err, http.ErrServerClosed) {
				t.Fatalf("Serve: %v", err)
			}
			// The gateway stopped listening once the device closed.
			waitFor(func() bool {
				c, err := net.Dial("tcp", ln.Addr().String())
				if err == nil {
					c.Close()
				}
				return err != nil
			})
		})
	}
}

func TestListenAcceptUnblocks(t *testing.T) {
	guard(t, 10*time.Second)
	e := newEnv(t, linkPipe, nil, nil)
	ln, err := listenConfig(e.b).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		done <- err
	}()
	ln.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v", err)
	}
}

func TestListenAddrInUse(t *testing.T) {
	guard(t, 10*time.Second)
	e := newEnv(t, linkPipe, nil, nil)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, err = listenConfig(e.b).Listen(context.Background(), "tcp", busy.Addr().String())
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("err = %v, want EADDRINUSE", err)
	}
}

// TestReverseUnaccepted: connections the device never accepts are reset
// when its listener closes.
func TestReverseUnaccepted(t *testing.T) {
	guard(t, 10*time.Second)
	e := newEnv(t, linkPipe, nil, nil)
	ln, err := listenConfig(e.b).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("anyone there?"))
	ln.Close()
	_, err = c.Read(make([]byte, 10))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read from a conn nobody accepted: %v, want ECONNRESET", err)
	}
}

// TestReverseQueuedReset: a connection that reaches the device when its
// listener's queue is full is reset at once and never queued, and one
// still waiting in the queue is reset when the listener closes, as a
// kernel resets the connections left in a closed listener's accept queue.
// A reset that comes before the host's connect call has returned fails
// the dial.
func TestReverseQueuedReset(t *testing.T) {
	guard(t, 20*time.Second)
	e := newEnv(t, linkPipe, nil, nil)
	lc := listenConfig(e.b)
	lc.Backlog = 1
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	queuedConn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer queuedConn.Close()
	waitFor(func() bool { return queued(e.b) == 1 })

	overflow, err := net.Dial("tcp", ln.Addr().String())
	if err == nil {
		defer overflow.Close()
		_, err = overflow.Read(make([]byte, 10))
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("read from a conn past the backlog: %v, want ECONNRESET", err)
		}
	}
	if n := queued(e.b); n != 1 {
		t.Fatalf("%d conns queued after the overflow (%v), want 1", n, err)
	}

	ln.Close()
	_, err = queuedConn.Read(make([]byte, 10))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read from a queued conn after the listener closed: %v, want ECONNRESET", err)
	}
}

// queued counts the connections waiting in the device's listener queues.
func queued(b *Backend) int {
	b.mu.Lock()
	s := b.sess
	b.mu.Unlock()
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, l := range s.listeners {
		n += len(l.queue)
	}
	return n
}
