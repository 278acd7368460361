package yamux

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"

	hyamux "github.com/hashicorp/yamux"
	"github.com/netoffload/offload"
)

// Benchmarks compare a device conn through Client and Gateway with a raw
// hashicorp yamux stream over the same kind of link. The far end is as
// cheap as it can be on both sides: the raw server reads the stream
// itself; the gateway dials an in-memory memConn that discards or echoes
// without a goroutine of its own.

var benchSizes = []struct {
	name string
	size int
}{{"64B", 64}, {"32KiB", 32 << 10}}

func BenchmarkClient(b *testing.B)   { benchLinks(b, clientConn) }
func BenchmarkRawYamux(b *testing.B) { benchLinks(b, rawConn) }

// benchLinks runs the throughput and ping-pong benchmarks over pipe and
// TCP links, with conns made by mk (echo=true for ping-pong).
func benchLinks(b *testing.B, mk func(b *testing.B, link string, echo bool) benchConn) {
	for _, link := range []string{linkPipe, linkTCP} {
		for _, s := range benchSizes {
			b.Run("link="+link+"/write="+s.name, func(b *testing.B) {
				benchThroughput(b, mk(b, link, false), s.size)
			})
		}
		b.Run("link="+link+"/pingpong=64B", func(b *testing.B) {
			benchPingPong(b, mk(b, link, true))
		})
	}
}

// benchConn is a conn to the far end and a way to learn when the far end
// has read everything (after CloseWrite).
type benchConn struct {
	c    net.Conn
	done func() int64 // waits for EOF at the far end, returns bytes read
}

func benchThroughput(b *testing.B, bc benchConn, size int) {
	buf := make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := bc.c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	bc.c.(interface{ CloseWrite() error }).CloseWrite()
	if got := bc.done(); got != int64(b.N*size) {
		b.Fatalf("far end read %d bytes, want %d", got, b.N*size)
	}
}

func benchPingPong(b *testing.B, bc benchConn) {
	buf := make([]byte, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := bc.c.Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(bc.c, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// clientConn dials through a gateway over a link of the given kind.
func clientConn(b *testing.B, kind string, echo bool) benchConn {
	far := newMemConn(echo)
	g := &Gateway{AllowAll: true, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return far, nil
	}}
	e := newEnv(b, kind, g, nil)
	c, err := (&offload.Dialer{Backend: e.b}).Dial("tcp", "192.0.2.1:9")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return benchConn{c: c, done: far.wait}
}

// rawConn opens a raw yamux stream whose server end discards (or echoes)
// in its own goroutine.
func rawConn(b *testing.B, kind string, echo bool) benchConn {
	client, server := rawSessions(b, kind)
	var n int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		st, err := server.AcceptStream()
		if err != nil {
			return
		}
		if echo {
			io.Copy(st, st)
		} else {
			n, _ = io.Copy(io.Discard, st)
		}
		st.Close()
	}()
	st, err := client.OpenStream()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		client.Close() // rawSessions closes them too, but only after this
		server.Close()
		wg.Wait()
	})
	return benchConn{c: rawStream{st}, done: func() int64 { wg.Wait(); return n }}
}

// rawSessions starts a raw yamux client and server, with yamux's default
// configuration, over a link of the given kind. Cleanup closes both.
func rawSessions(tb testing.TB, kind string) (client, server *hyamux.Session) {
	tb.Helper()
	cl, sl := linkPair(tb, kind)
	cfg := hyamux.DefaultConfig()
	cfg.LogOutput = io.Discard
	server, err := hyamux.Server(sl, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	client, err = hyamux.Client(cl, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return client, server
}

// rawStream gives a yamux stream CloseWrite (its Close is a half-close).
type rawStream struct{ *hyamux.Stream }

func (s rawStream) CloseWrite() error { return s.Stream.Close() }

// memConn is the gateway's far end in benchmarks: Write discards (and
// counts) or queues an echo for Read; CloseWrite marks the end.
type memConn struct {
	net.Conn // nil: only the methods below are used
	echo     bool

	mu     sync.Mutex
	buf    []byte
	n      int64
	eof    bool
	closed bool
	ready  chan struct{} // cap 1: data, EOF or close for Read
	ended  chan struct{} // closed at the writer's EOF
}

func newMemConn(echo bool) *memConn {
	return &memConn{echo: echo, ready: make(chan struct{}, 1), ended: make(chan struct{})}
}

func (m *memConn) Write(p []byte) (int, error) {
	m.mu.Lock()
	m.n += int64(len(p))
	if m.echo {
		m.buf = append(m.buf, p...)
	}
	m.mu.Unlock()
	m.signal()
	return len(p), nil
}

func (m *memConn) Read(p []byte) (int, error) {
	for {
		m.mu.Lock()
		if len(m.buf) > 0 {
			n := copy(p, m.buf)
			m.buf = m.buf[:copy(m.buf, m.buf[n:])]
			m.mu.Unlock()
			return n, nil
		}
		if m.closed || m.eof && m.echo {
			m.mu.Unlock()
			return 0, io.EOF
		}
		m.mu.Unlock()
		<-m.ready
	}
}

func (m *memConn) signal() {
	select {
	case m.ready <- struct{}{}:
	default:
	}
}

func (m *memConn) CloseWrite() error {
	m.mu.Lock()
	if !m.eof {
		m.eof = true
		close(m.ended)
	}
	m.mu.Unlock()
	m.signal()
	return nil
}

func (m *memConn) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.CloseWrite()
	return nil
}

func (m *memConn) wait() int64 {
	<-m.ended
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n
}

func (m *memConn) LocalAddr() net.Addr  { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
func (m *memConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 9} }
