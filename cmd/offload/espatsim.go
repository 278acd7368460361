package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/netoffload/offload/backend/espat/espatsim"
)

type espatSimCmd struct {
	PTY        bool          `name:"pty" xor:"transport" help:"Serve one modem on a new pseudo-terminal and print its path (the default)."`
	TCP        string        `name:"tcp" xor:"transport" placeholder:"ADDR" help:"Listen on ADDR like a serial-over-TCP bridge; every connection is a fresh modem (port 0 picks one; the address is printed). Reach it with --via espat+tcp://ADDR."`
	Dialect    simDialect    `default:"v2" placeholder:"v2|1.7" help:"Firmware to imitate: v2 (ESP32, ESP-AT 2.x and later) or 1.7 (ESP8266 NonOS AT 1.7)."`
	Baud       int           `placeholder:"N" help:"Pace the line at N baud (8N1, 10 bits a byte) in both directions; 0 is as fast as the transport allows."`
	AP         []accessPoint `name:"ap" sep:"none" placeholder:"SSID:PSKFILE" help:"An access point AT+CWJAP can join, its password read from PSKFILE (SSID alone: an open network); repeatable. Default: one open network named offload-sim."`
	AutoJoin   string        `name:"auto-join" placeholder:"SSID" help:"The network the modem joins at power-up, as if saved in flash. Default: the offload-sim network when no --ap is given, else none."`
	ListenHost string        `name:"listen-host" default:"127.0.0.1" placeholder:"IP" help:"Host address the modem's TCP server (AT+CIPSERVER) and UDP links bind to."`
}

// Help is the detailed help of offload espat-sim --help.
func (s *espatSimCmd) Help() string {
	return `The emulator answers AT commands like an ESP32 (or ESP8266) with ESP-AT
firmware; its sockets are real sockets on this host. Use it to develop
without hardware: with --pty, any program that opens a serial device
(screen, minicom, the offload driver) can open the printed path; with
--tcp, connect to it like a serial-over-TCP bridge. The path or address
is printed on stdout. Ctrl-C stops it.

Examples:
  offload espat-sim --pty                      # prints e.g. /dev/pts/3
  offload get --via espat:///dev/pts/3 http://127.0.0.1:8080/
  offload espat-sim --tcp 127.0.0.1:3333 --baud 921600
  offload nc --via espat+tcp://127.0.0.1:3333 127.0.0.1 8080
  echo -n 'wifi password' > home.psk
  offload espat-sim --tcp 127.0.0.1:3333 --ap home:home.psk
  offload get --via 'espat+tcp://127.0.0.1:3333?ssid=home&psk-file=home.psk' http://127.0.0.1:8080/`
}

// defaultAP is the network of a modem started without --ap.
const defaultAP = "offload-sim"

// simDialect is an espatsim.Dialect read from the command line.
type simDialect struct{ espatsim.Dialect }

func (d *simDialect) UnmarshalText(b []byte) (err error) {
	d.Dialect, err = espatsim.ParseDialect(string(b))
	return err
}

// accessPoint is SSID[:PSKFILE] from the command line; the password is
// read when the command runs.
type accessPoint struct{ ssid, pskFile string }

func (a *accessPoint) UnmarshalText(b []byte) error {
	s := string(b)
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		a.ssid, a.pskFile = s[:i], s[i+1:]
	} else {
		a.ssid, a.pskFile = s, ""
	}
	if a.ssid == "" || len(a.ssid) > 32 {
		return fmt.Errorf("access point %q: the SSID must have 1 to 32 bytes", s)
	}
	return nil
}

// Run serves the emulator until ctx is done.
func (s *espatSimCmd) Run(ctx context.Context, e *env) error {
	cfg, err := s.config()
	if err != nil {
		return err
	}
	pace := "unpaced"
	if s.Baud > 0 {
		pace = fmt.Sprintf("%d baud", s.Baud)
	}
	if s.TCP != "" {
		var lc net.ListenConfig
		ln, err := lc.Listen(ctx, "tcp", s.TCP)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.out, ln.Addr())
		fmt.Fprintf(e.err, "offload espat-sim: ESP-AT %s modems (%s) on tcp://%s; Ctrl-C stops\n", cfg.Dialect, pace, ln.Addr())
		return espatsim.ServeListener(ctx, ln, cfg)
	}
	return espatsim.ServePTY(ctx, cfg, func(path string) {
		fmt.Fprintln(e.out, path)
		fmt.Fprintf(e.err, "offload espat-sim: ESP-AT %s modem (%s) on %s; Ctrl-C stops\n", cfg.Dialect, pace, path)
	})
}

// config builds the emulator's Config from the flags.
func (s *espatSimCmd) config() (espatsim.Config, error) {
	cfg := espatsim.Config{Dialect: s.Dialect.Dialect, Baud: s.Baud, ListenHost: s.ListenHost, AutoJoin: s.AutoJoin}
	if s.Baud < 0 {
		return cfg, usagef("espat-sim: --baud must not be negative")
	}
	if len(s.AP) == 0 {
		cfg.APs = []espatsim.AccessPoint{{SSID: defaultAP}}
		if cfg.AutoJoin == "" {
			cfg.AutoJoin = defaultAP
		}
	}
	for _, ap := range s.AP {
		pw, err := readPassword(ap.pskFile)
		if err != nil {
			return cfg, err
		}
		cfg.APs = append(cfg.APs, espatsim.AccessPoint{SSID: ap.ssid, Password: pw})
	}
	if cfg.AutoJoin != "" && !hasAP(cfg.APs, cfg.AutoJoin) {
		return cfg, usagef("espat-sim: --auto-join %q names no --ap", cfg.AutoJoin)
	}
	return cfg, nil
}

// readPassword reads a Wi-Fi password file without its final line break;
// an empty name means an open network.
func readPassword(file string) (string, error) {
	if file == "" {
		return "", nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if len(pw) > 64 {
		return "", errors.New(file + ": a Wi-Fi password has at most 64 characters")
	}
	return pw, nil
}

func hasAP(aps []espatsim.AccessPoint, ssid string) bool {
	for _, ap := range aps {
		if ap.SSID == ssid {
			return true
		}
	}
	return false
}
