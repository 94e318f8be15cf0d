package pgmoon_test

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// openDB opens a *sql.DB on dsn through the "pgmoon" driver, closed when
// the test ends.
func openDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgmoon", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSQLRegistration(t *testing.T) {
	if !containsString(sql.Drivers(), "pgmoon") || !containsString(sql.Drivers(), "postgres") {
		t.Fatalf("drivers %v, want pgmoon and postgres", sql.Drivers())
	}
	// No other driver took "postgres" in this binary: it is ours.
	db, err := sql.Open("postgres", pgtest.Default(t).DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, ok := db.Driver().(*pgmoon.Driver); !ok {
		t.Errorf("postgres is %T", db.Driver())
	}
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	// A bad connection string is an error of Open's connector, naming
	// the problem and not the password.
	_, err = sql.Open("pgmoon", "postgres://u:secret-pw@h/d?nope=1")
	if err == nil || !strings.Contains(err.Error(), `"nope"`) || strings.Contains(err.Error(), "secret-pw") {
		t.Errorf("bad DSN: %v", err)
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// OpenDB takes a Config built in code, here with a Dialer that counts its
// connections.
func TestSQLOpenDB(t *testing.T) {
	srv := pgtest.Default(t)
	relay := newRelay(t, fmt.Sprintf("%s:%d", srv.Host(), srv.Port()))
	cfg, err := pgmoon.ParseConfig(srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Host = "127.0.0.1"
	cfg.Dialer = relay
	db := pgmoon.OpenDB(cfg)
	defer db.Close()
	var n int
	if err := db.QueryRow("select 40 + $1", 2).Scan(&n); err != nil || n != 42 {
		t.Fatalf("%d, %v", n, err)
	}
	if relay.dials.Load() == 0 {
		t.Error("the Config's Dialer was not used")
	}
}

// sqlModes are the exec modes the conformance tests run in.
var sqlModes = []pgmoon.QueryExecMode{pgmoon.ExecModeCacheStatement, pgmoon.ExecModeCacheDescribe, pgmoon.ExecModeDescribeExec, pgmoon.ExecModeExec, pgmoon.ExecModeSimpleProtocol}

// Every basic type, with values and with NULL, written through arguments
// and read back with Scan, in every exec mode.
func TestSQLConformanceValues(t *testing.T) {
	dsn := pgtest.Default(t).NewDatabase(t)
	setup := openDB(t, dsn)
	if _, err := setup.Exec(`create table vals (
		id int4 primary key, b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, n numeric(10,2),
		t text, vc varchar(20), bp char(3), by bytea, d date, ts timestamp, tz timestamptz,
		u uuid, j jsonb, arr int4[], tarr text[], iv interval)`); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)
	for mi, mode := range sqlModes {
		t.Run(mode.String(), func(t *testing.T) {
			db := openDB(t, dsnWith(dsn, "default_query_exec_mode="+mode.String()))
			args := []any{mi*10 + 1, true, int16(-2), int32(3), int64(1) << 40, float32(1.5), math.Pi, "12345678.91",
				"text ' \\ é", "var", "ab", []byte{0, 1, 2, 0xff}, at, at, at,
				"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `{"k": [1, 2]}`, "{1,2,3}", `{"a b","c"}`, "1 day 02:03:04"}
			if mode != pgmoon.ExecModeExec && mode != pgmoon.ExecModeSimpleProtocol {
				// Modes that know the parameter types take Go values.
				args[17], args[18] = []int32{1, 2, 3}, []string{"a b", "c"}
				args[16] = map[string]any{"k": []int{1, 2}}
			}
			ph := make([]string, len(args))
			for i := range ph {
				ph[i] = fmt.Sprintf("$%d", i+1)
			}
			res, err := db.Exec("insert into vals values ("+strings.Join(ph, ", ")+")", args...)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := res.RowsAffected(); n != 1 || err != nil {
				t.Errorf("RowsAffected = %d, %v", n, err)
			}
			if _, err := res.LastInsertId(); err == nil {
				t.Error("LastInsertId: no error")
			}
			if _, err := db.Exec("insert into vals (id) values ($1)", mi*10+2); err != nil {
				t.Fatal(err)
			}

			var (
				b            bool
				i2, i4       int16
				i8           int64
				f4           float32
				f8           float64
				n            string
				nf           float64
				tx, vc, bp   string
				by           []byte
				d, ts, tz    time.Time
				u, j, arr    string
				tarr, iv     string
				jraw         json.RawMessage
				anyI8, anyTx any
			)
			row := db.QueryRow("select b, i2, i4, i8, f4, f8, n, n, t, vc, bp, by, d, ts, tz, u, j, arr, tarr, iv, j, i8, t from vals where id = $1", mi*10+1)
			if err := row.Scan(&b, &i2, &i4, &i8, &f4, &f8, &n, &nf, &tx, &vc, &bp, &by, &d, &ts, &tz, &u, &j, &arr, &tarr, &iv, &jraw, &anyI8, &anyTx); err != nil {
				t.Fatal(err)
			}
			got := []any{b, i2, i4, i8, f4, f8, n, nf, tx, vc, bp, by, d.Format(time.DateOnly), ts.Equal(at), tz.Equal(at), u, j, arr, tarr, iv, string(jraw), anyI8, anyTx}
			want := []any{true, int16(-2), int16(3), int64(1) << 40, float32(1.5), math.Pi, "12345678.91", 12345678.91, "text ' \\ é", "var", "ab ", []byte{0, 1, 2, 0xff}, "2024-02-29", true, true,
				"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `{"k": [1, 2]}`, "{1,2,3}", `{"a b",c}`, "1 day 02:03:04", `{"k": [1, 2]}`, int64(1) << 40, "text ' \\ é"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}

			// NULL in every column: into sql.Null*, pointers and *any;
			// into a plain type it is an error naming the column.
			var (
				nb  sql.NullBool
				ni  sql.NullInt64
				nf8 sql.NullFloat64
				ns  sql.NullString
				nt  sql.NullTime
				ptr *string
				nby []byte
				na  any = "not nil"
			)
			if err := db.QueryRow("select b, i8, f8, t, tz, vc, by, arr from vals where id = $1", mi*10+2).Scan(&nb, &ni, &nf8, &ns, &nt, &ptr, &nby, &na); err != nil {
				t.Fatal(err)
			}
			if nb.Valid || ni.Valid || nf8.Valid || ns.Valid || nt.Valid || ptr != nil || nby != nil || na != nil {
				t.Errorf("NULLs: %v %v %v %v %v %v %v %v", nb, ni, nf8, ns, nt, ptr, nby, na)
			}
			var plain int64
			if err := db.QueryRow("select i8 from vals where id = $1", mi*10+2).Scan(&plain); err == nil || !strings.Contains(err.Error(), "NULL") {
				t.Errorf("NULL into int64: %v", err)
			}
		})
	}
}

func TestSQLTransactions(t *testing.T) {
	db := openDB(t, pgtest.Default(t).NewDatabase(t))
	ctx := testCtx(t)
	if _, err := db.Exec("create table acct (id int primary key, balance int)"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		level sql.IsolationLevel
		want  string
	}{
		{sql.LevelDefault, "read committed"},
		{sql.LevelReadUncommitted, "read uncommitted"},
		{sql.LevelReadCommitted, "read committed"},
		{sql.LevelRepeatableRead, "repeatable read"},
		{sql.LevelSerializable, "serializable"},
	} {
		for _, ro := range []bool{false, true} {
			tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: tc.level, ReadOnly: ro})
			if err != nil {
				t.Fatal(err)
			}
			var iso, readOnly string
			if err := tx.QueryRow("select current_setting('transaction_isolation'), current_setting('transaction_read_only')").Scan(&iso, &readOnly); err != nil {
				t.Fatal(err)
			}
			if iso != tc.want || readOnly != map[bool]string{false: "off", true: "on"}[ro] {
				t.Errorf("%v read-only %v: isolation %q, read only %q", tc.level, ro, iso, readOnly)
			}
			_, err = tx.Exec("insert into acct values (1, 1) on conflict do nothing")
			if ro && !errors.Is(err, &pgmoon.PgError{Code: "25006"}) {
				t.Errorf("write in a read-only transaction: %v", err)
			}
			tx.Rollback()
		}
	}
	for _, level := range []sql.IsolationLevel{sql.LevelSnapshot, sql.LevelLinearizable, sql.LevelWriteCommitted} {
		if _, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: level}); err == nil || !strings.Contains(err.Error(), "not supported") {
			t.Errorf("%v: %v", level, err)
		}
	}
	// Commit keeps, Rollback undoes; a failed transaction's commit says so.
	tx, _ := db.Begin()
	tx.Exec("insert into acct values (10, 100)")
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	tx, _ = db.Begin()
	tx.Exec("insert into acct values (11, 100)")
	tx.Rollback()
	tx, _ = db.Begin()
	tx.Exec("insert into acct values (12, 100)")
	if _, err := tx.Exec("insert into acct values (10, 1)"); !errors.Is(err, &pgmoon.PgError{Code: "23505"}) {
		t.Errorf("duplicate: %v", err)
	}
	if err := tx.Commit(); !errors.Is(err, pgmoon.ErrTxCommitRollback) {
		t.Errorf("commit of a failed transaction: %v", err)
	}
	var ids []int
	rows, err := db.Query("select id from acct order by id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int
		rows.Scan(&id)
		ids = append(ids, id)
	}
	if !cmp.Equal(ids, []int{10}) {
		t.Errorf("ids %v, want [10]", ids)
	}
}

