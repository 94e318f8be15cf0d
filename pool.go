package pgmoon

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrPoolClosed is returned by a Pool's methods, and by a waiting Acquire,
// once Close has been called.
var ErrPoolClosed = errors.New("pgmoon: pool: closed")

// errReleased is returned by the methods of a PoolConn after Release.
var errReleased = errors.New("pgmoon: pool: connection already released")

// Timings of the pool's own checks.
const (
	// idleCheckAfter: a connection idle longer than this is checked
	// (checkIdle) before Acquire hands it out; so is one with something
	// to read (idleNeedsCheck).
	idleCheckAfter = time.Second
	// liveCheckWait is how long checkIdle reads: a live connection has
	// nothing to say, a dead one has said it already.
	liveCheckWait = time.Millisecond
	// resetTimeout bounds the ROLLBACK and UNLISTEN * that restore a
	// connection given back in a transaction or listening; past it the
	// connection is closed.
	resetTimeout = 2 * time.Second
	// closeTimeout bounds the Terminate message sent when the pool closes
	// a connection.
	closeTimeout = time.Second
)

// Pool is a set of connections made with one Config, shared safely by any
// number of goroutines. It has the query methods of a Conn (Query,
// QueryRow, Exec, SendBatch, CopyFrom, CopyFromReader, CopyTo, Begin,
// BeginTx, Ping), so code written against Querier, Copier or TxBeginner
// runs on a Pool unchanged; each call borrows a connection for as long as
// it needs one:
//
//   - Exec, CopyFrom, CopyFromReader, CopyTo and Ping: the call.
//   - Query: until the Rows are closed (Next returning false closes them).
//   - QueryRow: until Row.Scan, which must be called.
//   - SendBatch: until BatchResults.Close (at once if the batch fails as
//     a whole before anything runs).
//   - Begin and BeginTx: until the Tx ends with Commit or Rollback.
//
// Acquire borrows a connection for longer, for several statements on the
// same session, LISTEN, or Prepare; AcquireFunc gives it back for you.
//
// # Giving connections back
//
// A connection given back is checked before anyone else gets it:
//
//   - Idle ('I', nothing running): it goes back to the idle set at once
//     (after Config.Pool.AfterRelease, which runs on the goroutine giving
//     it back, or on the pool's after a restore, and may refuse it).
//   - In a transaction block ('T') or a failed one ('E'): the pool rolls
//     it back on a goroutine of its own, within a couple of seconds, and
//     closes it if that fails or takes longer. Release does not wait.
//   - A session that ran LISTEN: the pool sends UNLISTEN * in the same
//     way, and drops the notifications still queued for
//     WaitForNotification, so the next borrower neither sees them nor
//     receives new ones.
//   - Busy (its Rows still open, a COPY or another call still running on
//     another goroutine): closed. A running call then fails with
//     ErrConnClosed; the server rolls back whatever it was doing.
//   - Closed or broken, or past its lifetime: closed and replaced as
//     needed.
//
// Other session state (SET, temporary tables, prepared statements, the
// statement cache) stays with the connection; AfterRelease can reset it or
// refuse the connection.
//
// # Health
//
// Every Config.Pool.HealthCheckPeriod the pool checks its idle
// connections: those past MaxConnLifetime (plus their jitter), and those
// idle for more than MaxConnIdleTime while more than MinConns are open,
// are closed; the others are checked for life without sending anything
// (a read of a millisecond finds the FATAL message and end of stream a
// server leaves when it shuts down, restarts or terminates the backend),
// and the dead ones closed. Then it opens connections up to MinConns. A
// connection found broken when given back also starts a check at once, as
// its companions are likely broken too (the server restarted).
//
// Acquire checks an idle connection the same way if it has been idle for
// more than a second, or if anything arrived on it while it was idle (a
// non-blocking peek at the socket, on Unix: the FATAL and end of stream of
// a backend that was ended a moment ago), and replaces a dead one without
// returning an error: nothing had been sent on it. A connection whose
// server vanishes without a word (a network partition, a crashed host)
// is found only when a statement is sent on it; that statement fails with
// the connection's error (matching ErrResultUnknown), is not sent again,
// and the connection is replaced.
type Pool struct {
	cfg      *Config // a copy; cfg.Pool holds the settings with their defaults
	max, min int

	ctx       context.Context // ends at Close: stops connects and the health checker
	cancel    context.CancelFunc
	values    context.Context // NewPool's ctx without its end, for background connects
	healthNow chan struct{}   // asks the health checker for a check now

	mu           sync.Mutex
	closed       bool
	idle         []*poolConn // the most recently given back last
	waiters      []*waiter   // acquires waiting for a connection, oldest first
	total        int         // connections open or being made: acquired + idle + checking + constructing
	acquired     int         // borrowed, being checked for a borrower, being restored, or being closed
	constructing int
	checking     int // idle connections out for a health check, or being closed by Close
	workers      int // goroutines Close waits for: the health checker and restores
	checkPass    uint64
	drained      chan struct{} // closed when Close has nothing left to wait for
	drainedDone  bool

	acquireCount     atomic.Int64
	acquireNanos     atomic.Int64
	canceledAcquires atomic.Int64
	emptyAcquires    atomic.Int64
	newConns         atomic.Int64
	lifetimeDestroys atomic.Int64
	idleDestroys     atomic.Int64
}

