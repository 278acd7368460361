package backendtest

import (
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/netoffload/offload"
)

// concurrentBytes is how many bytes each conn of the concurrency test
// echoes.
const concurrentBytes = 64 << 10

// concurrency opens many conns at once, then has each echo checksummed
// data concurrently.
func (s *suite) concurrency(t *testing.T) {
	h := s.start(t)
	pairs := 100
	if h.env.MaxConns > 0 {
		pairs = max(1, min(pairs, h.env.MaxConns/2))
	}
	l := h.listen()
	serverErrs := h.echoServer(l, pairs)
	clients := h.dialMany(l, pairs)
	clientErrs := make([]<-chan error, pairs)
	for i, c := range clients {
		clientErrs[i] = h.asyncErr(func() error { return h.echoClient(c, uint64(i), concurrentBytes) })
	}
	for i, ch := range clientErrs {
		if err := <-ch; err != nil {
			t.Errorf("conn %d of %d: %v", i, pairs, err)
		}
	}
	for range pairs {
		if err := <-serverErrs; err != nil {
			t.Errorf("echo server: %v", err)
		}
	}
}

// echoServer accepts n conns on l and echoes each until io.EOF. It
// delivers one result per conn.
func (h *harness) echoServer(l net.Listener, n int) <-chan error {
	errs := make(chan error, n)
	h.spawn(func() {
		for i := range n {
			c, err := l.Accept()
			if err != nil {
				for range n - i {
					errs <- fmt.Errorf("accept: %w", err)
				}
				return
			}
			h.track(c)
			h.spawn(func() { errs <- echo(c) })
		}
	})
	return errs
}

// echo writes back what it reads until io.EOF, then closes c.
func echo(c net.Conn) error {
	buf := make([]byte, 4<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return c.Close()
		}
		if err != nil {
			return err
		}
	}
}

// dialMany dials n conns to l, concurrently in batches no larger than the
// listen backlog, failing the test if one fails.
func (h *harness) dialMany(l net.Listener, n int) []net.Conn {
	h.t.Helper()
	batch := h.env.ListenConfig.Backlog
	if batch <= 0 {
		batch = offload.DefaultBacklog
	}
	conns := make([]net.Conn, 0, n)
	for len(conns) < n {
		m := min(batch, n-len(conns))
		results := make([]<-chan connResult, m)
		for i := range results {
			results[i] = async(h, func() connResult {
				c, err := h.dialErr(l.Addr())
				return connResult{c, err}
			})
		}
		for _, ch := range results {
			r := <-ch
			if r.err != nil {
				h.t.Fatalf("dial %d of %d: %v", len(conns)+1, n, r.err)
			}
			conns = append(conns, r.c)
		}
	}
	return conns
}

// echoClient writes size deterministic bytes in uneven pieces while it
// reads the echo, checks the echo's checksum, then closes c.
func (h *harness) echoClient(c net.Conn, seed uint64, size int) error {
	sent := newDigest()
	wrote := h.asyncErr(func() error {
		return writePieces(io.MultiWriter(c, sent), io.LimitReader(newSource(seed), int64(size)), sizes(seed, 8<<10))
	})
	got := newDigest()
	_, rerr := io.CopyN(got, onlyReader{c}, int64(size))
	werr := <-wrote
	c.Close()
	switch {
	case werr != nil:
		return fmt.Errorf("writing: %w", werr)
	case rerr != nil:
		return fmt.Errorf("reading the echo after %d of %d bytes: %w", got.n, size, rerr)
	case !got.same(sent):
		return fmt.Errorf("echo of %d bytes differs from what was sent", size)
	}
	return nil
}

// writePieces copies src to w in writes of the sizes next returns.
func writePieces(w io.Writer, src io.Reader, next func() int) error {
	buf := make([]byte, 64<<10)
	for {
		n, err := io.ReadFull(src, buf[:min(next(), len(buf))])
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
