package types_test

import (
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon/types"
)

// dtUTC is a date or time in UTC; year is astronomical (0 is 1 BC).
func dtUTC(y int, mo time.Month, d, h, mi, s, us int) time.Time {
	return time.Date(y, mo, d, h, mi, s, us*1000, time.UTC)
}

func dtZone(name string, off int) *time.Location { return time.FixedZone(name, off) }

func TestRoundTripDate(t *testing.T) {
	tokyo := dtZone("JST", 9*3600)
	runRoundTrip(t, []rtCase{
		{Type: "date", Literal: "'2000-01-01'", Value: dtUTC(2000, 1, 1, 0, 0, 0, 0)},
		{Type: "date", Literal: "'1999-12-31'", Value: dtUTC(1999, 12, 31, 0, 0, 0, 0)},
		{Type: "date", Literal: "'2000-02-29'", Value: dtUTC(2000, 2, 29, 0, 0, 0, 0)},
		{Type: "date", Literal: "'2024-02-29'", Value: dtUTC(2024, 2, 29, 0, 0, 0, 0)},
		{Type: "date", Literal: "'1900-03-01'", Value: dtUTC(1900, 3, 1, 0, 0, 0, 0)},
		{Type: "date", Literal: "'4713-01-01 BC'", Value: dtUTC(-4712, 1, 1, 0, 0, 0, 0)},
		{Type: "date", Literal: "'4714-11-24 BC'", Value: dtUTC(-4713, 11, 24, 0, 0, 0, 0)}, // Julian day 0, the minimum
		{Type: "date", Literal: "'0044-03-15 BC'", Value: dtUTC(-43, 3, 15, 0, 0, 0, 0)},
		{Type: "date", Literal: "'0001-02-29 BC'", Value: dtUTC(0, 2, 29, 0, 0, 0, 0)}, // 1 BC is a leap year
		{Type: "date", Literal: "'0001-01-01'", Value: dtUTC(1, 1, 1, 0, 0, 0, 0)},
		{Type: "date", Literal: "'9999-12-31'", Value: dtUTC(9999, 12, 31, 0, 0, 0, 0)},
		{Type: "date", Literal: "'10000-01-01'", Value: dtUTC(10000, 1, 1, 0, 0, 0, 0)},
		{Type: "date", Literal: "'294276-12-31'", Value: dtUTC(294276, 12, 31, 0, 0, 0, 0)},
		{Type: "date", Literal: "'5874897-12-31'", Value: dtUTC(5874897, 12, 31, 0, 0, 0, 0)}, // the maximum
		{Type: "date", Literal: "'infinity'", Value: types.PositiveInfinity, Want: types.Date{Inf: types.PositiveInfinity}},
		{Type: "date", Literal: "'-infinity'", Value: types.Date{Inf: types.NegativeInfinity}, Want: types.Date{Inf: types.NegativeInfinity}},
		{Type: "date", Literal: "NULL", Value: nil, Want: (*time.Time)(nil)},
		{Name: "date as Date", Type: "date", Literal: "'2024-02-29'", Value: types.Date{Time: dtUTC(2024, 2, 29, 0, 0, 0, 0)}},
		{Name: "date from Tokyo wall date", Type: "date", Literal: "'2024-02-29'",
			Value: time.Date(2024, 2, 29, 23, 30, 0, 0, tokyo), Want: dtUTC(2024, 2, 29, 0, 0, 0, 0)},
		{Name: "date string", Type: "date", Literal: "'2024-02-29'", Value: "2024-02-29", Want: "2024-02-29", Formats: textOnly},
		{Name: "date string binary read", Type: "date", Literal: "'0044-03-15 BC'", Value: "0044-03-15 BC", Want: "0044-03-15 BC", Formats: binaryOnly},
	})
}

