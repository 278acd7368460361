package yamux

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParsePSK(t *testing.T) {
	raw := []byte("0123456789abcdefXYZ")
	tests := []struct {
		name string
		in   string
		want []byte // nil: an error
	}{
		{"hex", "000102030405060708090a0b0c0d0e0f", []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}},
		{"hex with white space", "  000102030405060708090A0B0C0D0E0F\n", []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}},
		{"raw", string(raw), raw},
		{"raw with a trailing newline", string(raw) + "\n", raw},
		{"hex too short", "0001020304050607", nil}, // 8 bytes once decoded
		{"raw too short", "short key", nil},
		{"empty", "", nil},
		{"one repeated byte", strings.Repeat("00", 32), nil},
		{"one repeated raw byte", strings.Repeat("k", 32), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePSK([]byte(tt.in))
			switch {
			case tt.want == nil && err == nil:
				t.Fatalf("ParsePSK(%q) = %x, want an error", tt.in, got)
			case tt.want != nil && err != nil:
				t.Fatalf("ParsePSK(%q): %v", tt.in, err)
			case !bytes.Equal(got, tt.want):
				t.Fatalf("ParsePSK(%q) = %x, want %x", tt.in, got, tt.want)
			}
		})
	}
}

func TestLoadPSK(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "psk")
	if err := os.WriteFile(path, []byte("000102030405060708090a0b0c0d0e0f\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := LoadPSK(path)
	if err != nil || len(k) != 16 || k[15] != 15 {
		t.Fatalf("LoadPSK = %x, %v", k, err)
	}
	if _, err := LoadPSK(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LoadPSK of a missing file: %v, want fs.ErrNotExist", err)
	}
}
