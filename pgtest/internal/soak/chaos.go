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
	faultLockHold  = "row lock held past the transfer deadline (transfers end by their context: CancelRequest)"

	// Through the fault proxy between the pool and the server. Each
	// lasts a random time, during which other faults may come; the next
	// proxy fault replaces it.
	faultLatency    = "proxy: latency with jitter"
	faultSlices     = "proxy: 1-byte writes"
	faultBandwidth  = "proxy: bandwidth limit"
	faultBlackHole  = "proxy: black hole, shorter than the transfer deadline"
	faultResetAll   = "proxy: reset (RST) of every connection"
	faultResetNew   = "proxy: reset (RST) of every connection, and of new ones for a moment"
	faultCloseAll   = "proxy: close (FIN) of every connection"
	faultCloseAfter = "proxy: close after N bytes (N random)"
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

	proxy     *pgtest.Proxy // between the pool and the server; nil: none
	opTimeout time.Duration // the transfers' deadline: black holes stay shorter
	clearAt   time.Time     // when to clear the proxy's faults; zero: none set
	accounts  int

	stop <-chan struct{} // run's
}

// A chaosAction is one kind of fault and how often it is picked.
type chaosAction struct {
	name   string
	weight int
	do     func(ctx context.Context) error
}

// newChaos sets up the loop's actions: restarts and SIGKILL only for a
// server pgtest started here from local binaries, proxy faults only with a
// proxy, pg_terminate_backend always. CorruptAt is never used: over plain
// TCP a changed byte can go unnoticed (in a value), which no driver can
// detect.
func newChaos(server *pgtest.Server, proxy *pgtest.Proxy, admin *pgmoon.Config, o Options, rng *rand.Rand, t *tally) *chaos {
	c := &chaos{server: server, proxy: proxy, admin: admin, every: o.ChaosEvery, opTimeout: o.OpTimeout,
		accounts: o.Accounts, rng: rng, t: t, log: o.Log, start: time.Now()}
	c.add(faultTerminate, 2, c.terminate)
	c.add(faultLockHold, 1, c.lockHold)
	if server != nil {
		c.add(faultRestart, 2, c.restart)
		if server.Backend() == pgtest.BackendLocal && canKill {
			c.add(faultSIGKILL, 2, c.sigkill)
		}
	}
	if proxy != nil {
		c.add(faultLatency, 2, c.latency)
		c.add(faultSlices, 2, c.slices)
		c.add(faultBandwidth, 1, c.bandwidth)
		c.add(faultBlackHole, 2, c.blackHole)
		c.add(faultResetAll, 1, c.resetAll)
		c.add(faultResetNew, 1, c.resetNew)
		c.add(faultCloseAll, 1, c.closeAll)
		c.add(faultCloseAfter, 1, c.closeAfter)
	}
	return c
}

// add makes name one of the loop's actions.
func (c *chaos) add(name string, weight int, do func(context.Context) error) {
	c.acts = append(c.acts, chaosAction{name: name, weight: weight, do: do})
	c.total += weight
}

// run injects faults until stop is closed or ctx ends, pausing between
// them for a random time between half and one and a half times c.every,
// and clears the proxy's faults when their time is up. It leaves the
// proxy without faults.
func (c *chaos) run(ctx context.Context, stop <-chan struct{}) {
	c.stop = stop
	defer func() {
		if c.proxy != nil {
			c.proxy.ClearFaults()
		}
	}()
	next := time.Now().Add(c.pause())
	for {
		wake := next
		if !c.clearAt.IsZero() && c.clearAt.Before(wake) {
			wake = c.clearAt
		}
		timer := time.NewTimer(time.Until(wake))
		select {
		case <-stop:
			timer.Stop()
			return
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		if !c.clearAt.IsZero() && !time.Now().Before(c.clearAt) {
			c.clearProxy()
		}
		if !time.Now().Before(next) {
			c.injectOne(ctx)
			next = time.Now().Add(c.pause())
		}
	}
}

// pause is a random time between half and one and a half times c.every.
func (c *chaos) pause() time.Duration {
	return c.every/2 + time.Duration(c.rng.Int64N(int64(c.every)+1))
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

// injected counts n faults of a kind and logs what was done.
func (c *chaos) injected(kind string, n int, format string, args ...any) {
	c.t.recordFault(kind, n)
	fmt.Fprintf(c.log, "%6.1fs chaos: "+format+"\n", append([]any{c.since()}, args...)...)
}

// clearProxy clears the proxy faults setProxy set, and logs it.
func (c *chaos) clearProxy() {
	c.proxy.ClearFaults()
	c.clearAt = time.Time{}
	fmt.Fprintf(c.log, "%6.1fs chaos: proxy faults cleared\n", c.since())
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
		c.injected(faultTerminate, int(n), "pg_terminate_backend: %d backends", n)
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
	c.injected(faultSIGKILL, 1, "SIGKILL backend %d", pid)
	return nil
}

// lockHold locks one account's row, on a connection of its own straight
// to the server, for a little longer than the transfers' deadline: the
// transfers that wait for the lock end by their context, which sends a
// CancelRequest (through the proxy), and the server cancels them (57014).
// No other fault comes meanwhile, so that they do end that way; the
// proxy's faults are cleared first.
func (c *chaos) lockHold(ctx context.Context) error {
	if c.proxy != nil && !c.clearAt.IsZero() {
		c.clearProxy()
	}
	id := int32(1 + c.rng.IntN(c.accounts))
	hold := c.opTimeout + c.between(0, time.Second)
	return c.withAdmin(ctx, func(conn *pgmoon.Conn) error {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, "select 1 from accounts where id = $1 for update", id); err != nil {
			return err
		}
		c.injected(faultLockHold, 1, "lock account %d for %v", id, hold.Round(time.Millisecond))
		select {
		case <-time.After(hold):
		case <-c.stop:
		}
		return tx.Rollback(ctx)
	})
}

// restart restarts the server with pgtest (fast shutdown: clients see
// FATAL 57P01 or a closed connection, then refused connections until the
// server is back on the same port).
func (c *chaos) restart(ctx context.Context) error {
	t0 := time.Now()
	if err := c.server.Restart(ctx); err != nil {
		return err
	}
	c.injected(faultRestart, 1, "server restarted in %v", time.Since(t0).Round(time.Millisecond))
	return nil
}

// between returns a random duration in [lo, hi].
func (c *chaos) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(c.rng.Int64N(int64(hi-lo)+1))
}