// poolConn is one connection of a Pool.
type poolConn struct {
	pool      *Pool
	conn      *Conn
	expires   time.Time // MaxConnLifetime plus jitter after it was made
	idleSince time.Time // when it last went idle; guarded by pool.mu while idle
	checkPass uint64    // the last health check pass that looked at it; guarded by pool.mu
}

// A waiter is an Acquire waiting for a connection. It receives exactly one
// grant.
type waiter struct{ ch chan grant }

// A grant answers a waiter: a connection (already counted as acquired), a
// slot to make one in (already counted as constructing), or an error.
type grant struct {
	pc   *poolConn
	slot bool
	err  error
}

var waiterPool = sync.Pool{New: func() any { return &waiter{ch: make(chan grant, 1)} }}

// NewPool makes a pool of connections with cfg, which is copied; cfg.Pool
// sets its size, lifetimes and hooks. Zero fields of cfg.Pool take the
// defaults PoolConfig gives, except that MaxConns defaults to at least
// MinConns; a negative value, or MinConns above MaxConns, is an error.
//
// NewPool does not connect: like pgxpool, it returns at once, and a server
// that cannot be reached or refuses the connection shows in the first
// call that needs a connection (call Ping to find out early). The MinConns
// connections are opened in the background. ctx's values reach the
// background connects and AfterConnect; its end does not stop them (Close
// does).
func NewPool(ctx context.Context, cfg *Config) (*Pool, error) {
	if cfg == nil {
		return nil, errors.New("pgmoon: pool: nil Config")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgmoon: pool: %w", err)
	}
	cfg = cfg.Copy()
	pcfg, err := cfg.Pool.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg.Pool = pcfg
	p := &Pool{
		cfg:       cfg,
		max:       int(pcfg.MaxConns),
		min:       int(pcfg.MinConns),
		values:    context.WithoutCancel(ctx),
		healthNow: make(chan struct{}, 1),
		drained:   make(chan struct{}),
		workers:   1, // the health checker
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	go p.healthLoop()
	return p, nil
}

// withDefaults returns c with its defaults filled in, or an error naming a
// setting that cannot be used.
func (c PoolConfig) withDefaults() (PoolConfig, error) {
	if c.MaxConns < 0 {
		return c, fmt.Errorf("pgmoon: pool: MaxConns is negative (%d)", c.MaxConns)
	}
	if c.MinConns < 0 {
		return c, fmt.Errorf("pgmoon: pool: MinConns is negative (%d)", c.MinConns)
	}
	if c.MaxConns == 0 {
		c.MaxConns = max(4, int32(runtime.NumCPU()), c.MinConns)
	}
	if c.MinConns > c.MaxConns {
		return c, fmt.Errorf("pgmoon: pool: MinConns (%d) is more than MaxConns (%d)", c.MinConns, c.MaxConns)
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"MaxConnLifetime", &c.MaxConnLifetime, time.Hour},
		{"MaxConnLifetimeJitter", &c.MaxConnLifetimeJitter, 0},
		{"MaxConnIdleTime", &c.MaxConnIdleTime, 30 * time.Minute},
		{"HealthCheckPeriod", &c.HealthCheckPeriod, time.Minute},
	} {
		switch {
		case *d.v < 0:
			return c, fmt.Errorf("pgmoon: pool: %s is negative (%v)", d.name, *d.v)
		case *d.v == 0:
			*d.v = d.def
		}
	}
	return c, nil
}

