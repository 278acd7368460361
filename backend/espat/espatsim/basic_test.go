package espatsim

import (
	"strings"
	"testing"
)

func TestBootBanner(t *testing.T) {
	for _, tc := range []struct {
		d    Dialect
		want string
	}{
		{V2, "\r\nready\r\n"},
		{AT17, bootNoise8266 + "\r\nready\r\n"},
	} {
		t.Run(tc.d.String(), func(t *testing.T) {
			cfg := baseConfig(tc.d)
			cfg.NoBootBanner = false
			h := newHost(t, cfg)
			h.expect(tc.want + "WIFI CONNECTED\r\nWIFI GOT IP\r\n")
			h.cmd("AT", "AT\r\n\r\nOK\r\n")
		})
	}
}

func TestEchoAndFraming(t *testing.T) {
	h := newHost(t, baseConfig(V2))
	// Echo comes as bytes arrive; nothing runs before LF.
	h.send("AT\r")
	h.expect("AT\r")
	h.send("\n")
	h.expect("\n\r\nOK\r\n")
	// ATE0 is itself echoed.
	h.cmd("ATE0", "ATE0\r\n\r\nOK\r\n")
	h.cmd("AT", "\r\nOK\r\n")
	// Runs of CR before LF are stripped; empty lines are ignored.
	h.cmd("AT\r\r", "\r\nOK\r\n")
	h.send("\r\n")
	h.cmd("ATE1", "\r\nOK\r\n")
	h.cmd("AT", "AT\r\n\r\nOK\r\n")
}

func TestUnknownAndMalformed(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	for _, line := range []string{"AT+NOPE", "at", "XYZ", "AT+CWMODE=\"1\"", "AT+CWMODE=9", "AT+CWMODE=1,1,1", `AT+CIPSTART="TCP`, "AT+GMR?"} {
		h.cmd(line, "\r\nERROR\r\n")
	}
	h.cmd("AT+SYSLOG=1", "\r\nOK\r\n")
	h.cmd("AT+NOPE", "ERR CODE:0x01090000\r\n\r\nERROR\r\n")
	h.cmd("at", "ERR CODE:0x01030000\r\n\r\nERROR\r\n")
	h.cmd("AT+CWMODE=9", "ERR CODE:0x01070000\r\n\r\nERROR\r\n")
	h.cmd("AT+CWMODE=\"1\"", "ERR CODE:0x01050000\r\n\r\nERROR\r\n")
	h.cmd("AT+SYSLOG?", "+SYSLOG:1\r\n\r\nOK\r\n")
}

func TestLineLimit(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	long := "AT+CIPDOMAIN=\"" + strings.Repeat("a", 300) + "\""
	h.cmd(long, "\r\nERROR\r\n")
	h.cmd("AT", "\r\nOK\r\n")
	// Exactly 256 bytes is accepted (and fails only for its content).
	line := "AT" + strings.Repeat("Z", 254)
	h.cmd(line, "\r\nERROR\r\n")
}

func TestGMR(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	h.cmd("AT+GMR", gmrV2+"\r\nOK\r\n")
	if n := strings.Count(gmrV2, "\r\n"); n != 4 {
		t.Fatalf("v2 GMR has %d lines, want 4", n)
	}
	h17 := newQuietHost(t, baseConfig(AT17))
	h17.cmd("AT+GMR", "AT version:1.7.4.0(May 11 2020 19:13:04)\r\nSDK version:3.0.4(9532ceb)\r\ncompile time:May 27 2020 10:12:22\r\n\r\nOK\r\n")
}

