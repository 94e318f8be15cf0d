package pgmoon_test

// Fault scenarios against a real server (issue 12). Each scenario and the
// test that covers it; those covered exactly by an existing test are listed
// rather than repeated:
//
//  1. Error during COPY FROM (a bad row at line 500,000): the server's
//     *PgError with its line, nothing inserted, connection usable.
//     A check violation from a CopyFromSource: TestCopyFromServerErrorMidway
//     (copy_test.go). A type error from an io.Reader source:
//     TestScenarioCopyFromReaderBadRow.
//  2. FATAL during COPY (pg_terminate_backend during COPY FROM and COPY TO):
//     TestScenarioFatalDuringCopy.
//  3. Cancel during a long query (context deadline on pg_sleep):
//     TestCancelRealServer (cancel_test.go: context.DeadlineExceeded and
//     57014, prompt return, same connection and backend usable after).
//  4. Huge batch written while the server streams results:
//     TestBatch10k (batch_test.go, 10,000 statements, megabytes of rows) and
//     TestScenarioHugeBatchWhileStreaming (20,000 statements whose
//     arguments and results are 1 KiB each, so both directions fill their
//     socket buffers at once); a huge COPY FROM while notices stream:
//     TestScenarioCopyFromWhileNoticesStream.
//  5. Backend killed mid-query and during COMMIT, by pg_terminate_backend
//     and by SIGKILL: TestScenarioBackendTerminated,
//     TestScenarioBackendKilled (a server of its own), and the
//     classification on the fake backend:
//     TestScenarioFakeConnectionLost; calls refused before writing are not
//     unknown: TestScenarioRefusedCallsNotUnknown.
//  6. Error inside a transaction then COMMIT: TestTxCommitAfterError
//     (tx_test.go: ErrTxCommitRollback, nothing committed, usable).
//  7. Statement-cache invalidation: TestCacheInvalidation (engine_test.go:
//     added column, column type change, DISCARD ALL, 0A000 inside a
//     transaction) and TestScenarioStatementCacheInvalidation (dropped
//     column, type change to text under select *, search_path, DEALLOCATE
//     ALL, DISCARD ALL, in both caching modes and through database/sql).
//  8. Pool exhaustion bounded by the context: TestPoolAcquireWait
//     (pool_test.go: pool of 2, both held, Acquire and Exec with a short
//     deadline return context.DeadlineExceeded, a release lets the waiter
//     in, goleak finds no waiter left) and TestScenarioPoolExhaustion
//     (Query and QueryRow too, and the deadline bounds the wait).
//  9. Dead idle connections after a server restart:
//     TestPoolDeadIdleConn (pool_test.go, pg_terminate_backend, idle over
//     a second), TestScenarioRestartDropsIdleConns (Server.Restart; Pool
//     and database/sql) and TestScenarioTerminatedIdleConnNotHandedOut
//     (terminated a moment before the next query).
//  10. Multi-host failover: TestMultiHostPrimaryStandby (multihost_test.go:
//     every target_session_attrs with both up and with the standby down,
//     and Connect after promotion) and TestScenarioFailover (read-write
//     with the primary stopped: a clear error naming both hosts; a Pool
//     recovers after promotion).

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/protocol"
)

// adminTerminated is the FATAL a backend sends when pg_terminate_backend
// (or a fast shutdown) ends it: SQLSTATE 57P01, admin_shutdown.
var adminTerminated = &pgmoon.PgError{Code: "57P01"}

// scenarioDB makes a database of its own on srv and connects to it.
func scenarioDB(t *testing.T, srv *pgtest.Server) (dsn string, conn *pgmoon.Conn) {
	t.Helper()
	dsn = srv.NewDatabase(t)
	return dsn, connect(t, dsn)
}

// lineReader is an io.Reader of COPY text lines "i\tnote i\n" for i in
// 1..n, whose line bad is "not-a-number\tbad" instead. read counts the
// lines handed out.
type lineReader struct {
	n, bad, next int
	buf          []byte
}

func (r *lineReader) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) && r.next < r.n {
		r.next++
		if r.next == r.bad {
			r.buf = append(r.buf, "not-a-number\tbad\n"...)
			continue
		}
		r.buf = strconv.AppendInt(r.buf, int64(r.next), 10)
		r.buf = append(r.buf, "\tnote "...)
		r.buf = strconv.AppendInt(r.buf, int64(r.next), 10)
		r.buf = append(r.buf, '\n')
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[:copy(r.buf, r.buf[n:])]
	return n, nil
}

// Scenario 1: a type error at line 500,000 of a COPY FROM fed by an
// io.Reader is the server's ErrorResponse (22P02, with the line in its
// context field), nothing is inserted, and the connection goes on.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY
func TestScenarioCopyFromReaderBadRow(t *testing.T) {
	_, conn := scenarioDB(t, pgtest.Default(t))
	ctx := testCtx(t)
	mustExec(t, conn, "create table items (id int4, note text)")
	src := &lineReader{n: 1_000_000, bad: 500_000}
	n, err := conn.CopyFromReader(ctx, src, "copy items (id, note) from stdin")
	var pgErr *pgmoon.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "22P02" || n != 0 {
		t.Fatalf("CopyFromReader = %d, %v; want invalid_text_representation (22P02)", n, err)
	}
	if !strings.Contains(pgErr.Where, "line 500000") {
		t.Errorf("Where = %q, want line 500000", pgErr.Where)
	}
	if errors.Is(err, pgmoon.ErrResultUnknown) {
		t.Errorf("a COPY the server failed is not of unknown outcome: %v", err)
	}
	if src.next >= src.n {
		t.Errorf("the reader was read to its end after the server failed the COPY")
	}
	usable(t, conn)
	if got := scalar(t, conn, "select count(*) from items"); got != "0" {
		t.Errorf("%s rows inserted", got)
	}
}

