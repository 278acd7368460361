//go:build !(amd64 || arm64) || race

package ring

import "sync/atomic"

// storeRelease stores v at addr with (at least) release ordering. This
// portable form is sequentially consistent; the race detector needs it to
// see the ordering.
func storeRelease(addr *uint64, v uint64) { atomic.StoreUint64(addr, v) }
