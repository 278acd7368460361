package loopback_test

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/loopback"
)

// TestDialAcrossPartition: a connection attempt is traffic too. Across a
// partition it must not succeed; with a Dialer timeout it times out, as
// a SYN into a partition does, so retry logic can be tested.
func TestDialAcrossPartition(t *testing.T) {
	n := newNet(t, twoHosts(loopback.Config{}))
	listen(t, n.Host("db.test"), "db.test:5432")
	n.Partition("app.test", "db.test")
	d := &offload.Dialer{Backend: n.Host("app.test"), Timeout: 20 * time.Millisecond}
	c, err := d.Dial("tcp", "db.test:5432")
	if err == nil {
		c.Close()
		t.Fatal("Dial across a partition succeeded; want a timeout")
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Dial across a partition: %v; want a timeout", err)
	}
}
