package yamux

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"
)

// memDial is a gateway Dial that answers every dial with an in-memory
// conn whose far end serve runs (and closes after): no sockets, so
// thousands are cheap. wg counts the serve goroutines.
func memDial(wg *sync.WaitGroup, serve func(far *halfConn)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, far := halfPipe()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer far.Close()
			serve(far)
		}()
		return c, nil
	}
}

// echo echoes until EOF, then half-closes.
func echo(far *halfConn) {
	io.Copy(far, far)
	far.CloseWrite()
}

// halfConn is an in-memory conn with CloseWrite, made of two net.Pipes,
// one per direction.
type halfConn struct {
	r, w net.Conn
}

// halfPipe returns the two ends of an in-memory conn with half-close.
func halfPipe() (*halfConn, *halfConn) {
	a1, b1 := net.Pipe() // a → b
	b2, a2 := net.Pipe() // b → a
	return &halfConn{r: a2, w: a1}, &halfConn{r: b1, w: b2}
}

func (c *halfConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *halfConn) Write(p []byte) (int, error) { return c.w.Write(p) }
func (c *halfConn) CloseWrite() error           { return c.w.Close() }
func (c *halfConn) Close() error {
	c.w.Close()
	return c.r.Close()
}
func (c *halfConn) LocalAddr() net.Addr  { return c.r.LocalAddr() }
func (c *halfConn) RemoteAddr() net.Addr { return c.r.RemoteAddr() }
func (c *halfConn) SetDeadline(t time.Time) error {
	c.w.SetDeadline(t)
	return c.r.SetDeadline(t)
}
func (c *halfConn) SetReadDeadline(t time.Time) error  { return c.r.SetReadDeadline(t) }
func (c *halfConn) SetWriteDeadline(t time.Time) error { return c.w.SetWriteDeadline(t) }

// TestManyStreams runs 1,000 concurrent conns over one link, each
// echoing its own checksummed data.
func TestManyStreams(t *testing.T) {
	guard(t, 60*time.Second)
	const conns, size = 1000, 4 << 10
	var echoes sync.WaitGroup
	defer echoes.Wait()
	e := newEnv(t, linkPipe, &Gateway{AllowAll: true, Dial: memDial(&echoes, echo)}, nil)
	d := dialer(e.b)
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- echoOnce(d.DialContext, uint64(i), size)
		}()
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			if failed++; failed < 5 {
				t.Error(err)
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d conns failed", failed, conns)
	}
}

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// echoOnce dials, sends size seeded random bytes, half-closes, and
// checks the echo's checksum.
func echoOnce(dial dialFunc, seed uint64, size int) error {
	c, err := dial(context.Background(), "tcp", "192.0.2.1:7")
	if err != nil {
		return err
	}
	defer c.Close()
	data := make([]byte, size)
	rng := rand.New(rand.NewPCG(seed, seed))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(data)
		if err == nil {
			err = c.(interface{ CloseWrite() error }).CloseWrite()
		}
		werr <- err
	}()
	h := sha256.New()
	n, err := io.Copy(h, c)
	if err := <-werr; err != nil {
		return err
	}
	if err != nil {
		return err
	}
	want := sha256.Sum256(data)
	if n != int64(size) || !bytes.Equal(h.Sum(nil), want[:]) {
		return fmt.Errorf("conn %d: echo of %d bytes does not match (%d bytes back)", seed, size, n)
	}
	return nil
}
