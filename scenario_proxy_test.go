package pgmoon_test

// Fault scenarios through pgtest's fault proxy, against the real server.
//
//	scenario                                         test
//	cancel during a long query through the proxy     TestScenarioProxyCancelLongQuery
//	1-byte slicing end to end (plain and TLS)        TestScenarioProxyOneByteSlices
//	close after N bytes, every offset (sampled)      TestScenarioProxyCloseAfterSweep
//	corrupt byte at offset N (plain and TLS)         TestScenarioProxyCorruptSweep
//	black hole mid-query                             TestScenarioProxyBlackHoleMidQuery
//	reset mid-query and between queries (and Pool)   TestScenarioProxyReset
//
// What the driver returns when the bytes stop (found by the sweeps, see
// classifyFault): a failed connect is a *pgmoon.ConnectError wrapping the
// cause; a call whose connection ends mid-message fails with
// io.ErrUnexpectedEOF (the stream ended) or a net.Error (reset, broken
// pipe), wrapped with the call's name, and closes the connection (later
// calls: pgmoon.ErrConnClosed); a malformed message is a
// *pgmoon.ProtocolError and closes the connection; a corrupted message the
// server rejects comes back as its *pgmoon.PgError; a stall ends with the
// context's error.

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/types"
)

// newProxy starts a fault proxy in front of srv and returns it with
// cfg, the connection settings of dsn made to go through it.
func newProxy(t *testing.T, srv *pgtest.Server, dsn string) (*pgtest.Proxy, *pgmoon.Config) {
	t.Helper()
	p := pgtest.NewProxy(t, net.JoinHostPort(srv.Host(), strconv.Itoa(srv.Port())))
	pdsn, err := p.DSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pgmoon.ParseConfig(pdsn)
	if err != nil {
		t.Fatal(err)
	}
	return p, cfg
}

// Scenario: a context deadline during `select pg_sleep(60)` through a proxy
// with latency. The driver sends a CancelRequest over a second connection
// made with the same dialer and address — through the proxy — and the
// server cancels the statement (SQLSTATE 57014); the connection and its
// backend go on. See
// https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-CANCELING-REQUESTS
func TestScenarioProxyCancelLongQuery(t *testing.T) {
	srv := pgtest.Default(t)
	verifyNoLeaks(t)
	p, cfg := newProxy(t, srv, srv.DSN())
	p.SetFaults(pgtest.BothWays, pgtest.Faults{Latency: 5 * time.Millisecond, Jitter: 5 * time.Millisecond})
	conn := connectConfig(t, cfg)
	pid := conn.PID()
	if p.Accepted() != 1 {
		t.Fatalf("proxy accepted %d connections, want 1", p.Accepted())
	}

	// 300 ms: the statement is running on the server well before then.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := conn.Exec(ctx, "select pg_sleep(60)")
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, queryCanceled) {
		t.Fatalf("err = %v, want context.DeadlineExceeded and SQLSTATE 57014", err)
	}
	// Generous: the deadline plus CancelWait's default (5 s).
	if took > 10*time.Second {
		t.Errorf("the call returned after %v", took)
	}
	if got := p.Accepted(); got != 2 {
		t.Errorf("proxy accepted %d connections, want 2 (the session and its CancelRequest)", got)
	}
	if conn.IsClosed() {
		t.Fatal("connection closed after a confirmed cancel")
	}
	var after uint32
	if err := conn.QueryRow(testCtx(t), "select pg_backend_pid()").Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != pid {
		t.Fatalf("backend pid %d after the cancel, want %d (the same session)", after, pid)
	}
}

