package espat

import "time"

// Dialect is the firmware family of the modem.
type Dialect int

const (
	// DialectAuto detects the dialect from AT+GMR (the zero value).
	DialectAuto Dialect = iota
	// DialectV2 is ESP-AT v2 and later (ESP32 family, ESP8266 RTOS AT 2.x).
	DialectV2
	// Dialect17 is the ESP8266 NonOS AT firmware 1.x (1.7).
	Dialect17
)

// String returns "auto", "v2" or "1.7".
func (d Dialect) String() string {
	switch d {
	case DialectV2:
		return "v2"
	case Dialect17:
		return "1.7"
	}
	return "auto"
}

// Config configures a Modem. The zero value talks to an ESP-AT modem
// already on the line at its current rate, uses passive receive, joins no
// Wi-Fi network and uses the timeouts below.
type Config struct {
	// Baud is the line rate OpenSerial opens the port at; zero means
	// 115200, the firmware default. With Open it only sizes command
	// timeouts (zero: assume 115200).
	Baud int
	// FlowControl enables RTS/CTS hardware flow control on the serial
	// port (OpenSerial, Linux only) and asks for it in AT+UART_CUR when
	// SwitchBaud is set; false means none.
	FlowControl bool
	// SwitchBaud, when non-zero, makes start-up move the line to this rate
	// with AT+UART_CUR and then reconfigure the port, which must implement
	// BaudSetter (OpenSerial's does). Zero means stay at the current rate.
	SwitchBaud int

	// SSID, when non-empty, makes start-up join this Wi-Fi network with
	// AT+CWJAP (station mode). Empty means use whatever network the modem
	// is on. Password is the network's password; empty means open.
	SSID, Password string

	// ActiveReceive selects active receive mode: the modem pushes +IPD
	// data as it arrives. It has no flow control, so a connection whose
	// receive buffer is full fails with ErrOverrun. False (the default)
	// selects passive mode: data waits in the modem until there is room
	// for it on the host, which slows the remote sender down.
	ActiveReceive bool
	// Dialect forces the firmware dialect; zero means detect it.
	Dialect Dialect
	// SendLimit caps the payload of one AT+CIPSEND; zero means the
	// dialect's maximum (8192 on v2, 2048 on ESP8266 and 1.x).
	SendLimit int
	// RecvLimit caps the length asked for by one AT+CIPRECVDATA; zero
	// means 8192.
	RecvLimit int
	// NoCoalesce sends each Write with its own AT+CIPSEND (at most
	// SendLimit bytes each), as the Zephyr and TinyGo drivers do, instead
	// of packing everything pending into as few sends as possible. It
	// exists to measure the difference; false (coalescing) is faster.
	NoCoalesce bool

	// CommandTimeout bounds a command's answer (plus the time its
	// payload takes on the line); zero means 5 s.
	CommandTimeout time.Duration
	// ConnectTimeout bounds AT+CIPSTART when the caller's context has no
	// earlier deadline; zero means 20 s.
	ConnectTimeout time.Duration
	// JoinTimeout bounds AT+CWJAP; zero means 20 s.
	JoinTimeout time.Duration
	// SendTimeout bounds the wait for SEND OK after a payload, which the
	// modem delays while the peer's TCP window is closed; zero means 30 s.
	SendTimeout time.Duration
	// PollInterval is how often AT+CIPRECVLEN? is polled in passive mode
	// while links are open, as a safety net against lost +IPD notices;
	// zero means 1 s, negative disables polling.
	PollInterval time.Duration
	// ProbeAttempts is how many times start-up sends AT before giving up
	// with ErrNoModem; zero means 20 (about 10 s).
	ProbeAttempts int

	// Logf, if not nil, receives a line for each notable event (start-up
	// steps, resets, unexpected lines). Nil means silent.
	Logf func(format string, args ...any)
	// Trace also sends every line from the modem and the start of every
	// write to it to Logf; false means only notable events.
	Trace bool
}

func (c Config) withDefaults() Config {
	if c.Baud <= 0 {
		c.Baud = 115200
	}
	if c.RecvLimit <= 0 {
		c.RecvLimit = 8192
	}
	if c.CommandTimeout <= 0 {
		c.CommandTimeout = 5 * time.Second
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 20 * time.Second
	}
	if c.JoinTimeout <= 0 {
		c.JoinTimeout = 20 * time.Second
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = 30 * time.Second
	}
	if c.PollInterval == 0 {
		c.PollInterval = time.Second
	}
	if c.ProbeAttempts <= 0 {
		c.ProbeAttempts = 20
	}
	return c
}

// lineTime is how long n bytes take on the line (8N1) at the configured
// rate, doubled for slack.
func (c *Config) lineTime(n int, baud int) time.Duration {
	if baud <= 0 {
		baud = c.Baud
	}
	return time.Duration(n) * 20 * time.Second / time.Duration(baud)
}

func (c *Config) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}
