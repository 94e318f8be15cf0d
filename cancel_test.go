package pgmoon_test

// Cancellation against the real server and the fake backend: a cancelled
// call comes back promptly and leaves the connection ready (or closed), a
// cancel that arrives late never hits the next command, and a Conn misused
// from two goroutines refuses rather than interleaves.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/protocol"
	"go.uber.org/goleak"
)

// verifyNoLeaks checks, after everything else the test registered with
// t.Cleanup (connections, relays), that the test left no goroutine behind.
// Call it first, before those are registered.
func verifyNoLeaks(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// cancelToReturnLimit bounds the time from the end of a call's context to
// the call's return when the server acts on the CancelRequest: a new TCP
// connection, a fork in the postmaster, a signal and one ErrorResponse.
const cancelToReturnLimit = time.Second

var queryCanceled = &pgmoon.PgError{Code: "57014"}

// sleepingQuery is how a watcher connection sees `select pg_sleep(...)`
// running (not merely being parsed or described) on pid.
func sleepingQuery(pid uint32) string {
	return fmt.Sprintf("select count(*) from pg_stat_activity where pid = %d and state = 'active' and wait_event = 'PgSleep'", pid)
}

func TestCancelRealServer(t *testing.T) {
	srv := pgtest.Default(t)
	verifyNoLeaks(t)
	watcher := connect(t, srv.DSN())
	conn := connect(t, srv.DSN())
	for _, tc := range []struct {
		name string
		// start returns the call's context and a func that ends it (or
		// waits for its deadline) and returns the moment it ended.
		start func() (context.Context, func() time.Time)
		want  error
	}{
		{"cancel", func() (context.Context, func() time.Time) {
			ctx, cancel := context.WithCancel(context.Background())
			return ctx, func() time.Time { t0 := time.Now(); cancel(); return t0 }
		}, context.Canceled},
		{"timeout", func() (context.Context, func() time.Time) {
			// Long enough for the statement to be running on the server
			// when the deadline comes, even on a loaded machine.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			t.Cleanup(cancel)
			dl, _ := ctx.Deadline()
			return ctx, func() time.Time { <-ctx.Done(); return dl }
		}, context.DeadlineExceeded},
	} {
		for _, via := range []string{"Exec", "Query"} {
			t.Run(tc.name+"/"+via, func(t *testing.T) {
				ctx, end := tc.start()
				type result struct {
					err error
					at  time.Time
				}
				done := make(chan result, 1)
				go func() {
					var err error
					if via == "Exec" {
						_, err = conn.Exec(ctx, "select pg_sleep(10)")
					} else {
						var rows *pgmoon.Rows
						if rows, err = conn.Query(ctx, "select pg_sleep(10)"); err == nil {
							for rows.Next() {
							}
							err = rows.Err()
						}
					}
					done <- result{err, time.Now()}
				}()
				waitFor(t, watcher, sleepingQuery(conn.PID()), "1")
				t0 := end()
				res := <-done
				elapsed := res.at.Sub(t0)
				t.Logf("%s via %s: context end to return: %v", tc.name, via, elapsed)
				if !errors.Is(res.err, tc.want) || !errors.Is(res.err, queryCanceled) {
					t.Fatalf("err = %v, want %v and the server's query_canceled (57014)", res.err, tc.want)
				}
				if elapsed >= cancelToReturnLimit {
					t.Errorf("the call returned %v after its context ended, want < %v", elapsed, cancelToReturnLimit)
				}
				if conn.IsClosed() {
					t.Fatal("connection closed after a cancelled statement")
				}
				// The backend really stopped, and the connection runs the
				// next statement.
				waitFor(t, watcher, fmt.Sprintf("select state from pg_stat_activity where pid = %d", conn.PID()), "idle")
				var n int
				if err := conn.QueryRow(testCtx(t), "select $1::int", 42).Scan(&n); err != nil || n != 42 {
					t.Fatalf("next call: n = %d, err = %v", n, err)
				}
			})
		}
	}
}

// Over TLS the server's close of the cancel connection confirms the
// request as it does in plain text: the connection stays.
func TestCancelOverTLSKeepsConnection(t *testing.T) {
	srv := startTLSServer(t)
	verifyNoLeaks(t)
	cfg, err := pgmoon.ParseConfig(srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	conn := connectConfig(t, cfg)
	if !conn.UsesTLS() {
		t.Fatal("UsesTLS = false")
	}
	if err := cancelRunningQuery(t, conn, srv.DSN()); !errors.Is(err, context.Canceled) || !errors.Is(err, queryCanceled) {
		t.Fatalf("err = %v, want context.Canceled and 57014", err)
	}
	if conn.IsClosed() {
		t.Fatal("connection closed after a cancel confirmed over TLS")
	}
	if got := scalar(t, conn, "select 'next call works'"); got != "next call works" {
		t.Errorf("got %q", got)
	}
}

// cancelRelay is a TCP relay to the test server that holds every
// CancelRequest back for a while before forwarding it, as a slow network
// would: the driver's write succeeds at once, the server gets the request
// later (and acts on it even if the driver has given up by then), and the
// driver sees the server's close only after that.
type cancelRelay struct {
	target    string
	ln        net.Listener
	delay     atomic.Int64           // nanoseconds a CancelRequest is held back
	forwarded atomic.Int32           // CancelRequests passed on to the server
	onQuery   atomic.Pointer[func()] // see queryHookConn
	stop      chan struct{}
	wg        sync.WaitGroup

	mu    sync.Mutex
	conns []net.Conn
}

func newCancelRelay(t *testing.T, srv *pgtest.Server) *cancelRelay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &cancelRelay{target: fmt.Sprintf("%s:%d", srv.Host(), srv.Port()), ln: ln, stop: make(chan struct{})}
	r.wg.Add(1)
	go r.accept()
	t.Cleanup(func() {
		ln.Close()
		close(r.stop)
		r.mu.Lock()
		for _, c := range r.conns {
			c.Close()
		}
		r.mu.Unlock()
		r.wg.Wait()
	})
	return r
}

func (r *cancelRelay) track(c net.Conn) {
	r.mu.Lock()
	r.conns = append(r.conns, c)
	r.mu.Unlock()
}

func (r *cancelRelay) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", r.target)
		if err != nil {
			c.Close()
			continue
		}
		r.track(c)
		r.track(up)
		r.wg.Add(2)
		go func() {
			defer r.wg.Done()
			io.Copy(c, up)
			c.Close()
			up.Close()
		}()
		go func() {
			defer r.wg.Done()
			defer up.Close()
			// Every first packet has a length and a code: a protocol
			// version, or the code of SSLRequest or CancelRequest.
			var head [8]byte
			if _, err := io.ReadFull(c, head[:]); err != nil {
				return
			}
			if binary.BigEndian.Uint32(head[4:]) == 80877102 {
				select {
				case <-time.After(time.Duration(r.delay.Load())):
				case <-r.stop:
					return
				}
				r.forwarded.Add(1)
			}
			if _, err := up.Write(head[:]); err != nil {
				return
			}
			io.Copy(up, c)
		}()
	}
}

