package ring

// SetHandoffHook installs f to run in Write right after a hand-off copied
// bytes into a parked reader's buffer; nil removes it. Tests use it to
// act in the window before the Write returns.
func SetHandoffHook(f func()) { handoffHook = f }

// HeldBlocks reports how many bytes of block memory r holds, from the
// consumer's block to the producer's. Call it only while no other
// goroutine uses r.
func HeldBlocks(r *Ring) int {
	n := 0
	for b := r.head; ; b = b.next.Load() {
		n += len(b.buf)
		if b == r.tail {
			return n
		}
	}
}

// ReplyLikely runs r's consumer's check whether it expects a reply it
// should yield for, as waitData does before it parks. Call it only as
// r's consumer, with no Read or WriteTo of r under way.
func ReplyLikely(r *Ring) bool { return r.replyLikely() }
