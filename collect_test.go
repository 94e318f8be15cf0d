package pgmoon_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// query runs sql on conn and fails the test on error.
func query(t testing.TB, conn *pgmoon.Conn, sql string, args ...any) *pgmoon.Rows {
	t.Helper()
	rows, err := conn.Query(testCtx(t), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

// usable checks that conn is free and healthy after a collector returned.
func usable(t *testing.T, conn *pgmoon.Conn) {
	t.Helper()
	if got := scalar(t, conn, "select 'still here'"); got != "still here" {
		t.Fatalf("after: got %q", got)
	}
	if got := conn.TxStatus(); got != 'I' {
		t.Fatalf("after: TxStatus %q, want 'I'", got)
	}
}

// divByZeroAt3 fails with division_by_zero at its third row.
const divByZeroAt3 = "select 1/(3-g) from generate_series(1,5) g"

func wantDivByZero(t *testing.T, err error) {
	t.Helper()
	var pgErr *pgmoon.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "22012" {
		t.Fatalf("err = %v, want a PgError 22012", err)
	}
}

func wantErrContaining(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want one containing %q", err, want)
	}
}

var errStop = errors.New("stop here")

func TestCollectRows(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())

	got, err := pgmoon.CollectRows(query(t, conn, "select g from generate_series(1, 5) g"), pgmoon.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int32{1, 2, 3, 4, 5}, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}

	empty, err := pgmoon.CollectRows(query(t, conn, "select 1 where false"), pgmoon.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	if empty == nil || len(empty) != 0 {
		t.Fatalf("empty result: got %#v, want an empty non-nil slice", empty)
	}

	// The error from fn comes back as it is; the rest is discarded.
	calls := 0
	got, err = pgmoon.CollectRows(query(t, conn, "select g from generate_series(1, 1000) g"), func(row pgmoon.CollectableRow) (int32, error) {
		calls++
		if calls == 3 {
			return 0, errStop
		}
		return pgmoon.RowTo[int32](row)
	})
	if err != errStop || got != nil || calls != 3 {
		t.Fatalf("got %v, %v after %d calls; want nil, errStop after 3", got, err, calls)
	}
	usable(t, conn)

	// A scan error from a row mapper.
	_, err = pgmoon.CollectRows(query(t, conn, "select 'x'::text"), pgmoon.RowTo[int32])
	wantErrContaining(t, err, `scan column 0 ("text")`)
	usable(t, conn)

	// A server error after some rows.
	got, err = pgmoon.CollectRows(query(t, conn, divByZeroAt3), pgmoon.RowTo[int32])
	wantDivByZero(t, err)
	if got != nil {
		t.Fatalf("got %v with the error, want nil", got)
	}
	usable(t, conn)
}

func TestCollectAppendRows(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	type names []string
	s := names{"zero"}
	s, err := pgmoon.AppendRows(s, query(t, conn, "select 'n' || g from generate_series(1, 3) g"), pgmoon.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(names{"zero", "n1", "n2", "n3"}, s); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}

	// On an error the rows before it are kept.
	got, err := pgmoon.AppendRows([]int32{7}, query(t, conn, divByZeroAt3), pgmoon.RowTo[int32])
	wantDivByZero(t, err)
	if diff := cmp.Diff([]int32{7, 0, 1}, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	usable(t, conn)
}

func TestCollectOneRow(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())

	got, err := pgmoon.CollectOneRow(query(t, conn, "select g from generate_series(10, 10000) g"), pgmoon.RowTo[int64])
	if err != nil || got != 10 {
		t.Fatalf("got %v, %v; want 10", got, err)
	}
	usable(t, conn)

	_, err = pgmoon.CollectOneRow(query(t, conn, "select 1 where false"), pgmoon.RowTo[int64])
	if !errors.Is(err, pgmoon.ErrNoRows) || !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("err = %v, want ErrNoRows", err)
	}

	// The statement failing while the rest is discarded is an error.
	_, err = pgmoon.CollectOneRow(query(t, conn, divByZeroAt3), pgmoon.RowTo[int64])
	wantDivByZero(t, err)
	usable(t, conn)

	_, err = pgmoon.CollectOneRow(query(t, conn, "select 1"), func(pgmoon.CollectableRow) (int, error) { return 0, errStop })
	if err != errStop {
		t.Fatalf("err = %v, want errStop", err)
	}
	usable(t, conn)
}

