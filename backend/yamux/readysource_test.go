package yamux

import (
	"bytes"
	"io"
	"testing"
	"time"

	hyamux "github.com/hashicorp/yamux"
)

// streamPair opens a stream of a raw yamux session over net.Pipe and
// returns both ends. Cleanup closes the sessions.
func streamPair(t *testing.T) (near, far *hyamux.Stream) {
	t.Helper()
	client, server := rawSessions(t, linkPipe)
	var err error
	if far, err = client.OpenStream(); err != nil {
		t.Fatal(err)
	}
	far.Write([]byte{0}) // the server sees the stream once data flows
	if near, err = server.AcceptStream(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(near, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	return near, far
}

// TestReadySourceModes: after short reads wait takes the message into
// head and Read serves it from there; a full head, or a long read, makes
// the next wait a zero-length one and the read after it go to the
// stream. Ready is never claimed for the stream unless a wait saw bytes
// there, so a ReadFrom never waits inside a read.
func TestReadySourceModes(t *testing.T) {
	guard(t, 20*time.Second)
	near, far := streamPair(t)
	src := readySource{s: &streamSource{st: near}}
	read := func(size int) []byte {
		t.Helper()
		p := make([]byte, size)
		n, err := src.Read(p)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		return p[:n]
	}

	short := bytes.Repeat([]byte("s"), 100)
	far.Write(short)
	if err := src.wait(); err != nil || !src.ReadReady() || src.hw != len(short) {
		t.Fatalf("wait for a short message: %v, ready %v, head %d; want it all in head", err, src.ReadReady(), src.hw)
	}
	if got := append(read(60), read(60)...); !bytes.Equal(got, short) || src.ReadReady() || src.long {
		t.Fatalf("short message: %d bytes, ready %v, long %v", len(got), src.ReadReady(), src.long)
	}

	full := bytes.Repeat([]byte("f"), waitRead)
	far.Write(full)
	if err := src.wait(); err != nil || src.hw != waitRead || !src.long {
		t.Fatalf("wait for a head's worth: %v, head %d, long %v", err, src.hw, src.long)
	}
	if got := read(4 * waitRead); !bytes.Equal(got, full) || src.ReadReady() {
		t.Fatalf("head's worth: %d bytes, ready %v: a full head must not claim more", len(got), src.ReadReady())
	}

	long := bytes.Repeat([]byte("l"), 10<<10)
	far.Write(long)
	if err := src.wait(); err != nil || !src.ReadReady() || src.hr != src.hw {
		t.Fatalf("zero-length wait: %v, ready %v, %d bytes in head", err, src.ReadReady(), src.hw-src.hr)
	}
	if got := read(64 << 10); !bytes.Equal(got, long) || src.ReadReady() || !src.long {
		t.Fatalf("long read: %d bytes, ready %v, long %v", len(got), src.ReadReady(), src.long)
	}

	far.Close()
	if err := src.wait(); err != io.EOF || !src.eof {
		t.Fatalf("wait at the end: %v, eof %v", err, src.eof)
	}
}