// A cancelled context stops the statement on the server (the backend
// is idle again), and the connection is reused.
func TestSQLContextCancel(t *testing.T) {
	dsn := pgtest.Default(t).DSN()
	db := openDB(t, dsn)
	db.SetMaxOpenConns(1)
	var pid int
	if err := db.QueryRow("select pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	watcher := connect(t, dsn)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := db.ExecContext(ctx, "select pg_sleep(30)")
		done <- err
	}()
	waitFor(t, watcher, sleepingQuery(uint32(pid)), "1")
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) || !errors.Is(err, queryCanceled) {
		t.Fatalf("err = %v, want context.Canceled and query_canceled", err)
	}
	waitFor(t, watcher, fmt.Sprintf("select state from pg_stat_activity where pid = %d", pid), "idle")
	var again int
	if err := db.QueryRow("select pg_backend_pid()").Scan(&again); err != nil || again != pid {
		t.Errorf("after the cancel: pid %d, %v; want the same connection %d", again, err, pid)
	}

	// Cancelled while reading rows: database/sql closes the rows.
	ctx, cancel = context.WithCancel(context.Background())
	// Rows sent before the sleep, more than the server buffers, so that
	// the first ones arrive while it sleeps.
	rows, err := db.QueryContext(ctx, "select g, repeat('x', 100), pg_sleep(case when g = 2000 then 30 else 0 end) from generate_series(1, 4000) g")
	if err != nil {
		t.Fatal(err)
	}
	rows.Next()
	cancel()
	for rows.Next() {
	}
	if err := rows.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("rows.Err = %v", err)
	}
	if err := db.Ping(); err != nil {
		t.Errorf("ping after: %v", err)
	}
}

