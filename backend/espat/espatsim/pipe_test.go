package espatsim

import (
	"errors"
	"io"
	"testing"
)

func TestPipeCloseBehaviour(t *testing.T) {
	host, sim := Pipe(Config{NoBootBanner: true})
	if err := host.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := host.Read(make([]byte, 1)); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("Read after Close: %v", err)
	}
	if _, err := host.Write([]byte("AT\r\n")); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("Write after Close: %v", err)
	}
	if err := host.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := sim.Close(); err != nil {
		t.Errorf("Sim.Close after host Close: %v", err)
	}
	if err := sim.Serve(nil); err == nil {
		t.Error("Serve after Close succeeded")
	}
}

func TestSimCloseEndsHost(t *testing.T) {
	host, sim := Pipe(Config{NoBootBanner: true})
	defer host.Close()
	io.WriteString(host, "AT\r\n")
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}
	// The host reads what was already sent, then EOF.
	b, err := io.ReadAll(host)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); s != "" && s != "AT\r\n\r\nOK\r\n" && s != "AT\r\n" {
		t.Fatalf("host read %q", s)
	}
	if _, err := host.Write([]byte("AT\r\n")); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("Write to a closed modem: %v", err)
	}
}

func TestServeTwice(t *testing.T) {
	h := newHost(t, Config{NoBootBanner: true})
	h.cmd("AT", "AT\r\n\r\nOK\r\n") // Serve is running
	if err := h.sim.Serve(nil); !errors.Is(err, errAlreadyServing) {
		t.Fatalf("second Serve: %v", err)
	}
}

func TestServeReturnsTransportError(t *testing.T) {
	sim := New(Config{NoBootBanner: true})
	r := &failingRW{}
	if err := sim.Serve(r); !errors.Is(err, errBroken) {
		t.Fatalf("Serve: %v", err)
	}
	sim.Close()
}

var errBroken = errors.New("broken uart")

type failingRW struct{}

func (*failingRW) Read([]byte) (int, error)    { return 0, errBroken }
func (*failingRW) Write(b []byte) (int, error) { return len(b), nil }
