package espatsim

import (
	"context"
	"net"
	"testing"

	"go.bug.st/serial"
)

// exercise runs one session — setup, a TCP link both ways, close — over
// whatever carries the UART.
func exercise(t *testing.T, h *host) {
	h.cmd("ATE0", "ATE0\r\n\r\nOK\r\n")
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	c := h.connect(newPeer(t), "0")
	h.sendOver(c, "0", "\x00\r\n\xff+\x11")
	c.Write([]byte("\x13\x11\r\x00"))
	h.expect("\r\n+IPD,0,4:\x13\x11\r\x00")
	h.cmd("AT+CIPCLOSE=0", "0,CLOSED\r\n\r\nOK\r\n")
}

func TestCarrierPipe(t *testing.T) {
	exercise(t, newHost(t, baseConfig(V2)))
}

// startBridge runs ServeListener on a loopback port until cleanup.
func startBridge(t *testing.T, cfg Config) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeListener(ctx, ln, cfg) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeListener: %v", err)
		}
	})
	return ln.Addr().String()
}

func TestCarrierTCPBridge(t *testing.T) {
	addr := startBridge(t, baseConfig(V2))
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	exercise(t, newHostOn(t, c, nil))
	// Every connection gets a fresh modem.
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	h2 := newHostOn(t, c2, nil)
	h2.cmd("AT+CIPMUX?", "AT+CIPMUX?\r\n+CIPMUX:0\r\n\r\nOK\r\n")
}

func TestCarrierPTY(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	paths := make(chan string, 1)
	done := make(chan error, 1)
	cfg := baseConfig(V2)
	cfg.NoBootBanner = false
	go func() { done <- ServePTY(ctx, cfg, func(p string) { paths <- p }) }()
	var path string
	select {
	case path = <-paths:
	case err := <-done:
		cancel()
		t.Fatalf("ServePTY: %v", err)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServePTY: %v", err)
		}
	}()
	for round := range 2 { // a client may come back
		port, err := serial.Open(path, &serial.Mode{BaudRate: 115200})
		if err != nil {
			t.Fatal(err)
		}
		h := newHostOn(t, port, nil)
		if round == 0 {
			h.expect("\r\nready\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n")
			exercise(t, h)
		} else {
			h.cmd("AT", "\r\nOK\r\n")
		}
		h.close()
	}
}