func TestRoundTripTimestamp(t *testing.T) {
	tokyo := dtZone("JST", 9*3600)
	runRoundTrip(t, []rtCase{
		{Type: "timestamp", Literal: "'2000-01-01 00:00:00'", Value: dtUTC(2000, 1, 1, 0, 0, 0, 0)},
		{Type: "timestamp", Literal: "'1999-12-31 23:59:59.999999'", Value: dtUTC(1999, 12, 31, 23, 59, 59, 999999)},
		{Type: "timestamp", Literal: "'2000-02-29 12:00:00'", Value: dtUTC(2000, 2, 29, 12, 0, 0, 0)},
		{Type: "timestamp", Literal: "'2024-02-29 23:59:59.5'", Value: dtUTC(2024, 2, 29, 23, 59, 59, 500000)},
		{Type: "timestamp", Literal: "'1970-01-01 00:00:00.000001'", Value: dtUTC(1970, 1, 1, 0, 0, 0, 1)},
		{Type: "timestamp", Literal: "'4713-01-01 00:00:00 BC'", Value: dtUTC(-4712, 1, 1, 0, 0, 0, 0)},
		{Type: "timestamp", Literal: "'4714-11-24 00:00:00 BC'", Value: dtUTC(-4713, 11, 24, 0, 0, 0, 0)}, // the minimum
		{Type: "timestamp", Literal: "'0044-03-15 12:34:56.789 BC'", Value: dtUTC(-43, 3, 15, 12, 34, 56, 789000)},
		{Type: "timestamp", Literal: "'10000-01-01 00:00:00'", Value: dtUTC(10000, 1, 1, 0, 0, 0, 0)},
		{Type: "timestamp", Literal: "'294276-12-31 23:59:59.999999'", Value: dtUTC(294276, 12, 31, 23, 59, 59, 999999)}, // the maximum
		{Type: "timestamp", Literal: "'infinity'", Value: types.PositiveInfinity, Want: types.Timestamp{Inf: types.PositiveInfinity}},
		{Type: "timestamp", Literal: "'-infinity'", Value: types.Timestamp{Inf: types.NegativeInfinity}, Want: types.Timestamp{Inf: types.NegativeInfinity}},
		{Type: "timestamp", Literal: "NULL", Value: nil, Want: (*time.Time)(nil)},
		{Name: "timestamp wall clock of a Tokyo time", Type: "timestamp", Literal: "'2024-03-31 09:00:00'",
			Value: time.Date(2024, 3, 31, 9, 0, 0, 0, tokyo), Want: dtUTC(2024, 3, 31, 9, 0, 0, 0)},
		{Name: "timestamp nanoseconds truncated", Type: "timestamp", Literal: "'2024-01-01 00:00:00.123456'",
			Value: time.Date(2024, 1, 1, 0, 0, 0, 123456789, time.UTC), Want: dtUTC(2024, 1, 1, 0, 0, 0, 123456)},
		{Name: "timestamp negative nanoseconds truncated", Type: "timestamp", Literal: "'1969-12-31 23:59:59.999999'",
			Value: time.Unix(0, -1).UTC(), Want: dtUTC(1969, 12, 31, 23, 59, 59, 999999)},
		{Name: "timestamp as Timestamp", Type: "timestamp", Literal: "'2024-02-29 00:00:00'",
			Value: types.Timestamp{Time: dtUTC(2024, 2, 29, 0, 0, 0, 0)}},
		{Name: "timestamp string", Type: "timestamp", Literal: "'2024-02-29 01:02:03.4'", Value: "2024-02-29T01:02:03.4",
			Want: "2024-02-29 01:02:03.4"},
	})
}

