package offload_test

import (
	"strings"
	"testing"
)

// TestReadFromAfterPeerCloseRead: after the peer's CloseRead, Write
// succeeds and the bytes are discarded (as after shutdown(SHUT_RD));
// ReadFrom must behave the same, not fail with the ring's internal
// ErrReadClosed, which wraps no standard sentinel.
func TestReadFromAfterPeerCloseRead(t *testing.T) {
	c, s := connPair(t)
	s.CloseRead()
	if n, err := c.Write([]byte("x")); n != 1 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if n, err := c.ReadFrom(strings.NewReader("abc")); n != 3 || err != nil {
		t.Fatalf("ReadFrom = %d, %v; want 3, nil like Write", n, err)
	}
}
