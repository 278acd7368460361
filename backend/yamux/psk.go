package yamux

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
)

// MinPSKSize is the shortest pre-shared key LoadPSK accepts.
const MinPSKSize = 16

// LoadPSK reads a pre-shared key from a file: either hex text (64 hex
// digits for 32 bytes, say) or raw bytes. Surrounding white space is
// ignored. Keys shorter than MinPSKSize bytes are refused. Generate one
// with, for example, `head -c 32 /dev/urandom | xxd -p -c 64 > psk`.
func LoadPSK(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParsePSK(b)
}

// ParsePSK decodes a key in LoadPSK's file format.
func ParsePSK(b []byte) ([]byte, error) {
	b = bytes.TrimSpace(b)
	if k, err := hex.DecodeString(string(b)); err == nil {
		b = k
	}
	if len(b) < MinPSKSize {
		return nil, fmt.Errorf("yamux: pre-shared key too short (%d bytes, need %d)", len(b), MinPSKSize)
	}
	if bytes.Count(b, b[:1]) == len(b) {
		return nil, errors.New("yamux: pre-shared key is one repeated byte")
	}
	return b, nil
}
