package compat_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// The values the tools get through database/sql from pgmoon, beyond what
// the sqlx tests scan, and the arguments it takes: where it differs from
// lib/pq, README.md says so.

// TestSQLInfiniteTimestamps: 'infinity' and '-infinity' in date,
// timestamp and timestamptz columns reach database/sql as the strings
// "infinity" and "-infinity" (sqldriver.go, sqlKind), so that they scan
// into strings, sql.NullString or any, in every exec mode.
//
// It fails today: sqlValue expects types.Date and types.Timestamp with
// Inf set from DecodeAny, but the codecs' DecodeAny returns a bare
// types.Infinity for an infinite value, which sqlValue refuses ("cannot
// make a database/sql value of timestamptz value infinity"), and the row
// is lost.
func TestSQLInfiniteTimestamps(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"cache_statement", "exec", "simple_protocol"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			db := sqlx.MustOpen("pgmoon", withSetting(pgtestDSN(t), "default_query_exec_mode", mode))
			defer db.Close()
			var got struct {
				D   string `db:"d"`
				TS  string `db:"ts"`
				TZ  string `db:"tz"`
				Any any    `db:"a"`
			}
			err := db.Get(&got, `select 'infinity'::date as d, '-infinity'::timestamp as ts, 'infinity'::timestamptz as tz, '-infinity'::timestamptz as a`)
			if err != nil {
				t.Fatalf("infinite date and timestamps: %v", err)
			}
			if got.D != "infinity" || got.TS != "-infinity" || got.TZ != "infinity" || got.Any != "-infinity" {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestSQLTimes(t *testing.T) {
	t.Parallel()
	db := sqlx.NewDb(openDB(t), "pgmoon")
	mustExec(t, db, `create table times (ts timestamp, tz timestamptz, d date)`)

	// A time.Time for a timestamp (without time zone) is stored as its
	// wall clock, as lib/pq and pgx do; for a timestamptz, as the
	// instant.
	at := time.Date(2024, 5, 6, 10, 30, 0, 0, time.FixedZone("UTC+2", 2*3600))
	if _, err := db.Exec(`insert into times values ($1, $2, $3)`, at, at, at); err != nil {
		t.Fatal(err)
	}
	var text struct {
		TS string `db:"ts"`
		TZ string `db:"tz"`
		D  string `db:"d"`
	}
	if err := db.Get(&text, `select ts::text as ts, (tz at time zone 'UTC')::text as tz, d::text as d from times`); err != nil {
		t.Fatal(err)
	}
	if text.TS != "2024-05-06 10:30:00" || text.TZ != "2024-05-06 08:30:00" || text.D != "2024-05-06" {
		t.Errorf("stored as %+v", text)
	}
	// Read back: timestamp and date in UTC, timestamptz in time.Local.
	var got struct {
		TS time.Time `db:"ts"`
		TZ time.Time `db:"tz"`
		D  time.Time `db:"d"`
	}
	if err := db.Get(&got, `select * from times`); err != nil {
		t.Fatal(err)
	}
	if got.TS != time.Date(2024, 5, 6, 10, 30, 0, 0, time.UTC) || !got.TZ.Equal(at) || got.TZ.Location() != time.Local ||
		got.D != time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC) {
		t.Errorf("read back %+v", got)
	}
}

func TestSQLArguments(t *testing.T) {
	t.Parallel()
	db := sqlx.NewDb(openDB(t), "pgmoon")
	mustExec(t, db, `create table args (doc jsonb, id uuid, span interval, n numeric, label text)`)

	// JSON as []byte (json.RawMessage), string, or a Go value the driver
	// marshals; uuid and interval from strings; time.Duration for an
	// interval; numbers for a numeric.
	type Label string
	_, err := db.Exec(`insert into args values ($1, $2, $3, $4, $5)`,
		json.RawMessage(`{"a": [1, 2]}`), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", 90*time.Minute, 0.1, Label("named string type"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`insert into args (doc, span, n) values ($1, $2, $3)`, map[string]any{"b": true}, "1 day", "12.50"); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Doc  json.RawMessage `db:"doc"`
		ID   *string         `db:"id"`
		Span string          `db:"span"`
		N    string          `db:"n"`
	}
	if err := db.Select(&rows, `select doc, id, span, n from args order by n`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || string(rows[0].Doc) != `{"a": [1, 2]}` || *rows[0].ID != "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" ||
		rows[0].Span != "01:30:00" || rows[0].N != "0.1" || string(rows[1].Doc) != `{"b": true}` || rows[1].Span != "1 day" || rows[1].N != "12.50" {
		t.Errorf("read back %+v", rows)
	}

	// Arguments are encoded for the type the server gives the parameter,
	// and a Go value of another sort is refused rather than turned into
	// text (lib/pq sends everything as text): an int for a text
	// parameter, including an untyped "select $1", which the server
	// types text. Cast the parameter ($1::int) or pass a string.
	var s string
	err = db.Get(&s, `select $1`, 5)
	if err == nil || !strings.Contains(err.Error(), "cannot encode int as text") {
		t.Errorf("select $1 with an int: %q, %v", s, err)
	}
	var n int
	if err := db.Get(&n, `select $1::int`, 5); err != nil || n != 5 {
		t.Errorf("select $1::int = %d, %v", n, err)
	}

	// PostgreSQL's protocol limit of 65535 parameters is checked before
	// anything is sent; GORM's CreateInBatches and sqlx.In stay under it
	// only if the caller chooses batch sizes that do.
	args := make([]any, 65536)
	var q strings.Builder
	q.WriteString("select 1 where 0 in (")
	for i := range args {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString("$" + strconv.Itoa(i+1))
		args[i] = i
	}
	q.WriteByte(')')
	if _, err := db.Exec(q.String(), args...); err == nil || !strings.Contains(err.Error(), "at most 65535") {
		t.Errorf("65536 parameters: err = %v", err)
	}
}
