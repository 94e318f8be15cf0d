package pgmoon_test

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/types"
)

// lexCase is SQL text and the lexer's tokens for it, white space left out,
// each as kind:text; or the error it must give.
type lexCase struct {
	sql     string
	scsOff  bool
	want    []string
	wantErr string
}

var lexCases = []lexCase{
	{sql: "select $1, $2", want: []string{"code:select", "param:$1", "code:,", "param:$2"}},
	{sql: "select $1::text", want: []string{"code:select", "param:$1", "code::", "code::", "code:text"}},

	// Standard strings.
	{sql: "select '$1'", want: []string{"code:select", "string:'$1'"}},
	{sql: "select 'it''s $1', $2", want: []string{"code:select", "string:'it''s $1'", "code:,", "param:$2"}},
	{sql: `select '\', $1`, want: []string{"code:select", `string:'\'`, "code:,", "param:$1"}},
	{sql: `select '\' $1 '`, scsOff: true, want: []string{"code:select", `string:'\' $1 '`}},
	{sql: `select '\\', $1`, scsOff: true, want: []string{"code:select", `string:'\\'`, "code:,", "param:$1"}},
	{sql: `select N'\' $1 '`, scsOff: true, want: []string{"code:select", `string:N'\' $1 '`}},
	{sql: "select n'$1'", want: []string{"code:select", "string:n'$1'"}},

	// Escape strings: a backslash escapes whatever standard_conforming_strings is.
	{sql: `select E'\' $1'`, want: []string{"code:select", `string:E'\' $1'`}},
	{sql: `select e'\\', $1`, want: []string{"code:select", `string:e'\\'`, "code:,", "param:$1"}},
	{sql: `select E'''$1', $2`, want: []string{"code:select", `string:E'''$1'`, "code:,", "param:$2"}},
	{sql: `select E'\\\'$1'`, want: []string{"code:select", `string:E'\\\'$1'`}},
	// A prefix only where a token starts.
	{sql: `select ae'\', $1`, want: []string{"code:select", "code:ae", `string:'\'`, "code:,", "param:$1"}},
	{sql: `select a.e'\' $1'`, want: []string{"code:select", "code:a", "code:.", `string:e'\' $1'`}},

	// Bit strings: no doubled quotes and no backslash escapes, even with
	// standard_conforming_strings off.
	{sql: "select B'1''$1'", want: []string{"code:select", "string:B'1'", "string:'$1'"}},
	{sql: `select B'\' $1 --'`, scsOff: true, want: []string{"code:select", `string:B'\'`, "param:$1", "comment:--'"}},
	{sql: `select x'\'||$1`, scsOff: true, want: []string{"code:select", `string:x'\'`, "code:|", "code:|", "param:$1"}},

	// Unicode strings and identifiers.
	{sql: `select U&'\0041 $1'`, want: []string{"code:select", `string:U&'\0041 $1'`}},
	{sql: `select u&'a''$1' uescape '!'`, want: []string{"code:select", `string:u&'a''$1'`, "code:uescape", "string:'!'"}},
	{sql: `select U&"a$1"`, want: []string{"code:select", `ident:U&"a$1"`}},
	{sql: `select U&'x'`, scsOff: true, wantErr: "standard_conforming_strings off"},
	{sql: `select u &'$1'`, want: []string{"code:select", "code:u", "code:&", "string:'$1'"}},

	// Continuation: a string constant goes on across white space with a
	// newline, keeping its kind.
	{sql: "select 'a'\n'$1'", want: []string{"code:select", "string:'a'\n'$1'"}},
	{sql: "select 'a' '$1', $2", want: []string{"code:select", "string:'a'", "string:'$1'", "code:,", "param:$2"}},
	{sql: "select E'a'\n'\\' $1 --'", want: []string{"code:select", "string:E'a'\n'\\' $1 --'"}},
	{sql: "select E'a' -- c\r'\\' $1 --'", want: []string{"code:select", "string:E'a' -- c\r'\\' $1 --'"}},
	{sql: "select E'a'\n-- c\n  '\\' $1 --'", want: []string{"code:select", "string:E'a'\n-- c\n  '\\' $1 --'"}},
	{sql: "select E'a' /* c */\n'\\', $1", want: []string{"code:select", "string:E'a'", "comment:/* c */", "string:'\\'", "code:,", "param:$1"}},
	{sql: "select B'1'\n'\\' $1 --'", scsOff: true, want: []string{"code:select", "string:B'1'\n'\\'", "param:$1", "comment:--'"}},

	// Quoted identifiers.
	{sql: `select "a""$1", $2`, want: []string{"code:select", `ident:"a""$1"`, "code:,", "param:$2"}},
	{sql: `select "\", $1`, want: []string{"code:select", `ident:"\"`, "code:,", "param:$1"}},
	{sql: `select ""`, wantErr: "zero-length quoted identifier"},

	// Dollar quotes.
	{sql: "select $$ $1 $$, $2", want: []string{"code:select", "string:$$ $1 $$", "code:,", "param:$2"}},
	{sql: "select $tag$ $1 $$ $tag$", want: []string{"code:select", "string:$tag$ $1 $$ $tag$"}},
	{sql: "select $a$ $b$ $1 $b$ $a$", want: []string{"code:select", "string:$a$ $b$ $1 $b$ $a$"}},
	{sql: "select $a$ $A$ $1 $a$", want: []string{"code:select", "string:$a$ $A$ $1 $a$"}},
	{sql: "select $_x1$ $1 $_x1$", want: []string{"code:select", "string:$_x1$ $1 $_x1$"}},
	{sql: "select $ä$ $1 $ä$", want: []string{"code:select", "string:$ä$ $1 $ä$"}},
	{sql: "select $a$$1$a$", want: []string{"code:select", "string:$a$$1$a$"}},
	{sql: "select $q$x$$q$", want: []string{"code:select", "string:$q$x$$q$"}},
	{sql: "select $1$a$ $2 $a$", want: []string{"code:select", "param:$1", "string:$a$ $2 $a$"}},
	// An identifier may hold $: no parameter, no dollar quote.
	{sql: "select foo$1", want: []string{"code:select", "code:foo$1"}},
	{sql: "select a$b$ $1", want: []string{"code:select", "code:a$b$", "param:$1"}},
	{sql: "select $1$2", want: []string{"code:select", "param:$1", "param:$2"}},
	// $ not starting a parameter or a dollar quote is a lone $.
	{sql: "select $a b$ $1", want: []string{"code:select", "code:$", "code:a", "code:b$", "param:$1"}},
	{sql: `select $e'\' $1'`, want: []string{"code:select", "code:$", `string:e'\' $1'`}},
	{sql: "select $", want: []string{"code:select", "code:$"}},

	// Comments.
	{sql: "select -- $1\n$2", want: []string{"code:select", "comment:-- $1", "param:$2"}},
	{sql: "select --$1\r$2", want: []string{"code:select", "comment:--$1", "param:$2"}},
	{sql: "select /* $1 /* $2 */ $3 */ $4", want: []string{"code:select", "comment:/* $1 /* $2 */ $3 */", "param:$4"}},
	{sql: "select /*/ $1 */ $2", want: []string{"code:select", "comment:/*/ $1 */", "param:$2"}},
	{sql: "select /**/$1", want: []string{"code:select", "comment:/**/", "param:$1"}},
	{sql: "select 1 */* $1 */ $2", want: []string{"code:select", "code:1", "code:*", "comment:/* $1 */", "param:$2"}},
	{sql: "select 1 +-- $1\n$2", want: []string{"code:select", "code:1", "code:+", "comment:-- $1", "param:$2"}},
	{sql: "select 1-$1", want: []string{"code:select", "code:1", "code:-", "param:$1"}},
	{sql: "select 1--$1", want: []string{"code:select", "code:1", "comment:--$1"}},
	{sql: "select '--', $1 /* '*/", want: []string{"code:select", "string:'--'", "code:,", "param:$1", "comment:/* '*/"}},

	// Numbers.
	{sql: "select 1e5, 1.5e-3, .5, 1..2, $1", want: []string{"code:select", "code:1e5", "code:,", "code:1.5e-3", "code:,",
		"code:.5", "code:,", "code:1", "code:.", "code:.2", "code:,", "param:$1"}},
	{sql: "select 1.5.a1$1", want: []string{"code:select", "code:1.5", "code:.", "code:a1$1"}},
	{sql: "select 1e$1", wantErr: "trailing junk after numeric literal"},
	{sql: "select 1e'x'", wantErr: "trailing junk after numeric literal"},
	{sql: "select 1.e'\\' $1'", wantErr: "trailing junk after numeric literal"},
	{sql: "select 0x'1'", wantErr: "trailing junk after numeric literal"},
	{sql: "select 1_$1", wantErr: "trailing junk after numeric literal"},
	{sql: "select 1_0$1", wantErr: "trailing junk after numeric literal"},
	{sql: "select 0x1F$1", wantErr: "trailing junk after numeric literal"},
	{sql: "select 1.$1, 1.'x', 1$1, 1e5$1", want: []string{"code:select", "code:1.", "param:$1", "code:,", "code:1.", "string:'x'",
		"code:,", "code:1", "param:$1", "code:,", "code:1e5", "param:$1"}},
	{sql: "select 1e--x", wantErr: "trailing junk after numeric literal"},
	{sql: "select $1abc", wantErr: "trailing junk after parameter"},
	{sql: "select $1e'\\' $2'", wantErr: "trailing junk after parameter"},

	// Parameter numbers.
	{sql: "select $0, $65535, $99999", want: []string{"code:select", "param:$0", "code:,", "param:$65535", "code:,", "param:$99999"}},

	// Unterminated.
	{sql: "select 'abc", wantErr: "unterminated quoted string"},
	{sql: `select E'\'`, wantErr: "unterminated quoted string"},
	{sql: `select E'\`, wantErr: "unterminated quoted string"},
	{sql: `select '\'`, scsOff: true, wantErr: "unterminated quoted string"},
	{sql: "select B'", wantErr: "unterminated quoted string"},
	{sql: "select U&'x", wantErr: "unterminated quoted string"},
	{sql: `select "abc`, wantErr: "unterminated quoted identifier"},
	{sql: `select U&"abc`, wantErr: "unterminated quoted identifier"},
	{sql: "select $$abc", wantErr: "unterminated dollar-quoted string"},
	{sql: "select $a$abc$b$", wantErr: "unterminated dollar-quoted string"},
	{sql: "select /* /* */", wantErr: "unterminated /* comment"},
	{sql: "select /*/", wantErr: "unterminated /* comment"},
}

// lexSummary is the lexer's tokens as a lexCase wants them.
func lexSummary(sql string, scs bool) ([]string, error) {
	toks, err := pgmoon.LexSQL(sql, scs)
	var out []string
	for _, tok := range toks {
		if tok.Kind != "space" {
			out = append(out, tok.Kind+":"+tok.Text)
		}
	}
	return out, err
}

func TestLexSQL(t *testing.T) {
	for _, c := range lexCases {
		got, err := lexSummary(c.sql, !c.scsOff)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("lex %q (scs off %v): %v, want an error containing %q", c.sql, c.scsOff, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("lex %q (scs off %v): %v", c.sql, c.scsOff, err)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("lex %q (scs off %v): (-want +got)\n%s", c.sql, c.scsOff, diff)
		}
	}
}

type (
	cents    int64
	name     string
	boolFlag bool
	ratio    float32
	blob     []byte
	stringer struct{ s string }
	valuer   struct {
		v   driver.Value
		err error
	}
	ptrValuer struct{ v driver.Value }
	loop      struct{}
	nameVal   string // a named string with its own Value
)

func (s stringer) String() string                 { return s.s }
func (v valuer) Value() (driver.Value, error)     { return v.v, v.err }
func (v *ptrValuer) Value() (driver.Value, error) { return v.v, nil }
func (loop) Value() (driver.Value, error)         { return loop{}, nil }
func (n nameVal) Value() (driver.Value, error)    { return strings.ToUpper(string(n)), nil }
func ptr[T any](v T) *T                           { return &v }
func mustTime(s string) time.Time                 { return must(time.Parse(time.RFC3339Nano, s)) }
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

var (
	zone5328 = time.FixedZone("LMT", 53*60+28)
	zoneM330 = time.FixedZone("", -(3*3600 + 30*60))
)

var literalCases = []struct {
	v       any
	want    string
	wantErr string
}{
	{v: nil, want: "NULL"},
	{v: (*int)(nil), want: "NULL"},
	{v: (*ptrValuer)(nil), want: "NULL"},
	{v: []byte(nil), want: "NULL"},
	{v: blob(nil), want: "NULL"},
	{v: true, want: "true"},
	{v: boolFlag(false), want: "false"},
	{v: 0, want: "0"},
	{v: -1, want: "-1"},
	{v: int8(math.MinInt8), want: "-128"},
	{v: int16(math.MaxInt16), want: "32767"},
	{v: int32(math.MinInt32), want: "-2147483648"},
	{v: int64(math.MinInt64), want: "-9223372036854775808"},
	{v: uint(7), want: "7"},
	{v: uint8(255), want: "255"},
	{v: uint16(65535), want: "65535"},
	{v: uint32(math.MaxUint32), want: "4294967295"},
	{v: uint64(math.MaxUint64), want: "18446744073709551615"},
	{v: uintptr(9), want: "9"},
	{v: cents(-250), want: "-250"},
	{v: 1.5, want: "1.5"},
	{v: 0.1, want: "0.1"},
	{v: float32(0.1), want: "0.1"},
	{v: ratio(2.5), want: "2.5"},
	{v: 1e21, want: "1e+21"},
	{v: -1e-7, want: "-1e-07"},
	{v: math.NaN(), want: "'NaN'::float8"},
	{v: math.Inf(1), want: "'Infinity'::float8"},
	{v: float32(math.Inf(-1)), want: "'-Infinity'::float8"},
	{v: math.Copysign(0, -1), want: "'-0'::float8"},
	{v: "", want: "''"},
	{v: "it's", want: "'it''s'"},
	{v: `a\b`, want: ` E'a\\b'`},
	{v: name("Bob's"), want: "'Bob''s'"},
	{v: nameVal("ann"), want: "'ANN'"},
	{v: "bad\x00", wantErr: "NUL byte at byte offset 3"},
	{v: "bad\xe3\x80'", wantErr: "invalid UTF-8 at byte offset 3"},
	{v: []byte{}, want: ` E'\\x'::bytea`},
	{v: []byte{0, 0xab, '\'', '\\'}, want: ` E'\\x00ab275c'::bytea`},
	{v: blob("A"), want: ` E'\\x41'::bytea`},
	{v: mustTime("2006-01-02T15:04:05Z"), want: "'2006-01-02 15:04:05+00:00'"},
	{v: mustTime("2006-01-02T15:04:05.123456789+07:00"), want: "'2006-01-02 15:04:05.123456789+07:00'"},
	{v: mustTime("2006-01-02T15:04:05.1-03:30"), want: "'2006-01-02 15:04:05.1-03:30'"},
	{v: time.Date(1890, 1, 1, 0, 0, 0, 0, zone5328), want: "'1890-01-01 00:00:00+00:53:28'"},
	{v: time.Date(0, 3, 15, 12, 0, 0, 500000, time.UTC), want: "'0001-03-15 12:00:00.0005+00:00 BC'"},
	{v: time.Date(-43, 3, 15, 12, 0, 0, 0, zoneM330), want: "'0044-03-15 12:00:00-03:30 BC'"},
	{v: time.Date(12345, 6, 7, 8, 9, 10, 0, time.UTC), want: "'12345-06-07 08:09:10+00:00'"},
	{v: time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC), wantErr: "outside PostgreSQL's timestamp range"},
	{v: time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC), wantErr: "outside PostgreSQL's timestamp range"},
	{v: ptr(42), want: "42"},
	{v: ptr(ptr("x")), want: "'x'"},
	{v: ptr((*int)(nil)), want: "NULL"},
	{v: valuer{v: "v"}, want: "'v'"},
	{v: valuer{v: nil}, want: "NULL"},
	{v: valuer{v: int64(-3)}, want: "-3"},
	{v: valuer{v: valuer{v: 1.25}}, want: "1.25"},
	{v: &ptrValuer{v: []byte("z")}, want: ` E'\\x7a'::bytea`},
	{v: valuer{err: errors.New("boom")}, wantErr: "boom"},
	{v: loop{}, wantErr: "too many levels"},
	{v: stringer{"x"}, wantErr: "cannot interpolate pgmoon_test.stringer"},
	{v: struct{}{}, wantErr: "cannot interpolate struct {}"},
	{v: []int{1}, wantErr: "cannot interpolate []int"},
	{v: map[string]int{}, wantErr: "cannot interpolate map[string]int"},
	{v: complex(1, 2), wantErr: "cannot interpolate complex128"},
	{v: make(chan int), wantErr: "cannot interpolate chan int"},
}