func TestCollectExactlyOneRow(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())

	got, err := pgmoon.CollectExactlyOneRow(query(t, conn, "select 'one'"), pgmoon.RowTo[string])
	if err != nil || got != "one" {
		t.Fatalf("got %q, %v; want one", got, err)
	}

	_, err = pgmoon.CollectExactlyOneRow(query(t, conn, "select 'one' where false"), pgmoon.RowTo[string])
	if !errors.Is(err, pgmoon.ErrNoRows) {
		t.Fatalf("err = %v, want ErrNoRows", err)
	}

	got, err = pgmoon.CollectExactlyOneRow(query(t, conn, "select 'n' || g from generate_series(1, 1000) g"), pgmoon.RowTo[string])
	if !errors.Is(err, pgmoon.ErrTooManyRows) || got != "" {
		t.Fatalf("got %q, %v; want ErrTooManyRows", got, err)
	}
	usable(t, conn)

	// A second row is enough, whatever follows.
	_, err = pgmoon.CollectExactlyOneRow(query(t, conn, divByZeroAt3), pgmoon.RowTo[int32])
	if !errors.Is(err, pgmoon.ErrTooManyRows) {
		t.Fatalf("err = %v, want ErrTooManyRows", err)
	}
	usable(t, conn)

	// A single row followed by the statement's error.
	_, err = pgmoon.CollectExactlyOneRow(query(t, conn, "select 1/(2-g) from generate_series(1,2) g"), pgmoon.RowTo[int32])
	wantDivByZero(t, err)
	usable(t, conn)
}

func TestForEachRow(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())

	var (
		n    int64
		name string
		sum  int64
		seen []string
	)
	tag, err := pgmoon.ForEachRow(query(t, conn, "select g, 'n' || g from generate_series(1, 4) g"), []any{&n, &name}, func() error {
		sum += n
		seen = append(seen, name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if tag.String() != "SELECT 4" || sum != 10 || !cmp.Equal(seen, []string{"n1", "n2", "n3", "n4"}) {
		t.Fatalf("tag %q, sum %d, seen %v", tag, sum, seen)
	}

	// fn's error as it is, and the connection free.
	calls := 0
	tag, err = pgmoon.ForEachRow(query(t, conn, "select g from generate_series(1, 1000) g"), []any{&n}, func() error {
		calls++
		if n == 2 {
			return fmt.Errorf("row %d: %w", n, errStop)
		}
		return nil
	})
	if !errors.Is(err, errStop) || err.Error() != "row 2: stop here" || calls != 2 || tag != (pgmoon.CommandTag{}) {
		t.Fatalf("tag %q, err %v, %d calls", tag, err, calls)
	}
	usable(t, conn)

	// A nil destination skips its column; a nil fn only scans.
	tag, err = pgmoon.ForEachRow(query(t, conn, "select 1, 2"), []any{nil, &n}, nil)
	if err != nil || n != 2 || tag.RowsAffected() != 1 {
		t.Fatalf("tag %q, err %v, n %d", tag, err, n)
	}

	// Scan errors, and server errors.
	_, err = pgmoon.ForEachRow(query(t, conn, "select 1, 2"), []any{&n}, nil)
	wantErrContaining(t, err, "1 destinations for 2 columns")
	calls = 0
	_, err = pgmoon.ForEachRow(query(t, conn, divByZeroAt3), []any{&n}, func() error { calls++; return nil })
	wantDivByZero(t, err)
	if calls != 2 {
		t.Fatalf("%d calls before the error, want 2", calls)
	}
	usable(t, conn)

	// No rows.
	calls = 0
	tag, err = pgmoon.ForEachRow(query(t, conn, "select 1 where false"), []any{&n}, func() error { calls++; return nil })
	if err != nil || calls != 0 || tag.String() != "SELECT 0" {
		t.Fatalf("tag %q, err %v, %d calls", tag, err, calls)
	}
}

// mustPanic runs f, which must panic with want.
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		if r := recover(); r != want {
			t.Fatalf("recovered %v, want %q", r, want)
		}
	}()
	f()
}