// endlessRows is a CopyFromSource that counts its rows and closes started
// after the first few thousand, when the COPY is surely streaming. It stops
// after max rows so that a test whose terminate went astray still ends.
type endlessRows struct {
	n, max  int
	row     []any
	started chan struct{}
}

func (s *endlessRows) Next() bool { s.n++; return s.n <= s.max }
func (s *endlessRows) Err() error { return nil }
func (s *endlessRows) Values() ([]any, error) {
	if s.n == 5000 {
		close(s.started)
	}
	s.row[0] = int64(s.n)
	return s.row, nil
}

// countingWriter counts what CopyTo writes and closes started at the first
// write.
type countingWriter struct {
	n       int64
	once    sync.Once
	started chan struct{}
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	w.once.Do(func() { close(w.started) })
	return len(p), nil
}

// wantLost checks the error of a call whose backend was ended under it: a
// typed error (the server's FATAL 57P01, or ErrResultUnknown when the
// connection broke before the FATAL could be read), and a closed
// connection.
func wantLost(t *testing.T, conn *pgmoon.Conn, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("the call succeeded although its backend was terminated")
	}
	if !errors.Is(err, adminTerminated) && !errors.Is(err, pgmoon.ErrResultUnknown) {
		t.Errorf("err = %v, want the server's 57P01 or ErrResultUnknown", err)
	}
	if !conn.IsClosed() {
		t.Error("the connection is still open after its backend was terminated")
	}
	if _, err := conn.Exec(testCtx(t), "select 1"); !errors.Is(err, pgmoon.ErrConnClosed) {
		t.Errorf("next call: %v, want ErrConnClosed", err)
	}
}

// terminate ends backend pid from admin's connection.
func terminate(t *testing.T, admin *pgmoon.Conn, pid uint32) {
	t.Helper()
	if got := scalar(t, admin, fmt.Sprintf("select pg_terminate_backend(%d)", pid)); got != "t" {
		t.Fatalf("pg_terminate_backend(%d) = %s", pid, got)
	}
}

// Scenario 2: pg_terminate_backend while a COPY FROM and a COPY TO stream.
// The call returns a typed error, the connection is closed, and nothing of
// the COPY FROM is in the table.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY
func TestScenarioFatalDuringCopy(t *testing.T) {
	verifyNoLeaks(t)
	dsn, admin := scenarioDB(t, pgtest.Default(t))
	mustExec(t, admin, "create table sink (id int8, payload text)")

	t.Run("copy from", func(t *testing.T) {
		conn := connect(t, dsn)
		src := &endlessRows{max: 50_000_000, row: []any{int64(0), strings.Repeat("p", 100)}, started: make(chan struct{})}
		done := make(chan error, 1)
		go func() {
			_, err := conn.CopyFrom(testCtx(t), pgmoon.Identifier{"sink"}, []string{"id", "payload"}, src)
			done <- err
		}()
		select {
		case <-src.started:
		case err := <-done:
			t.Fatalf("COPY ended before it was terminated: %v", err)
		}
		terminate(t, admin, conn.PID())
		err := <-done
		t.Logf("COPY FROM after %d rows: %v", src.n, err)
		wantLost(t, conn, err)
		if got := scalar(t, admin, "select count(*) from sink"); got != "0" {
			t.Errorf("%s rows of the terminated COPY are in the table", got)
		}
	})

	t.Run("copy to", func(t *testing.T) {
		conn := connect(t, dsn)
		// (A set-returning function in the select list streams its rows;
		// in FROM it would be materialized before the first one.)
		w := &countingWriter{started: make(chan struct{})}
		done := make(chan error, 1)
		go func() {
			_, err := conn.CopyTo(testCtx(t), w, "copy (select generate_series(1, 100000000), repeat('x', 100)) to stdout")
			done <- err
		}()
		select {
		case <-w.started:
		case err := <-done:
			t.Fatalf("COPY ended before it was terminated: %v", err)
		}
		terminate(t, admin, conn.PID())
		err := <-done
		t.Logf("COPY TO after %d bytes: %v", w.n, err)
		wantLost(t, conn, err)
	})
}

// Scenario 4: 20,000 statements whose arguments and results are 1 KiB
// each, in one batch. The client writes ~20 MiB while the server streams
// ~20 MiB of rows back; neither side's socket buffer can hold its
// direction, so a driver that wrote the whole batch before reading would
// deadlock. Every result must come back, in order.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-PIPELINING
func TestScenarioHugeBatchWhileStreaming(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const n = 20_000
	pad := strings.Repeat("z", 1024)
	b := &pgmoon.Batch{}
	for i := range n {
		b.Queue("select $1::int4, $2::text", i, pad)
	}
	br := conn.SendBatch(ctx, b)
	for i := range n {
		var (
			got int32
			s   string
		)
		if err := br.QueryRow().Scan(&got, &s); err != nil {
			t.Fatalf("statement %d: %v", i, err)
		}
		if int(got) != i || s != pad {
			t.Fatalf("statement %d: got %d and %d bytes", i, got, len(s))
		}
	}
	if err := br.Close(); err != nil {
		t.Fatal(err)
	}
	usable(t, conn)
}

