package espatsim

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestFaultBusy(t *testing.T) {
	cfg := baseConfig(V2)
	cfg.Faults.BusyCommands = 1
	h := newHost(t, cfg)
	h.cmd("ATE0", "ATE0\r\n\r\nbusy p...\r\n")
	h.cmd("ATE0", "ATE0\r\n\r\nOK\r\n")
	h.sim.BusyNext(2)
	h.cmd("AT", "\r\nbusy p...\r\n")
	h.cmd("AT+GMR", "\r\nbusy p...\r\n")
	h.cmd("AT", "\r\nOK\r\n")
}

func TestFaultSendFail(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	c := h.connect(newPeer(t), "")
	h.sim.FailNextSends(1)
	h.cmd("AT+CIPSEND=4", "\r\nOK\r\n\r\n>")
	h.send("lost")
	h.expect("\r\nRecv 4 bytes\r\n\r\nSEND FAIL\r\n")
	h.sendOver(c, "", "kept") // the failed payload did not leak
}

func TestFaultLoseNotice(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	h.cmd("AT+CIPRECVMODE=1", "\r\nOK\r\n")
	c := h.connect(newPeer(t), "2")
	h.sim.LoseNextNotices(1)
	c.Write([]byte("quiet"))
	// No notice comes; the host finds the data by polling.
	h.pollRecvLen("+CIPRECVLEN:-1,-1,5,-1,-1")
	h.cmd("AT+CIPRECVDATA=2,5", "+CIPRECVDATA:5,quiet\r\nOK\r\n")
	c.Write([]byte("loud"))
	h.expect("\r\n+IPD,2,4\r\n")
}

func TestFaultResetDropsLinks(t *testing.T) {
	h := newQuietHost(t, serverConfig(V2))
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	c := h.connect(newPeer(t), "0")
	h.cmd("AT+CIPSERVER=1", "\r\nOK\r\n")
	h.sim.Reset()
	// No CLOSED lines: the modem rebooted.
	h.expect("\r\nready\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n")
	expectEOF(t, c)
	h.cmd("AT+CIPSERVER?", "AT+CIPSERVER?\r\n+CIPSERVER:0\r\n\r\nOK\r\n")
	if h.sim.ServerAddr() != nil {
		t.Fatal("server survived the reset")
	}
}

func TestFaultStall(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	const d = 200 * time.Millisecond
	start := time.Now()
	h.sim.Stall(d)
	h.cmd("AT", "\r\nOK\r\n")
	if el := time.Since(start); el < d {
		t.Fatalf("answer after %v, during a %v stall", el, d)
	}
}

// TestFaultResume: Resume ends a stall at once, and the command sent
// during it is answered. The stall is an hour, past the hang guard.
func TestFaultResume(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	h.sim.Stall(time.Hour)
	h.send("AT\r\n") // waits in the transport
	h.sim.Resume()
	h.expect("\r\nOK\r\n")
}

// faultStream is what a seeded lineFaults does to b.
func faultStream(seed, stream uint64, drop, corrupt float64, b string) string {
	f := lineFaults{rng: rand.New(rand.NewPCG(seed, stream)), drop: drop, corrupt: corrupt}
	return string(f.apply([]byte(b)))
}

func TestFaultLineOut(t *testing.T) {
	cfg := baseConfig(V2)
	cfg.Faults = Faults{Seed: 42, DropOut: 0.2, CorruptOut: 0.1}
	h := newHost(t, cfg)
	want := faultStream(42, 2, 0.2, 0.1, "AT+GMR\r\n"+gmrV2+"\r\nOK\r\n")
	h.send("AT+GMR\r\n")
	h.expect(want)
	if len(want) >= len(gmrV2) {
		t.Fatalf("nothing was dropped: %q", want)
	}
}

func TestFaultLineIn(t *testing.T) {
	cfg := baseConfig(V2)
	cfg.Faults = Faults{Seed: 7, CorruptIn: 1}
	h := newHost(t, cfg)
	in := "AT\r\n"
	garbled := faultStream(7, 1, 0, 1, in)
	for i := range in {
		if in[i] == garbled[i] {
			t.Fatalf("byte %d not corrupted", i)
		}
	}
	h.send(in)
	want := garbled
	if i := strings.IndexByte(garbled, '\n'); i >= 0 {
		want = garbled[:i+1]
	}
	h.expect(want) // the echo shows what the modem received
}

func TestLineFaultsRates(t *testing.T) {
	src := bytes.Repeat([]byte{0x55}, 20000)
	f := lineFaults{rng: rand.New(rand.NewPCG(1, 2)), drop: 0.25}
	if n := len(f.apply(append([]byte(nil), src...))); n < 14000 || n > 16000 {
		t.Fatalf("25%% drop kept %d of 20000", n)
	}
	f = lineFaults{rng: rand.New(rand.NewPCG(1, 2)), corrupt: 1}
	for _, b := range f.apply(append([]byte(nil), src...)) {
		if b == 0x55 {
			t.Fatal("a byte escaped corruption")
		}
	}
	var none lineFaults
	if got := none.apply(src[:3]); len(got) != 3 {
		t.Fatal("no faults configured, bytes lost")
	}
}
