package yamux

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"
)

// failingLink reads from r and writes to w until fail is set, and then
// fails both.
type failingLink struct {
	r      io.Reader
	w      bytes.Buffer
	writes int
	fail   bool
}

var errLinkDown = errors.New("link down")

func (l *failingLink) Read(p []byte) (int, error) {
	if l.fail {
		return 0, errLinkDown
	}
	return l.r.Read(p)
}

func (l *failingLink) Write(p []byte) (int, error) {
	if l.fail {
		return 0, errLinkDown
	}
	l.writes++
	return l.w.Write(p)
}

func (l *failingLink) Close() error { return nil }

// TestFrameLinkJoinsAndReportsFailure: a data frame's header and body
// reach the link as one write, other writes as they come, reads pass
// through; the first failing read or write runs onFail, and only the
// first.
func TestFrameLinkJoinsAndReportsFailure(t *testing.T) {
	inner := &failingLink{r: bytes.NewReader([]byte("incoming"))}
	fails := 0
	l := newFrameLink(inner, func() { fails++ })

	hdr := make([]byte, frameHeaderSize) // version 0, type data
	binary.BigEndian.PutUint32(hdr[8:], 5)
	if n, err := l.Write(hdr); n != len(hdr) || err != nil {
		t.Fatalf("header Write = %d, %v", n, err)
	}
	if inner.w.Len() != 0 {
		t.Fatal("the header went out before its body")
	}
	if n, err := l.Write([]byte("hello")); n != 5 || err != nil {
		t.Fatalf("body Write = %d, %v", n, err)
	}
	if n, err := l.Write([]byte("ping")); n != 4 || err != nil { // not a data header: as it comes
		t.Fatalf("Write = %d, %v", n, err)
	}
	if want := append(append(append([]byte(nil), hdr...), "hello"...), "ping"...); !bytes.Equal(inner.w.Bytes(), want) || inner.writes != 2 {
		t.Fatalf("link got %q in %d writes, want %q in 2", inner.w.Bytes(), inner.writes, want)
	}
	buf := make([]byte, 16)
	if n, err := l.Read(buf); string(buf[:n]) != "incoming" || err != nil {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if fails != 0 {
		t.Fatalf("onFail ran %d times before any error", fails)
	}

	inner.fail = true
	if _, err := l.Read(buf); !errors.Is(err, errLinkDown) {
		t.Fatalf("Read on a failed link: %v", err)
	}
	if _, err := l.Write([]byte("x")); !errors.Is(err, errLinkDown) {
		t.Fatalf("Write on a failed link: %v", err)
	}
	if fails != 1 {
		t.Fatalf("onFail ran %d times, want once", fails)
	}
}

// TestFrameLinkQuiet: a read that returns bytes ends the link's quiet; a
// write, or a read that returns none, does not.
func TestFrameLinkQuiet(t *testing.T) {
	inner := &failingLink{r: bytes.NewReader([]byte("x"))}
	l := newFrameLink(inner, nil)
	const long = time.Hour
	l.heard.Store(monoNow() - int64(long))
	if _, err := l.Write([]byte("out")); err != nil {
		t.Fatal(err)
	}
	if q := l.quiet(); q < long {
		t.Fatalf("quiet after a write = %v, want at least %v", q, long)
	}
	buf := make([]byte, 4)
	if n, err := l.Read(buf); n != 1 || err != nil {
		t.Fatalf("Read = %d, %v", n, err)
	}
	if q := l.quiet(); q >= long/2 {
		t.Fatalf("quiet after a read of 1 byte = %v, want it restarted", q)
	}
	l.heard.Store(monoNow() - int64(long))
	if n, err := l.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("Read at the end = %d, %v", n, err)
	}
	if q := l.quiet(); q < long {
		t.Fatalf("quiet after an empty read = %v, want at least %v", q, long)
	}
}