// Config returns a copy of the pool's configuration, with the defaults of
// Config.Pool filled in.
func (p *Pool) Config() *Config { return p.cfg.Copy() }

// Acquire borrows a connection, which is the caller's alone until
// Release. It takes an idle one if there is one, makes a new one if fewer
// than MaxConns are open, and otherwise waits for one to be given back;
// while it waits, the end of ctx ends it with ctx's error, and Close with
// ErrPoolClosed. A failed connect is returned as its *ConnectError (or
// AfterConnect's error); a connect that outlives the ctx of the Acquire
// that started it goes on, and its connection joins the idle set.
func (p *Pool) Acquire(ctx context.Context) (*PoolConn, error) {
	pc, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &PoolConn{pc: pc}, nil
}

// AcquireFunc borrows a connection, runs fn with it, and gives it back
// when fn returns or panics. It returns Acquire's error or fn's.
func (p *Pool) AcquireFunc(ctx context.Context, fn func(*PoolConn) error) error {
	c, err := p.Acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	return fn(c)
}

// How take found a connection.
type takeKind int

const (
	tookIdle   takeKind = iota // an idle one, at once
	tookWaited                 // one given back while it waited
	tookSlot                   // room to make a new one
)

func acquireError(err error) error { return fmt.Errorf("pgmoon: pool: acquire: %w", err) }

// acquire returns a connection counted as acquired, ready for a borrower.
func (p *Pool) acquire(ctx context.Context) (*poolConn, error) {
	start := time.Now()
	empty := false
	for {
		if err := ctx.Err(); err != nil {
			p.canceledAcquires.Add(1)
			return nil, acquireError(err)
		}
		pc, how, err := p.take(ctx)
		if err != nil {
			return nil, err
		}
		if how == tookSlot {
			empty = true
			if pc, err = p.connectFor(ctx); err != nil {
				return nil, err
			}
		} else {
			empty = empty || how == tookWaited
			if !p.ready(ctx, pc) {
				continue
			}
		}
		p.acquireCount.Add(1)
		p.acquireNanos.Add(int64(time.Since(start)))
		if empty {
			p.emptyAcquires.Add(1)
		}
		return pc, nil
	}
}

// take takes an idle connection, or the room to make one, or waits for
// either.
func (p *Pool) take(ctx context.Context) (*poolConn, takeKind, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, 0, ErrPoolClosed
	}
	if pc := p.popIdleLocked(); pc != nil {
		p.acquired++
		p.mu.Unlock()
		return pc, tookIdle, nil
	}
	if p.total < p.max {
		p.total++
		p.constructing++
		p.mu.Unlock()
		return nil, tookSlot, nil
	}
	w := waiterPool.Get().(*waiter)
	p.waiters = append(p.waiters, w)
	p.mu.Unlock()

	var g grant
	select {
	case g = <-w.ch:
	case <-ctx.Done():
		p.mu.Lock()
		if i := slices.Index(p.waiters, w); i >= 0 {
			p.waiters = slices.Delete(p.waiters, i, i+1)
			p.mu.Unlock()
		} else {
			// Granted before we got the lock: give the grant back.
			p.mu.Unlock()
			p.returnGrant(<-w.ch)
		}
		waiterPool.Put(w)
		p.canceledAcquires.Add(1)
		return nil, 0, acquireError(ctx.Err())
	}
	waiterPool.Put(w)
	switch {
	case g.err != nil:
		return nil, 0, g.err
	case g.slot:
		return nil, tookSlot, nil
	}
	return g.pc, tookWaited, nil
}