func (r *cancelRelay) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", r.ln.Addr().String())
	if err != nil {
		return nil, err
	}
	return &queryHookConn{Conn: c, hook: &r.onQuery}, nil
}

// queryHookConn runs *hook, once, right after the driver has written a
// simple Query message: a context cancelled there ends while the statement
// has just been sent, whatever the load on the machine (a timer could fire
// after a short statement had ended, and then no cancel would be sent).
type queryHookConn struct {
	net.Conn
	hook *atomic.Pointer[func()]
}

func (c *queryHookConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if len(p) > 0 && p[0] == 'Q' {
		if f := c.hook.Swap(nil); f != nil {
			(*f)()
		}
	}
	return n, err
}

// cancelAtQuery returns a context that hook cancels when the driver sends
// the next simple Query.
func cancelAtQuery(t *testing.T, hook *atomic.Pointer[func()]) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f := func() { cancel() }
	hook.Store(&f)
	return ctx
}

// relayConfig is the test server's configuration, dialing through d.
func relayConfig(t *testing.T, srv *pgtest.Server, d pgmoon.Dialer, cancelWait time.Duration) *pgmoon.Config {
	t.Helper()
	cfg, err := pgmoon.ParseConfig(srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Host = "db.invalid" // only the dialer knows where the server is
	cfg.Dialer = d
	cfg.CancelWait = cancelWait
	return cfg
}

// TestLateCancelNeverHitsNextCommand: the statement ends by itself while
// its CancelRequest is still on the way; the request reaches the server
// afterwards, and the next statement must not be the one it cancels.
func TestLateCancelNeverHitsNextCommand(t *testing.T) {
	srv := pgtest.Default(t)
	verifyNoLeaks(t)
	relay := newCancelRelay(t, srv)

	// lateCall runs select pg_sleep(0.2), whose context ends as soon as
	// the statement is sent, while the relay holds the CancelRequest back
	// for delay.
	lateCall := func(t *testing.T, conn *pgmoon.Conn, delay time.Duration) error {
		t.Helper()
		relay.delay.Store(int64(delay))
		before := relay.forwarded.Load()
		_, err := conn.SimpleQuery(cancelAtQuery(t, &relay.onQuery), "select pg_sleep(0.2)")
		if err != nil && !(errors.Is(err, context.Canceled) && errors.Is(err, queryCanceled)) {
			t.Fatalf("delay %v: err = %v, want success or a cancelled statement", delay, err)
		}
		if relay.forwarded.Load() == before {
			t.Fatalf("delay %v: the call returned before its CancelRequest reached the server", delay)
		}
		return err
	}

	t.Run("confirmed late", func(t *testing.T) {
		// The cancel reaches the server about 400 ms in, well after the
		// statement ended at 200 ms, and is confirmed within the 5 s
		// CancelWait: the connection stays, and the next statement runs.
		conn := connectConfig(t, relayConfig(t, srv, relay, 5*time.Second))
		if err := lateCall(t, conn, 400*time.Millisecond); err != nil {
			t.Fatalf("the statement ended by itself, yet: %v", err)
		}
		if conn.IsClosed() {
			t.Fatal("connection closed after a confirmed cancel")
		}
		if _, err := conn.Exec(context.Background(), "select pg_sleep(0.5)"); err != nil {
			t.Fatalf("next statement: %v", err)
		}
	})

	t.Run("racing", func(t *testing.T) {
		// The cancel reaches the server around the moment the statement
		// ends: sometimes it cancels it, sometimes it arrives after.
		// Whichever, the next statement runs untouched.
		conn := connectConfig(t, relayConfig(t, srv, relay, 5*time.Second))
		outcomes := map[bool]int{}
		for i := range 20 {
			err := lateCall(t, conn, time.Duration(150+5*i)*time.Millisecond)
			outcomes[err == nil]++
			if conn.IsClosed() {
				t.Fatalf("iteration %d: connection closed", i)
			}
			if _, err := conn.Exec(context.Background(), "select pg_sleep(0.1)"); err != nil {
				t.Fatalf("iteration %d: next statement: %v", i, err)
			}
		}
		t.Logf("statements that ended by themselves: %d, cancelled: %d", outcomes[true], outcomes[false])
	})

	t.Run("unconfirmed", func(t *testing.T) {
		// The cancel is held back 3 s, past its 2 s bound
		// (max(CancelWait, 1s)): the driver cannot know when the server
		// will act on it, so the connection is closed, and the next call
		// is refused instead of being cancelled.
		conn := connectConfig(t, relayConfig(t, srv, relay, 2*time.Second))
		before := relay.forwarded.Load()
		relay.delay.Store(int64(3 * time.Second))
		if _, err := conn.SimpleQuery(cancelAtQuery(t, &relay.onQuery), "select pg_sleep(0.2)"); err != nil {
			t.Fatalf("the statement ended by itself, yet: %v", err)
		}
		if !conn.IsClosed() {
			t.Fatal("connection kept although its cancel request is still pending")
		}
		_, err := conn.Exec(context.Background(), "select pg_sleep(0.5)")
		if !errors.Is(err, pgmoon.ErrConnClosed) || errors.Is(err, queryCanceled) {
			t.Fatalf("next call: err = %v, want ErrConnClosed", err)
		}
		if !strings.Contains(err.Error(), "did not confirm the cancel request") {
			t.Errorf("next call's error does not say why the connection was closed: %v", err)
		}
		if errors.Is(err, context.Canceled) {
			t.Errorf("next call's error matches the earlier call's context error: %v", err)
		}
		// The request still reaches the server, which finds the session
		// gone.
		deadline := time.Now().Add(10 * time.Second)
		for relay.forwarded.Load() == before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	})

	t.Run("unconfirmed while running", func(t *testing.T) {
		// The same, with a statement that is still running when the
		// cancel's bound ends: the call ends then, and its error says
		// why the connection is gone.
		conn := connectConfig(t, relayConfig(t, srv, relay, 100*time.Millisecond))
		relay.delay.Store(int64(3 * time.Second))
		start := time.Now()
		_, err := conn.SimpleQuery(cancelAtQuery(t, &relay.onQuery), "select pg_sleep(10)")
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "did not confirm the cancel request") {
			t.Fatalf("err = %v", err)
		}
		if !conn.IsClosed() {
			t.Fatal("connection kept")
		}
		// Bounded by the cancel's 1 s, not by the statement's 10 s.
		if d := time.Since(start); d > 8*time.Second {
			t.Errorf("call took %v", d)
		}
	})
}