func TestSettings(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	steps := [][2]string{
		{"AT+SYSSTORE?", "+SYSSTORE:1\r\n\r\nOK\r\n"},
		{"AT+SYSSTORE=0", "\r\nOK\r\n"},
		{"AT+SYSSTORE?", "+SYSSTORE:0\r\n\r\nOK\r\n"},
		{"AT+SYSMSG=3", "\r\nOK\r\n"},
		{"AT+SYSMSG?", "+SYSMSG:3\r\n\r\nOK\r\n"},
		{"AT+SYSMSG=8", "\r\nERROR\r\n"},
		{"AT+SYSLOG?", "+SYSLOG:0\r\n\r\nOK\r\n"},
		{"AT+UART_CUR?", "+UART_CUR:115200,8,1,0,0\r\n\r\nOK\r\n"},
		{"AT+UART_CUR=921600,8,1,0,3", "\r\nOK\r\n"},
		{"AT+UART_CUR?", "+UART_CUR:921600,8,1,0,3\r\n\r\nOK\r\n"},
		{"AT+UART_CUR=921600,9,1,0,0", "\r\nERROR\r\n"},
		{"AT+CIPMUX?", "+CIPMUX:0\r\n\r\nOK\r\n"},
		{"AT+CIPMODE?", "+CIPMODE:0\r\n\r\nOK\r\n"},
		{"AT+CIPDINFO?", "+CIPDINFO:false\r\n\r\nOK\r\n"},
		{"AT+CIPDINFO=1", "\r\nOK\r\n"},
		{"AT+CIPDINFO?", "+CIPDINFO:true\r\n\r\nOK\r\n"},
		{"AT+CIPRECVMODE?", "+CIPRECVMODE:0\r\n\r\nOK\r\n"},
		{"AT+CIPSERVERMAXCONN?", "+CIPSERVERMAXCONN:5\r\n\r\nOK\r\n"},
		{"AT+CIPSTO?", "+CIPSTO:180\r\n\r\nOK\r\n"},
		{"AT+CIPDNS?", "+CIPDNS:0,\"208.67.222.222\",\"8.8.8.8\"\r\n\r\nOK\r\n"},
		{`AT+CIPDNS=1,"1.1.1.1"`, "\r\nOK\r\n"},
		{"AT+CIPDNS?", "+CIPDNS:1,\"1.1.1.1\"\r\n\r\nOK\r\n"},
		{`AT+CIPDNS=1,"not-an-ip"`, "\r\nERROR\r\n"},
		{"AT+TRANSINTVL?", "+TRANSINTVL:20\r\n\r\nOK\r\n"},
		{"AT+TRANSINTVL=0", "\r\nOK\r\n"},
		{"AT+TRANSINTVL=1001", "\r\nERROR\r\n"},
	}
	for _, s := range steps {
		h.cmd(s[0], s[1])
	}
}

func TestDialectCommandSets(t *testing.T) {
	h := newQuietHost(t, baseConfig(AT17))
	for _, line := range []string{"AT+CWSTATE?", "AT+SYSSTORE=0", "AT+SYSLOG=1", "AT+CIPSTATE?", "AT+CIPRECVTYPE=1"} {
		h.cmd(line, "\r\nERROR\r\n")
	}
	h.cmd("AT+CWMODE_CUR?", "+CWMODE_CUR:1\r\n\r\nOK\r\n")
	h2 := newQuietHost(t, baseConfig(V2))
	h2.cmd("AT+CWMODE_CUR?", "\r\nERROR\r\n")
}

func TestReset(t *testing.T) {
	h := newQuietHost(t, baseConfig(V2))
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	p := newPeer(t)
	c := h.connect(p, "0")
	h.cmd("AT+RST", "\r\nOK\r\n\r\nready\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n")
	expectEOF(t, c)
	// Settings are back to power-up values: echo on, single mode.
	h.cmd("AT+CIPMUX?", "AT+CIPMUX?\r\n+CIPMUX:0\r\n\r\nOK\r\n")
}

func TestParseDialect(t *testing.T) {
	for in, want := range map[string]Dialect{"v2": V2, "ESP32": V2, "1.7": AT17, "esp8266": AT17} {
		if got, err := ParseDialect(in); err != nil || got != want {
			t.Errorf("ParseDialect(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseDialect("3.0"); err == nil {
		t.Error("ParseDialect(3.0) succeeded")
	}
}
