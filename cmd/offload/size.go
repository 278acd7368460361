package main

import (
	"errors"
	"strconv"
	"strings"

	"github.com/netoffload/offload/backend/yamux"
)

// parseWindow reads a stream window size: a count of bytes with an
// optional binary unit (B, KiB, MiB, GiB; K, M and G are short for them),
// at least yamux's 256 KiB and at most 4 GiB − 1.
func parseWindow(s string) (uint32, error) {
	num := strings.TrimRight(s, "BKMGi")
	unit := s[len(num):]
	shift, ok := unitShifts[unit]
	if !ok || num == "" {
		return 0, errors.New("want a size such as 512KiB or 4MiB")
	}
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return 0, errors.New("want a size such as 512KiB or 4MiB")
	}
	if n > (1<<32-1)>>shift {
		return 0, errors.New("too large: at most 4GiB-1")
	}
	n <<= shift
	if n < yamux.MinStreamWindow {
		return 0, errors.New("too small: at least 256KiB (yamux's smallest window)")
	}
	return uint32(n), nil
}

// unitShifts maps the size units parseWindow takes to their power of two.
var unitShifts = map[string]uint{"": 0, "B": 0, "K": 10, "KiB": 10, "M": 20, "MiB": 20, "G": 30, "GiB": 30}

// windowSize is a stream window read from the command line.
type windowSize uint32

func (w *windowSize) UnmarshalText(b []byte) error {
	n, err := parseWindow(string(b))
	*w = windowSize(n)
	return err
}
