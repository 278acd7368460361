package testnet

import (
	"crypto/x509"
	"io"
	"net"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSelfSignedVerifies(t *testing.T) {
	cert, pool, err := SelfSigned("127.0.0.1", "gateway.test")
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"127.0.0.1", "gateway.test"} {
		if err := cert.Leaf.VerifyHostname(host); err != nil {
			t.Errorf("VerifyHostname(%q): %v", host, err)
		}
	}
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{Roots: pool}); err != nil {
		t.Errorf("Verify against its own pool: %v", err)
	}
	if cert.Leaf.VerifyHostname("other.test") == nil {
		t.Error("the certificate verifies for a host it does not name")
	}
}

func TestEchoServerEchoesAndHalfCloses(t *testing.T) {
	c, err := net.Dial("tcp", EchoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "hello" {
		t.Fatalf("read %q, %v; want the echo, then EOF", got, err)
	}
}

// TestSinkServerReadsToTheEnd: the sink takes everything, sends nothing,
// and closes once the client has half-closed.
func TestSinkServerReadsToTheEnd(t *testing.T) {
	c, err := net.Dial("tcp", SinkServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil || len(got) != 0 {
		t.Fatalf("read %d bytes, %v; want none, then EOF", len(got), err)
	}
}

// TestSilenceableDrops: a hushed link end takes writes without passing
// them on and drops what arrives, until its conn fails.
func TestSilenceableDrops(t *testing.T) {
	a, b := net.Pipe()
	s := &Silenceable{Conn: a}
	go b.Write([]byte("heard"))
	buf := make([]byte, 16)
	if n, err := s.Read(buf); string(buf[:n]) != "heard" || err != nil {
		t.Fatalf("Read before Hush = %q, %v", buf[:n], err)
	}
	s.Hush()
	if n, err := s.Write([]byte("lost")); n != 4 || err != nil {
		t.Fatalf("Write after Hush = %d, %v; want it taken", n, err)
	}
	go func() {
		b.Write([]byte("dropped"))
		b.Close()
	}()
	if n, err := s.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("Read after Hush = %q, %v; want nothing, then EOF", buf[:n], err)
	}
	a.Close()
}