// direction returns a random one of ToServer, ToClient and BothWays.
func (c *chaos) direction() pgtest.Direction {
	return [...]pgtest.Direction{pgtest.ToServer, pgtest.ToClient, pgtest.BothWays}[c.rng.IntN(3)]
}

// setProxy replaces the proxy's faults with f in direction d (clearing the
// other direction) for a while.
func (c *chaos) setProxy(kind string, d pgtest.Direction, f pgtest.Faults, lasts time.Duration) {
	c.proxy.ClearFaults()
	c.proxy.SetFaults(d, f)
	c.clearAt = time.Now().Add(lasts)
	c.injected(kind, 1, "%s, %s, for %v%s", kind, d, lasts.Round(time.Millisecond), describeFaults(f))
}

// latency delays the bytes by up to 20 ms plus up to 20 ms of jitter.
func (c *chaos) latency(context.Context) error {
	f := pgtest.Faults{Latency: c.between(time.Millisecond, 20*time.Millisecond), Jitter: c.between(0, 20*time.Millisecond)}
	c.setProxy(faultLatency, c.direction(), f, c.between(time.Second, 4*time.Second))
	return nil
}

// slices forwards the bytes one at a time: every message arrives in
// pieces, its header split too.
func (c *chaos) slices(context.Context) error {
	c.setProxy(faultSlices, c.direction(), pgtest.Faults{SliceSize: 1}, c.between(time.Second, 4*time.Second))
	return nil
}

// bandwidth limits the bytes to 2 to 50 KB/s.
func (c *chaos) bandwidth(context.Context) error {
	f := pgtest.Faults{BytesPerSecond: 2000 + c.rng.IntN(48_000)}
	c.setProxy(faultBandwidth, c.direction(), f, c.between(time.Second, 3*time.Second))
	return nil
}

// blackHole stops the bytes, without closing anything, for less than the
// transfers' deadline (up to a third of it): calls under way wait, and
// those whose deadline passes send a CancelRequest, which the proxy
// swallows too.
func (c *chaos) blackHole(context.Context) error {
	c.setProxy(faultBlackHole, c.direction(), pgtest.Faults{BlackHole: true}, c.between(100*time.Millisecond, c.opTimeout/3))
	return nil
}

// resetAll resets every connection through the proxy at once.
func (c *chaos) resetAll(context.Context) error {
	n := c.proxy.Conns()
	c.proxy.ResetAll()
	c.injected(faultResetAll, 1, "%s (%d live)", faultResetAll, n)
	return nil
}

// resetNew resets every connection, and the new ones as they are accepted
// for up to half a second (connects then fail).
func (c *chaos) resetNew(context.Context) error {
	c.setProxy(faultResetNew, pgtest.BothWays, pgtest.Faults{Reset: true}, c.between(50*time.Millisecond, 500*time.Millisecond))
	return nil
}

// closeAll closes every connection through the proxy at once (FIN both
// ways).
func (c *chaos) closeAll(context.Context) error {
	n := c.proxy.Conns()
	c.proxy.CloseAll()
	c.injected(faultCloseAll, 1, "%s (%d live)", faultCloseAll, n)
	return nil
}

// closeAfter closes connections once N bytes have gone one way on them:
// at once those that are past N already (at their next bytes), during
// start-up or a transfer those that are not.
func (c *chaos) closeAfter(context.Context) error {
	f := pgtest.Faults{CloseAfter: 1 + c.rng.Int64N(20_000)}
	c.setProxy(faultCloseAfter, c.direction(), f, c.between(200*time.Millisecond, 2*time.Second))
	return nil
}

// describeFaults lists the faults set in f, for the log.
func describeFaults(f pgtest.Faults) string {
	var s string
	add := func(set bool, format string, args ...any) {
		if set {
			s += fmt.Sprintf(" "+format, args...)
		}
	}
	add(f.Latency > 0, "latency=%v", f.Latency.Round(time.Microsecond))
	add(f.Jitter > 0, "jitter=%v", f.Jitter.Round(time.Microsecond))
	add(f.BytesPerSecond > 0, "bytes/s=%d", f.BytesPerSecond)
	add(f.SliceSize > 0, "slice=%d", f.SliceSize)
	add(f.CloseAfter > 0, "close-after=%d", f.CloseAfter)
	if s != "" {
		s = ":" + s
	}
	return s
}