// A prepared statement is prepared once on its connection and reused by
// every execution; one that does not parse fails at Prepare.
func TestSQLPreparedStatements(t *testing.T) {
	db := openDB(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const q = "select $1::int4 * 2 -- prepared once"
	stmt, err := conn.PrepareContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		var n int
		if err := stmt.QueryRowContext(ctx, i).Scan(&n); err != nil || n != 2*i {
			t.Fatalf("run %d: %d, %v", i, n, err)
		}
	}
	if _, err := stmt.ExecContext(ctx, 1, 2); err == nil || !strings.Contains(err.Error(), "expected 1 arguments, got 2") {
		t.Errorf("wrong argument count: %v", err)
	}
	stmt.Close()
	var count, runs int64
	if err := conn.QueryRowContext(ctx, "select count(*), coalesce(sum(generic_plans + custom_plans), 0) from pg_prepared_statements where statement = $1", q).Scan(&count, &runs); err != nil {
		t.Fatal(err)
	}
	if count != 1 || runs != 10 {
		t.Errorf("pg_prepared_statements: %d statements, %d runs; want 1 statement run 10 times", count, runs)
	}
	if _, err := conn.PrepareContext(ctx, "selec 1"); !errors.Is(err, &pgmoon.PgError{Code: "42601"}) {
		t.Errorf("bad SQL at Prepare: %v", err)
	}
}

