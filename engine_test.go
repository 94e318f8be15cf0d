package pgmoon_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/protocol"
)

var allModes = []pgmoon.QueryExecMode{
	pgmoon.ExecModeCacheStatement, pgmoon.ExecModeCacheDescribe, pgmoon.ExecModeDescribeExec,
	pgmoon.ExecModeExec, pgmoon.ExecModeSimpleProtocol,
}

// dsnWith adds a key=value setting to a connection string of either form.
func dsnWith(dsn, kv string) string {
	switch {
	case !strings.Contains(dsn, "://"):
		return dsn + " " + kv
	case strings.Contains(dsn, "?"):
		return dsn + "&" + kv
	default:
		return dsn + "?" + kv
	}
}

// modeConn connects with mode as the connection's default exec mode.
func modeConn(t *testing.T, mode pgmoon.QueryExecMode) *pgmoon.Conn {
	t.Helper()
	cfg, err := pgmoon.ParseConfig(dsnWith(pgtest.Default(t).DSN(), "default_query_exec_mode="+mode.String()))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DefaultExecMode != mode {
		t.Fatalf("default_query_exec_mode=%s parsed as %v", mode, cfg.DefaultExecMode)
	}
	return connectConfig(t, cfg)
}

func TestExecModes(t *testing.T) {
	ts := time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.FixedZone("", 5*3600+1800))
	for _, mode := range allModes {
		t.Run(mode.String(), func(t *testing.T) {
			conn := modeConn(t, mode)
			ctx := testCtx(t)
			for range 3 { // first run and cached runs
				var (
					sum   int64
					s     string
					got   time.Time
					b     []byte
					null  *string
					float float64
				)
				err := conn.QueryRow(ctx, "select $1::int8 + $2, $3::text || '!', $4::timestamptz, $5::bytea, $6::text, $7::float8",
					40, 2, "it's", ts, []byte{0, 1, 0xff}, nil, 1.5).Scan(&sum, &s, &got, &b, &null, &float)
				if err != nil {
					t.Fatal(err)
				}
				if sum != 42 || s != "it's!" || !got.Equal(ts) || string(b) != "\x00\x01\xff" || null != nil || float != 1.5 {
					t.Fatalf("got %d %q %v %x %v %v", sum, s, got, b, null, float)
				}
			}
			// Several rows, then the command tag.
			rows, err := conn.Query(ctx, "select g, 'x' || g from generate_series(1, $1::int) g", 5)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for rows.Next() {
				var (
					i int32
					s string
				)
				if err := rows.Scan(&i, &s); err != nil {
					t.Fatal(err)
				}
				n++
				if int(i) != n || s != fmt.Sprint("x", n) {
					t.Fatalf("row %d: %d %q", n, i, s)
				}
			}
			if rows.Err() != nil || n != 5 || rows.CommandTag().String() != "SELECT 5" {
				t.Fatalf("n=%d err=%v tag=%v", n, rows.Err(), rows.CommandTag())
			}
			// Exec, and a server error that leaves the connection ready.
			tag, err := conn.Exec(ctx, "select 1 from generate_series(1, 3)")
			if err != nil || tag.RowsAffected() != 3 {
				t.Fatalf("exec: %v %v", tag, err)
			}
			if _, err := conn.Exec(ctx, "select 1/0"); !errors.Is(err, &pgmoon.PgError{Code: "22012"}) {
				t.Fatalf("division by zero: %v", err)
			}
			if scalar(t, conn, "select 'ready'") != "ready" {
				t.Fatal("connection not ready after an error")
			}
		})
	}
}