func TestCollectPanic(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	const many = "select g from generate_series(1, 10000) g"
	boom := func(pgmoon.CollectableRow) (int, error) { panic("boom") }

	for name, f := range map[string]func(rows *pgmoon.Rows){
		"CollectRows":          func(rows *pgmoon.Rows) { pgmoon.CollectRows(rows, boom) },
		"AppendRows":           func(rows *pgmoon.Rows) { pgmoon.AppendRows([]int(nil), rows, boom) },
		"CollectOneRow":        func(rows *pgmoon.Rows) { pgmoon.CollectOneRow(rows, boom) },
		"CollectExactlyOneRow": func(rows *pgmoon.Rows) { pgmoon.CollectExactlyOneRow(rows, boom) },
		"ForEachRow": func(rows *pgmoon.Rows) {
			var n int
			pgmoon.ForEachRow(rows, []any{&n}, func() error { panic("boom") })
		},
	} {
		t.Run(name, func(t *testing.T) {
			mustPanic(t, "boom", func() { f(query(t, conn, many)) })
			usable(t, conn)
		})
	}
}

func TestRowTo(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())

	s, err := pgmoon.CollectOneRow(query(t, conn, "select 'a' || 'b'"), pgmoon.RowTo[string])
	if err != nil || s != "ab" {
		t.Fatalf("got %q, %v", s, err)
	}

	ptrs, err := pgmoon.CollectRows(query(t, conn, "select g::int8 from generate_series(1, 2) g"), pgmoon.RowToAddrOf[int64])
	if err != nil || len(ptrs) != 2 || *ptrs[0] != 1 || *ptrs[1] != 2 || ptrs[0] == ptrs[1] {
		t.Fatalf("got %v, %v", ptrs, err)
	}

	// NULL into a pointer, and into something that cannot hold it.
	p, err := pgmoon.CollectOneRow(query(t, conn, "select null::int4"), pgmoon.RowTo[*int32])
	if err != nil || p != nil {
		t.Fatalf("got %v, %v; want nil", p, err)
	}
	_, err = pgmoon.CollectOneRow(query(t, conn, "select null::int4"), pgmoon.RowToAddrOf[int32])
	wantErrContaining(t, err, "scan column 0")

	_, err = pgmoon.CollectOneRow(query(t, conn, "select 1, 2"), pgmoon.RowTo[int32])
	wantErrContaining(t, err, "1 destinations for 2 columns")
	usable(t, conn)
}

