package ring_test

import (
	"bytes"
	"testing"

	"github.com/netoffload/offload/internal/ring"
)

// TestSteadyStateAllocs: once the ring has its memory, moving bytes
// through it allocates nothing.
func TestSteadyStateAllocs(t *testing.T) {
	r := ring.New(0)
	p := pattern(0, 64)
	buf := make([]byte, 64)
	rw := func() {
		r.Write(p)
		r.Read(buf)
	}
	if allocs := testing.AllocsPerRun(1000, rw); allocs != 0 {
		t.Errorf("Write+Read of 64 B: %v allocations per run, want 0", allocs)
	}
	if !bytes.Equal(buf, p) {
		t.Fatal("bytes differ")
	}
	lend := func() {
		span, _ := r.TryReserve()
		r.Commit(copy(span, p))
		span, _ = r.TryPeek()
		r.Discard(len(span))
	}
	if allocs := testing.AllocsPerRun(1000, lend); allocs != 0 {
		t.Errorf("Reserve/Commit+Peek/Discard of 64 B: %v allocations per run, want 0", allocs)
	}
}

// TestSteadyStateAllocsAcrossBlocks streams far more than the first
// allocation so that any recycling of memory happens during the run.
func TestSteadyStateAllocsAcrossBlocks(t *testing.T) {
	r := ring.New(64 << 10)
	p := pattern(0, 1000)
	buf := make([]byte, 1000)
	for range 1000 { // warm up: reach the steady set of memory
		r.Write(p)
		r.Read(buf)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		r.Write(p)
		r.Read(buf)
	})
	if allocs > 0.01 {
		t.Errorf("Write+Read of 1000 B: %v allocations per run, want 0", allocs)
	}
}
