package ring

import (
	"sync"
	"sync/atomic"
)

// Block sizes: the first blocks of a ring are small so that lightly used
// connections stay small; later ones double up to maxBlock (getBlock).
const (
	minBlock = 4 << 10
	maxBlock = 32 << 10
	// largestBlock is the most SetBlockLimit allows.
	largestBlock = 128 << 10
)

// block is one link of the chain. When the producer has filled buf it
// links a new block through next before publishing any byte of it.
type block struct {
	buf  []byte
	next atomic.Pointer[block]
}

// offset returns where stream offset total falls in a block that the
// chain enters at total: the producer and the consumer both start there.
// Blocks start at multiples of their size (getBlock), so that is 0,
// except for the first block after shrink, which the chain enters
// wherever the stream had got to; starting it part way keeps later
// blocks aligned.
func (b *block) offset(total int64) int { return int(total % int64(len(b.buf))) }

var blockPools [maxBlockClass + 1]sync.Pool

// maxBlockClass is the pool index of largestBlock (4 KiB << class).
const maxBlockClass = 5

func blockClass(size int) int {
	c := 0
	for minBlock<<c < size && c < maxBlockClass {
		c++
	}
	return c
}

// getBlock returns an empty block for the stream offset start of a ring
// that holds up to limit bytes: minBlock for the first two, then as large
// as start, up to most (maxBlock unless SetBlockLimit raised it) or half
// the limit. The sizes run 4, 4, 8, 16, 32, 32 … KiB (on to 64 and 128
// with a higher most), so every block starts at a multiple of its own
// size, and a write of a power-of-two size up to the largest block that
// starts at a multiple of that size (as in a stream of 32 KiB io.Copy
// writes) lands in one block, where a backend can take it as one span.
// Large blocks mean fewer block changes on a busy ring; the half-limit
// cap keeps a block in proportion to the ring's size. After shrink the
// chain restarts at any offset; offset places the first block's bytes.
func getBlock(start, limit int64, most int) *block {
	size := minBlock
	for size < most && int64(size)*2 <= start && int64(size)*4 <= limit {
		size *= 2
	}
	if int64(size) > limit && limit >= 1 {
		size = int(limit)
	}
	c := blockClass(size)
	if minBlock<<c == size {
		if b, ok := blockPools[c].Get().(*block); ok {
			return b
		}
	}
	return &block{buf: make([]byte, size)}
}

// putBlock recycles a block the consumer has left.
func putBlock(b *block) {
	size := len(b.buf)
	if size == 0 {
		return
	}
	c := blockClass(size)
	if minBlock<<c != size {
		return
	}
	b.next.Store(nil)
	blockPools[c].Put(b)
}
