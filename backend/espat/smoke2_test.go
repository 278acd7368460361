package espat

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/netoffload/offload"
)

func TestSmokeSelf(t *testing.T) {
	m, _ := openSim(t, simConfig(), Config{})
	lc := offload.ListenConfig{Backend: m}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	t.Logf("listening on %v", ln.Addr())
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Logf("accept: %v", err)
			return
		}
		t.Logf("accepted %v", c.RemoteAddr())
		io.Copy(c, c)
		c.Close()
	}()
	d := offload.Dialer{Backend: m}
	c, err := d.DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("dialed %v -> %v", c.LocalAddr(), c.RemoteAddr())
	msg := []byte("hello, modem")
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(msg))
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	c.Close()
}
