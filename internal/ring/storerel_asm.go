//go:build (amd64 || arm64) && !race

package ring

// storeRelease stores v at addr with release ordering: earlier writes
// become visible first. On amd64 that is a plain MOV and on arm64 an STLR;
// neither is a locked (sequentially consistent) instruction, which is the
// point. The Go runtime's own StoreRel is the same instruction.
//
//go:noescape
func storeRelease(addr *uint64, v uint64)
