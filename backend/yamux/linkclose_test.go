package yamux

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// closeOrder records whether a conn was written to before its Close.
type closeOrder struct {
	net.Conn
	mu                 sync.Mutex
	closed, wroteFirst bool
}

func (c *closeOrder) Write(p []byte) (int, error) {
	c.mu.Lock()
	if !c.closed {
		c.wroteFirst = true
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *closeOrder) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return c.Conn.Close()
}

// tlsLinkPair returns the client end of a TLS link over net.Pipe, with
// the handshake done, its TCP-level conn, and the server end.
func tlsLinkPair(t *testing.T) (*tls.Conn, *closeOrder, *tls.Conn) {
	t.Helper()
	c, s := net.Pipe()
	raw := &closeOrder{Conn: c}
	certs := testCerts(t)
	tc, ts := tls.Client(raw, certs.client), tls.Server(s, certs.server)
	errc := make(chan error, 1)
	go func() { errc <- ts.Handshake() }()
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	raw.mu.Lock()
	raw.wroteFirst = false // the handshake's writes do not count
	raw.mu.Unlock()
	t.Cleanup(func() { tc.Close(); ts.Close() })
	return tc, raw, ts
}

// TestFrameLinkCloseDeadTLS: closing a TLS link that failed does not
// first send close_notify, which would wait (up to 5 s) on a peer that no
// longer reads: the conn under TLS is closed before anything is written.
// A live link still closes politely: its peer reads close_notify as EOF.
func TestFrameLinkCloseDeadTLS(t *testing.T) {
	guard(t, 30*time.Second)
	t.Run("dead", func(t *testing.T) {
		tc, raw, _ := tlsLinkPair(t) // the server end reads nothing
		l := newFrameLink(tc, nil)
		l.failed()
		l.Close()
		raw.mu.Lock()
		defer raw.mu.Unlock()
		if !raw.closed || raw.wroteFirst {
			t.Errorf("closed %v, written to before that %v; want the conn closed before any write", raw.closed, raw.wroteFirst)
		}
	})
	t.Run("live", func(t *testing.T) {
		tc, raw, ts := tlsLinkPair(t)
		l := newFrameLink(tc, nil)
		read := make(chan error, 1)
		go func() {
			_, err := ts.Read(make([]byte, 1))
			read <- err
		}()
		l.Close()
		if err := <-read; !errors.Is(err, io.EOF) {
			t.Errorf("peer read %v, want EOF (close_notify)", err)
		}
		raw.mu.Lock()
		defer raw.mu.Unlock()
		if !raw.wroteFirst {
			t.Error("the live link closed without writing close_notify")
		}
	})
}
