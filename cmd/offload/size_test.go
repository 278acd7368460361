package main

import (
	"strings"
	"testing"
)

func TestParseWindow(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32
		err  string
	}{
		{in: "262144", want: 256 << 10},
		{in: "256KiB", want: 256 << 10},
		{in: "256K", want: 256 << 10},
		{in: "1MiB", want: 1 << 20},
		{in: "4M", want: 4 << 20},
		{in: "1GiB", want: 1 << 30},
		{in: "3GiB", want: 3 << 30},
		{in: "300000B", want: 300000},
		{in: "4GiB", err: "too large"},
		{in: "5000000000", err: "too large"},
		{in: "255KiB", err: "too small"},
		{in: "0", err: "too small"},
		{in: "", err: "a size"},
		{in: "MiB", err: "a size"},
		{in: "1 MiB", err: "a size"},
		{in: "1MB", err: "a size"},
		{in: "1iB", err: "a size"},
		{in: "-1MiB", err: "a size"},
		{in: "1.5MiB", err: "a size"},
	} {
		got, err := parseWindow(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("parseWindow(%q) = %d, %v; want an error with %q", tc.in, got, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("parseWindow(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}