// failingCancelDialer dials the server once; later dials (the
// CancelRequest's) fail before anything is sent.
type failingCancelDialer struct {
	addr    string
	dials   atomic.Int32
	onQuery atomic.Pointer[func()]
}

func (d *failingCancelDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if d.dials.Add(1) > 1 {
		return nil, errors.New("cancel dial refused by the test")
	}
	var nd net.Dialer
	c, err := nd.DialContext(ctx, "tcp", d.addr)
	if err != nil {
		return nil, err
	}
	return &queryHookConn{Conn: c, hook: &d.onQuery}, nil
}

// A CancelRequest that could not even be dialed sent nothing: the
// connection serves on when the statement ends within CancelWait.
func TestCancelDialFailureKeepsConnection(t *testing.T) {
	srv := pgtest.Default(t)
	verifyNoLeaks(t)
	d := &failingCancelDialer{addr: fmt.Sprintf("%s:%d", srv.Host(), srv.Port())}
	conn := connectConfig(t, relayConfig(t, srv, d, 5*time.Second))
	if _, err := conn.SimpleQuery(cancelAtQuery(t, &d.onQuery), "select pg_sleep(0.2)"); err != nil {
		t.Fatalf("the statement ended by itself, yet: %v", err)
	}
	if d.dials.Load() != 2 {
		t.Errorf("%d dials, want 2 (connection and the failed CancelRequest)", d.dials.Load())
	}
	if conn.IsClosed() {
		t.Fatal("connection closed although no cancel request was sent")
	}
	if got := scalar(t, conn, "select 'still usable'"); got != "still usable" {
		t.Errorf("got %q", got)
	}
}

