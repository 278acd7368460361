package espat

import (
	"testing"

	"github.com/netoffload/offload/backend/espat/espatsim"
)

// testAP is the access point every simulated modem has saved.
const testSSID = "offload-test"

// simConfig is a simulated ESP32 (v2) that is joined to testSSID.
func simConfig() espatsim.Config {
	return espatsim.Config{
		APs:      []espatsim.AccessPoint{{SSID: testSSID, Password: "secret"}},
		AutoJoin: testSSID,
	}
}

// openSim starts a simulated modem on an in-process UART and opens a Modem
// on it; both are closed when the test ends.
func openSim(t testing.TB, scfg espatsim.Config, cfg Config) (*Modem, *espatsim.Sim) {
	t.Helper()
	if cfg.Logf == nil && testing.Verbose() {
		cfg.Logf = t.Logf
	}
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
