package pgmoon_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

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