// dtTimestamptzCases are read back in several session time zones: the
// server prints them with the zone's offsets, historical LMT ones included.
func dtTimestamptzCases() []rtCase {
	return []rtCase{
		{Type: "timestamptz", Literal: "'2000-01-01 00:00:00+00'", Value: dtUTC(2000, 1, 1, 0, 0, 0, 0)},
		{Type: "timestamptz", Literal: "'1999-12-31 23:59:59.999999+00'", Value: dtUTC(1999, 12, 31, 23, 59, 59, 999999)},
		{Type: "timestamptz", Literal: "'2024-03-31 01:30:00+01'", Value: time.Date(2024, 3, 31, 1, 30, 0, 0, dtZone("", 3600))},
		{Type: "timestamptz", Literal: "'2024-03-31 01:30:00-09:30'", Value: time.Date(2024, 3, 31, 1, 30, 0, 0, dtZone("", -9*3600-1800))},
		{Type: "timestamptz", Literal: "'2024-02-29 12:00:00+05:30'", Value: time.Date(2024, 2, 29, 12, 0, 0, 0, dtZone("IST", 19800))},
		{Type: "timestamptz", Literal: "'2000-02-29 23:59:59.000001-12'", Value: time.Date(2000, 2, 29, 23, 59, 59, 1000, dtZone("", -12*3600))},
		{Type: "timestamptz", Literal: "'1900-01-01 00:00:00+00:19:32'", Value: time.Date(1900, 1, 1, 0, 0, 0, 0, dtZone("LMT", 1172))},
		{Type: "timestamptz", Literal: "'1800-01-01 00:00:00-03:30:52'", Value: time.Date(1800, 1, 1, 0, 0, 0, 0, dtZone("LMT", -12652))},
		{Type: "timestamptz", Literal: "'0044-03-15 12:00:00+00 BC'", Value: dtUTC(-43, 3, 15, 12, 0, 0, 0)},
		{Type: "timestamptz", Literal: "'4713-01-01 00:00:00+00 BC'", Value: dtUTC(-4712, 1, 1, 0, 0, 0, 0)},
		{Type: "timestamptz", Literal: "'4714-11-25 00:00:00+00 BC'", Value: dtUTC(-4713, 11, 25, 0, 0, 0, 0)},
		{Type: "timestamptz", Literal: "'10000-01-01 00:00:00+00'", Value: dtUTC(10000, 1, 1, 0, 0, 0, 0)},
		{Type: "timestamptz", Literal: "'294276-12-30 23:59:59.999999+00'", Value: dtUTC(294276, 12, 30, 23, 59, 59, 999999)},
		{Type: "timestamptz", Literal: "'infinity'", Value: types.PositiveInfinity, Want: types.Timestamp{Inf: types.PositiveInfinity}},
		{Type: "timestamptz", Literal: "'-infinity'", Value: types.NegativeInfinity, Want: types.Timestamp{Inf: types.NegativeInfinity}},
		{Type: "timestamptz", Literal: "NULL", Value: nil, Want: (*time.Time)(nil)},
		{Name: "timestamptz as Timestamp", Type: "timestamptz", Literal: "'2024-02-29 00:00:00+00'",
			Value: types.Timestamp{Time: dtUTC(2024, 2, 29, 0, 0, 0, 0)}},
	}
}

func TestRoundTripTimestamptz(t *testing.T) {
	cases := append(dtTimestamptzCases(),
		// Extremes in UTC: elsewhere their wall clock leaves the range.
		rtCase{Type: "timestamptz", Literal: "'4714-11-24 00:00:00+00 BC'", Value: dtUTC(-4713, 11, 24, 0, 0, 0, 0)},
		rtCase{Type: "timestamptz", Literal: "'294276-12-31 23:59:59.999999+00'", Value: dtUTC(294276, 12, 31, 23, 59, 59, 999999)},
		rtCase{Name: "timestamptz string without offset", Type: "timestamptz", Literal: "'2024-07-01 12:00:00+00'",
			Value: "2024-07-01 12:00:00", Want: "2024-07-01 12:00:00+00", Formats: textOnly},
	)
	runRoundTrip(t, cases)
	for _, zone := range []string{"Europe/Amsterdam", "America/St_Johns", "Asia/Kolkata", "Pacific/Kiritimati"} {
		t.Run(zone, func(t *testing.T) {
			dtSetTimeZone(t, zone)
			runRoundTrip(t, append(dtTimestamptzCases(),
				rtCase{Type: "timestamptz", Literal: "'294276-12-31 12:00:00+00'", Value: dtUTC(294276, 12, 31, 12, 0, 0, 0)},
			))
		})
	}
}

