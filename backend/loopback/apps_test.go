package loopback_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/loopback"
	"github.com/netoffload/offload/internal/testnet"
)

// TestHTTP serves http.Server on a loopback Listener of db.test and
// fetches through http.Transport dialing from app.test by name.
func TestHTTP(t *testing.T) {
	n := newNet(t, twoHosts(loopback.Config{}))
	ln := listen(t, n.Host("db.test"), "db.test:8080")
	big := payload(1 << 20)
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(big) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s from %s", r.URL.Path, r.RemoteAddr)
	})
	srv := &http.Server{Handler: mux}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	}()

	tr := &http.Transport{DialContext: (&offload.Dialer{Backend: n.Host("app.test")}).DialContext}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: hangGuard}
	for i := range 3 { // reuses the kept-alive conn
		resp, err := client.Get(fmt.Sprintf("http://db.test:8080/x%d", i))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := fmt.Sprintf("hello /x%d from 192.0.2.20:", i)
		if err != nil || !bytes.HasPrefix(body, []byte(want)) {
			t.Fatalf("body %q, %v; want prefix %q", body, err, want)
		}
	}
	// A large response body, compared byte for byte.
	resp, err := client.Get("http://db.test:8080/big")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if body, err := io.ReadAll(resp.Body); err != nil || !bytes.Equal(body, big) {
		t.Fatalf("large body: %d bytes, %v", len(body), err)
	}
}

// selfSigned returns a server certificate for name and a pool trusting it.
func selfSigned(t *testing.T, name string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	cert, pool, err := testnet.SelfSigned(name)
	if err != nil {
		t.Fatal(err)
	}
	return cert, pool
}

func TestTLS(t *testing.T) {
	for _, cfg := range []loopback.Config{{}, {ShapeAll: true}} {
		t.Run(fmt.Sprintf("ShapeAll=%v", cfg.ShapeAll), func(t *testing.T) {
			n := newNet(t, twoHosts(cfg))
			c, s := dbPair(t, n)
			cert, pool := selfSigned(t, "db.test")
			server := tls.Server(s, &tls.Config{Certificates: []tls.Certificate{cert}})
			client := tls.Client(c, &tls.Config{RootCAs: pool, ServerName: "db.test"})
			defer server.Close()
			defer client.Close()
			c.SetDeadline(time.Now().Add(hangGuard))
			s.SetDeadline(time.Now().Add(hangGuard))

			echoed := make(chan error, 1)
			go func() {
				_, err := io.Copy(server, server) // echo until the client's close_notify
				if err == nil {
					err = server.CloseWrite()
				}
				echoed <- err
			}()
			data := payload(300_000)
			wrote := make(chan error, 1)
			go func() {
				_, err := client.Write(data)
				if err == nil {
					err = client.CloseWrite()
				}
				wrote <- err
			}()
			got, err := io.ReadAll(client)
			if err != nil {
				t.Fatalf("client read: %v", err)
			}
			if err := <-wrote; err != nil {
				t.Fatalf("client write: %v", err)
			}
			if err := <-echoed; err != nil {
				t.Fatalf("server echo: %v", err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("echoed %d bytes, want %d intact", len(got), len(data))
			}
			if st := client.ConnectionState(); !st.HandshakeComplete || st.ServerName != "db.test" {
				t.Fatalf("handshake state %+v", st)
			}
		})
	}
}
