package types_test

import (
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon/types"
)

// dtType returns the type of oid in m.
func dtType(tb testing.TB, m *types.Map, oid uint32) *types.Type {
	tb.Helper()
	typ, ok := m.TypeForOID(oid)
	if !ok {
		tb.Fatalf("no type for oid %d", oid)
	}
	return typ
}

func dtHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// dtEqual compares decoded values, time.Time by instant.
func dtEqual(a, b any) bool {
	ta, ok1 := a.(time.Time)
	tb, ok2 := b.(time.Time)
	if ok1 || ok2 {
		return ok1 && ok2 && ta.Equal(tb)
	}
	return a == b
}

// dtBinaryCases are exact binary encodings, as the server's *_send
// functions produce them, and the natural value each decodes to.
var dtBinaryCases = []struct {
	oid   uint32
	hex   string
	value any
}{
	{types.DateOID, "00000000", dtUTC(2000, 1, 1, 0, 0, 0, 0)},
	{types.DateOID, "00002279", dtUTC(2024, 2, 29, 0, 0, 0, 0)},
	{types.DateOID, "7fda970c", dtUTC(5874897, 12, 31, 0, 0, 0, 0)}, // the maximum
	{types.DateOID, "ffda97a7", dtUTC(-4713, 11, 24, 0, 0, 0, 0)},   // 4714-11-24 BC, the minimum
	{types.DateOID, "7fffffff", types.PositiveInfinity},
	{types.DateOID, "80000000", types.NegativeInfinity},
	{types.TimestampOID, "0000000000000000", dtUTC(2000, 1, 1, 0, 0, 0, 0)},
	{types.TimestampOID, "ff1af9e978414608", dtUTC(-43, 3, 15, 12, 34, 56, 789000)}, // 0044-03-15 12:34:56.789 BC
	{types.TimestampOID, "fd0f7cc1411fa000", dtUTC(-4713, 11, 24, 0, 0, 0, 0)},      // the minimum
	{types.TimestampOID, "7fffff5bb3b29fff", dtUTC(294276, 12, 31, 23, 59, 59, 999999)},
	{types.TimestampOID, "7fffffffffffffff", types.PositiveInfinity},
	{types.TimestampOID, "8000000000000000", types.NegativeInfinity},
	{types.TimestamptzOID, "0002b7e8bdead200", dtUTC(2024, 3, 31, 0, 30, 0, 0)}, // 2024-03-31 01:30:00+01
	{types.TimestamptzOID, "ffffffffffffffff", dtUTC(1999, 12, 31, 23, 59, 59, 999999)},
	{types.TimestamptzOID, "7fffffffffffffff", types.PositiveInfinity},
	{types.TimestamptzOID, "8000000000000000", types.NegativeInfinity},
	{types.TimeOID, "0000000000000000", types.Time{}},
	{types.TimeOID, "0000000a8be1bd20", types.Time{Microseconds: 45296500000}},                             // 12:34:56.5
	{types.TimeOID, "000000141dd76000", types.Time{Microseconds: 86400e6}},                                 // 24:00:00
	{types.TimetzOID, "0000000a0eebb000 ffff3b20", types.TimeTZ{Microseconds: 43200e6, Offset: 14 * 3600}}, // 12:00:00+14
	{types.TimetzOID, "0000000a0eebb000 0000a8c0", types.TimeTZ{Microseconds: 43200e6, Offset: -12 * 3600}},
	{types.TimetzOID, "0000000000000000 00002a3f", types.TimeTZ{Offset: -(3*3600 + 15)}}, // 00:00:00-03:00:15
	{types.TimetzOID, "000000141dd76000 ffff1f01", types.TimeTZ{Microseconds: 86400e6, Offset: 57599}},
	{types.IntervalOID, "000000036c97ca88 00000003 0000000e", types.Interval{Microseconds: 14706789000, Days: 3, Months: 14}},
	{types.IntervalOID, "ffffffffffffffff 00000000 00000000", types.Interval{Microseconds: -1}},
	{types.IntervalOID, "0000000000000000 00000000 80af3a00", types.Interval{Months: -178000000 * 12}},
}

