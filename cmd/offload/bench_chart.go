package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// chartFormat picks the renderer from the file name: .svg or .png.
func chartFormat(name string) (chart.RendererProvider, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".svg":
		return chart.SVG, nil
	case ".png":
		return chart.PNG, nil
	}
	return nil, usagef("bench: --out must end in .svg or .png, got %q", name)
}

// writeChart draws throughput by write size, one line per series, on a
// logarithmic MB/s axis, and writes it to the file name.
func writeChart(name string, sizes []int, rows []benchRow) error {
	format, err := chartFormat(name)
	if err != nil {
		return err
	}
	g := throughputChart(sizes, rows)
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := g.Render(format, f); err != nil {
		f.Close()
		return fmt.Errorf("chart: %w", err)
	}
	return f.Close()
}

// throughputChart builds the chart. go-chart has no log axis of its own
// here, so values are plotted as log10(MB/s) with ticks at powers of ten.
func throughputChart(sizes []int, rows []benchRow) *chart.Chart {
	lo, hi := math.Inf(1), math.Inf(-1)
	var series []chart.Series
	for i, r := range rows {
		s := chart.ContinuousSeries{Name: r.name, Style: seriesStyle(i, r.peer)}
		for j, v := range r.mbps {
			if r.errs[j] != nil || v <= 0 {
				continue
			}
			y := math.Log10(v)
			lo, hi = math.Min(lo, y), math.Max(hi, y)
			s.XValues = append(s.XValues, float64(j))
			s.YValues = append(s.YValues, y)
		}
		if len(s.XValues) > 0 {
			series = append(series, s)
		}
	}
	if len(series) == 0 {
		lo, hi = 0, 1
	}
	g := &chart.Chart{
		Title:      "offload bench: throughput by write size",
		TitleStyle: chart.Style{FontSize: 14},
		Width:      900,
		Height:     520,
		Background: chart.Style{Padding: chart.Box{Top: 50, Left: 210, Right: 20, Bottom: 20}},
		XAxis:      chart.XAxis{Name: "write size", Ticks: sizeTicks(sizes), Range: &chart.ContinuousRange{Min: -0.2, Max: float64(len(sizes)) - 0.8}},
		YAxis:      logAxis(math.Floor(lo), math.Ceil(hi)),
		Series:     series,
	}
	g.Elements = []chart.Renderable{chart.LegendLeft(g)}
	return g
}

// palette holds colours told apart also with colour-blindness
// (Okabe and Ito).
var palette = []drawing.Color{
	{R: 0, G: 114, B: 178, A: 255},   // blue
	{R: 230, G: 159, B: 0, A: 255},   // orange
	{R: 0, G: 158, B: 115, A: 255},   // green
	{R: 204, G: 121, B: 167, A: 255}, // reddish purple
	{R: 86, G: 180, B: 233, A: 255},  // sky blue
	{R: 213, G: 94, B: 0, A: 255},    // vermillion
	{R: 0, G: 0, B: 0, A: 255},       // black
}

// seriesStyle gives series i a distinct colour and visible points;
// peers are drawn dashed and thinner than offload's backends.
func seriesStyle(i int, peer bool) chart.Style {
	c := palette[i%len(palette)]
	st := chart.Style{StrokeColor: c, StrokeWidth: 3, DotColor: c, DotWidth: 4}
	if peer {
		st.StrokeWidth = 1.5
		st.StrokeDashArray = []float64{6, 4}
	}
	return st
}

// sizeTicks labels the x positions 0, 1, … with the write sizes.
func sizeTicks(sizes []int) []chart.Tick {
	ticks := make([]chart.Tick, len(sizes))
	for i, s := range sizes {
		ticks[i] = chart.Tick{Value: float64(i), Label: sizeLabel(s)}
	}
	return ticks
}

// logAxis is a y axis over log10 values lo..hi with ticks at each power
// of ten, labelled in MB/s.
func logAxis(lo, hi float64) chart.YAxis {
	if hi <= lo {
		hi = lo + 1
	}
	var ticks []chart.Tick
	for e := lo; e <= hi; e++ {
		ticks = append(ticks, chart.Tick{Value: e, Label: mbpsLabel(math.Pow(10, e))})
	}
	return chart.YAxis{
		Name:           "MB/s (log scale)",
		Range:          &chart.ContinuousRange{Min: lo, Max: hi},
		Ticks:          ticks,
		GridMajorStyle: chart.Style{StrokeColor: chart.ColorAlternateGray, StrokeWidth: 1},
		GridLines:      gridLines(ticks),
	}
}

func gridLines(ticks []chart.Tick) []chart.GridLine {
	lines := make([]chart.GridLine, len(ticks))
	for i, t := range ticks {
		lines[i] = chart.GridLine{Value: t.Value}
	}
	return lines
}

// mbpsLabel prints a power of ten without trailing zeros.
func mbpsLabel(v float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

// sizeLabel prints a write size: 64 B, 1 KiB, 32 KiB.
func sizeLabel(n int) string {
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