// returnGrant gives back what a waiter that gave up was granted.
func (p *Pool) returnGrant(g grant) {
	switch {
	case g.pc != nil:
		p.putIdle(g.pc, false)
	case g.slot:
		p.mu.Lock()
		p.total--
		p.constructing--
		p.dispatchLocked()
		p.checkDrainedLocked()
		p.mu.Unlock()
	}
}

// popIdleLocked takes the most recently used idle connection, or returns
// nil.
func (p *Pool) popIdleLocked() *poolConn {
	n := len(p.idle)
	if n == 0 {
		return nil
	}
	pc := p.idle[n-1]
	p.idle[n-1] = nil
	p.idle = p.idle[:n-1]
	return pc
}

// dispatchLocked serves the waiters with idle connections, then with room
// for new ones.
func (p *Pool) dispatchLocked() {
	for len(p.waiters) > 0 {
		var g grant
		if pc := p.popIdleLocked(); pc != nil {
			p.acquired++
			g.pc = pc
		} else if p.total < p.max && !p.closed {
			p.total++
			p.constructing++
			g.slot = true
		} else {
			return
		}
		w := p.waiters[0]
		p.waiters = slices.Delete(p.waiters, 0, 1)
		w.ch <- g
	}
}

// ready checks a connection taken from the idle set before it is handed
// out; a connection that fails is closed, and ready reports false.
func (p *Pool) ready(ctx context.Context, pc *poolConn) bool {
	c := pc.conn
	now := time.Now()
	switch {
	case c.IsClosed():
		p.destroy(pc, &p.acquired, destroyBroken)
		return false
	case now.After(pc.expires):
		p.destroy(pc, &p.acquired, destroyLifetime)
		return false
	case c.idleNeedsCheck(now.Sub(pc.idleSince)) && c.checkIdle(liveCheckWait) != nil:
		p.destroy(pc, &p.acquired, destroyBroken)
		return false
	}
	if hook := p.cfg.Pool.BeforeAcquire; hook != nil && !hook(ctx, c) {
		p.destroy(pc, &p.acquired, destroyRefused)
		return false
	}
	return true
}

// connectFor makes a connection in a slot taken by an Acquire and returns
// it, counted as acquired. The connect runs on its own goroutine, bounded
// by Config.ConnectTimeout and Close but not by ctx: if ctx ends first,
// the connection joins the idle set when it is made.
func (p *Pool) connectFor(ctx context.Context) (*poolConn, error) {
	req := &connectRequest{done: make(chan connectResult, 1)}
	go p.connect(context.WithoutCancel(ctx), req)
	select {
	case r := <-req.done:
		return r.pc, r.err
	case <-ctx.Done():
	}
	p.mu.Lock()
	select {
	case r := <-req.done:
		p.mu.Unlock()
		if r.pc != nil {
			p.putIdle(r.pc, true)
		}
	default:
		req.abandoned = true
		p.mu.Unlock()
	}
	p.canceledAcquires.Add(1)
	return nil, acquireError(ctx.Err())
}

// connectRequest is an Acquire waiting for the connection made for it.
type connectRequest struct {
	done      chan connectResult
	abandoned bool // the Acquire gave up; guarded by Pool.mu
}

type connectResult struct {
	pc  *poolConn
	err error
}

