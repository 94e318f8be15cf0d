package pgmoon_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// startBouncer runs PgBouncer in transaction mode in front of a database
// of its own on the shared server, with a server pool smaller than the
// number of clients, so that a client's consecutive transactions land on
// different server connections.
func startBouncer(t *testing.T, poolSize int) (bouncer *pgtest.PgBouncer, direct *pgmoon.Conn, dbname string) {
	t.Helper()
	srv := pgtest.Default(t)
	dsn := srv.NewDatabase(t)
	cfg, err := pgmoon.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := pgtest.StartPgBouncer(ctx, srv, pgtest.WithDefaultPoolSize(poolSize))
	if err != nil {
		t.Fatal(err)
	}
	// Registered after NewDatabase's cleanup, so it runs before the
	// database is dropped.
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	return b, connect(t, dsn), cfg.Database
}

// bouncerConn connects through PgBouncer in exec mode mode.
func bouncerConn(t *testing.T, b *pgtest.PgBouncer, dbname string, mode pgmoon.QueryExecMode) *pgmoon.Conn {
	t.Helper()
	cfg, err := pgmoon.ParseConfig(b.URL("", "", dbname))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultExecMode = mode
	return connectConfig(t, cfg)
}

// PgBouncer-safe modes: nothing of the session outlives a transaction.
var bouncerSafeModes = []pgmoon.QueryExecMode{pgmoon.ExecModeCacheDescribe, pgmoon.ExecModeDescribeExec, pgmoon.ExecModeExec, pgmoon.ExecModeSimpleProtocol}

