package bench

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"

	"github.com/pgmoon-go/pgmoon/bench/workload"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

var (
	fixtureOnce sync.Once
	fixtureEnv  workload.Env
	fixtureErr  error
)

// benchEnv loads the fixtures once per test binary, into a database of
// their own; -short moves 10000 rows per COPY instead of a million.
func benchEnv(b *testing.B) workload.Env {
	b.Helper()
	fixtureOnce.Do(func() {
		srv := pgtest.Default(b)
		env := workload.Env{DSN: srv.DSN()}
		if u, err := srv.User("scram-sha-256"); err == nil {
			env.ScramDSN = srv.URL(u.Name, u.Password, "")
		}
		if testing.Short() {
			env.CopyRows = 10000
		}
		fixtureEnv = env.WithDefaults()
		fixtureErr = workload.Load(context.Background(), fixtureEnv)
	})
	if fixtureErr != nil {
		b.Fatal(fixtureErr)
	}
	return fixtureEnv
}

// BenchmarkWorkloads runs every workload of package workload for every
// driver, as the benchrun command does, one sub-benchmark each
// (BenchmarkWorkloads/onerow/cached/pgmoon, …), for benchstat:
//
//	go test -run '^$' -bench Workloads -count 10 . | tee run.txt
//
// Row workloads also report rows/s and allocs/row; the pool workload runs
// its goroutines with b.RunParallel.
func BenchmarkWorkloads(b *testing.B) {
	env := benchEnv(b)
	ctx := context.Background()
	for _, w := range workload.All() {
		b.Run(w.Name, func(b *testing.B) {
			for _, c := range w.Cases {
				b.Run(c.Driver, func(b *testing.B) {
					benchCase(b, ctx, env, w, c)
				})
			}
		})
	}
}

func benchCase(b *testing.B, ctx context.Context, env workload.Env, w workload.Workload, c workload.Case) {
	r, err := c.Open(ctx, env)
	if errors.Is(err, workload.ErrSkip) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	if err := r.Op(ctx); err != nil { // warm up: caches, prebuilt rows
		b.Fatal(err)
	}
	b.ReportAllocs()
	if w.Parallel != nil {
		procs := runtime.GOMAXPROCS(0)
		b.SetParallelism((w.Parallel(env) + procs - 1) / procs)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := r.Op(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		return
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		if err := r.Op(ctx); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if w.PerOp != nil {
		rows := float64(b.N) * float64(w.PerOp(env))
		b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(after.Mallocs-before.Mallocs)/rows, "allocs/row")
	}
}
