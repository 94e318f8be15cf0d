// Package bench holds benchmarks that run pgmoon, pgx and lib/pq side by
// side against the same throwaway server (pgtest), so that their ratios
// come from one run on one machine. It is its own module, so that pgx and
// lib/pq never enter the driver's go.mod.
//
// Run from this directory:
//
//	go test -run '^$' -bench . -benchmem -count 5 . | tee run.txt
//
// Each benchmark interleaves the drivers (pgmoon, pgx, lib/pq, pgmoon, ...)
// so that drift in the machine's load touches all of them alike; compare
// the medians with benchstat (golang.org/x/perf/cmd/benchstat).
package bench
