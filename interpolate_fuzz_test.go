package pgmoon_test

import (
	"context"
	"flag"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// fuzzPayloads are argument values that would show if they escaped their
// literal: each tries to end whatever it might be inside and run a
// statement of its own.
var fuzzPayloads = []string{
	"x", "", "'", `\`, `\'`, "''", "\n", "\r",
	"'; select 'pwned'; --",
	`\'; select 'pwned'; --`,
	"\n; select 'pwned'; --",
	"*/ ; select 'pwned'; /*",
	"*/*/*/ ; select 'pwned'; --",
	"$$; select 'pwned'; --",
	"$a$; select 'pwned'; --",
	"\"; select 'pwned'; --",
	"'\n; select 'pwned'; --",
	"ünï 😀",
}

var fuzzInts = []int64{-1, 0, 5, -5, math.MinInt64, math.MaxInt64, math.MinInt32, 1 << 40}

// fuzzFragments are SQL text the fuzz targets start from: every lexer case,
// without its "select ", and some more.
func fuzzFragments() []string {
	var frags []string
	for _, c := range lexCases {
		frags = append(frags, strings.TrimPrefix(c.sql, "select "))
	}
	return append(frags,
		"1-", "1 -", "-", "- ", "+", "/", "*", "1", "'a'", "'a'\n", "\n'b'", "E'a'\n", "B'1'\n",
		"$1", "$2", "$1, $2", "$2::text || $1", "$1::text", "length($1)", "1-$2", "$2-1",
		"'a' /* $1 */, $2", "$q$ -- $q$, $1", "E'\\\\'", "e'\\'' || $1", "U&", "u&'x'", "N", "x",
		"1e", "1.", ".", "$", "$$", "$a", "/*", "--", "*/", "'", "\"", "\"a\"", "1 as \"a\"\"\"",
		// Valid statements whichever way the server reads them, so that
		// the server can tell how many parameters it found.
		"1 as foo$1", "1 as a$b$, $1::text", "1 as n$1", "/* /* */ $1 */ 1", "/*/ $1 */ $2",
		"'\\', $1 --'", "e'\\', $1 --'", "E'\\\\', $1", "B'1', $1 --'", "U&'a', $1",
		"$$a$$, $1", "$a$ $$ $a$, $1", "$$ $a$ $$, $1", "$a$ $1 $A$ $a$", "1 as x, 2 -- $1\n",
		"'a' -- c\n'b', $1", "'a'\n'\\', $1 --'", "E'a'\n'\\', $1 --'", "$1 as \"$2\"",
		"1 as \"a\"\"$1\"", "$1::text as u&\"x\"", "1 */* $1 */ + $2", "1 +-- $1\n$2",
	)
}

// lexedParams returns the highest placeholder number in sql, as the lexer
// finds them, and whether it lexed.
func lexedParams(sql string, scs bool) (int, error) {
	toks, err := pgmoon.LexSQL(sql, scs)
	maxN := 0
	for _, tok := range toks {
		if tok.Kind == "param" {
			maxN = max(maxN, tok.Param)
		}
	}
	return maxN, err
}

// statementCount is how many results the server's simple protocol returns
// for sql that runs without error, as the lexer sees it: one per statement
// holding more than white space and comments, and one for an empty query.
func statementCount(t *testing.T, sql string, scs bool) int {
	t.Helper()
	toks, err := pgmoon.LexSQL(sql, scs)
	if err != nil {
		t.Fatalf("lex %q: %v", sql, err)
	}
	n, empty := 0, true
	for _, tok := range toks {
		switch {
		case tok.Kind == "code" && tok.Text == ";":
			if !empty {
				n++
			}
			empty = true
		case tok.Kind != "space" && tok.Kind != "comment":
			empty = false
		}
	}
	if !empty {
		n++
	}
	return max(n, 1)
}

// fuzzArgs is the arguments for a template: $1 and $2 are arg and n in
// the order variant says.
func fuzzArgs(arg string, n int64, variant int) []any {
	if variant == 0 {
		return []any{arg, n}
	}
	return []any{n, arg}
}

func FuzzInterpolate(f *testing.F) {
	for i, frag := range fuzzFragments() {
		f.Add("select "+frag, fuzzPayloads[i%len(fuzzPayloads)], fuzzInts[i%len(fuzzInts)], i%2 == 0, i%3 == 0)
	}
	f.Fuzz(func(t *testing.T, sql, arg string, n int64, scsOff, swap bool) {
		scs := !scsOff
		variant := 0
		if swap {
			variant = 1
		}
		args := fuzzArgs(arg, n, variant)
		maxN, lexErr := lexedParams(sql, scs)
		if maxN <= len(args) {
			args = args[:maxN]
		}
		out, err := pgmoon.Interpolate(sql, args, scs)
		if err != nil {
			return
		}
		if lexErr != nil {
			t.Fatalf("interpolate(%q) = %q, but the lexer refuses it: %v", sql, out, lexErr)
		}
		if strings.Contains(out, "\x00") {
			t.Fatalf("interpolate(%q) = %q holds a NUL", sql, out)
		}
		// The output must lex as the input with each placeholder replaced
		// by its literal's tokens: nothing joined, nothing swallowed.
		in, _ := pgmoon.LexSQL(sql, scs)
		var want []string
		for _, tok := range in {
			switch tok.Kind {
			case "space":
			case "param":
				lit, err := pgmoon.Interpolate("$1", []any{args[tok.Param-1]}, scs)
				if err != nil {
					t.Fatalf("interpolate $1 alone with %#v: %v", args[tok.Param-1], err)
				}
				litToks, err := lexSummary(lit, scs)
				if err != nil {
					t.Fatalf("literal %q does not lex: %v", lit, err)
				}
				want = append(want, litToks...)
			default:
				want = append(want, tok.Kind+":"+tok.Text)
			}
		}
		got, err := lexSummary(out, scs)
		if err != nil {
			t.Fatalf("interpolate(%q) = %q, which does not lex: %v", sql, out, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("interpolate(%q, %#v) = %q lexes differently: (-want +got)\n%s", sql, args, out, diff)
		}
	})
}

// The server fuzz target runs in the worker processes of "go test -fuzz",
// where pgtest.Main starts no server and pgtest.Default fails: the
// coordinating process, which has the server, creates a database for the
// run and passes its connection string down in fuzzDSNEnv (workers inherit
// the environment the coordinator has when it starts fuzzing).
const fuzzDSNEnv = "PGMOON_FUZZ_INTERPOLATE_DSN"

func fuzzWorker() bool {
	f := flag.Lookup("test.fuzzworker")
	return f != nil && f.Value.String() == "true"
}

// fuzzServerDSN returns the connection string the server fuzz target's
// connections use: a database of its own, as an unprivileged role where
// pgtest has one.
func fuzzServerDSN(f *testing.F) string {
	if fuzzWorker() {
		dsn := os.Getenv(fuzzDSNEnv)
		if dsn == "" {
			f.Fatalf("%s is not set in this fuzz worker", fuzzDSNEnv)
		}
		return dsn
	}
	srv := pgtest.Default(f)
	db := srv.NewDatabase(f)
	dsn := db
	if u, err := srv.User(pgtest.MethodTrust); err == nil {
		cfg, err := pgmoon.ParseConfig(db)
		if err != nil {
			f.Fatal(err)
		}
		dsn = srv.URL(u.Name, u.Password, cfg.Database)
	}
	f.Setenv(fuzzDSNEnv, dsn)
	return dsn
}

// A fuzzConn is one of the server fuzz target's connections, kept for the
// whole process.
type fuzzConn struct {
	cfg  *pgmoon.Config
	conn *pgmoon.Conn
}

var fuzzServer struct {
	mu    sync.Mutex
	dsn   string       // what conns are connected to
	conns [2]*fuzzConn // standard_conforming_strings on, off
	major int
	err   error
}

// fuzzConns connects once per process and database, the first time the
// fuzz function runs (with -count, each run has a database of its own).
func fuzzConns(t *testing.T, dsn string) ([2]*fuzzConn, int) {
	fuzzServer.mu.Lock()
	defer fuzzServer.mu.Unlock()
	if fuzzServer.dsn != dsn {
		for _, fc := range fuzzServer.conns {
			if fc != nil && fc.conn != nil {
				fc.conn.Close(context.Background())
			}
		}
		fuzzServer.dsn, fuzzServer.err = dsn, nil
		fuzzServer.conns = [2]*fuzzConn{}
		func() {
			for i, scs := range []string{"on", "off"} {
				cfg, err := pgmoon.ParseConfig(dsn)
				if err != nil {
					fuzzServer.err = err
					return
				}
				cfg.RuntimeParams["standard_conforming_strings"] = scs
				cfg.RuntimeParams["statement_timeout"] = "5s"
				cfg.RuntimeParams["lock_timeout"] = "1s"
				fc := &fuzzConn{cfg: cfg}
				if fuzzServer.err = fc.reconnect(); fuzzServer.err != nil {
					return
				}
				fuzzServer.conns[i] = fc
			}
			// server_version is "15.18 (Debian 15.18-0+deb12u1)" or "9.6.24".
			v := fuzzServer.conns[0].conn.ParameterStatus("server_version")
			v = v[:len(v)-len(strings.TrimLeft(v, "0123456789"))]
			fuzzServer.major, fuzzServer.err = strconv.Atoi(v)
		}()
	}
	if fuzzServer.err != nil {
		t.Fatalf("fuzz server: %v", fuzzServer.err)
	}
	return fuzzServer.conns, fuzzServer.major
}

func (fc *fuzzConn) reconnect() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgmoon.Connect(ctx, fc.cfg)
	if err != nil {
		return err
	}
	fc.conn = conn
	return nil
}

func fuzzCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// FuzzInterpolateServer checks the lexer against the server's own. For SQL
// built around a fuzzed fragment, the server prepares the statement with
// real parameters (PREPARE), which says how many it found; that must be
// how many the lexer found. Then the prepared statement runs with the
// fuzzed values (EXECUTE), and the interpolated SQL runs with the simple
// protocol: where EXECUTE succeeds, the interpolated SQL must succeed with
// the same rows and command tag, and wherever the interpolated SQL
// succeeds, the server must have run as many statements as the lexer sees,
// so a value that escaped its literal into code shows. The values are
// payloads that try to break out of every kind of quoting; every check runs
// on two connections, standard_conforming_strings on and off.
//
// EXECUTE's statement is prepared a second time with each parameter
// declared as the type of the literal interpolate writes (unknown for a
// string, int4 or int8 for an integer), so that both sides run the same
// expressions. Run it with
//
//	go test -run XXX -fuzz FuzzInterpolateServer -fuzztime 60s .
//
// (-fuzzminimizetime 5s keeps the minimizing of new inputs from pausing
// the fuzzing for long on a busy machine.)
func FuzzInterpolateServer(f *testing.F) {
	dsn := fuzzServerDSN(f)
	for i, frag := range fuzzFragments() {
		f.Add(frag, fuzzPayloads[i%len(fuzzPayloads)], fuzzInts[i%len(fuzzInts)])
	}
	f.Fuzz(func(t *testing.T, frag, arg string, n int64) {
		if len(frag) > 256 || len(arg) > 256 {
			return
		}
		conns, major := fuzzConns(t, dsn)
		for _, fc := range conns {
			if fc.conn.IsClosed() {
				if err := fc.reconnect(); err != nil {
					t.Fatalf("reconnect: %v", err)
				}
			}
			for _, sql := range []string{
				"select " + frag,
				"select " + frag + "$1",
				"select $1::text" + frag,
			} {
				for variant := range 2 {
					checkInterpolation(t, fc, major, sql, fuzzArgs(arg, n, variant))
				}
			}
		}
	})
}

// checkInterpolation runs one server check of FuzzInterpolateServer.
func checkInterpolation(t *testing.T, fc *fuzzConn, major int, sql string, allArgs []any) {
	conn := fc.conn
	ctx := fuzzCtx(t)
	defer restoreFuzzSession(t, fc)
	scs := conn.ParameterStatus("standard_conforming_strings") == "on"
	maxN, lexErr := lexedParams(sql, scs)

	// The server's view: how many parameters, and the rows with them.
	_, prepErr := conn.Exec(ctx, "prepare fz0 as "+sql)
	if prepErr == nil {
		count := scalar(t, conn, "select cardinality(parameter_types) from pg_prepared_statements where name = 'fz0'")
		if lexErr != nil && major == 15 {
			// PostgreSQL 15 rejects all the lexer refuses (later servers
			// accept 0x1F and 1_000, which the lexer refuses before a
			// quote or $).
			t.Errorf("the lexer refuses %q (%v), but the server prepared it", sql, lexErr)
		}
		if lexErr == nil && count != strconv.Itoa(maxN) {
			t.Errorf("%q (standard_conforming_strings %v): the server found %s parameters, the lexer %d", sql, scs, count, maxN)
		}
	}
	if lexErr != nil || maxN > len(allArgs) {
		return
	}
	args := allArgs[:maxN]
	out, interpErr := pgmoon.Interpolate(sql, args, scs)
	var execRes []*pgmoon.Result
	var execErr error
	if prepErr == nil {
		// Again with each parameter of the type its interpolated literal
		// has, so that both run the same expressions.
		var decl, vals []string
		for _, a := range args {
			lit, err := pgmoon.AppendLiteral(nil, a)
			if err != nil {
				return // not a value interpolate takes either
			}
			vals = append(vals, string(lit))
			decl = append(decl, literalType(a))
		}
		prep := "prepare fz1 as "
		if len(decl) > 0 {
			prep = "prepare fz1(" + strings.Join(decl, ", ") + ") as "
		}
		if _, err := conn.Exec(ctx, prep+sql); err == nil {
			exec := "execute fz1"
			if len(vals) > 0 {
				exec += "(" + strings.Join(vals, ", ") + ")"
			}
			execRes, execErr = runRolledBack(t, conn, exec)
		}
	}
	if interpErr != nil {
		if execRes != nil && execErr == nil {
			t.Errorf("%q with %#v: the server ran it, but interpolate refused: %v", sql, args, interpErr)
		}
		return
	}
	res, err := runRolledBack(t, conn, out)
	if err == nil {
		if want := statementCount(t, out, scs); len(res) != want {
			t.Errorf("%q with %#v interpolated as %q (standard_conforming_strings %v): the server ran %d statements, the lexer sees %d",
				sql, args, out, scs, len(res), want)
		}
	}
	if execRes == nil || execErr != nil {
		return
	}
	if err != nil {
		t.Errorf("%q with %#v interpolated as %q (standard_conforming_strings %v): %v; EXECUTE ran it",
			sql, args, out, scs, err)
		return
	}
	if len(res) != 1 {
		return // reported above
	}
	got, want := res[0], execRes[0]
	if got.CommandTag.String() != want.CommandTag.String() || len(got.Fields) != len(want.Fields) ||
		!cmp.Equal(got.Rows, want.Rows) {
		t.Errorf("%q with %#v interpolated as %q (standard_conforming_strings %v): %s %q, EXECUTE gave %s %q",
			sql, args, out, scs, got.CommandTag, got.Rows, want.CommandTag, want.Rows)
	}
}

// literalType is the type of the literal interpolate writes for a, as a
// PREPARE parameter type: unknown (inferred) for a string, the type of an
// integer constant for an int64. The server types a negated constant by
// its value, so (-2147483648) is an int4 although 2147483648 is an int8.
func literalType(a any) string {
	if n, ok := a.(int64); ok {
		if n >= math.MinInt32 && n <= math.MaxInt32 {
			return "int4"
		}
		return "int8"
	}
	return "unknown"
}

// runRolledBack runs sql in a transaction it rolls back, and returns the
// results after BEGIN's.
func runRolledBack(t *testing.T, conn *pgmoon.Conn, sql string) ([]*pgmoon.Result, error) {
	res, err := conn.SimpleQuery(fuzzCtx(t), "begin;"+sql)
	if conn.IsClosed() {
		return nil, err
	}
	if _, rbErr := conn.SimpleQuery(fuzzCtx(t), "rollback"); rbErr != nil && !conn.IsClosed() {
		t.Fatalf("rollback: %v", rbErr)
	}
	if len(res) > 0 {
		res = res[1:]
	}
	return res, err
}

// restoreFuzzSession undoes what a check's SQL may have left behind.
func restoreFuzzSession(t *testing.T, fc *fuzzConn) {
	if fc.conn.IsClosed() {
		if err := fc.reconnect(); err != nil {
			t.Fatalf("reconnect: %v", err)
		}
		return
	}
	stmts := []string{"deallocate all"}
	if fc.conn.TxStatus() != 'I' {
		stmts = []string{"rollback", "deallocate all"}
	}
	if fc.conn.ParameterStatus("standard_conforming_strings") != fc.cfg.RuntimeParams["standard_conforming_strings"] ||
		fc.conn.ParameterStatus("client_encoding") != "UTF8" {
		stmts = append(stmts, "discard all") // not in a transaction block
	}
	for _, sql := range stmts {
		if _, err := fc.conn.SimpleQuery(fuzzCtx(t), sql); err != nil {
			if fc.conn.IsClosed() {
				if err := fc.reconnect(); err != nil {
					t.Fatalf("reconnect: %v", err)
				}
				return
			}
			t.Fatalf("%s: %v", sql, err)
		}
	}
}
