package loopback_test

import (
	"context"
	"syscall"
	"testing"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/loopback"
)

// TestWildcardIsPerHost: a wildcard bind covers the addresses of the
// machine that made it, not of every machine on the network.
func TestWildcardIsPerHost(t *testing.T) {
	n := newNet(t, twoHosts(loopback.Config{}))
	listen(t, n.Host("db.test"), "0.0.0.0:5432")

	// Nothing listens on app.test:5432, so the dial must be refused
	// instead of reaching db.test's listener.
	c, err := (&offload.Dialer{Backend: n}).Dial("tcp", "app.test:5432")
	if err == nil {
		t.Errorf("dial to app.test:5432 reached %v (LocalAddr %v) through db.test's wildcard listener; want ECONNREFUSED",
			c.RemoteAddr(), c.LocalAddr())
		c.Close()
	} else {
		isOpErr(t, err, syscall.ECONNREFUSED)
	}

	// Two machines may both listen on the same wildcard port.
	ln, err := (&offload.ListenConfig{Backend: n.Host("app.test")}).Listen(context.Background(), "tcp", ":5432")
	if err != nil {
		t.Errorf("app.test listening on :5432 while db.test does: %v; want its own port space", err)
	} else {
		ln.Close()
	}

	// The same for datagrams.
	listenPacket(t, &offload.ListenConfig{Backend: n.Host("db.test")}, ":53")
	pc, err := (&offload.ListenConfig{Backend: n.Host("app.test")}).ListenPacket(context.Background(), "udp", ":53")
	if err != nil {
		t.Errorf("app.test binding udp :53 while db.test does: %v", err)
	} else {
		pc.Close()
	}
}