// Scenario 4 (COPY): a COPY FROM of 200,000 rows into a table whose
// trigger raises a notice for each row. The server writes notices while
// the client still writes data; the driver reads them as it sends (no
// deadlock), and every one reaches OnNotice, in order.
func TestScenarioCopyFromWhileNoticesStream(t *testing.T) {
	dsn := pgtest.Default(t).NewDatabase(t)
	cfg, err := pgmoon.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	var (
		notices int
		inOrder = true
	)
	cfg.OnNotice = func(_ *pgmoon.Conn, n *pgmoon.Notice) {
		notices++
		if n.Message != "row "+strconv.Itoa(notices)+" "+strings.Repeat("n", 200) {
			inOrder = false
		}
	}
	conn := connectConfig(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	mustExec(t, conn, "create table noisy (id int4)")
	mustExec(t, conn, `create function noisy_notice() returns trigger language plpgsql as $$
		begin raise notice 'row % %', new.id, repeat('n', 200); return new; end $$`)
	mustExec(t, conn, "create trigger noisy_notice before insert on noisy for each row execute function noisy_notice()")
	const rows = 200_000
	got, err := conn.CopyFrom(ctx, pgmoon.Identifier{"noisy"}, []string{"id"}, pgmoon.CopyFromSlice(rows, func(i int) ([]any, error) { return []any{i + 1}, nil }))
	if err != nil || got != rows {
		t.Fatalf("CopyFrom = %d, %v", got, err)
	}
	if notices != rows || !inOrder {
		t.Errorf("%d notices (in order: %v), want %d", notices, inOrder, rows)
	}
	if c := scalar(t, conn, "select count(*) from noisy"); c != strconv.Itoa(rows) {
		t.Errorf("%s rows", c)
	}
}

// traceCounter counts the frontend messages of a Tracer's output that
// contain a word: how many times a command was sent.
type traceCounter struct{ lockedBuffer }

// sent counts the Query messages sent whose SQL is exactly sql.
func (w *traceCounter) sent(sql string) int {
	n := 0
	sc := bufio.NewScanner(strings.NewReader(w.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "F\t") && strings.Contains(line, "\tQuery\t") && strings.HasSuffix(line, strconv.Quote(sql)) {
			n++
		}
	}
	return n
}

// slowCommitSchema makes COMMIT of a transaction that inserted into
// ledger take a while: a deferred constraint trigger, which runs at
// COMMIT, counts its runs in a sequence (which a rollback does not undo)
// and sleeps.
const slowCommitSchema = `
create table ledger (id int primary key);
create sequence commit_attempts;
create function slow_commit() returns trigger language plpgsql as $$
	begin perform nextval('commit_attempts'); perform pg_sleep(60); return null; end $$;
create constraint trigger slow_commit after insert on ledger
	deferrable initially deferred for each row execute function slow_commit()`

// committing is how a watcher sees pid's COMMIT running the slow trigger.
func committing(pid uint32) string {
	return fmt.Sprintf("select count(*) from pg_stat_activity where pid = %d and query = 'commit' and wait_event = 'PgSleep'", pid)
}

// killer ends a backend: by pg_terminate_backend, or by SIGKILL.
type killer func(t *testing.T, pid uint32)

// runKilledCommit runs a transaction on pool that inserts id into ledger
// and commits, kills its backend while COMMIT runs, and checks what the
// caller sees: an error matching ErrResultUnknown (and wantCause), COMMIT
// sent once, the row present at most once. It returns the Commit error.
func runKilledCommit(t *testing.T, pool *pgmoon.Pool, trace *traceCounter, watcher *pgmoon.Conn, kill killer, id int) error {
	t.Helper()
	ctx := testCtx(t)
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Gives the connection back if the test fails before Commit (the
	// pool's Close, which runs after, waits for it).
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	pid := tx.Conn().PID()
	if _, err := tx.Exec(ctx, "insert into ledger values ($1)", id); err != nil {
		t.Fatal(err)
	}
	before := trace.sent("commit")
	done := make(chan error, 1)
	go func() { done <- tx.Commit(ctx) }()
	waitFor(t, watcher, committing(pid), "1")
	kill(t, pid)
	err = <-done
	t.Logf("Commit: %v", err)
	if !errors.Is(err, pgmoon.ErrResultUnknown) {
		t.Errorf("Commit = %v, want ErrResultUnknown", err)
	}
	if got := trace.sent("commit") - before; got != 1 {
		t.Errorf("COMMIT sent %d times, want once (never retried)", got)
	}
	return err
}

// Scenario 5 (pg_terminate_backend): mid-query, the call fails with the
// server's FATAL 57P01 — the statement did not complete, so that is a known
// failure, not an unknown outcome; during COMMIT, the outcome is unknown,
// and neither the pool nor database/sql sends COMMIT again.
func TestScenarioBackendTerminated(t *testing.T) {
	verifyNoLeaks(t)
	srv := pgtest.Default(t)
	dsn, admin := scenarioDB(t, srv)
	watcher := connect(t, dsn)
	terminateKill := func(t *testing.T, pid uint32) { terminate(t, admin, pid) }

	t.Run("mid-query", func(t *testing.T) {
		conn := connect(t, dsn)
		done := make(chan error, 1)
		go func() {
			_, err := conn.Exec(testCtx(t), "select pg_sleep(60)")
			done <- err
		}()
		waitFor(t, watcher, sleepingQuery(conn.PID()), "1")
		terminate(t, admin, conn.PID())
		err := <-done
		var pgErr *pgmoon.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "57P01" || pgErr.Severity != "FATAL" {
			t.Fatalf("err = %v, want FATAL 57P01", err)
		}
		if errors.Is(err, pgmoon.ErrResultUnknown) {
			t.Errorf("a statement the server failed with FATAL is not of unknown outcome: %v", err)
		}
		wantLost(t, conn, err)
	})

	t.Run("during commit", func(t *testing.T) {
		mustExec(t, admin, slowCommitSchema)
		trace := &traceCounter{}
		cfg := poolConfig(t, dsn, func(c *pgmoon.PoolConfig) { c.MaxConns = 1 })
		cfg.Tracer = protocol.NewTracer(trace)
		pool := newPool(t, cfg)
		err := runKilledCommit(t, pool, trace, watcher, terminateKill, 1)
		if !errors.Is(err, adminTerminated) {
			t.Errorf("Commit = %v, want it to keep the server's FATAL 57P01", err)
		}
		if got := scalar(t, admin, "select last_value from commit_attempts"); got != "1" {
			t.Errorf("the COMMIT trigger ran %s times, want once", got)
		}
		if got := scalar(t, admin, "select count(*) from ledger where id = 1"); got != "0" && got != "1" {
			t.Errorf("%s rows with id 1", got)
		}
		// The pool is fine: its next borrower gets a new connection.
		if got := pid(t, pool); uint32(got) == 0 {
			t.Error("no backend")
		}
		if s := checkQuiet(t, pool); s.NewConnsCount != 2 {
			t.Errorf("stat: %+v, want 2 connections made (the first one's loss, then the next borrower)", s)
		}
	})

	t.Run("during commit via database/sql", func(t *testing.T) {
		cfg, err := pgmoon.ParseConfig(dsn)
		if err != nil {
			t.Fatal(err)
		}
		trace := &traceCounter{}
		cfg.Tracer = protocol.NewTracer(trace)
		db := pgmoon.OpenDB(cfg)
		defer db.Close()
		ctx := testCtx(t)
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var pid uint32
		if err := conn.QueryRowContext(ctx, "select pg_backend_pid()").Scan(&pid); err != nil {
			t.Fatal(err)
		}
		before := scalar(t, admin, "select last_value from commit_attempts")
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "insert into ledger values ($1)", 2); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- tx.Commit() }()
		waitFor(t, watcher, committing(pid), "1")
		terminate(t, admin, pid)
		err = <-done
		t.Logf("sql.Tx.Commit: %v", err)
		if !errors.Is(err, pgmoon.ErrResultUnknown) {
			t.Errorf("Commit = %v, want ErrResultUnknown", err)
		}
		if got := trace.sent("commit"); got != 1 {
			t.Errorf("COMMIT sent %d times, want once", got)
		}
		after := scalar(t, admin, "select last_value from commit_attempts")
		if b, _ := strconv.Atoi(before); strconv.Itoa(b+1) != after {
			t.Errorf("the COMMIT trigger ran from %s to %s, want once", before, after)
		}
	})
}

