package loopback_test

import (
	"syscall"
	"testing"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/loopback"
)

// TestDatagramSendAfterNetworkClose: after Network.Close reads on a
// datagram socket fail with ENETDOWN; sends should too, instead of
// succeeding into a network that no longer exists.
func TestDatagramSendAfterNetworkClose(t *testing.T) {
	n := loopback.New(loopback.Config{})
	a := listenPacket(t, &offload.ListenConfig{Backend: n}, "127.0.0.1:0")
	b := listenPacket(t, &offload.ListenConfig{Backend: n}, "127.0.0.1:0")
	n.Close()
	_, err := a.WriteTo([]byte("x"), b.LocalAddr())
	isOpErr(t, err, syscall.ENETDOWN)
}