// dtSetTimeZone sets the shared connection's TimeZone for the rest of t.
func dtSetTimeZone(t *testing.T, zone string) {
	t.Helper()
	conn := rtConn(t)
	if _, err := conn.SimpleQuery(rtCtx(t), "set timezone = "+quoteLiteral(zone)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := conn.SimpleQuery(rtCtx(t), "reset timezone"); err != nil {
			t.Error(err)
		}
	})
}

func TestRoundTripTime(t *testing.T) {
	runRoundTrip(t, []rtCase{
		{Type: "time", Literal: "'00:00'", Value: types.Time{}},
		{Type: "time", Literal: "'23:59:59.999999'", Value: types.Time{Microseconds: 86400e6 - 1}},
		{Type: "time", Literal: "'24:00:00'", Value: types.Time{Microseconds: 86400e6}},
		{Type: "time", Literal: "'12:34:56.5'", Value: 12*time.Hour + 34*time.Minute + 56500*time.Millisecond},
		{Type: "time", Literal: "'00:00:00.000001'", Value: time.Microsecond + 999, Want: time.Microsecond},
		{Type: "time", Literal: "NULL", Value: nil, Want: (*types.Time)(nil)},
		{Name: "time string", Type: "time", Literal: "'04:05:06.789'", Value: "04:05:06.789", Want: "04:05:06.789"},
		{Name: "time allballs", Type: "time", Literal: "'allballs'", Value: "allballs", Want: types.Time{}},
	})
}

func TestRoundTripTimetz(t *testing.T) {
	runRoundTrip(t, []rtCase{
		{Type: "timetz", Literal: "'12:00:00+14'", Value: types.TimeTZ{Microseconds: 12 * 3600e6, Offset: 14 * 3600}},
		{Type: "timetz", Literal: "'12:00:00-12'", Value: types.TimeTZ{Microseconds: 12 * 3600e6, Offset: -12 * 3600}},
		{Type: "timetz", Literal: "'04:05:06.789+05:30'", Value: types.TimeTZ{Microseconds: (4*3600+5*60+6)*1e6 + 789000, Offset: 19800}},
		{Type: "timetz", Literal: "'00:00:00-03:00:15'", Value: types.TimeTZ{Offset: -(3*3600 + 15)}},
		{Type: "timetz", Literal: "'00:00:00+00'", Value: types.TimeTZ{}},
		{Type: "timetz", Literal: "'24:00:00+15:59:59'", Value: types.TimeTZ{Microseconds: 86400e6, Offset: 15*3600 + 59*60 + 59}},
		{Type: "timetz", Literal: "'23:59:59.999999-15:59:59'", Value: types.TimeTZ{Microseconds: 86400e6 - 1, Offset: -(15*3600 + 59*60 + 59)}},
		{Type: "timetz", Literal: "NULL", Value: nil, Want: (*types.TimeTZ)(nil)},
		{Name: "timetz string", Type: "timetz", Literal: "'04:05:06+05:30'", Value: "04:05:06+05:30", Want: "04:05:06+05:30"},
	})
}

