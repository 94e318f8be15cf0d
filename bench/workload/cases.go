package workload

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pgmoon-go/pgmoon"
)

// All returns every workload, in report order.
func All() []Workload {
	perRow1000 := func(Env) int { return 1000 }
	perCopy := func(e Env) int { return e.CopyRows }
	return []Workload{
		{
			Name: "onerow/cached",
			Doc:  "one-row select by key, default exec mode (prepared and cached)",
			Cases: []Case{
				{Driver: Pgmoon, Open: pgmoonOp(func(ctx context.Context, c *pgmoon.Conn, e Env, k *keys) error {
					return PgmoonOneRow(ctx, c, pgmoon.ExecModeCacheStatement, k.next())
				})},
				{Driver: Pgx, Open: pgxOp(func(ctx context.Context, c *pgx.Conn, e Env, k *keys) error {
					return PgxOneRow(ctx, c, pgx.QueryExecModeCacheStatement, k.next())
				})},
				{Driver: Wire, Open: openWireOneRow},
			},
		},
		{
			Name: "onerow/exec",
			Doc:  "one-row select by key, unprepared (exec mode Exec: one round trip, no describe)",
			Cases: []Case{
				{Driver: Pgmoon, Open: pgmoonOp(func(ctx context.Context, c *pgmoon.Conn, e Env, k *keys) error {
					return PgmoonOneRow(ctx, c, pgmoon.ExecModeExec, k.next())
				})},
				{Driver: Pgx, Open: pgxOp(func(ctx context.Context, c *pgx.Conn, e Env, k *keys) error {
					return PgxOneRow(ctx, c, pgx.QueryExecModeExec, k.next())
				})},
			},
		},
		{
			Name:  "onerow/sql",
			Doc:   "one-row select by key through database/sql",
			Cases: sqlCases(func(ctx context.Context, db *sql.DB, e Env, k *keys) error { return SQLOneRow(ctx, db, k.next()) }),
		},
		{
			Name:  "rows1000/native",
			Doc:   "1000 rows of (int4, text, timestamptz, float8)",
			PerOp: perRow1000,
			Cases: []Case{
				{Driver: Pgmoon, Open: pgmoonOp(func(ctx context.Context, c *pgmoon.Conn, e Env, k *keys) error { return PgmoonRows1000(ctx, c) })},
				{Driver: Pgx, Open: pgxOp(func(ctx context.Context, c *pgx.Conn, e Env, k *keys) error { return PgxRows1000(ctx, c) })},
				{Driver: Wire, Open: openWireRows1000},
			},
		},
		{
			Name:  "rows1000/sql",
			Doc:   "1000 rows of (int4, text, timestamptz, float8) through database/sql",
			PerOp: perRow1000,
			Cases: sqlCases(func(ctx context.Context, db *sql.DB, e Env, k *keys) error { return SQLRows1000(ctx, db) }),
		},
		{
			Name:  "batch100",
			Doc:   "a batch (pipeline) of 100 one-row selects",
			PerOp: func(e Env) int { return e.BatchSize },
			Cases: []Case{
				{Driver: Pgmoon, Open: pgmoonOp(func(ctx context.Context, c *pgmoon.Conn, e Env, k *keys) error {
					return PgmoonBatch(ctx, c, e.BatchSize, e.Accounts)
				})},
				{Driver: Pgx, Open: pgxOp(func(ctx context.Context, c *pgx.Conn, e Env, k *keys) error {
					return PgxBatch(ctx, c, e.BatchSize, e.Accounts)
				})},
				{Driver: Wire, Open: openWireBatch},
			},
		},
		{
			Name: "insert/native",
			Doc:  "insert one row",
			Cases: []Case{
				{Driver: Pgmoon, Open: pgmoonOp(func(ctx context.Context, c *pgmoon.Conn, e Env, k *keys) error { return PgmoonInsert(ctx, c) })},
				{Driver: Pgx, Open: pgxOp(func(ctx context.Context, c *pgx.Conn, e Env, k *keys) error { return PgxInsert(ctx, c) })},
			},
		},
		{
			Name:  "insert/sql",
			Doc:   "insert one row through database/sql",
			Cases: sqlCases(func(ctx context.Context, db *sql.DB, e Env, k *keys) error { return SQLInsert(ctx, db) }),
		},
		{
			Name:  "copyfrom",
			Doc:   "COPY FROM of prebuilt rows of (int8, text, timestamptz, float8), after a truncate",
			PerOp: perCopy,
			Cases: []Case{
				{Driver: Pgmoon, Open: pgmoonOp(func(ctx context.Context, c *pgmoon.Conn, e Env, k *keys) error {
					return PgmoonCopyFrom(ctx, c, CopyRows(e.CopyRows))
				})},
				{Driver: Pgx, Open: pgxOp(func(ctx context.Context, c *pgx.Conn, e Env, k *keys) error {
					return PgxCopyFrom(ctx, c, CopyRows(e.CopyRows))
				})},
			},
		},
		{
			Name:  "copyto",
			Doc:   "COPY TO STDOUT (text) into io.Discard",
			PerOp: perCopy,
			Cases: []Case{
				{Driver: Pgmoon, Open: pgmoonOp(func(ctx context.Context, c *pgmoon.Conn, e Env, k *keys) error {
					return PgmoonCopyTo(ctx, c, e.CopyRows)
				})},
				{Driver: Pgx, Open: pgxOp(func(ctx context.Context, c *pgx.Conn, e Env, k *keys) error { return PgxCopyTo(ctx, c, e.CopyRows) })},
			},
		},
		{
			Name:     "pool32",
			Doc:      "32 goroutines doing one-row selects on a pool of 8 connections",
			Parallel: func(e Env) int { return e.PoolGoroutines },
			Cases: []Case{
				{Driver: PgmoonPool, Open: openPgmoonPool},
				{Driver: PgxPool, Open: openPgxPool},
			},
		},
		{
			Name: "connect/scram",
			Doc:  "connect with SCRAM-SHA-256 authentication, then close",
			Cases: []Case{
				{Driver: Pgmoon, Open: func(ctx context.Context, e Env) (Runner, error) {
					if e.ScramDSN == "" {
						return Runner{}, ErrSkip
					}
					cfg, err := pgmoon.ParseConfig(e.ScramDSN)
					if err != nil {
						return Runner{}, err
					}
					return Runner{Op: func(ctx context.Context) error { return PgmoonConnect(ctx, cfg) }, Close: func() {}}, nil
				}},
				{Driver: Pgx, Open: func(ctx context.Context, e Env) (Runner, error) {
					if e.ScramDSN == "" {
						return Runner{}, ErrSkip
					}
					cfg, err := pgx.ParseConfig(e.ScramDSN)
					if err != nil {
						return Runner{}, err
					}
					return Runner{Op: func(ctx context.Context) error { return PgxConnect(ctx, cfg) }, Close: func() {}}, nil
				}},
			},
		},
		{
			Name: "bytea1mb/native",
			Doc:  "select a 1 MiB bytea into a []byte",
			Cases: []Case{
				{Driver: Pgmoon, Open: pgmoonOp(func(ctx context.Context, c *pgmoon.Conn, e Env, k *keys) error { return PgmoonBlob(ctx, c, e.BlobSize) })},
				{Driver: Pgx, Open: pgxOp(func(ctx context.Context, c *pgx.Conn, e Env, k *keys) error { return PgxBlob(ctx, c, e.BlobSize) })},
			},
		},
		{
			Name:  "bytea1mb/sql",
			Doc:   "select a 1 MiB bytea into a []byte through database/sql",
			Cases: sqlCases(func(ctx context.Context, db *sql.DB, e Env, k *keys) error { return SQLBlob(ctx, db, e.BlobSize) }),
		},
	}
}

