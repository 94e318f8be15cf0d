package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// printCorpus are the queries the differential tests print. Each is one
// statement returning rows.
var printCorpus = []string{
	`select 1`,
	`select 1 as a, 'x' as b`,
	`select -5 as neg, 3.14::numeric as num, 1e100::float8 as f, -0.5::float4 as f4`,
	`select 'line1' || chr(10) || 'line2' as multi, 'x' as y`,
	`select '' as empty, null as n, 'z' as z`,
	`select null::int as n, 1 as x`,
	`select '日本語' as cjk, 'ab' as ascii`,
	`select '😀' as emoji, 'e' || U&'\0301' || 'x' as combining`,
	`select 'a' || chr(9) || 'b' as tab, chr(9) as lonetab, 'abcdefg' || chr(9) || 'h' as tab8`,
	`select repeat('x', 100) as long, 1 as n`,
	`select 1 as a, 'b' as b where false`,
	`select from generate_series(1, 2)`,
	`select from generate_series(1, 0)`,
	`select 1 a, 2 b, 3 c, 4 d, 5 e, 6 f, 7 g, 8 h, 9 i, 10 j, 11 k, 12 l, 13 m, 14 n, 15 o, 16 p, 17 q, 18 r, 19 s, 20 t`,
	`select 1 as a, 2 as a, 'x' as a`,
	`select 1 as "a` + "\n" + `b", 'value' as c`,
	`select true as t, false as f, null::bool as n`,
	`select '{"a": [1, 2], "b": "x"}'::json as j, '{"b": 1, "a": null}'::jsonb as jb`,
	`select i, i * i as sq, repeat('*', i) as bar from generate_series(1, 12) i`,
	`select 'a' || chr(10) || 'b' || chr(10) || 'c' as three, 'one' as one, 'x' || chr(10) || 'y' as two`,
	`select 1 as averyveryverylongcolumnname, 'short' as s`,
	`select 1 as "日本", '表' as "表示"`,
	`select 'a' || chr(13) || 'b' as cr`,
	`select 'a' || chr(1) || 'b' as ctl, 'x' || chr(127) || 'y' as del, 'p' || U&'\0085' || 'q' as c1`,
	`select 'a,b' as "x,y", 'q"uote' as q, '\.' as bs, 'semi;colon' as sc, 'dot.ted' as dot`,
	`select '  pad  ' as padded, ' ' as space`,
	`select 'NaN'::numeric as nan, 'Infinity'::float8 as inf, '-Infinity'::float8 as ninf, 'NaN'::float4 as fnan`,
	`select 9223372036854775807::int8 as max8, (-32768)::int2 as min2, 2147483647 as max4`,
	`select 12.5::money as m, 1::oid as o, '7'::xid as x, '8'::xid8 as x8, '3'::cid as c`,
	`select array[1, 2] as arr, row(1, 'a') as r`,
	`select 'a' || chr(10) as trail, chr(10) || 'b' as lead`,
	`select chr(10) || chr(10) as nls, 'x' as x`,
	`select 1 + 1, 'q'`,
	`select 'x' as "multi` + "\n" + `line` + "\n" + `header", 'a' || chr(10) || 'b' as "other` + "\n" + `h"`,
	`select '2024-01-02'::date as d, '12:34'::time as t, '1 day 02:03:04'::interval as iv`,
	`select '\xdeadbeef'::bytea as b, '00000000-0000-0000-0000-000000000001'::uuid as u`,
	`select * from (values ('a', 1), ('bbbbbb', 22), (null, null), ('', 333)) v(s, n)`,
	`select '日本' || chr(10) || 'abc' as mixed, 'x😀y' as e`,
	`select 'a\b' as backslash, '"' as dq, '''' as sq`,
	`select i from generate_series(1, 150) i`,
	`select 'only one column' as col`,
	`select 'wide value in a narrow header' as h, 'x' as y`,
	`select repeat('abc ', 30) as long, repeat('日本', 20) as widelong, 1 as n`,
	`select 12345678901234567890.123456789::numeric as big, 1.5::numeric as small`,
	`select ARRAY['a' || chr(10) || 'b'] as arr`,
	`select U&'\FF21\FF22' as fullwidth, U&'\0301' as lonecombining, U&'\200B' as zwsp`,
	`select 1 as x, '' as "y"`,
	`select n, case when n % 2 = 0 then repeat('ab' || chr(10), n) else null end as v from generate_series(1, 4) n`,
	`select U&'\+01F468\200D\+01F469\200D\+01F467' as family, 'a' || U&'\00AD' || 'b' as shy, U&'\2764\FE0F' as vs16`,
	`select U&'\1100\1161' as jamo, U&'\3000' || 'x' as ideospace, 'a' || U&'\2028' || 'b' as linesep, U&'\E000' as pua, U&'\+10FFFD' as plane16`,
	`select U&'\+020000' as ext_b, U&'\+01F1EF\+01F1F5' as flag, U&'\0E01\0E34' as thai, U&'\0915\094D\0937' as devanagari`,
	`select x, repeat('x', x * 7) as grows, x * 1000000 as big from generate_series(1, 9) x`,
}

