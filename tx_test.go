package pgmoon_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/protocol"
)

// txTable creates an empty table tx_<test name> (id int primary key, v
// text) and drops it when the test ends. It returns the table's name.
func txTable(t *testing.T, conn *pgmoon.Conn) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("tx_")
	for _, r := range strings.ToLower(t.Name()) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	name := b.String()
	if len(name) > 63 {
		name = name[:63]
	}
	if _, err := conn.SimpleQuery(testCtx(t), fmt.Sprintf("drop table if exists %[1]s; create table %[1]s (id int primary key, v text)", name)); err != nil {
		t.Fatal(err)
	}
	dsn := pgtest.Default(t).DSN()
	t.Cleanup(func() {
		// On a connection of its own: the test's may be closed by now.
		c, err := pgmoon.ConnectString(context.Background(), dsn)
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.SimpleQuery(context.Background(), "drop table if exists "+name); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return name
}

// ids returns the ids in table, in order, as seen by conn.
func ids(t *testing.T, conn *pgmoon.Conn, table string) []int {
	t.Helper()
	rows, err := conn.Query(testCtx(t), "select id from "+table+" order by id")
	if err != nil {
		t.Fatal(err)
	}
	got := []int{}
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

func wantIDs(t *testing.T, conn *pgmoon.Conn, table string, want ...int) {
	t.Helper()
	if want == nil {
		want = []int{}
	}
	if diff := cmp.Diff(want, ids(t, conn, table)); diff != "" {
		t.Errorf("ids in %s (-want +got):\n%s", table, diff)
	}
}

func wantStatus(t *testing.T, conn *pgmoon.Conn, want byte) {
	t.Helper()
	if got := conn.TxStatus(); got != want {
		t.Errorf("TxStatus = %q, want %q", got, want)
	}
}

func insert(t *testing.T, q pgmoon.Querier, table string, id int) {
	t.Helper()
	tag, err := q.Exec(testCtx(t), "insert into "+table+" (id, v) values ($1, $2)", id, fmt.Sprint("row ", id))
	if err != nil {
		t.Fatalf("insert %d: %v", id, err)
	}
	if tag.RowsAffected() != 1 {
		t.Fatalf("insert %d: tag %q", id, tag)
	}
}

func TestTxCommitAndRollback(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	other := connect(t, pgtest.Default(t).DSN())
	table := txTable(t, conn)
	ctx := testCtx(t)

	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, conn, 'T')
	if tx.Conn() != conn {
		t.Error("Tx.Conn is not the connection it began on")
	}
	insert(t, tx, table, 1)
	wantIDs(t, other, table) // not visible before the commit
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, conn, 'I')
	wantIDs(t, other, table, 1)

	tx, err = conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	insert(t, tx, table, 2)
	var n int
	if err := tx.QueryRow(ctx, "select count(*) from "+table).Scan(&n); err != nil || n != 2 {
		t.Fatalf("count inside the transaction = %d, %v; want 2", n, err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, conn, 'I')
	wantIDs(t, conn, table, 1)
	wantIDs(t, other, table, 1)
}

func TestTxDeferredRollbackIdiom(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	table := txTable(t, conn)
	ctx := testCtx(t)

	work := func(fail bool) error {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, "insert into "+table+" (id) values (1)"); err != nil {
			return err
		}
		if fail {
			return errors.New("changed my mind")
		}
		return tx.Commit(ctx)
	}
	if err := work(true); err == nil {
		t.Fatal("no error")
	}
	wantStatus(t, conn, 'I')
	wantIDs(t, conn, table)
	if err := work(false); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, conn, 'I')
	wantIDs(t, conn, table, 1)
}

