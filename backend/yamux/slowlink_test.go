package yamux

import (
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/netoffload/offload/internal/testnet"
)

// slowConn passes at most rate bytes per second on to its conn, in
// 256-byte pieces, as a serial line would.
type slowConn struct {
	net.Conn
	rate int
}

func (c *slowConn) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := min(256, len(p)-n)
		time.Sleep(time.Duration(k) * time.Second / time.Duration(c.rate))
		m, err := c.Conn.Write(p[n : n+k])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// TestSlowLink: over a link of 32 KB/s each way (a quarter of a 1 Mbaud
// serial line), a 48 KiB echo goes through intact, and both ends' frames
// shrink to what the link carries in about frameTime. (Unpaced, frames
// grew with the send buffer's blocks to 128 KiB: 4 s of such a link,
// past the keepalive's timeout, the frame write timeout, and every ping
// and window update queued behind them.)
func TestSlowLink(t *testing.T) {
	guard(t, 60*time.Second)
	const rate = 32000
	addr := testnet.EchoServer(t)
	c, gl := net.Pipe()
	mux := MuxConfig{KeepAlive: 500 * time.Millisecond, LinkTimeout: 2 * time.Second}
	g := &Gateway{AllowAll: true, PSK: testKey, Logger: quiet, MuxConfig: mux}
	done := make(chan error, 1)
	go func() { done <- g.ServeConn(&slowConn{Conn: gl, rate: rate}) }()
	b, err := Client(&slowConn{Conn: c, rate: rate}, &Config{PSK: testKey, Logger: quiet, MuxConfig: mux})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		b.Close()
		g.Close()
		<-done
	}()
	conn, err := dialer(b).Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msg := make([]byte, 48<<10)
	for i := range msg {
		msg[i] = byte(rand.Uint32())
	}
	testnet.Echo(t, conn, msg)
	// 32 KB/s carries 1.6 KB in frameTime; a busier machine only makes
	// frames look slower, so smaller.
	b.mu.Lock()
	dev := b.sess.link.pace.frameMax()
	b.mu.Unlock()
	if dev > 4<<10 {
		t.Errorf("device frames up to %d B after the echo, want them paced below 4 KiB", dev)
	}
	g.mu.Lock()
	for s := range g.sessions {
		if gw := s.link.pace.frameMax(); gw > 4<<10 {
			t.Errorf("gateway frames up to %d B after the echo, want them paced below 4 KiB", gw)
		}
	}
	g.mu.Unlock()
}