// connect makes a connection in a slot already counted as constructing,
// and hands it to req, or, when req is nil or was abandoned, to the idle
// set. values gives the connect its context values.
func (p *Pool) connect(values context.Context, req *connectRequest) {
	ctx, cancel := context.WithCancel(values)
	stop := context.AfterFunc(p.ctx, cancel)
	c, err := Connect(ctx, p.cfg)
	if err == nil && p.cfg.Pool.AfterConnect != nil {
		if herr := p.cfg.Pool.AfterConnect(ctx, c); herr != nil {
			closeConn(c)
			err = fmt.Errorf("pgmoon: pool: after connect: %w", herr)
		}
	}
	stop()
	cancel()
	waiting := func() bool { return req != nil && !req.abandoned }

	p.mu.Lock()
	if err == nil && p.closed {
		p.mu.Unlock()
		closeConn(c)
		err = ErrPoolClosed
		p.mu.Lock()
	}
	p.constructing--
	if err != nil {
		if p.closed {
			// Close stopped the connect.
			err = ErrPoolClosed
		}
		p.total--
		if waiting() {
			req.done <- connectResult{err: err}
		}
		p.dispatchLocked()
		p.checkDrainedLocked()
		p.mu.Unlock()
		return
	}
	p.newConns.Add(1)
	now := time.Now()
	pc := &poolConn{pool: p, conn: c, expires: now.Add(p.cfg.Pool.MaxConnLifetime)}
	if j := p.cfg.Pool.MaxConnLifetimeJitter; j > 0 {
		pc.expires = pc.expires.Add(rand.N(j))
	}
	if waiting() {
		p.acquired++
		req.done <- connectResult{pc: pc}
	} else {
		pc.idleSince = now
		p.idle = append(p.idle, pc)
		p.dispatchLocked()
	}
	p.mu.Unlock()
}

// closeConn closes c, waiting at most closeTimeout to say goodbye.
func closeConn(c *Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	_ = c.Close(ctx)
	cancel()
}

// Why a connection is destroyed.
type destroyReason int

const (
	destroyBroken   destroyReason = iota // closed, or found dead: check the others now
	destroyDead                          // found dead by the health check itself
	destroyBusy                          // given back with a call running
	destroyRefused                       // a hook said no, or restoring it failed
	destroyLifetime                      // past MaxConnLifetime
	destroyIdle                          // idle past MaxConnIdleTime
	destroyClose                         // the pool is closing
)

// destroy closes pc and forgets it; from is the count it was in
// (&p.acquired or &p.checking).
func (p *Pool) destroy(pc *poolConn, from *int, why destroyReason) {
	closeConn(pc.conn)
	p.mu.Lock()
	p.total--
	*from--
	p.dispatchLocked()
	p.checkDrainedLocked()
	refill := !p.closed && p.total < p.min
	p.mu.Unlock()
	switch why {
	case destroyLifetime:
		p.lifetimeDestroys.Add(1)
	case destroyIdle:
		p.idleDestroys.Add(1)
	}
	if why == destroyBroken || refill {
		p.checkSoon()
	}
}

// checkSoon asks the health checker for a check now.
func (p *Pool) checkSoon() {
	select {
	case p.healthNow <- struct{}{}:
	default:
	}
}

// putIdle puts an acquired connection back in the idle set (or hands it
// to a waiter); used says it served a borrower, which restarts its idle
// time.
func (p *Pool) putIdle(pc *poolConn, used bool) {
	var now time.Time
	if used {
		now = time.Now()
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.destroy(pc, &p.acquired, destroyClose)
		return
	}
	p.acquired--
	if used {
		pc.idleSince = now
	}
	p.idle = append(p.idle, pc)
	p.dispatchLocked()
	p.mu.Unlock()
}