func TestExecModePerCall(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	// In the simple protocol every value arrives as text.
	rows, err := conn.Query(ctx, "select 1::int4", pgmoon.ExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if f := rows.FieldDescriptions(); len(f) != 1 || f[0].Format != 0 {
		t.Fatalf("simple protocol fields: %+v", f)
	}
	rows, err = conn.Query(ctx, "select 1::int4")
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if f := rows.FieldDescriptions(); len(f) != 1 || f[0].Format != 1 {
		t.Fatalf("cached statement fields: %+v", f)
	}
	if _, err := conn.Exec(ctx, "select 1", pgmoon.QueryExecMode(99)); err == nil || !strings.Contains(err.Error(), "invalid") {
		t.Fatalf("invalid mode: %v", err)
	}
}

// preparedStatements lists the connection's server-side prepared statements.
func preparedStatements(t *testing.T, conn *pgmoon.Conn) map[string]string {
	t.Helper()
	res, err := conn.SimpleQuery(testCtx(t), "select name, statement from pg_prepared_statements")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, row := range res[0].Rows {
		out[string(row[0])] = string(row[1])
	}
	return out
}

func TestStatementCacheLRU(t *testing.T) {
	cfg, err := pgmoon.ParseConfig(dsnWith(pgtest.Default(t).DSN(), "statement_cache_capacity=2"))
	if err != nil {
		t.Fatal(err)
	}
	conn := connectConfig(t, cfg)
	ctx := testCtx(t)
	exec := func(sql string) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	exec("select 1")
	exec("select 1") // cached: prepared once
	exec("select 2")
	if got := preparedStatements(t, conn); len(got) != 2 || got["pgmoon_1"] != "select 1" || got["pgmoon_2"] != "select 2" {
		t.Fatalf("after two statements: %v", got)
	}
	exec("select 1") // select 2 is now the least recently used
	exec("select 3") // evicts select 2, closed with the next statement
	exec("select 1")
	got := preparedStatements(t, conn)
	if len(got) != 2 || got["pgmoon_1"] != "select 1" || got["pgmoon_3"] != "select 3" {
		t.Fatalf("after eviction: %v", got)
	}

	// statement_cache_capacity=0 disables the cache: nothing stays prepared.
	cfg, err = pgmoon.ParseConfig(dsnWith(pgtest.Default(t).DSN(), "statement_cache_capacity=0"))
	if err != nil {
		t.Fatal(err)
	}
	conn = connectConfig(t, cfg)
	if _, err := conn.Exec(ctx, "select $1::int", 1); err != nil {
		t.Fatal(err)
	}
	if got := preparedStatements(t, conn); len(got) != 0 {
		t.Fatalf("disabled cache prepared %v", got)
	}
}

func TestCacheInvalidation(t *testing.T) {
	for _, mode := range []pgmoon.QueryExecMode{pgmoon.ExecModeCacheStatement, pgmoon.ExecModeCacheDescribe} {
		t.Run(mode.String(), func(t *testing.T) {
			conn := modeConn(t, mode)
			ctx := testCtx(t)
			table := "inval_" + mode.String()
			mustExec(t, conn, fmt.Sprintf("drop table if exists %s; create table %s (a int); insert into %[2]s values (1)", table, table))
			t.Cleanup(func() { conn.Exec(context.Background(), "drop table if exists "+table) })
			sel := "select * from " + table
			columns := func() int {
				t.Helper()
				rows, err := conn.Query(ctx, sel)
				if err != nil {
					t.Fatalf("%s: %v", sel, err)
				}
				defer rows.Close()
				if !rows.Next() {
					t.Fatalf("no row: %v", rows.Err())
				}
				vals, err := rows.Values()
				if err != nil {
					t.Fatal(err)
				}
				return len(vals)
			}
			if n := columns(); n != 1 {
				t.Fatalf("%d columns", n)
			}
			// The result type changes under the cached statement: outside a
			// transaction the driver prepares again and retries.
			mustExec(t, conn, "alter table "+table+" add column b text default 'b'")
			if n := columns(); n != 2 {
				t.Fatalf("after ALTER TABLE: %d columns", n)
			}
			mustExec(t, conn, "alter table "+table+" alter column a type bigint")
			var a int64
			var b string
			if err := conn.QueryRow(ctx, sel).Scan(&a, &b); err != nil || a != 1 || b != "b" {
				t.Fatalf("after ALTER COLUMN TYPE: %v %v %v", a, b, err)
			}

			// DISCARD ALL drops every prepared statement of the session.
			mustExec(t, conn, "discard all")
			if n := columns(); n != 2 {
				t.Fatalf("after DISCARD ALL: %d", n)
			}

			// Inside a transaction the error is returned, not retried: the
			// transaction has failed. After it, the statement works again.
			mustExec(t, conn, "begin")
			mustExec(t, conn, "alter table "+table+" add column c int")
			rows, err := conn.Query(ctx, sel)
			if err == nil {
				rows.Close()
			}
			if mode == pgmoon.ExecModeCacheStatement {
				if !errors.Is(err, &pgmoon.PgError{Code: "0A000"}) {
					t.Fatalf("in a transaction: %v", err)
				}
			} else if err != nil {
				// Unnamed statements are parsed again on each run; the
				// changed columns are read from the RowDescription.
				t.Fatalf("in a transaction (describe mode): %v", err)
			}
			mustExec(t, conn, "rollback")
			if n := columns(); n != 2 {
				t.Fatalf("after rollback: %d", n)
			}
		})
	}
}

func mustExec(t *testing.T, conn *pgmoon.Conn, sql string) {
	t.Helper()
	if _, err := conn.SimpleQuery(testCtx(t), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestPrepareDeallocate(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	desc, err := conn.Prepare(ctx, "add_one", "select $1::int4 + 1 as n")
	if err != nil {
		t.Fatal(err)
	}
	if desc.Name != "add_one" || len(desc.ParamOIDs) != 1 || desc.ParamOIDs[0] != 23 || len(desc.Fields) != 1 || desc.Fields[0].Name != "n" {
		t.Fatalf("description: %+v", desc)
	}
	// Preparing again with the same SQL is fine; other SQL is refused.
	if _, err := conn.Prepare(ctx, "add_one", "select $1::int4 + 1 as n"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Prepare(ctx, "add_one", "select 2"); err == nil {
		t.Fatal("re-prepare with other SQL accepted")
	}
	for _, mode := range []pgmoon.QueryExecMode{pgmoon.ExecModeCacheStatement, pgmoon.ExecModeCacheDescribe, pgmoon.ExecModeDescribeExec, pgmoon.ExecModeExec} {
		var n int32
		if err := conn.QueryRow(ctx, "add_one", mode, 41).Scan(&n); err != nil || n != 42 {
			t.Fatalf("%v: %d %v", mode, n, err)
		}
	}
	// Mistakes are named before anything is sent.
	_, err = conn.Exec(ctx, "add_one", 1, 2)
	if err == nil || !strings.Contains(err.Error(), "1 parameters but 2 arguments") {
		t.Fatalf("argument count: %v", err)
	}
	_, err = conn.Exec(ctx, "add_one", []string{"x"})
	if err == nil || !strings.Contains(err.Error(), "parameter $1") {
		t.Fatalf("argument type: %v", err)
	}
	_, err = conn.Exec(ctx, "add_one", int64(1)<<40)
	if err == nil || !strings.Contains(err.Error(), "parameter $1") {
		t.Fatalf("out of range: %v", err)
	}
	if got := preparedStatements(t, conn); got["add_one"] == "" {
		t.Fatalf("server statements: %v", got)
	}
	if err := conn.Deallocate(ctx, "add_one"); err != nil {
		t.Fatal(err)
	}
	if got := preparedStatements(t, conn); got["add_one"] != "" {
		t.Fatalf("still prepared: %v", got)
	}
	// Now "add_one" is plain SQL again.
	if _, err := conn.Exec(ctx, "add_one", 1); !errors.Is(err, &pgmoon.PgError{Code: "42601"}) {
		t.Fatalf("after deallocate: %v", err)
	}
	if err := conn.Deallocate(ctx, "never_prepared"); err != nil {
		t.Fatalf("deallocate unknown: %v", err)
	}
	if _, err := conn.Prepare(ctx, "bad", "selec 1"); !errors.Is(err, &pgmoon.PgError{Code: "42601"}) {
		t.Fatalf("prepare syntax error: %v", err)
	}
	if _, err := conn.Prepare(ctx, "p2", "select 1"); err != nil {
		t.Fatal(err)
	}
	mustExec(t, conn, "select 1") // a cached statement too
	if _, err := conn.Exec(ctx, "select $1::int", 5); err != nil {
		t.Fatal(err)
	}
	if err := conn.DeallocateAll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := preparedStatements(t, conn); len(got) != 0 {
		t.Fatalf("after DeallocateAll: %v", got)
	}
	if _, err := conn.Exec(ctx, "select $1::int", 5); err != nil {
		t.Fatalf("cache after DeallocateAll: %v", err)
	}
}

func TestExecModeExecArguments(t *testing.T) {
	conn := modeConn(t, pgmoon.ExecModeExec)
	ctx := testCtx(t)
	type cents int64
	var (
		s string
		n int64
	)
	// The server infers every parameter's type from the statement.
	if err := conn.QueryRow(ctx, "select $1 || '', $2 + 0", "text", cents(7)).Scan(&s, &n); err != nil || s != "text" || n != 7 {
		t.Fatalf("got %q %d %v", s, n, err)
	}
	if _, err := conn.Exec(ctx, "select $1::text", struct{}{}); err == nil || !strings.Contains(err.Error(), "struct {}") {
		t.Fatalf("unsupported type: %v", err)
	}
	// The server counts the parameters.
	if _, err := conn.Exec(ctx, "select $1::int, $2::int", 1); !errors.Is(err, &pgmoon.PgError{Code: "08P01"}) {
		t.Fatalf("argument count: %v", err)
	}
	if scalar(t, conn, "select 'ready'") != "ready" {
		t.Fatal("not ready")
	}
}

// TestRoundTrips counts the Sync messages (one per round trip) and the
// Parse messages each mode sends for the same statement run three times.
func TestRoundTrips(t *testing.T) {
	for _, tc := range []struct {
		mode          pgmoon.QueryExecMode
		syncs, parses int
	}{
		{pgmoon.ExecModeCacheStatement, 1 + 3, 1}, // one describe, then Bind/Execute only
		{pgmoon.ExecModeCacheDescribe, 1 + 3, 1 + 3},
		{pgmoon.ExecModeDescribeExec, 2 * 3, 2 * 3},
		{pgmoon.ExecModeExec, 3, 3},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			cfg, err := pgmoon.ParseConfig(dsnWith(pgtest.Default(t).DSN(), "default_query_exec_mode="+tc.mode.String()))
			if err != nil {
				t.Fatal(err)
			}
			var buf lockedBuffer
			cfg.Tracer = protocol.NewTracer(&buf)
			conn := connectConfig(t, cfg)
			for range 3 {
				var n int64
				if err := conn.QueryRow(testCtx(t), "select $1::int8 * 2", 21).Scan(&n); err != nil || n != 42 {
					t.Fatalf("%d %v", n, err)
				}
			}
			out := buf.String()
			if got := strings.Count(out, "\tSync\n"); got != tc.syncs {
				t.Errorf("%d Syncs (round trips), want %d:\n%s", got, tc.syncs, out)
			}
			if got := strings.Count(out, "\tParse\t"); got != tc.parses {
				t.Errorf("%d Parses, want %d", got, tc.parses)
			}
		})
	}
}

// lockedBuffer is a bytes.Buffer safe for the tracer and the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestSimpleProtocolArguments(t *testing.T) {
	conn := modeConn(t, pgmoon.ExecModeSimpleProtocol)
	ctx := testCtx(t)
	for _, evil := range []string{`'; select 1; --`, `\'; select 1; --`, "a\n'b", `$$ || $1 || $$`, "*/ select /*"} {
		var got string
		if err := conn.QueryRow(ctx, "select $1::text /* $1 */ -- $1", evil).Scan(&got); err != nil || got != evil {
			t.Fatalf("%q came back as %q (%v)", evil, got, err)
		}
	}
	var n int64
	if err := conn.QueryRow(ctx, "select 1-$1", -1).Scan(&n); err != nil || n != 2 {
		t.Fatalf("1-$1 with -1: %d %v", n, err)
	}
	if _, err := conn.Exec(ctx, "select $1, $2", 1); err == nil || !strings.Contains(err.Error(), "$2 has no argument") {
		t.Fatalf("missing argument: %v", err)
	}
	if _, err := conn.Exec(ctx, "select 'unterminated $1", 1); err == nil || !strings.Contains(err.Error(), "unterminated") {
		t.Fatalf("unterminated: %v", err)
	}
	// Only UTF-8 sessions get interpolation.
	cfg, err := pgmoon.ParseConfig(dsnWith(pgtest.Default(t).DSN(), "client_encoding=LATIN1"))
	if err != nil {
		t.Fatal(err)
	}
	latin := connectConfig(t, cfg)
	if _, err := latin.Exec(ctx, "select $1::text", pgmoon.ExecModeSimpleProtocol, "x"); err == nil || !strings.Contains(err.Error(), "client_encoding UTF8") {
		t.Fatalf("LATIN1: %v", err)
	}
	if scalar(t, latin, "select 'ready'") != "ready" {
		t.Fatal("not ready")
	}
}
