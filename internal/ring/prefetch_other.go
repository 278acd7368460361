//go:build !(amd64 || arm64)

package ring

// prefetchWrite is a no-op where no prefetch instruction is wired up.
func prefetchWrite(p *byte, n int) {}