func TestAppendLiteral(t *testing.T) {
	for _, c := range literalCases {
		got, err := pgmoon.AppendLiteral([]byte("x"), c.v)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("appendLiteral(%#v) = %q, %v; want an error containing %q", c.v, got, err, c.wantErr)
			}
			continue
		}
		if err != nil || string(got) != "x"+c.want {
			t.Errorf("appendLiteral(%#v) = %q, %v; want %q", c.v, got, err, "x"+c.want)
		}
	}
}

func TestAppendLiteralAllocs(t *testing.T) {
	buf := make([]byte, 0, 128)
	tm := mustTime("2006-01-02T15:04:05.123456789+07:00")
	for _, v := range []any{int64(-5), 2.5, "it's", `a\b`, true, nil, tm, []byte("abc"), cents(3), name("n")} {
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := pgmoon.AppendLiteral(buf[:0], v); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("appendLiteral(%#v): %v allocations, want 0", v, allocs)
		}
	}
}

func TestInterpolate(t *testing.T) {
	for _, c := range []struct {
		sql     string
		args    []any
		scsOff  bool
		want    string
		wantErr string
	}{
		{sql: "select 1", want: "select 1"},
		{sql: "select $1", args: []any{"x"}, want: "select  ('x') "},
		{sql: "select $1::int", args: []any{5}, want: "select  5 ::int"},
		{sql: "select 1-$1", args: []any{-1}, want: "select 1- (-1) "},
		{sql: "select 1-$1", args: []any{-1.5}, want: "select 1- (-1.5) "},
		{sql: "select $1::text", args: []any{-1}, want: "select  (-1) ::text"},
		{sql: "select 'a'\n$1", args: []any{"b"}, want: "select 'a'\n ('b') "},
		{sql: "select $1\n'b'", args: []any{"a"}, want: "select  ('a') \n'b'"},
		{sql: "select $1, $1, $2", args: []any{`\`, nil}, want: `select  ( E'\\') ,  ( E'\\') ,  NULL `},
		{sql: "select $2 || $1", args: []any{"b", "a"}, want: "select  ('a')  ||  ('b') "},
		{sql: "select '$1', $1 -- $2\n", args: []any{true}, want: "select '$1',  true  -- $2\n"},
		{sql: "select foo$1, $1", args: []any{1}, want: "select foo$1,  1 "},
		{sql: "select $$ $1 $$, $1", args: []any{1}, want: "select $$ $1 $$,  1 "},
		{sql: "select /* $1 /* */ $1 */ $1", args: []any{1}, want: "select /* $1 /* */ $1 */  1 "},
		{sql: "select E'\\'', $1", args: []any{1}, want: "select E'\\'',  1 "},
		{sql: "select '\\'', $1", args: []any{1}, scsOff: true, want: "select '\\'',  1 "},
		{sql: "select $1", args: []any{[]byte{1}}, want: `select  ( E'\\x01'::bytea) `},
		{sql: "select $1", args: []any{math.NaN()}, want: "select  ('NaN'::float8) "},
		{sql: "select $1", args: []any{1e21}, want: "select  1e+21 "},
		{sql: "select $10", args: []any{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, wantErr: "argument $1 is not used"},

		{sql: "select $1", wantErr: "$1 has no argument; 0 were given"},
		{sql: "select $3", args: []any{1, 2}, wantErr: "$3 has no argument; 2 were given"},
		{sql: "select $2", args: []any{1}, wantErr: "$2 has no argument; 1 was given"},
		{sql: "select $0", args: []any{1}, wantErr: "$0 has no argument"},
		{sql: "select $99999999999999999999", args: []any{1}, wantErr: "$99999999999999999999 has no argument"},
		{sql: "select $1", args: []any{1, 2}, wantErr: "argument $2 is not used"},
		{sql: "select '$1'", args: []any{1}, wantErr: "argument $1 is not used"},
		{sql: "select $1", args: []any{stringer{"x"}}, wantErr: "argument $1: cannot interpolate pgmoon_test.stringer"},
		{sql: "select $1", args: []any{"\x00"}, wantErr: "argument $1: NUL byte at byte offset 0"},
		{sql: "select '\x00', $1", args: []any{1}, wantErr: "sql: NUL byte at byte offset 8"},
		{sql: "select '\xff', $1", args: []any{1}, wantErr: "sql: invalid UTF-8 at byte offset 8"},
		{sql: "select 'a, $1", args: []any{1}, wantErr: "unterminated quoted string at byte offset 7"},
		{sql: `select '\', $1`, args: []any{1}, scsOff: true, wantErr: "unterminated quoted string"},
		{sql: `select U&'x', $1`, args: []any{1}, scsOff: true, wantErr: "standard_conforming_strings off"},
	} {
		got, err := pgmoon.Interpolate(c.sql, c.args, !c.scsOff)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("interpolate(%q, %v) = %q, %v; want an error containing %q", c.sql, c.args, got, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("interpolate(%q, %v) = %q, %v; want %q", c.sql, c.args, got, err, c.want)
		}
	}
}

func TestInterpolateAllocs(t *testing.T) {
	args := []any{int64(1), "two", 3.5}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := pgmoon.Interpolate("select $1, $2, $3, $2 where x = $1", args, true); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 { // the buffer and the string
		t.Errorf("interpolate: %v allocations, want at most 2", allocs)
	}
}

// TestInterpolateServer checks that interpolated values reach the server as
// the extended protocol's parameters do.
func TestInterpolateServer(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	textFormat := pgmoon.QueryResultFormats{types.TextFormat}
	for _, c := range []struct {
		sql  string
		args []any
	}{
		{"select $1::text", []any{"it's"}},
		{"select $1::text", []any{`back\slash '\' E'\\'`}},
		{"select $1::text, $1 || 'x'", []any{"ünï\n😀"}},
		{"select $1::int8, 1-$1, -$1", []any{int64(-1)}},
		{"select $1::int8", []any{int64(math.MinInt64)}},
		{"select $1::numeric", []any{uint64(math.MaxUint64)}},
		{"select $1::int2 + $2::int4", []any{int16(-7), uint32(9)}},
		{"select $1::float8, $2::float8, $3::float8, $4::float8", []any{0.1, math.NaN(), math.Inf(-1), -1e-300}},
		{"select $1::float4", []any{float32(0.1)}},
		{"select $1::bool, $2::bool", []any{true, false}},
		{"select $1::bytea", []any{[]byte{0, 1, 0xfe, '\'', '\\'}}},
		{"select $1::bytea", []any{[]byte{}}},
		{"select $1::text is null, $2::int is null", []any{nil, (*int)(nil)}},
		{"select $1::timestamptz", []any{mustTime("2024-02-29T23:59:59.123456+05:30")}},
		{"select $1::timestamptz", []any{time.Date(1890, 1, 1, 0, 0, 0, 0, zone5328)}},
		{"select $1::timestamptz", []any{time.Date(-43, 3, 15, 12, 0, 0, 0, time.UTC)}},
		{"select $1::date", []any{time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}},
		{"select $1::text, $2::int8", []any{name("n'"), cents(-5)}},
	} {
		out, err := pgmoon.Interpolate(c.sql, c.args, true)
		if err != nil {
			t.Errorf("interpolate(%q, %v): %v", c.sql, c.args, err)
			continue
		}
		got := scalarRow(t, conn, out)
		var want []string
		rows, err := conn.Query(testCtx(t), c.sql, append([]any{textFormat}, c.args...)...)
		if err != nil {
			t.Fatalf("%s %v: %v", c.sql, c.args, err)
		}
		for rows.Next() {
			for _, v := range rows.RawValues() {
				want = append(want, fmt.Sprintf("%q", v))
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s %v: %v", c.sql, c.args, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s with %v interpolated as %s: (-extended +interpolated)\n%s", c.sql, c.args, out, diff)
		}
	}
	// Beyond what the driver's binary timestamp encoding covers.
	for _, c := range []struct {
		v    time.Time
		want string
	}{
		{time.Date(12345, 6, 7, 8, 9, 10, 0, time.UTC), "12345-06-07 08:09:10+00"},
		{time.Date(2000, 1, 1, 0, 0, 0, 999999999, time.UTC), "2000-01-01 00:00:01+00"},
	} {
		out, err := pgmoon.Interpolate("select $1::timestamptz at time zone 'UTC' || '+00'", []any{c.v}, true)
		if err != nil {
			t.Fatal(err)
		}
		if got := scalar(t, conn, out); got != c.want {
			t.Errorf("%v: %s = %q, want %q", c.v, out, got, c.want)
		}
	}
}

// scalarRow runs sql with the simple protocol and returns its one row, each
// value quoted.
func scalarRow(t *testing.T, conn *pgmoon.Conn, sql string) []string {
	t.Helper()
	res, err := conn.SimpleQuery(testCtx(t), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if len(res) != 1 || len(res[0].Rows) != 1 {
		t.Fatalf("%s: want one row", sql)
	}
	var out []string
	for _, v := range res[0].Rows[0] {
		out = append(out, fmt.Sprintf("%q", v))
	}
	return out
}
