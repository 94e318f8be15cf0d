package compat_test

import (
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/jmoiron/sqlx"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// sqlxSchema is the table the sqlx tests read and write: every column
// sort the tests scan (NULLs, numeric, times, bytea, arrays).
var sqlxSchema = []string{
	`create table people (
		id         bigserial primary key,
		first_name text not null,
		last_name  text not null,
		email      text unique,
		nickname   text,
		age        int,
		balance    numeric(12,2) not null default 0,
		born       timestamptz,
		avatar     bytea,
		tags       text[] not null default '{}',
		created_at timestamptz not null default now()
	)`,
	`insert into people (first_name, last_name, email, nickname, age, balance, born, avatar, tags) values
		('Ada', 'Lovelace', 'ada@example.com', 'Countess', 36, 1234.50, '1815-12-10 00:00:00+00', '\x00ff10', '{math,poetry}'),
		('Alan', 'Turing', 'alan@example.com', null, 41, -0.25, '1912-06-23 00:00:00+00', null, '{}'),
		('Grace', 'Hopper', null, 'Amazing Grace', null, 0, null, '', '{"navy, US",cobol}')`,
}

// openSqlx returns sqlx over a *sql.DB of pgmoon's driver, with the
// people table created and filled.
func openSqlx(t *testing.T) *sqlx.DB {
	t.Helper()
	db := sqlx.NewDb(openDB(t), "postgres")
	mustExec(t, db, sqlxSchema...)
	return db
}

// Name is embedded in Person: sqlx maps its fields as the outer struct's.
type Name struct {
	First string `db:"first_name"`
	Last  string `db:"last_name"`
}

type Person struct {
	ID int64 `db:"id"`
	Name
	Email     sql.NullString `db:"email"`
	Nickname  *string        `db:"nickname"`
	Age       sql.NullInt64  `db:"age"`
	Balance   string         `db:"balance"` // numeric as its exact text
	Born      *time.Time     `db:"born"`
	Avatar    []byte         `db:"avatar"`
	Tags      string         `db:"tags"` // an array as PostgreSQL's text form
	CreatedAt time.Time      `db:"created_at"`
}

func TestSqlxDriverNameAndBindvars(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Default(t).NewDatabase(t)

	// sqlx picks the placeholder style from the driver name. It knows
	// "postgres"; "pgmoon" it does not know until registered.
	if got := sqlx.BindType("postgres"); got != sqlx.DOLLAR {
		t.Errorf(`BindType("postgres") = %d, want DOLLAR (%d)`, got, sqlx.DOLLAR)
	}
	if pgmoonBindTypeAtStart != sqlx.UNKNOWN {
		t.Errorf(`BindType("pgmoon") before BindDriver = %d, want UNKNOWN (%d)`, pgmoonBindTypeAtStart, sqlx.UNKNOWN)
	}

	// Without this package's import of lib/pq, "postgres" is pgmoon's.
	for _, name := range []string{"postgres", "pgmoon"} {
		db, err := sqlx.Open(name, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, ok := db.Driver().(*pgmoon.Driver); !ok {
			t.Errorf("sqlx.Open(%q): driver is %T, want *pgmoon.Driver", name, db.Driver())
		}
		if got, want := db.Rebind("a = ? and b = ?"), "a = $1 and b = $2"; got != want {
			t.Errorf("sqlx.Open(%q).Rebind = %q, want %q", name, got, want)
		}
		var n int
		if err := db.Get(&n, db.Rebind("select ?::int + ?::int"), 40, 2); err != nil || n != 42 {
			t.Errorf("sqlx.Open(%q): Get = %d, %v; want 42", name, n, err)
		}
		rows, err := db.NamedQuery("select cast(:a as int) * cast(:b as int) as product", map[string]any{"a": 6, "b": 7})
		if err != nil {
			t.Fatalf("sqlx.Open(%q): NamedQuery: %v", name, err)
		}
		var product int
		for rows.Next() {
			if err := rows.Scan(&product); err != nil {
				t.Fatal(err)
			}
		}
		if err := rows.Err(); err != nil || product != 42 {
			t.Errorf("sqlx.Open(%q): NamedQuery = %d, %v; want 42", name, product, err)
		}
		rows.Close()
	}

	// A driver name sqlx does not know leaves "?" and ":name" compiled to
	// "?", which PostgreSQL does not read: what sqlx.Open("pgmoon", ...)
	// does without sqlx.BindDriver("pgmoon", sqlx.DOLLAR).
	unknown := sqlx.NewDb(sqlx.MustOpen("pgmoon", dsn).DB, "pgmoon-unregistered")
	defer unknown.Close()
	if got := unknown.Rebind("a = ?"); got != "a = ?" {
		t.Errorf("unknown bindvar: Rebind = %q, want it unchanged", got)
	}
	_, err := unknown.NamedExec("select cast(:a as int)", map[string]any{"a": 1})
	var pgErr *pgmoon.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42601" {
		t.Errorf("NamedExec with an unknown bindvar: err = %v, want a syntax error (42601) from the server", err)
	}
}

func TestSqlxGetSelect(t *testing.T) {
	t.Parallel()
	db := openSqlx(t)

	var ada Person
	if err := db.Get(&ada, "select * from people where email = $1", "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	born := time.Date(1815, 12, 10, 0, 0, 0, 0, time.UTC)
	switch {
	case ada.ID != 1, ada.First != "Ada", ada.Last != "Lovelace":
		t.Errorf("ada = %+v", ada)
	case !ada.Email.Valid || ada.Email.String != "ada@example.com":
		t.Errorf("ada.Email = %+v", ada.Email)
	case ada.Nickname == nil || *ada.Nickname != "Countess":
		t.Errorf("ada.Nickname = %v", ada.Nickname)
	case !ada.Age.Valid || ada.Age.Int64 != 36:
		t.Errorf("ada.Age = %+v", ada.Age)
	case ada.Balance != "1234.50":
		t.Errorf("ada.Balance = %q, want the numeric's text 1234.50", ada.Balance)
	case ada.Born == nil || !ada.Born.Equal(born):
		t.Errorf("ada.Born = %v, want %v", ada.Born, born)
	case string(ada.Avatar) != "\x00\xff\x10":
		t.Errorf("ada.Avatar = %x", ada.Avatar)
	case ada.Tags != "{math,poetry}":
		t.Errorf("ada.Tags = %q", ada.Tags)
	case time.Since(ada.CreatedAt) > time.Hour || time.Since(ada.CreatedAt) < -time.Hour:
		t.Errorf("ada.CreatedAt = %v, not about now", ada.CreatedAt)
	}

	// NULLs into sql.Null* and pointers; an empty bytea is an empty,
	// non-nil slice, a NULL one nil.
	var people []Person
	if err := db.Select(&people, "select * from people order by id"); err != nil {
		t.Fatal(err)
	}
	if len(people) != 3 {
		t.Fatalf("Select: %d people, want 3", len(people))
	}
	alan, grace := people[1], people[2]
	if alan.Nickname != nil || alan.Avatar != nil || alan.Balance != "-0.25" || alan.Tags != "{}" {
		t.Errorf("alan = %+v", alan)
	}
	if grace.Email.Valid || grace.Age.Valid || grace.Born != nil {
		t.Errorf("grace: NULLs not NULL: %+v", grace)
	}
	if grace.Avatar == nil || len(grace.Avatar) != 0 {
		t.Errorf("grace.Avatar = %#v, want an empty non-nil slice", grace.Avatar)
	}
	if grace.Tags != `{"navy, US",cobol}` {
		t.Errorf("grace.Tags = %q", grace.Tags)
	}

	// numeric into float64 and string; Select into a slice of scalars.
	var balances []float64
	if err := db.Select(&balances, "select balance from people order by id"); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(balances, []float64{1234.5, -0.25, 0}) {
		t.Errorf("balances as float64 = %v", balances)
	}
	var big string
	if err := db.Get(&big, "select 123456789012345678901234567890.123456789::numeric"); err != nil || big != "123456789012345678901234567890.123456789" {
		t.Errorf("big numeric as string = %q, %v", big, err)
	}
	var names []string
	if err := db.Select(&names, "select first_name from people where age > $1 order by id", 30); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(names, []string{"Ada", "Alan"}) {
		t.Errorf("names = %v", names)
	}

	// No row: sql.ErrNoRows, as database/sql has it.
	var none Person
	if err := db.Get(&none, "select * from people where id = $1", 99); !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("Get of no row: err = %v, want sql.ErrNoRows", err)
	}
	// A column the struct lacks is an error of sqlx's, unless Unsafe.
	var short struct {
		ID int64 `db:"id"`
	}
	if err := db.Get(&short, "select id, first_name from people where id = 1"); err == nil || !strings.Contains(err.Error(), "missing destination name first_name") {
		t.Errorf("Get with an unmapped column: err = %v", err)
	}
	if err := db.Unsafe().Get(&short, "select id, first_name from people where id = 1"); err != nil || short.ID != 1 {
		t.Errorf("Unsafe().Get = %+v, %v", short, err)
	}
}

func TestSqlxNamed(t *testing.T) {
	t.Parallel()
	db := openSqlx(t)

	nick := "Doc"
	p := Person{Name: Name{First: "Edsger", Last: "Dijkstra"}, Nickname: &nick, Balance: "10.10",
		Email: sql.NullString{String: "ewd@example.com", Valid: true}, Avatar: []byte{1, 2}}
	res, err := db.NamedExec(`insert into people (first_name, last_name, email, nickname, balance, avatar)
		values (:first_name, :last_name, :email, :nickname, :balance, :avatar)`, p)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		t.Errorf("NamedExec: RowsAffected = %d, %v", n, err)
	}
	// LastInsertId is not PostgreSQL's: use RETURNING.
	if _, err := res.LastInsertId(); err == nil {
		t.Errorf("LastInsertId: no error")
	}

	// A map, and a slice of structs (one multi-row insert).
	if _, err := db.NamedExec(`update people set age = :age where first_name = :name`,
		map[string]any{"age": 72, "name": "Edsger"}); err != nil {
		t.Fatal(err)
	}
	batch := []Person{
		{Name: Name{"Barbara", "Liskov"}, Balance: "1"},
		{Name: Name{"Donald", "Knuth"}, Balance: "2.5"},
	}
	if res, err := db.NamedExec(`insert into people (first_name, last_name, balance) values (:first_name, :last_name, :balance)`, batch); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 2 {
		t.Errorf("batch NamedExec: RowsAffected = %d, want 2", n)
	}

	// NamedQuery with a struct and with a map. sqlx reads "::" as an
	// escaped ":" and refuses a ":" right after a name: casts of named
	// parameters are written CAST(:name AS type).
	rows, err := db.NamedQuery(`select * from people where last_name = :last_name and balance = cast(:balance as numeric)`, p)
	if err != nil {
		t.Fatal(err)
	}
	var got []Person
	for rows.Next() {
		var q Person
		if err := rows.StructScan(&q); err != nil {
			t.Fatal(err)
		}
		got = append(got, q)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(got) != 1 || got[0].Age.Int64 != 72 || *got[0].Nickname != "Doc" || string(got[0].Avatar) != "\x01\x02" {
		t.Errorf("NamedQuery(struct) = %+v", got)
	}

	rows, err = db.NamedQuery(`select first_name from people where balance >= :min order by balance`, map[string]any{"min": 2})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		names = append(names, s)
	}
	rows.Close()
	if !reflect.DeepEqual(names, []string{"Donald", "Edsger", "Ada"}) {
		t.Errorf("NamedQuery(map) = %v", names)
	}

	// A named query compiled once, run twice.
	stmt, err := db.PrepareNamed(`select count(*) from people where balance > :min`)
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	for _, c := range []struct {
		min  float64
		want int
	}{{0, 4}, {5, 2}} {
		var n int
		if err := stmt.Get(&n, map[string]any{"min": c.min}); err != nil || n != c.want {
			t.Errorf("NamedStmt.Get(min %v) = %d, %v; want %d", c.min, n, err, c.want)
		}
	}
}

