package ring_test

import (
	"runtime"
	"testing"

	"github.com/netoffload/offload/internal/ring"
)

// heapPerRing reports the live heap per ring, in bytes, of count rings
// made by mk, measured after garbage collection. Averaging over many
// rings makes the figure insensitive to unrelated runtime allocations.
func heapPerRing(count int, mk func() *ring.Ring) int {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC() // twice: also empties sync.Pool victim caches
	runtime.ReadMemStats(&before)
	rings := make([]*ring.Ring, count)
	for i := range rings {
		rings[i] = mk()
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(rings)
	return int(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / count
}

// TestMemoryGrowsOnDemand checks the ring allocates its buffer as bytes
// arrive: an unused ring is small whatever its limit, one byte costs
// about one first allocation, and a full ring holds at most about twice
// its limit.
func TestMemoryGrowsOnDemand(t *testing.T) {
	const count = 64
	const limit = 256 << 10
	idle := heapPerRing(count, func() *ring.Ring { return ring.New(limit) })
	if idle >= block {
		t.Errorf("unused ring with a %d B limit holds %d B of heap, want less than a first allocation (%d B)", limit, idle, block)
	}
	oneByte := heapPerRing(count, func() *ring.Ring {
		r := ring.New(limit)
		r.Write([]byte{1})
		return r
	})
	if oneByte > idle+2*block {
		t.Errorf("ring holding 1 byte: %d B of heap, want <= %d (unused ring + first allocation)", oneByte, idle+2*block)
	}
	const full = 64 << 10
	filled := heapPerRing(count/4, func() *ring.Ring {
		r := ring.New(full)
		r.Write(make([]byte, full))
		return r
	})
	if filled < full || filled > 2*full+idle {
		t.Errorf("full ring of %d B: %d B of heap, want between %d and %d", full, filled, full, 2*full+idle)
	}
	tiny := heapPerRing(count, func() *ring.Ring {
		r := ring.New(100)
		r.Write(make([]byte, 100))
		return r
	})
	if tiny > idle+1<<10 {
		t.Errorf("full ring with a 100 B limit: %d B of heap, want <= %d", tiny, idle+1<<10)
	}
	t.Logf("heap per ring: unused %d B, 1 byte %d B, %d B full %d B, 100 B full %d B", idle, oneByte, full, filled, tiny)
}
