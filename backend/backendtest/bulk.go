package backendtest

import (
	"fmt"
	"io"
	"net"
	"testing"
	"time"
)

// fillWait is how long the bulk test lets a writer fill the conn while
// its peer reads nothing. A bounded backend blocks the writer until the
// deadline; an unbounded one accepts more than Env.MaxInFlight before it.
const fillWait = 250 * time.Millisecond

// bulk moves BulkSize bytes from a fast writer to a reader that reads in
// small pieces. First the reader reads nothing until the writer's
// deadline passes: the bytes accepted by then must not exceed
// MaxInFlight (bounded memory), and the timed-out Write must lose nothing.
// Then the reader drains everything and the checksums must match.
func (s *suite) bulk(t *testing.T) {
	h := s.start(t)
	client, server := h.pair(h.listen())
	w := &streamWriter{c: client, src: newSource(7), buf: make([]byte, 64<<10), sent: newDigest()}

	if err := client.SetWriteDeadline(time.Now().Add(fillWait)); err != nil {
		t.Fatalf("SetWriteDeadline: %v", err)
	}
	err := w.write(h.env.MaxInFlight + 1)
	if err == nil {
		t.Fatalf("Write accepted %d bytes while the peer read nothing (Env.MaxInFlight %d): memory is not bounded",
			w.sent.n, h.env.MaxInFlight)
	}
	checkTimeout(t, "Write to a peer that reads nothing", err, "write", tcp)
	t.Logf("the writer blocked after %d bytes", w.sent.n)
	if err := client.SetWriteDeadline(time.Time{}); err != nil {
		t.Fatalf("SetWriteDeadline(zero): %v", err)
	}

	got := async(h, func() readResult { return slowRead(server) })
	err = w.write(max(h.env.BulkSize, int(w.sent.n)))
	if cerr := client.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("writing after %d bytes: %v", w.sent.n, err)
	}
	r := <-got
	if r.err != nil {
		t.Fatalf("reading after %d of %d bytes: %v", r.d.n, w.sent.n, r.err)
	}
	if !r.d.same(w.sent) {
		t.Fatalf("received %d bytes, sent %d: the checksums differ", r.d.n, w.sent.n)
	}
}

// streamWriter writes a deterministic stream to c, keeping a digest of
// exactly the bytes c accepted: a short Write's remainder is written
// first next time.
type streamWriter struct {
	c       net.Conn
	src     *source
	buf     []byte
	pending []byte
	sent    *digest
}

// write writes until limit bytes were accepted in all, or a Write fails.
func (w *streamWriter) write(limit int) error {
	for w.sent.n < int64(limit) || len(w.pending) > 0 {
		if len(w.pending) == 0 {
			p := w.buf[:min(len(w.buf), limit-int(w.sent.n))]
			w.src.Read(p)
			w.pending = p
		}
		n, err := w.c.Write(w.pending)
		if n < 0 || n > len(w.pending) {
			return fmt.Errorf("Write returned %d for %d bytes", n, len(w.pending))
		}
		w.sent.Write(w.pending[:n])
		w.pending = w.pending[n:]
		if err != nil {
			return err
		}
	}
	return nil
}

// readResult is what slowRead got.
type readResult struct {
	d   *digest
	err error
}

// slowRead reads c to io.EOF in small uneven pieces.
func slowRead(c net.Conn) readResult {
	d := newDigest()
	buf := make([]byte, 4<<10)
	next := sizes(8, len(buf))
	for {
		n, err := c.Read(buf[:next()])
		d.Write(buf[:n])
		if err == io.EOF {
			return readResult{d, nil}
		}
		if err != nil {
			return readResult{d, err}
		}
	}
}