// Several statements without arguments return every result set, in
// order; statements that return no rows have none.
func TestSQLNextResultSet(t *testing.T) {
	db := openDB(t, pgtest.Default(t).DSN())
	rows, err := db.Query(`select 1 as a, 'one' as b;
		create temp table nrs (i int);
		select g as n from generate_series(1, 3) g;
		select 'semi;colon' as s where false;
		select $$dollar; quoted$$ as d`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var sets [][]string
	for {
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		set := []string{strings.Join(cols, ",")}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			set = append(set, fmt.Sprint(vals...))
		}
		sets = append(sets, set)
		if !rows.NextResultSet() {
			break
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"a,b", "1one"}, {"n", "1", "2", "3"}, {"s"}, {"d", "dollar; quoted"}}
	if diff := cmp.Diff(want, sets); diff != "" {
		t.Errorf("result sets (-want +got):\n%s", diff)
	}

	// A failing statement ends the sets with its error.
	rows, err = db.Query("select 1; select 1/0; select 3")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
	}
	if rows.NextResultSet() {
		t.Error("a result set after the failing statement")
	}
	if !errors.Is(rows.Err(), &pgmoon.PgError{Code: "22012"}) {
		t.Errorf("err = %v", rows.Err())
	}
	// Closing early discards the rest and leaves the connection ready.
	rows, err = db.Query("select g from generate_series(1, 100) g; select 2")
	if err != nil {
		t.Fatal(err)
	}
	rows.Next()
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}

	// Exec runs a multi-statement script (a migration).
	if _, err := db.Exec("create temp table script (i int); insert into script values (1), (2); update script set i = i * 10"); err != nil {
		t.Fatal(err)
	}
}

