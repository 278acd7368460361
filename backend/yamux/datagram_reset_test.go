package yamux

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"
)

// holdLink passes writes through until armed; once armed it lets allow
// more writes through, records them, and holds the next one until
// release (or Close).
type holdLink struct {
	io.ReadWriteCloser
	mu      sync.Mutex
	armed   bool
	allow   int
	passed  [][]byte      // the writes let through while armed
	held    chan struct{} // closed when a write is held
	release chan struct{}
	closed  chan struct{}
	once    sync.Once
}

func newHoldLink(rwc io.ReadWriteCloser) *holdLink {
	return &holdLink{ReadWriteCloser: rwc, held: make(chan struct{}), release: make(chan struct{}), closed: make(chan struct{})}
}

func (l *holdLink) arm(allow int) {
	l.mu.Lock()
	l.armed, l.allow = true, allow
	l.mu.Unlock()
}

func (l *holdLink) Write(p []byte) (int, error) {
	l.mu.Lock()
	if l.armed {
		if l.allow > 0 {
			l.allow--
			l.passed = append(l.passed, bytes.Clone(p))
		} else {
			l.armed = false
			close(l.held)
			l.mu.Unlock()
			select {
			case <-l.release:
			case <-l.closed:
				return 0, net.ErrClosed
			}
			return l.ReadWriteCloser.Write(p)
		}
	}
	l.mu.Unlock()
	return l.ReadWriteCloser.Write(p)
}

func (l *holdLink) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.ReadWriteCloser.Close()
}

// TestDatagramPartialWriteResets: a datagram that takes several frames
// and fails after the first went out (a frame write timed out) resets
// its socket, so the gateway never reads the rest of the stream as a
// continuation of the broken datagram. The link lets the datagram's
// first frame through and holds the second past WriteTimeout (2 s: long
// enough that no other frame of the test, on a loaded machine, reaches
// it).
func TestDatagramPartialWriteResets(t *testing.T) {
	guard(t, 30*time.Second)
	host, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()

	cl, gl := net.Pipe()
	link := newHoldLink(cl)
	defer func() {
		select {
		case <-link.release:
		default:
			close(link.release)
		}
	}()
	b := envOver(t, link, gl, &Gateway{AllowAll: true, MuxConfig: MuxConfig{KeepAlive: -1}},
		&Config{PSK: testKey, Logger: quiet, MuxConfig: MuxConfig{KeepAlive: -1, WriteTimeout: 2 * time.Second}}).b

	lc := listenConfig(b)
	pc, err := lc.ListenPacket(context.Background(), "udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	// A small datagram first: the socket's stream is open and idle, and
	// the link's frames are still at their first size (1 KiB), so the
	// big datagram below takes several.
	buf := make([]byte, 65536)
	if _, err := pc.WriteTo([]byte("hello"), host.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if n, _, err := host.ReadFrom(buf); err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("host read %q, %v", buf[:n], err)
	}

	big := bytes.Repeat([]byte("0123456789abcdef"), 512) // 8 KiB
	link.arm(1)
	start := time.Now()
	_, err = pc.WriteTo(big, host.LocalAddr())
	// One frame write timeout; the reset does not hold the caller up.
	t.Logf("WriteTo failed after %v", time.Since(start))
	var oe *net.OpError
	if !errors.As(err, &oe) || !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("WriteTo with its second frame held: %v (%T), want *net.OpError with ECONNRESET", err, err)
	}
	select {
	case <-link.held:
	default:
		t.Fatal("WriteTo failed without a held frame")
	}
	link.mu.Lock()
	passed := link.passed
	link.mu.Unlock()
	if len(passed) != 1 {
		t.Fatalf("%d writes passed while armed, want 1", len(passed))
	}
	if n := dataHeaderBodyLen(passed[0][:min(len(passed[0]), frameHeaderSize)]); n == 0 || n >= len(big) {
		t.Fatalf("the write let through was not part of the datagram: %d bytes, body %d", len(passed[0]), n)
	}

	// The socket stays failed: nothing more is framed onto its stream.
	if _, err := pc.WriteTo([]byte("after"), host.LocalAddr()); err == nil {
		t.Fatal("WriteTo after the reset succeeded")
	}
	pc.SetReadDeadline(time.Now().Add(10 * time.Second)) // hang guard only
	if _, _, err := pc.ReadFrom(buf); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("ReadFrom after the reset: %v, want ECONNRESET", err)
	}
	// Close does not wait for the reset either.
	start = time.Now()
	pc.Close()
	t.Logf("Close took %v, the frame still held", time.Since(start))
	close(link.release) // the held frame and the reset go out now

	// The link still works, and the host received nothing of the broken
	// datagram: the next datagram it reads is a fresh socket's.
	pc2, err := lc.ListenPacket(context.Background(), "udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc2.Close()
	if _, err := pc2.WriteTo([]byte("marker"), host.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	host.SetReadDeadline(time.Now().Add(10 * time.Second)) // hang guard only
	if n, from, err := host.ReadFrom(buf); err != nil || string(buf[:n]) != "marker" || from.String() != pc2.LocalAddr().String() {
		t.Fatalf("host read %d bytes from %v (%v), want the marker from %v", n, from, err, pc2.LocalAddr())
	}
}
