package backendtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math/rand/v2"
)

// source is a deterministic stream of pseudo-random bytes.
type source struct{ rng *rand.ChaCha8 }

func newSource(seed uint64) *source {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	return &source{rand.NewChaCha8(key)}
}

// Read fills p; it never fails.
func (s *source) Read(p []byte) (int, error) { return s.rng.Read(p) }

// randBytes returns n deterministic bytes for seed.
func randBytes(seed uint64, n int) []byte {
	p := make([]byte, n)
	newSource(seed).Read(p)
	return p
}

// sizes returns a deterministic generator of sizes in [1, max].
func sizes(seed uint64, max int) func() int {
	r := rand.New(rand.NewPCG(seed, ^seed))
	return func() int { return 1 + r.IntN(max) }
}

// digest is a running sha256 with a byte count.
type digest struct {
	h hash.Hash
	n int64
}

func newDigest() *digest { return &digest{h: sha256.New()} }

func (d *digest) Write(p []byte) (int, error) {
	d.h.Write(p)
	d.n += int64(len(p))
	return len(p), nil
}

func (d *digest) sum() []byte { return d.h.Sum(nil) }

// same reports whether two digests saw the same bytes.
func (d *digest) same(o *digest) bool { return d.n == o.n && bytes.Equal(d.sum(), o.sum()) }

// onlyReader hides every method but Read, so io.Copy and ReadFrom take
// their plain-Reader paths.
type onlyReader struct {
	r interface{ Read([]byte) (int, error) }
}

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// onlyWriter hides every method but Write.
type onlyWriter struct {
	w interface{ Write([]byte) (int, error) }
}

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }
