package espatsim

import (
	"context"
	"io"
	"net/netip"
	"testing"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/loopback"
)

// The uplink functions take the library's own Dialer and ListenConfig:
// here the modem's links run over the in-memory loopback network.
func TestUplinkOverLoopbackBackend(t *testing.T) {
	srvAddr := netip.MustParseAddr("192.0.2.10")
	n := loopback.New(loopback.Config{Hosts: []loopback.Host{{Name: "srv.test", Addrs: []netip.Addr{srvAddr}}}})
	defer n.Close()
	ctx := context.Background()
	ln, err := (&offload.ListenConfig{Backend: n.Host("srv.test")}).Listen(ctx, "tcp", "192.0.2.10:7")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c) // echo
	}()

	cfg := baseConfig(V2)
	cfg.Dial = (&offload.Dialer{Backend: n}).DialContext
	cfg.Listen = (&offload.ListenConfig{Backend: n}).Listen
	cfg.ListenPacket = (&offload.ListenConfig{Backend: n}).ListenPacket
	cfg.Resolve = n.LookupHost
	h := newQuietHost(t, cfg)
	h.cmd(`AT+CIPDOMAIN="srv.test"`, "+CIPDOMAIN:\"192.0.2.10\"\r\n\r\nOK\r\n")
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	h.cmd(`AT+CIPSTART=0,"TCP","srv.test",7`, "0,CONNECT\r\n\r\nOK\r\n")
	h.simSend("0", "", "echo me")
	h.expect("\r\n+IPD,0,7:echo me")
	h.cmd("AT+CIPCLOSE=0", "0,CLOSED\r\n\r\nOK\r\n")
	<-served
}
