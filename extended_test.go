package pgmoon_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/types"
)

func TestQueryParametersAndScan(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)

	rows, err := conn.Query(ctx, "select n, n::text, n * 1.5::float8, n % 2 = 0 from generate_series(1, $1::int4) n", 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var (
			n    int32
			s    string
			f    float64
			even bool
		)
		if err := rows.Scan(&n, &s, &f, &even); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{s, time.Duration(f * float64(time.Second)).String(), map[bool]string{true: "even", false: "odd"}[even]}, " "))
		if s != strings.TrimSpace(s) || int32(len(got)) != n {
			t.Errorf("row %d: n = %d, s = %q", len(got), n, s)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := "1 1.5s odd|2 3s even|3 4.5s odd"; strings.Join(got, "|") != want {
		t.Errorf("rows = %q, want %q", strings.Join(got, "|"), want)
	}
	if tag := rows.CommandTag().String(); tag != "SELECT 3" {
		t.Errorf("tag = %q", tag)
	}
	for i, f := range rows.FieldDescriptions() {
		if f.Format != int16(types.BinaryFormat) {
			t.Errorf("column %d arrived in format %d, want binary", i, f.Format)
		}
	}

	// Text results on request.
	var s string
	var n int64
	if err := conn.QueryRow(ctx, "select 42::int8, 'x'", pgmoon.QueryResultFormats{types.TextFormat}).Scan(&n, &s); err != nil || n != 42 || s != "x" {
		t.Errorf("text formats: %d %q %v", n, s, err)
	}
}

// User mistakes are named and leave the connection usable.
func TestQueryMistakes(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	check := func(name string, err error, want ...string) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", name)
			return
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", name, err, w)
			}
		}
		var one int32
		if err := conn.QueryRow(ctx, "select 1").Scan(&one); err != nil || one != 1 {
			t.Errorf("%s: connection not usable afterwards: %v", name, err)
		}
	}

	_, err := conn.Exec(ctx, "select $1::int4, $2::text", 1)
	check("argument count", err, "2 parameters", "1 arguments")

	_, err = conn.Exec(ctx, "select $1::int4", time.Now())
	check("unsupported type", err, "parameter $1", "time.Time", "int4")

	_, err = conn.Exec(ctx, "select $1::int4", int64(1)<<40)
	check("overflow in encode", err, "parameter $1", "out of range")

	_, err = conn.Exec(ctx, "selec 1")
	check("syntax error", err, "42601")

	var small int32
	err = conn.QueryRow(ctx, "select 3000000000::int8 as big").Scan(&small)
	check("int8 overflow into int32", err, `column 0 ("big")`, "int8", "*int32", "out of range")

	var s string
	err = conn.QueryRow(ctx, "select null::text as nothing").Scan(&s)
	check("NULL into *string", err, `column 0 ("nothing")`, "NULL", "*string")

	var ts time.Time
	err = conn.QueryRow(ctx, "select 1::int4 as one").Scan(&ts)
	check("impossible conversion", err, `"one"`, "int4", "*time.Time")

	err = conn.QueryRow(ctx, "select 1 where false").Scan(&small)
	if !errors.Is(err, pgmoon.ErrNoRows) {
		t.Errorf("no rows: %v", err)
	}

	_, err = conn.Exec(ctx, "select 1/$1::int4", 0)
	check("error during execution", err, "22012")

	var ps *string
	if err := conn.QueryRow(ctx, "select null::text").Scan(&ps); err != nil || ps != nil {
		t.Errorf("NULL into **string: %v %v", ps, err)
	}
}

func TestExecTag(t *testing.T) {
	conn := connect(t, pgtest.Default(t).NewDatabase(t))
	ctx := testCtx(t)
	if _, err := conn.Exec(ctx, "create table t (id int4 primary key, name text)"); err != nil {
		t.Fatal(err)
	}
	tag, err := conn.Exec(ctx, "insert into t select g, 'n' || g from generate_series(1, $1::int4) g", 5)
	if err != nil || tag.RowsAffected() != 5 {
		t.Fatalf("insert: %v %v", tag, err)
	}
	var name *string
	if err := conn.QueryRow(ctx, "select name from t where id = $1", int8(3)).Scan(&name); err != nil || name == nil || *name != "n3" {
		t.Errorf("select: %v %v", name, err)
	}
}

// Rows hold the connection until read or closed; closing early discards
// the rest; a context that ends during the rows cancels the statement on
// the server and leaves the connection usable.
func TestRowsLifecycle(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)

	rows, err := conn.Query(ctx, "select g from generate_series(1, 100000) g")
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	if _, err := conn.Exec(ctx, "select 1"); !errors.Is(err, pgmoon.ErrConnBusy) {
		t.Errorf("second call while rows are open: %v, want ErrConnBusy", err)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rows.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if rows.Next() {
		t.Error("Next after Close")
	}
	if tag := rows.CommandTag().String(); tag != "SELECT 100000" {
		t.Errorf("tag after Close = %q", tag)
	}

	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = conn.Exec(short, "select pg_sleep(30)")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "57014") {
		t.Errorf("cancelled query: %v, want the deadline and SQLSTATE 57014", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("cancel took %v", d)
	}
	var one int32
	if err := conn.QueryRow(ctx, "select $1::int4", 1).Scan(&one); err != nil || one != 1 {
		t.Errorf("after cancel: %v %v", one, err)
	}
}

// reg* columns arrive as names; parameters may be names or OIDs.
func TestRegTypes(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	var name string
	var oid uint32
	if err := conn.QueryRow(ctx, "select $1::regclass, $2::regclass::oid", "pg_class", uint32(1259)).Scan(&name, &oid); err != nil || name != "pg_class" || oid != 1259 {
		t.Errorf("regclass: %q %d %v", name, oid, err)
	}
	var typ string
	if err := conn.QueryRow(ctx, "select pg_typeof($1::int4)", 1).Scan(&typ); err != nil || typ != "integer" {
		t.Errorf("pg_typeof: %q %v", typ, err)
	}
}
