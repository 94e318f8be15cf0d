// Package workload holds the benchmark workloads that bench/ runs for each
// driver: pgmoon natively and through database/sql, pgx natively, through
// its stdlib and through pgxpool, and lib/pq. Each workload is a plain
// function per driver; Cases lists them, with how to open what each needs,
// so that the benchrun command and the go test benchmarks run the same code.
//
// Fixtures (the accounts table and the rest) are made by Load; every
// table's name starts with "bench_".
package workload

import (
	"context"
	"fmt"
	"strings"
)

// Driver names, as they appear in reports.
const (
	Pgmoon     = "pgmoon"        // pgmoon's native API (*pgmoon.Conn)
	PgmoonSQL  = "pgmoon/sql"    // pgmoon through database/sql ("pgmoon")
	PgmoonPool = "pgmoon/pool"   // *pgmoon.Pool
	Pgx        = "pgx"           // pgx's native API (*pgx.Conn)
	PgxStdlib  = "pgx/stdlib"    // pgx through database/sql ("pgx")
	PgxPool    = "pgxpool"       // *pgxpool.Pool
	LibPQ      = "lib/pq"        // lib/pq through database/sql ("postgres")
	PgBench    = "libpq/pgbench" // pgbench's measure, reported by the harness
)

// Env is what the workloads need to know about the server and the sizes.
type Env struct {
	DSN      string // superuser (or table owner) connection string
	ScramDSN string // a role that authenticates with SCRAM-SHA-256; "" skips the connect workload

	Accounts       int // rows in bench_accounts (default: 10000)
	CopyRows       int // rows per COPY FROM / COPY TO op (default: 1000000)
	BatchSize      int // selects per batch (default: 100)
	PoolSize       int // connections per pool (default: 8)
	PoolGoroutines int // goroutines sharing a pool (default: 32)
	BlobSize       int // bytes in the large value (default: 1 MiB)
}

// WithDefaults returns e with every zero size set to its default.
func (e Env) WithDefaults() Env {
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&e.Accounts, 10000)
	def(&e.CopyRows, 1_000_000)
	def(&e.BatchSize, 100)
	def(&e.PoolSize, 8)
	def(&e.PoolGoroutines, 32)
	def(&e.BlobSize, 1<<20)
	return e
}

// Op runs one operation of a workload.
type Op func(ctx context.Context) error

// Runner is a workload opened for one driver: call Op as often as wanted
// (from Parallel goroutines at once if Parallel > 0), then Close.
type Runner struct {
	Op    Op
	Close func()
}

// Case is one workload for one driver.
type Case struct {
	Workload string // e.g. "onerow/cached"
	Driver   string // one of the driver constants
	// Open connects and prepares what Op needs.
	Open func(ctx context.Context, env Env) (Runner, error)
}

// Workload describes a workload and the drivers it runs on.
type Workload struct {
	Name     string
	Doc      string
	Parallel func(env Env) int // goroutines calling Op at once (nil: one)
	PerOp    func(env Env) int // rows per op, for rows/s and allocs/row (nil: not reported)
	Cases    []Case
}

// Baseline returns the driver the others are compared with: the pgx one.
func (w Workload) Baseline() string {
	for _, c := range w.Cases {
		if strings.HasPrefix(c.Driver, "pgx") {
			return c.Driver
		}
	}
	return ""
}

// Select filters workloads by a comma-separated list of names or name
// prefixes ("onerow" selects onerow/cached, onerow/exec and onerow/sql);
// an empty list selects all.
func Select(all []Workload, list string) ([]Workload, error) {
	if strings.TrimSpace(list) == "" {
		return all, nil
	}
	var out []Workload
	seen := map[string]bool{}
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		found := false
		for _, w := range all {
			if w.Name == f || strings.HasPrefix(w.Name, f+"/") {
				found = true
				if !seen[w.Name] {
					seen[w.Name] = true
					out = append(out, w)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("workload %q: no such workload (have %s)", f, strings.Join(Names(all), ", "))
		}
	}
	return out, nil
}

// Names lists the workloads' names.
func Names(all []Workload) []string {
	var out []string
	for _, w := range all {
		out = append(out, w.Name)
	}
	return out
}
