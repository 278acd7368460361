// Package espatsim emulates an Espressif ESP-AT Wi-Fi modem on a UART,
// byte for byte, with its links backed by real sockets.
//
// A host driver (such as package espat) talks AT commands to a Sim exactly
// as it would to an ESP32 or ESP8266 on a serial port: echo, OK/ERROR,
// busy p..., the CIPSEND prompt, +IPD records, passive receive,
// passthrough mode and the quirks of two firmware families (Dialect V2 for
// ESP-AT v2+ on the ESP32 family, AT17 for ESP8266 NonOS AT 1.7). The
// byte formats follow the project's ESP-AT reference
// (shared/espat-protocol.md), including captures from real modems.
//
// Each link id (0..4) maps to an uplink socket opened through Config.Dial,
// Config.Listen and Config.ListenPacket: the host network by default, a
// local listener or an in-memory network (any backend's Dialer) in tests.
// AT+CIPSTART "SSL" runs crypto/tls over the dialed connection.
//
// # Usage
//
// In-process, for tests of a driver:
//
//	port, sim := espatsim.Pipe(espatsim.Config{
//		APs:      []espatsim.AccessPoint{{SSID: "lab", Password: "secret"}},
//		AutoJoin: "lab", // joined at power-up, like an AP saved in flash
//	})
//	defer port.Close() // stops the modem; no goroutine is left behind
//	// port is the host end of the UART: write AT commands, read replies.
//	sim.FailNextSends(1) // faults can be injected at any time
//
// On any byte stream (a TCP connection, a real serial port):
//
//	sim := espatsim.New(cfg)
//	go sim.Serve(conn)
//	defer sim.Close()
//
// For programs and other languages, ServePTY opens a pseudo-terminal that
// screen, minicom or any serial library can open, and ListenAndServeTCP
// is a serial-over-TCP bridge giving each connection a fresh modem.
//
// # Behaviour
//
// The modem echoes input as it arrives (ATE1 is the default) and runs a
// line only at its LF; lines are limited to 256 bytes. Slow commands
// (CIPSTART, CIPDOMAIN, CWJAP, CIPSERVER, and a CIPSEND payload that
// waits for room in the send buffer) run in the background while new
// lines are answered with "busy p...". All output leaves through one writer, so unsolicited
// messages (+IPD, <id>,CONNECT, <id>,CLOSED, WIFI ...) may come between
// the lines of a response, as on real modems, but never inside a line or
// a payload.
//
// AT+CIPSEND answers SEND OK once its payload is in the link's 5760-byte
// send buffer ("handed to the stack"); the modem is busy only while that
// buffer is full. Data already acknowledged is still written out when the
// link is closed with AT+CIPCLOSE.
//
// Active receive sends +IPD records of at most 2920 bytes (1460 in AT
// 1.7). Passive receive (AT+CIPRECVMODE=1 or AT+CIPRECVTYPE) buffers up
// to 5760 bytes per link and then stops reading the uplink socket, so a
// remote TCP sender is slowed, not dropped; UDP datagrams that do not fit
// are dropped. In V2 one "+IPD,<id>,<len>" notice is sent until the host
// reads and CLOSED is held back until the buffer is drained; in AT17 the
// notice repeats with the growing total and CLOSED comes at once.
//
// Config.Baud paces both directions at the line rate of the current frame
// format (8N1: 10 bits per byte), so a driver's goodput can be compared
// with the wire; AT+UART_CUR changes the rate after its OK has gone out at
// the old one, and AT+RST restores Config.Baud.
//
// # Faults
//
// Config.Faults and methods on *Sim inject the failures a driver must
// survive: Reset (reboot: ready, all links gone without CLOSED), dropped
// or corrupted bytes in either direction (seeded, so runs repeat),
// BusyNext, FailNextSends, Stall (ended early by Resume) and
// LoseNextNotices.
//
// # Simplifications
//
// No radio is simulated: joining an AP from Config.APs succeeds at once
// (after Config.JoinDelay), and the station reports Config.StationIP.
// AT+CWQAP leaves links open. AT+CIPDNS settings are reported but
// resolution always uses Config.Resolve. IPv6 link types (TCPv6, UDPv6,
// SSLv6) answer ERROR. A UDP datagram longer than one +IPD record is
// truncated. When the link of a passthrough session closes, CLOSED is
// printed and host bytes are discarded until "+++" (no reconnection).
// Input arriving while a command runs is not echoed; each line of it gets
// "busy p...". Empty lines are ignored. CIPSEND payload bytes are not
// echoed. After a V2 passive read, the next notice comes with the next
// data to arrive. AT17 prints some non-text bytes (standing for the
// ESP8266 boot log at 74880 baud) before ready.
package espatsim
