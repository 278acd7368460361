package espatsim_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/netoffload/offload/backend/espat/espatsim"
)

// readUntil reads from r until the bytes read end with suffix.
func readUntil(r io.Reader, suffix string) string {
	var buf bytes.Buffer
	b := make([]byte, 1)
	for !strings.HasSuffix(buf.String(), suffix) {
		if _, err := r.Read(b); err != nil {
			break
		}
		buf.Write(b)
	}
	return buf.String()
}

// A modem on an in-process UART: the host end answers like a serial port.
func ExamplePipe() {
	port, _ := espatsim.Pipe(espatsim.Config{})
	defer port.Close()

	fmt.Printf("%q\n", readUntil(port, "ready\r\n"))
	io.WriteString(port, "ATE0\r\n")
	fmt.Printf("%q\n", readUntil(port, "OK\r\n"))
	io.WriteString(port, "AT+CIPMUX?\r\n")
	fmt.Printf("%q\n", readUntil(port, "OK\r\n"))
	// Output:
	// "\r\nready\r\n"
	// "ATE0\r\n\r\nOK\r\n"
	// "+CIPMUX:0\r\n\r\nOK\r\n"
}

// A TCP link to a server on this machine: CIPSTART, CIPSEND, and the
// server's reply as +IPD.
func Example_link() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		b := make([]byte, 4)
		io.ReadFull(c, b)
		c.Write(bytes.ToUpper(b))
	}()

	port, _ := espatsim.Pipe(espatsim.Config{
		APs:          []espatsim.AccessPoint{{SSID: "lab", Password: "secret"}},
		AutoJoin:     "lab",
		NoBootBanner: true,
	})
	defer port.Close()
	send := func(line, until string) {
		io.WriteString(port, line)
		fmt.Printf("%q\n", readUntil(port, until))
	}
	send("ATE0\r\n", "OK\r\n")
	send("AT+CIPMUX=1\r\n", "OK\r\n")
	send(fmt.Sprintf("AT+CIPSTART=0,\"TCP\",\"127.0.0.1\",%d\r\n", ln.Addr().(*net.TCPAddr).Port), "OK\r\n")
	send("AT+CIPSEND=0,4\r\n", ">")
	send("ping", "SEND OK\r\n")
	fmt.Printf("%q\n", readUntil(port, "PING"))
	// Output:
	// "ATE0\r\n\r\nOK\r\n"
	// "\r\nOK\r\n"
	// "0,CONNECT\r\n\r\nOK\r\n"
	// "\r\nOK\r\n\r\n>"
	// "\r\nRecv 4 bytes\r\n\r\nSEND OK\r\n"
	// "\r\n+IPD,0,4:PING"
}

// The ESP8266 AT 1.7 dialect differs in many details, such as the prompt.
func ExampleConfig_dialect() {
	d, _ := espatsim.ParseDialect("esp8266")
	port, _ := espatsim.Pipe(espatsim.Config{Dialect: d, NoBootBanner: true})
	defer port.Close()
	io.WriteString(port, "ATE0\r\n")
	readUntil(port, "OK\r\n")
	io.WriteString(port, "AT+CWJAP_CUR=\"nope\",\"x\"\r\n")
	fmt.Printf("%q\n", readUntil(port, "FAIL\r\n"))
	// Output:
	// "+CWJAP:3\r\n\r\nFAIL\r\n"
}

// Injected faults: the next command is answered busy, then a reboot.
func ExampleSim_Reset() {
	port, sim := espatsim.Pipe(espatsim.Config{NoBootBanner: true})
	defer port.Close()
	sim.BusyNext(1)
	io.WriteString(port, "AT\r\n")
	fmt.Printf("%q\n", readUntil(port, "busy p...\r\n"))
	sim.Reset()
	fmt.Printf("%q\n", readUntil(port, "ready\r\n"))
	// Output:
	// "AT\r\n\r\nbusy p...\r\n"
	// "\r\nready\r\n"
}

// A serial-over-TCP bridge: every connection is a fresh modem.
func ExampleServeListener() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- espatsim.ServeListener(ctx, ln, espatsim.Config{NoBootBanner: true}) }()

	conn, _ := net.Dial("tcp", ln.Addr().String())
	io.WriteString(conn, "AT\r\n")
	fmt.Printf("%q\n", readUntil(conn, "OK\r\n"))
	conn.Close()
	cancel()
	fmt.Println(<-done)
	// Output:
	// "AT\r\n\r\nOK\r\n"
	// <nil>
}

// ServePTY prints a device path for screen, minicom or a serial library.
func ExampleServePTY() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := espatsim.ServePTY(ctx, espatsim.Config{Baud: 115200}, func(path string) {
		fmt.Println("modem on", path) // e.g. screen /dev/pts/3 115200
	})
	if err != nil {
		fmt.Println(err)
	}
}