func TestRoundTripInterval(t *testing.T) {
	exact := "%s::text = %s::text" // field by field: '1 day' = '24 hours' otherwise
	iv := func(us int64, days, months int32) types.Interval {
		return types.Interval{Microseconds: us, Days: days, Months: months}
	}
	runRoundTrip(t, []rtCase{
		{Type: "interval", Literal: "'1 year 2 mons 3 days 04:05:06.789'", Value: iv(14706789000, 3, 14), Compare: exact},
		{Type: "interval", Literal: "'-1 years -2 mons +3 days -04:05:06.789'", Value: iv(-14706789000, 3, -14), Compare: exact},
		{Type: "interval", Literal: "'-10 mons +3 days 01:00:00'", Value: iv(3600e6, 3, -10), Compare: exact},
		{Type: "interval", Literal: "'1 day -01:00:00'", Value: iv(-3600e6, 1, 0), Compare: exact},
		{Type: "interval", Literal: "'-1 days +01:00:00'", Value: iv(3600e6, -1, 0), Compare: exact},
		{Type: "interval", Literal: "'-00:00:00.000001'", Value: iv(-1, 0, 0), Compare: exact},
		{Type: "interval", Literal: "'-178000000 years'", Value: iv(0, 0, -178000000*12), Compare: exact},
		{Type: "interval", Literal: "'178000000 years'", Value: iv(0, 0, 178000000*12), Compare: exact},
		{Type: "interval", Literal: "'-178956970 years -8 mons'", Value: iv(0, 0, math.MinInt32), Compare: exact},
		{Type: "interval", Literal: "'178956970 years 7 mons'", Value: iv(0, 0, math.MaxInt32), Compare: exact},
		{Type: "interval", Literal: "'-2147483648 days'", Value: iv(0, math.MinInt32, 0), Compare: exact},
		{Type: "interval", Literal: "'2147483647 days 2562047788:00:54.775807'", Value: iv(math.MaxInt64, math.MaxInt32, 0), Compare: exact},
		{Type: "interval", Literal: "'-2562047788:00:54.775807'", Value: iv(-math.MaxInt64, 0, 0), Compare: exact},
		{Type: "interval", Literal: "'1 mon'", Value: iv(0, 0, 1), Compare: exact},
		{Type: "interval", Literal: "'1 day'", Value: iv(0, 1, 0), Compare: exact},
		{Type: "interval", Literal: "'0'", Value: iv(0, 0, 0), Compare: exact},
		{Type: "interval", Literal: "NULL", Value: nil, Want: (*types.Interval)(nil)},
		{Name: "interval duration", Type: "interval", Literal: "'26:03:04.000005'", Value: 26*time.Hour + 3*time.Minute + 4*time.Second + 5*time.Microsecond},
		{Name: "interval negative duration", Type: "interval", Literal: "'-1 day -00:00:01'", Value: -(24*time.Hour + time.Second),
			Want: -(24*time.Hour + time.Second)},
		{Name: "interval duration max", Type: "interval", Literal: "'2562047:47:16.854775'", Value: time.Duration(math.MaxInt64),
			Want: time.Duration(math.MaxInt64 / 1000 * 1000)},
		{Name: "interval string", Type: "interval", Literal: "'1 year 2 mons'", Value: "P1Y2M", Want: "1 year 2 mons", Formats: textOnly},
		{Name: "interval string binary read", Type: "interval", Literal: "'-1 year +2 mons'", Value: "-1 year +2 mons", Want: "-10 mons", Formats: binaryOnly},
	})
}

