package yamux_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/yamux"
)

// A device dials through a gateway. Here the link is an in-memory pipe
// and the destination an echo server on 127.0.0.1; in real use the link
// is a TCP, TLS or serial connection to another host.
func Example() {
	echo, _ := net.Listen("tcp", "127.0.0.1:0")
	defer echo.Close()
	go func() {
		c, err := echo.Accept()
		if err == nil {
			io.Copy(c, c)
			c.Close()
		}
	}()

	key := []byte("a pre-shared key of 16 bytes or more")
	rule, _ := yamux.ParseAllowRule(echo.Addr().String())
	g := &yamux.Gateway{PSK: key, Allow: []yamux.Rule{rule}, Logger: slog.New(slog.DiscardHandler)}
	deviceEnd, gatewayEnd := net.Pipe()
	served := make(chan error, 1)
	go func() { served <- g.ServeConn(gatewayEnd) }()

	b, err := yamux.Client(deviceEnd, &yamux.Config{PSK: key})
	if err != nil {
		fmt.Println(err)
		return
	}
	d := offload.Dialer{Backend: b}
	c, err := d.Dial("tcp", echo.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Write([]byte("hello through the gateway"))
	c.(*offload.Conn).CloseWrite()
	reply, _ := io.ReadAll(c)
	fmt.Println(string(reply))

	_, err = d.Dial("tcp", "127.0.0.1:1") // not allowed by the gateway
	fmt.Println(err)

	c.Close()
	b.Close()
	<-served
	// Output:
	// hello through the gateway
	// dial tcp 127.0.0.1:1: permission denied
}

// Rules for the gateway's --allow and --allow-listen flags.
func ExampleParseAllowRule() {
	r, _ := yamux.ParseAllowRule("10.0.0.0/8:80,443,8000-8080")
	fmt.Println(r)
	fmt.Println(r.Allows(netip.MustParseAddrPort("10.1.2.3:443")))
	fmt.Println(r.Allows(netip.MustParseAddrPort("10.1.2.3:22")))
	ports, _ := yamux.ParsePortRanges("8080,9000-9009")
	fmt.Println(ports.Contains(9005))
	// Output:
	// 10.0.0.0/8:80,443,8000-8080
	// true
	// false
	// true
}

// A gateway serving TCP links; devices connect with Client over a
// net.Dial to this address.
func ExampleGateway_Serve() {
	key := []byte("a pre-shared key of 16 bytes or more")
	ports, _ := yamux.ParsePortRanges("8080")
	g := &yamux.Gateway{
		PSK:         key,
		AllowListen: ports, // devices may listen on :8080 here, and dial nothing
		Logger:      slog.New(slog.DiscardHandler),
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	done := make(chan error, 1)
	go func() { done <- g.Serve(ln) }()

	link, _ := net.Dial("tcp", ln.Addr().String())
	b, err := yamux.Client(link, &yamux.Config{PSK: key})
	if err != nil {
		fmt.Println(err)
		return
	}
	lc := offload.ListenConfig{Backend: b}
	_, err = lc.Listen(context.Background(), "tcp", "127.0.0.1:9999")
	fmt.Println(err)
	b.Close()
	g.Close()
	fmt.Println(<-done)
	// Output:
	// listen tcp 127.0.0.1:9999: permission denied
	// yamux: gateway closed
}

// A program that writes, closes its conn and exits calls Shutdown
// instead of Close, so that the bytes still on their way (and the FIN)
// reach the far peer before the link goes.
func ExampleBackend_Shutdown() {
	sink, _ := net.Listen("tcp", "127.0.0.1:0")
	defer sink.Close()
	got := make(chan int64, 1)
	go func() {
		c, err := sink.Accept()
		if err != nil {
			got <- -1
			return
		}
		n, _ := io.Copy(io.Discard, c) // until the device's FIN
		c.Close()
		got <- n
	}()

	g := &yamux.Gateway{NoAuth: true, AllowAll: true, Logger: slog.New(slog.DiscardHandler)}
	deviceEnd, gatewayEnd := net.Pipe()
	served := make(chan error, 1)
	go func() { served <- g.ServeConn(gatewayEnd) }()
	b, err := yamux.Client(deviceEnd, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := (&offload.Dialer{Backend: b}).Dial("tcp", sink.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Write(make([]byte, 1<<20))
	c.Close() // returns at once: the bytes are queued, not yet delivered

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fmt.Println(b.Shutdown(ctx))
	fmt.Println(<-got)
	fmt.Println(<-served)
	// Output:
	// <nil>
	// 1048576
	// <nil>
}
