package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netoffload/offload"
	"github.com/netoffload/offload/backend/loopback"
)

// blobHandler serves /blob (size bytes of the demo pattern) and 404s
// everything else with a short body.
func blobHandler(size int64) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/blob", demoHandler(size))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "nothing here", http.StatusNotFound) })
	return mux
}

func pattern(size int64) []byte {
	b, _ := io.ReadAll(io.LimitReader(&patternReader{}, size))
	return b
}

// loopbackServer starts an httptest server with h on a new in-memory
// loopback network, both closed when the test ends.
func loopbackServer(t *testing.T, h http.Handler) (*loopback.Network, *httptest.Server) {
	t.Helper()
	n := loopback.New(loopback.Config{})
	t.Cleanup(func() { n.Close() })
	ln, err := (&offload.ListenConfig{Backend: n}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return n, srv
}

// TestGetLoopback serves an httptest server on an in-memory loopback
// network and fetches it with offload get --via loopback: on the same
// network.
func TestGetLoopback(t *testing.T) {
	n, srv := loopbackServer(t, blobHandler(3<<20))

	r := runCmd(t, &env{loopback: n}, "", "get", "--via", "loopback:", srv.URL+"/blob")
	r.want(t, exitOK)
	if !bytes.Equal([]byte(r.stdout), pattern(3<<20)) {
		t.Errorf("body: %d bytes, want the 3 MiB pattern", len(r.stdout))
	}
	if !strings.Contains(r.err, "200 OK, 3145728 bytes") {
		t.Errorf("stderr has no summary line:\n%s", r.err)
	}
}

func TestGetNotFoundFails(t *testing.T) {
	n, srv := loopbackServer(t, blobHandler(1))

	r := runCmd(t, &env{loopback: n}, "", "get", "-q", "--via", "loopback:", srv.URL+"/missing")
	r.want(t, exitFailure)
	if r.stdout != "nothing here\n" || !strings.Contains(r.err, "404") {
		t.Errorf("stdout %q, stderr %q", r.stdout, r.err)
	}
}

func TestGetConnectionRefused(t *testing.T) {
	r := runCmd(t, nil, "", "get", "--via", "loopback:", "http://127.0.0.1:8080/")
	r.want(t, exitFailure)
	if !strings.Contains(r.err, "connection refused") {
		t.Errorf("stderr: %s", r.err)
	}
}

// TestGetYamux fetches a kernel httptest server on 127.0.0.1 through a
// gateway started with offload gateway, writing the body to a file.
func TestGetYamux(t *testing.T) {
	srv := httptest.NewServer(blobHandler(2 << 20))
	defer srv.Close()
	psk := keyFile(t, "5a")
	gw := startCmd(t, nil, "gateway", "--listen", "127.0.0.1:0", "--psk-file", psk, "--allow", "127.0.0.1")

	out := filepath.Join(t.TempDir(), "blob")
	r := runCmd(t, nil, "", "get", "--via", "yamux://"+gw.first+"?psk-file="+psk, "-o", out, srv.URL+"/blob")
	r.want(t, exitOK)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != sha256.Sum256(pattern(2<<20)) || r.stdout != "" {
		t.Errorf("file has %d bytes, stdout %d bytes", len(got), len(r.stdout))
	}
}