// release takes back a borrowed connection, in whatever state the
// borrower left it (see Pool).
func (pc *poolConn) release() {
	p, c := pc.pool, pc.conn
	switch {
	case c.IsClosed():
		p.destroy(pc, &p.acquired, destroyBroken)
	case c.busy.Load():
		p.destroy(pc, &p.acquired, destroyBusy)
	case time.Now().After(pc.expires):
		p.destroy(pc, &p.acquired, destroyLifetime)
	case c.TxStatus() != 'I' || c.listening || len(c.notifications) > 0:
		p.restore(pc)
	default:
		p.giveBack(pc)
	}
}

// giveBack returns a clean connection to the idle set, unless
// AfterRelease refuses it.
func (p *Pool) giveBack(pc *poolConn) {
	if hook := p.cfg.Pool.AfterRelease; hook != nil && !hook(pc.conn) {
		p.destroy(pc, &p.acquired, destroyRefused)
		return
	}
	p.putIdle(pc, true)
}

// restore brings a connection given back in a transaction, or listening,
// back to a clean session on a goroutine of its own, then gives it back.
func (p *Pool) restore(pc *poolConn) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.destroy(pc, &p.acquired, destroyClose)
		return
	}
	p.workers++
	p.mu.Unlock()
	go func() {
		defer p.workerDone()
		if resetSession(pc.conn) {
			p.giveBack(pc)
		} else {
			p.destroy(pc, &p.acquired, destroyBroken)
		}
	}()
}

// resetSession rolls back an open transaction and undoes LISTEN, within
// resetTimeout, and reports whether c is clean. Past the timeout c is
// closed, which ends the command at once.
func resetSession(c *Conn) bool {
	timer := time.AfterFunc(resetTimeout, func() { closeConn(c) })
	ok := true
	if c.TxStatus() != 'I' {
		_, _, err := c.txCommand(context.Background(), "pool reset", "rollback")
		ok = err == nil && c.TxStatus() == 'I'
	}
	if ok && (c.listening || len(c.notifications) > 0) {
		_, _, err := c.txCommand(context.Background(), "pool reset", "unlisten *")
		ok = err == nil
		// What arrived before UNLISTEN took effect was for the last
		// borrower.
		c.notifications, c.listening = nil, false
	}
	return timer.Stop() && ok && !c.IsClosed()
}

// workerDone is the end of a goroutine Close waits for.
func (p *Pool) workerDone() {
	p.mu.Lock()
	p.workers--
	p.checkDrainedLocked()
	p.mu.Unlock()
}

// checkDrainedLocked lets Close return once the pool is closed and nothing
// is left: no connection, no goroutine of its own.
func (p *Pool) checkDrainedLocked() {
	if p.closed && p.total == 0 && p.workers == 0 && !p.drainedDone {
		p.drainedDone = true
		close(p.drained)
	}
}

// healthLoop runs the health checks until Close.
func (p *Pool) healthLoop() {
	defer p.workerDone()
	p.ensureMin()
	t := time.NewTicker(p.cfg.Pool.HealthCheckPeriod)
	defer t.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
		case <-p.healthNow:
		}
		p.checkIdleConns()
		p.ensureMin()
	}
}

// checkIdleConns looks at every connection idle since before it started,
// one at a time so that the others stay available: it closes those past
// their lifetime, those idle too long above MinConns, and dead ones.
func (p *Pool) checkIdleConns() {
	start := time.Now()
	p.mu.Lock()
	p.checkPass++
	pass := p.checkPass
	p.mu.Unlock()
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return
		}
		i := slices.IndexFunc(p.idle, func(pc *poolConn) bool {
			return pc.checkPass != pass && !pc.idleSince.After(start)
		})
		if i < 0 {
			p.mu.Unlock()
			return
		}
		pc := p.idle[i]
		p.idle = slices.Delete(p.idle, i, i+1)
		pc.checkPass = pass
		p.checking++
		now := time.Now()
		idleTooLong := p.total > p.min && now.Sub(pc.idleSince) > p.cfg.Pool.MaxConnIdleTime
		p.mu.Unlock()

		switch {
		case now.After(pc.expires):
			p.destroy(pc, &p.checking, destroyLifetime)
		case idleTooLong:
			p.destroy(pc, &p.checking, destroyIdle)
		case pc.conn.checkIdle(liveCheckWait) != nil:
			p.destroy(pc, &p.checking, destroyDead)
		default:
			p.mu.Lock()
			if p.closed {
				p.mu.Unlock()
				p.destroy(pc, &p.checking, destroyClose)
				continue
			}
			p.checking--
			// Back among the longest idle, where it was.
			p.idle = slices.Insert(p.idle, 0, pc)
			p.dispatchLocked()
			p.mu.Unlock()
		}
	}
}

