// Package soak is the logic of the pgmoon-soak command: a pool of workers
// doing bank transfers in transactions while a chaos loop restarts the
// server, terminates and kills backends (and flips faults on a proxy
// between the pool and the server), then checks that no committed write
// was lost, that transfers whose COMMIT went unanswered are all there or
// not at all, that no goroutine leaked, and that every error was a typed,
// documented one.
//
// It uses go.uber.org/goleak outside a test, for the leak check: pgtest,
// of which this is a part, is test tooling already.
package soak

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/goleak"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// Options configure a soak run. Zero fields take the defaults given with
// them.
type Options struct {
	Duration   time.Duration // how long transfers run (default: 2m)
	Workers    int           // goroutines doing transfers (default: 32)
	Conns      int           // the pool's MaxConns (default: 16, so that workers also wait for connections)
	Accounts   int           // bank accounts (default: 100)
	DSN        string        // an existing server to use; "" starts a local one with pgtest (default: "")
	Seed       uint64        // seeds the workers' and the chaos loop's random choices (default: 0, taken from the clock)
	OpTimeout  time.Duration // deadline of one transfer, from BEGIN to COMMIT (default: 5s)
	ChaosEvery time.Duration // mean pause between two faults (default: 2s)
	NoProxy    bool          // connect the pool straight to the server: no proxy faults (default: through a pgtest fault proxy)
	Log        io.Writer     // progress and one line per fault (default: discarded)
}

func (o Options) withDefaults() Options {
	if o.Duration <= 0 {
		o.Duration = 2 * time.Minute
	}
	if o.Workers <= 0 {
		o.Workers = 32
	}
	if o.Conns <= 0 {
		o.Conns = 16
	}
	if o.Accounts <= 0 {
		o.Accounts = 100
	}
	if o.Seed == 0 {
		o.Seed = uint64(time.Now().UnixNano())
	}
	if o.OpTimeout <= 0 {
		o.OpTimeout = 5 * time.Second
	}
	if o.ChaosEvery <= 0 {
		o.ChaosEvery = 2 * time.Second
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o
}

// A Report is what a run saw and what its final checks found.
type Report struct {
	Options Options       // with defaults filled in
	Server  string        // where the server came from
	Proxy   string        // whether the pool went through the fault proxy, and why not
	Elapsed time.Duration // from the first transfer to the last one's end

	Attempted, Committed, Failed, Unknown int64 // transfers
	UnknownPresent, UnknownAbsent         int   // how the unknown ones ended

	Faults      map[string]int // faults injected, by kind
	ChaosErrors map[string]int // chaos actions that could not be carried out, by kind
	Errors      []ErrorKind    // errors seen, by kind, most frequent first
	Bad         []string       // the first failures seen while running (undocumented errors...)
	BadSeen     int            // how many there were in all
	Checks      []Check
}

// ErrorKind is how often one kind of error was seen.
type ErrorKind struct {
	Kind       string
	Documented bool
	Count      int
	ByOp       map[string]int // by operation: begin, update, insert, commit, rollback
	Example    string
}

// OK reports whether every check passed.
func (r *Report) OK() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return len(r.Checks) > 0
}