// printCombo is one set of \pset options, given to psql as -P name=value and
// to PrintOptions.Set.
type printCombo struct {
	name string
	pset [][2]string
}

var printCombos = []printCombo{
	{"default", nil},
	{"border0", [][2]string{{"border", "0"}}},
	{"border2", [][2]string{{"border", "2"}}},
	{"border3", [][2]string{{"border", "3"}}},
	{"x-border0", [][2]string{{"expanded", "on"}, {"border", "0"}}},
	{"x-border1", [][2]string{{"expanded", "on"}}},
	{"x-border2", [][2]string{{"expanded", "on"}, {"border", "2"}}},
	{"t-border0", [][2]string{{"tuples_only", "on"}, {"border", "0"}}},
	{"t-border1", [][2]string{{"tuples_only", "on"}}},
	{"t-border2", [][2]string{{"tuples_only", "on"}, {"border", "2"}}},
	{"tx-border0", [][2]string{{"tuples_only", "on"}, {"expanded", "on"}, {"border", "0"}}},
	{"tx-border1", [][2]string{{"tuples_only", "on"}, {"expanded", "on"}}},
	{"tx-border2", [][2]string{{"tuples_only", "on"}, {"expanded", "on"}, {"border", "2"}}},
	{"footer-off", [][2]string{{"footer", "off"}}},
	{"footer-off-x", [][2]string{{"footer", "off"}, {"expanded", "on"}}},
	{"null", [][2]string{{"null", "(null)"}}},
	{"null-wide-x", [][2]string{{"null", "∅ NULL"}, {"expanded", "on"}}},
	{"title", [][2]string{{"title", "My Title"}}},
	{"title-long", [][2]string{{"title", "A title much longer than most of the tables in this corpus"}}},
	{"title-border2", [][2]string{{"title", "T"}, {"border", "2"}}},
	{"title-border0", [][2]string{{"title", "標題"}, {"border", "0"}}},
	{"title-x", [][2]string{{"title", "Expanded title"}, {"expanded", "on"}}},
	{"unicode-border0", [][2]string{{"linestyle", "unicode"}, {"border", "0"}}},
	{"unicode-border1", [][2]string{{"linestyle", "unicode"}}},
	{"unicode-border2", [][2]string{{"linestyle", "unicode"}, {"border", "2"}}},
	{"unicode-x-border1", [][2]string{{"linestyle", "unicode"}, {"expanded", "on"}}},
	{"unicode-x-border2", [][2]string{{"linestyle", "unicode"}, {"expanded", "on"}, {"border", "2"}}},
	{"unicode-double-border", [][2]string{{"linestyle", "unicode"}, {"border", "2"}, {"unicode_border_linestyle", "double"}}},
	{"unicode-double-column", [][2]string{{"linestyle", "unicode"}, {"border", "2"}, {"unicode_column_linestyle", "double"}}},
	{"unicode-double-header", [][2]string{{"linestyle", "unicode"}, {"border", "2"}, {"unicode_header_linestyle", "double"}}},
	{"unicode-double-all-x", [][2]string{{"linestyle", "unicode"}, {"border", "2"}, {"expanded", "on"},
		{"unicode_border_linestyle", "double"}, {"unicode_column_linestyle", "double"}, {"unicode_header_linestyle", "double"}}},
	{"unicode-mixed-border1", [][2]string{{"linestyle", "unicode"}, {"unicode_column_linestyle", "double"}, {"unicode_header_linestyle", "double"}}},
	{"oldascii-border0", [][2]string{{"linestyle", "old-ascii"}, {"border", "0"}}},
	{"oldascii-border1", [][2]string{{"linestyle", "old-ascii"}}},
	{"oldascii-border2", [][2]string{{"linestyle", "old-ascii"}, {"border", "2"}}},
	{"oldascii-x-border0", [][2]string{{"linestyle", "old-ascii"}, {"expanded", "on"}, {"border", "0"}}},
	{"oldascii-x-border1", [][2]string{{"linestyle", "old-ascii"}, {"expanded", "on"}}},
	{"oldascii-x-border2", [][2]string{{"linestyle", "old-ascii"}, {"expanded", "on"}, {"border", "2"}}},
	{"unaligned", [][2]string{{"format", "unaligned"}}},
	{"unaligned-fieldsep", [][2]string{{"format", "unaligned"}, {"fieldsep", ";"}, {"null", "NULL"}}},
	{"unaligned-recordsep", [][2]string{{"format", "unaligned"}, {"recordsep", "<RS>"}, {"fieldsep", "\t"}}},
	{"unaligned-zero", [][2]string{{"format", "unaligned"}, {"fieldsep_zero", "on"}, {"recordsep_zero", "on"}}},
	{"unaligned-t", [][2]string{{"format", "unaligned"}, {"tuples_only", "on"}}},
	{"unaligned-title", [][2]string{{"format", "unaligned"}, {"title", "Title"}}},
	{"unaligned-footer-off", [][2]string{{"format", "unaligned"}, {"footer", "off"}}},
	{"unaligned-x", [][2]string{{"format", "unaligned"}, {"expanded", "on"}}},
	{"unaligned-x-title", [][2]string{{"format", "unaligned"}, {"expanded", "on"}, {"title", "T"}}},
	{"unaligned-x-t-zero", [][2]string{{"format", "unaligned"}, {"expanded", "on"}, {"tuples_only", "on"}, {"recordsep_zero", "on"}}},
	{"unaligned-auto", [][2]string{{"format", "unaligned"}, {"expanded", "auto"}, {"columns", "10"}}},
	{"csv", [][2]string{{"format", "csv"}}},
	{"csv-sep", [][2]string{{"format", "csv"}, {"csv_fieldsep", ";"}, {"null", "NULL"}}},
	{"csv-dot", [][2]string{{"format", "csv"}, {"csv_fieldsep", "."}}},
	{"csv-tab", [][2]string{{"format", "csv"}, {"csv_fieldsep", "\t"}}},
	{"csv-t", [][2]string{{"format", "csv"}, {"tuples_only", "on"}, {"title", "ignored"}}},
	{"csv-x", [][2]string{{"format", "csv"}, {"expanded", "on"}}},
	{"csv-auto", [][2]string{{"format", "csv"}, {"expanded", "auto"}, {"columns", "10"}}},
	{"auto-10", [][2]string{{"expanded", "auto"}, {"columns", "10"}}},
	{"auto-30", [][2]string{{"expanded", "auto"}, {"columns", "30"}}},
	{"auto-80-border2", [][2]string{{"expanded", "auto"}, {"columns", "80"}, {"border", "2"}}},
	{"auto-nocolumns", [][2]string{{"expanded", "auto"}}},
	{"auto-10-border0", [][2]string{{"expanded", "auto"}, {"columns", "10"}, {"border", "0"}}},
	{"auto-40-unicode", [][2]string{{"expanded", "auto"}, {"columns", "40"}, {"linestyle", "unicode"}}},
	{"auto-50-t", [][2]string{{"expanded", "auto"}, {"columns", "50"}, {"tuples_only", "on"}}},
	{"unicode-x-border0", [][2]string{{"linestyle", "unicode"}, {"expanded", "on"}, {"border", "0"}}},
	{"unicode-t-border2-double", [][2]string{{"linestyle", "unicode"}, {"tuples_only", "on"}, {"border", "2"}, {"unicode_border_linestyle", "double"}}},
	{"unicode-title-null", [][2]string{{"linestyle", "unicode"}, {"title", "Τίτλος"}, {"null", "NULL"}}},
	{"oldascii-t-x-border2", [][2]string{{"linestyle", "old-ascii"}, {"tuples_only", "on"}, {"expanded", "on"}, {"border", "2"}}},
	{"unaligned-multisep", [][2]string{{"format", "unaligned"}, {"fieldsep", "||"}, {"recordsep", "\n--\n"}}},
	{"unaligned-x-footer-off-null", [][2]string{{"format", "unaligned"}, {"expanded", "on"}, {"footer", "off"}, {"null", "∅"}}},
	{"unaligned-rszero-footer", [][2]string{{"format", "unaligned"}, {"recordsep_zero", "on"}, {"title", "T"}}},
	{"csv-x-t-semicolon", [][2]string{{"format", "csv"}, {"expanded", "on"}, {"tuples_only", "on"}, {"csv_fieldsep", ";"}}},
	{"csv-backslash", [][2]string{{"format", "csv"}, {"csv_fieldsep", "\\"}}},
	{"footer-off-border2-title", [][2]string{{"footer", "off"}, {"border", "2"}, {"title", "No footer"}}},
}

