package espatsim

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"testing"

	"github.com/netoffload/offload/internal/testnet"
)

func TestSSLClient(t *testing.T) {
	cert, pool := selfSigned(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p := &peer{t: t, ln: ln}
	cfg := baseConfig(V2)
	cfg.TLSConfig = &tls.Config{RootCAs: pool}
	h := newQuietHost(t, cfg)
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.(*tls.Conn).Handshake()
		}
		accepted <- c
	}()
	h.cmd(fmt.Sprintf(`AT+CIPSTART=0,"SSL","127.0.0.1",%d`, p.port()), "0,CONNECT\r\n\r\nOK\r\n")
	c := <-accepted
	if c == nil {
		t.Fatal("accept failed")
	}
	defer c.Close()
	h.simSend("0", "", "secret")
	if got := readFull(t, c, 6); string(got) != "secret" {
		t.Fatalf("got %q", got)
	}
	c.Write([]byte("hello"))
	h.expect("\r\n+IPD,0,5:hello")
	h.cmd("AT+CIPSTATUS", fmt.Sprintf("STATUS:3\r\n+CIPSTATUS:0,\"SSL\",\"127.0.0.1\",%d,%d,0\r\n\r\nOK\r\n",
		p.port(), c.RemoteAddr().(*net.TCPAddr).Port))
}

func TestSSLClientBadCert(t *testing.T) {
	cert, _ := selfSigned(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if c, err := ln.Accept(); err == nil {
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	h := newQuietHost(t, baseConfig(V2)) // the system roots do not trust the test cert
	h.cmd(fmt.Sprintf(`AT+CIPSTART="SSL","127.0.0.1",%d`, ln.Addr().(*net.TCPAddr).Port), "\r\nERROR\r\n")
	<-done
}

func TestSSLServer(t *testing.T) {
	cert, pool := selfSigned(t)
	cfg := serverConfig(V2)
	h0 := newQuietHost(t, cfg)
	h0.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	h0.cmd(`AT+CIPSERVER=1,443,"SSL"`, "\r\nERROR\r\n") // no certificate configured

	cfg.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	h := newQuietHost(t, cfg)
	h.cmd("AT+CIPMUX=1", "\r\nOK\r\n")
	h.cmd(`AT+CIPSERVER=1,443,"SSL"`, "\r\nOK\r\n")
	h.cmd("AT+CIPSERVER?", "+CIPSERVER:1,443,\"SSL\",0\r\n\r\nOK\r\n")
	c, err := tls.Dial("tcp", h.sim.ServerAddr().String(), &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h.expect("0,CONNECT\r\n")
	c.Write([]byte("tls!"))
	h.expect("\r\n+IPD,0,4:tls!")
}

// selfSigned is a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	cert, pool, err := testnet.SelfSigned("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return cert, pool
}