func TestDatetimeBinary(t *testing.T) {
	m := types.NewMap()
	for _, c := range dtBinaryCases {
		typ := dtType(t, m, c.oid)
		src := dtHex(t, c.hex)
		t.Run(fmt.Sprintf("%s %x", typ.Name, src), func(t *testing.T) {
			got, err := m.DecodeAny(typ, types.BinaryFormat, src)
			if err != nil {
				t.Fatal(err)
			}
			if !dtEqual(got, c.value) {
				t.Errorf("decoded %v (%T), want %v", got, got, c.value)
			}
			enc, f, null, err := m.Encode(typ, c.value, nil)
			if err != nil || f != types.BinaryFormat || null {
				t.Fatalf("encode: %v %v %v", f, null, err)
			}
			if string(enc) != string(src) {
				t.Errorf("encoded %x, want %x", enc, src)
			}
			// Every strict prefix, and one byte more, is malformed.
			for n := 0; n <= len(src); n++ {
				bad := src[:n]
				if n == len(src) {
					bad = append(append([]byte{}, src...), 0)
				}
				if _, err := m.DecodeAny(typ, types.BinaryFormat, bad); !dtIsMalformed(err) {
					t.Errorf("%x: %v, want malformed", bad, err)
				}
				for _, dst := range dtDsts() {
					if err := m.Scan(typ, types.BinaryFormat, bad, dst); err == nil {
						t.Errorf("%x into %T: no error", bad, dst)
					}
				}
			}
		})
	}
}

func dtIsMalformed(err error) bool {
	var me *types.MalformedError
	return errors.As(err, &me)
}

// dtDsts are the destinations the codecs know.
func dtDsts() []any {
	return []any{new(time.Time), new(types.Date), new(types.Timestamp), new(string), new(types.Time),
		new(time.Duration), new(types.TimeTZ), new(types.Interval)}
}

// dtTextCases are texts as the server prints them (DateStyle ISO,
// IntervalStyle postgres) and their natural values; canonical texts are
// also what the codec writes.
var dtTextCases = []struct {
	oid       uint32
	text      string
	value     any
	canonical bool
}{
	{types.DateOID, "2000-01-01", dtUTC(2000, 1, 1, 0, 0, 0, 0), true},
	{types.DateOID, "2024-02-29", dtUTC(2024, 2, 29, 0, 0, 0, 0), true},
	{types.DateOID, "0044-03-15 BC", dtUTC(-43, 3, 15, 0, 0, 0, 0), true},
	{types.DateOID, "0001-02-29 BC", dtUTC(0, 2, 29, 0, 0, 0, 0), true},
	{types.DateOID, "4714-11-24 BC", dtUTC(-4713, 11, 24, 0, 0, 0, 0), true},
	{types.DateOID, "10000-01-01", dtUTC(10000, 1, 1, 0, 0, 0, 0), true},
	{types.DateOID, "5874897-12-31", dtUTC(5874897, 12, 31, 0, 0, 0, 0), true},
	{types.DateOID, "infinity", types.PositiveInfinity, true},
	{types.DateOID, "-infinity", types.NegativeInfinity, true},
	{types.TimestampOID, "2000-01-01 00:00:00", dtUTC(2000, 1, 1, 0, 0, 0, 0), true},
	{types.TimestampOID, "1999-12-31 23:59:59.999999", dtUTC(1999, 12, 31, 23, 59, 59, 999999), true},
	{types.TimestampOID, "0044-03-15 12:34:56.789 BC", dtUTC(-43, 3, 15, 12, 34, 56, 789000), true},
	{types.TimestampOID, "4714-11-24 00:00:00 BC", dtUTC(-4713, 11, 24, 0, 0, 0, 0), true},
	{types.TimestampOID, "294276-12-31 23:59:59.999999", dtUTC(294276, 12, 31, 23, 59, 59, 999999), true},
	{types.TimestampOID, "2024-02-29T12:00:00.10", dtUTC(2024, 2, 29, 12, 0, 0, 100000), false},
	{types.TimestampOID, "infinity", types.PositiveInfinity, true},
	{types.TimestamptzOID, "2000-01-01 00:00:00+00", dtUTC(2000, 1, 1, 0, 0, 0, 0), true},
	{types.TimestamptzOID, "0044-03-15 12:00:00.5+00 BC", dtUTC(-43, 3, 15, 12, 0, 0, 500000), true},
	{types.TimestamptzOID, "2024-03-31 01:30:00+01", dtUTC(2024, 3, 31, 0, 30, 0, 0), false},
	{types.TimestamptzOID, "2024-03-31 01:30:00-09:30", dtUTC(2024, 3, 31, 11, 0, 0, 0), false},
	{types.TimestamptzOID, "1900-01-01 00:00:00+00:19:32", dtUTC(1899, 12, 31, 23, 40, 28, 0), false},
	{types.TimestamptzOID, "1800-01-01 00:00:00-03:30:52", dtUTC(1800, 1, 1, 3, 30, 52, 0), false},
	{types.TimestamptzOID, "0044-03-15 00:00:00+00:19:32 BC", dtUTC(-43, 3, 14, 23, 40, 28, 0), false},
	{types.TimestamptzOID, "294277-01-01 00:59:59.999999+01", dtUTC(294276, 12, 31, 23, 59, 59, 999999), false},
	{types.TimestamptzOID, "4714-11-24 00:19:32+00:19:32 BC", dtUTC(-4713, 11, 24, 0, 0, 0, 0), false},
	{types.TimestamptzOID, "-infinity", types.NegativeInfinity, true},
	{types.TimeOID, "00:00:00", types.Time{}, true},
	{types.TimeOID, "12:34:56.5", types.Time{Microseconds: 45296500000}, true},
	{types.TimeOID, "23:59:59.999999", types.Time{Microseconds: 86400e6 - 1}, true},
	{types.TimeOID, "24:00:00", types.Time{Microseconds: 86400e6}, true},
	{types.TimeOID, "24:00:00.000", types.Time{Microseconds: 86400e6}, false},
	{types.TimetzOID, "12:00:00+14", types.TimeTZ{Microseconds: 43200e6, Offset: 14 * 3600}, true},
	{types.TimetzOID, "12:00:00-12", types.TimeTZ{Microseconds: 43200e6, Offset: -12 * 3600}, true},
	{types.TimetzOID, "04:05:06.789+05:30", types.TimeTZ{Microseconds: 14706789000, Offset: 19800}, true},
	{types.TimetzOID, "00:00:00-03:00:15", types.TimeTZ{Offset: -(3*3600 + 15)}, true},
	{types.TimetzOID, "24:00:00-15:59:59", types.TimeTZ{Microseconds: 86400e6, Offset: -57599}, true},
	{types.IntervalOID, "1 year 2 mons 3 days 04:05:06.789", types.Interval{Microseconds: 14706789000, Days: 3, Months: 14}, true},
	{types.IntervalOID, "-1 years -2 mons +3 days -04:05:06.789", types.Interval{Microseconds: -14706789000, Days: 3, Months: -14}, true},
	{types.IntervalOID, "-10 mons +3 days 01:00:00", types.Interval{Microseconds: 3600e6, Days: 3, Months: -10}, true},
	{types.IntervalOID, "1 day -01:00:00", types.Interval{Microseconds: -3600e6, Days: 1}, true},
	{types.IntervalOID, "-1 days +01:00:00", types.Interval{Microseconds: 3600e6, Days: -1}, true},
	{types.IntervalOID, "1 mon", types.Interval{Months: 1}, true},
	{types.IntervalOID, "-1 mons", types.Interval{Months: -1}, true},
	{types.IntervalOID, "00:00:00", types.Interval{}, true},
	{types.IntervalOID, "-00:00:00.000001", types.Interval{Microseconds: -1}, true},
	{types.IntervalOID, "100:00:00", types.Interval{Microseconds: 360000e6}, true},
	{types.IntervalOID, "-178000000 years", types.Interval{Months: -178000000 * 12}, true},
	{types.IntervalOID, "-178956970 years -8 mons -2147483648 days -2562047788:00:54.775807",
		types.Interval{Microseconds: -math.MaxInt64, Days: math.MinInt32, Months: math.MinInt32}, true},
	{types.IntervalOID, "-2562047788:00:54.775808", types.Interval{Microseconds: math.MinInt64}, true},
	{types.IntervalOID, "2147483647 days 2562047788:00:54.775807", types.Interval{Microseconds: math.MaxInt64, Days: math.MaxInt32}, true},
	{types.IntervalOID, "infinity", types.Interval{Microseconds: math.MaxInt64, Days: math.MaxInt32, Months: math.MaxInt32}, true},
	{types.IntervalOID, "-infinity", types.Interval{Microseconds: math.MinInt64, Days: math.MinInt32, Months: math.MinInt32}, true},
	{types.IntervalOID, "1 years 1 mon 1 days", types.Interval{Days: 1, Months: 13}, false},
}