// Two goroutines hammering one Conn: each call either runs whole, with its
// own result, or is refused with ErrConnBusy; nothing interleaves. A
// refused goroutine yields and tries the same call again, so both keep
// contending for the connection until each has run all its calls.
func TestConcurrentMisuse(t *testing.T) {
	srv := pgtest.Default(t)
	verifyNoLeaks(t)
	conn := connect(t, srv.DSN())
	ctx := testCtx(t)
	const iterations = 200
	var refused [2]int
	// call makes goroutine g's call i; it reports false when the
	// connection was busy, and true when the call ran (or failed for a
	// reason reported with t.Errorf).
	call := func(g, i int) bool {
		want := g*100000 + i
		kind := (i + g) % 4 // the two goroutines make different calls at once
		var err error
		var got string
		switch kind {
		case 0:
			var n int
			err = conn.QueryRow(ctx, "select $1::int", want).Scan(&n)
			got = fmt.Sprint(n)
		case 1:
			var rows *pgmoon.Rows
			rows, err = conn.Query(ctx, "select $1::int + g from generate_series(0, 2) g", want)
			if err == nil {
				var ns []int
				for rows.Next() {
					var n int
					if err := rows.Scan(&n); err != nil {
						t.Errorf("goroutine %d: scan: %v", g, err)
					}
					ns = append(ns, n)
				}
				err = rows.Err()
				if len(ns) == 3 && ns[1] == ns[0]+1 && ns[2] == ns[0]+2 {
					got = fmt.Sprint(ns[0])
				} else {
					got = fmt.Sprint(ns)
				}
			}
		case 2:
			var tag pgmoon.CommandTag
			tag, err = conn.Exec(ctx, "select $1::int", want)
			got = fmt.Sprint(want) // Exec returns no value
			if err == nil && tag.String() != "SELECT 1" {
				t.Errorf("goroutine %d: Exec tag %q", g, tag)
			}
		case 3:
			var res []*pgmoon.Result
			res, err = conn.SimpleQuery(ctx, fmt.Sprintf("select %d", want))
			if err == nil && len(res) == 1 && len(res[0].Rows) == 1 {
				got = string(res[0].Rows[0][0])
			}
		}
		switch {
		case errors.Is(err, pgmoon.ErrConnBusy):
			refused[g]++
			return false
		case err != nil:
			t.Errorf("goroutine %d, call %d (kind %d): %v", g, i, kind, err)
		case got != fmt.Sprint(want):
			t.Errorf("goroutine %d, call %d (kind %d): got %s, want %d", g, i, kind, got, want)
		}
		return true
	}
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range iterations {
				for !call(g, i) {
					if ctx.Err() != nil {
						t.Errorf("goroutine %d: still refused at call %d when the test's time ran out", g, i)
						return
					}
					runtime.Gosched()
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("each goroutine ran %d calls; refused as busy: %d and %d times", iterations, refused[0], refused[1])
	if conn.IsClosed() {
		t.Fatal("connection closed")
	}
	var n int
	if err := conn.QueryRow(ctx, "select $1::int", 7).Scan(&n); err != nil || n != 7 {
		t.Fatalf("afterwards: n = %d, err = %v", n, err)
	}
}

// Rows left open keep the connection: the next call is refused with an
// ErrConnBusy that says what to do.
func TestOpenRowsBusy(t *testing.T) {
	srv := pgtest.Default(t)
	verifyNoLeaks(t)
	conn := connect(t, srv.DSN())
	ctx := testCtx(t)
	rows, err := conn.Query(ctx, "select g from generate_series(1, 3) g")
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Query(ctx, "select 1")
	if !errors.Is(err, pgmoon.ErrConnBusy) || !strings.Contains(err.Error(), "Rows.Close") {
		t.Fatalf("second Query with Rows open: err = %v, want ErrConnBusy telling to close the Rows", err)
	}
	if _, err := conn.SimpleQuery(ctx, "select 1"); !errors.Is(err, pgmoon.ErrConnBusy) {
		t.Fatalf("SimpleQuery with Rows open: err = %v", err)
	}
	// The refused calls sent nothing: the open Rows read on intact.
	var got []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	if err := rows.Close(); err != nil || len(got) != 3 || got[2] != 3 {
		t.Fatalf("rows = %v, err = %v", got, err)
	}
	if got := scalar(t, conn, "select 'free again'"); got != "free again" {
		t.Errorf("got %q", got)
	}
}

// The fake backend sends the cancelled statement's ErrorResponse, then
// stalls before ReadyForQuery: the connection cannot be brought back, so it
// is closed once CancelWait has passed.
func TestFakeCanceledThenStall(t *testing.T) {
	verifyNoLeaks(t)
	cancelled := make(chan struct{})
	f := pgtest.NewFakeBackend(t,
		pgtest.Script{
			pgtest.Handshake(),
			pgtest.ExpectType(&protocol.Query{}),
			pgtest.Do("wait for the cancel request", func(ctx context.Context) error {
				select {
				case <-cancelled:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}),
			pgtest.Send(&protocol.ErrorResponse{Fields: []protocol.ErrorField{
				{Code: 'S', Value: "ERROR"}, {Code: 'V', Value: "ERROR"}, {Code: 'C', Value: "57014"},
				{Code: 'M', Value: "canceling statement due to user request"},
			}}),
			// No ReadyForQuery.
			pgtest.ExpectClose(),
		},
		pgtest.Script{
			pgtest.ExpectCancelRequest(pgtest.FakeProcessID, pgtest.FakeSecretKey()),
			pgtest.Do("signal", func(context.Context) error { close(cancelled); return nil }),
		},
	)
	cfg := fakeConfig(t, f)
	cfg.CancelWait = 300 * time.Millisecond
	conn := connectConfig(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := conn.SimpleQuery(ctx, "select pg_sleep(1000)")
	if !errors.Is(err, context.DeadlineExceeded) || !conn.IsClosed() {
		t.Fatalf("err = %v, closed = %v", err, conn.IsClosed())
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("call took %v; CancelWait is 300ms", d)
	}
	if _, err := conn.SimpleQuery(testCtx(t), "select 1"); !errors.Is(err, pgmoon.ErrConnClosed) {
		t.Errorf("next call: %v", err)
	}
	waitFake(t, f)
}

// The fake backend takes the CancelRequest but never closes its connection
// (no confirmation). Whether the statement then ends by itself or not, the
// connection is closed once the request's bound has passed, and the errors
// say why.
func TestFakeUnconfirmedCancel(t *testing.T) {
	for _, endsByItself := range []bool{false, true} {
		t.Run(fmt.Sprintf("statement ends by itself=%v", endsByItself), func(t *testing.T) {
			verifyNoLeaks(t)
			received := make(chan struct{})
			session := pgtest.Script{
				pgtest.Handshake(),
				pgtest.ExpectType(&protocol.Query{}),
			}
			if endsByItself {
				session = append(session,
					pgtest.Do("wait for the cancel request", func(ctx context.Context) error {
						select {
						case <-received:
							return nil
						case <-ctx.Done():
							return ctx.Err()
						}
					}),
					pgtest.Send(&protocol.CommandComplete{CommandTag: []byte("DO")}, &protocol.ReadyForQuery{TxStatus: 'I'}),
				)
			}
			session = append(session, pgtest.ExpectClose())
			f := pgtest.NewFakeBackend(t, session, pgtest.Script{
				pgtest.ExpectCancelRequest(pgtest.FakeProcessID, pgtest.FakeSecretKey()),
				pgtest.Do("signal", func(context.Context) error { close(received); return nil }),
				// Never confirm: the client gives up and hangs up.
				pgtest.ExpectClose(),
			})
			cfg := fakeConfig(t, f)
			cfg.CancelWait = 100 * time.Millisecond // the request's bound is then 1s
			conn := connectConfig(t, cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			_, err := conn.SimpleQuery(ctx, "do $$ begin perform pg_sleep(0.1); end $$")
			if endsByItself {
				if err != nil {
					t.Fatalf("the statement ended by itself, yet: %v", err)
				}
			} else {
				t.Logf("call: %v", err)
				if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not confirm the cancel request") {
					t.Fatalf("err = %v", err)
				}
			}
			if !conn.IsClosed() {
				t.Fatal("connection kept although its cancel request may still be acted on")
			}
			_, err = conn.SimpleQuery(testCtx(t), "select 1")
			t.Logf("next call: %v", err)
			if !errors.Is(err, pgmoon.ErrConnClosed) || !strings.Contains(err.Error(), "did not confirm the cancel request") {
				t.Errorf("next call: %v", err)
			}
			waitFake(t, f)
		})
	}
}
