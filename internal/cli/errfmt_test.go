package cli

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

type errCase struct {
	name  string
	query string
}

// errCases are statements that fail or raise a notice; errSetup creates what they use.
const errSetup = `
create table u (id int primary key);
insert into u values (1);
create table c (x int check (x > 0), y int not null default 0);
create table fk (id int references u);
create domain posint as int check (value > 0);
create function sqldiv() returns int language sql as 'select 1/0';
create function plnest() returns int language plpgsql as $$ begin return sqldiv(); end $$;
`

var long = strings.Repeat("1 + ", 40)

var errCases = []errCase{
	{"division by zero", "select 1/0"},
	{"syntax error first char", "selec 1"},
	{"missing relation", "select * from nosuch"},
	{"error on line 3", "select 1,\n  2,\n  foo bar baz"},
	{"error at end of input", "select 1 +"},
	{"long line error far right", "select " + long + "nosuchcol"},
	{"long line error far left", "select nosuchcol, " + long + "1"},
	{"long line error in middle", "select " + long + "nosuchcol, " + long + "1"},
	{"long line error near right end", "select " + long + "nosuchcol + 1 + 2"},
	{"long line on line 2", "select 1,\n" + long + "nosuchcol, " + long + "1\n, 3"},
	{"wide chars before caret", "select '日本語のテキスト', nosuch"},
	{"wide chars long line", "select '" + strings.Repeat("日本語", 12) + "', nosuch, " + long},
	{"emoji before caret", "select '😀😀', nosuch"},
	{"combining char", "select 'e\u0301', nosuch"},
	{"tabs", "select\t1,\t\tnosuch"},
	{"crlf lines", "select 1,\r\n2,\r\nnosuch"},
	{"cr lines", "select 1,\r2,\rnosuch"},
	{"comment before error", "/* lead */ select nosuch"},
	{"unique violation", "insert into u values (1)"},
	{"check violation", "insert into c values (-1)"},
	{"not null violation", "insert into c values (1, null)"},
	{"foreign key violation", "insert into fk values (5)"},
	{"domain check", "select (-1)::posint"},
	{"invalid integer", "select 'abc'::int"},
	{"plpgsql perform", "do $$ begin perform 1/0; end $$"},
	{"plpgsql internal position", "do $$ begin perform nosuchcol; end $$"},
	{"plpgsql internal position multiline", "do $$\nbegin\n  perform 1,\n    nosuchcol;\nend $$"},
	{"raise with hint and detail", "do $$ begin raise exception 'boom %', 42 using hint = 'try again', detail = 'it broke'; end $$"},
	{"raise with sqlstate", "do $$ begin raise sqlstate '22000' using message = 'custom'; end $$"},
	{"sql function", "select sqldiv()"},
	{"nested functions", "select plnest()"},
	{"sql function body error", "create function bad() returns int language sql as 'select nosuch'"},
	{"notice", "do $$ begin raise notice 'hello %', 1; end $$"},
	{"warning with detail", "do $$ begin raise warning 'careful' using detail = 'dd', hint = 'hh'; end $$"},
	{"drop if exists notice", "drop table if exists nosuch"},
	{"multibyte on earlier line", "select '日本',\n 'ü', nosuch"},
}

// errOrNotice runs query and returns the error or the one notice it gave.
func errOrNotice(t *testing.T, ctx context.Context, dsn, query string) *pgmoon.PgError {
	t.Helper()
	cfg, err := pgmoon.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	var notices []*pgmoon.Notice
	cfg.OnNotice = func(_ *pgmoon.Conn, n *pgmoon.Notice) { notices = append(notices, n) }
	conn, err := pgmoon.Connect(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, err = conn.SimpleQuery(ctx, query)
	var pe *pgmoon.PgError
	if errors.As(err, &pe) {
		return pe
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(notices) != 1 {
		t.Fatalf("%q: no error and %d notices", query, len(notices))
	}
	return (*pgmoon.PgError)(notices[0])
}

// TestFormatErrorPsql compares FormatError with what psql -c prints for
// each case, verbosity and SHOW_CONTEXT setting.
func TestFormatErrorPsql(t *testing.T) {
	dsn := pgtest.Default(t).NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := pgmoon.ConnectString(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.SimpleQuery(ctx, errSetup); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			pe := errOrNotice(t, ctx, dsn, tc.query)
			for _, verb := range []string{"default", "verbose", "terse", "sqlstate"} {
				for _, show := range []string{"never", "errors", "always"} {
					if show != "errors" && pe.Where == "" {
						continue
					}
					_, want := psqlDSN(t, dsn, "", "-q", "-v", "VERBOSITY="+verb, "-v", "SHOW_CONTEXT="+show, "-c", tc.query)
					if verb == "default" && isError(pe) {
						want = withSQLState(want, pe)
					}
					got := FormatError(pe, verb, show, tc.query)
					if got != want {
						t.Errorf("VERBOSITY=%s SHOW_CONTEXT=%s:\ngot:\n%s\nwant (psql):\n%s", verb, show, got, want)
					}
				}
			}
		})
	}
}

