package benchmarks

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a benchmark leaves goroutines behind: every
// pair's cleanup must end its conns, gateways and links.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
