package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netoffload/offload/backend/espat/espatsim"
)

// via is a parsed backend URI, the value of --via:
//
//	loopback:
//	yamux://HOST:PORT?psk-file=F          (yamux+tls:// for a TLS link)
//	espat:///dev/ttyUSB0?baud=115200&ssid=NET&psk-file=F
//	espat+tcp://HOST:PORT?ssid=NET&psk-file=F
//
// It implements encoding.TextUnmarshaler, so a bad URI is a usage error
// reported by the flag parser.
type via struct {
	scheme string     // "loopback", "yamux", "yamux+tls", "espat", "espat+tcp"
	addr   string     // yamux and espat+tcp: HOST:PORT
	device string     // espat: the serial device path
	query  url.Values // validated parameters
}

// viaParams lists the query parameters each scheme accepts.
var viaParams = map[string][]string{
	"loopback":  nil,
	"yamux":     {"psk-file", "psk-env", "keepalive", "link-timeout", "window"},
	"yamux+tls": {"psk-file", "psk-env", "keepalive", "link-timeout", "window", "ca-file", "cert-file", "key-file", "server-name"},
	"espat":     {"baud", "switch-baud", "rtscts", "ssid", "psk-file", "psk-env", "dialect", "active", "send-limit"},
	"espat+tcp": {"baud", "ssid", "psk-file", "psk-env", "dialect", "active", "send-limit"},
}

// secretParams are refused: a secret on the command line leaks through
// ps(1) and shell history.
var secretParams = []string{"psk", "password", "pass", "key"}

// UnmarshalText parses a backend URI.
func (v *via) UnmarshalText(text []byte) error {
	s := string(text)
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("backend URI %q: %w", s, unwrapURLError(err))
	}
	allowed, ok := viaParams[u.Scheme]
	if !ok {
		return fmt.Errorf("backend URI %q: unknown scheme %q (want loopback:, yamux://, yamux+tls://, espat:// or espat+tcp://)", s, u.Scheme)
	}
	*v = via{scheme: u.Scheme, query: u.Query()}
	if err := v.checkParams(allowed); err != nil {
		return fmt.Errorf("backend URI %q: %w", s, err)
	}
	if err := v.setPlace(u); err != nil {
		return fmt.Errorf("backend URI %q: %w", s, err)
	}
	return nil
}

// unwrapURLError drops url.Error's repetition of the input.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// setPlace records where the backend is: nothing, HOST:PORT or a device.
func (v *via) setPlace(u *url.URL) error {
	switch v.scheme {
	case "loopback":
		if u.Opaque != "" || u.Host != "" || (u.Path != "" && u.Path != "/") {
			return errors.New("loopback: takes no address")
		}
	case "espat":
		if u.Host != "" || u.Opaque != "" || u.Path == "" || u.Path == "/" {
			return errors.New("want espat:///dev/DEVICE (three slashes: no host, a device path)")
		}
		v.device = u.Path
	default:
		if u.Opaque != "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("want %s://HOST:PORT", v.scheme)
		}
		if err := checkHostPort(u.Host); err != nil {
			return err
		}
		v.addr = u.Host
	}
	return nil
}

// checkHostPort accepts HOST:PORT with a port from 1 to 65535.
func checkHostPort(hp string) error {
	host, port, err := net.SplitHostPort(hp)
	if err != nil || host == "" {
		return fmt.Errorf("want HOST:PORT, got %q", hp)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return fmt.Errorf("bad port %q", port)
	}
	return nil
}

// checkParams refuses secrets, unknown parameters, repeated parameters
// and malformed values.
func (v *via) checkParams(allowed []string) error {
	for name, vals := range v.query {
		switch {
		case slices.Contains(secretParams, name):
			return fmt.Errorf("%s= is refused: secrets on the command line leak; use psk-file= or psk-env=", name)
		case !slices.Contains(allowed, name):
			return fmt.Errorf("unknown parameter %q for %s (accepted: %s)", name, v.scheme, listOrNone(allowed))
		case len(vals) != 1:
			return fmt.Errorf("parameter %q given %d times", name, len(vals))
		}
		if err := checkParamValue(name, vals[0]); err != nil {
			return err
		}
	}
	if v.query.Has("cert-file") != v.query.Has("key-file") {
		return errors.New("cert-file= and key-file= go together")
	}
	return nil
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// checkParamValue checks the values that have a syntax.
func checkParamValue(name, val string) error {
	var err error
	switch name {
	case "baud", "switch-baud", "send-limit":
		var n uint64
		n, err = strconv.ParseUint(val, 10, 31)
		if err == nil && n == 0 {
			err = errors.New("must be positive")
		}
	case "rtscts", "active":
		_, err = strconv.ParseBool(val)
	case "dialect":
		if val != "auto" {
			_, err = espatsim.ParseDialect(val)
		}
	case "psk-env":
		if val == "" {
			err = errors.New("empty variable name")
		}
	case "window":
		_, err = parseWindow(val)
	case "keepalive", "link-timeout":
		var d time.Duration
		d, err = time.ParseDuration(val)
		if err == nil && d <= 0 {
			err = errors.New("must be positive")
		}
	}
	if err != nil {
		return fmt.Errorf("parameter %s=%q: %v", name, val, err)
	}
	return nil
}

// String returns the URI in a canonical form, without secrets (it never
// holds any).
func (v *via) String() string {
	switch v.scheme {
	case "loopback":
		return "loopback:"
	case "espat":
		u := url.URL{Scheme: v.scheme, Path: v.device, RawQuery: v.query.Encode()}
		return u.String()
	default:
		u := url.URL{Scheme: v.scheme, Host: v.addr, RawQuery: v.query.Encode()}
		return u.String()
	}
}

// intParam returns a validated integer parameter, or zero when absent.
func (v *via) intParam(name string) int {
	n, _ := strconv.Atoi(v.query.Get(name))
	return n
}

// windowParam returns a validated window size parameter, or zero when
// absent.
func (v *via) windowParam(name string) uint32 {
	n, _ := parseWindow(v.query.Get(name))
	return n
}

// durParam returns a validated duration parameter, or zero when absent.
func (v *via) durParam(name string) time.Duration {
	d, _ := time.ParseDuration(v.query.Get(name))
	return d
}

// boolParam returns a validated boolean parameter, false when absent.
func (v *via) boolParam(name string) bool {
	b, _ := strconv.ParseBool(v.query.Get(name))
	return b
}
