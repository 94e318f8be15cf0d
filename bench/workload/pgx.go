package workload

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The same workloads on pgx's native API, written the way its documentation
// shows; the exec mode, where it matters, is passed per call.

// PgxOneRow selects one account by key.
func PgxOneRow(ctx context.Context, q *pgx.Conn, mode pgx.QueryExecMode, id int32) error {
	var (
		gotID   int32
		name    string
		balance int64
	)
	if err := q.QueryRow(ctx, OneRowSQL, mode, id).Scan(&gotID, &name, &balance); err != nil {
		return err
	}
	if gotID != id {
		return fmt.Errorf("onerow: got id %d, want %d", gotID, id)
	}
	return nil
}

// PgxRows1000 reads 1000 rows of (int4, text, timestamptz, float8).
func PgxRows1000(ctx context.Context, q *pgx.Conn) error {
	rows, err := q.Query(ctx, Rows1000SQL)
	if err != nil {
		return err
	}
	var (
		id   int32
		text string
		ts   time.Time
		f    float64
		n    int
	)
	for rows.Next() {
		if err := rows.Scan(&id, &text, &ts, &f); err != nil {
			rows.Close()
			return err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return checkRows(n, 1000)
}

// PgxBatch sends size one-row selects as one pgx.Batch and reads every
// result.
func PgxBatch(ctx context.Context, q *pgx.Conn, size, accounts int) error {
	b := &pgx.Batch{}
	for i := range size {
		b.Queue(OneRowSQL, int32(i%accounts+1))
	}
	br := q.SendBatch(ctx, b)
	var (
		id      int32
		name    string
		balance int64
	)
	for i := range size {
		if err := br.QueryRow().Scan(&id, &name, &balance); err != nil {
			br.Close()
			return err
		}
		if id != int32(i%accounts+1) {
			br.Close()
			return fmt.Errorf("batch: result %d has id %d", i, id)
		}
	}
	return br.Close()
}

// PgxInsert inserts one row.
func PgxInsert(ctx context.Context, q *pgx.Conn) error {
	tag, err := q.Exec(ctx, InsertSQL, "inserted", int64(42))
	if err != nil {
		return err
	}
	return checkRows(int(tag.RowsAffected()), 1)
}

// PgxCopyFrom empties bench_copy_dst and copies rows into it.
func PgxCopyFrom(ctx context.Context, q *pgx.Conn, rows [][]any) error {
	if _, err := q.Exec(ctx, "truncate bench_copy_dst"); err != nil {
		return err
	}
	n, err := q.CopyFrom(ctx, pgx.Identifier{"bench_copy_dst"}, CopyColumns, pgx.CopyFromRows(rows))
	if err != nil {
		return err
	}
	return checkRows(int(n), len(rows))
}

// PgxCopyTo copies bench_copy_src out into io.Discard.
func PgxCopyTo(ctx context.Context, q *pgx.Conn, want int) error {
	tag, err := q.PgConn().CopyTo(ctx, io.Discard, CopyToSQL)
	if err != nil {
		return err
	}
	return checkRows(int(tag.RowsAffected()), want)
}

// PgxPoolOneRow selects one account by key through pgxpool.
func PgxPoolOneRow(ctx context.Context, p *pgxpool.Pool, id int32) error {
	var (
		gotID   int32
		name    string
		balance int64
	)
	if err := p.QueryRow(ctx, OneRowSQL, id).Scan(&gotID, &name, &balance); err != nil {
		return err
	}
	if gotID != id {
		return fmt.Errorf("pool: got id %d, want %d", gotID, id)
	}
	return nil
}

// PgxConnect connects and closes.
func PgxConnect(ctx context.Context, cfg *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// PgxBlob selects the large bytea into a []byte.
func PgxBlob(ctx context.Context, q *pgx.Conn, want int) error {
	var data []byte
	if err := q.QueryRow(ctx, BlobSQL).Scan(&data); err != nil {
		return err
	}
	return checkLen(len(data), want)
}
