package pgmoon_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// The stress tests run many goroutines over few connections, each doing a
// fixed mix of every kind of call the pool has, and check every result.

const stressTable = "create table stress (w int4, op int4)"

// stressKinds is how many kinds of operation stressOp has.
const stressKinds = 7

// stressOp runs operation i of worker w, checking what it gets back, and
// returns how many rows it inserted and committed. would is how many it
// would have inserted: when err is not nil, between 0 and would rows may
// have been committed (a COMMIT whose answer was lost).
func stressOp(ctx context.Context, pool *pgmoon.Pool, w, i int) (inserted, would int, err error) {
	insert := "insert into stress values ($1, $2)"
	switch i % stressKinds {
	case 0:
		var n int32
		if err := pool.QueryRow(ctx, "select $1::int4 + 1", i).Scan(&n); err != nil {
			return 0, 0, err
		}
		if n != int32(i+1) {
			return 0, 0, fmt.Errorf("select %d + 1 = %d", i, n)
		}
		return 0, 0, nil
	case 1:
		k := i%10 + 1
		rows, err := pool.Query(ctx, "select g from generate_series(1, $1::int4) g", k)
		if err != nil {
			return 0, 0, err
		}
		sum := 0
		for rows.Next() {
			var g int32
			if err := rows.Scan(&g); err != nil {
				rows.Close()
				return 0, 0, err
			}
			sum += int(g)
		}
		if err := rows.Err(); err != nil {
			return 0, 0, err
		}
		if sum != k*(k+1)/2 {
			return 0, 0, fmt.Errorf("sum of 1..%d = %d", k, sum)
		}
		return 0, 0, nil
	case 2:
		tag, err := pool.Exec(ctx, insert, w, i)
		if err != nil {
			return 0, 1, err
		}
		if tag.RowsAffected() != 1 {
			return 0, 1, fmt.Errorf("insert: tag %q", tag)
		}
		return 1, 1, nil
	case 3:
		err := pgmoon.BeginFunc(ctx, pool, func(tx *pgmoon.Tx) error {
			for range 2 {
				if _, err := tx.Exec(ctx, insert, w, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, 2, err
		}
		return 2, 2, nil
	case 4:
		tx, err := pool.Begin(ctx)
		if err != nil {
			return 0, 0, err
		}
		if _, err := tx.Exec(ctx, insert, w, i); err != nil {
			tx.Rollback(ctx)
			return 0, 0, err
		}
		return 0, 0, tx.Rollback(ctx)
	case 5:
		b := &pgmoon.Batch{}
		b.Queue(insert, w, i)
		b.Queue("select count(*)::int4 from stress where w = $1 and op = $2", w, i)
		br := pool.SendBatch(ctx, b)
		if _, err := br.Exec(); err != nil {
			br.Close()
			return 0, 1, err
		}
		var n int32
		if err := br.QueryRow().Scan(&n); err != nil {
			br.Close()
			return 0, 1, err
		}
		if err := br.Close(); err != nil {
			return 0, 1, err
		}
		if n != 1 {
			return 1, 1, fmt.Errorf("batch sees %d rows of its own insert", n)
		}
		return 1, 1, nil
	default:
		n, err := pool.CopyFrom(ctx, pgmoon.Identifier{"stress"}, []string{"w", "op"},
			pgmoon.CopyFromRows([][]any{{w, i}, {w, i}, {w, i}}))
		if err != nil {
			return 0, 3, err
		}
		if n != 3 {
			return 0, 3, fmt.Errorf("CopyFrom copied %d rows", n)
		}
		return 3, 3, nil
	}
}

// 64 goroutines over 8 connections, every operation succeeding.
func TestPoolConcurrent(t *testing.T) {
	noLeaks(t)
	dsn := pgtest.Default(t).NewDatabase(t)
	admin := connect(t, dsn)
	mustExec(t, admin, stressTable)
	pool := newPool(t, poolConfig(t, dsn, func(c *pgmoon.PoolConfig) { c.MaxConns = 8 }))
	ctx := testCtx(t)

	const workers, opsEach = 64, 5 * stressKinds
	var inserted atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range opsEach {
				n, _, err := stressOp(ctx, pool, w, i)
				if err != nil {
					t.Errorf("worker %d, op %d: %v", w, i, err)
					return
				}
				inserted.Add(int64(n))
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if got, want := scalar(t, admin, "select count(*) from stress"), fmt.Sprint(inserted.Load()); got != want {
		t.Errorf("%s rows in the table, want %s", got, want)
	}
	s := checkQuiet(t, pool)
	if s.AcquireCount != workers*opsEach {
		t.Errorf("AcquireCount = %d, want %d (one per operation)", s.AcquireCount, workers*opsEach)
	}
	if s.TotalConns > 8 || s.NewConnsCount != int64(s.TotalConns) || s.CanceledAcquireCount != 0 ||
		s.EmptyAcquireCount > s.AcquireCount || s.EmptyAcquireCount < int64(s.NewConnsCount) {
		t.Errorf("stat: %+v", s)
	}
	pool.Close()
	if s := pool.Stat(); s.TotalConns != 0 {
		t.Errorf("after Close: %+v", s)
	}
}

// explainedByRestart reports whether err is what a server restart does to
// a call: the connection was terminated (the server's FATAL admin_shutdown,
// or the end of the stream), or no connection could be made while the
// server was down or starting.
func explainedByRestart(err error) bool {
	var pgErr *pgmoon.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", "57P02", "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08") // connection_exception
	}
	for _, target := range []error{pgmoon.ErrConnClosed, io.ErrUnexpectedEOF, io.EOF, syscall.ECONNRESET, syscall.EPIPE, syscall.ECONNREFUSED} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// 64 goroutines over 8 connections, with a server restart in the middle:
// the run goes on; the only errors are those the restart explains; after
// it, each connection open when the server stopped fails at most one call,
// and then every worker succeeds again, at every kind of operation.
func TestPoolServerRestart(t *testing.T) {
	noLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := ownServer(ctx, t)
	admin, err := pgmoon.ConnectString(ctx, srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, admin, stressTable)
	admin.Close(ctx)
	const maxConns = 8
	pool := newPool(t, poolConfig(t, srv.DSN(), func(c *pgmoon.PoolConfig) {
		c.MaxConns, c.HealthCheckPeriod = maxConns, 200*time.Millisecond
	}))

	const (
		workers     = 64
		before      = 0 // phases
		restarting  = 1
		after       = 2
		wantStreak  = 2 * stressKinds // successes in a row after the restart: each kind twice
		errorsPause = 5 * time.Millisecond
	)
	var (
		phase           atomic.Int32
		ok, failed      [3]atomic.Int64 // by the phase the operation started in
		inserted, doubt atomic.Int64
		unexplained     atomic.Int64
		wg              sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			streak := 0
			for i := 0; ; i++ {
				if ctx.Err() != nil {
					t.Errorf("worker %d: still failing when the test's time ran out", w)
					return
				}
				ph := phase.Load()
				n, would, err := stressOp(ctx, pool, w, i)
				if err == nil {
					ok[ph].Add(1)
					inserted.Add(int64(n))
					if streak++; ph == after && streak >= wantStreak {
						return
					}
					continue
				}
				streak = 0
				if phase.Load() == before {
					// Ended before the restart began.
					t.Errorf("worker %d, op %d: failed before the restart: %v", w, i, err)
					return
				}
				failed[ph].Add(1)
				doubt.Add(int64(would - n))
				inserted.Add(int64(n))
				if !explainedByRestart(err) {
					unexplained.Add(1)
					t.Errorf("worker %d, op %d (phase %d): unexplained error: %v", w, i, ph, err)
					return
				}
				time.Sleep(errorsPause) // the server may be down: do not spin
			}
		})
	}
	// Every worker at work (each did a whole round of kinds, on average),
	// then restart.
	for ok[before].Load() < workers*stressKinds && unexplained.Load() == 0 && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	phase.Store(restarting)
	if err := srv.Restart(ctx); err != nil {
		t.Errorf("restart: %v", err)
	}
	phase.Store(after)
	wg.Wait()
	if t.Failed() {
		return
	}

	// By the phase each operation started in.
	t.Logf("before: %d ok, %d failed; during the restart: %d ok, %d failed; after: %d ok, %d failed",
		ok[before].Load(), failed[before].Load(), ok[restarting].Load(), failed[restarting].Load(), ok[after].Load(), failed[after].Load())
	if n := failed[before].Load() + failed[restarting].Load(); n == 0 {
		t.Errorf("no failure during the restart: did the server restart?")
	}
	if n := failed[after].Load(); n > maxConns {
		t.Errorf("%d failures after the restart, more than the %d connections that could have been open", n, maxConns)
	}

	// Rows: all those acknowledged, and perhaps some of those whose
	// acknowledgement the restart lost.
	check, err := pgmoon.ConnectString(ctx, srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close(ctx)
	var rows int64
	if err := check.QueryRow(ctx, "select count(*) from stress").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows < inserted.Load() || rows > inserted.Load()+doubt.Load() {
		t.Errorf("%d rows; %d acknowledged, %d in doubt", rows, inserted.Load(), doubt.Load())
	}

	s := checkQuiet(t, pool)
	total := ok[before].Load() + ok[restarting].Load() + ok[after].Load()
	fails := failed[before].Load() + failed[restarting].Load() + failed[after].Load()
	if s.AcquireCount < total || s.AcquireCount > total+fails || s.CanceledAcquireCount != 0 || s.TotalConns > maxConns {
		t.Errorf("stat: %+v (%d operations succeeded, %d failed)", s, total, fails)
	}
	pool.Close()
}
