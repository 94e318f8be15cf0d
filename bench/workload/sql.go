package workload

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "github.com/lib/pq"              // registers "postgres"
	_ "github.com/pgmoon-go/pgmoon"    // registers "pgmoon"
)

// The database/sql workloads, shared by pgmoon, pgx's stdlib and lib/pq:
// the driver is the *sql.DB's.

// SQLDriverNames maps the report's driver names to database/sql's.
var SQLDriverNames = map[string]string{
	PgmoonSQL: "pgmoon",
	PgxStdlib: "pgx",
	LibPQ:     "postgres",
}

// OpenSQL opens a *sql.DB with one connection for the report driver name
// (PgmoonSQL, PgxStdlib or LibPQ) and checks it.
func OpenSQL(ctx context.Context, driver, dsn string) (*sql.DB, error) {
	name, ok := SQLDriverNames[driver]
	if !ok {
		return nil, fmt.Errorf("open %s: not a database/sql driver", driver)
	}
	db, err := sql.Open(name, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", driver, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", driver, err)
	}
	return db, nil
}

// SQLOneRow selects one account by key.
func SQLOneRow(ctx context.Context, db *sql.DB, id int32) error {
	var (
		gotID   int32
		name    string
		balance int64
	)
	if err := db.QueryRowContext(ctx, OneRowSQL, id).Scan(&gotID, &name, &balance); err != nil {
		return err
	}
	if gotID != id {
		return fmt.Errorf("onerow: got id %d, want %d", gotID, id)
	}
	return nil
}

// SQLRows1000 reads 1000 rows of (int4, text, timestamptz, float8).
func SQLRows1000(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, Rows1000SQL)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		id   int32
		text string
		ts   time.Time
		f    float64
		n    int
	)
	for rows.Next() {
		if err := rows.Scan(&id, &text, &ts, &f); err != nil {
			return err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return checkRows(n, 1000)
}

// SQLInsert inserts one row.
func SQLInsert(ctx context.Context, db *sql.DB) error {
	res, err := db.ExecContext(ctx, InsertSQL, "inserted", int64(42))
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	return checkRows(int(n), 1)
}

// SQLBlob selects the large bytea into a []byte.
func SQLBlob(ctx context.Context, db *sql.DB, want int) error {
	var data []byte
	if err := db.QueryRowContext(ctx, BlobSQL).Scan(&data); err != nil {
		return err
	}
	return checkLen(len(data), want)
}
