package ring_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/netoffload/offload/internal/ring"
)

// TestPairWithExchange runs request/response rounds over two paired rings,
// as a loopback conn pair does, and checks every reply.
func TestPairWithExchange(t *testing.T) {
	a2b, b2a := ring.New(0), ring.New(0)
	b2a.PairWith(a2b) // a reads b2a, writes a2b
	a2b.PairWith(b2a)
	const rounds = 2000
	done := make(chan error, 1)
	go func() { // b echoes every 64 B message with its bytes reversed
		buf := make([]byte, 64)
		for {
			if _, err := io.ReadFull(a2b, buf); err != nil {
				done <- err
				return
			}
			for i, j := 0, len(buf)-1; i < j; i, j = i+1, j-1 {
				buf[i], buf[j] = buf[j], buf[i]
			}
			if _, err := b2a.Write(buf); err != nil {
				done <- err
				return
			}
		}
	}()
	got := make([]byte, 64)
	for i := range rounds {
		msg := pattern(i, 64)
		mustWrite(t, a2b, msg)
		if _, err := io.ReadFull(b2a, got); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		for k := range msg {
			if got[k] != msg[len(msg)-1-k] {
				t.Fatalf("round %d: reply byte %d is %d, want %d", i, k, got[k], msg[len(msg)-1-k])
			}
		}
	}
	a2b.CloseWrite(nil)
	if err := await(t, done); err != io.EOF && err != io.ErrUnexpectedEOF {
		t.Fatalf("echo ended with %v, want EOF", err)
	}
}

// TestPairWithLateReply checks that a consumer expecting a reply still
// parks, and is woken, when the reply comes only after it has parked.
func TestPairWithLateReply(t *testing.T) {
	in, out := ring.New(0), ring.New(0)
	in.PairWith(out)
	mustWrite(t, out, []byte("request"))
	ch := goRead(in, make([]byte, 16))
	readerParked(t, in)
	mustWrite(t, in, []byte("reply"))
	if res := await(t, ch); res.err != nil || res.n != len("reply") {
		t.Fatalf("Read = %d, %v; want %d, nil", res.n, res.err, len("reply"))
	}
	if got := mustRead(t, out, len("request")); !bytes.Equal(got, []byte("request")) {
		t.Fatalf("out holds %q", got)
	}
}

// TestPairWithClose checks that a consumer expecting a reply sees a close
// that comes instead of it.
func TestPairWithClose(t *testing.T) {
	in, out := ring.New(0), ring.New(0)
	in.PairWith(out)
	mustWrite(t, out, []byte("x"))
	ch := goRead(in, make([]byte, 16))
	readerParked(t, in)
	in.CloseWrite(nil)
	if res := await(t, ch); res.err != io.EOF {
		t.Fatalf("Read after CloseWrite = %d, %v; want EOF", res.n, res.err)
	}
}

// TestPairWithRelayDoesNotYield checks that neither a consumer that relays
// its bytes on (WriteTo, as the yamux gateway's proxy drains a conn into
// a stream) nor a consumer whose requests such a relay takes expects a
// reply to yield for: it comes from past the relay's far end, not from
// one scheduling step away. A plain pair's consumers do.
func TestPairWithRelayDoesNotYield(t *testing.T) {
	plainIn, plainOut := ring.New(0), ring.New(0)
	plainIn.PairWith(plainOut)
	mustWrite(t, plainOut, []byte("request"))
	if !ring.ReplyLikely(plainIn) {
		t.Fatal("a plain pair's consumer does not expect the reply to its request")
	}

	// app reads in and writes out; relay drains out (WriteTo) and its
	// partner writes in, as the proxy's two directions do.
	in, out := ring.New(0), ring.New(0)
	in.PairWith(out)
	out.PairWith(in)
	relayed := make(chan []byte, 4)
	done := make(chan error, 1)
	go func() {
		_, err := out.WriteTo(writerFunc(func(p []byte) (int, error) {
			relayed <- append([]byte(nil), p...)
			return len(p), nil
		}))
		done <- err
	}()
	for i := range 3 {
		mustWrite(t, out, []byte("request"))
		if got := await(t, relayed); string(got) != "request" {
			t.Fatalf("round %d: relayed %q", i, got)
		}
		ch := goRead(in, make([]byte, 16))
		readerParked(t, in)
		mustWrite(t, in, []byte("reply")) // the partner, after the round trip
		if res := await(t, ch); res.err != nil || res.n != len("reply") {
			t.Fatalf("round %d: Read = %d, %v; want %d, nil", i, res.n, res.err, len("reply"))
		}
	}
	mustWrite(t, out, []byte("request"))
	if got := await(t, relayed); string(got) != "request" {
		t.Fatalf("relayed %q", got)
	}
	if ring.ReplyLikely(in) {
		t.Fatal("the app expects a relayed reply to yield for")
	}
	out.CloseWrite(nil)
	if err := await(t, done); err != nil {
		t.Fatalf("WriteTo ended with %v, want nil", err)
	}
	// The relay has returned; its ring stays marked. Its partner writes
	// in, and the test stands in for out's consumer.
	mustWrite(t, in, []byte("reply"))
	if ring.ReplyLikely(out) {
		t.Fatal("the relay expects a reply to yield for")
	}
}

// writerFunc is an io.Writer made of a function.
type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