// sessionTranscript runs a bit of every kind of traffic on conn and returns
// what it read, in a form to compare: many rows, an extended-protocol
// query with parameters, a batch (pipeline), COPY FROM and COPY TO, and
// transactions committed and rolled back. It uses a temporary table, which
// needs no database of its own.
func sessionTranscript(t *testing.T, ctx context.Context, conn *pgmoon.Conn) []string {
	t.Helper()
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	rows, err := conn.Query(ctx, "select g, md5(g::text), g % 7 = 0 from generate_series(1, 1000) g")
	check("query", err)
	for rows.Next() {
		var g int
		var s string
		var b bool
		check("scan", rows.Scan(&g, &s, &b))
		add("row %d %s %t", g, s, b)
	}
	check("rows", rows.Err())
	add("tag %s", rows.CommandTag())

	var sum int
	var txt string
	check("params", conn.QueryRow(ctx, "select $1::int + $2::int, $3::text || '!'", 40, 2, "héllo").Scan(&sum, &txt))
	add("params %d %s", sum, txt)

	b := &pgmoon.Batch{}
	b.Queue("select 1")
	b.Queue("select $1::text", "two")
	b.Queue("select count(*) from generate_series(1, $1::int)", 50)
	br := conn.SendBatch(ctx, b)
	for i := range 3 {
		var s string
		check("batch "+strconv.Itoa(i), br.QueryRow().Scan(&s))
		add("batch %d %s", i, s)
	}
	check("batch close", br.Close())

	_, err = conn.Exec(ctx, "create temp table items (id int primary key, name text)")
	check("create", err)
	n, err := conn.CopyFrom(ctx, pgmoon.Identifier{"items"}, []string{"id", "name"},
		pgmoon.CopyFromSlice(500, func(i int) ([]any, error) { return []any{i, fmt.Sprintf("item %d\t\\", i)}, nil }))
	check("copy from", err)
	add("copy from %d", n)
	var buf bytes.Buffer
	n, err = conn.CopyTo(ctx, &buf, "copy (select * from items order by id) to stdout")
	check("copy to", err)
	add("copy to %d %s", n, buf.String())

	tx, err := conn.Begin(ctx)
	check("begin", err)
	_, err = tx.Exec(ctx, "insert into items values (1000, 'committed')")
	check("insert", err)
	check("commit", tx.Commit(ctx))
	tx, err = conn.Begin(ctx)
	check("begin", err)
	_, err = tx.Exec(ctx, "insert into items values (1001, 'rolled back')")
	check("insert", err)
	check("rollback", tx.Rollback(ctx))
	var count int
	check("count", conn.QueryRow(ctx, "select count(*) from items").Scan(&count))
	add("count %d", count)
	_, err = conn.Exec(ctx, "drop table items")
	check("drop", err)
	return out
}

// Scenario: every byte each way is written on its own (1-byte slices),
// from the SCRAM exchange to COPY; the results equal those of a direct
// connection. Over TLS too, where records arrive a byte at a time.
func TestScenarioProxyOneByteSlices(t *testing.T) {
	for _, withTLS := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "TLS"}[withTLS]
		t.Run(name, func(t *testing.T) {
			srv := pgtest.Default(t)
			if withTLS {
				srv = startTLSServer(t)
			}
			verifyNoLeaks(t)
			u, err := srv.User(pgtest.MethodSCRAMSHA256)
			if err != nil {
				t.Fatal(err)
			}
			dsn := srv.URL(u.Name, u.Password, "")
			ctx := testCtx(t)

			want := sessionTranscript(t, ctx, connect(t, dsn))

			p, cfg := newProxy(t, srv, dsn)
			p.SetFaults(pgtest.BothWays, pgtest.Faults{SliceSize: 1})
			conn := connectConfig(t, cfg)
			if conn.UsesTLS() != withTLS {
				t.Fatalf("UsesTLS = %v", conn.UsesTLS())
			}
			got := sessionTranscript(t, ctx, conn)
			if len(got) != len(want) {
				t.Fatalf("%d results through 1-byte slices, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("result %d through 1-byte slices:\n%.200s\nwant\n%.200s", i, got[i], want[i])
				}
			}
			if w, b := p.Writes(pgtest.BothWays), p.Forwarded(pgtest.BothWays); w != b || b < 50_000 {
				t.Errorf("%d writes for %d bytes, want one per byte", w, b)
			}
		})
	}
}

