package ring_test

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/netoffload/offload/internal/ring"
)

// TestHeldReadTimesOut: while the ring is held, a Read with bytes
// buffered must wait (and so meet its deadline), not spin on the bytes it
// may not see.
func TestHeldReadTimesOut(t *testing.T) {
	r := ring.New(64)
	r.SetHold(true)
	if _, err := r.Write([]byte("held")); err != nil {
		t.Fatal(err)
	}
	r.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	ch := goRead(r, make([]byte, 8))
	if res := await(t, ch); res.n != 0 || !errors.Is(res.err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read while held = %d, %v; want a timeout", res.n, res.err)
	}
}
