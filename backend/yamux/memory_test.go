package yamux

import (
	"crypto/rand"
	"runtime"
	"testing"
	"time"

	"github.com/netoffload/offload/internal/testnet"
)

// onlyConn returns the client's one connected stream.
func (e *env) onlyConn(t *testing.T) *streamConn {
	t.Helper()
	e.b.mu.Lock()
	s := e.b.sess
	e.b.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) != 1 {
		t.Fatalf("%d connected streams, want 1", len(s.conns))
	}
	for c := range s.conns {
		return c
	}
	return nil
}

// TestIdleConnHoldsNoBuffers: once a device conn has carried bytes both
// ways and its application waits in Read, neither buffer keeps a block.
// The send pump hands Out's back when Out runs empty; the receive pump
// waits for the stream outside In, so the waiting Read hands In's back.
func TestIdleConnHoldsNoBuffers(t *testing.T) {
	guard(t, time.Minute)
	e := newEnv(t, linkPipe, nil, nil)
	c, err := dialer(e.b).Dial("tcp", testnet.EchoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	msg := make([]byte, 300<<10) // past the first, small blocks
	rand.Read(msg)
	testnet.Echo(t, c, msg)
	sc := e.onlyConn(t)
	read := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		read <- err
	}()
	for sc.bufs.In.Held() != 0 || sc.bufs.Out.Held() != 0 {
		runtime.Gosched() // the test's guard bounds this wait
	}
	c.Close()
	if err := <-read; err == nil {
		t.Fatal("Read on a closed conn succeeded")
	}
}
