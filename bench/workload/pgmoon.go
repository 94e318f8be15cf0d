package workload

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/pgmoon-go/pgmoon"
)

// The workloads on pgmoon's native API. Each checks what it read, so that
// a driver that skipped work would fail rather than look fast.

// PgmoonOneRow selects one account by key; mode is passed per call
// (pgmoon.ExecModeCacheStatement is the default).
func PgmoonOneRow(ctx context.Context, q *pgmoon.Conn, mode pgmoon.QueryExecMode, id int32) error {
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

// PgmoonRows1000 reads 1000 rows of (int4, text, timestamptz, float8).
func PgmoonRows1000(ctx context.Context, q *pgmoon.Conn) error {
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

// PgmoonBatch sends size one-row selects as one batch (a pipeline) and
// reads every result.
func PgmoonBatch(ctx context.Context, q *pgmoon.Conn, size, accounts int) error {
	b := &pgmoon.Batch{}
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

// PgmoonInsert inserts one row.
func PgmoonInsert(ctx context.Context, q *pgmoon.Conn) error {
	tag, err := q.Exec(ctx, InsertSQL, "inserted", int64(42))
	if err != nil {
		return err
	}
	return checkRows(int(tag.RowsAffected()), 1)
}

// PgmoonCopyFrom empties bench_copy_dst and copies rows into it.
func PgmoonCopyFrom(ctx context.Context, q *pgmoon.Conn, rows [][]any) error {
	if _, err := q.Exec(ctx, "truncate bench_copy_dst"); err != nil {
		return err
	}
	n, err := q.CopyFrom(ctx, pgmoon.Identifier{"bench_copy_dst"}, CopyColumns, pgmoon.CopyFromRows(rows))
	if err != nil {
		return err
	}
	return checkRows(int(n), len(rows))
}

// PgmoonCopyTo copies bench_copy_src out into io.Discard.
func PgmoonCopyTo(ctx context.Context, q *pgmoon.Conn, want int) error {
	n, err := q.CopyTo(ctx, io.Discard, CopyToSQL)
	if err != nil {
		return err
	}
	return checkRows(int(n), want)
}

// PgmoonPoolOneRow selects one account by key through a pool.
func PgmoonPoolOneRow(ctx context.Context, p *pgmoon.Pool, id int32) error {
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

// PgmoonConnect connects (with whatever authentication cfg's role needs)
// and closes.
func PgmoonConnect(ctx context.Context, cfg *pgmoon.Config) error {
	conn, err := pgmoon.Connect(ctx, cfg)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// PgmoonBlob selects the large bytea into a []byte.
func PgmoonBlob(ctx context.Context, q *pgmoon.Conn, want int) error {
	var data []byte
	if err := q.QueryRow(ctx, BlobSQL).Scan(&data); err != nil {
		return err
	}
	return checkLen(len(data), want)
}

func checkRows(got, want int) error {
	if got != want {
		return fmt.Errorf("got %d rows, want %d", got, want)
	}
	return nil
}

func checkLen(got, want int) error {
	if got != want {
		return fmt.Errorf("got %d bytes, want %d", got, want)
	}
	return nil
}