func TestRowToMap(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	got, err := pgmoon.CollectRows(query(t, conn, "select g as id, 'n' || g as name, null::text as note from generate_series(1, 2) g"), pgmoon.RowToMap)
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"id": int32(1), "name": "n1", "note": nil},
		{"id": int32(2), "name": "n2", "note": nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

type collPoint struct{ X, Y int32 }

type collBase struct {
	ID      int64
	Created time.Time `db:"created_at"`
}

type CollAudit struct {
	EditedBy string
	Version  int32 `db:"ver"`
}

type CollAddress struct {
	Street string
	City   string `db:"town"`
}

type collUser struct {
	collBase                // embedded value: its fields are collUser's
	*CollAudit              // embedded pointer, allocated when a column goes in
	FullName    string      // matches full_name, FULLNAME, Full_Name
	EMail       string      `db:"email_address"`
	Secret      string      `db:"-"`
	note        string      // unexported: never set
	Home        CollAddress `db:"home"` // columns home.street, home.town
	Work        *CollAddress
	LastLoginAt time.Time // a struct taking a whole column
	Spot        collPoint // a composite into a struct
}

func TestRowToStructByName(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ts := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

	const full = `select 42::int8 as id, '2024-05-01 12:00:00+00'::timestamptz as created_at,
		'ed' as edited_by, 3 as "VER", 'Ann Lee' as "Full_Name", 'ann@example.com' as email_address,
		'Main St' as "home.street", 'Springfield' as "HOME.TOWN", 'Dock Rd' as "work.street", 'Shelbyville' as "Work.Town",
		'2024-05-01 12:00:00+00'::timestamptz as last_login_at, row(1, 2) as spot`
	want := collUser{
		collBase:    collBase{ID: 42, Created: ts},
		CollAudit:   &CollAudit{EditedBy: "ed", Version: 3},
		FullName:    "Ann Lee",
		EMail:       "ann@example.com",
		Home:        CollAddress{Street: "Main St", City: "Springfield"},
		Work:        &CollAddress{Street: "Dock Rd", City: "Shelbyville"},
		LastLoginAt: ts,
		Spot:        collPoint{1, 2},
	}
	opts := cmp.Options{cmp.AllowUnexported(collUser{}), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })}

	got, err := pgmoon.CollectOneRow(query(t, conn, full), pgmoon.RowToStructByName[collUser])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, opts); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	ptr, err := pgmoon.CollectOneRow(query(t, conn, full), pgmoon.RowToAddrOfStructByName[collUser])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&want, ptr, opts); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}

	// Column order does not matter; a nested struct can take a whole
	// column, here a composite, and a pointer to one a NULL.
	got, err = pgmoon.CollectOneRow(query(t, conn, `select row(1, 2) as spot, row('Elm St', 'Ogdenville') as home, null::record as work,
		'x' as fullname, '' as email_address, 1::int8 as id, now() as created_at, '' as editedby, 0 as ver, now() as lastloginat`),
		pgmoon.RowToStructByName[collUser])
	if err != nil {
		t.Fatal(err)
	}
	if got.Home != (CollAddress{"Elm St", "Ogdenville"}) || got.Work != nil || got.FullName != "x" || got.Spot != (collPoint{1, 2}) {
		t.Fatalf("got %+v", got)
	}

	// Errors name the column or field.
	for _, tc := range []struct{ name, sql, want string }{
		{"extra column", strings.Replace(full, "as spot", "as spot, 1 as nickname", 1),
			`pgmoon: RowToStructByName: pgmoon_test.collUser: no field for column "nickname"`},
		{"skipped field", strings.Replace(full, "as spot", "as spot, 's' as secret", 1),
			`no field for column "secret"`},
		{"unexported field", strings.Replace(full, "as spot", "as spot, 's' as note", 1),
			`no field for column "note"`},
		{"missing column", strings.Replace(full, ", 'Ann Lee' as \"Full_Name\"", "", 1),
			`pgmoon: RowToStructByName: pgmoon_test.collUser: no column for field FullName`},
		{"missing tagged column", strings.Replace(full, ", 'ann@example.com' as email_address", "", 1),
			`no column "email_address" for field EMail`},
		{"missing nested column", strings.Replace(full, ", 'Springfield' as \"HOME.TOWN\"", "", 1),
			`no column "home.town" for field Home.City`},
		{"missing nested struct", strings.Replace(full, `, 'Dock Rd' as "work.street", 'Shelbyville' as "Work.Town"`, "", 1),
			`no column for field Work`},
		{"missing embedded column", strings.Replace(full, ", 3 as \"VER\"", "", 1),
			`no column "ver" for field CollAudit.Version`},
		{"duplicate column", strings.Replace(full, "as spot", "as spot, 'B' as fullname", 1),
			`columns "Full_Name" and "fullname" both go into field FullName`},
		{"whole and part", strings.Replace(full, "as spot", "as spot, row('a', 'b') as home", 1),
			`columns "home" and "home.street" both go into field Home`},
		{"untagged name for tagged field", strings.Replace(full, "email_address", "email", 1),
			`no field for column "email"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pgmoon.CollectOneRow(query(t, conn, tc.sql), pgmoon.RowToStructByName[collUser])
			wantErrContaining(t, err, tc.want)
			usable(t, conn)
		})
	}
}

// collShadow has ID both itself and in its embedded struct; the outer one
// wins, as in Go.
type collShadow struct {
	ID int32
	collBase
}

type collTwoIDs struct {
	collPoint
	Other struct{ X int32 }
	collXY
}

type collXY struct{ X int32 }

func TestRowToStructByNameShadowing(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	got, err := pgmoon.CollectOneRow(query(t, conn, "select 7 as id, now() as created_at"), pgmoon.RowToStructByNameLax[collShadow])
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != 7 || got.collBase.ID != 0 {
		t.Fatalf("got %+v", got)
	}

	_, err = pgmoon.CollectOneRow(query(t, conn, "select 1 as x"), pgmoon.RowToStructByNameLax[collTwoIDs])
	wantErrContaining(t, err, `column "x" matches fields collPoint.X and collXY.X`)
	got2, err := pgmoon.CollectOneRow(query(t, conn, `select 1 as y, 2 as "other.x"`), pgmoon.RowToStructByNameLax[collTwoIDs])
	if err != nil || got2.Y != 1 || got2.Other.X != 2 {
		t.Fatalf("got %+v, %v", got2, err)
	}
}

// collHidden embeds a pointer to an unexported type, which reflect cannot
// allocate.
type collHidden struct {
	*collXY
	Y int32
}

func TestRowToStructUnexportedEmbeddedPointer(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	got, err := pgmoon.CollectOneRow(query(t, conn, "select 2 as y"), pgmoon.RowToStructByNameLax[collHidden])
	if err != nil || got.Y != 2 || got.collXY != nil {
		t.Fatalf("got %+v, %v", got, err)
	}
	_, err = pgmoon.CollectOneRow(query(t, conn, "select 1 as x, 2 as y"), pgmoon.RowToStructByName[collHidden])
	wantErrContaining(t, err, "pgmoon: RowToStructByName: pgmoon_test.collHidden: cannot allocate embedded pointer to unexported type pgmoon_test.collXY")
	usable(t, conn)
}

func TestRowToStructByNameLax(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	got, err := pgmoon.CollectRows(query(t, conn, `select g::int8 as id, 'n' || g as full_name, 'x' as "home.street" from generate_series(1, 2) g`),
		pgmoon.RowToStructByNameLax[collUser])
	if err != nil {
		t.Fatal(err)
	}
	want := []collUser{
		{collBase: collBase{ID: 1}, FullName: "n1", Home: CollAddress{Street: "x"}},
		{collBase: collBase{ID: 2}, FullName: "n2", Home: CollAddress{Street: "x"}},
	}
	// The embedded and nested pointers get no column and stay nil.
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(collUser{})); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}

	ptr, err := pgmoon.CollectOneRow(query(t, conn, `select 'w' as "work.street", 5 as ver`), pgmoon.RowToAddrOfStructByNameLax[collUser])
	if err != nil {
		t.Fatal(err)
	}
	if ptr.Work == nil || ptr.Work.Street != "w" || ptr.CollAudit == nil || ptr.Version != 5 || ptr.FullName != "" {
		t.Fatalf("got %+v", ptr)
	}

	_, err = pgmoon.CollectOneRow(query(t, conn, "select 1 as id, 2 as nickname"), pgmoon.RowToStructByNameLax[collUser])
	wantErrContaining(t, err, `pgmoon: RowToStructByNameLax: pgmoon_test.collUser: no field for column "nickname"`)
	usable(t, conn)
}

type collByPos struct {
	collXY           // flattened: takes the first column
	*CollAddress     // flattened through a pointer: the next two
	Skip         int `db:"-"`
	hidden       int
	At           time.Time // a struct taking one column
	Spot         collPoint `db:"renamed"` // a composite; tags do not matter by position
}

func TestRowToStructByPos(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	got, err := pgmoon.CollectOneRow(query(t, conn, `select 1 as a, 'st' as b, 'ct' as c, '2024-05-01 12:00:00+00'::timestamptz as d, row(3, 4) as e`),
		pgmoon.RowToStructByPos[collByPos])
	if err != nil {
		t.Fatal(err)
	}
	if got.X != 1 || got.CollAddress == nil || *got.CollAddress != (CollAddress{"st", "ct"}) ||
		!got.At.Equal(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)) || got.Spot != (collPoint{3, 4}) || got.Skip != 0 || got.hidden != 0 {
		t.Fatalf("got %+v", got)
	}

	pts, err := pgmoon.CollectRows(query(t, conn, "select g, g * 10 from generate_series(1, 3) g"), pgmoon.RowToAddrOfStructByPos[collPoint])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*collPoint{{1, 10}, {2, 20}, {3, 30}}, pts); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}

	_, err = pgmoon.CollectOneRow(query(t, conn, "select 1, 2, 3"), pgmoon.RowToStructByPos[collPoint])
	wantErrContaining(t, err, "pgmoon: RowToStructByPos: pgmoon_test.collPoint has 2 fields for 3 columns")
	_, err = pgmoon.CollectOneRow(query(t, conn, "select 'a', 2"), pgmoon.RowToStructByPos[collPoint])
	wantErrContaining(t, err, `scan column 0 ("?column?")`)
	usable(t, conn)
}

func TestRowToStructNotStruct(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	for _, tc := range []struct {
		fn   pgmoon.RowToFunc[any]
		want string
	}{
		{func(r pgmoon.CollectableRow) (any, error) { return pgmoon.RowToStructByName[int](r) },
			"pgmoon: RowToStructByName: int is not a struct"},
		{func(r pgmoon.CollectableRow) (any, error) { return pgmoon.RowToStructByNameLax[*collPoint](r) },
			"pgmoon: RowToStructByNameLax: *pgmoon_test.collPoint is not a struct"},
		{func(r pgmoon.CollectableRow) (any, error) { return pgmoon.RowToAddrOfStructByPos[[]int](r) },
			"pgmoon: RowToStructByPos: []int is not a struct"},
		{func(r pgmoon.CollectableRow) (any, error) { return pgmoon.RowToAddrOfStructByName[map[string]any](r) },
			"pgmoon: RowToStructByName: map[string]interface {} is not a struct"},
	} {
		_, err := pgmoon.CollectOneRow(query(t, conn, "select 1 as x"), tc.fn)
		if err == nil || err.Error() != tc.want {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
	usable(t, conn)
}

// The plan a type gets depends on the columns: queries with other columns,
// one after the other and at the same time on several connections, each
// get theirs.
func TestRowToStructPlans(t *testing.T) {
	dsn := pgtest.Default(t).DSN()
	type rec struct {
		A, B int32
		C    string
	}
	queries := []struct {
		sql  string
		want rec
	}{
		{"select 1 as a, 2 as b, 'c' as c", rec{1, 2, "c"}},
		{"select 'c' as c, 1 as b, 2 as a", rec{2, 1, "c"}},
		{"select 5 as b, 6 as a", rec{6, 5, ""}},
	}
	var wg sync.WaitGroup
	for w := range 3 {
		conn := connect(t, dsn)
		wg.Go(func() {
			for i := range 30 {
				q := queries[(i+w)%len(queries)]
				rows, err := conn.Query(t.Context(), q.sql+" from generate_series(1, 3)")
				if err != nil {
					t.Error(err)
					return
				}
				got, err := pgmoon.CollectRows(rows, pgmoon.RowToStructByNameLax[rec])
				if err != nil {
					t.Error(err)
					return
				}
				for _, g := range got {
					if g != q.want {
						t.Errorf("%s: got %+v, want %+v", q.sql, g, q.want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestRowsSeq(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())

	var got []int32
	for row, err := range pgmoon.RowsSeq(query(t, conn, "select g from generate_series(1, 4) g")) {
		if err != nil {
			t.Fatal(err)
		}
		var n int32
		if err := row.Scan(&n); err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	if !cmp.Equal(got, []int32{1, 2, 3, 4}) {
		t.Fatalf("got %v", got)
	}

	for _, err := range pgmoon.RowsSeq(query(t, conn, "select 1 where false")) {
		t.Fatalf("empty result: loop ran (err %v)", err)
	}

	t.Run("break", func(t *testing.T) {
		rows := query(t, conn, "select g from generate_series(1, 100000) g")
		n := 0
		for _, err := range pgmoon.RowsSeq(rows) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 3 {
				break
			}
		}
		if n != 3 || rows.Next() || rows.Err() != nil {
			t.Fatalf("n %d, rows still open or failed: %v", n, rows.Err())
		}
		usable(t, conn)
	})

	t.Run("panic", func(t *testing.T) {
		rows := query(t, conn, "select g from generate_series(1, 100000) g")
		mustPanic(t, "boom", func() {
			for range pgmoon.RowsSeq(rows) {
				panic("boom")
			}
		})
		usable(t, conn)
	})

	t.Run("server error", func(t *testing.T) {
		var vals []int32
		var errs []error
		for row, err := range pgmoon.RowsSeq(query(t, conn, divByZeroAt3)) {
			if err != nil {
				if row != nil {
					t.Errorf("row %v with the error, want nil", row)
				}
				errs = append(errs, err)
				continue
			}
			var n int32
			if err := row.Scan(&n); err != nil {
				t.Fatal(err)
			}
			vals = append(vals, n)
		}
		if !cmp.Equal(vals, []int32{0, 1}) || len(errs) != 1 {
			t.Fatalf("rows %v, errors %v; want 2 rows and 1 error", vals, errs)
		}
		wantDivByZero(t, errs[0])
		usable(t, conn)
	})
}

func TestSeq(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())

	type item struct {
		ID   int32
		Name string
	}
	var got []item
	for it, err := range pgmoon.Seq(query(t, conn, "select g as id, 'n' || g as name from generate_series(1, 3) g"), pgmoon.RowToStructByName[item]) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, it)
	}
	if diff := cmp.Diff([]item{{1, "n1"}, {2, "n2"}, {3, "n3"}}, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}

	t.Run("fn error", func(t *testing.T) {
		var vals []string
		var errs []error
		for v, err := range pgmoon.Seq(query(t, conn, "select 'a' union all select 'b' union all select null union all select 'd'"), pgmoon.RowTo[string]) {
			if err != nil {
				if v != "" {
					t.Errorf("value %q with the error, want the zero value", v)
				}
				errs = append(errs, err)
				continue // the iterator stops by itself
			}
			vals = append(vals, v)
		}
		if !cmp.Equal(vals, []string{"a", "b"}) || len(errs) != 1 {
			t.Fatalf("values %v, errors %v", vals, errs)
		}
		wantErrContaining(t, errs[0], "scan column 0")
		usable(t, conn)
	})

	t.Run("break", func(t *testing.T) {
		for v, err := range pgmoon.Seq(query(t, conn, "select g from generate_series(1, 100000) g"), pgmoon.RowTo[int64]) {
			if err != nil {
				t.Fatal(err)
			}
			if v == 2 {
				break
			}
		}
		usable(t, conn)
	})

	t.Run("panic", func(t *testing.T) {
		mustPanic(t, "boom", func() {
			for range pgmoon.Seq(query(t, conn, "select g from generate_series(1, 100000) g"), pgmoon.RowTo[int64]) {
				panic("boom")
			}
		})
		mustPanic(t, "boom", func() {
			for range pgmoon.Seq(query(t, conn, "select 1"), func(pgmoon.CollectableRow) (int, error) { panic("boom") }) {
				t.Error("loop body ran")
			}
		})
		usable(t, conn)
	})

	t.Run("server error", func(t *testing.T) {
		var vals []int32
		var errs []error
		for v, err := range pgmoon.Seq(query(t, conn, divByZeroAt3), pgmoon.RowTo[int32]) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			vals = append(vals, v)
		}
		if !cmp.Equal(vals, []int32{0, 1}) || len(errs) != 1 {
			t.Fatalf("values %v, errors %v", vals, errs)
		}
		wantDivByZero(t, errs[0])
		usable(t, conn)
	})
}

// BenchmarkRowToStructByName collects 1000 rows of four columns into
// structs; compare with the same rows scanned by hand into a slice.
func BenchmarkRowToStructByName(b *testing.B) {
	conn := connect(b, pgtest.Default(b).DSN())
	ctx := context.Background()
	const q = `select g::int4 as id, 'name-' || g as name, '2024-05-01 12:00:00+00'::timestamptz + g * interval '1 minute' as created_at,
		g * 1.5::float8 as score from generate_series(1, 1000) g`
	type rec struct {
		ID        int32
		Name      string
		CreatedAt time.Time
		Score     float64
	}
	check := func(b *testing.B, got []rec) {
		if len(got) != 1000 || got[999].ID != 1000 || got[999].Name != "name-1000" || got[999].Score != 1500 {
			b.Fatalf("got %d rows, last %+v", len(got), got[len(got)-1])
		}
	}
	b.Run("RowToStructByName", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rows, err := conn.Query(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			got, err := pgmoon.CollectRows(rows, pgmoon.RowToStructByName[rec])
			if err != nil {
				b.Fatal(err)
			}
			check(b, got)
		}
	})
	b.Run("ScanByHand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rows, err := conn.Query(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			got := []rec{}
			for rows.Next() {
				var r rec
				if err := rows.Scan(&r.ID, &r.Name, &r.CreatedAt, &r.Score); err != nil {
					b.Fatal(err)
				}
				got = append(got, r)
			}
			if err := rows.Err(); err != nil {
				b.Fatal(err)
			}
			check(b, got)
		}
	})
}