// ErrSkip is returned by Open when the environment cannot run the case
// (the connect workload without a SCRAM role).
var ErrSkip = fmt.Errorf("workload not available on this server")

// keys cycles through the account ids 1..n; safe for concurrent use.
type keys struct {
	n int32
	i atomic.Int32
}

func (k *keys) next() int32 { return (k.i.Add(1)-1)%k.n + 1 }

func pgmoonOp(f func(context.Context, *pgmoon.Conn, Env, *keys) error) func(context.Context, Env) (Runner, error) {
	return func(ctx context.Context, e Env) (Runner, error) {
		e = e.WithDefaults()
		c, err := pgmoon.ConnectString(ctx, e.DSN)
		if err != nil {
			return Runner{}, fmt.Errorf("pgmoon: connect: %w", err)
		}
		k := &keys{n: int32(e.Accounts)}
		return Runner{
			Op:    func(ctx context.Context) error { return f(ctx, c, e, k) },
			Close: func() { c.Close(context.Background()) },
		}, nil
	}
}

func pgxOp(f func(context.Context, *pgx.Conn, Env, *keys) error) func(context.Context, Env) (Runner, error) {
	return func(ctx context.Context, e Env) (Runner, error) {
		e = e.WithDefaults()
		c, err := pgx.Connect(ctx, e.DSN)
		if err != nil {
			return Runner{}, fmt.Errorf("pgx: connect: %w", err)
		}
		k := &keys{n: int32(e.Accounts)}
		return Runner{
			Op:    func(ctx context.Context) error { return f(ctx, c, e, k) },
			Close: func() { c.Close(context.Background()) },
		}, nil
	}
}