// Run sets up a bank in a new database, runs the workers and the chaos loop
// for o.Duration, and checks the outcome. The returned error means the run
// could not be set up or checked at all; a check that failed is in the
// Report (see Report.OK). ctx ends the run early (its transfers then end
// with context.Canceled).
func Run(ctx context.Context, o Options) (rep *Report, err error) {
	o = o.withDefaults()
	if o.Accounts < 2 {
		return nil, errors.New("soak: need at least 2 accounts")
	}
	leakBaseline := goleak.IgnoreCurrent()
	rep = &Report{Options: o}

	var server *pgtest.Server
	dsn := o.DSN
	if dsn == "" {
		// synchronous_commit back on: pgtest turns it off for speed, and
		// a SIGKILLed backend makes the postmaster reinitialise shared
		// memory, losing commits acknowledged but not yet written to WAL.
		server, err = pgtest.Start(ctx, pgtest.WithLocal(), pgtest.WithSetting("synchronous_commit", "on"))
		if err != nil {
			return nil, fmt.Errorf("soak: %w", err)
		}
		defer func() {
			if cerr := server.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("soak: close the server: %w", cerr)
			}
		}()
		dsn = server.DSN()
		rep.Server = fmt.Sprintf("PostgreSQL %d started by pgtest from local binaries", server.MajorVersion())
	} else {
		rep.Server = "existing server (-dsn): no restarts, no SIGKILL"
	}
	base, err := pgmoon.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("soak: %w", err)
	}

	db, err := createBank(ctx, base, o.Accounts)
	if err != nil {
		return nil, err
	}
	direct := base.Copy()
	direct.Database = db
	keepDB := false
	defer func() {
		if server != nil || keepDB {
			return // thrown away with the server, or kept to look at
		}
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if derr := dropBank(dctx, base, db); derr != nil && err == nil {
			err = derr
		}
	}()

	// The pool goes through the fault proxy; the chaos loop and the
	// checks go straight to the server.
	poolCfg := direct
	var proxy *pgtest.Proxy
	if target, why := proxyTarget(direct); o.NoProxy || target == "" {
		if o.NoProxy {
			why = "off (-no-proxy)"
		}
		rep.Proxy = why
	} else {
		proxy, err = pgtest.StartProxy(target)
		if err != nil {
			return nil, fmt.Errorf("soak: %w", err)
		}
		defer proxy.Close()
		pdsn, err := proxy.DSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("soak: %w", err)
		}
		poolCfg, err = pgmoon.ParseConfig(pdsn)
		if err != nil {
			return nil, fmt.Errorf("soak: %w", err)
		}
		poolCfg.Database = db
		rep.Proxy = "pgtest fault proxy " + proxy.Addr() + " -> " + target
	}

	t := newTally()
	setupCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	pool, err := newBankPool(setupCtx, poolCfg, o)
	if err != nil {
		return nil, err
	}

	// The run.
	var nextID atomic.Int64
	stop := make(chan struct{})
	ledgers := make([]ledger, o.Workers)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range o.Workers {
		w := &worker{
			pool: pool, accounts: o.Accounts, opTimeout: o.OpTimeout, nextID: &nextID,
			rng: rand.New(rand.NewPCG(o.Seed, uint64(i)+1)), t: t,
		}
		wg.Go(func() {
			w.run(ctx, stop)
			ledgers[i] = w.ledger
		})
	}
	ch := newChaos(server, proxy, direct, o, rand.New(rand.NewPCG(o.Seed, 0)), t)
	wg.Go(func() { ch.run(ctx, stop) })
	wg.Go(func() { progress(ctx, stop, o.Log, start, t) })
	select {
	case <-time.After(o.Duration):
	case <-ctx.Done():
	}
	close(stop)
	wg.Wait()
	rep.Elapsed = time.Since(start)
	pool.Close()
	if proxy != nil {
		if err := proxy.Close(); err != nil {
			return nil, fmt.Errorf("soak: %w", err)
		}
	}

	// The checks.
	vctx, vcancel := context.WithTimeout(context.WithoutCancel(ctx), verifyConnectWait+2*sessionsGoneWait+time.Minute)
	defer vcancel()
	conn, err := connectRetrying(vctx, direct)
	if err != nil {
		return nil, fmt.Errorf("soak: connect for the final checks: %w", err)
	}
	if err := waitSessionsGone(vctx, conn); err != nil {
		conn.Close(vctx)
		return nil, fmt.Errorf("soak: %w", err)
	}
	st, err := readBank(vctx, conn)
	conn.Close(vctx)
	if err != nil {
		return nil, fmt.Errorf("soak: %w", err)
	}
	checks, fate := checkBank(st, o.Accounts, ledgers)
	rep.UnknownPresent, rep.UnknownAbsent = fate.present, fate.absent
	rep.fill(t)
	rep.Checks = append(rep.Checks, checks...)
	rep.Checks = append(rep.Checks, rep.errorChecks()...)
	if !rep.OK() && o.DSN != "" {
		keepDB = true
		rep.Checks = append(rep.Checks, Check{Name: "database kept for inspection", OK: true, Detail: db})
	}
	if server != nil {
		// Before the leak check: the server's goroutines are pgtest's.
		if err := server.Close(); err != nil {
			return nil, fmt.Errorf("soak: close the server: %w", err)
		}
	}
	rep.Checks = append(rep.Checks, leakCheck(leakBaseline))
	return rep, nil
}