func TestTxOptionsReachServer(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	for _, tc := range []struct {
		opts                      pgmoon.TxOptions
		iso, readOnly, deferrable string
	}{
		{pgmoon.TxOptions{}, "read committed", "off", "off"},
		{pgmoon.TxOptions{IsoLevel: pgmoon.Serializable}, "serializable", "off", "off"},
		{pgmoon.TxOptions{IsoLevel: pgmoon.RepeatableRead}, "repeatable read", "off", "off"},
		{pgmoon.TxOptions{IsoLevel: pgmoon.ReadCommitted, AccessMode: pgmoon.ReadWrite}, "read committed", "off", "off"},
		{pgmoon.TxOptions{IsoLevel: pgmoon.ReadUncommitted}, "read uncommitted", "off", "off"},
		{pgmoon.TxOptions{AccessMode: pgmoon.ReadOnly}, "read committed", "on", "off"},
		{pgmoon.TxOptions{IsoLevel: pgmoon.Serializable, AccessMode: pgmoon.ReadOnly, DeferrableMode: pgmoon.Deferrable}, "serializable", "on", "on"},
		{pgmoon.TxOptions{IsoLevel: pgmoon.Serializable, DeferrableMode: pgmoon.NotDeferrable}, "serializable", "off", "off"},
		{pgmoon.TxOptions{BeginQuery: "start transaction isolation level repeatable read; set local application_name = 'pgmoon-tx'"}, "repeatable read", "off", "off"},
	} {
		t.Run(fmt.Sprintf("%+v", tc.opts), func(t *testing.T) {
			tx, err := conn.BeginTx(ctx, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			got := [3]string{
				scalar(t, conn, "show transaction_isolation"),
				scalar(t, conn, "show transaction_read_only"),
				scalar(t, conn, "show transaction_deferrable"),
			}
			if want := [3]string{tc.iso, tc.readOnly, tc.deferrable}; got != want {
				t.Errorf("isolation, read only, deferrable = %q, want %q", got, want)
			}
			if tc.opts.BeginQuery != "" && conn.ParameterStatus("application_name") != "pgmoon-tx" {
				t.Errorf("application_name = %q: BeginQuery's second statement did not run", conn.ParameterStatus("application_name"))
			}
			if err := tx.Rollback(ctx); err != nil {
				t.Fatal(err)
			}
			wantStatus(t, conn, 'I')
		})
	}
}

func TestTxReadOnlyRefusesWrites(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	table := txTable(t, conn)
	ctx := testCtx(t)
	tx, err := conn.BeginTx(ctx, pgmoon.TxOptions{AccessMode: pgmoon.ReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(ctx, "insert into "+table+" (id) values (1)")
	if !errors.Is(err, &pgmoon.PgError{Code: "25006"}) {
		t.Fatalf("insert in a read-only transaction: err = %v, want SQLSTATE 25006", err)
	}
	wantStatus(t, conn, 'E')
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, conn, 'I')
	wantIDs(t, conn, table)
}

func TestTxNested(t *testing.T) {
	ctx := testCtx(t)
	t.Run("inner rollback keeps the outer work", func(t *testing.T) {
		conn := connect(t, pgtest.Default(t).DSN())
		table := txTable(t, conn)
		outer, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		insert(t, outer, table, 1)
		inner, err := outer.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		insert(t, inner, table, 2)
		wantIDs(t, conn, table, 1, 2)
		if err := inner.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, conn, 'T')
		wantIDs(t, conn, table, 1)
		insert(t, outer, table, 3)
		if err := outer.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, conn, table, 1, 3)
	})
	t.Run("inner commit then outer rollback discards both", func(t *testing.T) {
		conn := connect(t, pgtest.Default(t).DSN())
		table := txTable(t, conn)
		outer, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		insert(t, outer, table, 1)
		inner, err := outer.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		insert(t, inner, table, 2)
		if err := inner.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, conn, table, 1, 2)
		if err := outer.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, conn, 'I')
		wantIDs(t, conn, table)
	})
	t.Run("three levels", func(t *testing.T) {
		conn := connect(t, pgtest.Default(t).DSN())
		table := txTable(t, conn)
		tx1, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		insert(t, tx1, table, 1)
		tx2, err := tx1.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		insert(t, tx2, table, 2)
		tx3, err := tx2.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		insert(t, tx3, table, 3)
		if err := tx3.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		tx3b, err := tx2.Begin(ctx) // the same depth again, after the first ended
		if err != nil {
			t.Fatal(err)
		}
		insert(t, tx3b, table, 4)
		if err := tx3b.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if err := tx2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := tx1.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, conn, table, 1, 2, 3)
	})
	t.Run("failed inner statement rolled back, outer goes on", func(t *testing.T) {
		conn := connect(t, pgtest.Default(t).DSN())
		table := txTable(t, conn)
		outer, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		insert(t, outer, table, 1)
		inner, err := outer.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		insert(t, inner, table, 2)
		if _, err := inner.Exec(ctx, "insert into "+table+" (id) values (1)"); !errors.Is(err, &pgmoon.PgError{Code: "23505"}) {
			t.Fatalf("duplicate key: err = %v", err)
		}
		wantStatus(t, conn, 'E')
		// Commit of the failed savepoint rolls back to it instead.
		if err := inner.Commit(ctx); !errors.Is(err, pgmoon.ErrTxCommitRollback) {
			t.Fatalf("inner commit after an error: err = %v, want ErrTxCommitRollback", err)
		}
		wantStatus(t, conn, 'T')
		insert(t, outer, table, 3)
		if err := outer.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, conn, table, 1, 3)
	})
	t.Run("one open nested transaction at a time", func(t *testing.T) {
		conn := connect(t, pgtest.Default(t).DSN())
		outer, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer outer.Rollback(ctx)
		if _, err := outer.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := outer.Begin(ctx); err == nil || !strings.Contains(err.Error(), "open nested transaction") {
			t.Fatalf("second nested Begin: err = %v", err)
		}
	})
}

