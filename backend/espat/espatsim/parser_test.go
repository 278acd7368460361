package espatsim

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want *command
		err  error
	}{
		{"AT", &command{}, nil},
		{"ATE0", &command{name: "E0"}, nil},
		{"AT+GMR", &command{name: "+GMR"}, nil},
		{"AT+CWMODE?", &command{name: "+CWMODE", form: formQuery}, nil},
		{"AT+CWMODE=?", &command{name: "+CWMODE", form: formTest}, nil},
		{`AT+CWJAP="s","p",,1`, &command{name: "+CWJAP", form: formSet, params: []param{
			{s: "s", quoted: true}, {s: "p", quoted: true}, {empty: true}, {s: "1"}}}, nil},
		{`AT+CWJAP="a\,b\"c\\d\e","x,y"`, &command{name: "+CWJAP", form: formSet, params: []param{
			{s: `a,b"c\de`, quoted: true}, {s: "x,y", quoted: true}}}, nil},
		{"AT+X=", &command{name: "+X", form: formSet, params: []param{{empty: true}}}, nil},
		{"AT+X=1,", &command{name: "+X", form: formSet, params: []param{{s: "1"}, {empty: true}}}, nil},
		{"at", nil, errNoAT},
		{"AT+", nil, errParse},
		{"AT+X!", nil, errParse},
		{`AT+X="open`, nil, errParse},
		{`AT+X="a"b`, nil, errParse},
		{`AT+X=1"`, nil, errParse},
		{`AT+X="a\`, nil, errParse},
		{"ATE=1", nil, errParse},
	} {
		got, err := parseLine([]byte(tc.in))
		if !errors.Is(err, tc.err) || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseLine(%q) = %+v, %v; want %+v, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParamAccessors(t *testing.T) {
	c, _ := parseLine([]byte(`AT+X=5,"s",,x,99`))
	if v, err := c.int(0, 0, 9); v != 5 || err != nil {
		t.Error("int", v, err)
	}
	checks := []struct {
		err  error
		want error
	}{
		{second(c.int(1, 0, 9)), errParamType},
		{second(c.int(2, 0, 9)), errParamCount},
		{second(c.int(3, 0, 9)), errParamType},
		{second(c.int(4, 0, 9)), errParamInvalid},
		{second(c.str(0, 9)), errParamType},
		{second(c.str(1, 0)), errParamLength},
		{c.maxParams(4), errParamCount},
	}
	for i, ch := range checks {
		if !errors.Is(ch.err, ch.want) {
			t.Errorf("check %d: %v, want %v", i, ch.err, ch.want)
		}
	}
	if v, err := c.intOr(2, 7, 0, 9); v != 7 || err != nil {
		t.Error("intOr", v, err)
	}
}

func second[T any](_ T, err error) error { return err }

// FuzzParseLine: the parser never panics, and whatever it accepts it
// prints back as a line that parses to the same command.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{"AT", "ATE0", "AT+CIPSEND=0,32", `AT+CWJAP="s\,s","p\"w\\",,1`, "AT+CIPRECVLEN?", "AT+X=?", `AT+CIPSTART=0,"TCP","127.0.0.1",80`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		c, err := parseLine(line)
		if err != nil {
			return
		}
		again, err := parseLine([]byte(c.String()))
		if err != nil || !reflect.DeepEqual(c, again) {
			t.Fatalf("%q parsed to %+v, printed as %q, reparsed to %+v, %v", line, c, c.String(), again, err)
		}
	})
}

// offlineConfig refuses every uplink, so fuzzed commands reach nothing.
func offlineConfig() Config {
	refuse := errors.New("offline")
	cfg := baseConfig(V2)
	cfg.Dial = func(context.Context, string, string) (net.Conn, error) { return nil, refuse }
	cfg.Listen = func(context.Context, string, string) (net.Listener, error) { return nil, refuse }
	cfg.ListenPacket = func(context.Context, string, string) (net.PacketConn, error) { return nil, refuse }
	cfg.Resolve = func(context.Context, string) ([]netip.Addr, error) { return nil, refuse }
	return cfg
}

// FuzzInput feeds arbitrary UART bytes (split in two reads) to a modem:
// it must neither panic nor hang, whatever mode the bytes drive it into.
func FuzzInput(f *testing.F) {
	for _, s := range []string{
		"AT\r\n", "ATE0\r\nAT+CIPMUX=1\r\nAT+CIPRECVMODE=1\r\n",
		"AT+CIPSTART=\"TCP\",\"1.2.3.4\",80\r\nAT\r\n", "AT+CIPMODE=1\r\nAT+CIPSEND\r\n+++",
		"AT+CWJAP=\"lab\",\"secret\"\r\n", "AT+CIPSENDEX=4\r\nab\\0\r\n", "AT+RST\r\n\x00\xff",
	} {
		f.Add([]byte(s), 3)
	}
	f.Fuzz(func(t *testing.T, data []byte, split int) {
		s := New(offlineConfig())
		defer s.Close()
		split = min(max(split, 0), len(data))
		now := time.Now()
		s.input(data[:split], now)
		s.input(data[split:], now)
	})
}