// printPsql prints every corpus query with psql, the outputs separated by sep
// lines, and returns them split.
func printPsql(t *testing.T, dsn string, pset [][2]string, queries []string, sep string) []string {
	t.Helper()
	args := []string{"-q", "-d", dsn}
	for _, p := range pset {
		args = append(args, "-P", p[0]+"="+p[1])
	}
	for _, q := range queries {
		args = append(args, "-c", q, "-c", `\echo `+sep)
	}
	r := psqlExec(t, "", args...)
	if r.code != 0 {
		t.Fatalf("psql: exit status %d\n%s", r.code, r.stderr)
	}
	out := r.stdout
	parts := strings.Split(string(out), sep+"\n")
	if len(parts) != len(queries)+1 || parts[len(queries)] != "" {
		t.Fatalf("psql output has %d parts, want %d:\n%s", len(parts), len(queries)+1, out)
	}
	return parts[:len(queries)]
}

func connectTest(t *testing.T) *pgmoon.Conn {
	t.Helper()
	if _, err := os.Stat(psqlPath); err != nil {
		t.Fatalf("the differential tests need psql 15 at %s: %v", psqlPath, err)
	}
	dsn := pgtest.Default(t).NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgmoon.ConnectString(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	t.Setenv("PGMOON_TEST_DSN_FOR_PSQL", dsn)
	return conn
}

func queryTables(t *testing.T, conn *pgmoon.Conn, queries []string) []*Table {
	t.Helper()
	var tables []*Table
	for _, q := range queries {
		results, err := conn.SimpleQuery(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		tables = append(tables, ResultTable(results[len(results)-1]))
	}
	return tables
}

// TestPrintTableMatchesPsql prints every corpus query with every option
// combination and compares the bytes with psql's.
func TestPrintTableMatchesPsql(t *testing.T) {
	conn := connectTest(t)
	dsn := os.Getenv("PGMOON_TEST_DSN_FOR_PSQL")
	tables := queryTables(t, conn, printCorpus)
	const sep = "--8<-- pgmoon separator --8<--"
	cases := 0
	for _, c := range printCombos {
		t.Run(c.name, func(t *testing.T) {
			want := printPsql(t, dsn, c.pset, printCorpus, sep)
			o := DefaultPrintOptions()
			for _, p := range c.pset {
				if _, err := o.Set(p[0], p[1], true); err != nil {
					t.Fatalf("Set(%q, %q): %v", p[0], p[1], err)
				}
			}
			for i, tab := range tables {
				var buf bytes.Buffer
				if err := PrintTable(&buf, tab, &o); err != nil {
					t.Fatal(err)
				}
				cases++
				if diff := cmp.Diff(want[i], buf.String()); diff != "" {
					t.Errorf("%s\n-psql +ours:\n%s\npsql:\n%s\nours:\n%s", printCorpus[i], diff, want[i], buf.String())
				}
			}
		})
	}
	t.Logf("%d outputs compared with psql", cases)
}

// TestPrintListingMatchesPsql prints a Table with a title of its own and
// footers, the way describe commands fill one, and compares it with psql's
// \d output (which ignores \pset expanded) under several settings.
func TestPrintListingMatchesPsql(t *testing.T) {
	conn := connectTest(t)
	dsn := os.Getenv("PGMOON_TEST_DSN_FOR_PSQL")
	if _, err := conn.SimpleQuery(context.Background(),
		`create table t (id int primary key, name text not null default 'x', "日本" numeric)`); err != nil {
		t.Fatal(err)
	}
	s := func(v string) *string { return &v }
	table := &Table{
		Title:   `Table "public.t"`,
		Headers: []string{"Column", "Type", "Collation", "Nullable", "Default"},
		Align:   []byte("lllll"),
		Rows: [][]*string{
			{s("id"), s("integer"), s(""), s("not null"), s("")},
			{s("name"), s("text"), s(""), s("not null"), s("'x'::text")},
			{s("日本"), s("numeric"), s(""), s(""), s("")},
		},
		Footers:         []string{"Indexes:", `    "t_pkey" PRIMARY KEY, btree (id)`},
		NoDefaultFooter: true,
	}
	const sep = "--8<--"
	for _, c := range []printCombo{
		{"default", nil},
		{"border0", [][2]string{{"border", "0"}}},
		{"border2-unicode", [][2]string{{"border", "2"}, {"linestyle", "unicode"}}},
		{"oldascii", [][2]string{{"linestyle", "old-ascii"}}},
		{"footer-off", [][2]string{{"footer", "off"}}},
		{"title-pset", [][2]string{{"title", "ignored by describe"}}},
		{"tuples-only", [][2]string{{"tuples_only", "on"}}},
		{"unaligned", [][2]string{{"format", "unaligned"}}},
		{"csv", [][2]string{{"format", "csv"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := printPsql(t, dsn, c.pset, []string{`\d t`}, sep)
			o := DefaultPrintOptions()
			for _, p := range c.pset {
				if _, err := o.Set(p[0], p[1], true); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			if err := PrintTable(&buf, table, &o); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want[0], buf.String()); diff != "" {
				t.Errorf("-psql +ours:\n%s", diff)
			}
		})
	}
}

// TestPrintExpandedFooters: in expanded mode psql prints a table's own
// footers after a blank line (border 0 and 1), never the default one.
func TestPrintExpandedFooters(t *testing.T) {
	s := func(v string) *string { return &v }
	table := &Table{Headers: []string{"a", "b"}, Align: []byte("lr"),
		Rows: [][]*string{{s("x"), s("1")}}, Footers: []string{"F1", "F2"}}
	o := DefaultPrintOptions()
	o.Expanded = "on"
	var buf bytes.Buffer
	if err := PrintTable(&buf, table, &o); err != nil {
		t.Fatal(err)
	}
	want := "-[ RECORD 1 ]\na | x\nb | 1\n\nF1\nF2\n\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
	table.Footers = nil
	buf.Reset()
	PrintTable(&buf, table, &o)
	if want := "-[ RECORD 1 ]\na | x\nb | 1\n\n"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

// TestPrintJSON covers the json formats, which psql does not have.
func TestPrintJSON(t *testing.T) {
	conn := connectTest(t)
	tables := queryTables(t, conn, []string{
		`select 1 as a, 'x' as b union all select 2, null`,
		`select 1 as a where false`,
		`select -5::int2 as i2, 7::int4 as i4, 9223372036854775807::int8 as i8, 1::oid as o, 1.5::float4 as f4,
			1e100::float8 as f8, 12.50::numeric as n, 'NaN'::numeric as nan, 'Infinity'::float8 as inf, '-Infinity'::float4 as ninf`,
		`select true as t, false as f, null::bool as n`,
		`select '{"a": [1, 2],` + "\n" + ` "b": "x"}'::json as j, '{"b": 1, "a": null}'::jsonb as jb, 'null'::json as jn, '"s"'::jsonb as js`,
		`select 'q"uote\back' || chr(10) || chr(9) || chr(1) || '日本<>&' as s, 1 as a, 2 as a`,
		`select from generate_series(1, 2)`,
		`select '1.5'::text as t, 12.5::money as m, array[1, 2] as arr`,
	})
	want := []string{
		"[\n{\"a\":1,\"b\":\"x\"},\n{\"a\":2,\"b\":null}\n]\n",
		"[]\n",
		"[\n{\"i2\":-5,\"i4\":7,\"i8\":9223372036854775807,\"o\":1,\"f4\":1.5,\"f8\":1e+100,\"n\":12.50,\"nan\":\"NaN\",\"inf\":\"Infinity\",\"ninf\":\"-Infinity\"}\n]\n",
		"[\n{\"t\":true,\"f\":false,\"n\":null}\n]\n",
		"[\n{\"j\":{\"a\":[1,2],\"b\":\"x\"},\"jb\":{\"a\":null,\"b\":1},\"jn\":null,\"js\":\"s\"}\n]\n",
		"[\n{\"s\":\"q\\\"uote\\\\back\\n\\t\\u0001日本<>&\",\"a\":1,\"a\":2}\n]\n",
		"[\n{},\n{}\n]\n",
		"[\n{\"t\":\"1.5\",\"m\":\"$12.50\",\"arr\":\"{1,2}\"}\n]\n",
	}
	for _, format := range []string{"json", "json-lines"} {
		o := DefaultPrintOptions()
		o.Format = format
		o.Null = "(null)" // not used by json
		o.Title = "not used by json"
		for i, tab := range tables {
			var buf bytes.Buffer
			if err := PrintTable(&buf, tab, &o); err != nil {
				t.Fatal(err)
			}
			w := want[i]
			if format == "json-lines" && w == "[]\n" {
				w = ""
			} else if format == "json-lines" {
				w = strings.TrimPrefix(w, "[\n")
				w = strings.TrimSuffix(w, "]\n")
				w = strings.ReplaceAll(w, "},\n", "}\n")
			}
			if diff := cmp.Diff(w, buf.String()); diff != "" {
				t.Errorf("%s table %d -want +got:\n%s", format, i, diff)
			}
		}
	}
}

// failWriter fails after n bytes.
type failWriter struct{ n int }

var errTestWrite = errors.New("write failed")

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n := f.n
		f.n = 0
		return n, errTestWrite
	}
	f.n -= len(p)
	return len(p), nil
}

func TestPrintTableWriteError(t *testing.T) {
	s := "value"
	table := &Table{Headers: []string{"a"}, Align: []byte("l")}
	for range 2000 {
		table.Rows = append(table.Rows, []*string{&s})
	}
	for _, format := range []string{"aligned", "unaligned", "csv", "json", "json-lines"} {
		o := DefaultPrintOptions()
		o.Format = format
		if err := PrintTable(&failWriter{n: 100}, table, &o); !errors.Is(err, errTestWrite) {
			t.Errorf("%s: error %v, want the writer's", format, err)
		}
	}
}

func TestStringWidth(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"日本語", 6},
		{"e\u0301", 1},
		{"😀", 2},
		{"ＡＢ", 4},
		{"a\tb", 9},
		{"a\rb", 4},
		{"a\x01b", 6},
		{"a\u0085b", 8},
		{"ab\ncdef", 4},
		{"\xffa", 1}, // invalid UTF-8 is dropped, as psql's mbvalidate does
	}
	for _, tt := range tests {
		if got := StringWidth(tt.s); got != tt.want {
			t.Errorf("StringWidth(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

// FuzzPrintTable prints tables of arbitrary cells (invalid UTF-8, control
// characters, newlines, wide characters) in every format and checks that
// nothing panics, that aligned border-2 tables are rectangular, and that the
// json format is valid JSON.
func FuzzPrintTable(f *testing.F) {
	f.Add("a\x1eb", "1\x1ex\x1e2\x1e", uint8(2), uint8(0))
	f.Add("日本\x1e😀\nh", "e\u0301\x1ea\tb\x1e\r\x01\x7f\u0085\x1e\xff\xfe", uint8(2), uint8(2))
	f.Add("x", "line1\nline2\n\x1e{\"a\": 1}\x1eNaN", uint8(3), uint8(0x12))
	f.Add("", "", uint8(0), uint8(0x16))
	f.Add("h\n\n", "\n\x1e\n\n\n\x1e", uint8(1), uint8(0x1a))
	f.Fuzz(func(t *testing.T, hdr, data string, ncol, opts uint8) {
		n := int(ncol % 4)
		headers := strings.Split(hdr, "\x1e")
		for len(headers) < n {
			headers = append(headers, "?column?")
		}
		table := &Table{Headers: headers[:n]}
		types := []uint32{23, 114, 25, 16}
		for j := range n {
			table.Align = append(table.Align, "rl"[j%2])
			table.Types = append(table.Types, types[j])
		}
		if n > 0 {
			cells := strings.Split(data, "\x1e")
			for i := 0; i < len(cells); i += n {
				row := make([]*string, n)
				for j := range n {
					if i+j < len(cells) && (i+j)%5 != 4 {
						row[j] = &cells[i+j]
					}
				}
				table.Rows = append(table.Rows, row)
			}
		}
		o := DefaultPrintOptions()
		o.Border = int(opts % 3)
		o.Linestyle = []string{"ascii", "old-ascii", "unicode"}[(opts>>2)%3]
		if opts&0x10 != 0 {
			o.Expanded = "on"
		}
		o.TuplesOnly = opts&0x20 != 0
		o.Format = []string{"aligned", "unaligned", "csv", "json"}[(opts>>6)%4]
		o.Footer = false
		o.Null = "∅"
		var buf bytes.Buffer
		if err := PrintTable(&buf, table, &o); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		switch {
		case o.Format == "json":
			if !json.Valid(buf.Bytes()) {
				t.Fatalf("invalid JSON:\n%s", out)
			}
		case o.Format == "aligned" && o.Border == 2:
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 in aligned output %q", out)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n\n"), "\n")
			want := -1
			for _, l := range lines {
				if o.Expanded == "on" && !strings.HasPrefix(l, o.lineStyle().rule[ruleData].left) {
					continue // a record header may be wider than the record
				}
				w := 0
				for _, r := range l {
					w += runeWidth(r)
				}
				if want < 0 {
					want = w
				} else if w != want {
					t.Fatalf("line %q is %d columns wide, want %d:\n%s", l, w, want, out)
				}
			}
		}
	})
}

func ExamplePrintTable() {
	one, name := "1", "O'Neil, \"Ned\""
	table := &Table{
		Headers: []string{"id", "name", "note"},
		Align:   []byte("rll"),
		Types:   []uint32{23, 25, 25},
		Rows:    [][]*string{{&one, &name, nil}},
	}
	o := DefaultPrintOptions()
	o.Set("format", "csv", true)
	o.Set("null", "NULL", true)
	PrintTable(os.Stdout, table, &o)
	o.Set("format", "json", true)
	PrintTable(os.Stdout, table, &o)
	// Output:
	// id,name,note
	// 1,"O'Neil, ""Ned""",NULL
	// [
	// {"id":1,"name":"O'Neil, \"Ned\"","note":null}
	// ]
}

func BenchmarkPrintTable(b *testing.B) {
	var rows [][]*string
	for i := range 1000 {
		n, s, m := strconv.Itoa(i), strings.Repeat("x", i%40), "日本\nline two"
		rows = append(rows, []*string{&n, &s, &m, nil})
	}
	table := &Table{Headers: []string{"n", "text", "multi", "null"}, Align: []byte("rlll"),
		Types: []uint32{23, 25, 25, 25}, Rows: rows}
	for _, format := range []string{"aligned", "expanded", "unaligned", "csv", "json"} {
		b.Run(format, func(b *testing.B) {
			o := DefaultPrintOptions()
			o.Format = format
			if format == "expanded" {
				o.Format, o.Expanded = "aligned", "on"
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := PrintTable(io.Discard, table, &o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// unicodeLiteral quotes s as a U&'...' string (quote '\”) or U&"..."
// identifier (quote '"') with every non-ASCII or control character escaped.
func unicodeLiteral(s string, quote byte) string {
	var b strings.Builder
	b.WriteString("U&")
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote):
			b.WriteByte(quote)
			b.WriteByte(quote)
		case r == '\\':
			b.WriteString(`\\`)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\%04X`, r)
		default:
			fmt.Fprintf(&b, `\+%06X`, r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// TestPrintRandomMatchesPsql compares random tables of awkward text (wide,
// combining and control characters, newlines, tabs, NULLs, empty strings)
// with psql under random settings. The seed is fixed, so failures repeat.
func TestPrintRandomMatchesPsql(t *testing.T) {
	conn := connectTest(t)
	dsn := os.Getenv("PGMOON_TEST_DSN_FOR_PSQL")
	rng := rand.New(rand.NewPCG(15, 2026))
	pieces := []string{"a", "bc", "Z", " ", "日本", "😀", "e\u0301", "\t", "\n", "\r", "\x01", "\u0085",
		"'", `\`, "\"", ",", "|", "ＡＢ", "\u200b", "xxxxxxxxxxxxxxx", "\n\n", "123", "-", "+", "é"}
	text := func(min int) string {
		var b strings.Builder
		for n := min + rng.IntN(5); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	var queries []string
	for range 60 {
		ncol := 1 + rng.IntN(4)
		var names []string
		for range ncol {
			names = append(names, unicodeLiteral(text(1), '"'))
		}
		nrow := rng.IntN(5)
		var rows []string
		for range max(nrow, 1) {
			var vals []string
			for range ncol {
				if rng.IntN(6) == 0 {
					vals = append(vals, "null")
				} else {
					vals = append(vals, unicodeLiteral(text(0), '\''))
				}
			}
			rows = append(rows, "("+strings.Join(vals, ", ")+")")
		}
		q := "select * from (values " + strings.Join(rows, ", ") + ") v(" + strings.Join(names, ", ") + ")"
		if nrow == 0 {
			q += " where false"
		}
		queries = append(queries, q)
	}
	tables := queryTables(t, conn, queries)
	const sep = "--8<-- pgmoon separator --8<--"
	cases := 0
	for _, c := range printCombos {
		t.Run(c.name, func(t *testing.T) {
			want := printPsql(t, dsn, c.pset, queries, sep)
			o := DefaultPrintOptions()
			for _, p := range c.pset {
				if _, err := o.Set(p[0], p[1], true); err != nil {
					t.Fatal(err)
				}
			}
			for j, tab := range tables {
				var buf bytes.Buffer
				if err := PrintTable(&buf, tab, &o); err != nil {
					t.Fatal(err)
				}
				cases++
				if diff := cmp.Diff(want[j], buf.String()); diff != "" {
					t.Errorf("%s\n-psql +ours:\n%s", queries[j], diff)
				}
			}
		})
	}
	t.Logf("%d outputs compared with psql", cases)
}