func sqlCases(f func(context.Context, *sql.DB, Env, *keys) error) []Case {
	var cases []Case
	for _, driver := range []string{PgmoonSQL, PgxStdlib, LibPQ} {
		cases = append(cases, Case{Driver: driver, Open: func(ctx context.Context, e Env) (Runner, error) {
			e = e.WithDefaults()
			db, err := OpenSQL(ctx, driver, e.DSN)
			if err != nil {
				return Runner{}, err
			}
			k := &keys{n: int32(e.Accounts)}
			return Runner{
				Op:    func(ctx context.Context) error { return f(ctx, db, e, k) },
				Close: func() { db.Close() },
			}, nil
		}})
	}
	return cases
}

func openPgmoonPool(ctx context.Context, e Env) (Runner, error) {
	e = e.WithDefaults()
	cfg, err := pgmoon.ParseConfig(e.DSN)
	if err != nil {
		return Runner{}, err
	}
	cfg.Pool.MaxConns = int32(e.PoolSize)
	p, err := pgmoon.NewPool(ctx, cfg)
	if err != nil {
		return Runner{}, fmt.Errorf("pgmoon: pool: %w", err)
	}
	// Open every connection before measuring: steady state only.
	var held []*pgmoon.PoolConn
	for range e.PoolSize {
		c, err := p.Acquire(ctx)
		if err != nil {
			p.Close()
			return Runner{}, fmt.Errorf("pgmoon: pool: acquire: %w", err)
		}
		held = append(held, c)
	}
	for _, c := range held {
		c.Release()
	}
	k := &keys{n: int32(e.Accounts)}
	return Runner{Op: func(ctx context.Context) error { return PgmoonPoolOneRow(ctx, p, k.next()) }, Close: p.Close}, nil
}

func openPgxPool(ctx context.Context, e Env) (Runner, error) {
	e = e.WithDefaults()
	cfg, err := pgxpool.ParseConfig(e.DSN)
	if err != nil {
		return Runner{}, err
	}
	cfg.MaxConns = int32(e.PoolSize)
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return Runner{}, fmt.Errorf("pgxpool: %w", err)
	}
	var held []*pgxpool.Conn
	for range e.PoolSize {
		c, err := p.Acquire(ctx)
		if err != nil {
			p.Close()
			return Runner{}, fmt.Errorf("pgxpool: acquire: %w", err)
		}
		held = append(held, c)
	}
	for _, c := range held {
		c.Release()
	}
	k := &keys{n: int32(e.Accounts)}
	return Runner{Op: func(ctx context.Context) error { return PgxPoolOneRow(ctx, p, k.next()) }, Close: p.Close}, nil
}

var copyRows struct {
	sync.Mutex
	n    int
	rows [][]any
}

// CopyRows returns n prebuilt rows of (int8, text, timestamptz, float8)
// for COPY FROM, built on first use and shared by every driver, so that
// the allocations measured are the driver's, not the source's.
func CopyRows(n int) [][]any {
	copyRows.Lock()
	defer copyRows.Unlock()
	if copyRows.n == n && copyRows.rows != nil {
		return copyRows.rows
	}
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("row name number %d", i)
	}
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = []any{int64(i), names[i%len(names)], at.Add(time.Duration(i) * time.Second), float64(i) / 3}
	}
	copyRows.n, copyRows.rows = n, rows
	return rows
}
