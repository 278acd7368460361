package ring_test

import (
	"testing"
	"time"

	"github.com/netoffload/offload/internal/ring"
)

// TestDiscardMoreThanPending: Discard drops at most the pending bytes
// (the old ring clamped to them); asking for more must not corrupt the
// ring's accounting or drop bytes written later.
func TestDiscardMoreThanPending(t *testing.T) {
	r := ring.New(64)
	mustWrite(t, r, []byte("abc"))
	if span, err := r.Peek(); err != nil || len(span) != 3 {
		t.Fatalf("Peek = %q, %v", span, err)
	}
	r.Discard(100)
	if r.Buffered() != 0 || r.Available() != 64 {
		t.Fatalf("after Discard(100) of 3: Buffered %d Available %d, want 0 and 64", r.Buffered(), r.Available())
	}
	mustWrite(t, r, []byte("later"))
	if r.Buffered() != 5 {
		t.Fatalf("Buffered = %d after writing 5 bytes", r.Buffered())
	}
	r.SetReadDeadline(time.Now().Add(hangGuard))
	if got := mustRead(t, r, 5); string(got) != "later" {
		t.Fatalf("Read = %q, want later", got)
	}
}
