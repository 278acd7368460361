package espat

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// recorder is a frameHandler that writes what it sees as text.
type recorder struct {
	out   strings.Builder
	dinfo bool
}

func (r *recorder) line(l []byte) { fmt.Fprintf(&r.out, "line %q\n", l) }
func (r *recorder) prompt()       { r.out.WriteString("prompt\n") }
func (r *recorder) recvDataDinfo() bool {
	return r.dinfo
}

func (r *recorder) ipd(h dataHeader) sink {
	fmt.Fprintf(&r.out, "ipd %d %d %v\n", h.id, h.n, h.from)
	return &recSink{r: r}
}

func (r *recorder) recvData(h dataHeader) sink {
	fmt.Fprintf(&r.out, "recvdata %d %v\n", h.n, h.from)
	return &recSink{r: r}
}

type recSink struct {
	r   *recorder
	buf bytes.Buffer
}

func (s *recSink) write(p []byte) { s.buf.Write(p) }
func (s *recSink) end()           { fmt.Fprintf(&s.r.out, "payload %q\n", s.buf.Bytes()) }

// frame feeds in to a fresh framer, one byte at a time when split is set.
func frame(in string, dinfo, split bool) string {
	r := &recorder{dinfo: dinfo}
	f := newFramer(r)
	if split {
		for i := 0; i < len(in); i++ {
			f.feed([]byte{in[i]})
		}
	} else {
		f.feed([]byte(in))
	}
	return r.out.String()
}

func TestFramer(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		dinfo bool
		want  string
	}{
		{"ok", "\r\nOK\r\n", false, "line \"OK\"\n"},
		{"info then ok", "+CWMODE:1\r\n\r\nOK\r\n", false, "line \"+CWMODE:1\"\nline \"OK\"\n"},
		{"v2 prompt", "\r\nOK\r\n\r\n>", false, "line \"OK\"\nprompt\n"},
		{"1.x prompt", "\r\nOK\r\n> \r\nRecv 3 bytes\r\n", false, "line \"OK\"\nprompt\nline \"Recv 3 bytes\"\n"},
		{"cr runs", "OK\r\r\n", false, "line \"OK\"\n"},
		{"active ipd", "\r\n+IPD,2,5:he\r\nlSEND OK\r\n", false,
			"ipd 2 5 invalid AddrPort\npayload \"he\\r\\nl\"\nline \"SEND OK\"\n"},
		{"active ipd dinfo", "\r\n+IPD,0,3,\"10.0.0.1\",80:abc", false,
			"ipd 0 3 10.0.0.1:80\npayload \"abc\"\n"},
		{"active ipd ipv6", "+IPD,0,2,\"::1\",80:ab", false, "ipd 0 2 [::1]:80\npayload \"ab\"\n"},
		{"active ipd 1.x unquoted", "+IPD,1,2,192.168.4.2,4951:hi", false, "ipd 1 2 192.168.4.2:4951\npayload \"hi\"\n"},
		{"passive notice", "\r\n+IPD,0,80\r\n", false, "line \"+IPD,0,80\"\n"},
		{"recvdata v2", "+CIPRECVDATA:4,a,\r\n\r\nOK\r\n", false, "recvdata 4 invalid AddrPort\npayload \"a,\\r\\n\"\nline \"OK\"\n"},
		{"recvdata v2 dinfo", "+CIPRECVDATA:2,\"1.2.3.4\",99,xy\r\nOK\r\n", true,
			"recvdata 2 1.2.3.4:99\npayload \"xy\"\nline \"OK\"\n"},
		{"recvdata 1.7", "\r\n+CIPRECVDATA,3:xyz\r\nOK\r\n", false, "recvdata 3 invalid AddrPort\npayload \"xyz\"\nline \"OK\"\n"},
		{"zero payload", "+CIPRECVDATA:0,\r\nOK\r\n", false, "recvdata 0 invalid AddrPort\npayload \"\"\nline \"OK\"\n"},
		{"garbage resyncs", "\x00\xe0\x1c\r\n+IPD,x,y:zz\r\nready\r\n", false, "line \"\\xe0\\x1c\"\nline \"ready\"\n"},
		{"huge length is garbage", "+IPD,0,99999999:abc\r\nOK\r\n", false, "line \"OK\"\n"},
		{"overlong line", strings.Repeat("x", 2000) + "\r\nOK\r\n", false, "line \"OK\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, split := range []bool{false, true} {
				if got := frame(tt.in, tt.dinfo, split); got != tt.want {
					t.Errorf("split=%v:\ngot  %s\nwant %s", split, got, tt.want)
				}
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		in   string
		want event
	}{
		{"OK", event{kind: evOK, id: -1}},
		{"SEND FAIL", event{kind: evSendFail, id: -1}},
		{"busy p...", event{kind: evBusy, id: -1}},
		{"ERR CODE:0x01090000", event{kind: evErrCode, id: -1, code: 0x01090000}},
		{"Recv 12 bytes", event{kind: evRecvBytes, id: -1, n: 12}},
		{"3,CONNECT", event{kind: evConnect, id: 3}},
		{"CONNECT", event{kind: evConnect, id: 0}},
		{"4,CLOSED", event{kind: evClosed, id: 4}},
		{"1,CONNECT FAIL", event{kind: evConnectFail, id: 1}},
		{"+IPD,2,5760", event{kind: evIPD, id: 2, n: 5760}},
		{"+IPD,80", event{kind: evIPD, id: 0, n: 80}},
		{"ALREADY CONNECT", event{kind: evAlready, id: -1}},
		{"7,CONNECT", event{kind: evInfo, id: -1}},
		{"+CIPRECVLEN:1,2", event{kind: evInfo, id: -1}},
	}
	for _, tt := range tests {
		if got := classify([]byte(tt.in)); got != tt.want {
			t.Errorf("classify(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	lc := classify([]byte(`+LINK_CONN:0,1,"TCP",1,"10.1.2.3",4000,80`))
	want := linkConn{server: true, proto: "TCP", remote: netip.MustParseAddrPort("10.1.2.3:4000"), lport: 80}
	if lc.kind != evLinkConn || lc.id != 1 || lc.conn != want {
		t.Errorf("+LINK_CONN: got %+v", lc)
	}
}

func TestQuote(t *testing.T) {
	if got, want := quote(`a,b"c\d`), `"a\,b\"c\\d"`; got != want {
		t.Errorf("quote = %s, want %s", got, want)
	}
	if validParam("a\r\nAT+RST") {
		t.Error("validParam accepted CR LF")
	}
}

func TestParseRecvLen(t *testing.T) {
	for in, want := range map[string][maxLinks]int{
		"654,-1,-1,-1,-1": {654, -1, -1, -1, -1},
		"80,0,0,0,0":      {80, 0, 0, 0, 0},
		"100,,,,,":        {100, -1, -1, -1, -1},
		"":                {-1, -1, -1, -1, -1},
	} {
		if got := parseRecvLen(in); got != want {
			t.Errorf("parseRecvLen(%q) = %v, want %v", in, got, want)
		}
	}
}
