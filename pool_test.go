package pgmoon_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"go.uber.org/goleak"
)

// poolConfig returns a Config for dsn with set applied to its pool settings.
func poolConfig(t testing.TB, dsn string, set func(*pgmoon.PoolConfig)) *pgmoon.Config {
	t.Helper()
	cfg, err := pgmoon.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if set != nil {
		set(&cfg.Pool)
	}
	return cfg
}

// newPool makes a pool with cfg and closes it when the test ends.
func newPool(t testing.TB, cfg *pgmoon.Config) *pgmoon.Pool {
	t.Helper()
	pool, err := pgmoon.NewPool(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// noLeaks fails t if goroutines started during the test outlive it and
// its cleanups (such as newPool's Close).
func noLeaks(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// eventually polls cond until it holds, failing t if the test's time runs
// out first. It asserts an outcome, not how long it took.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	ctx := testCtx(t)
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("still not %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// checkQuiet fails t unless the pool's gauges add up and no connection is
// borrowed.
func checkQuiet(t testing.TB, pool *pgmoon.Pool) pgmoon.PoolStat {
	t.Helper()
	s := pool.Stat()
	if s.AcquiredConns != 0 {
		t.Errorf("AcquiredConns = %d, want 0 (a connection was not given back)", s.AcquiredConns)
	}
	if s.TotalConns != s.AcquiredConns+s.IdleConns+s.ConstructingConns {
		t.Errorf("TotalConns %d != acquired %d + idle %d + constructing %d", s.TotalConns, s.AcquiredConns, s.IdleConns, s.ConstructingConns)
	}
	if s.TotalConns > s.MaxConns {
		t.Errorf("TotalConns %d > MaxConns %d", s.TotalConns, s.MaxConns)
	}
	return s
}

func pid(t testing.TB, q pgmoon.Querier) int32 {
	t.Helper()
	var n int32
	if err := q.QueryRow(testCtx(t), "select pg_backend_pid()").Scan(&n); err != nil {
		t.Fatalf("pg_backend_pid: %v", err)
	}
	return n
}

func TestNewPoolConfig(t *testing.T) {
	dsn := pgtest.Default(t).DSN()
	for _, tc := range []struct {
		name string
		set  func(*pgmoon.PoolConfig)
		err  string
	}{
		{"negative max", func(c *pgmoon.PoolConfig) { c.MaxConns = -1 }, "pgmoon: pool: MaxConns is negative (-1)"},
		{"negative min", func(c *pgmoon.PoolConfig) { c.MinConns = -2 }, "pgmoon: pool: MinConns is negative (-2)"},
		{"min above max", func(c *pgmoon.PoolConfig) { c.MaxConns, c.MinConns = 2, 3 }, "pgmoon: pool: MinConns (3) is more than MaxConns (2)"},
		{"negative lifetime", func(c *pgmoon.PoolConfig) { c.MaxConnLifetime = -time.Second }, "pgmoon: pool: MaxConnLifetime is negative (-1s)"},
		{"negative health period", func(c *pgmoon.PoolConfig) { c.HealthCheckPeriod = -time.Minute }, "pgmoon: pool: HealthCheckPeriod is negative (-1m0s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pgmoon.NewPool(testCtx(t), poolConfig(t, dsn, tc.set))
			if err == nil || err.Error() != tc.err {
				t.Errorf("err = %v, want %q", err, tc.err)
			}
		})
	}
	if _, err := pgmoon.NewPool(testCtx(t), nil); err == nil {
		t.Error("nil Config: no error")
	}

	t.Run("defaults", func(t *testing.T) {
		pool := newPool(t, poolConfig(t, dsn, func(c *pgmoon.PoolConfig) { c.MinConns = 40 }))
		got := pool.Config().Pool
		if got.MaxConns != 40 || got.MaxConnLifetime != time.Hour || got.MaxConnIdleTime != 30*time.Minute ||
			got.HealthCheckPeriod != time.Minute || got.MaxConnLifetimeJitter != 0 {
			t.Errorf("defaults: %+v", got)
		}
	})
}

// NewPool does not connect: an unreachable server shows in the first call.
func TestNewPoolDoesNotConnect(t *testing.T) {
	noLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	cfg := poolConfig(t, "postgres://nobody:secret-pw@"+addr+"/db?sslmode=disable", nil)
	pool, err := pgmoon.NewPool(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	defer pool.Close()
	err = pool.Ping(testCtx(t))
	var ce *pgmoon.ConnectError
	if !errors.As(err, &ce) {
		t.Fatalf("Ping: %v, want a *ConnectError", err)
	}
	if strings.Contains(err.Error(), "secret-pw") {
		t.Errorf("error shows the password: %v", err)
	}
	if s := checkQuiet(t, pool); s.TotalConns != 0 || s.AcquireCount != 0 {
		t.Errorf("after a failed connect: %+v", s)
	}
}

func TestPoolQueryMethods(t *testing.T) {
	noLeaks(t)
	dsn := pgtest.Default(t).NewDatabase(t)
	pool := newPool(t, poolConfig(t, dsn, func(c *pgmoon.PoolConfig) { c.MaxConns = 2 }))
	ctx := testCtx(t)

	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if _, err := pool.Exec(ctx, "create table items (id int4 primary key, name text)"); err != nil {
		t.Fatal(err)
	}
	checkQuiet(t, pool)

	// Query holds a connection until the rows close.
	rows, err := pool.Query(ctx, "select g from generate_series(1, 3) g")
	if err != nil {
		t.Fatal(err)
	}
	if s := pool.Stat(); s.AcquiredConns != 1 {
		t.Errorf("with open rows: AcquiredConns = %d, want 1", s.AcquiredConns)
	}
	var sum int32
	for rows.Next() {
		var g int32
		if err := rows.Scan(&g); err != nil {
			t.Fatal(err)
		}
		sum += g
	}
	if rows.Err() != nil || sum != 6 {
		t.Fatalf("rows: sum %d, err %v", sum, rows.Err())
	}
	checkQuiet(t, pool)

	// A query that returns nothing, or fails, gives it back at once.
	if rows, err := pool.Query(ctx, "select 1 where false"); err != nil {
		t.Fatal(err)
	} else if rows.Next() {
		t.Fatal("a row from nothing")
	}
	if _, err := pool.Query(ctx, "select nonsense"); err == nil {
		t.Fatal("bad SQL: no error")
	}
	var n int32
	if err := pool.QueryRow(ctx, "select 1/0").Scan(&n); err == nil {
		t.Fatal("1/0: no error")
	}
	checkQuiet(t, pool)

	// QueryRow holds it until Scan.
	row := pool.QueryRow(ctx, "select $1::int4 + 1", 41)
	if s := pool.Stat(); s.AcquiredConns != 1 {
		t.Errorf("before Scan: AcquiredConns = %d, want 1", s.AcquiredConns)
	}
	if err := row.Scan(&n); err != nil || n != 42 {
		t.Fatalf("QueryRow = %d, %v", n, err)
	}
	if err := pool.QueryRow(ctx, "select 1 where false").Scan(&n); !errors.Is(err, pgmoon.ErrNoRows) {
		t.Fatalf("no row: %v", err)
	}
	checkQuiet(t, pool)

	// COPY in both directions.
	if n, err := pool.CopyFrom(ctx, pgmoon.Identifier{"items"}, []string{"id", "name"},
		pgmoon.CopyFromRows([][]any{{1, "one"}, {2, "two"}})); err != nil || n != 2 {
		t.Fatalf("CopyFrom = %d, %v", n, err)
	}
	if n, err := pool.CopyFromReader(ctx, strings.NewReader("3\tthree\n"), "copy items from stdin"); err != nil || n != 1 {
		t.Fatalf("CopyFromReader = %d, %v", n, err)
	}
	var out bytes.Buffer
	if _, err := pool.CopyTo(ctx, &out, "copy (select * from items order by id) to stdout"); err != nil {
		t.Fatal(err)
	}
	if want := "1\tone\n2\ttwo\n3\tthree\n"; out.String() != want {
		t.Errorf("CopyTo = %q, want %q", out.String(), want)
	}
	checkQuiet(t, pool)

	// A batch holds it until Close.
	b := &pgmoon.Batch{}
	b.Queue("insert into items values ($1, $2)", 4, "four")
	b.Queue("select count(*)::int4 from items")
	br := pool.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		t.Fatal(err)
	}
	if err := br.QueryRow().Scan(&n); err != nil || n != 4 {
		t.Fatalf("batch count = %d, %v", n, err)
	}
	if s := pool.Stat(); s.AcquiredConns != 1 {
		t.Errorf("before Close: AcquiredConns = %d, want 1", s.AcquiredConns)
	}
	if err := br.Close(); err != nil {
		t.Fatal(err)
	}
	// A batch that fails as a whole gives it back at once.
	b = &pgmoon.Batch{}
	b.Queue("select nonsense")
	if err := pool.SendBatch(ctx, b).Close(); err == nil {
		t.Fatal("bad batch: no error")
	}
	checkQuiet(t, pool)

	// Transactions: Commit and Rollback give the connection back.
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "insert into items values (5, 'five')"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "select 1"); !errors.Is(err, pgmoon.ErrTxClosed) {
		t.Errorf("after Commit: %v", err)
	}
	tx, err = pool.BeginTx(ctx, pgmoon.TxOptions{IsoLevel: pgmoon.Serializable})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "insert into items values (6, 'six')"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.BeginTx(ctx, pgmoon.TxOptions{IsoLevel: "sometimes"}); err == nil {
		t.Error("bad options: no error")
	}
	checkQuiet(t, pool)

	// BeginFunc takes a pool.
	err = pgmoon.BeginFunc(ctx, pool, func(tx *pgmoon.Tx) error {
		_, err := tx.Exec(ctx, "insert into items values (7, 'seven')")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	errStop := errors.New("stop")
	err = pgmoon.BeginFunc(ctx, pool, func(tx *pgmoon.Tx) error {
		if _, err := tx.Exec(ctx, "insert into items values (8, 'eight')"); err != nil {
			return err
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("BeginFunc: %v", err)
	}
	var ids []int32
	rows, err = pool.Query(ctx, "select id from items order by id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int32
		rows.Scan(&id)
		ids = append(ids, id)
	}
	if diff := cmp.Diff([]int32{1, 2, 3, 4, 5, 7}, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	s := checkQuiet(t, pool)
	if s.TotalConns > 2 || s.NewConnsCount > 2 {
		t.Errorf("more connections than MaxConns: %+v", s)
	}
	pool.Close()
}

func TestPoolAcquireRelease(t *testing.T) {
	noLeaks(t)
	pool := newPool(t, poolConfig(t, pgtest.Default(t).DSN(), func(c *pgmoon.PoolConfig) { c.MaxConns = 2 }))
	ctx := testCtx(t)
	c1, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p1 := pid(t, c1)
	// The same session for every statement while it is held.
	if _, err := c1.Exec(ctx, "set application_name = 'held'"); err != nil {
		t.Fatal(err)
	}
	if got := c1.Conn().ParameterStatus("application_name"); got != "held" {
		t.Errorf("application_name = %q", got)
	}
	if pid(t, c1) != p1 {
		t.Error("PID changed while held")
	}
	c1.Release()
	c1.Release() // no-op
	if c1.Conn() != nil {
		t.Error("Conn after Release is not nil")
	}
	if _, err := c1.Exec(ctx, "select 1"); err == nil {
		t.Error("Exec after Release: no error")
	}
	// The idle connection is reused.
	c2, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pid(t, c2) != p1 {
		t.Error("the idle connection was not reused")
	}
	c2.Release()
	s := checkQuiet(t, pool)
	if s.AcquireCount != 2 || s.NewConnsCount != 1 || s.EmptyAcquireCount != 1 || s.IdleConns != 1 {
		t.Errorf("stat: %+v", s)
	}
	if s.AcquireDuration <= 0 {
		t.Errorf("AcquireDuration = %v", s.AcquireDuration)
	}
}

func TestPoolAcquireFunc(t *testing.T) {
	noLeaks(t)
	pool := newPool(t, poolConfig(t, pgtest.Default(t).DSN(), func(c *pgmoon.PoolConfig) { c.MaxConns = 1 }))
	ctx := testCtx(t)
	errFn := errors.New("from fn")
	if err := pool.AcquireFunc(ctx, func(c *pgmoon.PoolConn) error { return errFn }); err != errFn {
		t.Errorf("AcquireFunc = %v, want fn's error", err)
	}
	checkQuiet(t, pool)

	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic", r)
			}
		}()
		pool.AcquireFunc(ctx, func(c *pgmoon.PoolConn) error {
			if _, err := c.Exec(ctx, "select 1"); err != nil {
				t.Error(err)
			}
			panic("boom")
		})
	}()
	checkQuiet(t, pool)
	// With MaxConns 1, this works only if the panic gave it back.
	err := pool.AcquireFunc(ctx, func(c *pgmoon.PoolConn) error {
		_, err := c.Exec(ctx, "select 1")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An exhausted pool makes Acquire wait, for as long as its context lets it.
func TestPoolAcquireWait(t *testing.T) {
	noLeaks(t)
	pool := newPool(t, poolConfig(t, pgtest.Default(t).DSN(), func(c *pgmoon.PoolConfig) { c.MaxConns = 2 }))
	ctx := testCtx(t)
	a, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := pool.Acquire(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire on an exhausted pool: %v, want the deadline", err)
	}
	short, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := pool.Exec(short, "select 1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Exec on an exhausted pool: %v, want the deadline", err)
	}
	// Canceled while waiting.
	cctx, cancelWait := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := pool.Acquire(cctx)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond) // most likely waiting by now; either way it must end with Canceled
	cancelWait()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled Acquire: %v", err)
	}
	if s := pool.Stat(); s.CanceledAcquireCount != 3 || s.AcquiredConns != 2 || s.TotalConns != 2 {
		t.Errorf("stat after canceled acquires: %+v", s)
	}

	// A waiting Acquire gets the next connection given back.
	got := make(chan *pgmoon.PoolConn, 1)
	go func() {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Error(err)
		}
		got <- c
	}()
	time.Sleep(20 * time.Millisecond)
	bPID := pid(t, b)
	b.Release()
	c := <-got
	if c == nil {
		t.FailNow()
	}
	if pid(t, c) != bPID {
		t.Error("the waiter did not get the connection given back")
	}
	c.Release()
	a.Release()
	s := checkQuiet(t, pool)
	if s.TotalConns != 2 || s.NewConnsCount != 2 {
		t.Errorf("stat: %+v", s)
	}
}

// Close stops acquires at once, and waits for borrowed connections.
func TestPoolClose(t *testing.T) {
	noLeaks(t)
	pool, err := pgmoon.NewPool(testCtx(t), poolConfig(t, pgtest.Default(t).DSN(), func(c *pgmoon.PoolConfig) { c.MaxConns = 1 }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	held, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan error, 1)
	go func() {
		_, err := pool.Acquire(ctx)
		waiting <- err
	}()
	time.Sleep(20 * time.Millisecond)

	closed := make(chan struct{})
	go func() {
		pool.Close()
		close(closed)
	}()
	if err := <-waiting; !errors.Is(err, pgmoon.ErrPoolClosed) {
		t.Errorf("waiting Acquire: %v, want ErrPoolClosed", err)
	}
	// The waiter was told, so Close has begun: new calls fail at once.
	if _, err := pool.Acquire(ctx); !errors.Is(err, pgmoon.ErrPoolClosed) {
		t.Errorf("Acquire after Close: %v", err)
	}
	if _, err := pool.Exec(ctx, "select 1"); !errors.Is(err, pgmoon.ErrPoolClosed) {
		t.Errorf("Exec after Close: %v", err)
	}
	// The borrowed connection still works, and Close waits for it.
	if _, err := held.Exec(ctx, "select 1"); err != nil {
		t.Errorf("borrowed connection during Close: %v", err)
	}
	select {
	case <-closed:
		t.Fatal("Close returned with a connection still borrowed")
	default:
	}
	conn := held.Conn()
	held.Release()
	<-closed
	if !conn.IsClosed() {
		t.Error("the connection given back was not closed")
	}
	pool.Close() // again: returns
	if s := pool.Stat(); s.TotalConns != 0 {
		t.Errorf("after Close: %+v", s)
	}
}

// Whatever state a borrower leaves its connection in, the next borrower
// gets a clean idle one.
func TestPoolReleaseStates(t *testing.T) {
	srv := pgtest.Default(t)
	dsn := srv.NewDatabase(t)
	admin := connect(t, dsn)
	mustExec(t, admin, "create table marks (what text)")

	// next acquires the pool's one connection and checks it is clean.
	next := func(t *testing.T, pool *pgmoon.Pool) *pgmoon.PoolConn {
		t.Helper()
		ctx := testCtx(t)
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatalf("next Acquire: %v", err)
		}
		if s := c.Conn().TxStatus(); s != 'I' {
			t.Errorf("next borrower: TxStatus %q", s)
		}
		var n int32
		if err := c.QueryRow(ctx, "select $1::int4 + 1", 1).Scan(&n); err != nil || n != 2 {
			t.Errorf("next borrower's query: %d, %v", n, err)
		}
		if err := c.QueryRow(ctx, "select count(*)::int4 from pg_listening_channels()").Scan(&n); err != nil || n != 0 {
			t.Errorf("next borrower listens to %d channels (%v)", n, err)
		}
		if got := scalar(t, admin, "select count(*) from marks"); got != "0" {
			t.Errorf("%s rows committed by a borrower that did not commit", got)
		}
		return c
	}
	run := func(name string, leave func(t *testing.T, c *pgmoon.PoolConn), samePID bool) {
		t.Run(name, func(t *testing.T) {
			noLeaks(t)
			pool, err := pgmoon.NewPool(testCtx(t), poolConfig(t, dsn, func(c *pgmoon.PoolConfig) { c.MaxConns = 1 }))
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			c, err := pool.Acquire(testCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			before := pid(t, c)
			leave(t, c)
			c = next(t, pool)
			if after := pid(t, c); samePID && after != before {
				t.Errorf("connection replaced (PID %d, then %d), want it restored", before, after)
			} else if !samePID && after == before {
				t.Errorf("connection kept (PID %d), want it replaced", before)
			}
			c.Release()
			checkQuiet(t, pool)
		})
	}

	run("in transaction", func(t *testing.T, c *pgmoon.PoolConn) {
		ctx := testCtx(t)
		if _, err := c.Exec(ctx, "begin"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Exec(ctx, "insert into marks values ('in tx')"); err != nil {
			t.Fatal(err)
		}
		c.Release()
	}, true)

	run("open Tx", func(t *testing.T, c *pgmoon.PoolConn) {
		tx, err := c.Begin(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(testCtx(t), "insert into marks values ('open tx')"); err != nil {
			t.Fatal(err)
		}
		c.Release()
	}, true)

	run("failed transaction", func(t *testing.T, c *pgmoon.PoolConn) {
		ctx := testCtx(t)
		if _, err := c.Exec(ctx, "begin"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Exec(ctx, "insert into marks values ('failed')"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Exec(ctx, "select 1/0"); err == nil {
			t.Fatal("1/0: no error")
		}
		if s := c.Conn().TxStatus(); s != 'E' {
			t.Fatalf("TxStatus %q, want E", s)
		}
		c.Release()
	}, true)

	run("listening", func(t *testing.T, c *pgmoon.PoolConn) {
		ctx := testCtx(t)
		if _, err := c.Exec(ctx, "listen pool_release"); err != nil {
			t.Fatal(err)
		}
		// A notification to itself is queued for WaitForNotification.
		if _, err := c.Exec(ctx, "notify pool_release, 'for the first borrower'"); err != nil {
			t.Fatal(err)
		}
		c.Release()
	}, true)

	run("open rows", func(t *testing.T, c *pgmoon.PoolConn) {
		rows, err := c.Query(testCtx(t), "select g from generate_series(1, 100000) g")
		if err != nil {
			t.Fatal(err)
		}
		if !rows.Next() {
			t.Fatal(rows.Err())
		}
		c.Release()
		for rows.Next() {
		}
		if !errors.Is(rows.Err(), pgmoon.ErrConnClosed) {
			t.Errorf("rows after Release: %v, want ErrConnClosed", rows.Err())
		}
	}, false)

	run("mid-COPY", func(t *testing.T, c *pgmoon.PoolConn) {
		started, resume := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			i := 0
			_, err := c.CopyFrom(testCtx(t), pgmoon.Identifier{"marks"}, []string{"what"}, pgmoon.CopyFromFunc(func() ([]any, error) {
				i++
				if i == 100 {
					close(started)
					<-resume
				}
				if i > 100000 {
					return nil, nil
				}
				return []any{"copied"}, nil
			}))
			done <- err
		}()
		<-started
		c.Release() // on another goroutine than the COPY's
		close(resume)
		if err := <-done; err == nil {
			t.Error("COPY went on after Release")
		}
	}, false)

	run("closed", func(t *testing.T, c *pgmoon.PoolConn) {
		c.Conn().Close(testCtx(t))
		c.Release()
	}, false)

	run("terminated", func(t *testing.T, c *pgmoon.PoolConn) {
		p := pid(t, c)
		scalar(t, admin, fmt.Sprintf("select pg_terminate_backend(%d)", p))
		if _, err := c.Exec(testCtx(t), "select 1"); err == nil {
			t.Fatal("terminated backend answered")
		}
		c.Release()
	}, false)

	t.Run("notifications do not leak", func(t *testing.T) {
		pool := newPool(t, poolConfig(t, dsn, func(c *pgmoon.PoolConfig) { c.MaxConns = 1 }))
		ctx := testCtx(t)
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Exec(ctx, "listen pool_leak; notify pool_leak, 'queued'", pgmoon.ExecModeSimpleProtocol); err != nil {
			t.Fatal(err)
		}
		c.Release()
		c, err = pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		mustExec(t, admin, "notify pool_leak, 'sent after release'")
		// Nothing is queued and nothing arrives: the wait ends with its
		// context.
		short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		if n, err := c.Conn().WaitForNotification(short); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("next borrower got notification %+v (err %v)", n, err)
		}
	})
}

// A connection that died while idle is replaced before it is handed out,
// without an error: by Acquire's check, or by the health check.
func TestPoolDeadIdleConn(t *testing.T) {
	noLeaks(t)
	srv := pgtest.Default(t)
	admin := connect(t, srv.DSN())

	t.Run("acquire", func(t *testing.T) {
		pool := newPool(t, poolConfig(t, srv.DSN(), func(c *pgmoon.PoolConfig) { c.MaxConns = 1 }))
		before := pid(t, pool)
		scalar(t, admin, fmt.Sprintf("select pg_terminate_backend(%d)", before))
		time.Sleep(1100 * time.Millisecond) // idle past the threshold of Acquire's check
		after := pid(t, pool)               // no error
		if after == before {
			t.Error("the terminated connection was handed out")
		}
		if s := checkQuiet(t, pool); s.NewConnsCount != 2 || s.TotalConns != 1 {
			t.Errorf("stat: %+v", s)
		}
	})

	t.Run("health check", func(t *testing.T) {
		pool := newPool(t, poolConfig(t, srv.DSN(), func(c *pgmoon.PoolConfig) {
			c.MaxConns, c.HealthCheckPeriod = 2, 10*time.Millisecond
		}))
		before := pid(t, pool)
		scalar(t, admin, fmt.Sprintf("select pg_terminate_backend(%d)", before))
		eventually(t, "rid of the dead connection", func() bool { return pool.Stat().TotalConns == 0 })
		if pid(t, pool) == before {
			t.Error("the terminated connection was handed out")
		}
	})
}

func TestPoolMinConns(t *testing.T) {
	noLeaks(t)
	pool := newPool(t, poolConfig(t, pgtest.Default(t).DSN(), func(c *pgmoon.PoolConfig) {
		c.MinConns, c.MaxConns = 3, 5
	}))
	ctx := testCtx(t)
	eventually(t, "at MinConns", func() bool { s := pool.Stat(); return s.IdleConns == 3 && s.TotalConns == 3 })
	if s := pool.Stat(); s.AcquireCount != 0 || s.NewConnsCount != 3 {
		t.Errorf("stat: %+v", s)
	}
	// Lose them all: the pool makes new ones.
	var held []*pgmoon.PoolConn
	for range 3 {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	if s := pool.Stat(); s.NewConnsCount != 3 || s.EmptyAcquireCount != 0 {
		t.Errorf("acquiring the idle ones: %+v", s)
	}
	for _, c := range held {
		c.Conn().Close(ctx)
		c.Release()
	}
	eventually(t, "back at MinConns", func() bool { s := pool.Stat(); return s.IdleConns == 3 && s.NewConnsCount == 6 })
	checkQuiet(t, pool)
}

func TestPoolMaxConnLifetime(t *testing.T) {
	noLeaks(t)
	pool := newPool(t, poolConfig(t, pgtest.Default(t).DSN(), func(c *pgmoon.PoolConfig) {
		c.MaxConns, c.MaxConnLifetime, c.MaxConnLifetimeJitter = 1, 50*time.Millisecond, 50*time.Millisecond
	}))
	first := pid(t, pool)
	// Used again and again, it still goes once its time is up.
	eventually(t, "replaced", func() bool { return pid(t, pool) != first })
	s := checkQuiet(t, pool)
	if s.MaxLifetimeDestroyCount < 1 || s.NewConnsCount != s.MaxLifetimeDestroyCount+1 {
		t.Errorf("stat: %+v", s)
	}
}

func TestPoolMaxConnIdleTime(t *testing.T) {
	noLeaks(t)
	pool := newPool(t, poolConfig(t, pgtest.Default(t).DSN(), func(c *pgmoon.PoolConfig) {
		c.MinConns, c.MaxConns = 1, 3
		c.MaxConnIdleTime, c.HealthCheckPeriod = 30*time.Millisecond, 10*time.Millisecond
	}))
	ctx := testCtx(t)
	var held []*pgmoon.PoolConn
	for range 3 {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	for _, c := range held {
		c.Release()
	}
	eventually(t, "down to MinConns", func() bool { return pool.Stat().TotalConns == 1 })
	s := checkQuiet(t, pool)
	if s.MaxIdleDestroyCount != 2 || s.IdleConns != 1 {
		t.Errorf("stat: %+v", s)
	}
}

func TestPoolHooks(t *testing.T) {
	noLeaks(t)
	dsn := pgtest.Default(t).DSN()
	ctx := testCtx(t)
	type ctxKey struct{}

	t.Run("AfterConnect", func(t *testing.T) {
		var calls atomic.Int32
		cfg := poolConfig(t, dsn, func(c *pgmoon.PoolConfig) {
			c.MaxConns = 2
			c.AfterConnect = func(ctx context.Context, conn *pgmoon.Conn) error {
				calls.Add(1)
				if ctx.Value(ctxKey{}) != "from Acquire" {
					t.Errorf("AfterConnect's context lacks the Acquire's values")
				}
				_, err := conn.Exec(ctx, "set search_path = hooked, public")
				return err
			}
		})
		pool := newPool(t, cfg)
		vctx := context.WithValue(ctx, ctxKey{}, "from Acquire")
		var path string
		if err := pool.QueryRow(vctx, "show search_path").Scan(&path); err != nil || path != "hooked, public" {
			t.Errorf("search_path = %q, %v", path, err)
		}
		if calls.Load() != 1 {
			t.Errorf("AfterConnect ran %d times", calls.Load())
		}
	})

	t.Run("AfterConnect fails", func(t *testing.T) {
		errHook := errors.New("not today")
		pool := newPool(t, poolConfig(t, dsn, func(c *pgmoon.PoolConfig) {
			c.AfterConnect = func(context.Context, *pgmoon.Conn) error { return errHook }
		}))
		if _, err := pool.Acquire(ctx); !errors.Is(err, errHook) {
			t.Errorf("Acquire: %v, want the hook's error", err)
		}
		if s := checkQuiet(t, pool); s.TotalConns != 0 {
			t.Errorf("stat: %+v", s)
		}
	})

	t.Run("BeforeAcquire", func(t *testing.T) {
		var refuse atomic.Int32
		pool := newPool(t, poolConfig(t, dsn, func(c *pgmoon.PoolConfig) {
			c.MaxConns = 1
			c.BeforeAcquire = func(ctx context.Context, conn *pgmoon.Conn) bool {
				return conn.PID() != uint32(refuse.Load())
			}
		}))
		first := pid(t, pool)
		if pid(t, pool) != first {
			t.Error("an accepted connection was not reused")
		}
		refuse.Store(first)
		if pid(t, pool) == first {
			t.Error("BeforeAcquire refused the connection, but it was handed out")
		}
		checkQuiet(t, pool)
	})

	t.Run("AfterRelease", func(t *testing.T) {
		var keep atomic.Bool
		var calls atomic.Int32
		pool := newPool(t, poolConfig(t, dsn, func(c *pgmoon.PoolConfig) {
			c.MaxConns = 1
			c.AfterRelease = func(conn *pgmoon.Conn) bool {
				calls.Add(1)
				if conn.TxStatus() != 'I' {
					t.Errorf("AfterRelease got a connection in status %q", conn.TxStatus())
				}
				return keep.Load()
			}
		}))
		first := pid(t, pool) // refused when given back
		second := pid(t, pool)
		if second == first {
			t.Error("AfterRelease refused the connection, but it was kept")
		}
		keep.Store(true)
		third := pid(t, pool)
		// Restored first, then offered to the hook.
		if _, err := pool.Exec(ctx, "begin"); err != nil {
			t.Fatal(err)
		}
		eventually(t, "restored", func() bool { return pool.Stat().AcquiredConns == 0 })
		if pid(t, pool) != third {
			t.Error("AfterRelease kept the connection, but it was replaced")
		}
		if calls.Load() != 5 {
			t.Errorf("AfterRelease ran %d times, want 5", calls.Load())
		}
		checkQuiet(t, pool)
	})
}

// A connection held for LISTEN receives notifications sent through the
// pool.
func TestPoolListen(t *testing.T) {
	noLeaks(t)
	pool := newPool(t, poolConfig(t, pgtest.Default(t).DSN(), func(c *pgmoon.PoolConfig) { c.MaxConns = 2 }))
	ctx := testCtx(t)
	listener, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := listener.Exec(ctx, "listen pool_listen"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := pool.Exec(ctx, "select pg_notify('pool_listen', $1)", fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
		n, err := listener.Conn().WaitForNotification(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n.Channel != "pool_listen" || n.Payload != fmt.Sprint(i) {
			t.Errorf("notification %d: %+v", i, n)
		}
	}
	listener.Release()
	eventually(t, "restored", func() bool { return pool.Stat().AcquiredConns == 0 })
	checkQuiet(t, pool)
}

// A connect outlives the Acquire that started it and gives up when the
// pool closes; neither leaves anything behind.
func TestPoolSlowConnect(t *testing.T) {
	noLeaks(t)
	dsn := pgtest.Default(t).DSN()
	ctx := testCtx(t)
	var dials atomic.Int32
	gatedConfig := func(gate <-chan struct{}) *pgmoon.Config {
		cfg := poolConfig(t, dsn, func(c *pgmoon.PoolConfig) { c.MaxConns = 1 })
		cfg.Dialer = dialerFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			select {
			case <-gate:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		})
		return cfg
	}

	t.Run("outlives Acquire", func(t *testing.T) {
		gate := make(chan struct{})
		pool := newPool(t, gatedConfig(gate))
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if _, err := pool.Acquire(short); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Acquire: %v, want the deadline", err)
		}
		close(gate)
		eventually(t, "idle", func() bool { return pool.Stat().IdleConns == 1 })
		pid(t, pool)
		s := checkQuiet(t, pool)
		if s.CanceledAcquireCount != 1 || s.NewConnsCount != 1 || s.AcquireCount != 1 || s.EmptyAcquireCount != 0 {
			t.Errorf("stat: %+v", s)
		}
	})

	t.Run("stopped by Close", func(t *testing.T) {
		dials.Store(0)
		pool, err := pgmoon.NewPool(ctx, gatedConfig(nil))
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := pool.Acquire(ctx)
			done <- err
		}()
		eventually(t, "dialing", func() bool { return dials.Load() == 1 })
		pool.Close()
		if err := <-done; !errors.Is(err, pgmoon.ErrPoolClosed) {
			t.Errorf("Acquire: %v, want ErrPoolClosed", err)
		}
		if s := pool.Stat(); s.TotalConns != 0 || s.ConstructingConns != 0 {
			t.Errorf("stat: %+v", s)
		}
	})
}

// BeginTxFunc runs on a pool with the options asked for, and gives the
// connection back.
func TestPoolBeginTxFunc(t *testing.T) {
	noLeaks(t)
	pool := newPool(t, poolConfig(t, pgtest.Default(t).DSN(), nil))
	ctx := testCtx(t)
	err := pgmoon.BeginTxFunc(ctx, pool, pgmoon.TxOptions{IsoLevel: pgmoon.Serializable, AccessMode: pgmoon.ReadOnly}, func(tx *pgmoon.Tx) error {
		var iso, ro string
		if err := tx.QueryRow(ctx, "select current_setting('transaction_isolation'), current_setting('transaction_read_only')").Scan(&iso, &ro); err != nil {
			return err
		}
		if iso != "serializable" || ro != "on" {
			t.Errorf("isolation %q, read only %q", iso, ro)
		}
		_, err := tx.Exec(ctx, "create table pool_beginTxFunc_refused (i int)")
		return err
	})
	if !errors.Is(err, &pgmoon.PgError{Code: "25006"}) {
		t.Fatalf("err = %v, want read_only_sql_transaction", err)
	}
	checkQuiet(t, pool)
}
