package espat

import (
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend"
	"github.com/netoffload/offload/backend/backendtest"
	"github.com/netoffload/offload/backend/espat/espatsim"
)

// conformanceEnv returns a backendtest Factory over two fresh simulated
// modems per subtest, one listening and one dialing, their uplinks the
// host's loopback (two devices on one network). One modem talking to
// itself can deadlock under a slow reader: a CIPSEND the uplink cannot
// take holds the UART that the reading side needs, as on real firmware.
func conformanceEnv(scfg espatsim.Config, cfg Config, opts backend.Options, maxInFlight int) backendtest.Factory {
	packetAddr, maxDatagram := "127.0.0.1:0", 2920
	if scfg.Dialect == espatsim.AT17 {
		maxDatagram = 1460
		if !cfg.ActiveReceive {
			packetAddr = "" // no source addresses in passive mode
		}
	}
	return func(t *testing.T) backendtest.Env {
		server, _ := openSim(t, scfg, cfg)
		client, _ := openSim(t, scfg, cfg)
		return backendtest.Env{
			Dialer:       &offload.Dialer{Backend: client, Options: opts},
			ListenConfig: &offload.ListenConfig{Backend: server, Options: opts},
			StreamAddr:   "127.0.0.1:0",
			PacketAddr:   packetAddr,
			MaxConns:     2 * maxLinks,
			NoHalfClose:  true,
			BulkSize:     1 << 20,
			MaxInFlight:  maxInFlight,
			MaxDatagram:  maxDatagram,
			HangTimeout:  20 * time.Second,
		}
	}
}

// TestConformance runs the suite in passive receive mode (the default).
// In flight while the reader sleeps: Out and In (256 KiB each), the
// modem's window and the uplink sockets' kernel buffers (a few MiB).
func TestConformance(t *testing.T) {
	backendtest.Run(t, conformanceEnv(simConfig(), Config{}, backend.Options{}, 8<<20))
}

// TestConformanceActive runs the suite in active receive mode, which has
// no flow control: receive buffers must hold whatever the peer sends
// while the application does not read. With the emulator unpaced, nettest's
// timeout tests push tens of MiB in their 100 ms windows, so the receive
// limit is set far above that; buffers grow only as bytes arrive.
func TestConformanceActive(t *testing.T) {
	opts := backend.Options{InSize: 1 << 30}
	backendtest.Run(t, conformanceEnv(simConfig(), Config{ActiveReceive: true}, opts, 2<<30))
}

// TestConformance17 runs the suite against ESP8266 AT 1.7 firmware
// (2048-byte sends, "> " prompt, +CIPRECVDATA,<n>: answers, CLOSED
// before the buffered data is read).
func TestConformance17(t *testing.T) {
	scfg := simConfig()
	scfg.Dialect = espatsim.AT17
	backendtest.Run(t, conformanceEnv(scfg, Config{}, backend.Options{}, 8<<20))
}
