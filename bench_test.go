package pgmoon_test

import (
	"context"
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
