package espat

import (
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/backendtest"
)

// conformanceEnv returns a backendtest Factory over two fresh simulated
// modems per subtest, one listening and one dialing, their uplinks the
// host's loopback (two devices on one network). One modem talking to
// itself can deadlock under a slow reader: a CIPSEND the uplink cannot
// take holds the UART that the reading side needs, as on real firmware.
func conformanceEnv(cfg Config) backendtest.Factory {
	return func(t *testing.T) backendtest.Env {
		server, _ := openSim(t, simConfig(), cfg)
		client, _ := openSim(t, simConfig(), cfg)
		return backendtest.Env{
			Dialer:       &offload.Dialer{Backend: client},
			ListenConfig: &offload.ListenConfig{Backend: server},
			StreamAddr:   "127.0.0.1:0",
			PacketAddr:   "127.0.0.1:0",
			MaxConns:     2 * maxLinks,
			NoHalfClose:  true,
			BulkSize:     1 << 20,
			MaxInFlight:  8 << 20, // includes the uplink sockets' kernel buffers
			MaxDatagram:  2920,
			HangTimeout:  20 * time.Second,
		}
	}
}

func TestConformance(t *testing.T) {
	backendtest.Run(t, conformanceEnv(Config{}))
}
