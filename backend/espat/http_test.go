package espat

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/netoffload/offload"
)

// TestHTTPServer serves HTTP on an espat Listener; a plain net/http
// client on the host reaches it through the modem's uplink.
func TestHTTPServer(t *testing.T) {
	m, _ := openSim(t, simConfig(), Config{})
	lc := offload.ListenConfig{Backend: m}
	ln, err := lc.Listen(testCtx(t), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("offloaded ", 5000)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s from %s\n%s", r.Method, r.URL.Path, r.RemoteAddr, body)
	})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		srv.Shutdown(context.Background())
		if err := <-served; err != http.ErrServerClosed {
			t.Errorf("Serve: %v", err)
		}
	}()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for i := range 3 { // keep-alive: the same conn serves them all
		resp, err := client.Get(fmt.Sprintf("http://%s/req%d", ln.Addr(), i))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("GET /req%d from 127.0.0.1:", i); !strings.HasPrefix(string(got), want) || !strings.HasSuffix(string(got), body) {
			t.Fatalf("response %q..., want %q...", got[:min(len(got), 60)], want)
		}
	}
}

// TestHTTPClient fetches from a local httptest server through an espat
// Dialer, resolving the server's name with AT+CIPDOMAIN.
func TestHTTPClient(t *testing.T) {
	body := strings.Repeat("0123456789", 20000)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, body)
	}))
	defer ts.Close()
	_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
	scfg := simConfig()
	scfg.Resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
		if host == "web.test" {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	m, _ := openSim(t, scfg, Config{})
	d := &offload.Dialer{Backend: m}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	defer client.CloseIdleConnections()
	resp, err := client.Post("http://web.test:"+port+"/upload", "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(got) != body {
		t.Fatalf("body: %d bytes, %v; want %d bytes", len(got), err, len(body))
	}
	if _, err := client.Get("http://nowhere.test:" + port + "/"); err == nil {
		t.Fatal("GET of an unknown host succeeded")
	}
}
