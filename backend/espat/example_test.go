package espat_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/espat"
	"github.com/netoffload/offload/backend/espat/espatsim"
)

// A simulated ESP32 on an in-process UART stands in for a real modem (use
// espat.OpenSerial("/dev/ttyUSB0", cfg) for one). Its network is this
// host, so it can reach a server on the loopback.
func Example() {
	host, sim := espatsim.Pipe(espatsim.Config{
		APs: []espatsim.AccessPoint{{SSID: "lab", Password: "secret"}},
	})
	defer sim.Close()
	m, err := espat.Open(host, espat.Config{SSID: "lab", Password: "secret"})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0") // a server on the host
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(c, c) // echo
			c.Close()
		}
	}()

	d := offload.Dialer{Backend: m, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "hello through AT+CIPSEND")
	buf := make([]byte, 24)
	if _, err := io.ReadFull(c, buf); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", buf)
	// Output: hello through AT+CIPSEND
}

// An HTTP server on the modem (AT+CIPSERVER), fetched by a client on the
// host.
func Example_server() {
	host, sim := espatsim.Pipe(espatsim.Config{
		APs:      []espatsim.AccessPoint{{SSID: "lab"}},
		AutoJoin: "lab", // the modem joins its saved network at power-up
	})
	defer sim.Close()
	m, err := espat.Open(host, espat.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	lc := offload.ListenConfig{Backend: m}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "served by an ESP32")
	})}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(string(body))
	// Output: served by an ESP32
}