// classifyFault names the kind of a session's error, or returns "" for
// an error of no documented kind.
func classifyFault(err error) string {
	var (
		ce    *pgmoon.ConnectError
		pe    *pgmoon.ProtocolError
		pgErr *pgmoon.PgError
		me    *types.MalformedError
		ne    net.Error
	)
	kind := ""
	switch {
	case errors.As(err, &pe):
		kind = "protocol error"
	case errors.As(err, &pgErr):
		kind = "server error " + pgErr.Code
	case errors.Is(err, context.DeadlineExceeded):
		kind = "deadline"
	case errors.Is(err, pgmoon.ErrConnClosed):
		kind = "connection closed"
	case errors.Is(err, io.ErrUnexpectedEOF):
		kind = "unexpected EOF"
	case errors.As(err, &me):
		kind = "malformed value"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		kind = "reset"
	case errors.As(err, &ne):
		kind = "net error"
	}
	if errors.As(err, &ce) {
		if kind == "" {
			kind = "other"
		}
		kind = "connect: " + kind
	}
	return kind
}

// sweepRows is how many rows the sweeps' query returns.
const sweepRows = 20

// sweepResult is what one faulted session did.
type sweepResult struct {
	n         int64
	err       error
	kind      string // classifyFault(err)
	connected bool
	closed    bool   // the connection was closed after the error
	rows      int    // rows read, each checked
	wrongRow  string // a row that differs from what the server holds
	panicked  any
	hang      bool
	queryEnd  int64 // bytes forwarded in the faulted direction when the query ended (success only)
}

// sweepSession connects through p with cfg and reads sweepRows rows, each
// checked against its expected value; what it returns describes the
// outcome. dir is the direction whose bytes queryEnd counts.
func sweepSession(ctx context.Context, p *pgtest.Proxy, cfg *pgmoon.Config, dir pgtest.Direction) (r sweepResult) {
	defer func() {
		if v := recover(); v != nil {
			r.panicked = v
		}
	}()
	conn, err := pgmoon.Connect(ctx, cfg)
	if err != nil {
		r.err = err
		return r
	}
	r.connected = true
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, "select g, md5(g::text) from generate_series(1, $1::int) g", sweepRows)
	if err == nil {
		for rows.Next() {
			var g int
			var s string
			if err = rows.Scan(&g, &s); err != nil {
				rows.Close()
				break
			}
			sum := md5.Sum([]byte(strconv.Itoa(g)))
			if want := hex.EncodeToString(sum[:]); g != r.rows+1 || s != want {
				r.wrongRow = fmt.Sprintf("row %d: (%d, %q), want (%d, %q)", r.rows+1, g, s, r.rows+1, want)
			}
			r.rows++
		}
		if err == nil {
			err = rows.Err()
		}
	}
	if err == nil && r.rows != sweepRows {
		r.wrongRow = fmt.Sprintf("%d rows, want %d", r.rows, sweepRows)
	}
	if err == nil {
		r.queryEnd = p.Forwarded(dir)
	}
	r.err = err
	r.closed = conn.IsClosed()
	return r
}

