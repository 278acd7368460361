package espatsim

import (
	"net/netip"
)

// uartCfg is the AT+UART_CUR frame setting.
type uartCfg struct{ baud, data, stop, parity, flow int }

// state is everything AT+RST resets to defaults (or to nvs).
type state struct {
	echo     bool
	mux      bool
	cipmode  int
	dinfo    bool
	passive  [maxLinks]bool // receive mode per link id
	syslog   bool
	sysstore bool
	sysmsg   int
	cwmode   int
	ssid     string // joined AP; "" when not joined
	wifi     int    // AT+CWSTATE value
	ip       netip.Addr
	gw, mask netip.Addr
	maxconn  int
	sto      int // CIPSTO seconds
	dnsOn    bool
	dns      []string
	uart     uartCfg
	linked   bool // a link existed since boot (CIPSTATUS 4)
	transInt int  // AT+TRANSINTVL: passthrough flush interval, ms
}

// nvs is what the modem keeps in flash across AT+RST.
type nvs struct {
	cwmode int
	sysmsg int
	ap     string
	ip     netip.Addr
}

func defaultNVS(cfg *Config) nvs {
	return nvs{cwmode: 1, ap: cfg.AutoJoin, ip: cfg.StationIP}
}

// resetState loads the power-up state.
func (s *Sim) resetState() {
	baud := s.cfg.Baud
	if baud == 0 {
		baud = 115200
	}
	s.st = state{
		echo:     true,
		sysstore: true,
		sysmsg:   s.nvs.sysmsg,
		cwmode:   s.nvs.cwmode,
		ip:       s.nvs.ip,
		gw:       s.cfg.Gateway,
		mask:     s.cfg.Netmask,
		maxconn:  maxLinks,
		sto:      180,
		transInt: 20,
		uart:     uartCfg{baud: baud, data: 8, stop: 1},
	}
	if _, ok := s.cfg.findAP(s.nvs.ap); ok && s.st.cwmode&1 != 0 {
		s.st.ssid, s.st.wifi = s.nvs.ap, 2
	}
	s.rx.set(s.cfg.Baud, halfBits8N1)
	s.tx.set(s.cfg.Baud, halfBits8N1)
}

// boot reboots the modem: every link and the server vanish without
// CLOSED lines, a running command is abandoned, settings return to their
// power-up values, and (when banner is set) ready and the auto-join lines
// are printed. Called with mu held.
func (s *Sim) boot(banner bool) {
	s.gen++
	s.dropAll()
	s.mode, s.line, s.lineOver, s.pay = modeCommand, s.line[:0], false, payload{}
	baud := s.cfg.Baud
	s.emitAction(func() {
		s.rx.set(baud, halfBits8N1)
		s.tx.set(baud, halfBits8N1)
	})
	s.resetState()
	if !banner {
		return
	}
	if s.cfg.Dialect == AT17 {
		s.emit([]byte(bootNoise8266))
	}
	s.emitString("\r\nready\r\n")
	if s.st.ssid != "" {
		s.emitString("WIFI CONNECTED\r\nWIFI GOT IP\r\n")
	}
}

// bootNoise8266 stands for the ESP8266 ROM boot log at 74880 baud as a
// 115200-baud host sees it: bytes that are not text and hold no "ready".
const bootNoise8266 = "\x00\xe0\x1c\x8c\xfc\x02\x8c\x0c\x82\x9c\x1c\x9e\x9c\xe3" +
	"\x1c\x90\x6c\x8c\x0c\x0c\x8c\x62\xec\x62\x63\xe2\x0f\x6c\x84\x9c\x8c"

// dropAll closes every link, the server, the passthrough session and the
// running command, silently. Called with mu held.
func (s *Sim) dropAll() {
	if s.opCancel != nil {
		s.opCancel()
		s.opCancel = nil
	}
	s.busy = false
	s.reserved = [maxLinks]bool{}
	for _, l := range s.links {
		if l != nil {
			s.dropLink(l, false)
		}
	}
	s.abortClosing()
	s.stopServer(false)
	s.endPassthrough()
}

// joined reports whether the station has an IP address.
func (s *Sim) joined() bool { return s.st.ssid != "" }
