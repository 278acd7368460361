package espat

import (
	"fmt"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netoffload/offload/backend/espat/espatsim"
)

// testAP is the access point every simulated modem has saved.
const testSSID = "offload-test"

// simConfig is a simulated ESP32 (v2) that is joined to testSSID.
func simConfig() espatsim.Config {
	return espatsim.Config{
		APs:      []espatsim.AccessPoint{{SSID: testSSID, Password: "secret"}},
		AutoJoin: testSSID,
		// The uplink is the host's loopback: report its address, so that
		// a peer sees the address the station claims.
		StationIP: netip.AddrFrom4([4]byte{127, 0, 0, 1}),
	}
}

// openSim starts a simulated modem on an in-process UART and opens a Modem
// on it; both are closed when the test ends.
func openSim(t testing.TB, scfg espatsim.Config, cfg Config) (*Modem, *espatsim.Sim) {
	t.Helper()
	cfg = traced(t, cfg)
	host, sim := espatsim.Pipe(scfg)
	m, err := Open(host, cfg)
	if err != nil {
		host.Close()
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		m.Close()
		sim.Close()
	})
	return m, sim
}

// traced sets cfg.Logf to the test log (-v) or the ESPAT_TRACE file.
func traced(t testing.TB, cfg Config) Config {
	if cfg.Logf == nil && testing.Verbose() {
		cfg.Logf = t.Logf
	}
	if cfg.Logf == nil && traceFile != nil {
		cfg.Trace = true
		name := fmt.Sprintf("%s#%d", t.Name(), traceSeq.Add(1))
		cfg.Logf = func(f string, a ...any) {
			traceMu.Lock()
			fmt.Fprintf(traceFile, "%s %s: %s\n", time.Now().Format("15:04:05.000"), name, fmt.Sprintf(f, a...))
			traceMu.Unlock()
		}
	}
	return cfg
}

// ESPAT_TRACE=<file> logs every modem's lines to the file.
var (
	traceMu   sync.Mutex
	traceSeq  atomic.Int32
	traceFile = openTrace()
)

func openTrace() *os.File {
	name := os.Getenv("ESPAT_TRACE")
	if name == "" {
		return nil
	}
	f, err := os.Create(name)
	if err != nil {
		return nil
	}
	return f
}
