// Package bench holds benchmarks that run pgmoon, pgx and lib/pq side by
// side against the same throwaway server (pgtest), so that their ratios
// come from one run on one machine. It is its own module, so that pgx and
// lib/pq never enter the driver's go.mod.
//
// # The benchrun command
//
// One command starts a pgtest server (or uses the one PGMOON_BENCH_DSN
// names), loads the fixtures, runs every workload for every driver
// interleaved (A B C A B C …) for several rounds, and prints the medians:
//
//	cd bench && go run ./cmd/benchrun -out results.md -svg ratios.svg
//
// The table has, per CPU mode, a row per workload and driver: median ops/s,
// the ratio to pgx (pgx, pgx/stdlib or pgxpool on the same workload; above
// 1 is faster), allocs/op and B/op (runtime.MemStats deltas around each
// sample, whole process), and for row workloads rows/s and allocs/row.
// -out writes the same as markdown, with the machine, Go and PostgreSQL
// versions, the date and the command line; -svg draws the ratios as bars
// around a pgx = 1.0 line. Flags:
//
//	-rounds 5         samples per driver and workload
//	-duration 1s      length of each sample
//	-workloads a,b    only these workloads, by name or prefix (-list shows them)
//	-cpu-mode both    same (client and server on CPU 0), cross (client on
//	                  CPU 0, server on CPU 1) or both
//	-copy-rows N      rows per COPY op (default 1000000)
//	-pgbench=true     also run pgbench for the libpq ceiling
//	-quick            1 round of 200ms samples, 10000 COPY rows: a smoke run
//
// Pinning uses taskset(1): the command pins itself (every thread, with
// GOMAXPROCS 1) and the server's postmaster and all its children, so
// backends forked later land on the same CPU; this needs the right to
// change the server's affinity (root, or the same user), and a server on
// this machine. Without taskset, or for a remote server, the output says
// what was not pinned and the run goes on unpinned.
//
// Where pgbench is found (PATH, then /usr/lib/postgresql/*/bin), it runs on
// the same server with one client and one thread (pgbench -n -c 1 -j 1 -T),
// pinned with the client, for as long as the rounds of one driver take:
// the one-row select with -M prepared (beside onerow/cached) and -M
// extended (beside onerow/exec), and the same select 100 times between
// \startpipeline and \endpipeline, -M extended and -M prepared (beside
// batch100, whose op is one batch). Its rows report transactions/s and
// pgbench's average latency; it does not report allocations.
//
// # The workloads
//
// Package workload has the workloads, as plain functions per driver
// (PgmoonOneRow, PgxOneRow, SQLOneRow, …), and the fixtures (tables named
// bench_*, dropped and recreated by each run):
//
//	onerow/cached    select id, name, balance from bench_accounts where id = $1, default exec mode
//	onerow/exec      the same, unprepared (pgmoon.ExecModeExec, pgx.QueryExecModeExec)
//	onerow/sql       the same through database/sql (pgmoon, pgx/stdlib, lib/pq)
//	rows1000/native  1000 rows of (int4, text, timestamptz, float8)
//	rows1000/sql     the same through database/sql
//	batch100         a batch (pipeline) of 100 one-row selects
//	insert/native    insert one row
//	insert/sql       the same through database/sql
//	copyfrom         truncate, then COPY FROM of prebuilt rows (int8, text, timestamptz, float8)
//	copyto           COPY TO STDOUT into io.Discard
//	pool32           32 goroutines doing one-row selects on a pool of 8 connections
//	connect/scram    connect with SCRAM-SHA-256, then close (pgtest servers only)
//	bytea1mb/native  select a 1 MiB bytea into a []byte
//	bytea1mb/sql     the same through database/sql
//
// # go test benchmarks
//
// BenchmarkWorkloads runs the same workloads, one sub-benchmark per workload
// and driver, for benchstat (golang.org/x/perf/cmd/benchstat); -short moves
// 10000 rows per COPY instead of a million:
//
//	go test -run '^$' -bench Workloads -count 10 . | tee run.txt
//
// Both interleave or repeat so that drift in the machine's load
// touches all drivers alike; compare medians, not single runs. No test
// asserts anything about speed; go test ./... runs only a -quick smoke run.
package bench
