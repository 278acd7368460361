package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testPKI writes a CA, a server certificate for 127.0.0.1 and a client
// certificate, all PEM, into a temporary directory.
type testPKI struct{ ca, serverCert, serverKey, clientCert, clientKey string }

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, caCert := issue(t, nil, nil, &x509.Certificate{
		Subject: pkix.Name{CommonName: "offload test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	})
	p := testPKI{ca: filepath.Join(dir, "ca.pem")}
	writePEM(t, p.ca, "CERTIFICATE", caCert.Raw)
	srvKey, srv := issue(t, caKey, caCert, &x509.Certificate{
		Subject: pkix.Name{CommonName: "gateway"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	p.serverCert, p.serverKey = writePair(t, dir, "server", srv, srvKey)
	cliKey, cli := issue(t, caKey, caCert, &x509.Certificate{
		Subject: pkix.Name{CommonName: "device"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	p.clientCert, p.clientKey = writePair(t, dir, "client", cli, cliKey)
	return p
}

// issue signs tmpl with the parent (self-signed when parent is nil).
func issue(t *testing.T, parentKey *ecdsa.PrivateKey, parent, tmpl *x509.Certificate) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

func writePair(t *testing.T, dir, name string, cert *x509.Certificate, key *ecdsa.PrivateKey) (string, string) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	c, k := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	writePEM(t, c, "CERTIFICATE", cert.Raw)
	writePEM(t, k, "PRIVATE KEY", der)
	return c, k
}

func writePEM(t *testing.T, name, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestGatewayTLSClientCertificates runs a gateway that authenticates
// links by TLS client certificate alone (--no-auth with --client-ca).
func TestGatewayTLSClientCertificates(t *testing.T) {
	p := newTestPKI(t)
	gw := startCmd(t, nil, "gateway", "--listen", "127.0.0.1:0", "--allow", "127.0.0.1",
		"--tls-cert", p.serverCert, "--tls-key", p.serverKey, "--client-ca", p.ca, "--no-auth")
	host, port := splitHostPort(t, echoServer(t, 0))

	uri := "yamux+tls://" + gw.first + "?ca-file=" + p.ca
	r := runCmd(t, nil, "over TLS", "nc", "--via", uri+"&cert-file="+p.clientCert+"&key-file="+p.clientKey, host, port)
	r.want(t, exitOK)
	if r.stdout != "over TLS" {
		t.Errorf("echo: %q", r.stdout)
	}

	r = runCmd(t, nil, "", "nc", "--via", uri, host, port)
	r.want(t, exitFailure)
	if !strings.Contains(r.err, "certificate") {
		t.Errorf("without a client certificate: stderr %s", r.err)
	}
}

// TestGatewayTLSWithKey runs TLS and the pre-shared key together.
func TestGatewayTLSWithKey(t *testing.T) {
	p := newTestPKI(t)
	psk := keyFile(t, "tls")
	gw := startCmd(t, nil, "gateway", "--listen", "127.0.0.1:0", "--allow", "127.0.0.1", "--psk-file", psk,
		"--tls-cert", p.serverCert, "--tls-key", p.serverKey)
	host, port := splitHostPort(t, echoServer(t, 0))
	r := runCmd(t, nil, "key and TLS", "nc", "--via", "yamux+tls://"+gw.first+"?ca-file="+p.ca+"&psk-file="+psk, host, port)
	r.want(t, exitOK)
	if r.stdout != "key and TLS" {
		t.Errorf("echo: %q", r.stdout)
	}
}
