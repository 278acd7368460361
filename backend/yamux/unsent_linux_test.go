package yamux

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netoffload/offload/internal/testnet"
)

// slowHop forwards one TCP conn to target, passing the accepting side's
// bytes on at rate bytes a second and the other way at once: a slow hop
// on the link's path. Its socket's receive buffer is small, so bytes the
// hop has not passed on wait in the sender's socket, as behind a slow
// router. It returns its address and how many bytes it has passed on.
func slowHop(t *testing.T, target string, rate int) (string, *atomic.Int64) {
	t.Helper()
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		c.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 8<<10) })
		return serr
	}}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		passed atomic.Int64
		wg     sync.WaitGroup
		mu     sync.Mutex
		conns  []net.Conn
	)
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		in, err := ln.Accept()
		if err != nil {
			return
		}
		track(in)
		out, err := net.Dial("tcp", target)
		if err != nil {
			in.Close()
			return
		}
		track(out)
		wg.Add(1)
		go func() {
			defer wg.Done()
			io.Copy(in, out)
			in.Close()
		}()
		buf := make([]byte, 1024)
		for {
			n, err := in.Read(buf)
			if n > 0 {
				time.Sleep(time.Duration(n) * time.Second / time.Duration(rate))
				if _, werr := out.Write(buf[:n]); werr != nil {
					break
				}
				passed.Add(int64(n))
			}
			if err != nil {
				break
			}
		}
		out.Close()
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close() // a conn dialed after this ends when in's read fails
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String(), &passed
}

// unsent returns how many bytes c's socket holds that it has not sent.
func unsent(t *testing.T, c *net.TCPConn) int {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var ierr error
	if err := rc.Control(func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQNSD) }); err != nil {
		t.Fatal(err)
	}
	if ierr != nil {
		t.Fatal(ierr)
	}
	return n
}

// TestSlowHopUnsent: while a stream uploads over a TCP link (plain or
// TLS) behind a hop of 64 KB/s, the device's socket holds at most about
// unsentLimit and one frame unsent, and a second stream's echo gets
// through meanwhile. Without the limit the kernel took the whole upload
// at once, and the echo waited behind it (16 s for 512 KiB at 32 KB/s).
func TestSlowHopUnsent(t *testing.T) {
	for _, kind := range []string{linkTCP, linkTLS} {
		t.Run(kind, func(t *testing.T) {
			guard(t, 60*time.Second)
			const rate, upload = 64000, 192 << 10
			mux := MuxConfig{KeepAlive: 500 * time.Millisecond, LinkTimeout: testLinkTimeout}
			g := &Gateway{AllowAll: true, PSK: testKey, Logger: quiet, MuxConfig: mux}
			gln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			served := make(chan error, 1)
			go func() {
				c, err := gln.Accept()
				gln.Close()
				if err != nil {
					served <- err
					return
				}
				var link io.ReadWriteCloser = c
				if kind == linkTLS {
					link = tls.Server(c, testCerts(t).server)
				}
				served <- g.ServeConn(link)
			}()
			hop, passed := slowHop(t, gln.Addr().String(), rate)
			nc, err := net.Dial("tcp", hop)
			if err != nil {
				t.Fatal(err)
			}
			tc := nc.(*net.TCPConn)
			var link io.ReadWriteCloser = tc
			if kind == linkTLS {
				link = tls.Client(tc, testCerts(t).client)
			}
			b, err := Client(link, &Config{PSK: testKey, Logger: quiet, MuxConfig: mux})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				b.Close()
				g.Close()
				gln.Close()
				<-served
			}()

			up, err := dialer(b).Dial("tcp", testnet.SinkServer(t))
			if err != nil {
				t.Fatal(err)
			}
			defer up.Close()
			echo, err := dialer(b).Dial("tcp", testnet.EchoServer(t))
			if err != nil {
				t.Fatal(err)
			}
			defer echo.Close()
			start := passed.Load()
			if _, err := up.Write(make([]byte, upload)); err != nil { // into the send buffer: returns at once
				t.Fatal(err)
			}
			// Sample the unsent queue until most of the upload has passed
			// the hop; echo once a quarter of the way through.
			most, echoed := 0, false
			for passed.Load()-start < upload*3/4 {
				most = max(most, unsent(t, tc))
				if !echoed && passed.Load()-start > upload/4 {
					began := time.Now()
					testnet.Echo(t, echo, []byte("ping"))
					t.Logf("echo during the upload: %v", time.Since(began))
					echoed = true
				}
				time.Sleep(10 * time.Millisecond)
			}
			// A frame (maxSocketFrame at most) may go in whole while the
			// queue is just under the limit.
			if bound := unsentLimit + maxSocketFrame + 1024; most > bound {
				t.Errorf("the link's socket held up to %d bytes unsent, want at most %d", most, bound)
			}
			t.Logf("most unsent: %d B", most)
		})
	}
}
