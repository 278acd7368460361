package main

import (
	"strings"
	"testing"
)

// TestDemo runs the demo end to end with small sizes: every backend row
// must succeed.
func TestDemo(t *testing.T) {
	r := runCmd(t, nil, "", "demo", "--requests", "20", "--size", "1048576", "--espat-requests", "10", "--espat-size", "262144")
	r.want(t, exitOK)
	rows := 0
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasSuffix(line, "  ok") {
			rows++
		}
	}
	if rows != 5 {
		t.Errorf("%d ok rows, want 5:\n%s", rows, r.stdout)
	}
	for _, b := range []string{"loopback", "yamux", "espat", "host 127.0.0.1", "MB/s"} {
		if !strings.Contains(r.stdout, b) {
			t.Errorf("table does not mention %q:\n%s", b, r.stdout)
		}
	}
}

// TestDemoFailsWhenRowsFail gives every row no time at all: each fails,
// the table says so and the exit code is 1.
func TestDemoFailsWhenRowsFail(t *testing.T) {
	r := runCmd(t, nil, "", "demo", "--timeout", "1ns")
	r.want(t, exitFailure)
	if strings.Count(r.stdout, "FAIL") != 5 || !strings.Contains(r.err, "5 of 5 rows failed") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", r.stdout, r.err)
	}
}
