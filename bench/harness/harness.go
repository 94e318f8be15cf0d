// Package harness runs the workloads of package workload for every driver,
// interleaved, in rounds, pinned to one CPU or two, and reports medians and
// ratios to pgx as a text table, a markdown file and an SVG bar chart.
// The benchrun command is a thin wrapper around Main.
package harness

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/pgmoon-go/pgmoon/bench/workload"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// EnvDSN names an existing server to benchmark instead of starting one.
const EnvDSN = "PGMOON_BENCH_DSN"

// Options are the command's settings.
type Options struct {
	DSN       string        // server; "" starts one with pgtest
	ScramDSN  string        // a SCRAM-SHA-256 role on the server ("" skips connect/scram)
	Rounds    int           // samples per driver and workload (default: 5)
	Duration  time.Duration // length of one sample (default: 1s)
	Workloads string        // comma list of workload names or prefixes (default: all)
	Quick     bool          // 1 round, 200ms samples, 10000 COPY rows
	CPUMode   string        // "same", "cross" or "both" (default: "both")
	CopyRows  int           // rows per COPY op (default: 1000000, 10000 with Quick)
	PgBench   bool          // also run pgbench where it is installed
	Out       string        // markdown file to write ("" for none)
	SVG       string        // SVG file to write ("" for none)
	Command   string        // the command line, for the report
	Log       io.Writer     // progress (default: io.Discard)
}

// Main parses args (without the program name), runs, prints the table to
// stdout and progress to stderr, and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchrun", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	fs.StringVar(&o.DSN, "dsn", os.Getenv(EnvDSN), "server to benchmark (default: $"+EnvDSN+", else a throwaway pgtest server)")
	fs.StringVar(&o.ScramDSN, "scram-dsn", "", "connection string of a SCRAM-SHA-256 role, for connect/scram (default: pgtest's own)")
	fs.IntVar(&o.Rounds, "rounds", 5, "samples per driver and workload, interleaved")
	fs.DurationVar(&o.Duration, "duration", time.Second, "length of each sample")
	fs.StringVar(&o.Workloads, "workloads", "", "comma list of workloads or prefixes to run (default: all; -list shows them)")
	fs.BoolVar(&o.Quick, "quick", false, "smoke mode: 1 round, 200ms samples, 10000 COPY rows")
	fs.StringVar(&o.CPUMode, "cpu-mode", "both", "same (client and server on CPU 0), cross (client CPU 0, server CPU 1) or both")
	fs.IntVar(&o.CopyRows, "copy-rows", 0, "rows per COPY op (default: 1000000, 10000 with -quick)")
	fs.BoolVar(&o.PgBench, "pgbench", true, "also run pgbench for the libpq ceiling, if installed")
	fs.StringVar(&o.Out, "out", "", "write the results as markdown to this file")
	fs.StringVar(&o.SVG, "svg", "", "write a bar chart of the ratios to pgx to this SVG file")
	list := fs.Bool("list", false, "list the workloads and exit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: benchrun [-quick] [-rounds N] [-duration D] [-workloads a,b] [-cpu-mode same|cross|both] [-out results.md] [-svg ratios.svg]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *list {
		for _, w := range workload.All() {
			var ds []string
			for _, c := range w.Cases {
				ds = append(ds, c.Driver)
			}
			fmt.Fprintf(stdout, "%-16s %s [%s]\n", w.Name, w.Doc, strings.Join(ds, ", "))
		}
		return 0
	}
	o.Command = "benchrun " + strings.Join(args, " ")
	o.Log = stderr
	if o.DSN == "" {
		fmt.Fprintln(stderr, "starting a pgtest server…")
		srv, err := pgtest.Start(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "benchrun:", err)
			return 1
		}
		defer srv.Close()
		o.DSN = srv.DSN()
		if o.ScramDSN == "" {
			if u, err := srv.User("scram-sha-256"); err == nil {
				o.ScramDSN = srv.URL(u.Name, u.Password, "")
			}
		}
	}
	rep, err := Run(ctx, o)
	if rep != nil {
		rep.WriteText(stdout)
		if o.Out != "" {
			if werr := writeFile(o.Out, rep.WriteMarkdown); werr != nil && err == nil {
				err = werr
			}
		}
		if o.SVG != "" {
			if werr := writeFile(o.SVG, rep.WriteSVG); werr != nil && err == nil {
				err = werr
			}
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "benchrun:", err)
		return 1
	}
	return 0
}

