// Package testnet holds helpers the module's tests share: a self-signed
// certificate, an echo server on the host's loopback (and a round trip
// through it), a wait for goroutines to park, and a link end that can go
// silent. Only tests import it.
package testnet

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// SelfSigned returns a certificate for hosts (IP literals or DNS names),
// valid for server and client authentication, and a pool that trusts it.
func SelfSigned(hosts ...string) (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "offload test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

// EchoServer listens on 127.0.0.1 and echoes every conn: at the client's
// end of stream it half-closes its side and closes. Cleanup closes the
// listener and any conns still open, and waits for them.
func EchoServer(t testing.TB) string {
	return serve(t, func(c net.Conn) {
		io.Copy(c, c)
		c.(*net.TCPConn).CloseWrite()
	})
}

// SinkServer listens on 127.0.0.1 and reads every conn to its end,
// discarding what arrives, and sends nothing. Cleanup is EchoServer's.
func SinkServer(t testing.TB) string {
	return serve(t, func(c net.Conn) { io.Copy(io.Discard, c) })
}

// serve listens on 127.0.0.1 and runs handle on every conn, then closes
// it. Cleanup closes the listener and any conns still open, and waits for
// the handlers.
func serve(t testing.TB, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = struct{}{}
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				handle(c)
				c.Close()
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// Parked waits until at least count goroutines whose stacks mention
// marker (a function name as stack traces print it, e.g.
// "backend.(*PacketQueue).wait") are blocked in a channel operation,
// select or sync.Cond: the calls are parked, not merely slow to start.
// It fails t after guard. It reads goroutine stacks, so it depends on no
// internals of the code under test.
func Parked(t testing.TB, marker string, count int, guard time.Duration) {
	t.Helper()
	end := time.Now().Add(guard)
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n == len(buf) { // cut short: take them again, all of them
			buf = make([]byte, 2*len(buf))
			continue
		}
		stacks := string(buf[:n])
		if countParked(stacks, marker) >= count {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("hang: %d goroutine(s) in %s never parked\n%s", count, marker, stacks)
		}
		runtime.Gosched()
	}
}

// countParked counts goroutines in stacks whose trace mentions marker and
// whose state is a channel wait.
func countParked(stacks, marker string) int {
	c := 0
	for _, g := range strings.Split(stacks, "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		waiting := strings.Contains(header, "[select") || strings.Contains(header, "[chan receive") ||
			strings.Contains(header, "[chan send") || strings.Contains(header, "[sync.Cond.Wait")
		if waiting && strings.Contains(g, marker) {
			c++
		}
	}
	return c
}

// Echo writes msg on c, connected to an echo server, while it reads the
// echo back, and fails t unless every byte returns unchanged.
func Echo(t testing.TB, c net.Conn, msg []byte) {
	t.Helper()
	wrote := make(chan error, 1)
	go func() {
		_, err := c.Write(msg)
		wrote <- err
	}()
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("reading the echo: %v", err)
	}
	if err := <-wrote; err != nil {
		t.Fatalf("Write: %v", err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("the echo differs")
	}
}

// Silenceable is a link end that can go silent: after Hush it drops what
// is written and what arrives, as a dead route does, without closing;
// after HushOut only what is written, as a route dead one way.
type Silenceable struct {
	net.Conn
	deaf atomic.Bool // drop what arrives
	mute atomic.Bool // drop what is written
}

// Hush makes the link silent from now on, both ways.
func (s *Silenceable) Hush() { s.deaf.Store(true); s.mute.Store(true) }

// HushOut drops what is written from now on; what arrives still does.
func (s *Silenceable) HushOut() { s.mute.Store(true) }

func (s *Silenceable) Write(p []byte) (int, error) {
	if s.mute.Load() {
		return len(p), nil
	}
	return s.Conn.Write(p)
}

func (s *Silenceable) Read(p []byte) (int, error) {
	for {
		n, err := s.Conn.Read(p)
		if err != nil || !s.deaf.Load() {
			return n, err
		}
	}
}
