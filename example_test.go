package offload_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/netip"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/loopback"
)

// Dial a stream connection through a backend, here the in-memory
// loopback network, and talk to an echo server on it.
func Example_dial() {
	n := loopback.New(loopback.Config{})
	defer n.Close()

	ln, err := (&offload.ListenConfig{Backend: n}).Listen(context.Background(), "tcp", "127.0.0.1:7")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() { // echo server
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(c, c)
		c.Close()
	}()

	d := &offload.Dialer{Backend: n, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", "127.0.0.1:7")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "hello, offload")
	c.(*offload.Conn).CloseWrite() // the server sees io.EOF and ends the echo
	reply, _ := io.ReadAll(c)
	fmt.Println(string(reply))
	<-done
	// Output: hello, offload
}

// Serve an http.Server on an offload Listener. The listener is on a named
// machine of the loopback network; a raw HTTP/1.0 request is sent to it
// through a Dialer that resolves the name with the network's resolver.
func ExampleListenConfig_Listen() {
	n := loopback.New(loopback.Config{
		Hosts: []loopback.Host{{Name: "web.test", Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.80")}}},
	})
	defer n.Close()

	lc := &offload.ListenConfig{Backend: n.Host("web.test")}
	ln, err := lc.Listen(context.Background(), "tcp", "web.test:80")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "served on", r.Host)
	})}
	go srv.Serve(ln)
	defer srv.Close()

	c, err := (&offload.Dialer{Backend: n}).Dial("tcp", "web.test:80")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "GET / HTTP/1.0\r\nHost: web.test\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status)
	fmt.Print(string(body))
	// Output:
	// 200 OK
	// served on web.test
}

// Register a backend as the default, the Go form of Zephyr's
// socket_offload_register: the package-level Dial, Listen and
// ListenPacket, and zero Dialers and ListenConfigs, then use it.
func ExampleRegister() {
	n := loopback.New(loopback.Config{})
	defer n.Close()
	offload.Register(n)
	defer offload.Register(nil) // unregister

	pc, err := offload.ListenPacket("udp", "127.0.0.1:5353")
	if err != nil {
		log.Fatal(err)
	}
	defer pc.Close()
	c, err := offload.Dial("udp", "127.0.0.1:5353")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("one datagram"))

	buf := make([]byte, 64)
	k, from, err := pc.ReadFrom(buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q from the dialer: %v\n", buf[:k], from.String() == c.LocalAddr().String())
	// Output: "one datagram" from the dialer: true
}

// Use a Dialer as an http.Transport's DialContext, so an http.Client
// reaches servers through the offload backend.
func ExampleDialer_DialContext() {
	n := loopback.New(loopback.Config{})
	defer n.Close()
	ln, err := (&offload.ListenConfig{Backend: n}).Listen(context.Background(), "tcp", "127.0.0.1:8080")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", r.Method, r.URL.Path)
	})}
	go srv.Serve(ln)
	defer srv.Close()

	d := &offload.Dialer{Backend: n, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	resp, err := client.Get("http://localhost:8080/status")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 GET /status
}
