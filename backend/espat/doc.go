// Package espat is the ESP-AT host driver: an offload backend that gives Go
// programs net.Conn, net.Listener and net.PacketConn values whose TCP/IP
// runs on an Espressif ESP32 or ESP8266 modem behind a UART, driven with
// AT commands. It is what Zephyr's drivers/wifi/esp_at is to
// net_offload, with TCP servers, DNS through the modem, chunked and
// coalesced sends, and flow-controlled receive added.
//
// # Usage
//
//	m, err := espat.OpenSerial("/dev/ttyUSB0", espat.Config{
//		Baud: 115200, SwitchBaud: 921600, FlowControl: true,
//		SSID: "lab", Password: "secret",
//	})
//	if err != nil { … }
//	defer m.Close()
//	d := offload.Dialer{Backend: m} // DNS goes through AT+CIPDOMAIN
//	conn, err := d.DialContext(ctx, "tcp", "example.com:80")
//	lc := offload.ListenConfig{Backend: m}
//	ln, err := lc.Listen(ctx, "tcp", ":8080") // AT+CIPSERVER
//	pc, err := lc.ListenPacket(ctx, "udp", ":9000")
//
// Open takes any io.ReadWriter (a pipe to an emulator, a TCP serial
// bridge); OpenSerial opens a device with go.bug.st/serial.
//
// # Start-up
//
// Open probes with AT until the modem answers, turns echo off (ATE0),
// optionally moves the line to a faster rate (AT+UART_CUR, then the port),
// detects the firmware dialect from AT+GMR (v2+ or AT 1.x), selects
// multiple links (AT+CIPMUX=1), +LINK_CONN reports (AT+SYSMSG=2, v2),
// passive or active receive (AT+CIPRECVMODE), joins Config.SSID
// (AT+CWJAP, parameters escaped) and reads the station address
// (AT+CIPSTA?, else AT+CIFSR).
//
// # How it works
//
// A reader goroutine parses everything the modem sends: lines,
// length-prefixed +IPD and +CIPRECVDATA payloads (read straight into the
// connection's receive buffer) and the '>' send prompt. Unsolicited lines
// (<id>,CONNECT, <id>,CLOSED, +IPD notices, ready, WIFI ...) are
// dispatched at any time, even in the middle of another command's answer.
// The reader never blocks on the application.
//
// An engine goroutine runs one command at a time: operations callers
// queue (connect, listen, close, lookup, datagram sends) and the data
// path. The data path first reads what the modem holds (AT+CIPRECVDATA,
// sized to the free space of the connection's receive buffer, so a slow
// reader slows the remote sender through the modem's TCP window and
// nothing is dropped), then turns pending bytes into AT+CIPSEND chunks of
// up to the dialect's limit (8192 bytes on v2, 2048 on the ESP8266 and
// 1.x), packing many small writes into one send, visiting the links
// round-robin. A link whose send fails (SEND FAIL, or no answer) is
// aborted with a sticky error: a stream never has a hole. AT+CIPRECVLEN?
// is polled now and then in case a +IPD notice was lost.
//
// "busy p..." answers are retried with backoff. Every command has a
// timeout; after one, the engine resynchronises (it queries until the
// answer to its own query arrives) before the next command, so late
// answers are never taken for new ones. Garbage on the line is dropped up
// to the next line end. An unsolicited "ready" (the modem restarted) fails
// every connection and the listener with ErrModemReset (ECONNRESET) and
// runs start-up again; new dials then work.
//
// # Limits and differences from kernel sockets
//
//   - Five links (ids 0-4) in all: dials, accepted connections and UDP
//     sockets. Beyond that, EMFILE.
//   - One TCP listener per modem (AT+CIPSERVER); a second gets
//     EADDRINUSE. Port 0 picks a random port from 49152-65535.
//   - No half-close: CloseWrite returns ErrNoHalfClose (errors.Is
//     errors.ErrUnsupported); Close flushes what was written, then closes
//     the link (AT+CIPCLOSE).
//   - IPv4 only. Datagrams up to 2920 bytes (1460 on the ESP8266 and 1.x).
//   - Active receive (Config.ActiveReceive) has no flow control: a
//     connection whose receive buffer is full fails with ErrOverrun.
//   - On AT 1.x in passive mode the modem does not report datagram
//     sources, so unconnected UDP (ListenPacket) needs ActiveReceive.
//   - One command at a time is the protocol's nature: a send the modem
//     cannot pass on (the peer's window is closed) holds up every link
//     until it completes or Config.SendTimeout poisons it. Two links of
//     the same modem connected to each other can therefore stall when a
//     reader stops reading; that is a property of ESP-AT, not of this
//     driver.
//
// # Lock order
//
// socket.mu, then Modem.mu, then link.markMu; Buffer and PacketQueue
// methods are called with none of them held except that markMu covers
// the non-blocking Discard/Buffered of a link's send buffer. Modem.mu is
// never held across anything that blocks.
package espat