func TestSQLColumnTypes(t *testing.T) {
	db := openDB(t, pgtest.Default(t).DSN())
	rows, err := db.Query("select 1::int4 as i, 'x'::varchar(12) as v, 2.5::numeric(8,3) as n, 1.5::numeric as nn, now() as t, 'b'::bytea as by, '{}'::jsonb as j, array[1] as a, true as b, 'x'::text as tx")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	type info struct {
		Name, DB     string
		Len          int64
		LenOK        bool
		Prec, Scale  int64
		DecOK        bool
		Scan         string
		NullOK       bool
		NullableSaid bool
	}
	var got []info
	for _, ct := range cts {
		l, lok := ct.Length()
		p, s, dok := ct.DecimalSize()
		n, nok := ct.Nullable()
		got = append(got, info{ct.Name(), ct.DatabaseTypeName(), l, lok, p, s, dok, ct.ScanType().String(), nok, n})
	}
	want := []info{
		{"i", "INT4", 0, false, 0, 0, false, "int64", false, false},
		{"v", "VARCHAR", 12, true, 0, 0, false, "string", false, false},
		{"n", "NUMERIC", 0, false, 8, 3, true, "string", false, false},
		{"nn", "NUMERIC", 0, false, math.MaxInt64, math.MaxInt64, true, "string", false, false},
		{"t", "TIMESTAMPTZ", 0, false, 0, 0, false, "time.Time", false, false},
		{"by", "BYTEA", math.MaxInt64, true, 0, 0, false, "[]uint8", false, false},
		{"j", "JSONB", math.MaxInt64, true, 0, 0, false, "[]uint8", false, false},
		{"a", "_INT4", 0, false, 0, 0, false, "string", false, false},
		{"b", "BOOL", 0, false, 0, 0, false, "bool", false, false},
		{"tx", "TEXT", math.MaxInt64, true, 0, 0, false, "string", false, false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("column types (-want +got):\n%s", diff)
	}
	// ScanType's values scan into their type.
	for rows.Next() {
		dest := make([]any, len(cts))
		for i, ct := range cts {
			dest[i] = reflect.New(ct.ScanType()).Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatalf("scan into ScanType: %v", err)
		}
	}
}

// A connection the server ended while it sat idle in database/sql's pool
// is replaced without an error; a statement that was sent when the
// connection broke is never retried (its effect, nextval here, happened
// once).
func TestSQLBadConn(t *testing.T) {
	dsn := pgtest.Default(t).NewDatabase(t)
	db := openDB(t, dsn)
	db.SetMaxOpenConns(1)
	admin := connect(t, dsn)
	var pid int
	if err := db.QueryRow("select pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	scalar(t, admin, fmt.Sprintf("select pg_terminate_backend(%d)", pid))
	waitFor(t, admin, fmt.Sprintf("select count(*) from pg_stat_activity where pid = %d", pid), "0")
	time.Sleep(1100 * time.Millisecond) // past the idle time after which the pool checks a connection
	var other int
	if err := db.QueryRow("select pg_backend_pid()").Scan(&other); err != nil || other == pid {
		t.Fatalf("after the server ended the idle connection: pid %d, %v", other, err)
	}

	if _, err := db.Exec("create sequence once"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := db.Exec("select nextval('once'), pg_sleep(30)")
		done <- err
	}()
	waitFor(t, admin, sleepingQuery(uint32(other)), "1")
	scalar(t, admin, fmt.Sprintf("select pg_terminate_backend(%d)", other))
	err := <-done
	if err == nil || errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("err = %v, want the termination, not ErrBadConn", err)
	}
	if got := scalar(t, admin, "select last_value from once"); got != "1" {
		t.Errorf("nextval ran %s times: the statement was retried", got)
	}
	if err := db.Ping(); err != nil {
		t.Errorf("ping after: %v", err)
	}
}

// Arguments: arrays, JSON, driver.Valuer, nil; named arguments refused.
func TestSQLArguments(t *testing.T) {
	db := openDB(t, pgtest.Default(t).DSN())
	var s string
	if err := db.QueryRow("select array_to_string($1::int8[], '+') || ' ' || ($2::jsonb ->> 'k') || ' ' || $3::text || ' ' || coalesce($4::text, 'null')",
		[]int64{1, 2, 3}, map[string]string{"k": "v"}, priceCents(1234), nil).Scan(&s); err != nil {
		t.Fatal(err)
	}
	if s != "1+2+3 v 12.34 null" {
		t.Errorf("got %q", s)
	}
	if err := db.QueryRow("select $1::int", sql.Named("n", 1)).Scan(&s); err == nil || !strings.Contains(err.Error(), "numbered") {
		t.Errorf("named argument: %v", err)
	}
	var raw []byte
	if err := db.QueryRow("select $1::bytea", []byte("\x00raw")).Scan(&raw); err != nil || !bytes.Equal(raw, []byte("\x00raw")) {
		t.Errorf("bytea: %q, %v", raw, err)
	}
}

// priceCents is a driver.Valuer.
type priceCents int64

func (c priceCents) Value() (driver.Value, error) { return fmt.Sprintf("%d.%02d", c/100, c%100), nil }

// sql.Conn.Raw reaches the native connection: COPY and LISTEN/NOTIFY.
func TestSQLRaw(t *testing.T) {
	db := openDB(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "create temp table raw_copy (i int); listen raw_chan"); err != nil {
		t.Fatal(err)
	}
	err = conn.Raw(func(driverConn any) error {
		c := driverConn.(*pgmoon.DriverConn).Conn()
		n, err := c.CopyFrom(ctx, pgmoon.Identifier{"raw_copy"}, []string{"i"}, pgmoon.CopyFromSlice(100, func(i int) ([]any, error) { return []any{i}, nil }))
		if err != nil || n != 100 {
			return fmt.Errorf("copy: %d, %v", n, err)
		}
		if _, err := c.Exec(ctx, "notify raw_chan, 'hi'"); err != nil {
			return err
		}
		note, err := c.WaitForNotification(ctx)
		if err != nil || note.Payload != "hi" {
			return fmt.Errorf("notification %+v, %v", note, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRowContext(ctx, "select count(*) from raw_copy").Scan(&n); err != nil || n != 100 {
		t.Errorf("count %d, %v", n, err)
	}
}

// Server errors come back as the *PgError itself, as tools that inspect
// them expect.
func TestSQLErrors(t *testing.T) {
	db := openDB(t, pgtest.Default(t).DSN())
	_, err := db.Exec("select 1/0")
	if pgErr, ok := err.(*pgmoon.PgError); !ok || pgErr.Code != "22012" {
		t.Errorf("err %T %v, want a *PgError", err, err)
	}
	b, _ := json.Marshal(err)
	if !strings.Contains(string(b), `"Code":"22012"`) {
		t.Errorf("JSON of the error: %s", b)
	}
}
