//go:build amd64 || arm64

package ring

// prefetchWrite asks the CPU to fetch the cache lines of p[:n] for
// writing. A producer writes ring memory that the consumer's core read
// last; fetching it while the caller goes on hides the transfer that
// would otherwise stall the next locked instruction (which waits for
// every earlier store). It has no effect on what memory holds.
//
//go:noescape
func prefetchWrite(p *byte, n int)