func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	return f.Close()
}

// cpuMode is one placement of client and server.
type cpuMode struct {
	name           string
	client, server int
}

// Run loads the fixtures and runs the selected workloads in each CPU mode.
// The report it returns holds what ran even when it also returns an error.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Rounds <= 0 {
		o.Rounds = 5
	}
	if o.Duration <= 0 {
		o.Duration = time.Second
	}
	if o.Quick {
		o.Rounds, o.Duration = 1, 200*time.Millisecond
		if o.CopyRows == 0 {
			o.CopyRows = 10000
		}
	}
	env := workload.Env{DSN: o.DSN, ScramDSN: o.ScramDSN, CopyRows: o.CopyRows}.WithDefaults()
	ws, err := workload.Select(workload.All(), o.Workloads)
	if err != nil {
		return nil, err
	}
	var modes []cpuMode
	switch o.CPUMode {
	case "same":
		modes = []cpuMode{{"same-core", 0, 0}}
	case "cross":
		modes = []cpuMode{{"cross-core", 0, 1}}
	case "both", "":
		modes = []cpuMode{{"same-core", 0, 0}, {"cross-core", 0, 1}}
	default:
		return nil, fmt.Errorf("-cpu-mode %q: want same, cross or both", o.CPUMode)
	}
	rep := &Report{Command: o.Command, Rounds: o.Rounds, Duration: o.Duration, Env: env}
	fmt.Fprintf(o.Log, "loading fixtures (%d accounts, %d COPY rows)…\n", env.Accounts, env.CopyRows)
	if err := workload.Load(ctx, env); err != nil {
		return nil, err
	}
	rep.Machine = machine(ctx, o.DSN)
	pin := newPinner(ctx, o.DSN)
	defer pin.unpin()
	var bin string
	if o.PgBench {
		if bin = findPgbench(); bin == "" {
			rep.Notes = append(rep.Notes, "pgbench not found (PATH, /usr/lib/postgresql/*/bin): no libpq ceiling")
		}
	}
	for _, m := range modes {
		mr := ModeReport{Mode: m.name}
		if m.client != m.server && runtime.NumCPU() < 2 {
			mr.Note = "skipped: fewer than two CPUs"
			rep.Modes = append(rep.Modes, mr)
			continue
		}
		mr.Note = pin.pin(m.client, m.server)
		pinned := pin.taskset != ""
		fmt.Fprintf(o.Log, "== %s: %s\n", m.name, mr.Note)
		for _, w := range ws {
			res, err := runWorkload(ctx, o, env, w)
			mr.Results = append(mr.Results, res...)
			if err != nil {
				rep.Modes = append(rep.Modes, mr)
				return rep, err
			}
		}
		if bin != "" {
			for _, sc := range pgbenchScripts {
				if !selected(ws, sc.workload) {
					continue
				}
				d := o.Duration * time.Duration(o.Rounds)
				fmt.Fprintf(o.Log, "  pgbench -M %s %s (%ds)\n", sc.mode, sc.workload, pgbenchSeconds(d))
				r, err := runPgbench(ctx, bin, o.DSN, sc, env, d, func(argv []string) []string { return pin.wrap(pinned, m.client, argv) })
				res := Result{Workload: sc.workload, Driver: workload.PgBench + " -M " + sc.mode, Samples: 1, AllocsPerOp: -1, BytesPerOp: -1}
				if err != nil {
					res.Err = err.Error()
				} else {
					res.OpsPerSec, res.LatencyMs = r.tps, r.latencyMs
				}
				insertAfter(&mr.Results, res)
			}
		}
		pin.unpin()
		computeRatios(mr.Results)
		rep.Modes = append(rep.Modes, mr)
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
	}
	return rep, nil
}