func TestDatetimeText(t *testing.T) {
	m := types.NewMap()
	m.Register(&types.Type{Name: "timestamptz", OID: types.TimestamptzOID, Codec: types.TimestamptzCodec{Location: time.UTC}})
	for _, c := range dtTextCases {
		typ := dtType(t, m, c.oid)
		t.Run(typ.Name+" "+c.text, func(t *testing.T) {
			got, err := m.DecodeAny(typ, types.TextFormat, []byte(c.text))
			if err != nil {
				t.Fatal(err)
			}
			if !dtEqual(got, c.value) {
				t.Errorf("decoded %v (%T), want %v", got, got, c.value)
			}
			enc, _, err := m.EncodeFormat(typ, types.TextFormat, c.value, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.canonical && string(enc) != c.text {
				t.Errorf("encoded %q, want %q", enc, c.text)
			}
			// The binary form printed as text is the canonical text.
			bin, _, err := m.EncodeFormat(typ, types.BinaryFormat, c.value, nil)
			if err != nil {
				t.Fatal(err)
			}
			var s string
			if err := m.Scan(typ, types.BinaryFormat, bin, &s); err != nil {
				t.Fatal(err)
			}
			if s != string(enc) {
				t.Errorf("binary printed as %q, text encoding %q", s, enc)
			}
			// Text into *string is verbatim.
			if err := m.Scan(typ, types.TextFormat, []byte(c.text), &s); err != nil || s != c.text {
				t.Errorf("text into *string: %q, %v", s, err)
			}
		})
	}
}

func TestDatetimeMalformedText(t *testing.T) {
	bad := map[uint32][]string{
		types.DateOID: {"", " ", "2000-1-01", "2000-01-1", "200-01-01", "2000-13-01", "2000-00-10", "2000-01-00",
			"2000-02-30", "2001-02-29", "1900-02-29", "0000-01-01", "0002-02-29 BC", "5874898-01-01", "4714-11-23 BC",
			"2000-01-01 AD", "2000-01-01 BCE", "2000-01-01 bc", "2000-01-01 ", "infinityx", "Infinity", "+infinity",
			"01/02/2000", "1234567890-01-01", "2000-01-01x", "2000/01/01", "-2000-01-01", "2000-01-01 00:00:00"},
		types.TimestampOID: {"2000-01-01", "2000-01-01 ", "2000-01-01 24:00:00", "2000-01-01 00:60:00", "2000-01-01 00:00:60",
			"2000-01-01 00:00:00.", "2000-01-01 00:00:00.1234567", "2000-01-01 00:00:00+00", "294277-01-01 00:00:00",
			"4714-11-23 23:59:59.999999 BC", "2000-01-01 0:00:00", "2000-01-01 00:00", "2000-01-01 00:00:00 BC BC",
			"2000-01-01  00:00:00", "2000-01-01 00:00:00.-1", "5874897-12-31 00:00:00"},
		types.TimestamptzOID: {"2000-01-01 00:00:00", "2000-01-01 00:00:00+16", "2000-01-01 00:00:00+1",
			"2000-01-01 00:00:00+01:60", "2000-01-01 00:00:00+01:00:60", "2000-01-01 00:00:00+01:", "2000-01-01 00:00:00+01:00:",
			"2000-01-01 00:00:00 +01", "2000-01-01 00:00:00Z", "294277-01-01 01:00:00+01", "4714-11-24 00:00:00+01 BC",
			"2000-01-01 00:00:00+0100", "2000-01-01 00:00:00 UTC"},
		types.TimeOID: {"", "24:00:00.000001", "25:00:00", "12:00", "12:00:00+00", "-01:00:00", "12:00:00.1234567",
			"1:00:00", "12:00:00 ", "12:60:00", "allballs"},
		types.TimetzOID: {"12:00:00", "12:00:00+16", "12:00:00-16", "12:00:00+5", "24:00:01+00", "12:00:00+00 ", "12:00:00 +00"},
		types.IntervalOID: {"", " ", "1", "-", "+", "1 yearss", "1 week", "1 day 1 year", "1 day 1 day", "1 mon 2 mons",
			"1 day  01:00:00", "01:00:00 1 day", "1:00:00", "01:00", "01:60:00", "01:00:60", "01:00:00.", "01:00:00.1234567",
			"2147483648 days", "-2147483649 days", "178956971 years", "-178956970 years -9 mons",
			"2562047788:00:54.775808", "-2562047788:00:54.775809", "99999999999:00:00", "@ 1 day", "1 day ago", "P1D",
			"1 day ", " 1 day", "1days", "1 Day", "--1 day", "1 day 01:00:00 1 mon", "Infinity", "1 year +"},
	}
	m := types.NewMap()
	for oid, texts := range bad {
		typ := dtType(t, m, oid)
		for _, s := range texts {
			if v, err := m.DecodeAny(typ, types.TextFormat, []byte(s)); !dtIsMalformed(err) {
				t.Errorf("%s %q: %v, %v; want malformed", typ.Name, s, v, err)
			}
			for _, dst := range dtDsts() {
				if _, ok := dst.(*string); ok {
					continue // text into *string is verbatim
				}
				if err := m.Scan(typ, types.TextFormat, []byte(s), dst); err == nil {
					t.Errorf("%s %q into %T: no error", typ.Name, s, dst)
				}
			}
		}
	}
}

func TestDatetimeBinaryOutOfRange(t *testing.T) {
	bad := map[uint32][]string{
		types.DateOID:        {"7fda970d", "ffda97a6", "7ffffffe", "80000001"},
		types.TimestampOID:   {"7fffff5bb3b2a000", "fd0f7cc1411f9fff", "7ffffffffffffffe", "8000000000000001"},
		types.TimestamptzOID: {"7fffff5bb3b2a000", "fd0f7cc1411f9fff"},
		types.TimeOID:        {"ffffffffffffffff", "000000141dd76001", "8000000000000000"},
		types.TimetzOID: {"000000141dd76001 00000000", "ffffffffffffffff 00000000", "0000000000000000 0000e100",
			"0000000000000000 ffff1f00", "0000000000000000 80000000"},
	}
	m := types.NewMap()
	for oid, hexes := range bad {
		typ := dtType(t, m, oid)
		for _, h := range hexes {
			if v, err := m.DecodeAny(typ, types.BinaryFormat, dtHex(t, h)); !dtIsMalformed(err) {
				t.Errorf("%s %s: %v, %v; want malformed", typ.Name, h, v, err)
			}
		}
	}
}

func TestDatetimeEncodeErrors(t *testing.T) {
	m := types.NewMap()
	far := time.Date(math.MaxInt32, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		oid         uint32
		v           any
		unsupported bool // ErrUnsupported: Map may try its fallbacks
	}{
		{types.DateOID, dtUTC(5874898, 1, 1, 0, 0, 0, 0), false},
		{types.DateOID, dtUTC(-4713, 11, 23, 0, 0, 0, 0), false},
		{types.DateOID, far, false},
		{types.DateOID, types.Infinity(0), false},
		{types.DateOID, types.Date{Inf: 2}, false},
		{types.DateOID, 42, true},
		{types.TimestampOID, dtUTC(294277, 1, 1, 0, 0, 0, 0), false},
		{types.TimestampOID, dtUTC(-4713, 11, 23, 23, 59, 59, 999999), false},
		{types.TimestampOID, far, false},
		{types.TimestampOID, time.Unix(math.MinInt64/2, 0), false},
		{types.TimestampOID, types.Timestamp{Inf: -2}, false},
		{types.TimestampOID, types.Date{}, true},
		{types.TimestamptzOID, dtUTC(294277, 1, 1, 0, 0, 0, 0), false},
		{types.TimestamptzOID, time.Date(294276, 12, 31, 23, 0, 0, 0, dtZone("", -3600)), false}, // 294277-01-01 00:00 UTC
		{types.TimestampOID, time.Date(2000, 1, 1, 0, 0, 0, 0, dtZone("", math.MaxInt64)), false},
		{types.TimestamptzOID, time.Unix(math.MaxInt64/2, 0), false},
		{types.TimestamptzOID, types.Infinity(0), false},
		{types.TimeOID, types.Time{Microseconds: -1}, false},
		{types.TimeOID, types.Time{Microseconds: 86400e6 + 1}, false},
		{types.TimeOID, -time.Microsecond, false},
		{types.TimeOID, 24*time.Hour + time.Microsecond, false},
		{types.TimeOID, time.Now(), true},
		{types.TimetzOID, types.TimeTZ{Offset: 16 * 3600}, false},
		{types.TimetzOID, types.TimeTZ{Offset: -16 * 3600}, false},
		{types.TimetzOID, types.TimeTZ{Microseconds: -1}, false},
		{types.TimetzOID, types.Time{}, true},
		{types.IntervalOID, 3.5, true},
	}
	for _, c := range cases {
		typ := dtType(t, m, c.oid)
		for _, f := range []types.Format{types.BinaryFormat, types.TextFormat} {
			enc, _, err := m.EncodeFormat(typ, f, c.v, nil)
			if err == nil {
				t.Errorf("%s %s %v: encoded %q, want an error", typ.Name, f, c.v, enc)
				continue
			}
			if errors.Is(err, types.ErrUnsupported) != c.unsupported {
				t.Errorf("%s %s %v: %v, unsupported want %v", typ.Name, f, c.v, err, c.unsupported)
			}
		}
	}
}

func TestDatetimeEncodeString(t *testing.T) {
	// Strings go verbatim in text: the server parses every input form.
	m := types.NewMap()
	for _, oid := range []uint32{types.DateOID, types.TimestampOID, types.TimestamptzOID, types.TimeOID, types.TimetzOID, types.IntervalOID} {
		typ := dtType(t, m, oid)
		buf, f, null, err := m.Encode(typ, "now", nil)
		if err != nil || f != types.TextFormat || null || string(buf) != "now" {
			t.Errorf("%s: %q %v %v %v", typ.Name, buf, f, null, err)
		}
	}
}

func TestDatetimeInfinityScan(t *testing.T) {
	m := types.NewMap()
	for _, c := range []struct {
		oid uint32
		src string
	}{{types.DateOID, "infinity"}, {types.TimestampOID, "-infinity"}, {types.TimestamptzOID, "infinity"}} {
		typ := dtType(t, m, c.oid)
		var tm time.Time
		err := m.Scan(typ, types.TextFormat, []byte(c.src), &tm)
		if err == nil || !strings.Contains(err.Error(), "infinity") {
			t.Errorf("%s %s into *time.Time: %v, want an error naming infinity", typ.Name, c.src, err)
		}
		var p *time.Time
		if err := m.Scan(typ, types.TextFormat, []byte(c.src), &p); err == nil {
			t.Errorf("%s into **time.Time: no error", typ.Name)
		}
		var s string
		if err := m.Scan(typ, types.BinaryFormat, dtMustEncode(t, m, typ, c.src), &s); err != nil || s != c.src {
			t.Errorf("%s binary into *string: %q, %v", typ.Name, s, err)
		}
	}
}

// dtMustEncode is the binary form of the text s.
func dtMustEncode(tb testing.TB, m *types.Map, typ *types.Type, s string) []byte {
	tb.Helper()
	v, err := m.DecodeAny(typ, types.TextFormat, []byte(s))
	if err != nil {
		tb.Fatal(err)
	}
	buf, _, err := m.EncodeFormat(typ, types.BinaryFormat, v, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return buf
}

func TestDatetimeDestinations(t *testing.T) {
	m := types.NewMap()
	date := dtType(t, m, types.DateOID)
	ts := dtType(t, m, types.TimestampOID)
	tstz := dtType(t, m, types.TimestamptzOID)

	var d types.Date
	if err := m.Scan(date, types.BinaryFormat, dtHex(t, "00002279"), &d); err != nil || !d.Time.Equal(dtUTC(2024, 2, 29, 0, 0, 0, 0)) || d.Inf != types.Finite {
		t.Errorf("*Date: %v, %v", d, err)
	}
	var n sql.Null[time.Time]
	if err := m.Scan(ts, types.BinaryFormat, dtHex(t, "0000000000000000"), &n); err != nil || !n.Valid || !n.V.Equal(dtUTC(2000, 1, 1, 0, 0, 0, 0)) {
		t.Errorf("sql.Null[time.Time]: %v, %v", n, err)
	}
	if err := m.Scan(ts, types.BinaryFormat, nil, &n); err != nil || n.Valid {
		t.Errorf("NULL sql.Null[time.Time]: %v, %v", n, err)
	}
	var p *time.Time
	if err := m.Scan(tstz, types.BinaryFormat, dtHex(t, "0000000000000000"), &p); err != nil || p == nil || !p.Equal(dtUTC(2000, 1, 1, 0, 0, 0, 0)) {
		t.Errorf("**time.Time: %v, %v", p, err)
	}
	var tm time.Time
	if err := m.Scan(ts, types.TextFormat, []byte("2024-03-31 09:00:00"), &tm); err != nil || tm.Location() != time.UTC || tm.Hour() != 9 {
		t.Errorf("timestamp decodes in UTC: %v, %v", tm, err)
	}
	if err := m.Scan(tstz, types.BinaryFormat, dtHex(t, "0000000000000000"), &tm); err != nil || tm.Location() != time.Local {
		t.Errorf("default timestamptz location: %v, %v", tm.Location(), err)
	}

	// A codec of one's own for timestamptz sets the location.
	kolkata := dtZone("IST", 19800)
	m2 := types.NewMap()
	m2.Register(&types.Type{Name: "timestamptz", OID: types.TimestamptzOID, Codec: types.TimestamptzCodec{Location: kolkata}})
	tstz2 := dtType(t, m2, types.TimestamptzOID)
	src := dtHex(t, "0002b7e8bdead200") // 2024-03-31 00:30:00 UTC
	if err := m2.Scan(tstz2, types.BinaryFormat, src, &tm); err != nil || tm.Location() != kolkata || tm.Hour() != 6 {
		t.Errorf("timestamptz in Kolkata: %v, %v", tm, err)
	}
	var s string
	if err := m2.Scan(tstz2, types.BinaryFormat, src, &s); err != nil || s != "2024-03-31 06:00:00+05:30" {
		t.Errorf("timestamptz in Kolkata as string: %q, %v", s, err)
	}
	var a any
	if err := m2.Scan(tstz2, types.TextFormat, []byte("2024-03-31 01:30:00+01"), &a); err != nil || a.(time.Time).Location() != kolkata {
		t.Errorf("timestamptz *any: %v, %v", a, err)
	}
	var ts2 types.Timestamp
	if err := m2.Scan(tstz2, types.BinaryFormat, src, &ts2); err != nil || ts2.Time.Location() != kolkata || ts2.Inf != types.Finite {
		t.Errorf("timestamptz *Timestamp: %v, %v", ts2, err)
	}

	// Time and interval into time.Duration.
	var dur time.Duration
	if err := m.Scan(dtType(t, m, types.TimeOID), types.TextFormat, []byte("12:34:56.5"), &dur); err != nil || dur != 12*time.Hour+34*time.Minute+56500*time.Millisecond {
		t.Errorf("time into Duration: %v, %v", dur, err)
	}
	iv := dtType(t, m, types.IntervalOID)
	if err := m.Scan(iv, types.TextFormat, []byte("-1 days +01:00:00.000001"), &dur); err != nil || dur != -23*time.Hour+time.Microsecond {
		t.Errorf("interval into Duration: %v, %v", dur, err)
	}
	for _, s := range []string{"1 mon", "106752 days", "-106752 days", "106751 days 23:47:16.854776", "-106751 days -23:47:16.854776",
		"2562047788:00:00", "infinity"} {
		if err := m.Scan(iv, types.TextFormat, []byte(s), &dur); err == nil {
			t.Errorf("interval %q into Duration: %v, want an error", s, dur)
		}
	}
	if err := m.Scan(iv, types.TextFormat, []byte("106751 days 23:47:16.854775"), &dur); err != nil || dur != time.Duration(math.MaxInt64/1000*1000) {
		t.Errorf("largest interval into Duration: %v, %v", dur, err)
	}

	// Unknown destinations are unsupported.
	for _, oid := range []uint32{types.DateOID, types.TimestampOID, types.TimestamptzOID, types.TimeOID, types.TimetzOID, types.IntervalOID} {
		var x int64
		typ := dtType(t, m, oid)
		if err := m.Scan(typ, types.BinaryFormat, dtMustEncode(t, m, typ, dtSample[oid]), &x); !errors.Is(err, types.ErrUnsupported) {
			t.Errorf("%s into *int64: %v", typ.Name, err)
		}
	}
}

var dtSample = map[uint32]string{
	types.DateOID:        "2000-01-01",
	types.TimestampOID:   "2000-01-01 00:00:00",
	types.TimestamptzOID: "2000-01-01 00:00:00+00",
	types.TimeOID:        "00:00:00",
	types.TimetzOID:      "00:00:00+00",
	types.IntervalOID:    "1 day",
}

func TestDatetimeStringMethods(t *testing.T) {
	for _, c := range []struct {
		v    fmt.Stringer
		want string
	}{
		{types.Time{Microseconds: 45296500000}, "12:34:56.5"},
		{types.Time{Microseconds: -1}, "invalid time"},
		{types.TimeTZ{Microseconds: 14706789000, Offset: 19800}, "04:05:06.789+05:30"},
		{types.TimeTZ{Offset: 16 * 3600}, "invalid timetz"},
		{types.Interval{Microseconds: 14706789000, Days: 3, Months: 14}, "1 year 2 mons 3 days 04:05:06.789"},
	} {
		if got := c.v.String(); got != c.want {
			t.Errorf("%#v: %q, want %q", c.v, got, c.want)
		}
	}
}

// TestDatetimeCalendar checks the calendar arithmetic against Go's across
// the whole date range.
func TestDatetimeCalendar(t *testing.T) {
	m := types.NewMap()
	date := dtType(t, m, types.DateOID)
	const minDate, endDate = -2451545, 2145031949
	check := func(days int64) {
		tm := time.Unix(days*86400+946684800, 0).UTC()
		bin, _, err := m.EncodeFormat(date, types.BinaryFormat, tm, nil)
		if err != nil {
			t.Fatalf("%v: %v", tm, err)
		}
		if got := int32(uint32(bin[0])<<24 | uint32(bin[1])<<16 | uint32(bin[2])<<8 | uint32(bin[3])); int64(got) != days {
			t.Fatalf("%v: encoded %d, want %d", tm, got, days)
		}
		y, mo, d := tm.Date()
		want := fmt.Sprintf("%04d-%02d-%02d", y, mo, d)
		if y <= 0 {
			want = fmt.Sprintf("%04d-%02d-%02d BC", 1-y, mo, d)
		}
		txt, _, err := m.EncodeFormat(date, types.TextFormat, tm, nil)
		if err != nil || string(txt) != want {
			t.Fatalf("%v: text %q, %v; want %q", tm, txt, err, want)
		}
		back, err := m.DecodeAny(date, types.TextFormat, txt)
		if err != nil || !back.(time.Time).Equal(tm) {
			t.Fatalf("%q decoded as %v, %v", txt, back, err)
		}
	}
	for days := int64(minDate); days < endDate; days += 9973 {
		check(days)
	}
	for _, y := range []int{-4713, -401, -400, -101, -100, -5, -4, -1, 0, 1, 4, 100, 1600, 1900, 2000, 2100, 2400, 294276, 5874897} {
		for _, md := range [][2]int{{1, 1}, {2, 28}, {3, 1}, {12, 31}} {
			tm := time.Date(y, time.Month(md[0]), md[1], 0, 0, 0, 0, time.UTC)
			if days := (tm.Unix() - 946684800) / 86400; days >= minDate && days < endDate {
				check(days)
			}
		}
	}
	check(minDate)
	check(endDate - 1)
}

// FuzzDatetimeDecode decodes arbitrary bytes as each of the family's types
// in both formats. Whatever decodes must encode again, in binary to the
// same bytes, and decode to the same value; its text form printed from
// binary must parse back to the same value.
func FuzzDatetimeDecode(f *testing.F) {
	kinds := []uint32{types.DateOID, types.TimestampOID, types.TimestamptzOID, types.TimeOID, types.TimetzOID, types.IntervalOID}
	kindOf := map[uint32]uint8{}
	for i, oid := range kinds {
		kindOf[oid] = uint8(i)
	}
	for _, c := range dtBinaryCases {
		src, _ := hex.DecodeString(strings.ReplaceAll(c.hex, " ", ""))
		f.Add(kindOf[c.oid], true, src)
	}
	for _, c := range dtTextCases {
		f.Add(kindOf[c.oid], false, []byte(c.text))
	}
	m := types.NewMap()
	f.Fuzz(func(t *testing.T, kind uint8, binary bool, src []byte) {
		typ := dtType(t, m, kinds[int(kind)%len(kinds)])
		format := types.TextFormat
		if binary {
			format = types.BinaryFormat
		}
		for _, dst := range dtDsts() {
			_ = m.Scan(typ, format, src, dst) // must not panic
		}
		v, err := m.DecodeAny(typ, format, src)
		if err != nil {
			if !dtIsMalformed(err) {
				t.Fatalf("%q: not a MalformedError: %v", src, err)
			}
			return
		}
		for _, f2 := range []types.Format{types.BinaryFormat, types.TextFormat} {
			enc, null, err := m.EncodeFormat(typ, f2, v, nil)
			if err != nil || null {
				t.Fatalf("%q decoded to %v, which does not encode in %s: %v", src, v, f2, err)
			}
			if f2 == format && binary && string(enc) != string(src) {
				t.Fatalf("%x decoded to %v, encoded as %x", src, v, enc)
			}
			v2, err := m.DecodeAny(typ, f2, enc)
			if err != nil || !dtEqual(v, v2) {
				t.Fatalf("%q decoded to %v, re-encoded %q decoded to %v, %v", src, v, enc, v2, err)
			}
			if f2 == types.BinaryFormat {
				var s string
				if err := m.Scan(typ, types.BinaryFormat, enc, &s); err != nil {
					t.Fatal(err)
				}
				v3, err := m.DecodeAny(typ, types.TextFormat, []byte(s))
				if err != nil || !dtEqual(v, v3) {
					t.Fatalf("%v printed as %q, which decodes to %v, %v", v, s, v3, err)
				}
			}
		}
	})
}

func BenchmarkDecodeDatetime(b *testing.B) {
	m := types.NewMap()
	utc := types.NewMap()
	utc.Register(&types.Type{Name: "timestamptz", OID: types.TimestamptzOID, Codec: types.TimestamptzCodec{Location: time.UTC}})
	var (
		tm  time.Time
		tod types.Time
		tz  types.TimeTZ
		iv  types.Interval
		dur time.Duration
		ts  types.Timestamp
	)
	for _, c := range []struct {
		name string
		m    *types.Map
		oid  uint32
		f    types.Format
		src  string // binary as hex, or text
		dst  any
	}{
		{"date/binary/time.Time", m, types.DateOID, types.BinaryFormat, "00002279", &tm},
		{"timestamp/binary/time.Time", m, types.TimestampOID, types.BinaryFormat, "0002b7e8bdead200", &tm},
		{"timestamptz/binary/time.Time", m, types.TimestamptzOID, types.BinaryFormat, "0002b7e8bdead200", &tm},
		{"timestamptz-utc/binary/time.Time", utc, types.TimestamptzOID, types.BinaryFormat, "0002b7e8bdead200", &tm},
		{"timestamptz/binary/Timestamp", m, types.TimestamptzOID, types.BinaryFormat, "0002b7e8bdead200", &ts},
		{"time/binary/Time", m, types.TimeOID, types.BinaryFormat, "0000000a8be1bd20", &tod},
		{"timetz/binary/TimeTZ", m, types.TimetzOID, types.BinaryFormat, "0000000a0eebb000ffff3b20", &tz},
		{"interval/binary/Interval", m, types.IntervalOID, types.BinaryFormat, "000000036c97ca88000000030000000e", &iv},
		{"interval/binary/Duration", m, types.IntervalOID, types.BinaryFormat, "000000036c97ca880000000300000000", &dur},
		{"date/text/time.Time", m, types.DateOID, types.TextFormat, "2024-02-29", &tm},
		{"timestamptz/text/time.Time", m, types.TimestamptzOID, types.TextFormat, "2024-03-31 01:30:00.123456+01", &tm},
		{"interval/text/Interval", m, types.IntervalOID, types.TextFormat, "1 year 2 mons 3 days 04:05:06.789", &iv},
	} {
		b.Run(c.name, func(b *testing.B) {
			typ := dtType(b, c.m, c.oid)
			src := []byte(c.src)
			if c.f == types.BinaryFormat {
				src = dtHex(b, c.src)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := c.m.Scan(typ, c.f, src, c.dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
