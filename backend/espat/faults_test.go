package espat

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend"
	"github.com/netoffload/offload/internal/testnet"
)

// testCtx is a hang guard for one operation.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// roundTrip writes msg on c and reads it back.
func roundTrip(c net.Conn, msg string) error {
	if _, err := c.Write([]byte(msg)); err != nil {
		return err
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil {
		return err
	}
	if string(buf) != msg {
		return errors.New("echo differs: " + string(buf))
	}
	return nil
}

// dialEcho dials addr through m and checks one round trip.
func dialEcho(t *testing.T, m *Modem, addr string) net.Conn {
	t.Helper()
	d := offload.Dialer{Backend: m}
	c, err := d.DialContext(testCtx(t), "tcp", addr)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := roundTrip(c, "ping"); err != nil {
		t.Fatalf("round trip: %v", err)
	}
	return c
}

func TestFaultBusy(t *testing.T) {
	m, sim := openSim(t, simConfig(), Config{})
	addr := testnet.EchoServer(t)
	sim.BusyNext(5)
	dialEcho(t, m, addr)
}

func TestFaultSendFail(t *testing.T) {
	m, sim := openSim(t, simConfig(), Config{})
	c := dialEcho(t, m, testnet.EchoServer(t))
	sim.FailNextSends(1)
	c.Write([]byte("lost"))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := c.Read(make([]byte, 16))
	if !errors.Is(err, ErrSendFailed) || !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("Read after SEND FAIL: %v, want ErrSendFailed (ECONNRESET)", err)
	}
	if _, err := c.Write([]byte("more")); !errors.Is(err, ErrSendFailed) {
		t.Fatalf("Write after SEND FAIL: %v, want the sticky ErrSendFailed", err)
	}
	dialEcho(t, m, testnet.EchoServer(t)) // other conns are unaffected
}

func TestFaultLostNotice(t *testing.T) {
	m, sim := openSim(t, simConfig(), Config{PollInterval: 20 * time.Millisecond})
	c := dialEcho(t, m, testnet.EchoServer(t))
	sim.LoseNextNotices(1)
	if err := roundTrip(c, "the notice of this echo is lost"); err != nil {
		t.Fatalf("round trip with a lost notice: %v", err)
	}
}

func TestFaultReset(t *testing.T) {
	m, sim := openSim(t, simConfig(), Config{})
	addr := testnet.EchoServer(t)
	c := dialEcho(t, m, addr)
	lc := offload.ListenConfig{Backend: m}
	ln, err := lc.Listen(testCtx(t), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		accepted <- err
	}()
	sim.Reset()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 4)); !errors.Is(err, ErrModemReset) || !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("Read after reset: %v, want ErrModemReset (ECONNRESET)", err)
	}
	if err := <-accepted; !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("Accept after reset: %v, want ECONNRESET", err)
	}
	dialEcho(t, m, addr) // start-up ran again
}

func TestFaultStall(t *testing.T) {
	m, sim := openSim(t, simConfig(), Config{CommandTimeout: 300 * time.Millisecond})
	addr := testnet.EchoServer(t)
	sim.Stall(time.Hour) // until Resume: the calls below must time out however slow the machine
	d := offload.Dialer{Backend: m, Timeout: 500 * time.Millisecond}
	_, err := d.Dial("tcp", addr)
	if !isNetTimeout(err) {
		t.Errorf("Dial through a stalled modem: %v, want a timeout", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err = m.LookupHost(ctx, "example.invalid"); !isNetTimeout(err) {
		t.Errorf("LookupHost through a stalled modem: %v, want a timeout", err)
	}
	// Once the modem answers again the driver resynchronises.
	sim.Resume()
	recovered(t, m, addr)
}

func isNetTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}

// recovered checks that m works again after a fault: a dial and a round
// trip succeed within a few tries (an attempt may still meet the fault's
// last bytes).
func recovered(t *testing.T, m *Modem, addr string) {
	t.Helper()
	d := offload.Dialer{Backend: m, Timeout: 5 * time.Second}
	var err error
	for range 10 {
		var c net.Conn
		if c, err = d.Dial("tcp", addr); err == nil {
			err = roundTrip(c, "after the fault")
			c.Close()
			if err == nil {
				return
			}
		}
	}
	t.Fatalf("the modem did not recover: %v", err)
}

func TestFaultGarbage(t *testing.T) {
	m, sim := openSim(t, simConfig(), Config{CommandTimeout: 300 * time.Millisecond})
	addr := testnet.EchoServer(t)
	sim.SetLineFaults(0.02, 0.05, 0.02, 0.05) // lose and corrupt bytes both ways
	d := offload.Dialer{Backend: m, Timeout: 500 * time.Millisecond}
	for range 5 {
		if c, err := d.Dial("tcp", addr); err == nil {
			c.Close()
		}
	}
	sim.SetLineFaults(0, 0, 0, 0)
	recovered(t, m, addr)
}

// TestActiveOverrun: active receive has no flow control, so a receive
// buffer that fills up fails the conn with ErrOverrun (and the link is
// closed) instead of losing bytes silently.
func TestActiveOverrun(t *testing.T) {
	m, _ := openSim(t, simConfig(), Config{ActiveReceive: true})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Write(make([]byte, 64<<10))
		c.Read(make([]byte, 1)) // returns when the modem closes the link
	}()
	d := offload.Dialer{Backend: m, Options: backend.Options{InSize: 4096}}
	c, err := d.DialContext(testCtx(t), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select { // the application read nothing meanwhile
	case <-closed:
	case <-testCtx(t).Done():
		t.Fatal("hang: the modem never closed the overrun link")
	}
	_, err = c.Read(make([]byte, 16))
	if !errors.Is(err, ErrOverrun) || !errors.Is(err, syscall.ENOBUFS) {
		t.Fatalf("reading an overrun conn: %v, want ErrOverrun (ENOBUFS)", err)
	}
}
