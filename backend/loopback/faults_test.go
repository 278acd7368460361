package loopback_test

import (
	"errors"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend"
	"github.com/netoffload/offload/backend/loopback"
)

// dbPair connects app.test to a listener on db.test:5432.
func dbPair(t *testing.T, n *loopback.Network) (client, server *offload.Conn) {
	t.Helper()
	ln := listen(t, n.Host("db.test"), "db.test:5432")
	return pair(t, n.Host("app.test"), ln, "db.test:5432")
}

func TestPartitionHoldsStreamUntilHeal(t *testing.T) {
	n := newNet(t, twoHosts(loopback.Config{}))
	c, s := dbPair(t, n)
	c.Write([]byte("before"))
	if got := readFull(t, s, 6); string(got) != "before" {
		t.Fatalf("read %q", got)
	}
	n.Partition("app.test", "db.test")
	if _, err := c.Write([]byte("during")); err != nil {
		t.Fatalf("Write during a partition: %v; bytes should wait in the buffer", err)
	}
	s.Write([]byte("reply"))
	notArrived(t, s)
	notArrived(t, c)
	n.Heal("app.test", "db.test")
	if got := readFull(t, s, 6); string(got) != "during" {
		t.Fatalf("after Heal read %q, want during", got)
	}
	if got := readFull(t, c, 5); string(got) != "reply" {
		t.Fatalf("after Heal read %q, want reply", got)
	}
}

// TestPartitionHoldsEnd: an orderly close does not cross a partition
// either; it arrives after the bytes once healed.
func TestPartitionHoldsEnd(t *testing.T) {
	n := newNet(t, twoHosts(loopback.Config{}))
	c, s := dbPair(t, n)
	n.Partition("db.test", "app.test")
	c.Write([]byte("last"))
	c.CloseWrite()
	notArrived(t, s)
	n.Heal("db.test", "app.test")
	s.SetReadDeadline(time.Now().Add(hangGuard))
	got, err := io.ReadAll(s)
	if string(got) != "last" || err != nil {
		t.Fatalf("ReadAll = %q, %v; want last then EOF", got, err)
	}
}

