package harness

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/pgmoon-go/pgmoon/bench/workload"
)

// WriteSVG draws the ratios to pgx as horizontal bars, one group per CPU
// mode, with a line at 1.0 (pgx). Results without a ratio (the baselines
// themselves, failures) are left out.
func (rep *Report) WriteSVG(w io.Writer) error {
	const (
		width  = 960
		labelW = 330 // left column: workload · driver
		valueW = 70  // right of the bar: the ratio
		rowH   = 20
		top    = 56
		groupH = 30
	)
	type bar struct {
		label string
		ratio float64
		color string
	}
	type group struct {
		title string
		bars  []bar
	}
	var groups []group
	maxRatio := 1.0
	for _, m := range rep.Modes {
		g := group{title: m.Mode}
		for _, r := range m.Results {
			if r.Baseline || r.Ratio <= 0 {
				continue
			}
			g.bars = append(g.bars, bar{label: r.Workload + " · " + r.Driver, ratio: r.Ratio, color: driverColor(r.Driver)})
			maxRatio = math.Max(maxRatio, r.Ratio)
		}
		groups = append(groups, g)
	}
	// Axis from 0 to a round number above the largest ratio.
	step := 0.25
	if maxRatio > 2 {
		step = 0.5
	}
	if maxRatio > 5 {
		step = 1
	}
	if maxRatio > 12 {
		step = math.Ceil(maxRatio/10) * 1
	}
	axisMax := math.Max(1.5, math.Ceil(maxRatio*1.05/step)*step)
	plotX := float64(labelW)
	plotW := float64(width - labelW - valueW - 10)
	x := func(v float64) float64 { return plotX + v/axisMax*plotW }

	rows := 0
	for _, g := range groups {
		rows += len(g.bars)
	}
	height := top + len(groups)*groupH + rows*rowH + 40

	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(bw, `<text x="10" y="22" font-size="16" font-weight="bold">%s</text>`+"\n", esc("ops/s relative to pgx (pgx = 1.0; longer is faster)"))
	sub := rep.Machine.CPU
	if sub == "" {
		sub = rep.Machine.Uname
	}
	fmt.Fprintf(bw, `<text x="10" y="40" fill="#555">%s</text>`+"\n", esc(fmt.Sprintf("%s · %s · %s · %d×%s, medians", sub, rep.Machine.Go, rep.Machine.Date, rep.Rounds, rep.Duration)))

	y := top
	plotTop := y
	for _, g := range groups {
		fmt.Fprintf(bw, `<text x="10" y="%d" font-size="14" font-weight="bold">%s</text>`+"\n", y+groupH-10, esc(g.title))
		y += groupH
		for _, b := range g.bars {
			fmt.Fprintf(bw, `<text x="%g" y="%d" text-anchor="end">%s</text>`+"\n", plotX-6, y+rowH-6, esc(b.label))
			fmt.Fprintf(bw, `<rect x="%g" y="%d" width="%.1f" height="%d" fill="%s"><title>%s</title></rect>`+"\n",
				plotX, y+3, x(b.ratio)-plotX, rowH-6, b.color, esc(fmt.Sprintf("%s: %.3f", b.label, b.ratio)))
			fmt.Fprintf(bw, `<text x="%.1f" y="%d" stroke="white" stroke-width="3" paint-order="stroke">%.2f</text>`+"\n", x(b.ratio)+4, y+rowH-6, b.ratio)
			y += rowH
		}
	}
	plotBottom := y + 4
	// Grid and axis labels.
	for v := 0.0; v <= axisMax+1e-9; v += step {
		fmt.Fprintf(bw, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x(v), plotTop, x(v), plotBottom)
		fmt.Fprintf(bw, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>`+"\n", x(v), plotBottom+14, trimFloat(v))
	}
	fmt.Fprintf(bw, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#c00" stroke-width="2" stroke-dasharray="6 3"/>`+"\n", x(1), plotTop, x(1), plotBottom)
	fmt.Fprintf(bw, `<text x="%.1f" y="%d" fill="#c00" text-anchor="middle">pgx = 1.0</text>`+"\n", x(1), plotTop-2)
	// Legend.
	lx := 10
	for _, l := range []struct{ name, color string }{{"pgmoon", driverColor("pgmoon")}, {"lib/pq", driverColor("lib/pq")}, {"libpq (pgbench)", driverColor("libpq/pgbench")}, {"wire floor", driverColor(workload.Wire)}} {
		fmt.Fprintf(bw, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", lx, height-16, l.color, lx+16, height-6, esc(l.name))
		lx += 130
	}
	fmt.Fprintln(bw, `</svg>`)
	return bw.Flush()
}

func driverColor(d string) string {
	switch {
	case strings.HasPrefix(d, "pgmoon"):
		return "#2b6cb0"
	case strings.HasPrefix(d, "libpq"):
		return "#2f855a"
	case d == workload.Wire:
		return "#d69e2e"
	default:
		return "#888"
	}
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
