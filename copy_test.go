package pgmoon_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/big"
	"net"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/protocol"
	"github.com/pgmoon-go/pgmoon/types"
)

// copyRows returns the rows of a table as text, in order of its first
// column, for comparison.
func copyRows(t *testing.T, conn *pgmoon.Conn, table string) []string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := conn.CopyTo(testCtx(t), &buf, "copy (select * from "+table+" order by 1) to stdout"); err != nil {
		t.Fatalf("copy %s out: %v", table, err)
	}
	out := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if buf.Len() == 0 {
		return nil
	}
	return out
}

func TestCopyFromTypes(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	mustExec(t, conn, `create type pg_temp.mood as enum ('sad', 'ok', 'happy')`)
	mustExec(t, conn, `create temp table ct (
		id int8, name text, at timestamptz, f float8, n numeric, ok bool, raw bytea,
		u uuid, doc jsonb, tags int4[], m pg_temp.mood, d date, iv interval, small int2)`)
	at := time.Date(2024, 2, 29, 12, 30, 45, 123456000, time.UTC)
	rows := [][]any{
		{int64(1), "plain", at, 1.5, big.NewRat(1, 4), true, []byte{0, 1, 0xff}, types.UUID{1, 2, 3}, map[string]any{"k": "v"}, []int32{1, 2, 3}, "happy", at, 90 * time.Minute, int16(-7)},
		{int64(2), "tab\there\nnewline \\ backslash \"quote\" 'single' é", at.Add(time.Hour), -0.25, "12345678901234567890.123", false, []byte{}, "00000000-0000-0000-0000-00000000002a", json.RawMessage(`[1, "two"]`), []int32{}, "sad", at, time.Duration(0), int16(32767)},
		{int64(3), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
		{int64(4), "", at, 0.0, 0, true, []byte("\\x00"), [16]byte{}, nil, []*int32{nil}, "ok", at, time.Second, nil},
	}
	n, err := conn.CopyFrom(ctx, pgmoon.Identifier{"ct"},
		[]string{"id", "name", "at", "f", "n", "ok", "raw", "u", "doc", "tags", "m", "d", "iv", "small"},
		pgmoon.CopyFromRows(rows))
	if err != nil || n != 4 {
		t.Fatalf("CopyFrom = %d, %v", n, err)
	}
	// Compared with what the server itself renders for the same values.
	want := []string{
		"1\tplain\t2024-02-29 12:30:45.123456+00\t1.5\t0.25\tt\t\\\\x0001ff\t01020300-0000-0000-0000-000000000000\t{\"k\": \"v\"}\t{1,2,3}\thappy\t2024-02-29\t01:30:00\t-7",
		"2\ttab\\there\\nnewline \\\\ backslash \"quote\" 'single' é\t2024-02-29 13:30:45.123456+00\t-0.25\t12345678901234567890.123\tf\t\\\\x\t00000000-0000-0000-0000-00000000002a\t[1, \"two\"]\t{}\tsad\t2024-02-29\t00:00:00\t32767",
		"3\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N",
		"4\t\t2024-02-29 12:30:45.123456+00\t0\t0\tt\t\\\\x5c783030\t00000000-0000-0000-0000-000000000000\t\\N\t{NULL}\tok\t2024-02-29\t00:00:01\t\\N",
	}
	mustExec(t, conn, "set timezone = 'UTC'")
	got := copyRows(t, conn, "ct")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// A column type without a binary form (tsvector) switches the whole COPY
// to text format, with tabs, newlines and backslashes escaped.
func TestCopyFromTextFallback(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	mustExec(t, conn, "create temp table tf (id int4, body text, tsv tsvector, raw bytea)")
	nasty := "a\tb\nc\rd\\e \\N \\. end"
	n, err := conn.CopyFrom(ctx, pgmoon.Identifier{"tf"}, []string{"id", "body", "tsv", "raw"}, pgmoon.CopyFromRows([][]any{
		{1, nasty, "fat cat", []byte{0, '\\', '\t'}},
		{2, nil, nil, nil},
		{3, `\.`, "'a b':1", []byte{}},
	}))
	if err != nil || n != 3 {
		t.Fatalf("CopyFrom = %d, %v", n, err)
	}
	var body, tsv *string
	var raw []byte
	if err := conn.QueryRow(ctx, "select body, tsv::text, raw from tf where id = 1").Scan(&body, &tsv, &raw); err != nil {
		t.Fatal(err)
	}
	if *body != nasty || *tsv != "'cat' 'fat'" || !bytes.Equal(raw, []byte{0, '\\', '\t'}) {
		t.Errorf("row 1 = %q, %q, %q", *body, *tsv, raw)
	}
	if err := conn.QueryRow(ctx, "select body, tsv::text from tf where id = 2").Scan(&body, &tsv); err != nil || body != nil || tsv != nil {
		t.Errorf("row 2 = %v, %v, %v; want NULLs", body, tsv, err)
	}
	if err := conn.QueryRow(ctx, "select body from tf where id = 3").Scan(&body); err != nil || *body != `\.` {
		t.Errorf("row 3 = %v, %v", body, err)
	}
}

func TestCopyFromSources(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	mustExec(t, conn, "create temp table src (id int4, label text)")
	want := []string{"1\tone", "2\ttwo", "3\tthree"}
	labels := []string{"one", "two", "three"}
	seqStopped := false
	sources := map[string]func() pgmoon.CopyFromSource{
		"rows": func() pgmoon.CopyFromSource {
			return pgmoon.CopyFromRows([][]any{{1, "one"}, {2, "two"}, {3, "three"}})
		},
		"slice": func() pgmoon.CopyFromSource {
			return pgmoon.CopyFromSlice(len(labels), func(i int) ([]any, error) { return []any{i + 1, labels[i]}, nil })
		},
		"func reusing its slice": func() pgmoon.CopyFromSource {
			i := 0
			row := make([]any, 2)
			return pgmoon.CopyFromFunc(func() ([]any, error) {
				if i == len(labels) {
					return nil, nil
				}
				row[0], row[1] = i+1, labels[i]
				i++
				return row, nil
			})
		},
		"seq": func() pgmoon.CopyFromSource {
			return pgmoon.CopyFromSeq(func(yield func([]any, error) bool) {
				defer func() { seqStopped = true }()
				for i, l := range labels {
					if !yield([]any{i + 1, l}, nil) {
						return
					}
				}
			})
		},
	}
	for name, src := range sources {
		t.Run(name, func(t *testing.T) {
			mustExec(t, conn, "truncate src")
			n, err := conn.CopyFrom(ctx, pgmoon.Identifier{"src"}, []string{"id", "label"}, src())
			if err != nil || n != 3 {
				t.Fatalf("CopyFrom = %d, %v", n, err)
			}
			if diff := cmp.Diff(want, copyRows(t, conn, "src")); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
	if !seqStopped {
		t.Error("the iterator did not run to its end")
	}
	t.Run("no rows", func(t *testing.T) {
		mustExec(t, conn, "truncate src")
		n, err := conn.CopyFrom(ctx, pgmoon.Identifier{"src"}, []string{"id"}, pgmoon.CopyFromRows(nil))
		if err != nil || n != 0 {
			t.Fatalf("CopyFrom = %d, %v", n, err)
		}
	})
	t.Run("seq stopped early by a server error runs its cleanup", func(t *testing.T) {
		mustExec(t, conn, "create temp table src_nn (id int4 not null)")
		cleaned := false
		_, err := conn.CopyFrom(ctx, pgmoon.Identifier{"src_nn"}, []string{"id"}, pgmoon.CopyFromSeq(func(yield func([]any, error) bool) {
			defer func() { cleaned = true }()
			for i := 0; ; i++ {
				if !yield([]any{nil}, nil) {
					return
				}
			}
		}))
		if !errors.Is(err, &pgmoon.PgError{Code: "23502"}) || !cleaned {
			t.Fatalf("err = %v, cleanup ran = %v", err, cleaned)
		}
		usable(t, conn)
	})
}

// Names are quoted, whatever they hold: nothing in them reaches the SQL
// unquoted.
func TestCopyFromQuotesNames(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	mustExec(t, conn, `create schema if not exists "Copy Schema"`)
	t.Cleanup(func() { conn.Exec(context.Background(), `drop schema "Copy Schema" cascade`) })
	mustExec(t, conn, `create table "Copy Schema"."Odd ""Table""; drop table x" ("Id" int4, "with space" text, "semi;colon" text)`)
	n, err := conn.CopyFrom(ctx, pgmoon.Identifier{"Copy Schema", `Odd "Table"; drop table x`}, []string{"Id", "with space", "semi;colon"},
		pgmoon.CopyFromRows([][]any{{1, "a", "b"}}))
	if err != nil || n != 1 {
		t.Fatalf("CopyFrom = %d, %v", n, err)
	}
	if got := scalar(t, conn, `select "with space" || "semi;colon" from "Copy Schema"."Odd ""Table""; drop table x"`); got != "ab" {
		t.Errorf("got %q", got)
	}
}

func TestIdentifierQuote(t *testing.T) {
	for _, tc := range []struct {
		id   pgmoon.Identifier
		want string
		err  string
	}{
		{pgmoon.Identifier{"users"}, `"users"`, ""},
		{pgmoon.Identifier{"public", "Users"}, `"public"."Users"`, ""},
		{pgmoon.Identifier{`a"b`}, `"a""b"`, ""},
		{pgmoon.Identifier{"db", "s", "t"}, `"db"."s"."t"`, ""},
		{nil, "", "empty identifier"},
		{pgmoon.Identifier{"s", ""}, "", "empty part"},
		{pgmoon.Identifier{"a\x00b"}, "", "NUL"},
		{pgmoon.Identifier{"\xff"}, "", "UTF-8"},
	} {
		got, err := tc.id.Quote()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err = %v, want one containing %q", []string(tc.id), err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q = %s, %v; want %s", []string(tc.id), got, err, tc.want)
		}
	}
}

// Mistakes are named, and leave the connection usable and the table
// untouched.
func TestCopyFromMistakes(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	mustExec(t, conn, "create temp table m (id int8, name text, at timestamptz)")
	cols := []string{"id", "name", "at"}
	for _, tc := range []struct {
		name  string
		table pgmoon.Identifier
		cols  []string
		src   pgmoon.CopyFromSource
		want  string
		code  string
	}{
		{"no columns", pgmoon.Identifier{"m"}, nil, pgmoon.CopyFromRows(nil), "no columns given", ""},
		{"NUL in a column name", pgmoon.Identifier{"m"}, []string{"i\x00d"}, pgmoon.CopyFromRows(nil), "column 1", ""},
		{"empty table name", pgmoon.Identifier{}, cols, pgmoon.CopyFromRows(nil), "table name: empty identifier", ""},
		{"nil source", pgmoon.Identifier{"m"}, cols, nil, "nil CopyFromSource", ""},
		{"no such table", pgmoon.Identifier{"nope"}, cols, pgmoon.CopyFromRows(nil), "does not exist", "42P01"},
		{"no such column", pgmoon.Identifier{"m"}, []string{"id", "nope"}, pgmoon.CopyFromRows(nil), "does not exist", "42703"},
		{"too few values", pgmoon.Identifier{"m"}, cols, pgmoon.CopyFromRows([][]any{{1, "a", time.Now()}, {2, "b"}}), "row 2 has 2 values for 3 columns", ""},
		{"unencodable value", pgmoon.Identifier{"m"}, cols, pgmoon.CopyFromRows([][]any{{1, "a", time.Now()}, {2, "b", 3.5}}), `row 2, column "at": cannot encode float64 as timestamptz`, ""},
		{"string for int8", pgmoon.Identifier{"m"}, cols, pgmoon.CopyFromRows([][]any{{"1", "a", nil}}), "binary COPY cannot send a string", ""},
		{"out of range", pgmoon.Identifier{"m"}, cols, pgmoon.CopyFromRows([][]any{{uint64(1 << 63), "a", nil}}), "out of range", ""},
		{"values error", pgmoon.Identifier{"m"}, cols, &failingValues{}, "row source: row 1: no values today", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := conn.CopyFrom(ctx, tc.table, tc.cols, tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			var pgErr *pgmoon.PgError
			if gotCode := ""; errors.As(err, &pgErr) {
				gotCode = pgErr.Code
				if gotCode != tc.code {
					t.Errorf("SQLSTATE %s, want %q", gotCode, tc.code)
				}
			} else if tc.code != "" {
				t.Errorf("err %v is not a *PgError", err)
			}
			usable(t, conn)
			if got := scalar(t, conn, "select count(*) from m"); got != "0" {
				t.Errorf("%s rows in the table", got)
			}
		})
	}
}

type failingValues struct{ done bool }

func (f *failingValues) Next() bool {
	r := !f.done
	f.done = true
	return r
}
func (f *failingValues) Values() ([]any, error) { return nil, errors.New("no values today") }
func (f *failingValues) Err() error             { return nil }

// An error from the row source ends the COPY with CopyFail: the error is
// returned as it is, nothing is inserted and the connection goes on, also
// inside a transaction, which the failed COPY fails.
func TestCopyFromSourceErrorSendsCopyFail(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	mustExec(t, conn, "create temp table sf (id int4)")
	errSource := errors.New("upstream feed broke")
	// The source fails after several chunks have gone out.
	source := func(failAt int) pgmoon.CopyFromSource {
		i := 0
		return pgmoon.CopyFromFunc(func() ([]any, error) {
			i++
			if i == failAt {
				return nil, errSource
			}
			return []any{i}, nil
		})
	}
	n, err := conn.CopyFrom(ctx, pgmoon.Identifier{"sf"}, []string{"id"}, source(100_000))
	if !errors.Is(err, errSource) || n != 0 {
		t.Fatalf("CopyFrom = %d, %v; want the source's error", n, err)
	}
	var pgErr *pgmoon.PgError
	if errors.As(err, &pgErr) {
		t.Errorf("the server's echo of CopyFail is in the error: %v", err)
	}
	usable(t, conn)
	if got := scalar(t, conn, "select count(*) from sf"); got != "0" {
		t.Errorf("%s rows inserted", got)
	}

	// The CopyFail really went out, with the reason.
	cfg, err := pgmoon.ParseConfig(pgtest.Default(t).DSN())
	if err != nil {
		t.Fatal(err)
	}
	var trace lockedBuffer
	cfg.Tracer = protocol.NewTracer(&trace)
	traced := connectConfig(t, cfg)
	mustExec(t, traced, "create temp table sf (id int4)")
	if _, err := traced.CopyFrom(ctx, pgmoon.Identifier{"sf"}, []string{"id"}, source(10)); !errors.Is(err, errSource) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(trace.String(), "CopyFail\t \"row source: upstream feed broke\"") ||
		!strings.Contains(trace.String(), "COPY from stdin failed: row source: upstream feed broke") {
		t.Errorf("no CopyFail with the reason in the trace:\n%s", lastLines(trace.String(), 8))
	}

	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.CopyFrom(ctx, pgmoon.Identifier{"sf"}, []string{"id"}, source(100_000)); !errors.Is(err, errSource) {
		t.Fatalf("in a transaction: %v", err)
	}
	if conn.TxStatus() != 'E' {
		t.Errorf("TxStatus = %c, want E", conn.TxStatus())
	}
	if err := tx.Commit(ctx); !errors.Is(err, pgmoon.ErrTxCommitRollback) {
		t.Errorf("commit: %v", err)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// A server error in the middle of a large COPY FROM (row 500,000 of
// 1,000,000 breaks a constraint) stops the sending: the source is not read
// to its end, the error is the server's, and the connection goes on.
func TestCopyFromServerErrorMidway(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	mustExec(t, conn, "create temp table mid (id int8 check (id <> 500000), payload text)")
	const total = 1_000_000
	pulled := 0
	row := make([]any, 2)
	payload := strings.Repeat("p", 100)
	n, err := conn.CopyFrom(ctx, pgmoon.Identifier{"mid"}, []string{"id", "payload"}, pgmoon.CopyFromFunc(func() ([]any, error) {
		if pulled == total {
			return nil, nil
		}
		pulled++
		row[0], row[1] = int64(pulled), payload
		return row, nil
	}))
	var pgErr *pgmoon.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23514" || n != 0 {
		t.Fatalf("CopyFrom = %d, %v; want a check violation", n, err)
	}
	if !strings.Contains(pgErr.Where, "line 500000") {
		t.Errorf("Where = %q, want the line of row 500000", pgErr.Where)
	}
	if pulled >= total {
		t.Errorf("the source was read to its end (%d rows) after the server failed the COPY", pulled)
	}
	t.Logf("rows read from the source when the error arrived: %d of %d", pulled, total)
	usable(t, conn)
	if got := scalar(t, conn, "select count(*) from mid"); got != "0" {
		t.Errorf("%s rows inserted", got)
	}
}

// The end of the context ends a COPY FROM with the connection usable.
func TestCopyFromContextCancel(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	mustExec(t, conn, "create temp table cc (id int8)")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	i := int64(0)
	n, err := conn.CopyFrom(ctx, pgmoon.Identifier{"cc"}, []string{"id"}, pgmoon.CopyFromFunc(func() ([]any, error) {
		i++
		if i == 50_000 {
			cancel()
		}
		if i > 10_000_000 {
			return nil, errors.New("the COPY did not stop")
		}
		return []any{i}, nil
	}))
	if !errors.Is(err, context.Canceled) || n != 0 {
		t.Fatalf("CopyFrom = %d, %v; want context.Canceled", n, err)
	}
	if conn.IsClosed() {
		t.Fatal("connection closed")
	}
	usable(t, conn)
	if got := scalar(t, conn, "select count(*) from cc"); got != "0" {
		t.Errorf("%s rows inserted", got)
	}
}

// Notices raised for each row (by a trigger) reach OnNotice while the COPY
// streams, from the goroutine that reads the server's answer.
func TestCopyFromNotices(t *testing.T) {
	cfg, err := pgmoon.ParseConfig(pgtest.Default(t).DSN())
	if err != nil {
		t.Fatal(err)
	}
	var notices []string
	cfg.OnNotice = func(_ *pgmoon.Conn, n *pgmoon.Notice) { notices = append(notices, n.Message) }
	conn := connectConfig(t, cfg)
	ctx := testCtx(t)
	mustExec(t, conn, "create temp table cn (id int4)")
	mustExec(t, conn, `create function pg_temp.cn_notice() returns trigger language plpgsql as $$
		begin raise notice 'row %', new.id; return new; end $$`)
	mustExec(t, conn, "create trigger cn_notice before insert on cn for each row execute function pg_temp.cn_notice()")
	n, err := conn.CopyFrom(ctx, pgmoon.Identifier{"cn"}, []string{"id"}, pgmoon.CopyFromSlice(300, func(i int) ([]any, error) { return []any{i + 1}, nil }))
	if err != nil || n != 300 {
		t.Fatalf("CopyFrom = %d, %v", n, err)
	}
	if len(notices) != 300 || notices[0] != "row 1" || notices[299] != "row 300" {
		t.Errorf("%d notices: first %q", len(notices), notices[:min(1, len(notices))])
	}
}

func TestCopyInTransaction(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	mustExec(t, conn, "create temp table ctx_t (id int4)")
	rows := pgmoon.CopyFromSlice(10, func(i int) ([]any, error) { return []any{i}, nil })
	err := pgmoon.BeginFunc(ctx, conn, func(tx *pgmoon.Tx) error {
		if n, err := tx.CopyFrom(ctx, pgmoon.Identifier{"ctx_t"}, []string{"id"}, rows); err != nil || n != 10 {
			return fmt.Errorf("CopyFrom = %d, %v", n, err)
		}
		var buf bytes.Buffer
		if n, err := tx.CopyTo(ctx, &buf, "copy ctx_t to stdout"); err != nil || n != 10 {
			return fmt.Errorf("CopyTo = %d, %v", n, err)
		}
		if n, err := tx.CopyFromReader(ctx, strings.NewReader("100\n"), "copy ctx_t from stdin"); err != nil || n != 1 {
			return fmt.Errorf("CopyFromReader = %d, %v", n, err)
		}
		return errors.New("roll back")
	})
	if err == nil || err.Error() != "roll back" {
		t.Fatal(err)
	}
	if got := scalar(t, conn, "select count(*) from ctx_t"); got != "0" {
		t.Errorf("%s rows after rollback", got)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx.Rollback(ctx)
	if _, err := tx.CopyFrom(ctx, pgmoon.Identifier{"ctx_t"}, []string{"id"}, rows); !errors.Is(err, pgmoon.ErrTxClosed) {
		t.Errorf("CopyFrom on a closed Tx: %v", err)
	}
	if _, err := tx.CopyTo(ctx, io.Discard, "copy ctx_t to stdout"); !errors.Is(err, pgmoon.ErrTxClosed) {
		t.Errorf("CopyTo on a closed Tx: %v", err)
	}
	if _, err := tx.CopyFromReader(ctx, strings.NewReader(""), "copy ctx_t from stdin"); !errors.Is(err, pgmoon.ErrTxClosed) {
		t.Errorf("CopyFromReader on a closed Tx: %v", err)
	}
}

func TestCopyFromReader(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	mustExec(t, conn, "create temp table r (id int4, name text)")
	t.Run("csv with header", func(t *testing.T) {
		mustExec(t, conn, "truncate r")
		csv := "id,name\n1,\"comma, inside\"\n2,\"line\nbreak\"\n3,\n"
		n, err := conn.CopyFromReader(ctx, strings.NewReader(csv), "copy r from stdin (format csv, header)")
		if err != nil || n != 3 {
			t.Fatalf("CopyFromReader = %d, %v", n, err)
		}
		want := []string{"1\tcomma, inside", "2\tline\\nbreak", "3\t\\N"}
		if diff := cmp.Diff(want, copyRows(t, conn, "r")); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}
	})
	t.Run("text streamed in small reads", func(t *testing.T) {
		mustExec(t, conn, "truncate r")
		var sb strings.Builder
		for i := range 20000 {
			fmt.Fprintf(&sb, "%d\tname %d\n", i, i)
		}
		n, err := conn.CopyFromReader(ctx, &oneByteChunks{r: strings.NewReader(sb.String()), max: 7}, "copy r from stdin")
		if err != nil || n != 20000 {
			t.Fatalf("CopyFromReader = %d, %v", n, err)
		}
		if got := scalar(t, conn, "select sum(id) from r"); got != "199990000" {
			t.Errorf("sum = %s", got)
		}
	})
	t.Run("reader error sends CopyFail", func(t *testing.T) {
		mustExec(t, conn, "truncate r")
		errRead := errors.New("disk unplugged")
		_, err := conn.CopyFromReader(ctx, io.MultiReader(strings.NewReader("1\ta\n"), &errReader{errRead}), "copy r from stdin")
		if !errors.Is(err, errRead) {
			t.Fatalf("err = %v", err)
		}
		usable(t, conn)
		if got := scalar(t, conn, "select count(*) from r"); got != "0" {
			t.Errorf("%s rows", got)
		}
	})
	t.Run("bad data is the server's error", func(t *testing.T) {
		_, err := conn.CopyFromReader(ctx, strings.NewReader("1\ta\nx\tb\n"), "copy r from stdin")
		var pgErr *pgmoon.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "22P02" || !strings.Contains(pgErr.Where, "line 2") {
			t.Fatalf("err = %v", err)
		}
		usable(t, conn)
	})
	t.Run("not a COPY FROM STDIN", func(t *testing.T) {
		for _, sql := range []string{"select 1", "copy r to stdout", "select 1; copy r from stdin"} {
			_, err := conn.CopyFromReader(ctx, strings.NewReader("1\ta\n"), sql)
			if err == nil || !strings.Contains(err.Error(), "did not start COPY FROM STDIN") {
				t.Errorf("%s: err = %v", sql, err)
			}
			usable(t, conn)
		}
		_, err := conn.CopyFromReader(ctx, strings.NewReader(""), "copy nope from stdin")
		if !errors.Is(err, &pgmoon.PgError{Code: "42P01"}) {
			t.Errorf("missing table: %v", err)
		}
		usable(t, conn)
	})
}

// oneByteChunks returns at most max bytes per Read.
type oneByteChunks struct {
	r   io.Reader
	max int
}

func (o *oneByteChunks) Read(p []byte) (int, error) { return o.r.Read(p[:min(len(p), o.max)]) }

type errReader struct{ err error }

func (e *errReader) Read([]byte) (int, error) { return 0, e.err }

func TestCopyTo(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	mustExec(t, conn, "create temp table o (id int4, name text)")
	mustExec(t, conn, "insert into o select g, 'name ' || g from generate_series(1, 5) g")
	t.Run("csv", func(t *testing.T) {
		var buf bytes.Buffer
		n, err := conn.CopyTo(ctx, &buf, "copy (select * from o order by id) to stdout (format csv, header)")
		if err != nil || n != 5 {
			t.Fatalf("CopyTo = %d, %v", n, err)
		}
		if want := "id,name\n1,name 1\n2,name 2\n3,name 3\n4,name 4\n5,name 5\n"; buf.String() != want {
			t.Errorf("got %q", buf.String())
		}
	})
	t.Run("binary round trip", func(t *testing.T) {
		var buf bytes.Buffer
		if n, err := conn.CopyTo(ctx, &buf, "copy o to stdout (format binary)"); err != nil || n != 5 {
			t.Fatalf("CopyTo = %d, %v", n, err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("PGCOPY\n\xff\r\n\x00")) {
			t.Fatalf("no binary header: %q", buf.Bytes()[:min(buf.Len(), 20)])
		}
		mustExec(t, conn, "create temp table o2 (like o)")
		if n, err := conn.CopyFromReader(ctx, &buf, "copy o2 from stdin (format binary)"); err != nil || n != 5 {
			t.Fatalf("CopyFromReader = %d, %v", n, err)
		}
		if diff := cmp.Diff(copyRows(t, conn, "o"), copyRows(t, conn, "o2")); diff != "" {
			t.Errorf("binary round trip (-want +got):\n%s", diff)
		}
	})
	t.Run("not a COPY TO STDOUT", func(t *testing.T) {
		for _, sql := range []string{"select 1", "copy o from stdin", "copy o to stdout; select 1", "set search_path = public"} {
			_, err := conn.CopyTo(ctx, io.Discard, sql)
			if err == nil || !strings.Contains(err.Error(), "did not start COPY TO STDOUT") {
				t.Errorf("%s: err = %v", sql, err)
			}
			usable(t, conn)
		}
		if _, err := conn.CopyTo(ctx, io.Discard, "copy nope to stdout"); !errors.Is(err, &pgmoon.PgError{Code: "42P01"}) {
			t.Errorf("missing table: %v", err)
		}
		if _, err := conn.CopyTo(ctx, io.Discard, "copy o to stdout\x00"); err == nil || !strings.Contains(err.Error(), "NUL") {
			t.Errorf("NUL: %v", err)
		}
		usable(t, conn)
	})
	t.Run("two copies in one string", func(t *testing.T) {
		var buf bytes.Buffer
		n, err := conn.CopyTo(ctx, &buf, "copy (select 1) to stdout; copy (select 2 union all select 3) to stdout")
		if err != nil || n != 3 || buf.String() != "1\n2\n3\n" {
			t.Fatalf("CopyTo = %d, %v, %q", n, err, buf.String())
		}
	})
}

// lineCounter counts the lines written to it, and can fail at a given
// line or call onLine after each write.
type lineCounter struct {
	lines  int
	failAt int // fail the Write that reaches this many lines (0: never)
	err    error
	onLine func(n int)
}

func (w *lineCounter) Write(p []byte) (int, error) {
	w.lines += bytes.Count(p, []byte("\n"))
	if w.onLine != nil {
		w.onLine(w.lines)
	}
	if w.failAt > 0 && w.lines >= w.failAt {
		return 0, w.err
	}
	return len(p), nil
}

// A server error in the middle of COPY TO (row 500,000 of 1,000,000
// divides by zero) comes back as the *PgError after the rows before it were
// written, and the connection goes on.
func TestCopyToServerErrorMidway(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	w := &lineCounter{}
	n, err := conn.CopyTo(testCtx(t), w, "copy (select g, 1 / (g - 500000) from generate_series(1, 1000000) g) to stdout")
	var pgErr *pgmoon.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "22012" || n != 0 {
		t.Fatalf("CopyTo = %d, %v; want division_by_zero", n, err)
	}
	if w.lines != 499_999 {
		t.Errorf("%d lines written, want the 499999 before the error", w.lines)
	}
	usable(t, conn)
}

// countingDialer counts the bytes read from the connections it makes.
type countingDialer struct{ read atomic.Int64 }

func (d *countingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, n: &d.read}, nil
}

// When the writer fails, CopyTo cancels the server's COPY rather than
// reading all of it, returns the writer's error, and the connection goes
// on. The end of the context does the same.
func TestCopyToStops(t *testing.T) {
	cfg, err := pgmoon.ParseConfig(pgtest.Default(t).DSN())
	if err != nil {
		t.Fatal(err)
	}
	d := &countingDialer{}
	cfg.Dialer = d
	conn := connectConfig(t, cfg)
	// About 120 MB of COPY data if it ran to its end.
	const big = "copy (select g, repeat('x', 100) from generate_series(1, 1000000) g) to stdout"
	t.Run("writer error", func(t *testing.T) {
		before := d.read.Load()
		errFull := errors.New("disk full")
		_, err := conn.CopyTo(testCtx(t), &lineCounter{failAt: 1000, err: errFull}, big)
		if !errors.Is(err, errFull) {
			t.Fatalf("err = %v, want the writer's", err)
		}
		if got := d.read.Load() - before; got > 60<<20 {
			t.Errorf("read %d MB after the writer failed: the COPY was not stopped", got>>20)
		}
		if conn.IsClosed() {
			t.Fatal("connection closed")
		}
		usable(t, conn)
	})
	t.Run("context", func(t *testing.T) {
		before := d.read.Load()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w := &lineCounter{onLine: func(n int) {
			if n >= 1000 {
				cancel()
			}
		}}
		_, err := conn.CopyTo(ctx, w, big)
		if !errors.Is(err, context.Canceled) || !errors.Is(err, &pgmoon.PgError{Code: "57014"}) {
			t.Fatalf("err = %v, want context.Canceled and query_canceled", err)
		}
		if got := d.read.Load() - before; got > 60<<20 {
			t.Errorf("read %d MB after the context ended", got>>20)
		}
		usable(t, conn)
	})
}

// heapPeak runs f and returns how far the heap (live and not yet swept
// objects) rose above where it was before, sampled every millisecond.
func heapPeak(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	runtime.GC()
	base := read()
	stop, peak := make(chan struct{}), make(chan uint64)
	go func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		var top uint64
		for {
			select {
			case <-stop:
				peak <- top
				return
			case <-tick.C:
				top = max(top, read())
			}
		}
	}()
	f()
	close(stop)
	return max(<-peak, base) - base
}

// A million rows in and out with the heap staying flat: the data (about
// 90 MB each way) is streamed, never held. Not parallel, so that no other
// test's allocations are measured.
func TestCopyMillionRowsFlatMemory(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	mustExec(t, conn, "create temp table big (id int8, name text, at timestamptz, f float8)")
	const total = 1_000_000
	const limit = 32 << 20
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var copied int64
	var err error
	grew := heapPeak(func() {
		i := 0
		row := make([]any, 4)
		copied, err = conn.CopyFrom(ctx, pgmoon.Identifier{"big"}, []string{"id", "name", "at", "f"}, pgmoon.CopyFromFunc(func() ([]any, error) {
			if i == total {
				return nil, nil
			}
			i++
			row[0], row[1], row[2], row[3] = int64(i), "a name of some forty bytes, row "+fmt.Sprint(i), at.Add(time.Duration(i)*time.Second), float64(i)/3
			return row, nil
		}))
	})
	if err != nil || copied != total {
		t.Fatalf("CopyFrom = %d, %v", copied, err)
	}
	t.Logf("COPY FROM %d rows: heap peak %.1f MiB above the start", total, float64(grew)/(1<<20))
	if grew > limit {
		t.Errorf("COPY FROM: heap grew by %d MiB", grew>>20)
	}

	w := &lineCounter{}
	bw := bufio.NewWriter(w)
	grew = heapPeak(func() { copied, err = conn.CopyTo(ctx, bw, "copy big to stdout") })
	if err != nil || copied != total || bw.Flush() != nil || w.lines != total {
		t.Fatalf("CopyTo = %d, %v; %d lines", copied, err, w.lines)
	}
	t.Logf("COPY TO %d rows: heap peak %.1f MiB above the start", total, float64(grew)/(1<<20))
	if grew > limit {
		t.Errorf("COPY TO: heap grew by %d MiB", grew>>20)
	}
	if got := scalar(t, conn, "select sum(id) = 500000500000 and max(name) = 'a name of some forty bytes, row 999999' from big"); got != "t" {
		t.Errorf("table content check = %s", got)
	}
}

// iter.Seq2 sources stop the iterator when CopyFrom returns early for any
// reason, here the end of the context.
func TestCopyFromSeqCancel(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	mustExec(t, conn, "create temp table sc (id int8)")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var seq iter.Seq2[[]any, error] = func(yield func([]any, error) bool) {
		for i := int64(0); ; i++ {
			if i == 10_000 {
				cancel()
			}
			if !yield([]any{i}, nil) {
				return
			}
		}
	}
	if _, err := conn.CopyFrom(ctx, pgmoon.Identifier{"sc"}, []string{"id"}, pgmoon.CopyFromSeq(seq)); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	usable(t, conn)
}

// copyFuzz holds FuzzCopyFromRoundTrip's connection for the whole process.
var copyFuzz struct {
	mu   sync.Mutex
	dsn  string
	conn *pgmoon.Conn
}

// FuzzCopyFromRoundTrip copies fuzzed text and bytes into a table in both
// of CopyFrom's formats, binary and text (a tsvector column forces text,
// where tabs, newlines and backslashes are escaped by the driver), and
// reads them back: valid UTF-8 without NUL must come back unchanged, and
// anything else must be refused with the connection still usable. Run it
// with
//
//	go test -run XXX -fuzz FuzzCopyFromRoundTrip -fuzztime 60s .
func FuzzCopyFromRoundTrip(f *testing.F) {
	dsn := fuzzServerDSN(f)
	for _, s := range []string{"", "plain", "\t\n\r\\", `\N`, `\.`, "\\.\n", "a\x00b", "\xff\xfe", "é\u2028\U0001F600", "\\\\N\t\\N\n", strings.Repeat("\\", 70000)} {
		f.Add(s, []byte(s))
	}
	f.Fuzz(func(t *testing.T, s string, raw []byte) {
		copyFuzz.mu.Lock()
		defer copyFuzz.mu.Unlock()
		ctx := fuzzCtx(t)
		if copyFuzz.dsn != dsn || copyFuzz.conn == nil || copyFuzz.conn.IsClosed() {
			conn, err := pgmoon.ConnectString(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			copyFuzz.dsn, copyFuzz.conn = dsn, conn
			for _, sql := range []string{
				"create temp table fz_bin (id int4, body text, raw bytea)",
				"create temp table fz_text (id int4, body text, raw bytea, tsv tsvector)",
			} {
				if _, err := conn.Exec(ctx, sql); err != nil {
					t.Fatal(err)
				}
			}
		}
		conn := copyFuzz.conn
		valid := utf8.ValidString(s) && !strings.ContainsRune(s, 0)
		for _, tc := range []struct {
			table string
			cols  []string
			row   []any
		}{
			{"fz_bin", []string{"id", "body", "raw"}, []any{1, s, raw}},
			{"fz_text", []string{"id", "body", "raw", "tsv"}, []any{1, s, raw, nil}},
		} {
			if _, err := conn.Exec(ctx, "truncate "+tc.table); err != nil {
				t.Fatal(err)
			}
			_, err := conn.CopyFrom(ctx, pgmoon.Identifier{tc.table}, tc.cols, pgmoon.CopyFromRows([][]any{tc.row, []any{2, "after", []byte("after"), nil}[:len(tc.cols)]}))
			if !valid {
				if err == nil {
					t.Fatalf("%s: %q was accepted", tc.table, s)
				}
				usable(t, conn)
				continue
			}
			if err != nil {
				t.Fatalf("%s: CopyFrom(%q): %v", tc.table, s, err)
			}
			var body string
			var back []byte
			if err := conn.QueryRow(ctx, "select body, raw from "+tc.table+" where id = 1").Scan(&body, &back); err != nil {
				t.Fatal(err)
			}
			if body != s || !bytes.Equal(back, raw) {
				t.Fatalf("%s: sent %q, %q; read back %q, %q", tc.table, s, raw, body, back)
			}
			if got := scalar(t, conn, "select body from "+tc.table+" where id = 2"); got != "after" {
				t.Fatalf("%s: the next row reads %q", tc.table, got)
			}
		}
	})
}