func selected(ws []workload.Workload, name string) bool {
	for _, w := range ws {
		if w.Name == name {
			return true
		}
	}
	return false
}

// insertAfter puts r after the last result of its workload.
func insertAfter(rs *[]Result, r Result) {
	at := len(*rs)
	for i, x := range *rs {
		if x.Workload == r.Workload {
			at = i + 1
		}
	}
	*rs = append((*rs)[:at], append([]Result{r}, (*rs)[at:]...)...)
}

// runWorkload opens every driver's runner, warms each up, then takes
// o.Rounds samples of each, interleaved: A B C A B C …
func runWorkload(ctx context.Context, o Options, env workload.Env, w workload.Workload) ([]Result, error) {
	type opened struct {
		c       workload.Case
		r       workload.Runner
		samples []sample
		err     string
	}
	var cs []*opened
	for _, c := range w.Cases {
		r, err := c.Open(ctx, env)
		oc := &opened{c: c, r: r}
		if err != nil {
			if errors.Is(err, workload.ErrSkip) {
				oc.err = "skipped: " + err.Error()
			} else {
				oc.err = err.Error()
			}
		}
		cs = append(cs, oc)
	}
	defer func() {
		for _, oc := range cs {
			if oc.r.Close != nil {
				oc.r.Close()
			}
		}
	}()
	parallel := 1
	if w.Parallel != nil {
		parallel = w.Parallel(env)
	}
	fmt.Fprintf(o.Log, "  %s\n", w.Name)
	// Warm up: statement caches, pools, the prebuilt COPY rows.
	for _, oc := range cs {
		if oc.err != "" {
			continue
		}
		if _, err := measure(ctx, oc.r.Op, parallel, o.Duration/5); err != nil {
			oc.err = err.Error()
		}
	}
	for range o.Rounds {
		for _, oc := range cs {
			if oc.err != "" {
				continue
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s, err := measure(ctx, oc.r.Op, parallel, o.Duration)
			if err != nil {
				oc.err = err.Error()
				continue
			}
			oc.samples = append(oc.samples, s)
		}
	}
	var out []Result
	for _, oc := range cs {
		r := Result{Workload: w.Name, Driver: oc.c.Driver, Samples: len(oc.samples), Err: oc.err, Baseline: oc.c.Driver == w.Baseline()}
		if w.PerOp != nil {
			r.PerOp = w.PerOp(env)
		}
		var ops, allocs, bytes []float64
		for _, s := range oc.samples {
			ops = append(ops, s.opsPerSec())
			allocs = append(allocs, s.allocsPerOp())
			bytes = append(bytes, s.bytesPerOp())
		}
		r.OpsPerSec, r.AllocsPerOp, r.BytesPerOp = median(ops), median(allocs), median(bytes)
		if len(ops) > 1 && r.OpsPerSec > 0 {
			r.Spread = (slices.Max(ops) - slices.Min(ops)) / r.OpsPerSec
		}
		if oc.err != "" {
			fmt.Fprintf(o.Log, "    %s: %s\n", oc.c.Driver, oc.err)
		}
		out = append(out, r)
	}
	return out, nil
}

// computeRatios sets each result's ratio to its workload's pgx result.
func computeRatios(rs []Result) {
	base := map[string]float64{}
	for _, r := range rs {
		if r.Baseline && r.OpsPerSec > 0 {
			base[r.Workload] = r.OpsPerSec
		}
	}
	for i := range rs {
		if b := base[rs[i].Workload]; b > 0 && rs[i].OpsPerSec > 0 {
			rs[i].Ratio = rs[i].OpsPerSec / b
		}
	}
}
