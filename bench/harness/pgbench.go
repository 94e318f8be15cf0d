package harness

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pgmoon-go/pgmoon/bench/workload"
)

// pgbench gives the libpq ceiling: the same one-row select, prepared and
// unprepared, and the same pipeline of selects, run by pgbench(1) with one
// client and one thread on the same server.
type pgbenchScript struct {
	workload string // the workload it stands beside
	mode     string // pgbench -M
	pipeline int    // selects in one \startpipeline … \endpipeline, 0 for none
}

var pgbenchScripts = []pgbenchScript{
	{workload: "onerow/cached", mode: "prepared"},
	{workload: "onerow/exec", mode: "extended"},
	{workload: "batch100", mode: "extended", pipeline: 100},
	{workload: "batch100", mode: "prepared", pipeline: 100},
}

// findPgbench looks in PATH, then in /usr/lib/postgresql/*/bin (highest
// version first).
func findPgbench() string {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	if len(dirs) > 0 {
		return dirs[0]
	}
	return ""
}

func version(path string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return n
}

var (
	tpsRE     = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	latencyRE = regexp.MustCompile(`latency average = ([0-9.]+) ms`)
)

// pgbenchResult is one pgbench run.
type pgbenchResult struct {
	tps       float64 // transactions (one select, or one pipeline of them) per second
	latencyMs float64 // average transaction latency
}

// runPgbench runs one script for d (whole seconds, at least one).
func runPgbench(ctx context.Context, bin, dsn string, sc pgbenchScript, env workload.Env, d time.Duration, wrap func([]string) []string) (pgbenchResult, error) {
	dir, err := os.MkdirTemp("", "benchrun-pgbench")
	if err != nil {
		return pgbenchResult{}, err
	}
	defer os.RemoveAll(dir)
	var script strings.Builder
	fmt.Fprintf(&script, "\\set id random(1, %d)\n", env.Accounts)
	sel := strings.Replace(workload.OneRowSQL, "$1", ":id", 1) + ";\n"
	if sc.pipeline > 0 {
		script.WriteString("\\startpipeline\n")
		for range sc.pipeline {
			script.WriteString(sel)
		}
		script.WriteString("\\endpipeline\n")
	} else {
		script.WriteString(sel)
	}
	file := filepath.Join(dir, "script.sql")
	if err := os.WriteFile(file, []byte(script.String()), 0o644); err != nil {
		return pgbenchResult{}, err
	}
	argv := wrap([]string{bin, "-n", "-T", strconv.Itoa(pgbenchSeconds(d)), "-c", "1", "-j", "1", "-M", sc.mode, "-f", file, dsn})
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return pgbenchResult{}, fmt.Errorf("pgbench -M %s: %v: %s", sc.mode, err, lastLines(string(out), 5))
	}
	m := tpsRE.FindStringSubmatch(string(out))
	l := latencyRE.FindStringSubmatch(string(out))
	if m == nil || l == nil {
		return pgbenchResult{}, fmt.Errorf("pgbench -M %s: no tps or latency in output: %s", sc.mode, lastLines(string(out), 5))
	}
	var r pgbenchResult
	r.tps, _ = strconv.ParseFloat(m[1], 64)
	r.latencyMs, _ = strconv.ParseFloat(l[1], 64)
	return r, nil
}

// pgbenchSeconds is pgbench's -T for a run of about d: whole seconds, at
// least one.
func pgbenchSeconds(d time.Duration) int { return max(1, int(math.Round(d.Seconds()))) }

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
