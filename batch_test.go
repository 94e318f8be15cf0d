package pgmoon_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// countRows returns count(*) of table.
func countRows(t *testing.T, conn *pgmoon.Conn, table string) string {
	t.Helper()
	return scalar(t, conn, "select count(*) from "+table)
}

func TestBatchResultsInOrder(t *testing.T) {
	for _, mode := range allModes {
		t.Run(mode.String(), func(t *testing.T) {
			conn := modeConn(t, mode)
			ctx := testCtx(t)
			table := "batch_order_" + mode.String()
			mustExec(t, conn, fmt.Sprintf("drop table if exists %s; create table %[1]s (id int primary key, name text)", table))
			b := &pgmoon.Batch{}
			b.Queue("insert into "+table+" values ($1, $2), ($3, $4)", 1, "one", 2, "two")
			b.Queue("select id, name from " + table + " order by id")
			b.Queue("select count(*) from " + table)
			b.Queue("update "+table+" set name = upper(name) where id = $1", 2)
			if b.Len() != 4 {
				t.Fatalf("Len = %d", b.Len())
			}
			br := conn.SendBatch(ctx, b)
			tag, err := br.Exec()
			if err != nil || tag.String() != "INSERT 0 2" {
				t.Fatalf("insert: %v %v", tag, err)
			}
			rows, err := br.Query()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for rows.Next() {
				var (
					id   int32
					name string
				)
				if err := rows.Scan(&id, &name); err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprint(id, name))
			}
			if rows.Err() != nil || strings.Join(got, ",") != "1one,2two" {
				t.Fatalf("rows %v %v", got, rows.Err())
			}
			var n int64
			if err := br.QueryRow().Scan(&n); err != nil || n != 2 {
				t.Fatalf("count %d %v", n, err)
			}
			tag, err = br.Exec()
			if err != nil || tag.RowsAffected() != 1 {
				t.Fatalf("update: %v %v", tag, err)
			}
			if _, err := br.Exec(); err == nil || !strings.Contains(err.Error(), "no more statements") {
				t.Fatalf("past the end: %v", err)
			}
			if err := br.Close(); err != nil {
				t.Fatal(err)
			}
			if err := br.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			if scalar(t, conn, "select name from "+table+" where id = 2") != "TWO" {
				t.Fatal("update not applied")
			}
			if conn.TxStatus() != 'I' {
				t.Fatalf("TxStatus %c", conn.TxStatus())
			}
		})
	}
}

func TestBatchErrorSemantics(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	mustExec(t, conn, "drop table if exists batch_err; create table batch_err (id int primary key)")
	queue := func(b *pgmoon.Batch) {
		b.Queue("insert into batch_err values ($1)", 1)
		b.Queue("insert into batch_err values (1/$1)", 0) // division by zero
		b.Queue("insert into batch_err values ($1)", 3)
		b.Queue("select count(*) from batch_err")
	}

	// One implicit transaction: the failure rolls back the first insert
	// and the server skips the rest.
	b := &pgmoon.Batch{}
	queue(b)
	br := conn.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		t.Fatalf("first: %v", err)
	}
	if _, err := br.Exec(); !errors.Is(err, &pgmoon.PgError{Code: "22012"}) {
		t.Fatalf("second: %v", err)
	}
	if _, err := br.Exec(); !errors.Is(err, pgmoon.ErrBatchAborted) {
		t.Fatalf("third: %v", err)
	}
	if err := br.QueryRow().Scan(new(int64)); !errors.Is(err, pgmoon.ErrBatchAborted) {
		t.Fatalf("fourth: %v", err)
	}
	if err := br.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if got := countRows(t, conn, "batch_err"); got != "0" {
		t.Fatalf("implicit transaction kept %s rows", got)
	}

	// Independent: each statement is its own transaction.
	b = &pgmoon.Batch{Independent: true}
	queue(b)
	br = conn.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		t.Fatalf("first: %v", err)
	}
	if _, err := br.Exec(); !errors.Is(err, &pgmoon.PgError{Code: "22012"}) {
		t.Fatalf("second: %v", err)
	}
	if _, err := br.Exec(); err != nil {
		t.Fatalf("third: %v", err)
	}
	var n int64
	if err := br.QueryRow().Scan(&n); err != nil || n != 2 {
		t.Fatalf("count %d %v", n, err)
	}
	if err := br.Close(); err != nil {
		t.Fatal(err)
	}

	// Close without reading returns the first error it discarded.
	b = &pgmoon.Batch{}
	b.Queue("select 1")
	b.Queue("select 1/0")
	b.Queue("select 2")
	if err := conn.SendBatch(ctx, b).Close(); !errors.Is(err, &pgmoon.PgError{Code: "22012"}) {
		t.Fatalf("close unread: %v", err)
	}
	if scalar(t, conn, "select 'ready'") != "ready" {
		t.Fatal("not ready")
	}
}

