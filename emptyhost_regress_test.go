package offload_test

import (
	"testing"

	"github.com/netoffload/offload"
)

// TestDialEmptyHost: net.Dial("tcp", ":8081") dials the local system;
// existing call sites like that must work unchanged through a Dialer.
func TestDialEmptyHost(t *testing.T) {
	n := newNet(t)
	listen(t, n, "127.0.0.1:8081")
	c, err := (&offload.Dialer{Backend: n}).Dial("tcp", ":8081")
	if err != nil {
		t.Fatalf("Dial(\":8081\"): %v; want the local system, as package net does", err)
	}
	c.Close()
}