func TestTxEndingOuterEndsNested(t *testing.T) {
	ctx := testCtx(t)
	for _, commit := range []bool{true, false} {
		t.Run(fmt.Sprint("commit=", commit), func(t *testing.T) {
			conn := connect(t, pgtest.Default(t).DSN())
			table := txTable(t, conn)
			outer, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			inner, err := outer.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			innermost, err := inner.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			insert(t, innermost, table, 1)
			if commit {
				err = outer.Commit(ctx)
			} else {
				err = outer.Rollback(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
			wantStatus(t, conn, 'I')
			for _, tx := range []*pgmoon.Tx{inner, innermost} {
				if _, err := tx.Exec(ctx, "select 1"); !errors.Is(err, pgmoon.ErrTxClosed) {
					t.Errorf("Exec on a nested transaction after the outer ended: err = %v", err)
				}
				if err := tx.Commit(ctx); !errors.Is(err, pgmoon.ErrTxClosed) {
					t.Errorf("Commit: err = %v", err)
				}
				if err := tx.Rollback(ctx); !errors.Is(err, pgmoon.ErrTxClosed) {
					t.Errorf("Rollback: err = %v", err)
				}
			}
			if commit {
				wantIDs(t, conn, table, 1)
			} else {
				wantIDs(t, conn, table)
			}
		})
	}
}

func TestTxCommitAfterError(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	table := txTable(t, conn)
	ctx := testCtx(t)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	insert(t, tx, table, 1)
	if _, err := tx.Exec(ctx, "select 1/0"); !errors.Is(err, &pgmoon.PgError{Code: "22012"}) {
		t.Fatalf("err = %v", err)
	}
	// The server refuses every statement until the transaction ends.
	if _, err := tx.Exec(ctx, "select 1"); !errors.Is(err, &pgmoon.PgError{Code: "25P02"}) {
		t.Fatalf("statement in a failed transaction: err = %v, want 25P02", err)
	}
	wantStatus(t, conn, 'E')
	if err := tx.Commit(ctx); !errors.Is(err, pgmoon.ErrTxCommitRollback) {
		t.Fatalf("Commit = %v, want ErrTxCommitRollback", err)
	}
	wantStatus(t, conn, 'I')
	if err := tx.Rollback(ctx); !errors.Is(err, pgmoon.ErrTxClosed) {
		t.Errorf("Rollback after Commit = %v, want ErrTxClosed", err)
	}
	wantIDs(t, conn, table)
	if got := scalar(t, conn, "select 'usable'"); got != "usable" {
		t.Errorf("after the failed commit: %q", got)
	}
}

func TestTxClosedAfterEnd(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	for _, end := range []string{"commit", "rollback"} {
		t.Run(end, func(t *testing.T) {
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if end == "commit" {
				err = tx.Commit(ctx)
			} else {
				err = tx.Rollback(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(ctx, "select 1"); !errors.Is(err, pgmoon.ErrTxClosed) {
				t.Errorf("Exec: %v", err)
			}
			if _, err := tx.Query(ctx, "select 1"); !errors.Is(err, pgmoon.ErrTxClosed) {
				t.Errorf("Query: %v", err)
			}
			var n int
			if err := tx.QueryRow(ctx, "select 1").Scan(&n); !errors.Is(err, pgmoon.ErrTxClosed) {
				t.Errorf("QueryRow: %v", err)
			}
			if _, err := tx.Begin(ctx); !errors.Is(err, pgmoon.ErrTxClosed) {
				t.Errorf("Begin: %v", err)
			}
			if err := tx.Commit(ctx); !errors.Is(err, pgmoon.ErrTxClosed) {
				t.Errorf("Commit: %v", err)
			}
			if err := tx.Rollback(ctx); !errors.Is(err, pgmoon.ErrTxClosed) {
				t.Errorf("Rollback: %v", err)
			}
			wantStatus(t, conn, 'I')
		})
	}
}

func TestTxBeginInTransactionRefused(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Begin(ctx); !errors.Is(err, pgmoon.ErrTxInProgress) || !strings.Contains(err.Error(), "already in a transaction") {
		t.Fatalf("Begin in a transaction: err = %v, want ErrTxInProgress", err)
	}
	// Refused, not merely warned about: the transaction is the same one.
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, conn, 'I')

	// A transaction begun by hand counts too, failed or not.
	if _, err := conn.SimpleQuery(ctx, "begin; select 1/0"); err == nil {
		t.Fatal("no error")
	}
	wantStatus(t, conn, 'E')
	if _, err := conn.BeginTx(ctx, pgmoon.TxOptions{IsoLevel: pgmoon.Serializable}); !errors.Is(err, pgmoon.ErrTxInProgress) {
		t.Fatalf("Begin in a failed transaction: err = %v", err)
	}
	if _, err := conn.SimpleQuery(ctx, "rollback"); err != nil {
		t.Fatal(err)
	}
}

func TestTxInvalidOptionsRefused(t *testing.T) {
	for _, tc := range []struct {
		opts pgmoon.TxOptions
		want string
	}{
		{pgmoon.TxOptions{IsoLevel: "SERIALIZABLE"}, `unknown isolation level "SERIALIZABLE"`},
		{pgmoon.TxOptions{IsoLevel: "serializable; drop table x"}, "unknown isolation level"},
		{pgmoon.TxOptions{AccessMode: "read-only"}, `unknown access mode "read-only"`},
		{pgmoon.TxOptions{DeferrableMode: "yes"}, `unknown deferrable mode "yes"`},
		{pgmoon.TxOptions{IsoLevel: pgmoon.Serializable, BeginQuery: "begin"}, "BeginQuery replaces the generated BEGIN"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			// The fake server fails the test on any message but the
			// plain BEGIN sent afterwards.
			f := pgtest.NewFakeBackend(t, pgtest.Script{
				pgtest.Handshake(),
				pgtest.Expect(&protocol.Query{SQL: "begin"}),
				pgtest.Send(&protocol.CommandComplete{CommandTag: []byte("BEGIN")}, &protocol.ReadyForQuery{TxStatus: 'T'}),
				pgtest.Expect(&protocol.Query{SQL: "rollback"}),
				pgtest.Send(&protocol.CommandComplete{CommandTag: []byte("ROLLBACK")}, &protocol.ReadyForQuery{TxStatus: 'I'}),
				pgtest.ExpectType(&protocol.Terminate{}),
			})
			conn := connectConfig(t, fakeConfig(t, f))
			ctx := testCtx(t)
			if _, err := conn.BeginTx(ctx, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
			wantStatus(t, conn, 'I')
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Rollback(ctx); err != nil {
				t.Fatal(err)
			}
			conn.Close(ctx)
			waitFake(t, f)
		})
	}
}

// Begin on a connection in a transaction sends nothing at all.
func TestFakeTxBeginInTransactionSendsNothing(t *testing.T) {
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.Handshake(),
		pgtest.Expect(&protocol.Query{SQL: "begin isolation level serializable, read only, deferrable"}),
		pgtest.Send(&protocol.CommandComplete{CommandTag: []byte("BEGIN")}, &protocol.ReadyForQuery{TxStatus: 'T'}),
		pgtest.Expect(&protocol.Query{SQL: "commit"}),
		pgtest.Send(&protocol.CommandComplete{CommandTag: []byte("COMMIT")}, &protocol.ReadyForQuery{TxStatus: 'I'}),
		pgtest.ExpectType(&protocol.Terminate{}),
	})
	conn := connectConfig(t, fakeConfig(t, f))
	ctx := testCtx(t)
	tx, err := conn.BeginTx(ctx, pgmoon.TxOptions{IsoLevel: pgmoon.Serializable, AccessMode: pgmoon.ReadOnly, DeferrableMode: pgmoon.Deferrable})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Begin(ctx); !errors.Is(err, pgmoon.ErrTxInProgress) {
		t.Fatalf("err = %v, want ErrTxInProgress", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	waitFake(t, f)
}

// A BeginQuery that fails after starting the transaction, or that starts
// none, leaves the connection idle.
func TestTxBeginQueryFailure(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	_, err := conn.BeginTx(ctx, pgmoon.TxOptions{BeginQuery: "begin; select 1/0"})
	if !errors.Is(err, &pgmoon.PgError{Code: "22012"}) || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("err = %v", err)
	}
	wantStatus(t, conn, 'I')
	_, err = conn.BeginTx(ctx, pgmoon.TxOptions{BeginQuery: "select 1"})
	if err == nil || !strings.Contains(err.Error(), "not in a transaction block") {
		t.Fatalf("err = %v", err)
	}
	wantStatus(t, conn, 'I')
	if conn.IsClosed() {
		t.Fatal("connection closed")
	}
}

func TestTxRollbackWithEndedContextClosesConnection(t *testing.T) {
	for _, nested := range []bool{false, true} {
		t.Run(fmt.Sprint("nested=", nested), func(t *testing.T) {
			conn := connect(t, pgtest.Default(t).DSN())
			other := connect(t, pgtest.Default(t).DSN())
			table := txTable(t, conn)
			tx, err := conn.Begin(testCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			insert(t, tx, table, 1)
			toEnd := tx
			if nested {
				if toEnd, err = tx.Begin(testCtx(t)); err != nil {
					t.Fatal(err)
				}
				insert(t, toEnd, table, 2)
			}
			ended, cancel := context.WithCancel(context.Background())
			cancel()
			err = toEnd.Rollback(ended)
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "connection was closed") {
				t.Fatalf("Rollback with an ended context: err = %v", err)
			}
			if !conn.IsClosed() {
				t.Fatal("connection left open, inside the transaction")
			}
			if err := toEnd.Rollback(testCtx(t)); !errors.Is(err, pgmoon.ErrTxClosed) {
				t.Errorf("second Rollback: err = %v", err)
			}
			// The server rolled back: the same key can be inserted (this
			// waits for the closed backend's row lock if it has not gone
			// yet) and nothing was committed.
			insert(t, other, table, 1)
			wantIDs(t, other, table, 1)
		})
	}
}

func TestTxCommitWithEndedContextClosesConnection(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	tx, err := conn.Begin(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tx.Commit(ended); !errors.Is(err, context.Canceled) || !conn.IsClosed() {
		t.Fatalf("Commit with an ended context: err = %v, closed = %v", err, conn.IsClosed())
	}
	if err := tx.Rollback(testCtx(t)); !errors.Is(err, pgmoon.ErrTxClosed) {
		t.Errorf("Rollback after Commit: err = %v", err)
	}
}

// Commit while the connection is busy reading rows cannot reach the server;
// the connection is closed rather than left in the transaction.
func TestTxCommitWithOpenRows(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, "select generate_series(1, 3)")
	if err != nil {
		t.Fatal(err)
	}
	err = tx.Commit(ctx)
	if !errors.Is(err, pgmoon.ErrConnBusy) || !conn.IsClosed() {
		t.Fatalf("Commit with open rows: err = %v, closed = %v", err, conn.IsClosed())
	}
	// The rows end (from what was already buffered, or with an error);
	// they must not hang.
	rows.Close()
	if _, err := conn.Exec(ctx, "select 1"); !errors.Is(err, pgmoon.ErrConnClosed) {
		t.Errorf("after: err = %v, want ErrConnClosed", err)
	}
}

func TestBeginFunc(t *testing.T) {
	ctx := testCtx(t)
	t.Run("commit", func(t *testing.T) {
		conn := connect(t, pgtest.Default(t).DSN())
		table := txTable(t, conn)
		err := pgmoon.BeginFunc(ctx, conn, func(tx *pgmoon.Tx) error {
			insert(t, tx, table, 1)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, conn, 'I')
		wantIDs(t, conn, table, 1)
	})
	t.Run("error rolls back", func(t *testing.T) {
		conn := connect(t, pgtest.Default(t).DSN())
		table := txTable(t, conn)
		errMine := errors.New("mine")
		err := pgmoon.BeginFunc(ctx, conn, func(tx *pgmoon.Tx) error {
			insert(t, tx, table, 1)
			return errMine
		})
		if err != errMine {
			t.Fatalf("err = %v, want fn's own error", err)
		}
		wantStatus(t, conn, 'I')
		wantIDs(t, conn, table)
	})
	t.Run("panic rolls back and goes on", func(t *testing.T) {
		conn := connect(t, pgtest.Default(t).DSN())
		table := txTable(t, conn)
		var recovered any
		func() {
			defer func() { recovered = recover() }()
			_ = pgmoon.BeginFunc(ctx, conn, func(tx *pgmoon.Tx) error {
				insert(t, tx, table, 1)
				panic("boom")
			})
		}()
		if recovered != "boom" {
			t.Fatalf("recovered %v, want the panic's own value", recovered)
		}
		wantStatus(t, conn, 'I')
		wantIDs(t, conn, table)
	})
	t.Run("server error in fn rolls back", func(t *testing.T) {
		conn := connect(t, pgtest.Default(t).DSN())
		table := txTable(t, conn)
		err := pgmoon.BeginFunc(ctx, conn, func(tx *pgmoon.Tx) error {
			insert(t, tx, table, 1)
			_, err := tx.Exec(ctx, "select 1/0")
			return err
		})
		if !errors.Is(err, &pgmoon.PgError{Code: "22012"}) {
			t.Fatalf("err = %v", err)
		}
		wantStatus(t, conn, 'I')
		wantIDs(t, conn, table)
	})
	t.Run("nested", func(t *testing.T) {
		conn := connect(t, pgtest.Default(t).DSN())
		table := txTable(t, conn)
		err := pgmoon.BeginTxFunc(ctx, conn, pgmoon.TxOptions{IsoLevel: pgmoon.RepeatableRead}, func(tx *pgmoon.Tx) error {
			insert(t, tx, table, 1)
			err := pgmoon.BeginFunc(ctx, tx, func(sp *pgmoon.Tx) error {
				insert(t, sp, table, 2)
				_, err := sp.Exec(ctx, "insert into "+table+" (id) values (1)")
				return err
			})
			if !errors.Is(err, &pgmoon.PgError{Code: "23505"}) {
				return fmt.Errorf("nested: %v, want 23505", err)
			}
			if conn.TxStatus() != 'T' {
				return fmt.Errorf("status after the nested rollback %q", conn.TxStatus())
			}
			return pgmoon.BeginFunc(ctx, tx, func(sp *pgmoon.Tx) error {
				insert(t, sp, table, 3)
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, conn, 'I')
		wantIDs(t, conn, table, 1, 3)
	})
	t.Run("rollback failure joined", func(t *testing.T) {
		conn := connect(t, pgtest.Default(t).DSN())
		ctx, cancel := context.WithCancel(testCtx(t))
		errMine := errors.New("mine")
		err := pgmoon.BeginFunc(ctx, conn, func(tx *pgmoon.Tx) error {
			cancel()
			return errMine
		})
		if !errors.Is(err, errMine) || !errors.Is(err, context.Canceled) || !conn.IsClosed() {
			t.Fatalf("err = %v, closed = %v; want fn's error and the rollback's, and a closed connection", err, conn.IsClosed())
		}
	})
	t.Run("begin failure", func(t *testing.T) {
		conn := connect(t, pgtest.Default(t).DSN())
		called := false
		err := pgmoon.BeginTxFunc(ctx, conn, pgmoon.TxOptions{IsoLevel: "bogus"}, func(*pgmoon.Tx) error {
			called = true
			return nil
		})
		if err == nil || called {
			t.Fatalf("err = %v, fn called = %v", err, called)
		}
	})
}

// A serialization failure reaches the caller as SQLSTATE 40001, and the
// failed transaction's Commit reports the rollback.
func TestTxSerializationFailure(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	other := connect(t, pgtest.Default(t).DSN())
	table := txTable(t, conn)
	ctx := testCtx(t)
	insert(t, conn, table, 1)

	tx, err := conn.BeginTx(ctx, pgmoon.TxOptions{IsoLevel: pgmoon.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	wantIDs(t, conn, table, 1) // takes the transaction's snapshot
	if _, err := other.Exec(ctx, "update "+table+" set v = 'other' where id = 1"); err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(ctx, "update "+table+" set v = 'mine' where id = 1")
	if !errors.Is(err, &pgmoon.PgError{Code: "40001"}) {
		t.Fatalf("err = %v, want serialization_failure 40001", err)
	}
	if err := tx.Commit(ctx); !errors.Is(err, pgmoon.ErrTxCommitRollback) {
		t.Fatalf("Commit = %v, want ErrTxCommitRollback", err)
	}
	if got := scalar(t, conn, "select v from "+table+" where id = 1"); got != "other" {
		t.Errorf("v = %q", got)
	}
}
