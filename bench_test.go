package pgmoon_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

func BenchmarkSimpleQuery(b *testing.B) {
	conn, err := pgmoon.ConnectString(context.Background(), pgtest.Default(b).DSN())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	ctx := context.Background()
	for _, bc := range []struct{ name, sql string }{
		{"select1", "select 1"},
		{"rows100x3", "select g, 'name-' || g, g * 1.5 from generate_series(1, 100) g"},
		{"statements3", "select 1; select 2; select 3"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := conn.SimpleQuery(ctx, bc.sql); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkConnect(b *testing.B) {
	srv := pgtest.Default(b)
	for _, method := range []string{"trust", "md5", "scram-sha-256"} {
		b.Run(method, func(b *testing.B) {
			u, err := srv.User(method)
			if err != nil {
				b.Fatal(err)
			}
			cfg, err := pgmoon.ParseConfig(srv.URL(u.Name, u.Password, "postgres"))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				conn, err := pgmoon.Connect(context.Background(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				conn.Close(context.Background())
			}
		})
	}
}

// Query benchmarks: a one-row select and 1000 rows of four columns, in
// each exec mode. Run with -benchmem; bench/ compares them with pgx and
// lib/pq.
func BenchmarkQuery(b *testing.B) {
	conn, err := pgmoon.ConnectString(context.Background(), pgtest.Default(b).DSN())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	ctx := context.Background()
	const rows1000 = "select g::int4, 'row number ' || g, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 minute', g * 1.5::float8 from generate_series(1, 1000) g"
	for _, mode := range []pgmoon.QueryExecMode{pgmoon.ExecModeCacheStatement, pgmoon.ExecModeCacheDescribe, pgmoon.ExecModeDescribeExec, pgmoon.ExecModeExec, pgmoon.ExecModeSimpleProtocol} {
		b.Run(mode.String(), func(b *testing.B) {
			b.Run("onerow", func(b *testing.B) {
				b.ReportAllocs()
				var n int32
				for b.Loop() {
					if err := conn.QueryRow(ctx, "select $1::int4 + 1", mode, 41).Scan(&n); err != nil {
						b.Fatal(err)
					}
				}
				if n != 42 {
					b.Fatalf("got %d", n)
				}
			})
			b.Run("onerow_deadline", func(b *testing.B) {
				// A context with a deadline, which the call watches.
				ctx, cancel := context.WithTimeout(ctx, time.Hour)
				defer cancel()
				b.ReportAllocs()
				var n int32
				for b.Loop() {
					if err := conn.QueryRow(ctx, "select $1::int4 + 1", mode, 41).Scan(&n); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("rows1000x4", func(b *testing.B) {
				b.ReportAllocs()
				var (
					id   int32
					name string
					ts   time.Time
					f    float64
				)
				for b.Loop() {
					rows, err := conn.Query(ctx, rows1000, mode)
					if err != nil {
						b.Fatal(err)
					}
					for rows.Next() {
						if err := rows.Scan(&id, &name, &ts, &f); err != nil {
							b.Fatal(err)
						}
					}
					if err := rows.Err(); err != nil {
						b.Fatal(err)
					}
				}
				if id != 1000 {
					b.Fatalf("last id %d", id)
				}
			})
		})
	}
}

// copyBenchRows is the number of rows each COPY benchmark moves per op.
const copyBenchRows = 1_000_000

// reportPerRow reports rows/s and allocations per row for a benchmark
// that moves copyBenchRows rows per op; mallocs is the number of heap
// allocations over the whole run.
func reportPerRow(b *testing.B, mallocs uint64) {
	rows := float64(copyBenchRows) * float64(b.N)
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(mallocs)/rows, "allocs/row")
}

func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

// COPY FROM a million rows of (int8, text, timestamptz, float8), in binary
// format. "prebuilt" copies rows built before the timer starts, so its
// allocations are the driver's own; "generated" builds each row as it is
// read, reusing one []any, as a streaming source would (its values are
// boxed into interfaces, which allocates in the source, not the driver).
func BenchmarkCopyFrom(b *testing.B) {
	conn, err := pgmoon.ConnectString(context.Background(), pgtest.Default(b).DSN())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "create temp table copy_bench (id int8, name text, at timestamptz, f float8)"); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("row name number %d", i)
	}
	run := func(b *testing.B, src func() pgmoon.CopyFromSource) {
		start := mallocs()
		for b.Loop() {
			if _, err := conn.Exec(ctx, "truncate copy_bench"); err != nil {
				b.Fatal(err)
			}
			n, err := conn.CopyFrom(ctx, pgmoon.Identifier{"copy_bench"}, []string{"id", "name", "at", "f"}, src())
			if err != nil || n != copyBenchRows {
				b.Fatalf("CopyFrom = %d, %v", n, err)
			}
		}
		reportPerRow(b, mallocs()-start)
	}
	b.Run("prebuilt", func(b *testing.B) {
		rows := make([][]any, copyBenchRows)
		for i := range rows {
			rows[i] = []any{int64(i), names[i%len(names)], at.Add(time.Duration(i) * time.Second), float64(i) / 3}
		}
		run(b, func() pgmoon.CopyFromSource { return pgmoon.CopyFromRows(rows) })
	})
	b.Run("generated", func(b *testing.B) {
		run(b, func() pgmoon.CopyFromSource {
			i := 0
			row := make([]any, 4)
			return pgmoon.CopyFromFunc(func() ([]any, error) {
				if i == copyBenchRows {
					return nil, nil
				}
				row[0], row[1], row[2], row[3] = int64(i), names[i%len(names)], at.Add(time.Duration(i)*time.Second), float64(i)/3
				i++
				return row, nil
			})
		})
	})
}

// COPY TO a million rows of (int8, text, timestamptz, float8), text format,
// into io.Discard.
func BenchmarkCopyTo(b *testing.B) {
	conn, err := pgmoon.ConnectString(context.Background(), pgtest.Default(b).DSN())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "create temp table copy_bench as select g::int8 as id, 'row name number ' || g % 1000 as name, '2024-01-01'::timestamptz + g * interval '1 second' as at, g / 3.0::float8 as f from generate_series(1, $1) g", copyBenchRows); err != nil {
		b.Fatal(err)
	}
	start := mallocs()
	for b.Loop() {
		n, err := conn.CopyTo(ctx, io.Discard, "copy copy_bench to stdout")
		if err != nil || n != copyBenchRows {
			b.Fatalf("CopyTo = %d, %v", n, err)
		}
	}
	reportPerRow(b, mallocs()-start)
}

// A pool shared by 32 goroutines doing one-row selects: pool overhead and
// contention on top of BenchmarkQuery's onerow. Reports ops/s; run with
// -benchmem for allocs/op.
func BenchmarkPool(b *testing.B) {
	const goroutines = 32
	cfg, err := pgmoon.ParseConfig(pgtest.Default(b).DSN())
	if err != nil {
		b.Fatal(err)
	}
	for _, maxConns := range []int32{4, 8} {
		b.Run(fmt.Sprintf("conns=%d", maxConns), func(b *testing.B) {
			cfg.Pool.MaxConns = maxConns
			pool, err := pgmoon.NewPool(context.Background(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer pool.Close()
			ctx := context.Background()
			// Open every connection before timing: steady state only.
			var held []*pgmoon.PoolConn
			for range maxConns {
				c, err := pool.Acquire(ctx)
				if err != nil {
					b.Fatal(err)
				}
				held = append(held, c)
			}
			for _, c := range held {
				c.Release()
			}
			b.ReportAllocs()
			b.SetParallelism((goroutines + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var n int32
				for pb.Next() {
					if err := pool.QueryRow(ctx, "select $1::int4 + 1", 41).Scan(&n); err != nil || n != 42 {
						b.Errorf("QueryRow = %d, %v", n, err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// database/sql through this driver: a one-row select and 1000 rows of four
// columns, as BenchmarkQuery does natively. bench/ compares them with
// pgx's stdlib and lib/pq.
func BenchmarkSQL(b *testing.B) {
	db, err := sql.Open("pgmoon", pgtest.Default(b).DSN())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	b.Run("onerow", func(b *testing.B) {
		b.ReportAllocs()
		var n int64
		for b.Loop() {
			if err := db.QueryRowContext(ctx, "select $1::int4 + 1", 41).Scan(&n); err != nil {
				b.Fatal(err)
			}
		}
		if n != 42 {
			b.Fatalf("got %d", n)
		}
	})
	b.Run("rows1000x4", func(b *testing.B) {
		const rows1000 = "select g::int4, 'row number ' || g, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 minute', g * 1.5::float8 from generate_series(1, 1000) g"
		b.ReportAllocs()
		var (
			id   int32
			name string
			ts   time.Time
			f    float64
		)
		for b.Loop() {
			rows, err := db.QueryContext(ctx, rows1000)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				if err := rows.Scan(&id, &name, &ts, &f); err != nil {
					b.Fatal(err)
				}
			}
			if err := rows.Err(); err != nil {
				b.Fatal(err)
			}
		}
		if id != 1000 {
			b.Fatalf("last id %d", id)
		}
	})
}