// ensureMin opens connections in the background up to MinConns.
func (p *Pool) ensureMin() {
	p.mu.Lock()
	n := 0
	if !p.closed {
		n = p.min - p.total
	}
	if n > 0 {
		p.total += n
		p.constructing += n
	}
	p.mu.Unlock()
	for range n {
		go p.connect(p.values, nil)
	}
}

// Close closes the pool: Acquire and every query method fail with
// ErrPoolClosed from then on, waiting Acquires return it, connects in
// progress are stopped, and idle connections are closed at once. Close
// then waits for the borrowed connections to be given back (Release, Rows
// closed, Tx ended...), closes them, and returns when no connection and
// no goroutine of the pool is left. Calling it again waits in the same
// way.
func (p *Pool) Close() {
	var idle []*poolConn
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		p.cancel()
		for _, w := range p.waiters {
			w.ch <- grant{err: ErrPoolClosed}
		}
		p.waiters = nil
		idle, p.idle = p.idle, nil
		p.checking += len(idle) // until they are closed
		p.checkDrainedLocked()
	}
	p.mu.Unlock()
	for _, pc := range idle {
		p.destroy(pc, &p.checking, destroyClose)
	}
	<-p.drained
}

// PoolStat is a snapshot of a Pool's figures, from Pool.Stat. At any
// moment TotalConns = AcquiredConns + IdleConns + ConstructingConns.
type PoolStat struct {
	AcquireCount         int64         // successful acquires (every query method acquires once)
	AcquireDuration      time.Duration // total time successful acquires took, waiting and connecting included
	CanceledAcquireCount int64         // acquires ended by their context
	EmptyAcquireCount    int64         // successful acquires that found no usable idle connection and waited for one or made one

	AcquiredConns     int32 // borrowed, being checked for a borrower, or being restored after release
	IdleConns         int32 // idle, including those out for a health check
	ConstructingConns int32 // being connected
	TotalConns        int32 // open or being connected
	MaxConns          int32 // Config.Pool.MaxConns

	NewConnsCount           int64 // connections made
	MaxLifetimeDestroyCount int64 // connections closed for being past MaxConnLifetime
	MaxIdleDestroyCount     int64 // connections closed for being idle past MaxConnIdleTime
}

// Stat returns the pool's figures.
func (p *Pool) Stat() PoolStat {
	p.mu.Lock()
	s := PoolStat{
		AcquiredConns:     int32(p.acquired),
		IdleConns:         int32(len(p.idle) + p.checking),
		ConstructingConns: int32(p.constructing),
		TotalConns:        int32(p.total),
		MaxConns:          int32(p.max),
	}
	p.mu.Unlock()
	s.AcquireCount = p.acquireCount.Load()
	s.AcquireDuration = time.Duration(p.acquireNanos.Load())
	s.CanceledAcquireCount = p.canceledAcquires.Load()
	s.EmptyAcquireCount = p.emptyAcquires.Load()
	s.NewConnsCount = p.newConns.Load()
	s.MaxLifetimeDestroyCount = p.lifetimeDestroys.Load()
	s.MaxIdleDestroyCount = p.idleDestroys.Load()
	return s
}
