package pgmoon_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/pgmoon-go/pgmoon"
)

func ExampleNewPool() {
	cfg, err := pgmoon.ParseConfig("postgres://app@db.internal/shop")
	if err != nil {
		log.Fatal(err)
	}
	cfg.Pool.MaxConns = 16
	cfg.Pool.MinConns = 2
	cfg.Pool.MaxConnIdleTime = 5 * time.Minute
	cfg.Pool.AfterConnect = func(ctx context.Context, conn *pgmoon.Conn) error {
		_, err := conn.Exec(ctx, "set statement_timeout = '30s'")
		return err
	}
	ctx := context.Background()
	pool, err := pgmoon.NewPool(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	// NewPool does not connect; Ping reports an unreachable server early.
	if err := pool.Ping(ctx); err != nil {
		log.Fatal(err)
	}

	// Each call borrows a connection for as long as it needs one.
	var n int64
	if err := pool.QueryRow(ctx, "select count(*) from orders where paid").Scan(&n); err != nil {
		log.Fatal(err)
	}
	// Transactions too: the connection goes back at Commit or Rollback.
	err = pgmoon.BeginFunc(ctx, pool, func(tx *pgmoon.Tx) error {
		_, err := tx.Exec(ctx, "update stock set n = n - 1 where item = $1", "pen")
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, "paid orders;", pool.Stat().TotalConns, "connections open")
}

// A connection held with Acquire keeps its session: here it listens for
// notifications until ctx ends. Release gives it back, and the pool undoes
// the LISTEN before anyone else gets it.
func ExamplePool_Acquire() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, err := pgmoon.NewPool(ctx, &pgmoon.Config{Host: "localhost", User: "app", Database: "shop"})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	conn, err := pool.Acquire(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "listen orders"); err != nil {
		log.Fatal(err)
	}
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return // ctx ended, or the connection failed
		}
		fmt.Println("order", n.Payload)
	}
}

func ExamplePool_AcquireFunc() {
	ctx := context.Background()
	pool, err := pgmoon.NewPool(ctx, &pgmoon.Config{Host: "localhost", User: "app", Database: "shop"})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	// Several statements on one session; the connection goes back when
	// the function returns, or panics.
	err = pool.AcquireFunc(ctx, func(c *pgmoon.PoolConn) error {
		if _, err := c.Exec(ctx, "select pg_advisory_lock(42)"); err != nil {
			return err
		}
		defer c.Exec(ctx, "select pg_advisory_unlock(42)")
		_, err := c.Exec(ctx, "refresh materialized view sales_summary")
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
}
