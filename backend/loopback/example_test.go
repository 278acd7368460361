package loopback_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"syscall"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/loopback"
)

// Two machines on one in-memory network: a server on db.test, reached by
// name from localhost.
func Example() {
	n := loopback.New(loopback.Config{
		Hosts: []loopback.Host{{Name: "db.test", Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.10")}}},
	})
	defer n.Close()
	ctx := context.Background()

	ln, err := (&offload.ListenConfig{Backend: n.Host("db.test")}).Listen(ctx, "tcp", ":5432")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.WriteString(c, "hello from "+c.LocalAddr().String())
		c.Close()
	}()

	c, err := (&offload.Dialer{Backend: n}).DialContext(ctx, "tcp", "db.test:5432")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	msg, _ := io.ReadAll(c)
	fmt.Println(string(msg))
	// Output: hello from 192.0.2.10:5432
}

// A partition stalls a connection without breaking it: the reader times
// out, and after Heal the bytes arrive.
func ExampleNetwork_Partition() {
	n := loopback.New(loopback.Config{
		Hosts: []loopback.Host{{Name: "db.test", Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.10")}}},
	})
	defer n.Close()
	ctx := context.Background()
	ln, _ := (&offload.ListenConfig{Backend: n.Host("db.test")}).Listen(ctx, "tcp", "192.0.2.10:5432")
	defer ln.Close()
	client, _ := (&offload.Dialer{Backend: n}).DialContext(ctx, "tcp", "db.test:5432")
	defer client.Close()
	server, _ := ln.Accept()
	defer server.Close()

	n.Partition("localhost", "db.test")
	client.Write([]byte("query"))
	server.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err := server.Read(make([]byte, 5))
	fmt.Println("during the partition:", errors.Is(err, os.ErrDeadlineExceeded))

	n.Heal("localhost", "db.test")
	server.SetReadDeadline(time.Time{})
	buf := make([]byte, 5)
	io.ReadFull(server, buf)
	fmt.Println("after healing:", string(buf))
	// Output:
	// during the partition: true
	// after healing: query
}

// Reset gives both ends of a connection ECONNRESET, as a peer's RST does.
func ExampleNetwork_Reset() {
	n := loopback.New(loopback.Config{})
	defer n.Close()
	ctx := context.Background()
	ln, _ := (&offload.ListenConfig{Backend: n}).Listen(ctx, "tcp", "127.0.0.1:0")
	defer ln.Close()
	client, _ := (&offload.Dialer{Backend: n}).DialContext(ctx, "tcp", ln.Addr().String())
	defer client.Close()
	server, _ := ln.Accept()
	defer server.Close()

	local := netip.MustParseAddrPort(client.LocalAddr().String())
	remote := netip.MustParseAddrPort(client.RemoteAddr().String())
	n.Reset(local, remote)
	_, err := client.Read(make([]byte, 1))
	fmt.Println(errors.Is(err, syscall.ECONNRESET))
	// Output: true
}
