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

// TestPairWithLateRepliesStopYields checks that a consumer whose replies
// keep coming only after it parked (a peer farther away than one
// scheduling step) stops yielding for them, and only probes now and then.
func TestPairWithLateRepliesStopYields(t *testing.T) {
	in, out := ring.New(0), ring.New(0)
	in.PairWith(out)
	const rounds = 5
	for i := range rounds {
		mustWrite(t, out, []byte("request"))
		ch := goRead(in, make([]byte, 16))
		readerParked(t, in)
		mustWrite(t, in, []byte("reply"))
		if res := await(t, ch); res.err != nil || res.n != len("reply") {
			t.Fatalf("round %d: Read = %d, %v; want %d, nil", i, res.n, res.err, len("reply"))
		}
		mustRead(t, out, len("request"))
	}
	if got := ring.ReplyMissed(in); got != rounds {
		t.Fatalf("%d late replies counted as %d missed", rounds, got)
	}

	// The decision alone, on a fresh ring: yield for the first misses
	// waits, then only on every probe-th.
	misses, probe := ring.ReplyPolicy()
	r := ring.New(0)
	for wait := 1; wait <= 3*probe; wait++ {
		want := wait <= misses || wait%probe == 0
		if got := ring.YieldForReply(r); got != want {
			t.Fatalf("wait %d after %d misses: yield = %v, want %v", wait, wait-1, got, want)
		}
	}
}

// TestPairWithRelayDoesNotYield checks that neither a consumer that relays
// its bytes on (WriteTo, as the yamux gateway's proxy drains a conn into
// a stream) nor a consumer whose requests such a relay takes yields for a
// reply: it comes from past the relay's far end, not from one scheduling
// step away. Their waits count no missed reply, where a plain pair's
// (TestPairWithLateRepliesStopYields) do.
func TestPairWithRelayDoesNotYield(t *testing.T) {
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
	if got := ring.ReplyMissed(in); got != 0 {
		t.Fatalf("the app's reads yielded for %d relayed replies", got)
	}
	if got := ring.ReplyMissed(out); got != 0 {
		t.Fatalf("the relay's waits yielded for %d replies", got)
	}
	out.CloseWrite(nil)
	if err := await(t, done); err != nil {
		t.Fatalf("WriteTo ended with %v, want nil", err)
	}
}

// writerFunc is an io.Writer made of a function.
type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