// proxyTarget returns the server's TCP address for the proxy to forward
// to, or "" and why not.
func proxyTarget(cfg *pgmoon.Config) (target, why string) {
	host := cfg.Host
	if cfg.HostAddr != "" {
		host = cfg.HostAddr
	}
	switch {
	case len(cfg.Fallbacks) > 0:
		return "", "none: the server's connection string names several hosts"
	case host == "" || strings.HasPrefix(host, "/") || strings.HasPrefix(host, "@"):
		return "", "none: the server is reached over a unix socket"
	}
	return net.JoinHostPort(host, strconv.Itoa(int(cfg.Port))), ""
}

// newBankPool makes the workers' pool: health checks every second, so that
// connections a restart killed are found soon, and a short CancelWait, so
// that a transfer whose deadline passed behind a fault gives its
// connection up soon.
func newBankPool(ctx context.Context, cfg *pgmoon.Config, o Options) (*pgmoon.Pool, error) {
	cfg = cfg.Copy()
	cfg.Pool.MaxConns = int32(o.Conns)
	cfg.Pool.HealthCheckPeriod = time.Second
	cfg.CancelWait = time.Second
	cfg.ApplicationName = "pgmoon-soak"
	pool, err := pgmoon.NewPool(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("soak: pool: %w", err)
	}
	return pool, nil
}

// createBank creates a database of its own for the run, with the bank's
// tables, and returns its name.
func createBank(ctx context.Context, base *pgmoon.Config, accounts int) (string, error) {
	var rnd [4]byte
	_, _ = crand.Read(rnd[:])
	db := "pgmoon_soak_" + hex.EncodeToString(rnd[:])
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := withConn(ctx, base, func(conn *pgmoon.Conn) error {
		_, err := conn.Exec(ctx, "create database "+db)
		return err
	}); err != nil {
		return "", fmt.Errorf("soak: create database %s: %w", db, err)
	}
	cfg := base.Copy()
	cfg.Database = db
	if err := withConn(ctx, cfg, func(conn *pgmoon.Conn) error {
		_, err := conn.SimpleQuery(ctx, fmt.Sprintf(schema, initialBalance, accounts))
		return err
	}); err != nil {
		return "", fmt.Errorf("soak: create the bank's tables in %s: %w", db, err)
	}
	return db, nil
}

// dropBank drops the run's database, disconnecting what is left.
func dropBank(ctx context.Context, base *pgmoon.Config, db string) error {
	err := withConn(ctx, base, func(conn *pgmoon.Conn) error {
		_, err := conn.Exec(ctx, "drop database if exists "+db+" with (force)")
		return err
	})
	if err != nil {
		return fmt.Errorf("soak: drop database %s: %w", db, err)
	}
	return nil
}

// withConn connects with cfg, calls f and closes the connection.
func withConn(ctx context.Context, cfg *pgmoon.Config, f func(*pgmoon.Conn) error) error {
	conn, err := pgmoon.Connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return f(conn)
}

// progress prints the running figures every 10 seconds.
func progress(ctx context.Context, stop <-chan struct{}, w io.Writer, start time.Time, t *tally) {
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
			fmt.Fprintf(w, "%6.1fs transfers: %d attempted, %d committed, %d failed, %d unknown\n",
				time.Since(start).Seconds(), t.attempted.Load(), t.committed.Load(), t.failed.Load(), t.unknown.Load())
		}
	}
}

// fill copies the tally into the report.
func (r *Report) fill(t *tally) {
	r.Attempted, r.Committed = t.attempted.Load(), t.committed.Load()
	r.Failed, r.Unknown = t.failed.Load(), t.unknown.Load()
	t.mu.Lock()
	defer t.mu.Unlock()
	r.Faults = maps.Clone(t.faults)
	r.ChaosErrors = maps.Clone(t.chaos)
	for kind, c := range t.errs {
		r.Errors = append(r.Errors, ErrorKind{Kind: kind, Documented: c.documented, Count: c.n, ByOp: maps.Clone(c.byOp), Example: c.example})
	}
	sort.Slice(r.Errors, func(i, j int) bool {
		if r.Errors[i].Count != r.Errors[j].Count {
			return r.Errors[i].Count > r.Errors[j].Count
		}
		return r.Errors[i].Kind < r.Errors[j].Kind
	})
	r.Bad = append([]string(nil), t.bad...)
	r.BadSeen = t.badSeen
}

