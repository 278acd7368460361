package loopback_test

import (
	"context"
	"io"
	"testing"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/loopback"
)

// TestAcceptWhileDialing accepts concurrently with the dial, as servers
// do. It guards against a regression found under -race: the acceptor's
// socket was queued on the backlog before its stream was set, so Accept
// could hand out a socket whose Stream() was still nil.
func TestAcceptWhileDialing(t *testing.T) {
	n := loopback.New(loopback.Config{})
	defer n.Close()
	ln, err := (&offload.ListenConfig{Backend: n}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for range 20 {
		accepted := make(chan *offload.Conn, 1)
		go func() {
			c, err := ln.(*offload.Listener).AcceptOffload()
			if err != nil {
				c = nil
			}
			accepted <- c
		}()
		c, err := (&offload.Dialer{Backend: n}).Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		s := <-accepted
		if s == nil {
			t.Fatal("Accept failed")
		}
		c.Write([]byte("x"))
		c.Close()
		if b, err := io.ReadAll(s); string(b) != "x" || err != nil {
			t.Fatalf("accepted conn read %q, %v", b, err)
		}
		s.Close()
	}
}