func TestPartitionDropsDatagrams(t *testing.T) {
	n := newNet(t, twoHosts(loopback.Config{}))
	a := listenPacket(t, &offload.ListenConfig{Backend: n.Host("app.test")}, "app.test:0")
	b := listenPacket(t, &offload.ListenConfig{Backend: n.Host("db.test")}, "db.test:53")
	n.Partition("app.test", "db.test")
	for range 5 {
		if _, err := a.WriteTo([]byte("lost"), b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	if n.Lost() != 5 {
		t.Fatalf("Lost = %d, want 5", n.Lost())
	}
	n.Heal("app.test", "db.test")
	a.WriteTo([]byte("found"), b.LocalAddr())
	if got, _ := recv(t, b, 10); string(got) != "found" {
		t.Fatalf("after Heal got %q", got)
	}
}

func TestResetBothEnds(t *testing.T) {
	n := newNet(t, loopback.Config{})
	ln := listen(t, n, "127.0.0.1:0")
	c, s := pair(t, n, ln, ln.Addr().String())
	blocked := make(chan error, 1)
	go func() {
		_, err := s.Read(make([]byte, 1))
		blocked <- err
	}()
	if err := n.Reset(addrPort(t, c.LocalAddr()), addrPort(t, c.RemoteAddr())); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	isOpErr(t, <-blocked, syscall.ECONNRESET)
	_, err := c.Read(make([]byte, 1))
	isOpErr(t, err, syscall.ECONNRESET)
	_, err = c.Write([]byte("x"))
	isOpErr(t, err, syscall.ECONNRESET)
	_, err = s.Write([]byte("x"))
	isOpErr(t, err, syscall.ECONNRESET)
}

func TestResetUnknownConn(t *testing.T) {
	n := newNet(t, loopback.Config{})
	ln := listen(t, n, "127.0.0.1:0")
	if err := n.Reset(addrPort(t, ln.Addr()), addrPort(t, ln.Addr())); !errors.Is(err, loopback.ErrNoConn) {
		t.Fatalf("Reset of no connection: %v, want ErrNoConn", err)
	}
}

// lossRun sends count datagrams from app.test to db.test over a link
// losing half of them and returns how many arrived, checking they are an
// in-order subset and that Network.Lost counts the rest.
func lossRun(t *testing.T, seed uint64, count int) int {
	t.Helper()
	n := newNet(t, twoHosts(loopback.Config{Seed: seed}))
	n.SetLink("app.test", "db.test", loopback.Faults{Loss: 0.5})
	a := listenPacket(t, &offload.ListenConfig{Backend: n.Host("app.test")}, "app.test:0")
	b := listenPacket(t, &offload.ListenConfig{Backend: n.Host("db.test"), Options: backend.Options{PacketQueue: count}}, "db.test:53")
	for i := range count {
		if _, err := a.WriteTo([]byte{byte(i >> 8), byte(i)}, b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	arrived := count - int(n.Lost())
	last := -1
	for range arrived {
		got, _ := recv(t, b, 2)
		i := int(got[0])<<8 | int(got[1])
		if i <= last {
			t.Fatalf("datagram %d after %d: reordered or duplicated", i, last)
		}
		last = i
	}
	b.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, _, err := b.ReadFrom(make([]byte, 2)); err == nil {
		t.Fatalf("more datagrams arrived than Lost() accounts for")
	}
	if b.Dropped() != 0 {
		t.Fatalf("queue dropped %d", b.Dropped())
	}
	return arrived
}

func TestLossIsSeededAndCounted(t *testing.T) {
	const count = 1000
	first := lossRun(t, 42, count)
	if first == 0 || first == count {
		t.Fatalf("%d of %d arrived at 50%% loss: want some but not all", first, count)
	}
	if again := lossRun(t, 42, count); again != first {
		t.Fatalf("same seed: %d then %d arrived; want a repeatable count", first, again)
	}
	t.Logf("seed 42: %d of %d arrived", first, count)
}

// TestShapedLinkDeliversIntact sends checksummed data both ways over a
// link with latency and a bandwidth limit. Nothing about durations is
// checked: only that every byte arrives, in order.
func TestShapedLinkDeliversIntact(t *testing.T) {
	n := newNet(t, twoHosts(loopback.Config{}))
	n.SetLink("app.test", "db.test", loopback.Faults{Latency: time.Millisecond, Bandwidth: 64 << 20})
	c, s := dbPair(t, n)
	back := make(chan error, 1)
	go func() { back <- transferErr(s, c, payload(300_000)) }()
	transfer(t, c, s, payload(500_000))
	if err := <-back; err != nil {
		t.Fatalf("server to client: %v", err)
	}
}

func TestShapedDatagramsArrive(t *testing.T) {
	n := newNet(t, twoHosts(loopback.Config{}))
	n.SetLink("app.test", "db.test", loopback.Faults{Latency: time.Millisecond})
	a := listenPacket(t, &offload.ListenConfig{Backend: n.Host("app.test")}, "app.test:0")
	b := listenPacket(t, &offload.ListenConfig{Backend: n.Host("db.test")}, "db.test:53")
	a.WriteTo([]byte("delayed"), b.LocalAddr())
	if got, _ := recv(t, b, 10); string(got) != "delayed" {
		t.Fatalf("got %q", got)
	}
}

func TestSetConnFaultsNeedsShaping(t *testing.T) {
	n := newNet(t, loopback.Config{})
	ln := listen(t, n, "127.0.0.1:0")
	c, s := pair(t, n, ln, ln.Addr().String())
	la, ra := addrPort(t, c.LocalAddr()), addrPort(t, c.RemoteAddr())
	if err := n.SetConnFaults(la, ra, loopback.Faults{Latency: time.Millisecond}); !errors.Is(err, loopback.ErrNotShaped) {
		t.Fatalf("latency on a direct conn: %v, want ErrNotShaped", err)
	}
	if err := n.SetConnFaults(ra, la, loopback.Faults{Bandwidth: 1000}); !errors.Is(err, loopback.ErrNotShaped) {
		t.Fatalf("bandwidth on a direct conn: %v, want ErrNotShaped", err)
	}
	// Blocked works on any conn.
	if err := n.SetConnFaults(la, ra, loopback.Faults{Blocked: true}); err != nil {
		t.Fatalf("Blocked on a direct conn: %v", err)
	}
	c.Write([]byte("held"))
	notArrived(t, s)
	if err := n.SetConnFaults(la, ra, loopback.Faults{}); err != nil {
		t.Fatal(err)
	}
	if got := readFull(t, s, 4); string(got) != "held" {
		t.Fatalf("read %q", got)
	}
	if err := n.SetConnFaults(la, la, loopback.Faults{}); !errors.Is(err, loopback.ErrNoConn) {
		t.Fatalf("SetConnFaults on no conn: %v, want ErrNoConn", err)
	}
}

func TestSetConnFaultsOnShapedConn(t *testing.T) {
	n := newNet(t, loopback.Config{ShapeAll: true})
	ln := listen(t, n, "127.0.0.1:0")
	c, s := pair(t, n, ln, ln.Addr().String())
	f := loopback.Faults{Latency: time.Millisecond, Bandwidth: 32 << 20}
	if err := n.SetConnFaults(addrPort(t, c.LocalAddr()), addrPort(t, c.RemoteAddr()), f); err != nil {
		t.Fatalf("SetConnFaults on a ShapeAll conn: %v", err)
	}
	transfer(t, c, s, payload(200_000))
}