// withSQLState inserts the SQLSTATE after the severity of psql's first line,
// pgmoon-cli's default verbosity for errors.
func withSQLState(psqlOut string, pe *pgmoon.PgError) string {
	prefix := pe.Severity + ":  "
	if !strings.HasPrefix(psqlOut, prefix) {
		return psqlOut
	}
	return prefix + pe.Code + ": " + psqlOut[len(prefix):]
}

// TestFormatErrorPosition checks the excerpt rules without a server.
func TestFormatErrorPosition(t *testing.T) {
	tests := []struct {
		name  string
		query string
		pos   int32
		want  string
	}{
		{"first char", "selec 1", 1, "LINE 1: selec 1\n        ^\n"},
		{"past end", "select 1 +", 11, "LINE 1: select 1 +\n                  ^\n"},
		{"out of range", "select", 20, ""},
		{"second line", "select 1,\nfoo", 11, "LINE 2: foo\n        ^\n"},
		{"crlf counts once", "a\r\nb\r\nc", 7, "LINE 3: c\n        ^\n"},
		{"tab becomes space", "a\tb", 3, "LINE 1: a b\n          ^\n"},
		{"wide", "日本x", 3, "LINE 1: 日本x\n            ^\n"},
		{"left cut", strings.Repeat("a", 100) + "X", 101,
			"LINE 1: ..." + strings.Repeat("a", 59) + "X\n" + strings.Repeat(" ", 70) + "^\n"},
		{"right cut", "X" + strings.Repeat("a", 100), 1,
			"LINE 1: X" + strings.Repeat("a", 59) + "...\n        ^\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pe := &pgmoon.PgError{Severity: "ERROR", Code: "42601", Message: "m", Position: tc.pos}
			got := FormatError(pe, "verbose", "errors", tc.query)
			want := "ERROR:  42601: m\n" + tc.want
			if got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestFormatErrorTerse(t *testing.T) {
	pe := &pgmoon.PgError{Severity: "ERROR", Code: "42601", Message: "syntax error", Position: 3,
		Detail: "d", Hint: "h", Where: "w"}
	got := FormatError(pe, "terse", "never", "ab cd")
	if want := "ERROR:  syntax error at character 3\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got = FormatError(pe, "sqlstate", "always", "ab cd")
	if want := "ERROR:  42601\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got = FormatError(pe, "terse", "always", "ab cd")
	if want := "ERROR:  syntax error at character 3\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// pgtestDSN returns a fresh database's connection string.
func pgtestDSN(t *testing.T) string {
	t.Helper()
	return pgtest.Default(t).NewDatabase(t)
}

// FuzzFormatError checks that any query and position format without
// panicking, with a caret line when the position is inside the query (an
// empty InternalQuery counts as absent: pgmoon cannot tell them apart).
func FuzzFormatError(f *testing.F) {
	for _, tc := range errCases {
		f.Add(tc.query, int32(len(tc.query)/2), false)
	}
	f.Add("a\r\nb\rc\n", int32(5), true)
	f.Fuzz(func(t *testing.T, query string, pos int32, internal bool) {
		pe := &pgmoon.PgError{Severity: "ERROR", Code: "42601", Message: "m", Detail: "d", Where: "w"}
		if internal {
			pe.InternalQuery, pe.InternalPosition = query, pos
		} else {
			pe.Position = pos
		}
		for _, verb := range []string{"default", "verbose", "terse", "sqlstate"} {
			out := FormatError(pe, verb, "errors", query)
			if !strings.HasSuffix(out, "\n") {
				t.Fatalf("%q does not end with a newline", out)
			}
		}
		out := FormatError(pe, "default", "never", query)
		if pos >= 1 && int(pos) <= utf8.RuneCountInString(query)+1 && (query != "" || !internal) && !strings.Contains(out, "^\n") {
			t.Fatalf("no caret for position %d in %q:\n%s", pos, query, out)
		}
	})
}
