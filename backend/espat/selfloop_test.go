package espat

import (
	"io"
	"net"
	"testing"

	"github.com/netoffload/offload"
)

// TestSelfLoop connects two links of one modem to each other: the dial
// goes out through the uplink and comes back to the modem's own server,
// which hands the modem-assigned link to Accept.
func TestSelfLoop(t *testing.T) {
	m, _ := openSim(t, simConfig(), Config{})
	lc := offload.ListenConfig{Backend: m}
	ln, err := lc.Listen(testCtx(t), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
		io.Copy(c, c)
		c.Close()
	}()
	d := offload.Dialer{Backend: m}
	c, err := d.DialContext(testCtx(t), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, ok := <-accepted
	if !ok {
		t.Fatal("Accept failed")
	}
	if s.RemoteAddr().String() != c.LocalAddr().String() {
		t.Errorf("accepted RemoteAddr %v, dialer LocalAddr %v", s.RemoteAddr(), c.LocalAddr())
	}
	if err := roundTrip(c, "around the loop and back"); err != nil {
		t.Fatal(err)
	}
}