// errorChecks are the checks on the errors seen while running.
func (r *Report) errorChecks() []Check {
	var checks []Check
	checks = append(checks, Check{
		Name:   "every error was a typed, documented one (and nothing else went wrong while running)",
		OK:     r.BadSeen == 0,
		Detail: fmt.Sprintf("%d failures", r.BadSeen),
	})
	protocol := 0
	for _, e := range r.Errors {
		if e.Kind == kindProtocol {
			protocol = e.Count
		}
	}
	checks = append(checks, Check{
		Name:   "no *pgmoon.ProtocolError (no fault here changes a byte, so one would mean the driver lost its place in the stream)",
		OK:     protocol == 0,
		Detail: fmt.Sprintf("%d seen", protocol),
	})
	checks = append(checks, Check{
		Name:   "some transfers committed",
		OK:     r.Committed > 0,
		Detail: fmt.Sprintf("%d of %d", r.Committed, r.Attempted),
	})
	return checks
}

// leakCheck looks for goroutines started during the run that are still
// there, the pool and the proxy being closed (and the server, which
// pgtest's goroutines watch).
func leakCheck(baseline goleak.Option) Check {
	c := Check{Name: "no goroutine leaked (goleak.Find after closing the pool, the proxy and the server)", OK: true, Detail: "none"}
	if err := goleak.Find(baseline); err != nil {
		c.OK = false
		c.Detail = err.Error()
	}
	return c
}

// Print writes the summary.
func (r *Report) Print(w io.Writer) {
	o := r.Options
	fmt.Fprintf(w, "pgmoon-soak summary\n")
	fmt.Fprintf(w, "  server:     %s\n", r.Server)
	fmt.Fprintf(w, "  proxy:      %s\n", r.Proxy)
	fmt.Fprintf(w, "  settings:   -duration %v -workers %d -conns %d -accounts %d -op-timeout %v -chaos-every %v -seed %d\n",
		o.Duration, o.Workers, o.Conns, o.Accounts, o.OpTimeout, o.ChaosEvery, o.Seed)
	fmt.Fprintf(w, "  duration:   %v\n", r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  transfers:  %d attempted, %d committed, %d failed, %d unknown (%d then found in full, %d found absent)\n",
		r.Attempted, r.Committed, r.Failed, r.Unknown, r.UnknownPresent, r.UnknownAbsent)
	fmt.Fprintf(w, "  faults injected:\n")
	for _, k := range sortedKeys(r.Faults) {
		fmt.Fprintf(w, "    %6d  %s\n", r.Faults[k], k)
	}
	if len(r.ChaosErrors) > 0 {
		fmt.Fprintf(w, "  chaos actions not carried out (the server was down, no backend to pick...):\n")
		for _, k := range sortedKeys(r.ChaosErrors) {
			fmt.Fprintf(w, "    %6d  %s\n", r.ChaosErrors[k], k)
		}
	}
	fmt.Fprintf(w, "  errors by kind:\n")
	for _, e := range r.Errors {
		mark := ""
		if !e.Documented {
			mark = "  <-- FAILURE"
		}
		var ops []string
		for _, op := range sortedKeys(e.ByOp) {
			ops = append(ops, fmt.Sprintf("%s %d", op, e.ByOp[op]))
		}
		fmt.Fprintf(w, "    %6d  %s [%s]%s\n", e.Count, e.Kind, strings.Join(ops, ", "), mark)
		fmt.Fprintf(w, "            e.g. %s\n", truncate(e.Example, 200))
	}
	if r.BadSeen > 0 {
		fmt.Fprintf(w, "  failures while running (%d; the first %d):\n", r.BadSeen, len(r.Bad))
		for _, b := range r.Bad {
			fmt.Fprintf(w, "    %s\n", truncate(b, 400))
		}
	}
	fmt.Fprintf(w, "  final checks:\n")
	for _, c := range r.Checks {
		status := "ok  "
		if !c.OK {
			status = "FAIL"
		}
		fmt.Fprintf(w, "    %s %s: %s\n", status, c.Name, c.Detail)
	}
	if r.OK() {
		fmt.Fprintf(w, "PASS\n")
	} else {
		fmt.Fprintf(w, "FAIL\n")
	}
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func truncate(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " | ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
