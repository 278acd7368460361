package main

import (
	"encoding/xml"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchSVG runs the whole matrix with a tiny duration and checks the
// table and that the chart is well-formed SVG naming every series.
func TestBenchSVG(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bench.svg")
	r := runCmd(t, nil, "", "bench", "--duration", "5ms", "--out", out)
	r.want(t, exitOK)
	names := []string{"loopback", "yamux (net.Pipe link)", "espat (emulator, unpaced)", "net.Pipe", "tcp 127.0.0.1", "unix socket"}
	for _, n := range names {
		if !strings.Contains(r.stdout, n) {
			t.Errorf("table has no row %q:\n%s", n, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "FAIL") {
		t.Errorf("failed cells:\n%s", r.stdout)
	}
	if n := strings.Count(r.err, "MB/s"); n != len(names)*len(benchSizes) {
		t.Errorf("%d progress lines on stderr, want %d:\n%s", n, len(names)*len(benchSizes), r.err)
	}
	svg := checkSVG(t, out)
	for _, n := range names {
		if !strings.Contains(svg, n) {
			t.Errorf("chart has no series %q", n)
		}
	}
}

// TestBenchPNG writes a PNG chart of a subset.
func TestBenchPNG(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bench.png")
	r := runCmd(t, nil, "", "bench", "-q", "--duration", "5ms", "--only", "net.Pipe,loopback", "--out", out)
	r.want(t, exitOK)
	if r.err != "" {
		t.Errorf("-q: stderr %q", r.err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 300 {
		t.Errorf("chart is %v", b)
	}
}

// checkSVG parses the file as XML with an <svg> root and returns it.
func checkSVG(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(strings.NewReader(string(b)))
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Fatalf("chart root element is %q, want svg", root)
	}
	return string(b)
}
