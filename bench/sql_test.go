package bench

import (
	"context"
	"database/sql"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "github.com/lib/pq"              // registers "postgres"
	_ "github.com/pgmoon-go/pgmoon"    // registers "pgmoon" ("postgres" is lib/pq's here)
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// sqlDrivers are the database/sql driver names compared, in the order each
// round runs them.
var sqlDrivers = []string{"pgmoon", "pgx", "postgres"}

// sqlRounds is how many times each round of drivers runs within one
// benchmark invocation; with -count N there are N×sqlRounds samples per
// driver, interleaved.
const sqlRounds = 3

// openSQL opens one *sql.DB per driver on the shared server, one
// connection each (the benchmarks measure a connection, not a pool).
func openSQL(b *testing.B) map[string]*sql.DB {
	b.Helper()
	dsn := pgtest.Default(b).DSN()
	dbs := make(map[string]*sql.DB)
	for _, name := range sqlDrivers {
		db, err := sql.Open(name, dsn)
		if err != nil {
			b.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		if err := db.Ping(); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		b.Cleanup(func() { db.Close() })
		dbs[name] = db
	}
	return dbs
}

// BenchmarkDatabaseSQL: a one-row select by parameter, and 1000 rows of
// (int4, text, timestamptz, float8), through database/sql, for each
// driver in turn.
func BenchmarkDatabaseSQL(b *testing.B) {
	dbs := openSQL(b)
	ctx := context.Background()
	const rows1000 = "select g::int4, 'row number ' || g, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 minute', g * 1.5::float8 from generate_series(1, 1000) g"
	for range sqlRounds {
		for _, name := range sqlDrivers {
			db := dbs[name]
			b.Run("onerow/"+name, func(b *testing.B) {
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
		}
		for _, name := range sqlDrivers {
			db := dbs[name]
			b.Run("rows1000x4/"+name, func(b *testing.B) {
				b.ReportAllocs()
				var (
					id   int32
					text string
					ts   time.Time
					f    float64
				)
				for b.Loop() {
					rows, err := db.QueryContext(ctx, rows1000)
					if err != nil {
						b.Fatal(err)
					}
					for rows.Next() {
						if err := rows.Scan(&id, &text, &ts, &f); err != nil {
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
	}
}