func TestSqlxInRebind(t *testing.T) {
	t.Parallel()
	db := openSqlx(t)

	q, args, err := sqlx.In("select first_name from people where id in (?) and balance >= ? order by id", []int64{1, 2, 3}, 0)
	if err != nil {
		t.Fatal(err)
	}
	q = db.Rebind(q)
	if want := "select first_name from people where id in ($1, $2, $3) and balance >= $4 order by id"; q != want {
		t.Errorf("In + Rebind = %q, want %q", q, want)
	}
	var names []string
	if err := db.Select(&names, q, args...); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(names, []string{"Ada", "Grace"}) {
		t.Errorf("In: names = %v", names)
	}

	// Named + In + Rebind.
	q, args, err = sqlx.Named("select count(*) from people where first_name in (:names)", map[string]any{"names": []string{"Ada", "Alan"}})
	if err != nil {
		t.Fatal(err)
	}
	if q, args, err = sqlx.In(q, args...); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Get(&n, db.Rebind(q), args...); err != nil || n != 2 {
		t.Errorf("Named+In: count = %d, %v", n, err)
	}

	// With pgmoon a Go slice is also one array parameter as it is:
	// no In, and one statement for any length.
	if err := db.Select(&names, "select first_name from people where id = any($1) order by id", []int64{2, 3}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(names, []string{"Alan", "Grace"}) {
		t.Errorf("= any($1) with a []int64: names = %v", names)
	}
}

func TestSqlxTransactions(t *testing.T) {
	t.Parallel()
	db := openSqlx(t)
	count := func() int {
		t.Helper()
		var n int
		if err := db.Get(&n, "select count(*) from people"); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Rolled back: nothing stays.
	tx, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	tx.MustExec("insert into people (first_name, last_name) values ($1, $2)", "Temp", "Orary")
	var inside int
	if err := tx.Get(&inside, "select count(*) from people"); err != nil || inside != 4 {
		t.Errorf("count inside tx = %d, %v; want 4", inside, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 3 {
		t.Errorf("after rollback: %d people, want 3", n)
	}

	// MustExec panics with the server's error; the failed transaction
	// is then rolled back.
	tx = db.MustBegin()
	func() {
		defer func() {
			r := recover()
			err, _ := r.(error)
			var pgErr *pgmoon.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "23505" || pgErr.ConstraintName != "people_email_key" {
				t.Errorf("MustExec of a duplicate: panic(%v), want the unique violation", r)
			}
		}()
		tx.MustExec("insert into people (first_name, last_name, email) values ('X', 'Y', 'ada@example.com')")
	}()
	// The transaction has failed: the next statement says so.
	_, err = tx.Exec("select 1")
	var pgErr *pgmoon.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "25P02" {
		t.Errorf("statement in a failed transaction: err = %v, want 25P02", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}

	// Committed, with a prepared statement of the transaction.
	tx, err = db.BeginTxx(t.Context(), &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		t.Fatal(err)
	}
	var iso string
	if err := tx.Get(&iso, "show transaction_isolation"); err != nil || iso != "serializable" {
		t.Errorf("transaction_isolation = %q, %v", iso, err)
	}
	ins, err := tx.Preparex("insert into people (first_name, last_name) values ($1, $2)")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []Name{{"Ken", "Thompson"}, {"Dennis", "Ritchie"}} {
		if _, err := ins.Exec(n.First, n.Last); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 5 {
		t.Errorf("after commit: %d people, want 5", n)
	}

	// Read-only transactions are refused writes by the server.
	tx, err = db.BeginTxx(t.Context(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec("delete from people")
	if !errors.As(err, &pgErr) || pgErr.Code != "25006" {
		t.Errorf("write in a read-only transaction: err = %v, want 25006", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
}

func TestSqlxPreparedReused(t *testing.T) {
	t.Parallel()
	db := openSqlx(t)

	get, err := db.Preparex("select * from people where id = $1")
	if err != nil {
		t.Fatal(err)
	}
	defer get.Close()
	for i, want := range []string{"Ada", "Alan", "Grace", "Ada"} {
		var p Person
		if err := get.Get(&p, i%3+1); err != nil {
			t.Fatal(err)
		}
		if p.First != want {
			t.Errorf("run %d: %q, want %q", i, p.First, want)
		}
	}
	var all []Person
	if err := get.Select(&all, 2); err != nil || len(all) != 1 {
		t.Errorf("Stmt.Select = %d rows, %v", len(all), err)
	}
	// A statement that does not parse fails at Prepare.
	_, err = db.Preparex("selec 1")
	var pgErr *pgmoon.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42601" {
		t.Errorf("Preparex of bad SQL: err = %v, want 42601", err)
	}
	// The argument count is checked before anything is sent.
	if _, err := get.Exec(); err == nil || !strings.Contains(err.Error(), "expected 1 arguments, got 0") {
		t.Errorf("Stmt.Exec without its argument: err = %v", err)
	}
}

func TestSqlxRowScans(t *testing.T) {
	t.Parallel()
	db := openSqlx(t)

	var p Person
	if err := db.QueryRowx("select * from people where id = $1", 3).StructScan(&p); err != nil {
		t.Fatal(err)
	}
	if p.First != "Grace" || p.Email.Valid {
		t.Errorf("StructScan = %+v", p)
	}

	// MapScan: the driver's own values. Text (and numeric, arrays) is a
	// string, integers int64, bytea []byte, timestamptz time.Time, NULL
	// nil. (lib/pq gives text as []byte; pgx's stdlib as string.)
	m := map[string]any{}
	if err := db.QueryRowx("select id, first_name, age, balance, born, avatar, tags, nickname from people where id = 2").MapScan(m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"id": int64(2), "first_name": "Alan", "age": int64(41), "balance": "-0.25",
		"born": time.Date(1912, 6, 23, 0, 0, 0, 0, time.UTC), "avatar": nil, "tags": "{}", "nickname": nil,
	}
	for k, w := range want {
		g := m[k]
		if gt, ok := g.(time.Time); ok {
			if wt, _ := w.(time.Time); !gt.Equal(wt) {
				t.Errorf("MapScan[%s] = %v, want %v", k, g, w)
			}
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("MapScan[%s] = %#v, want %#v", k, g, w)
		}
	}

	vals, err := db.QueryRowx("select first_name, avatar, true, 1.5::float8 from people where id = 1").SliceScan()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(vals, []any{"Ada", []byte{0, 0xff, 0x10}, true, 1.5}) {
		t.Errorf("SliceScan = %#v", vals)
	}

	// Queryx: the column types, then a loop of StructScan.
	rows, err := db.Queryx("select id, first_name, last_name from people order by id")
	if err != nil {
		t.Fatal(err)
	}
	cts, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	var names []Name
	for rows.Next() {
		var r struct {
			ID int64 `db:"id"`
			Name
		}
		if err := rows.StructScan(&r); err != nil {
			t.Fatal(err)
		}
		names = append(names, r.Name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(names) != 3 || names[2] != (Name{"Grace", "Hopper"}) {
		t.Errorf("Queryx names = %v", names)
	}
	if len(cts) != 3 || cts[0].DatabaseTypeName() != "INT8" || cts[1].DatabaseTypeName() != "TEXT" {
		t.Errorf("column types: %v", cts)
	}
}

// snakeCase is FirstName -> first_name, for sqlx's MapperFunc.
func snakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestSqlxColumnNameMapping(t *testing.T) {
	t.Parallel()
	db := openSqlx(t)

	// Without tags sqlx lower-cases field names: FirstName -> firstname,
	// which a column alias can meet.
	var plain struct {
		ID        int64
		FirstName string
	}
	if err := db.Get(&plain, "select id, first_name as firstname from people where id = 1"); err != nil || plain.FirstName != "Ada" {
		t.Errorf("default mapper: %+v, %v", plain, err)
	}

	// A MapperFunc maps untagged fields; tags still win.
	db.MapperFunc(snakeCase)
	var snake struct {
		ID        int64 `db:"id"`
		FirstName string
		Surname   string `db:"last_name"`
		CreatedAt time.Time
	}
	if err := db.Get(&snake, "select id, first_name, last_name, created_at from people where id = 2"); err != nil {
		t.Fatal(err)
	}
	if snake.FirstName != "Alan" || snake.Surname != "Turing" || snake.CreatedAt.IsZero() {
		t.Errorf("snake-case mapper: %+v", snake)
	}
}