// sigkill kills a backend process outright, as the OOM killer would. The
// postmaster then ends every other backend and runs crash recovery.
func sigkill(t *testing.T, pid uint32) {
	t.Helper()
	p, err := os.FindProcess(int(pid))
	if err == nil {
		err = p.Signal(os.Kill) // SIGKILL
		p.Release()
	}
	if err != nil {
		t.Fatalf("kill -9 %d: %v (the test must run as root or as the server's OS user)", pid, err)
	}
}

// waitAccepting waits until srv accepts connections and runs a query
// again, after a crash restart.
func waitAccepting(t *testing.T, dsn string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var last error
	for ctx.Err() == nil {
		c, err := pgmoon.ConnectString(ctx, dsn)
		if err == nil {
			_, err = c.Exec(ctx, "select 1")
			c.Close(ctx)
			if err == nil {
				return
			}
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the server did not accept connections again within a minute: %v", last)
}

// Scenario 5 (SIGKILL), on a server of its own since the postmaster ends
// every backend after one is killed: mid-query and during COMMIT the
// connection is simply gone, with no ErrorResponse, so the outcome is
// unknown; COMMIT is sent once.
func TestScenarioBackendKilled(t *testing.T) {
	verifyNoLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// Local even under PGMOON_TEST_BACKEND=docker: the test signals the
	// backend process itself.
	srv := ownServer(ctx, t, pgtest.WithLocal())
	if srv.Backend() != "local" {
		t.Fatalf("SIGKILL needs a local server process; this one is %s", srv.Backend())
	}
	dsn := srv.NewDatabase(t)

	t.Run("mid-query", func(t *testing.T) {
		watcher := connect(t, dsn)
		conn := connect(t, dsn)
		done := make(chan error, 1)
		go func() {
			_, err := conn.Exec(testCtx(t), "select pg_sleep(60)")
			done <- err
		}()
		waitFor(t, watcher, sleepingQuery(conn.PID()), "1")
		sigkill(t, conn.PID())
		err := <-done
		t.Logf("Exec: %v", err)
		if !errors.Is(err, pgmoon.ErrResultUnknown) {
			t.Errorf("err = %v, want ErrResultUnknown", err)
		}
		var pgErr *pgmoon.PgError
		if errors.As(err, &pgErr) {
			t.Errorf("err = %v carries a server error, but the backend died without one", err)
		}
		if !conn.IsClosed() {
			t.Error("connection still open")
		}
		waitAccepting(t, dsn)
	})

	t.Run("during commit", func(t *testing.T) {
		watcher := connect(t, dsn)
		// pgtest's servers run with synchronous_commit off, whose last
		// commits a crash may lose: not the schema's.
		mustExec(t, watcher, "set synchronous_commit = on")
		mustExec(t, watcher, slowCommitSchema)
		trace := &traceCounter{}
		cfg := poolConfig(t, dsn, func(c *pgmoon.PoolConfig) { c.MaxConns = 1 })
		cfg.Tracer = protocol.NewTracer(trace)
		pool := newPool(t, cfg)
		runKilledCommit(t, pool, trace, watcher, sigkill, 1)
		waitAccepting(t, dsn)
		check := connect(t, dsn)
		if got := scalar(t, check, "select count(*) from ledger where id = 1"); got != "0" && got != "1" {
			t.Errorf("%s rows with id 1", got)
		}
		if s := pool.Stat(); s.NewConnsCount != 1 {
			t.Errorf("stat: %+v, want the one connection made (nothing retried)", s)
		}
	})
}

// Scenario 5, the classification alone, on the fake backend. The server
// closes the connection right after COMMIT arrives (no ErrorResponse, no
// ReadyForQuery), or ends the session with a FATAL during COMMIT: Commit
// reports ErrResultUnknown and keeps the cause. A FATAL answering an
// ordinary statement is a known failure, and a call refused on the closed
// connection (nothing written) is not unknown either.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SIMPLE-QUERY
func TestScenarioFakeConnectionLost(t *testing.T) {
	fatal := &protocol.ErrorResponse{Fields: []protocol.ErrorField{
		{Code: 'S', Value: "FATAL"}, {Code: 'V', Value: "FATAL"}, {Code: 'C', Value: "57P01"},
		{Code: 'M', Value: "terminating connection due to administrator command"},
	}}
	begin := []pgtest.Step{
		pgtest.Handshake(),
		pgtest.Expect(&protocol.Query{SQL: "begin"}),
		pgtest.Send(&protocol.CommandComplete{CommandTag: []byte("BEGIN")}, &protocol.ReadyForQuery{TxStatus: 'T'}),
	}
	for _, tc := range []struct {
		name    string
		steps   []pgtest.Step
		call    func(ctx context.Context, conn *pgmoon.Conn) error
		unknown bool
		cause   error
	}{
		{
			name:  "closed after COMMIT",
			steps: append(begin[:len(begin):len(begin)], pgtest.Expect(&protocol.Query{SQL: "commit"}), pgtest.CloseConn()),
			call: func(ctx context.Context, conn *pgmoon.Conn) error {
				tx, err := conn.Begin(ctx)
				if err != nil {
					return err
				}
				return tx.Commit(ctx)
			},
			unknown: true, cause: io.ErrUnexpectedEOF,
		},
		{
			name:  "FATAL during COMMIT",
			steps: append(begin[:len(begin):len(begin)], pgtest.Expect(&protocol.Query{SQL: "commit"}), pgtest.Send(fatal), pgtest.CloseConn()),
			call: func(ctx context.Context, conn *pgmoon.Conn) error {
				tx, err := conn.Begin(ctx)
				if err != nil {
					return err
				}
				return tx.Commit(ctx)
			},
			unknown: true, cause: adminTerminated,
		},
		{
			name: "FATAL answering a statement",
			steps: []pgtest.Step{
				pgtest.Handshake(),
				pgtest.Expect(&protocol.Query{SQL: "select pg_sleep(60)"}),
				pgtest.Send(fatal), pgtest.CloseConn(),
			},
			call: func(ctx context.Context, conn *pgmoon.Conn) error {
				_, err := conn.SimpleQuery(ctx, "select pg_sleep(60)")
				return err
			},
			unknown: false, cause: adminTerminated,
		},
		{
			name: "closed mid-statement",
			steps: []pgtest.Step{
				pgtest.Handshake(),
				pgtest.Expect(&protocol.Query{SQL: "insert into t values (1)"}),
				pgtest.CloseConn(),
			},
			call: func(ctx context.Context, conn *pgmoon.Conn) error {
				_, err := conn.SimpleQuery(ctx, "insert into t values (1)")
				return err
			},
			unknown: true, cause: io.ErrUnexpectedEOF,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := pgtest.NewFakeBackend(t, pgtest.Script(tc.steps))
			conn := connectConfig(t, fakeConfig(t, f))
			ctx := testCtx(t)
			err := tc.call(ctx, conn)
			if errors.Is(err, pgmoon.ErrResultUnknown) != tc.unknown || !errors.Is(err, tc.cause) {
				t.Fatalf("err = %v; want unknown outcome %v, wrapping %v", err, tc.unknown, tc.cause)
			}
			if !conn.IsClosed() {
				t.Error("connection open after it was lost")
			}
			_, err = conn.Exec(ctx, "select 1")
			if !errors.Is(err, pgmoon.ErrConnClosed) || errors.Is(err, pgmoon.ErrResultUnknown) {
				t.Errorf("call refused on the closed connection: %v, want ErrConnClosed and not ErrResultUnknown", err)
			}
		})
	}
}

// Scenario 5, the other side of the rule: calls refused before anything
// was written (the connection busy, a value that cannot be encoded, a
// context ended already) and statements the server failed are never of
// unknown outcome, and leave the connection usable.
func TestScenarioRefusedCallsNotUnknown(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	rows, err := conn.Query(ctx, "select generate_series(1, 3)")
	if err != nil {
		t.Fatal(err)
	}
	_, busyErr := conn.Exec(ctx, "select 1")
	rows.Close()
	_, encodeErr := conn.Exec(ctx, "select $1::int4", make(chan int))
	ended, cancel := context.WithCancel(ctx)
	cancel()
	_, endedErr := conn.Exec(ended, "select 1")
	_, serverErr := conn.Exec(ctx, "select 1/0")
	for name, tc := range map[string]struct {
		err, want error
	}{
		"busy":         {busyErr, pgmoon.ErrConnBusy},
		"encode":       {encodeErr, nil},
		"ended ctx":    {endedErr, context.Canceled},
		"server error": {serverErr, &pgmoon.PgError{Code: "22012"}},
	} {
		if tc.err == nil || (tc.want != nil && !errors.Is(tc.err, tc.want)) {
			t.Errorf("%s: err = %v, want %v", name, tc.err, tc.want)
		}
		if errors.Is(tc.err, pgmoon.ErrResultUnknown) {
			t.Errorf("%s: %v matches ErrResultUnknown", name, tc.err)
		}
	}
	usable(t, conn)
}

// Scenario 7: statements cached by the driver (named prepared statements,
// or cached descriptions) whose table or environment changes under them.
// Each next run returns the new shape, or a clear *PgError; never a stale
// value, a decode error on the new bytes, or a panic.
func TestScenarioStatementCacheInvalidation(t *testing.T) {
	dsn := pgtest.Default(t).NewDatabase(t)
	for _, mode := range []pgmoon.QueryExecMode{pgmoon.ExecModeCacheStatement, pgmoon.ExecModeCacheDescribe} {
		t.Run(mode.String(), func(t *testing.T) {
			cfg, err := pgmoon.ParseConfig(dsnWith(dsn, "default_query_exec_mode="+mode.String()))
			if err != nil {
				t.Fatal(err)
			}
			conn := connectConfig(t, cfg)
			ctx := testCtx(t)
			tbl := "shape_" + strings.ReplaceAll(mode.String(), "_", "")
			mustExec(t, conn, fmt.Sprintf("create table %s (a int4, b int4); insert into %[1]s values (1, 2)", tbl))
			sel := "select * from " + tbl
			// values runs sel and returns its one row as text.
			values := func(step string) []string {
				t.Helper()
				rows, err := conn.Query(ctx, sel)
				if err != nil {
					t.Fatalf("%s: %v", step, err)
				}
				defer rows.Close()
				var out []string
				for rows.Next() {
					vals, err := rows.Values()
					if err != nil {
						t.Fatalf("%s: %v", step, err)
					}
					for _, v := range vals {
						out = append(out, fmt.Sprint(v))
					}
				}
				if err := rows.Err(); err != nil {
					t.Fatalf("%s: %v", step, err)
				}
				return out
			}
			want := func(step string, w ...string) {
				t.Helper()
				if got := values(step); strings.Join(got, ",") != strings.Join(w, ",") {
					t.Fatalf("%s: got %q, want %q", step, got, w)
				}
			}
			want("first run", "1", "2")
			mustExec(t, conn, "alter table "+tbl+" drop column b")
			want("after DROP COLUMN", "1")
			// Same column count, another type: the cached binary int4
			// decoder must not meet text bytes.
			mustExec(t, conn, "alter table "+tbl+" alter column a type text using 'x' || a")
			want("after ALTER COLUMN TYPE text", "x1")
			mustExec(t, conn, "alter table "+tbl+" add column c float8 default 2.5")
			want("after ADD COLUMN", "x1", "2.5")

			// The server drops the session's statements behind the
			// driver's back; the cached ones are prepared again (26000).
			for _, cmd := range []string{"deallocate all", "discard all"} {
				mustExec(t, conn, cmd)
				want("after "+cmd, "x1", "2.5")
			}

			// search_path: the same text names another table, of another
			// shape. The server parses the statement again under the new
			// path (its result type changes: 0A000, which the driver
			// handles by preparing again).
			s1, s2 := tbl+"_s1", tbl+"_s2"
			mustExec(t, conn, fmt.Sprintf("create schema %s; create schema %s", s1, s2))
			mustExec(t, conn, "create table "+s1+".sp (v int4); insert into "+s1+".sp values (7)")
			mustExec(t, conn, "create table "+s2+".sp (v text, w bool); insert into "+s2+".sp values ('seven', true)")
			q := "select * from sp"
			mustExec(t, conn, "set search_path = "+s1)
			var v int32
			if err := conn.QueryRow(ctx, q).Scan(&v); err != nil || v != 7 {
				t.Fatalf("search_path s1: %v, %v", v, err)
			}
			mustExec(t, conn, "set search_path = "+s2)
			var (
				s string
				w bool
			)
			err = conn.QueryRow(ctx, q).Scan(&s, &w)
			var pgErr *pgmoon.PgError
			switch {
			case err == nil:
				if s != "seven" || !w {
					t.Fatalf("search_path s2: got %q, %v", s, w)
				}
			case errors.As(err, &pgErr):
				t.Logf("search_path s2: a clear error: %v", err)
			default:
				t.Fatalf("search_path s2: %v, want the new row or a server error", err)
			}
			mustExec(t, conn, "reset search_path")
			usable(t, conn)
		})
	}

	t.Run("database/sql", func(t *testing.T) {
		db, err := sql.Open("pgmoon", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		ctx := testCtx(t)
		if _, err := db.ExecContext(ctx, "create table sqlshape (a int4, b int4); insert into sqlshape values (1, 2)"); err != nil {
			t.Fatal(err)
		}
		stmt, err := db.PrepareContext(ctx, "select * from sqlshape")
		if err != nil {
			t.Fatal(err)
		}
		defer stmt.Close()
		cols := func() []string {
			t.Helper()
			rows, err := stmt.QueryContext(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			names, _ := rows.Columns()
			vals := make([]any, len(names))
			ptrs := make([]any, len(names))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			var out []string
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				for _, v := range vals {
					if b, ok := v.([]byte); ok {
						v = string(b)
					}
					out = append(out, fmt.Sprint(v))
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		}
		if got := strings.Join(cols(), ","); got != "1,2" {
			t.Fatalf("first: %s", got)
		}
		for _, step := range []string{
			"alter table sqlshape drop column b",
			"alter table sqlshape alter column a type text using 'x' || a",
			"deallocate all",
		} {
			if _, err := db.ExecContext(ctx, step); err != nil {
				t.Fatal(err)
			}
		}
		if got := strings.Join(cols(), ","); got != "x1" {
			t.Fatalf("after the changes: %s, want x1", got)
		}
	})
}

// Scenario 8: a pool of 2 with both connections held. Acquire, Query,
// QueryRow and Exec with a 100 ms deadline return context.DeadlineExceeded
// within a generous bound; a release lets the next waiter in; no waiter
// goroutine is left.
func TestScenarioPoolExhaustion(t *testing.T) {
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
	// (Registered after newPool's Close, so run before it: Close waits
	// for borrowed connections. Release again does nothing.)
	t.Cleanup(a.Release)
	t.Cleanup(b.Release)
	calls := map[string]func(context.Context) error{
		"Acquire": func(ctx context.Context) error {
			c, err := pool.Acquire(ctx)
			if err == nil {
				c.Release()
			}
			return err
		},
		"Query": func(ctx context.Context) error {
			rows, err := pool.Query(ctx, "select 1")
			if err == nil {
				rows.Close()
			}
			return err
		},
		"QueryRow": func(ctx context.Context) error { var n int; return pool.QueryRow(ctx, "select 1").Scan(&n) },
		"Exec":     func(ctx context.Context) error { _, err := pool.Exec(ctx, "select 1"); return err },
	}
	for name, call := range calls {
		short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		start := time.Now()
		err := call(short)
		took := time.Since(start)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s on an exhausted pool: %v, want context.DeadlineExceeded", name, err)
		}
		if took > 10*time.Second {
			t.Errorf("%s returned %v after its 100 ms deadline: it does not honour the context", name, took)
		}
	}
	waiter := make(chan int32, 1)
	go func() {
		var n int32
		if err := pool.QueryRow(ctx, "select pg_backend_pid()").Scan(&n); err != nil {
			t.Error(err)
		}
		waiter <- n
	}()
	// Most likely waiting by now; if not, it finds b's connection idle,
	// which it must get all the same.
	time.Sleep(50 * time.Millisecond)
	bPID := pid(t, b)
	b.Release()
	if got := <-waiter; got != bPID {
		t.Errorf("the waiter ran on backend %d, want %d (the connection given back)", got, bPID)
	}
	a.Release()
	checkQuiet(t, pool)
}

// Scenario 9: a Pool and a database/sql DB hold idle connections when the
// server restarts (fast shutdown: each backend sends FATAL 57P01 and
// closes). The next queries, made at once, succeed: the dead idle
// connections are found before they are handed out, and nothing is sent
// on them.
func TestScenarioRestartDropsIdleConns(t *testing.T) {
	noLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := ownServer(ctx, t)
	const idle = 4
	pool := newPool(t, poolConfig(t, srv.DSN(), func(c *pgmoon.PoolConfig) { c.MaxConns = idle }))
	db, err := sql.Open("pgmoon", srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxIdleConns(idle)
	db.SetMaxOpenConns(idle)

	// Fill both with idle connections.
	var held []*pgmoon.PoolConn
	var sqlHeld []*sql.Conn
	for range idle {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		sc, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := sc.PingContext(ctx); err != nil {
			t.Fatal(err)
		}
		sqlHeld = append(sqlHeld, sc)
	}
	for i := range held {
		held[i].Release()
		sqlHeld[i].Close()
	}
	if s := pool.Stat(); s.IdleConns != idle {
		t.Fatalf("pool: %d idle, want %d", s.IdleConns, idle)
	}
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	// No waiting: what the server sent as it shut down (FATAL, then the
	// end of stream) is on each idle socket, which the pool and the driver
	// look at (a non-blocking peek) before handing a connection out,
	// however briefly it was idle.

	for i := range 2 * idle {
		var n int
		if err := pool.QueryRow(ctx, "select $1::int", i).Scan(&n); err != nil || n != i {
			t.Fatalf("pool query %d after the restart: %d, %v", i, n, err)
		}
		if err := db.QueryRowContext(ctx, "select $1::int", i).Scan(&n); err != nil || n != i {
			t.Fatalf("database/sql query %d after the restart: %d, %v", i, n, err)
		}
	}
	s := checkQuiet(t, pool)
	if s.NewConnsCount != idle+1 {
		t.Errorf("pool stat %+v: want %d connections made (%d before the restart, one after)", s, idle+1, idle)
	}
	t.Logf("pool after the restart: %+v; database/sql: %+v", s, db.Stats())
}

// Scenario 9, without the restart's delay: an idle connection whose
// backend was terminated a moment ago (well under the one-second idle
// threshold of the time-based check) is not handed out by the Pool or by
// database/sql; the caller sees no error.
func TestScenarioTerminatedIdleConnNotHandedOut(t *testing.T) {
	noLeaks(t)
	srv := pgtest.Default(t)
	admin := connect(t, srv.DSN())
	gone := func(p int32) string {
		return fmt.Sprintf("select count(*) from pg_stat_activity where pid = %d", p)
	}

	t.Run("pool", func(t *testing.T) {
		pool := newPool(t, poolConfig(t, srv.DSN(), func(c *pgmoon.PoolConfig) { c.MaxConns = 1 }))
		before := pid(t, pool)
		terminate(t, admin, uint32(before))
		waitFor(t, admin, gone(before), "0") // it has sent FATAL and closed
		after := pid(t, pool)
		if after == before {
			t.Error("the terminated connection was handed out")
		}
		if s := checkQuiet(t, pool); s.NewConnsCount != 2 {
			t.Errorf("stat: %+v", s)
		}
	})

	t.Run("database/sql", func(t *testing.T) {
		db, err := sql.Open("pgmoon", srv.DSN())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		ctx := testCtx(t)
		var before, after int32
		if err := db.QueryRowContext(ctx, "select pg_backend_pid()").Scan(&before); err != nil {
			t.Fatal(err)
		}
		terminate(t, admin, uint32(before))
		waitFor(t, admin, gone(before), "0")
		if err := db.QueryRowContext(ctx, "select pg_backend_pid()").Scan(&after); err != nil {
			t.Fatalf("query after the idle connection's backend was terminated: %v", err)
		}
		if after == before {
			t.Error("the terminated connection was used")
		}
	})
}

// Scenario 10: a primary and its standby behind one multi-host Config with
// target_session_attrs=read-write. With the primary stopped, connecting
// fails with an error naming both hosts and why each was refused; a Pool's
// query fails likewise. After the standby is promoted, the next connect
// (and the Pool's next query) lands on it.
func TestScenarioFailover(t *testing.T) {
	noLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	primary, standby := primaryAndStandby(ctx, t)

	cfg, err := pgmoon.ParseConfig(primary.DSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Fallbacks = []*pgmoon.FallbackConfig{{Host: standby.Host(), Port: uint16(standby.Port())}}
	cfg.TargetSessionAttrs = pgmoon.TargetSessionReadWrite
	cfg.ConnectTimeout = 5 * time.Second
	cfg.Pool.MaxConns = 2
	pool, err := pgmoon.NewPool(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	port := func() (string, error) {
		var p string
		err := pool.QueryRow(ctx, "select inet_server_port()::text").Scan(&p)
		return p, err
	}
	pPort, sPort := strconv.Itoa(primary.Port()), strconv.Itoa(standby.Port())
	if got, err := port(); err != nil || got != pPort {
		t.Fatalf("both up: port %s, %v; want the primary's %s", got, err, pPort)
	}

	if err := primary.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = pgmoon.Connect(ctx, cfg)
	var ce *pgmoon.ConnectError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "session is read-only") || !strings.Contains(err.Error(), ":"+pPort) || !strings.Contains(err.Error(), ":"+sPort) {
		t.Errorf("read-write with the primary down: %v, want a ConnectError naming both hosts and the read-only standby", err)
	}
	// The pool's idle connection died with the primary; it is found
	// before it is handed out, and no new one can be made.
	if _, err := port(); !errors.As(err, &ce) || errors.Is(err, pgmoon.ErrResultUnknown) {
		t.Errorf("pool query with the primary down: %v, want a ConnectError", err)
	}

	if err := standby.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := port(); err != nil || got != sPort {
		t.Errorf("after promotion: port %s, %v; want the promoted standby's %s", got, err, sPort)
	}
	conn, err := pgmoon.Connect(ctx, cfg)
	if err != nil {
		t.Fatalf("connect after promotion: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "create table after_failover (id int)"); err != nil {
		t.Errorf("write on the new primary: %v", err)
	}
}
