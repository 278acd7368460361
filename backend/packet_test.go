package backend_test

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/netoffload/offload/backend"
	"github.com/netoffload/offload/internal/testnet"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// hangGuard bounds every wait in these tests. It only turns a hang into a
// failure; no test depends on how long anything takes.
const hangGuard = 20 * time.Second

var (
	srcA = netip.MustParseAddrPort("127.0.0.1:1000")
	srcB = netip.MustParseAddrPort("[::1]:2000")
)

func TestPacketQueueKeepsBoundariesAndSources(t *testing.T) {
	q := backend.NewPacketQueue(4)
	q.Deliver([]byte("one"), srcA)
	q.Deliver([]byte("second"), srcB)
	buf := make([]byte, 64)
	for _, want := range []struct {
		data string
		from netip.AddrPort
	}{{"one", srcA}, {"second", srcB}} {
		n, from, trunc, err := q.Receive(buf)
		if err != nil || string(buf[:n]) != want.data || from != want.from || trunc {
			t.Fatalf("Receive = %q, %v, %v, %v; want %q from %v", buf[:n], from, trunc, err, want.data, want.from)
		}
	}
}

func TestPacketQueueTruncates(t *testing.T) {
	q := backend.NewPacketQueue(4)
	q.Deliver([]byte("abcdef"), srcA)
	q.Deliver([]byte("next"), srcA)
	buf := make([]byte, 3)
	n, _, trunc, err := q.Receive(buf)
	if err != nil || string(buf[:n]) != "abc" || !trunc {
		t.Fatalf("Receive = %q, truncated %v, %v; want \"abc\", truncated", buf[:n], trunc, err)
	}
	n, _, trunc, err = q.Receive(make([]byte, 16))
	if err != nil || n != 4 || trunc {
		t.Fatalf("next Receive = %d, %v, %v; want the next datagram whole", n, trunc, err)
	}
}

func TestPacketQueueDropsWhenFull(t *testing.T) {
	q := backend.NewPacketQueue(2)
	for i := range 5 {
		ok := q.Deliver([]byte{byte(i)}, srcA)
		if want := i < 2; ok != want {
			t.Fatalf("Deliver #%d = %v, want %v", i, ok, want)
		}
	}
	if q.Dropped() != 3 || q.Len() != 2 {
		t.Fatalf("Dropped = %d, Len = %d; want 3, 2", q.Dropped(), q.Len())
	}
}

func TestPacketQueueDoesNotKeepCallerSlice(t *testing.T) {
	q := backend.NewPacketQueue(2)
	p := []byte("payload")
	q.Deliver(p, srcA)
	copy(p, "XXXXXXX")
	buf := make([]byte, 16)
	n, _, _, _ := q.Receive(buf)
	if !bytes.Equal(buf[:n], []byte("payload")) {
		t.Fatalf("got %q: the queue kept the caller's slice", buf[:n])
	}
}

func TestPacketQueueDeadline(t *testing.T) {
	q := backend.NewPacketQueue(2)
	q.SetReadDeadline(time.Now().Add(-time.Second))
	if _, _, _, err := q.Receive(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Receive past deadline: %v", err)
	}
	q.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, _, _, err := q.Receive(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Receive with a near deadline: %v", err)
	}
	q.SetReadDeadline(time.Time{})
	q.Deliver([]byte("x"), srcA)
	if n, _, _, err := q.Receive(make([]byte, 1)); n != 1 || err != nil {
		t.Fatalf("Receive after disarming = %d, %v", n, err)
	}
}

// TestPacketQueueCloseWakesReceivers: Close wakes every parked receiver,
// not only the first (each woken receiver passes the wake-up on), and
// receivers that come later return at once.
func TestPacketQueueCloseWakesReceivers(t *testing.T) {
	q := backend.NewPacketQueue(2)
	errs := make(chan error, 4)
	for range 3 {
		go func() {
			_, _, _, err := q.Receive(make([]byte, 8))
			errs <- err
		}()
	}
	testnet.Parked(t, "backend.(*PacketQueue).wait", 3, hangGuard)
	q.Close(net.ErrClosed)
	go func() {
		_, _, _, err := q.Receive(make([]byte, 8))
		errs <- err
	}()
	for range 4 {
		select {
		case err := <-errs:
			if !errors.Is(err, net.ErrClosed) {
				t.Fatalf("Receive after Close: %v", err)
			}
		case <-time.After(hangGuard):
			t.Fatal("hang: Close did not wake a receiver")
		}
	}
	if q.Deliver([]byte("late"), srcA) {
		t.Fatal("Deliver after Close succeeded")
	}
}

func TestPacketQueueDeliveryWakesEachReceiver(t *testing.T) {
	q := backend.NewPacketQueue(8)
	got := make(chan byte, 4)
	for range 4 {
		go func() {
			buf := make([]byte, 1)
			if n, _, _, err := q.Receive(buf); n == 1 && err == nil {
				got <- buf[0]
			}
		}()
	}
	for i := range 4 {
		q.Deliver([]byte{byte(i)}, srcA)
	}
	seen := map[byte]bool{}
	for range 4 {
		select {
		case b := <-got:
			seen[b] = true
		case <-time.After(hangGuard):
			t.Fatal("hang: a receiver was not woken")
		}
	}
	if len(seen) != 4 {
		t.Fatalf("receivers saw %v, want 4 distinct datagrams", seen)
	}
}

func TestPacketQueueSteadyStateDoesNotAllocate(t *testing.T) {
	q := backend.NewPacketQueue(4)
	p := make([]byte, 512)
	buf := make([]byte, 512)
	allocs := testing.AllocsPerRun(1000, func() {
		q.Deliver(p, srcA)
		q.Receive(buf)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per datagram, want 0", allocs)
	}
}

func TestOptionsDefaults(t *testing.T) {
	o := backend.Options{InSize: -1, PacketQueue: -5}.WithDefaults()
	if o.InSize != backend.DefaultBufferSize || o.OutSize != backend.DefaultBufferSize || o.PacketQueue != backend.DefaultPacketQueue {
		t.Fatalf("WithDefaults = %+v", o)
	}
	st := backend.NewStream(backend.Options{InSize: 1000})
	if st.In.Limit() != 1000 || st.Out.Limit() != backend.DefaultBufferSize {
		t.Fatalf("NewStream limits %d/%d", st.In.Limit(), st.Out.Limit())
	}
}