// TestDatetimeTextMatchesServer checks the codecs' text output and binary
// decoding against the server's own output for random values: the server
// prints each value (text) and sends it (binary); the binary, decoded and
// printed by the codec, must equal the server's text, and the server must
// read the codec's text back as the same value.
func TestDatetimeTextMatchesServer(t *testing.T) {
	conn := rtConn(t)
	m := types.NewMap()
	m.Register(&types.Type{Name: "timestamptz", OID: types.TimestamptzOID, Codec: types.TimestamptzCodec{Location: time.UTC}})
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 400
	gen := map[string]func() any{
		"date": func() any {
			return dtUTC(-4713, 11, 24, 0, 0, 0, 0).AddDate(0, 0, rng.IntN(2145031949+2451545))
		},
		"timestamp": func() any {
			return time.Unix(rng.Int64N(9223371331200+211813488000)-211813488000+946684800, rng.Int64N(1e6)*1000).UTC()
		},
		"timestamptz": func() any {
			return time.Unix(rng.Int64N(9223371331200+211813488000)-211813488000+946684800, rng.Int64N(1e6)*1000).UTC()
		},
		"time": func() any { return types.Time{Microseconds: rng.Int64N(86400e6 + 1)} },
		"timetz": func() any {
			return types.TimeTZ{Microseconds: rng.Int64N(86400e6 + 1), Offset: int32(rng.IntN(2*57599+1) - 57599)}
		},
		"interval": func() any {
			return types.Interval{Microseconds: rng.Int64() >> rng.IntN(64), Days: int32(rng.Uint32()) >> rng.IntN(32), Months: int32(rng.Uint32()) >> rng.IntN(32)}
		},
	}
	for _, name := range []string{"date", "timestamp", "timestamptz", "time", "timetz", "interval"} {
		t.Run(name, func(t *testing.T) {
			typ, _ := m.TypeForName(name)
			var lits []string
			var vals []any
			for i := 0; i < n; i++ {
				v := gen[name]()
				if iv, ok := v.(types.Interval); ok && iv.Microseconds == math.MinInt64 {
					continue // PostgreSQL 15 cannot read its own text for this one
				}
				buf, _, err := m.EncodeFormat(typ, types.TextFormat, v, nil)
				if err != nil {
					t.Fatalf("encode %v: %v", v, err)
				}
				lits = append(lits, quoteLiteral(string(buf)))
				vals = append(vals, v)
			}
			q := fmt.Sprintf("select v::text, encode(%s_send(v), 'hex') from unnest(array[%s]::%s[]) with ordinality as u(v, i) order by i",
				name, strings.Join(lits, ","), name)
			res, err := conn.SimpleQuery(rtCtx(t), q)
			if err != nil {
				t.Fatal(err)
			}
			rows := res[0].Rows
			if len(rows) != len(vals) {
				t.Fatalf("%d rows, want %d", len(rows), len(vals))
			}
			for i, row := range rows {
				bin, err := hex.DecodeString(string(row[1]))
				if err != nil {
					t.Fatal(err)
				}
				// The server read our text as the value we meant.
				want, _, err := m.EncodeFormat(typ, types.BinaryFormat, vals[i], nil)
				if err != nil {
					t.Fatal(err)
				}
				if string(want) != string(bin) {
					t.Errorf("%v: text %s read by the server as %x, want %x", vals[i], lits[i], bin, want)
				}
				// Our printing of the server's binary is the server's text.
				var s string
				if err := m.Scan(typ, types.BinaryFormat, bin, &s); err != nil {
					t.Fatal(err)
				}
				if s != string(row[0]) {
					t.Errorf("binary %x printed as %q, server prints %q", bin, s, row[0])
				}
				// Decoding the server's text gives the same value as its binary.
				fromText, err := m.DecodeAny(typ, types.TextFormat, row[0])
				if err != nil {
					t.Fatalf("text %q: %v", row[0], err)
				}
				fromBin, err := m.DecodeAny(typ, types.BinaryFormat, bin)
				if err != nil {
					t.Fatal(err)
				}
				if !dtSame(fromText, fromBin) {
					t.Errorf("text %q decodes to %v, binary %x to %v", row[0], fromText, bin, fromBin)
				}
			}
		})
	}
}

// dtSame compares decoded values, time.Time by instant and location.
func dtSame(a, b any) bool {
	ta, ok1 := a.(time.Time)
	tb, ok2 := b.(time.Time)
	if ok1 || ok2 {
		return ok1 && ok2 && ta.Equal(tb) && ta.Location().String() == tb.Location().String()
	}
	return a == b
}
