package espatsim

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// lineTime is how long n 8N1 characters take at baud.
func lineTime(n, baud int) time.Duration {
	return time.Duration(n*10) * time.Second / time.Duration(baud)
}

func TestPacingBothDirections(t *testing.T) {
	const baud = 115200
	cfg := baseConfig(V2)
	cfg.Baud = baud
	h := newQuietHost(t, cfg)
	c := h.connect(newPeer(t), "")
	data := strings.Repeat("u", 2048)
	h.cmd("AT+CIPSEND=2048", "\r\nOK\r\n\r\n>")
	start := time.Now()
	h.send(data)
	h.expect("\r\nRecv 2048 bytes\r\n\r\nSEND OK\r\n")
	if el := time.Since(start); el < lineTime(2048, baud)*9/10 {
		t.Fatalf("2048 bytes in %v: faster than the %d-baud line", el, baud)
	}
	readFull(t, c, 2048)

	start = time.Now()
	c.Write([]byte(data))
	got := 0
	for got < 2048 {
		hdr := h.until(":")
		var n int
		fmt.Sscanf(hdr, "\r\n+IPD,%d:", &n)
		h.fill(func(b []byte) bool { return len(b) >= n }, "payload")
		h.buf = h.buf[n:]
		got += n
	}
	if el := time.Since(start); el < lineTime(2048, baud)*9/10 {
		t.Fatalf("2048 bytes out in %v: faster than the line", el)
	}
}

func TestUARTCURChangesRate(t *testing.T) {
	cfg := baseConfig(V2)
	cfg.Baud = 921600
	h := newQuietHost(t, cfg)
	h.cmd("AT+UART_CUR=9600,8,1,0,0", "\r\nOK\r\n")
	start := time.Now()
	h.cmd("AT+GMR", gmrV2+"\r\nOK\r\n")
	if el, min := time.Since(start), lineTime(len(gmrV2), 9600); el < min {
		t.Fatalf("AT+GMR answered in %v at 9600 baud (line time %v)", el, min)
	}
	// AT+RST returns to the configured rate.
	h.cmd("AT+RST", "\r\nOK\r\n\r\nready\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n")
	h.cmd("AT+UART_CUR?", "AT+UART_CUR?\r\n+UART_CUR:921600,8,1,0,0\r\n\r\nOK\r\n")
}

func TestFrameHalfBits(t *testing.T) {
	for _, tc := range []struct{ data, stop, parity, want int }{
		{8, 1, 0, 20}, {8, 3, 2, 24}, {7, 2, 1, 21}, {5, 1, 0, 14},
	} {
		if got := frameHalfBits(tc.data, tc.stop, tc.parity); got != tc.want {
			t.Errorf("frame %d,%d,%d: %d half bits, want %d", tc.data, tc.stop, tc.parity, got, tc.want)
		}
	}
}