func TestBatchFailsBeforeRunning(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	mustExec(t, conn, "drop table if exists batch_pre; create table batch_pre (id int)")
	for _, tc := range []struct {
		name, sql, want string
		args            []any
	}{
		{"syntax", "selec 1", "42601", nil},
		{"count", "select $1::int", "1 parameters but 2 arguments", []any{1, 2}},
		{"type", "select $1::int", "parameter $1", []any{[]string{"x"}}},
		{"nul", "select 1\x00", "NUL", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &pgmoon.Batch{}
			b.Queue("insert into batch_pre values (1)")
			b.Queue(tc.sql, tc.args...)
			br := conn.SendBatch(ctx, b)
			_, err1 := br.Exec()
			_, err2 := br.Exec()
			errClose := br.Close()
			for _, err := range []error{err1, err2, errClose} {
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "statement 2") {
					t.Fatalf("err = %v, want one naming statement 2 and %q", err, tc.want)
				}
			}
			if got := countRows(t, conn, "batch_pre"); got != "0" {
				t.Fatalf("a statement ran: %s rows", got)
			}
		})
	}
}

// TestBatch10k pipelines 10,000 statements: the server writes results while
// the batch is still being written, which must not deadlock.
func TestBatch10k(t *testing.T) {
	const n = 10000
	for _, mode := range []pgmoon.QueryExecMode{pgmoon.ExecModeCacheStatement, pgmoon.ExecModeExec, pgmoon.ExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			conn := modeConn(t, mode)
			ctx := testCtx(t)
			b := &pgmoon.Batch{}
			for i := range n {
				// Each result is a few hundred bytes: megabytes in all.
				b.Queue("select $1::int, repeat('x', 300)", i)
			}
			br := conn.SendBatch(ctx, b)
			for i := range n {
				var (
					got int32
					s   string
				)
				if err := br.QueryRow().Scan(&got, &s); err != nil {
					t.Fatalf("statement %d: %v", i, err)
				}
				if int(got) != i || len(s) != 300 {
					t.Fatalf("statement %d: got %d", i, got)
				}
			}
			if err := br.Close(); err != nil {
				t.Fatal(err)
			}
			// Never reading results but through Close works too.
			b = &pgmoon.Batch{}
			for i := range n {
				b.Queue("select $1::int, repeat('y', 300)", i)
			}
			if err := conn.SendBatch(ctx, b).Close(); err != nil {
				t.Fatal(err)
			}
			if scalar(t, conn, "select 'ready'") != "ready" {
				t.Fatal("not ready")
			}
		})
	}
}

func TestBatchBusyAndMixed(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	rows, err := conn.Query(ctx, "select 1")
	if err != nil {
		t.Fatal(err)
	}
	b := &pgmoon.Batch{}
	b.Queue("select 1")
	br := conn.SendBatch(ctx, b)
	if _, err := br.Exec(); !errors.Is(err, pgmoon.ErrConnBusy) {
		t.Fatalf("busy: %v", err)
	}
	if err := br.Close(); !errors.Is(err, pgmoon.ErrConnBusy) {
		t.Fatalf("busy close: %v", err)
	}
	rows.Close()

	b.Queue("select 2", pgmoon.ExecModeSimpleProtocol)
	if err := conn.SendBatch(ctx, b).Close(); err == nil || !strings.Contains(err.Error(), "cannot share a batch") {
		t.Fatalf("mixed protocols: %v", err)
	}
	// An empty batch is fine.
	if err := conn.SendBatch(ctx, &pgmoon.Batch{}).Close(); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
	if scalar(t, conn, "select 'ready'") != "ready" {
		t.Fatal("not ready")
	}
}

// TestBatchCancel: the context ends while the server runs a batched
// statement. The server cancels it, the rest of the batch is aborted, and
// the connection is ready for the next call.
func TestBatchCancel(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	b := &pgmoon.Batch{}
	b.Queue("select 1")
	b.Queue("select pg_sleep(10)")
	b.Queue("select 2")
	br := conn.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		t.Fatalf("first: %v", err)
	}
	_, err := br.Exec()
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, &pgmoon.PgError{Code: "57014"}) {
		t.Fatalf("second: %v, want the deadline and query_canceled", err)
	}
	if _, err := br.Exec(); !errors.Is(err, pgmoon.ErrBatchAborted) {
		t.Fatalf("third: %v", err)
	}
	if err := br.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if conn.IsClosed() || scalar(t, conn, "select 'ready'") != "ready" {
		t.Fatal("connection not ready after a cancelled batch")
	}
}

// TestBatchQueuedQueryEdits changes statements through the pointers Queue
// returned, after many more were queued (Queue keeps its QueuedQuery
// values in blocks), and checks that the batch runs the edited ones.
func TestBatchQueuedQueryEdits(t *testing.T) {
	conn := modeConn(t, pgmoon.ExecModeCacheStatement)
	ctx := testCtx(t)
	b := &pgmoon.Batch{}
	var qs []*pgmoon.QueuedQuery
	for i := range 1500 {
		qs = append(qs, b.Queue("select $1::int4", int32(i)))
	}
	for i, q := range qs {
		if i%2 == 0 {
			q.Args = []any{int32(-i)}
		}
		if i%7 == 0 {
			q.SQL = "select $1::int4 * 10"
		}
	}
	br := conn.SendBatch(ctx, b)
	defer br.Close()
	for i := range qs {
		want := int32(i)
		if i%2 == 0 {
			want = int32(-i)
		}
		if i%7 == 0 {
			want *= 10
		}
		var got int32
		if err := br.QueryRow().Scan(&got); err != nil {
			t.Fatalf("statement %d: %v", i, err)
		}
		if got != want {
			t.Fatalf("statement %d: got %d, want %d", i, got, want)
		}
	}
	if err := br.Close(); err != nil {
		t.Fatal(err)
	}
}
