package ring

import (
	"sync"
	"sync/atomic"
)

// Block sizes: the first block of a ring is small so that lightly used
// connections stay small; later ones double up to maxBlock.
const (
	minBlock = 4 << 10
	maxBlock = 32 << 10
)

// block is one link of the chain. When the producer has filled buf it
// links a new block through next before publishing any byte of it.
type block struct {
	buf  []byte
	next atomic.Pointer[block]
}

var blockPools [maxBlockClass + 1]sync.Pool

// maxBlockClass is the pool index of maxBlock (4 KiB << class).
const maxBlockClass = 3

func blockClass(size int) int {
	c := 0
	for minBlock<<c < size && c < maxBlockClass {
		c++
	}
	return c
}

// getBlock returns an empty block of the size class after prev's.
func getBlock(prev int, limit int64) *block {
	size := minBlock
	if prev > 0 {
		size = min(prev*2, maxBlock)
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
