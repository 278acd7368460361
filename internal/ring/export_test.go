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

// YieldForReply runs r's decision whether a consumer expecting a reply
// yields for it, counting the wait as missed, as waitData does.
func YieldForReply(r *Ring) bool { return r.yieldForReply() }

// ReplyMissed reports how many waits in a row r's consumer expected a
// reply its yields did not see.
func ReplyMissed(r *Ring) int { return int(r.missed) }

// ReplyPolicy returns the yield policy's constants.
func ReplyPolicy() (misses, probe int) { return replyMisses, replyProbe }
