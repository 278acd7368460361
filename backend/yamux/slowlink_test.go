package yamux

import (
	"errors"
	"math/rand/v2"
	"net"
	"os"
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

// slowClient links a client to a gateway over a net.Pipe paced at rate
// bytes a second each way, both ends with mux. Cleanup closes both.
func slowClient(t *testing.T, rate int, mux MuxConfig) (*Backend, *Gateway) {
	t.Helper()
	c, gl := net.Pipe()
	g := &Gateway{AllowAll: true, PSK: testKey, Logger: quiet, MuxConfig: mux}
	done := make(chan error, 1)
	go func() { done <- g.ServeConn(&slowConn{Conn: gl, rate: rate}) }()
	b, err := Client(&slowConn{Conn: c, rate: rate}, &Config{PSK: testKey, Logger: quiet, MuxConfig: mux})
	if err != nil {
		g.Close()
		<-done
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.Close()
		g.Close()
		<-done
	})
	return b, g
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
	b, g := slowClient(t, rate, MuxConfig{KeepAlive: 500 * time.Millisecond, LinkTimeout: 2 * time.Second})
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

// TestSlowLinkOneWay: 32 streams upload at once over a link of 11.5 KB/s
// each way (115200 baud) for 3 s, and the gateway has nothing to send
// back. The device's send queue then holds a frame from every stream,
// about 3 s of the link, so the answers to the gateway's pings wait that
// long; the device hears only the gateway's pings, which keep coming
// while the gateway hears the device's data. Before they did, the device
// heard nothing for its 2 s link timeout and declared the healthy link
// dead. (The link timeout is above the default to leave room for a
// loaded machine: the pings come every 250–500 ms.)
func TestSlowLinkOneWay(t *testing.T) {
	guard(t, 60*time.Second)
	const rate, streams, upload = 11520, 32, 3 * time.Second
	addr := testnet.SinkServer(t)
	b, _ := slowClient(t, rate, MuxConfig{LinkTimeout: 2 * time.Second})
	var err error
	conns := make([]net.Conn, streams)
	for i := range conns {
		if conns[i], err = dialer(b).Dial("tcp", addr); err != nil {
			t.Fatal(err)
		}
		defer conns[i].Close()
	}
	deadline := time.Now().Add(upload)
	errs := make(chan error, streams)
	for _, conn := range conns {
		conn.SetWriteDeadline(deadline)
		go func() {
			buf := make([]byte, 1024)
			for {
				if _, err := conn.Write(buf); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range conns {
		if err := <-errs; !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("upload: %v", err)
		}
	}
	t.Logf("uploads done after %v", time.Since(deadline.Add(-upload)))
	b.mu.Lock()
	alive := b.sess != nil && b.sess.alive()
	b.mu.Unlock()
	if !alive {
		t.Fatal("the device declared the link dead")
	}
}
