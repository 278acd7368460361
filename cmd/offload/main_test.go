package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// hangGuard bounds every command a test runs; it is far above the time
// any of them needs, so it only turns a hang into a failure.
const hangGuard = 60 * time.Second

// result is what an in-process run of the command produced.
type result struct {
	code        int
	stdout, err string
}

// runCmd runs the command in-process with stdin and returns its exit
// code and output. e may carry a loopback network; its streams are set
// here.
func runCmd(t *testing.T, e *env, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	if e == nil {
		e = &env{}
	}
	var out, errb bytes.Buffer
	e.in, e.out, e.err = strings.NewReader(stdin), &out, &errb
	code := run(ctx, args, e)
	if ctx.Err() != nil {
		t.Fatalf("offload %s: still running after %v; stderr:\n%s", strings.Join(args, " "), hangGuard, errb.String())
	}
	return result{code, out.String(), errb.String()}
}

// want fails the test unless r exited with code.
func (r result) want(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.err)
	}
}

// lockedBuffer is a bytes.Buffer safe for a command writing while the test
// reads; it reports the first complete line on first.
type lockedBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	first chan string
	sent  bool
}

func newLockedBuffer() *lockedBuffer { return &lockedBuffer{first: make(chan string, 1)} }

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
	if line, _, ok := strings.Cut(l.b.String(), "\n"); ok && !l.sent {
		l.sent = true
		l.first <- line
	}
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// server is a command started in the background by a test.
type server struct {
	first          string // the first line it printed: an address or path
	stdout, stderr *lockedBuffer
	cancel         context.CancelFunc
	done           chan int
}

// startCmd runs a long-running command (gateway, espat-sim) in the
// background until the test ends, and returns once it has printed its
// first line on stdout.
func startCmd(t *testing.T, stdin io.Reader, args ...string) *server {
	t.Helper()
	return startWatching(t, stdin, false, args...)
}

// startWatching is startCmd; with onStderr it waits for the first line
// on stderr instead.
func startWatching(t *testing.T, stdin io.Reader, onStderr bool, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stdout: newLockedBuffer(), stderr: newLockedBuffer(), cancel: cancel, done: make(chan int, 1)}
	go func() { s.done <- run(ctx, args, &env{in: stdin, out: s.stdout, err: s.stderr}) }()
	t.Cleanup(func() { s.stop(t) })
	first := s.stdout.first
	if onStderr {
		first = s.stderr.first
	}
	select {
	case s.first = <-first:
		return s
	case code := <-s.done:
		s.done <- code
		t.Fatalf("offload %s exited with %d before printing; stderr:\n%s", strings.Join(args, " "), code, s.stderr.String())
	case <-time.After(hangGuard):
		t.Fatalf("offload %s printed nothing in %v; stderr:\n%s", strings.Join(args, " "), hangGuard, s.stderr.String())
	}
	return nil
}

// wait waits for the command to end by itself and returns its exit code.
func (s *server) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-s.done:
		s.done <- code
		return code
	case <-time.After(hangGuard):
		t.Fatalf("command did not end in %v; stderr:\n%s", hangGuard, s.stderr.String())
	}
	return -1
}

// stop cancels the command, waits for it and checks it exited cleanly.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	if code := s.wait(t); code != exitOK {
		t.Errorf("command exited with %d; stderr:\n%s", code, s.stderr.String())
	}
}

// writeFile writes content to a new file in the test's directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// keyFile writes a pre-shared key derived from seed (hex, as LoadPSK
// reads it) and returns its path.
func keyFile(t *testing.T, seed string) string {
	t.Helper()
	return writeFile(t, "psk-"+seed, keyHex(seed)+"\n")
}

func keyHex(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:])
}

// firstLine returns the first line of s that contains substr.
func firstLine(s, substr string) string {
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if strings.Contains(sc.Text(), substr) {
			return sc.Text()
		}
	}
	return ""
}