// sweepOffsets returns every offset from 1 to 200, then a stride through
// the rest up to total+1 (one past the end) so that there are about budget
// offsets, plus the offsets around each of marks.
func sweepOffsets(total int64, budget int, marks ...int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	addN := func(n int64) {
		if n >= 1 && n <= total+1 && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for n := int64(1); n <= min(200, total+1); n++ {
		addN(n)
	}
	if rest := total + 1 - 200; rest > 0 {
		stride := max(1, rest/int64(max(1, budget-200)))
		for n := int64(201); n <= total+1; n += stride {
			addN(n)
		}
	}
	for _, m := range append(marks, total) {
		for d := int64(-2); d <= 2; d++ {
			addN(m + d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// sweepConfig is how long each run of a sweep may take: a stalled run (a
// corrupted length that promises bytes never sent) ends at the deadline,
// then within CancelWait.
const (
	sweepRunTimeout = 2 * time.Second
	sweepCancelWait = 100 * time.Millisecond
	sweepWorkers    = 6
)

// runSweep runs sweepSession once per offset, each through a proxy of its
// own with the faults fault(n) on dir, on sweepWorkers goroutines, and
// returns the results in offset order. A run that does not end well after
// its deadline is reported as a hang.
func runSweep(t *testing.T, target string, base *pgmoon.Config, dir pgtest.Direction, offsets []int64, fault func(n int64) pgtest.Faults) []sweepResult {
	t.Helper()
	results := make([]sweepResult, len(offsets))
	next := make(chan int)
	var wg sync.WaitGroup
	for range sweepWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = sweepOne(target, base, dir, offsets[i], fault)
			}
		}()
	}
	for i := range offsets {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

func sweepOne(target string, base *pgmoon.Config, dir pgtest.Direction, n int64, fault func(n int64) pgtest.Faults) sweepResult {
	p, err := pgtest.StartProxy(target)
	if err != nil {
		return sweepResult{n: n, err: err, kind: ""}
	}
	defer p.Close()
	cfg := base.Copy()
	cfg.Host, cfg.Port = p.Host(), uint16(p.Port())
	cfg.CancelWait = sweepCancelWait
	p.SetFaults(dir, fault(n))
	ctx, cancel := context.WithTimeout(context.Background(), sweepRunTimeout)
	defer cancel()
	done := make(chan sweepResult, 1)
	go func() { done <- sweepSession(ctx, p, cfg, dir) }()
	select {
	case r := <-done:
		r.n = n
		if r.err != nil {
			r.kind = classifyFault(r.err)
		}
		return r
	case <-time.After(sweepRunTimeout + 10*time.Second):
		return sweepResult{n: n, hang: true}
	}
}

// checkSweep reports the failures every sweep shares (panic, hang,
// untyped error, a protocol error that left the connection open, a wrong
// row when wrongRowsDetectable) and logs the outcomes by kind.
func checkSweep(t *testing.T, results []sweepResult, wrongRowsDetectable bool) {
	t.Helper()
	kinds := map[string]int{}
	for _, r := range results {
		switch {
		case r.panicked != nil:
			t.Errorf("offset %d: panic: %v", r.n, r.panicked)
		case r.hang:
			t.Errorf("offset %d: the session hangs past its deadline", r.n)
		case r.err != nil && r.kind == "":
			t.Errorf("offset %d: error of no documented kind: %v (%T)", r.n, r.err, r.err)
		case r.err != nil && r.connected && !r.closed && !strings.HasPrefix(r.kind, "server error"):
			t.Errorf("offset %d: connection still open after %v", r.n, r.err)
		case r.wrongRow != "" && wrongRowsDetectable:
			t.Errorf("offset %d: wrong row returned: %s", r.n, r.wrongRow)
		}
		if r.err == nil {
			kinds["success"]++
		} else {
			kinds[r.kind]++
		}
		if r.wrongRow != "" {
			kinds["wrong row (undetectable in plain text)"]++
		}
	}
	t.Logf("%d runs: %v", len(results), kinds)
}

// learnStreams runs the sweep session once without faults and returns how
// many bytes went each way in all and until the query had ended.
func learnStreams(t *testing.T, target string, cfg *pgmoon.Config) (total, queryEnd [2]int64) {
	t.Helper()
	for i, dir := range []pgtest.Direction{pgtest.ToServer, pgtest.ToClient} {
		p, err := pgtest.StartProxy(target)
		if err != nil {
			t.Fatal(err)
		}
		c := cfg.Copy()
		c.Host, c.Port = p.Host(), uint16(p.Port())
		r := sweepSession(testCtx(t), p, c, dir)
		if r.err != nil || r.wrongRow != "" || r.panicked != nil {
			t.Fatalf("unfaulted session: %v %s %v", r.err, r.wrongRow, r.panicked)
		}
		// Wait for the Terminate and the server's close to pass.
		deadline := time.Now().Add(10 * time.Second)
		for p.Conns() > 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		total[i], queryEnd[i] = p.Forwarded(dir), r.queryEnd
		_ = p.Close()
	}
	return total, queryEnd
}

// Scenario: the connection is closed (both sides) after N bytes have passed
// one way, for N over the whole session: connect, then a query with rows.
// Each run ends in full success exactly when the cut comes after the
// query's last byte (to the client: at or after it; to the server, whose
// cut must not precede the server's answer, after it), and otherwise in a
// typed error with the connection closed — never a panic, a hang or a
// wrong row.
func TestScenarioProxyCloseAfterSweep(t *testing.T) {
	srv := pgtest.Default(t)
	verifyNoLeaks(t)
	target := net.JoinHostPort(srv.Host(), strconv.Itoa(srv.Port()))
	cfg, err := pgmoon.ParseConfig(srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	total, queryEnd := learnStreams(t, target, cfg)
	t.Logf("stream lengths: to server %d (query ends at %d), to client %d (query ends at %d)",
		total[0], queryEnd[0], total[1], queryEnd[1])
	for i, dir := range []pgtest.Direction{pgtest.ToServer, pgtest.ToClient} {
		t.Run(dir.String(), func(t *testing.T) {
			offsets := sweepOffsets(total[i], 300, queryEnd[i])
			results := runSweep(t, target, cfg, dir, offsets, func(n int64) pgtest.Faults { return pgtest.Faults{CloseAfter: n} })
			checkSweep(t, results, true)
			for _, r := range results {
				wantOK := r.n >= queryEnd[i]
				if dir == pgtest.ToServer {
					wantOK = r.n > queryEnd[i]
				}
				if ok := r.err == nil; ok != wantOK && !r.hang && r.panicked == nil {
					t.Errorf("close after %d bytes %s: error %v, want success %v", r.n, dir, r.err, wantOK)
				}
			}
		})
	}
}

// Scenario: the byte at offset N of one direction is inverted, for N over
// the whole session. In plain text a corrupted byte inside a value can
// yield a different value, which nothing can detect; so: no panic, no hang,
// every error typed, and a closed connection after any ProtocolError.
// Over TLS every corrupted byte the session needed (up to the query's
// end) must fail the session — the record's authentication tag no longer
// matches, or the handshake's transcript — and no run may return a wrong
// row.
func TestScenarioProxyCorruptSweep(t *testing.T) {
	for _, withTLS := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "TLS"}[withTLS]
		t.Run(name, func(t *testing.T) {
			srv := pgtest.Default(t)
			budget := 300
			if withTLS {
				srv = startTLSServer(t)
				budget = 250 // handshakes cost more
			}
			verifyNoLeaks(t)
			target := net.JoinHostPort(srv.Host(), strconv.Itoa(srv.Port()))
			cfg, err := pgmoon.ParseConfig(srv.DSN())
			if err != nil {
				t.Fatal(err)
			}
			if withTLS && cfg.SSLMode != pgmoon.SSLRequire {
				t.Fatalf("sslmode %q, want require (no fallback to plain text)", cfg.SSLMode)
			}
			total, queryEnd := learnStreams(t, target, cfg)
			t.Logf("stream lengths: to server %d (query ends at %d), to client %d (query ends at %d)",
				total[0], queryEnd[0], total[1], queryEnd[1])
			for i, dir := range []pgtest.Direction{pgtest.ToServer, pgtest.ToClient} {
				t.Run(dir.String(), func(t *testing.T) {
					offsets := sweepOffsets(total[i], budget, queryEnd[i])
					results := runSweep(t, target, cfg, dir, offsets, func(n int64) pgtest.Faults { return pgtest.Faults{CorruptAt: n} })
					checkSweep(t, results, withTLS)
					if !withTLS {
						return
					}
					for _, r := range results {
						// The byte was forwarded before the query ended (in
						// this run, or, a few bytes' handshake variation
						// aside, in the unfaulted one): the session needed
						// it, so it must have failed.
						needed := r.n <= max(r.queryEnd, queryEnd[i]-64)
						if r.err == nil && needed {
							t.Errorf("corrupt byte %d %s over TLS: the session succeeded", r.n, dir)
						}
					}
				})
			}
		})
	}
}

// Scenario: the server's bytes vanish into a black hole while a query runs
// with a context deadline. At the deadline the driver sends a
// CancelRequest (through the proxy, so its confirmation — the server's
// close — is black-holed too), waits max(CancelWait, 1 s) for it, and,
// unconfirmed, closes the connection: the call returns within deadline +
// max(CancelWait, 1 s) (+ slack) with context.DeadlineExceeded, and the
// connection is closed (a cancel that might still act must not meet a
// later command).
func TestScenarioProxyBlackHoleMidQuery(t *testing.T) {
	srv := pgtest.Default(t)
	verifyNoLeaks(t)
	p, cfg := newProxy(t, srv, srv.DSN())
	cfg.CancelWait = 500 * time.Millisecond
	conn := connectConfig(t, cfg)
	if got := scalar(t, conn, "select 'before'"); got != "before" {
		t.Fatal(got)
	}

	const deadline = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	type result struct {
		err  error
		took time.Duration
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		_, err := conn.Exec(ctx, "select pg_sleep(0.2)")
		done <- result{err, time.Since(start)}
	}()
	p.SetFaults(pgtest.ToClient, pgtest.Faults{BlackHole: true}) // while the statement sleeps
	var res result
	select {
	case res = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the call hangs in a black hole")
	}
	if !errors.Is(res.err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", res.err)
	}
	if limit := deadline + max(cfg.CancelWait, time.Second) + 5*time.Second; res.took > limit {
		t.Errorf("the call returned after %v, want within %v", res.took, limit)
	}
	if !conn.IsClosed() {
		t.Fatal("connection open after an unconfirmed cancel")
	}
	if _, err := conn.Exec(testCtx(t), "select 1"); !errors.Is(err, pgmoon.ErrConnClosed) {
		t.Fatalf("next call: %v, want ErrConnClosed", err)
	}
	t.Logf("returned after %v: %v", res.took, res.err)
	p.ClearFaults()
}

// Scenario: the proxy resets (RST) the connection while a statement runs
// and between statements. The call fails with a typed error and the
// connection is closed; a Pool drops the broken connection and the next
// call runs on a new one.
func TestScenarioProxyReset(t *testing.T) {
	srv := pgtest.Default(t)
	verifyNoLeaks(t)
	watcher := connect(t, srv.DSN())
	p, cfg := newProxy(t, srv, srv.DSN())
	typed := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("the call succeeded on a reset connection")
		}
		if classifyFault(err) == "" {
			t.Fatalf("error of no documented kind: %v (%T)", err, err)
		}
		t.Logf("%s: %v", classifyFault(err), err)
	}

	t.Run("mid-query", func(t *testing.T) {
		conn := connectConfig(t, cfg)
		done := make(chan error, 1)
		go func() {
			_, err := conn.Exec(testCtx(t), "select pg_sleep(30)")
			done <- err
		}()
		waitFor(t, watcher, sleepingQuery(conn.PID()), "1")
		p.ResetAll()
		select {
		case err := <-done:
			typed(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("the call hangs after a reset")
		}
		if !conn.IsClosed() {
			t.Fatal("connection open after a reset")
		}
	})

	t.Run("between queries", func(t *testing.T) {
		conn := connectConfig(t, cfg)
		if got := scalar(t, conn, "select 'ok'"); got != "ok" {
			t.Fatal(got)
		}
		p.ResetAll()
		_, err := conn.Exec(testCtx(t), "select 1")
		typed(t, err)
		if !conn.IsClosed() {
			t.Fatal("connection open after a reset")
		}
	})

	t.Run("pool", func(t *testing.T) {
		pcfg := cfg.Copy()
		pcfg.Pool.MaxConns = 1
		pool, err := pgmoon.NewPool(testCtx(t), pcfg)
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		pid := func() (uint32, error) {
			var n uint32
			err := pool.QueryRow(testCtx(t), "select pg_backend_pid()").Scan(&n)
			return n, err
		}
		first, err := pid()
		if err != nil {
			t.Fatal(err)
		}

		// Reset mid-statement: the call fails; the pool drops the
		// connection and the next call gets a new backend.
		done := make(chan error, 1)
		go func() {
			_, err := pool.Exec(testCtx(t), "select pg_sleep(30)")
			done <- err
		}()
		waitFor(t, watcher, sleepingQuery(first), "1")
		p.ResetAll()
		select {
		case err := <-done:
			typed(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("the call hangs after a reset")
		}
		second, err := pid()
		if err != nil {
			t.Fatalf("the next call on the pool: %v", err)
		}
		if second == first {
			t.Fatalf("the pool kept the reset connection (pid %d)", first)
		}

		// Reset while the connection is idle in the pool: the next call
		// may fail on it (the pool checks only connections idle for over
		// a second) with a typed error; the one after runs on a new
		// backend.
		p.ResetAll()
		third, err := pid()
		if err != nil {
			typed(t, err)
			if third, err = pid(); err != nil {
				t.Fatalf("the call after: %v", err)
			}
		}
		if third == second {
			t.Fatalf("the pool kept the reset connection (pid %d)", second)
		}
	})
}