// The query API through PgBouncer in transaction mode, in each
// PgBouncer-safe exec mode: eight clients over two server connections run
// parameters and scans, errors mid-result, batches, transactions, COPY in
// and out, row collection, and a schema change under a cached
// description, concurrently.
func TestPgBouncerTransactionMode(t *testing.T) {
	b, direct, db := startBouncer(t, 2)
	mustExec(t, direct, "create table bounced (id int8 primary key, name text not null, at timestamptz, tags text[])")
	ctx := testCtx(t)
	for mi, mode := range bouncerSafeModes {
		t.Run(mode.String(), func(t *testing.T) {
			const clients = 8
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			for c := range clients {
				conn := bouncerConn(t, b, db, mode)
				base := int64(mi*100_000 + c*10_000)
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := bouncerWorkload(ctx, conn, base, mode); err != nil {
						errs <- fmt.Errorf("client %d: %w", c, err)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if got := scalar(t, direct, fmt.Sprintf("select count(*) from bounced where id >= %d and id < %d", mi*100_000, (mi+1)*100_000)); got != fmt.Sprint(clients*23) {
				t.Errorf("%s rows committed, want %d", got, clients*23)
			}
		})
	}
	// PgBouncer really shared the two server connections among the clients.
	pools, err := b.Show(ctx, "POOLS")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pools {
		if p["database"] == db {
			sv := 0
			for _, k := range []string{"sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login"} {
				var n int
				fmt.Sscan(p[k], &n)
				sv += n
			}
			if sv > 2 {
				t.Errorf("%d server connections for %s, want at most the pool size 2: %v", sv, db, p)
			}
		}
	}
}

// bouncerWorkload is one client's share of TestPgBouncerTransactionMode;
// it commits 23 rows with ids from base.
func bouncerWorkload(ctx context.Context, conn *pgmoon.Conn, base int64, mode pgmoon.QueryExecMode) error {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for i := range 10 {
		// Parameters of several types, and the row back.
		id := base + int64(i)
		args := []any{id, fmt.Sprintf("name %d", id), at, []string{"a", "b"}}
		if mode == pgmoon.ExecModeExec || mode == pgmoon.ExecModeSimpleProtocol {
			args[3] = "{a,b}" // these modes send text for the server to type, and interpolate no arrays
		}
		tag, err := conn.Exec(ctx, "insert into bounced (id, name, at, tags) values ($1, $2, $3, $4)", args...)
		if err != nil || tag.RowsAffected() != 1 {
			return fmt.Errorf("insert %d: %v, %v", id, tag, err)
		}
		var name string
		var got time.Time
		if err := conn.QueryRow(ctx, "select name, at from bounced where id = $1", id).Scan(&name, &got); err != nil {
			return fmt.Errorf("select %d: %w", id, err)
		}
		if name != fmt.Sprintf("name %d", id) || !got.Equal(at) {
			return fmt.Errorf("row %d = %q, %v", id, name, got)
		}
	}
	// An error in the middle of the rows leaves the connection usable.
	rows, err := conn.Query(ctx, "select 10 / (5 - g) from generate_series(1, 10) g")
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
	}
	if !errors.Is(err, &pgmoon.PgError{Code: "22012"}) {
		return fmt.Errorf("division by zero: %v", err)
	}
	// A transaction stays on one server connection.
	err = pgmoon.BeginFunc(ctx, conn, func(tx *pgmoon.Tx) error {
		for i := 10; i < 13; i++ {
			if _, err := tx.Exec(ctx, "insert into bounced (id, name) values ($1, $2)", base+int64(i), "in tx"); err != nil {
				return err
			}
		}
		var n int64
		if err := tx.QueryRow(ctx, "select count(*) from bounced where id >= $1 and id < $2 and name = 'in tx'", base, base+10_000).Scan(&n); err != nil {
			return err
		}
		if n != 3 {
			return fmt.Errorf("%d rows visible in the transaction", n)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("transaction: %w", err)
	}
	// A rolled-back transaction leaves nothing.
	err = pgmoon.BeginFunc(ctx, conn, func(tx *pgmoon.Tx) error {
		if _, err := tx.Exec(ctx, "insert into bounced (id, name) values ($1, 'rolled back')", base+9_999); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil || err.Error() != "roll back" {
		return fmt.Errorf("rollback: %v", err)
	}
	// A batch is one implicit transaction.
	bt := &pgmoon.Batch{}
	bt.Queue("insert into bounced (id, name) values ($1, 'batch')", base+13)
	bt.Queue("insert into bounced (id, name) values ($1, 'batch')", base+14)
	bt.Queue("select count(*) from bounced where id >= $1 and id < $2", base, base+10_000)
	br := conn.SendBatch(ctx, bt)
	_, err1 := br.Exec()
	_, err2 := br.Exec()
	var n int64
	err3 := br.QueryRow().Scan(&n)
	if err := errors.Join(err1, err2, err3, br.Close()); err != nil || n != 15 {
		return fmt.Errorf("batch: %d rows, %v", n, err)
	}
	// COPY in and out.
	copied, err := conn.CopyFrom(ctx, pgmoon.Identifier{"bounced"}, []string{"id", "name"}, pgmoon.CopyFromSlice(8, func(i int) ([]any, error) {
		return []any{base + 15 + int64(i), "copied"}, nil
	}))
	if err != nil || copied != 8 {
		return fmt.Errorf("copy from: %d, %v", copied, err)
	}
	var out bytes.Buffer
	if copied, err = conn.CopyTo(ctx, &out, fmt.Sprintf("copy (select id from bounced where id >= %d and id < %d and name = 'copied') to stdout", base, base+10_000)); err != nil || copied != 8 {
		return fmt.Errorf("copy to: %d, %v", copied, err)
	}
	// Rows into structs.
	type row struct {
		ID   int64
		Name string
	}
	rows, err = conn.Query(ctx, "select id, name from bounced where id >= $1 and id < $2 order by id", base, base+10_000)
	if err != nil {
		return err
	}
	all, err := pgmoon.CollectRows(rows, pgmoon.RowToStructByName[row])
	if err != nil || len(all) != 23 || all[0].ID != base {
		return fmt.Errorf("collect: %d rows, %v", len(all), err)
	}
	return nil
}

// A description cached in cache_describe mode notices a changed table
// through PgBouncer too, and a cancel reaches the statement through it.
func TestPgBouncerChangesAndCancel(t *testing.T) {
	b, direct, db := startBouncer(t, 2)
	mustExec(t, direct, "create table morph (id int4)")
	mustExec(t, direct, "insert into morph values (1)")
	conn := bouncerConn(t, b, db, pgmoon.ExecModeCacheDescribe)
	ctx := testCtx(t)
	var id int32
	if err := conn.QueryRow(ctx, "select * from morph").Scan(&id); err != nil {
		t.Fatal(err)
	}
	mustExec(t, direct, "alter table morph add column note text default 'added'")
	var note string
	if err := conn.QueryRow(ctx, "select * from morph").Scan(&id, &note); err != nil || note != "added" {
		t.Fatalf("after ALTER TABLE: %q, %v", note, err)
	}

	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := conn.Exec(cctx, "select pg_sleep(30)")
		done <- err
	}()
	// Running, not merely being described: a context that ends during
	// the describe round trip stops the call before it executes.
	waitFor(t, direct, "select count(*) from pg_stat_activity where datname = current_database() and query = 'select pg_sleep(30)' and state = 'active' and wait_event = 'PgSleep'", "1")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || !errors.Is(err, queryCanceled) {
		t.Fatalf("cancel through PgBouncer: %v", err)
	}
	usable(t, conn)
}

// Why the README says to pick cache_describe behind PgBouncer before 1.21
// (or without max_prepared_statements): in transaction mode the default
// cache_statement mode's named statements end up on server connections
// other clients use. With one server connection, the second client's
// first statement collides with the first client's.
func TestPgBouncerNamedStatementsCollide(t *testing.T) {
	b, _, db := startBouncer(t, 1)
	ctx := testCtx(t)
	first := bouncerConn(t, b, db, pgmoon.ExecModeCacheStatement)
	second := bouncerConn(t, b, db, pgmoon.ExecModeCacheStatement)
	if _, err := first.Exec(ctx, "select 1"); err != nil {
		t.Fatal(err)
	}
	_, err := second.Exec(ctx, "select 2")
	var pgErr *pgmoon.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42P05" || !strings.Contains(pgErr.Message, "already exists") {
		t.Fatalf("second client's named statement: %v, want duplicate_prepared_statement", err)
	}
	// The safe mode on the same PgBouncer works for both.
	for _, c := range []*pgmoon.Conn{bouncerConn(t, b, db, pgmoon.ExecModeCacheDescribe), bouncerConn(t, b, db, pgmoon.ExecModeCacheDescribe)} {
		if _, err := c.Exec(ctx, "select 3"); err != nil {
			t.Fatal(err)
		}
	}
}
