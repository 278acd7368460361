package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// clientTLS is the TLS configuration of a yamux+tls:// link: the system
// roots or ca-file=, an optional client certificate, server-name=.
func clientTLS(v *via) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: v.query.Get("server-name")}
	if f := v.query.Get("ca-file"); f != "" {
		pool, err := loadPool(f)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	if v.query.Has("cert-file") {
		cert, err := tls.LoadX509KeyPair(v.query.Get("cert-file"), v.query.Get("key-file"))
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// serverTLS is the gateway's TLS configuration: its certificate and, with
// a client CA, mandatory client certificates signed by it.
func serverTLS(certFile, keyFile, clientCA string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if clientCA != "" {
		pool, err := loadPool(clientCA)
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// loadPool reads PEM certificates into a pool.
func loadPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: %w", file, errNoCerts)
	}
	return pool, nil
}

var errNoCerts = errors.New("no PEM certificate found")
