package harness

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/bench/workload"
)

// Report is what a run measured.
type Report struct {
	Machine  Machine
	Command  string
	Rounds   int
	Duration time.Duration
	Env      workload.Env
	Modes    []ModeReport
	Notes    []string
}

// ModeReport is the results in one CPU placement.
type ModeReport struct {
	Mode    string // "same-core" or "cross-core"
	Note    string // how client and server were pinned, or why not
	Results []Result
}

// Result is one driver on one workload: medians over the samples.
type Result struct {
	Workload    string
	Driver      string
	Baseline    bool    // the pgx result the ratios are to
	Samples     int     // samples taken
	OpsPerSec   float64 // median ops/s
	Spread      float64 // (max − min) / median of the samples' ops/s (0 with one sample)
	Ratio       float64 // OpsPerSec / the baseline's (0: none)
	AllocsPerOp float64 // median heap allocations per op (-1: not measured, pgbench)
	BytesPerOp  float64 // median bytes allocated per op (-1: not measured)
	PerOp       int     // rows per op, for rows/s and allocs/row (0: not a row workload)
	LatencyMs   float64 // pgbench's average latency
	Err         string  // why there is no result
}

// Machine describes where the run happened.
type Machine struct {
	Uname, CPU, Go, Postgres, Date string
	NumCPU                         int
}

func machine(ctx context.Context, dsn string) Machine {
	m := Machine{Go: runtime.Version(), Date: time.Now().UTC().Format(time.RFC3339), NumCPU: runtime.NumCPU()}
	if out, err := exec.Command("uname", "-srm").Output(); err == nil {
		m.Uname = strings.TrimSpace(string(out))
	} else {
		m.Uname = runtime.GOOS + " " + runtime.GOARCH
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if conn, err := pgmoon.ConnectString(ctx, dsn); err == nil {
		var v string
		if err := conn.QueryRow(ctx, "select version()").Scan(&v); err == nil {
			m.Postgres = v
		}
		conn.Close(ctx)
	}
	return m
}

func (r Result) cells() []string {
	c := []string{r.Workload, r.Driver}
	if r.Err != "" && r.Samples == 0 {
		return append(c, "—", "—", "—", "—", "—", "—", "—", r.Err)
	}
	c = append(c, formatOps(r.OpsPerSec))
	if r.Samples > 1 {
		c = append(c, fmt.Sprintf("%.0f%%", r.Spread*100))
	} else {
		c = append(c, "")
	}
	switch {
	case r.Baseline:
		c = append(c, "1.00 (base)")
	case r.Ratio > 0:
		c = append(c, fmt.Sprintf("%.2f", r.Ratio))
	default:
		c = append(c, "—")
	}
	if r.AllocsPerOp < 0 {
		c = append(c, "n/a", "n/a")
	} else {
		c = append(c, fmt.Sprintf("%.1f", r.AllocsPerOp), fmt.Sprintf("%.0f", r.BytesPerOp))
	}
	if r.PerOp > 0 {
		c = append(c, fmt.Sprintf("%.0f", r.OpsPerSec*float64(r.PerOp)))
		if r.AllocsPerOp >= 0 {
			c = append(c, fmt.Sprintf("%.3f", r.AllocsPerOp/float64(r.PerOp)))
		} else {
			c = append(c, "n/a")
		}
	} else {
		c = append(c, "", "")
	}
	var note []string
	if r.LatencyMs > 0 {
		note = append(note, fmt.Sprintf("latency %.3f ms", r.LatencyMs))
	}
	if r.Err != "" {
		note = append(note, r.Err)
	}
	return append(c, strings.Join(note, "; "))
}

var header = []string{"workload", "driver", "median ops/s", "spread", "ratio vs pgx", "allocs/op", "B/op", "rows/s", "allocs/row", "note"}

// WriteText prints one table per CPU mode.
func (rep *Report) WriteText(w io.Writer) error {
	for _, n := range rep.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	for _, m := range rep.Modes {
		fmt.Fprintf(w, "\n%s (%s)\n", m.Mode, m.Note)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(header, "\t"))
		for _, r := range m.Results {
			fmt.Fprintln(tw, strings.Join(r.cells(), "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// WriteMarkdown writes the machine, the command and one table per CPU mode.
func (rep *Report) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# pgmoon benchmarks\n\n")
	fmt.Fprintf(bw, "- machine: `%s`, %s (%d CPUs)\n", rep.Machine.Uname, orUnknown(rep.Machine.CPU), rep.Machine.NumCPU)
	fmt.Fprintf(bw, "- Go: %s\n", rep.Machine.Go)
	fmt.Fprintf(bw, "- PostgreSQL: %s\n", orUnknown(rep.Machine.Postgres))
	fmt.Fprintf(bw, "- date: %s\n", rep.Machine.Date)
	fmt.Fprintf(bw, "- command: `%s`\n", rep.Command)
	fmt.Fprintf(bw, "- %d round(s) of %s per driver and workload, interleaved; medians; COPY ops move %d rows; pool: %d goroutines on %d connections\n",
		rep.Rounds, rep.Duration, rep.Env.CopyRows, rep.Env.PoolGoroutines, rep.Env.PoolSize)
	fmt.Fprintf(bw, "- ratio = driver ops/s ÷ pgx ops/s (pgx, pgx/stdlib or pgxpool, same workload): above 1 is faster than pgx\n")
	fmt.Fprintf(bw, "- spread = (max − min) ÷ median of the samples' ops/s: ratios that differ by less than it are noise\n")
	fmt.Fprintf(bw, "- allocs/op and B/op: runtime.MemStats deltas (Mallocs, TotalAlloc) over each sample, whole process\n")
	for _, n := range rep.Notes {
		fmt.Fprintf(bw, "- note: %s\n", n)
	}
	for _, m := range rep.Modes {
		fmt.Fprintf(bw, "\n## %s\n\n%s\n\n", m.Mode, m.Note)
		fmt.Fprintf(bw, "| %s |\n", strings.Join(header, " | "))
		fmt.Fprintf(bw, "|%s\n", strings.Repeat("---|", len(header)))
		for _, r := range m.Results {
			cells := r.cells()
			for i, c := range cells {
				cells[i] = strings.ReplaceAll(c, "|", `\|`)
			}
			fmt.Fprintf(bw, "| %s |\n", strings.Join(cells, " | "))
		}
	}
	return bw.Flush()
}

// formatOps prints ops/s to a useful precision: whole numbers down to
// 100, then three significant digits (COPY of a million rows is a few
// ops/s).
func formatOps(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
