package soak

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// Kinds of fault the chaos loop injects, as the summary names them.
const (
	faultRestart   = "server restart (pgtest Server.Restart, fast shutdown)"
	faultTerminate = "pg_terminate_backend (backends terminated)"
	faultSIGKILL   = "SIGKILL of a backend (postmaster then restarts all)"
)

// chaosActionTimeout bounds one chaos action, a restart included.
const chaosActionTimeout = 60 * time.Second

// A chaos loop injects faults at random intervals.
type chaos struct {
	server *pgtest.Server // nil: not ours to restart or signal
	admin  *pgmoon.Config // straight to the soak's database, not through the proxy
	every  time.Duration  // mean pause between two faults
	rng    *rand.Rand     // the loop's own
	t      *tally         // where faults are counted
	log    io.Writer      // one line per fault
	start  time.Time      // of the run, for the log lines
	acts   []chaosAction  // what it may do, with weights
	total  int            // sum of the weights
}

// A chaosAction is one kind of fault and how often it is picked.
type chaosAction struct {
	name   string
	weight int
	do     func(ctx context.Context) error
}

// newChaos sets up the loop's actions: restarts and SIGKILL only for a
// server pgtest started here from local binaries, pg_terminate_backend
// always.
func newChaos(server *pgtest.Server, admin *pgmoon.Config, every time.Duration, rng *rand.Rand, t *tally, log io.Writer) *chaos {
	c := &chaos{server: server, admin: admin, every: every, rng: rng, t: t, log: log, start: time.Now()}
	c.add(faultTerminate, 3, c.terminate)
	if server != nil {
		c.add(faultRestart, 1, c.restart)
		if server.Backend() == pgtest.BackendLocal && canKill {
			c.add(faultSIGKILL, 1, c.sigkill)
		}
	}
	return c
}

// add makes name one of the loop's actions.
func (c *chaos) add(name string, weight int, do func(context.Context) error) {
	c.acts = append(c.acts, chaosAction{name: name, weight: weight, do: do})
	c.total += weight
}

// run injects faults until stop is closed or ctx ends, pausing between
// them for a random time between half and one and a half times c.every.
func (c *chaos) run(ctx context.Context, stop <-chan struct{}) {
	for {
		pause := c.every/2 + time.Duration(c.rng.Int64N(int64(c.every)+1))
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		c.injectOne(ctx)
	}
}

// injectOne picks an action by weight and carries it out. A restart runs
// to its end even when ctx ends meanwhile: a half-restarted server would
// leave nothing to check.
func (c *chaos) injectOne(ctx context.Context) {
	n := c.rng.IntN(c.total)
	var a chaosAction
	for _, a = range c.acts {
		if n < a.weight {
			break
		}
		n -= a.weight
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), chaosActionTimeout)
	defer cancel()
	err := a.do(actx)
	if err != nil {
		c.t.recordChaosErr(a.name)
		fmt.Fprintf(c.log, "%6.1fs chaos: %s: not done: %v\n", c.since(), a.name, err)
		if a.name == faultRestart {
			// The harness's own failure, not the driver's: the checks
			// could not be trusted after it.
			c.t.recordBad("chaos: %s failed: %v", a.name, err)
		}
	}
}

// since is the time since the run started, in seconds.
func (c *chaos) since() float64 { return time.Since(c.start).Seconds() }

// withAdmin runs f on a connection of its own to the soak's database,
// straight to the server.
func (c *chaos) withAdmin(ctx context.Context, f func(*pgmoon.Conn) error) error {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgmoon.Connect(cctx, c.admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(cctx))
	return f(conn)
}

// otherBackends selects the client backends connected to the soak's
// database, but the one running it, in random order.
const otherBackends = `select pid from pg_stat_activity
	where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
	order by random() limit $1`

// terminate ends one to four of the pool's backends with
// pg_terminate_backend: each client sees FATAL 57P01 (admin_shutdown), or
// a closed connection if it was idle.
func (c *chaos) terminate(ctx context.Context) error {
	k := 1 + c.rng.IntN(4)
	return c.withAdmin(ctx, func(conn *pgmoon.Conn) error {
		var n int64
		err := conn.QueryRow(ctx, `select count(*) filter (where pg_terminate_backend(pid)) from (`+otherBackends+`) b`, k).Scan(&n)
		if err != nil {
			return err
		}
		c.t.recordFault(faultTerminate, int(n))
		fmt.Fprintf(c.log, "%6.1fs chaos: pg_terminate_backend: %d backends\n", c.since(), n)
		return nil
	})
}

// sigkill kills one of the pool's backends with SIGKILL. The postmaster
// then terminates every other backend (clients see FATAL 57P02,
// crash_shutdown, or a closed connection), runs crash recovery and accepts
// connections again (meanwhile refusing them with 57P03,
// cannot_connect_now).
func (c *chaos) sigkill(ctx context.Context) error {
	var pid int32
	err := c.withAdmin(ctx, func(conn *pgmoon.Conn) error {
		return conn.QueryRow(ctx, otherBackends, 1).Scan(&pid)
	})
	if err != nil {
		return fmt.Errorf("pick a backend: %w", err)
	}
	if err := killBackend(int(pid)); err != nil {
		return fmt.Errorf("kill backend %d: %w", pid, err)
	}
	c.t.recordFault(faultSIGKILL, 1)
	fmt.Fprintf(c.log, "%6.1fs chaos: SIGKILL backend %d\n", c.since(), pid)
	return nil
}

// restart restarts the server with pgtest (fast shutdown: clients see
// FATAL 57P01 or a closed connection, then refused connections until the
// server is back on the same port).
func (c *chaos) restart(ctx context.Context) error {
	t0 := time.Now()
	if err := c.server.Restart(ctx); err != nil {
		return err
	}
	c.t.recordFault(faultRestart, 1)
	fmt.Fprintf(c.log, "%6.1fs chaos: server restarted in %v\n", c.since(), time.Since(t0).Round(time.Millisecond))
	return nil
}
