package espatsim

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Dialect selects which firmware family the simulator imitates. The
// differences are those of the reference's version table: send prompt,
// +CIPRECVDATA layout, IP quoting, passive +IPD behaviour, CWJAP failure
// word, send limit, AT+GMR text and which commands exist.
type Dialect int

const (
	// V2 is ESP-AT v2 and later on the ESP32 family (the zero value).
	V2 Dialect = iota
	// AT17 is the ESP8266 NonOS AT firmware 1.7.
	AT17
)

// String returns "v2" or "1.7".
func (d Dialect) String() string {
	if d == AT17 {
		return "1.7"
	}
	return "v2"
}

// ParseDialect accepts the names a command line would use: "v2", "esp32"
// (V2) and "1.7", "at17", "esp8266" (AT17). Case is ignored.
func ParseDialect(s string) (Dialect, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "v2", "2", "esp32", "esp-at":
		return V2, nil
	case "1.7", "at17", "at1.7", "esp8266", "nonos":
		return AT17, nil
	}
	return V2, fmt.Errorf("espatsim: unknown dialect %q (want v2 or 1.7)", s)
}

// AccessPoint is a Wi-Fi network the simulated station can join with
// AT+CWJAP. Joining is instant unless Config.JoinDelay is set; no radio or
// DHCP is simulated, the station simply reports Config.StationIP.
type AccessPoint struct {
	// SSID is the network name; it must not be empty.
	SSID string
	// Password must match the one given to AT+CWJAP; empty means an open
	// network, which accepts any password.
	Password string
	// BSSID is reported by AT+CWJAP?; nil means 02:00:00:00:00:<index+1>.
	BSSID net.HardwareAddr
	// Channel is reported by AT+CWJAP?; zero means 1.
	Channel int
	// RSSI is reported by AT+CWJAP?; zero means -45.
	RSSI int
}

// Faults configures fault injection from the start of Serve. Most faults can
// also be triggered later with methods on *Sim.
type Faults struct {
	// Seed seeds the random source used by the byte faults, so a run is
	// reproducible; zero is a valid seed.
	Seed uint64
	// DropIn and DropOut are the fractions (0..1) of bytes silently lost
	// host→modem and modem→host; zero means none.
	DropIn, DropOut float64
	// CorruptIn and CorruptOut are the fractions (0..1) of bytes replaced by
	// a different value in each direction; zero means none.
	CorruptIn, CorruptOut float64
	// BusyCommands makes the modem answer "busy p..." to that many commands
	// instead of running them; zero means none.
	BusyCommands int
	// FailSends makes that many CIPSEND payloads end in SEND FAIL (the data
	// is not sent); zero means none.
	FailSends int
}

// Config describes a simulated modem. The zero value is a usable ESP32 v2
// modem at an unpaced line, with no access points, dialing and listening on
// the host network.
type Config struct {
	// Dialect is the firmware imitated; zero means V2.
	Dialect Dialect

	// Baud paces the simulated UART in both directions at this rate with
	// the current frame format (8N1: 10 bits per byte). Zero means unpaced:
	// bytes move as fast as the transport allows. AT+UART_CUR changes the
	// rate of a paced line; an unpaced line stays unpaced.
	Baud int

	// APs are the networks AT+CWJAP can join; nil means none, so every
	// join fails with +CWJAP:3 (AP not found).
	APs []AccessPoint
	// AutoJoin is the SSID of an AP the modem has "saved in flash": it is
	// joined at power-up and after AT+RST, printing WIFI CONNECTED and
	// WIFI GOT IP after ready. Empty means the station starts idle.
	AutoJoin string
	// JoinDelay is how long AT+CWJAP takes (the modem answers busy p...
	// meanwhile); zero means it completes at once.
	JoinDelay time.Duration

	// StationIP, Gateway and Netmask are the addresses the station reports
	// once joined; they are never dialed. Zero values mean 192.168.4.2,
	// 192.168.4.1 and 255.255.255.0.
	StationIP, Gateway, Netmask netip.Addr
	// MAC is the station MAC; nil means 24:0a:c4:00:00:01.
	MAC net.HardwareAddr

	// ListenHost is the host address CIPSERVER listeners and UDP link
	// sockets bind to on the uplink; empty means "127.0.0.1". Use "0.0.0.0"
	// to serve other machines or to send UDP beyond this host.
	ListenHost string

	// Dial opens TCP links (and the TCP under SSL links); nil means a
	// net.Dialer. The signature matches net.Dialer.DialContext and
	// offload's Dialer.DialContext.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// Listen opens the CIPSERVER listener; nil means a net.ListenConfig.
	Listen func(ctx context.Context, network, address string) (net.Listener, error)
	// ListenPacket opens UDP link sockets; nil means a net.ListenConfig.
	ListenPacket func(ctx context.Context, network, address string) (net.PacketConn, error)
	// Resolve answers AT+CIPDOMAIN and resolves UDP remote host names; nil
	// means net.DefaultResolver.LookupNetIP.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	// TLSConfig is cloned for SSL client links (ServerName is set to the
	// CIPSTART host when empty) and SSL servers (which need Certificates).
	// Nil means a default tls.Config for clients and no SSL server.
	TLSConfig *tls.Config

	// NoBootBanner suppresses the "\r\nready\r\n" (and auto-join lines)
	// that Serve otherwise prints first, as a powered-up modem does.
	// AT+RST and Reset always print them.
	NoBootBanner bool

	// Faults are injected from the start.
	Faults Faults
}

// defaults returns cfg with every zero field replaced by its documented
// meaning.
func (cfg Config) withDefaults() Config {
	if !cfg.StationIP.IsValid() {
		cfg.StationIP = netip.AddrFrom4([4]byte{192, 168, 4, 2})
	}
	if !cfg.Gateway.IsValid() {
		cfg.Gateway = netip.AddrFrom4([4]byte{192, 168, 4, 1})
	}
	if !cfg.Netmask.IsValid() {
		cfg.Netmask = netip.AddrFrom4([4]byte{255, 255, 255, 0})
	}
	if len(cfg.MAC) == 0 {
		cfg.MAC = net.HardwareAddr{0x24, 0x0a, 0xc4, 0, 0, 1}
	}
	if cfg.ListenHost == "" {
		cfg.ListenHost = "127.0.0.1"
	}
	cfg.APs = append([]AccessPoint(nil), cfg.APs...)
	for i := range cfg.APs {
		ap := &cfg.APs[i]
		if ap.BSSID == nil {
			ap.BSSID = net.HardwareAddr{2, 0, 0, 0, 0, byte(i + 1)}
		}
		if ap.Channel == 0 {
			ap.Channel = 1
		}
		if ap.RSSI == 0 {
			ap.RSSI = -45
		}
	}
	cfg.withNetDefaults()
	return cfg
}

// withNetDefaults fills the uplink functions with the host network.
func (cfg *Config) withNetDefaults() {
	if cfg.Dial == nil {
		var d net.Dialer
		cfg.Dial = d.DialContext
	}
	var lc net.ListenConfig
	if cfg.Listen == nil {
		cfg.Listen = lc.Listen
	}
	if cfg.ListenPacket == nil {
		cfg.ListenPacket = lc.ListenPacket
	}
	if cfg.Resolve == nil {
		cfg.Resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
}

// findAP returns the configured access point named ssid.
func (cfg *Config) findAP(ssid string) (AccessPoint, bool) {
	for _, ap := range cfg.APs {
		if ap.SSID == ssid {
			return ap, true
		}
	}
	return AccessPoint{}, false
}
