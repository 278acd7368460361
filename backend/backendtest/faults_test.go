package backendtest_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/backendtest"
)

// faultEnv names the fault a child process gives the fake backend.
const faultEnv = "BACKENDTEST_FAULT"

// TestBrokenFake is run only as a child process of TestSuiteCatchesFaults:
// the suite over a fake with the fault named in $BACKENDTEST_FAULT.
func TestBrokenFake(t *testing.T) {
	f := fault(os.Getenv(faultEnv))
	if f == faultNone {
		t.Skip("child process of TestSuiteCatchesFaults")
	}
	backendtest.Run(t, func(t *testing.T) backendtest.Env {
		n := newFakeNet()
		n.fault = f
		return backendtest.Env{
			Dialer:       &offload.Dialer{Backend: n},
			ListenConfig: &offload.ListenConfig{Backend: n},
			StreamAddr:   "127.0.0.1:0",
			PacketAddr:   "127.0.0.1:0",
			MaxInFlight:  1 << 20,
			HangTimeout:  time.Second,
		}
	})
}

// TestSuiteCatchesFaults checks that the suite fails backends with known
// bugs, and names the right subtest: a suite that passes everything
// proves nothing.
func TestSuiteCatchesFaults(t *testing.T) {
	cases := []struct {
		fault fault
		run   string   // -test.run levels below TestBrokenFake
		want  []string // subtests that must fail
		text  string   // text the output must have, if not ""
	}{
		{faultUnbounded, "^Bulk$", []string{"Bulk"}, ""},
		{faultLossyClose, "^AfterClose$/^Client$/^PeerReadsThenEOF$", []string{"AfterClose/Client/PeerReadsThenEOF"}, ""},
		{faultPlainErrors, "^Listener$/^(DialClosedRefused|ListenTwiceInUse)$",
			[]string{"Listener/DialClosedRefused", "Listener/ListenTwiceInUse"}, ""},
		{faultTruncDatagrams, "^Packet$/^Boundaries$", []string{"Packet/Boundaries"}, ""},
		{faultIgnoreCtx, "^(Errors|Listener)$/^(DialEndedContext|DeadlineUnblocksAccept)$",
			[]string{"Errors/DialEndedContext", "Listener/DeadlineUnblocksAccept"}, "hang guard:"},
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(string(c.fault), func(t *testing.T) {
			t.Parallel()
			out := runChild(t, exe, c.fault, c.run)
			for _, name := range c.want {
				if !strings.Contains(out, "--- FAIL: TestBrokenFake/"+name+" ") {
					t.Errorf("the suite did not fail %s for fault %q; output:\n%s", name, c.fault, out)
				}
			}
			if !strings.Contains(out, c.text) {
				t.Errorf("the output for fault %q lacks %q:\n%s", c.fault, c.text, out)
			}
		})
	}
}

// runChild runs TestBrokenFake with fault in a child process, limited to
// the subtests matching run, and returns its output. The child must fail.
func runChild(t *testing.T, exe string, f fault, run string) string {
	cmd := exec.Command(exe, "-test.run=^TestBrokenFake$/"+run, "-test.v", "-test.count=1",
		"-test.timeout=60s")
	cmd.Env = append(os.Environ(), faultEnv+"="+string(f))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Errorf("the suite passed a backend with fault %q", f)
	}
	return string(out)
}
