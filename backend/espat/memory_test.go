package espat

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/netoffload/offload/internal/testnet"
)

// TestIdleLinkHoldsNoSendMemory: once a link's send buffer has gone out
// over the UART, the buffer hands its block back.
func TestIdleLinkHoldsNoSendMemory(t *testing.T) {
	m, _ := openSim(t, simConfig(), Config{})
	c := dialEcho(t, m, testnet.EchoServer(t))
	msg := bytes.Repeat([]byte("0123456789abcdef"), 6<<10) // 96 KiB: past the small blocks
	testnet.Echo(t, c, msg)
	m.mu.Lock()
	var l *link
	for _, x := range m.links {
		if x != nil && x.st != nil {
			l = x
		}
	}
	m.mu.Unlock()
	if l == nil {
		t.Fatal("no open TCP link")
	}
	// Every byte was echoed, so every byte left Out; the modem's last
	// take found it empty. testCtx's deadline bounds this wait.
	ctx := testCtx(t)
	for l.st.Out.Held() != 0 {
		if ctx.Err() != nil {
			t.Fatalf("hang: Out still holds %d B after its bytes went out", l.st.Out.Held())
		}
		runtime.Gosched()
	}
}
