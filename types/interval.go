package types

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
)

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "interval", IntervalOID, IntervalArrayOID, IntervalCodec{})
	})
}

// Interval is an interval as PostgreSQL keeps it: three fields that do not
// convert into each other exactly (a month is not always 30 days, nor a day
// always 24 hours across a daylight-saving change).
//
// PostgreSQL 17 and later also have infinite intervals, whose fields are
// all at their largest ("infinity") or all at their smallest ("-infinity");
// the codec reads and writes those texts for such values.
type Interval struct {
	Microseconds int64
	Days         int32
	Months       int32
}

// String returns iv as PostgreSQL prints it with IntervalStyle postgres,
// "1 year 2 mons 3 days 04:05:06.789".
func (iv Interval) String() string {
	return string(dtIvAppend(nil, iv))
}

var (
	dtIvPosInf = Interval{math.MaxInt64, math.MaxInt32, math.MaxInt32}
	dtIvNegInf = Interval{math.MinInt64, math.MinInt32, math.MinInt32}
)

// IntervalCodec is the codec of interval.
// See https://www.postgresql.org/docs/current/datatype-datetime.html#DATATYPE-INTERVAL-OUTPUT
// and interval_in/interval_out/interval_recv/interval_send in
// src/backend/utils/adt/timestamp.c (EncodeInterval in datetime.c).
//
// Binary form: int64 microseconds, int32 days, int32 months. Text form:
// what the server prints with IntervalStyle postgres (the default), such
// as "1 year 2 mons -3 days +04:05:06.789", "-00:00:00.000001",
// "-178000000 years" and "00:00:00"; text in another IntervalStyle is
// malformed. The same form is written: its explicit signs keep its meaning
// under IntervalStyle sql_standard too.
//
// Go types: Interval, time.Duration (decoded only when Months is 0, a day
// counting 24 hours, and refused on overflow; encoded as microseconds,
// precision beyond the microsecond truncated towards zero), and *string
// for the text form. Strings are sent verbatim as text for the server to
// parse. The natural (DecodeAny) value is an Interval.
type IntervalCodec struct{}

func (IntervalCodec) PreferredFormat() Format { return BinaryFormat }

func (IntervalCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	var iv Interval
	switch x := v.(type) {
	case Interval:
		iv = x
	case time.Duration:
		iv.Microseconds = int64(x / time.Microsecond)
	default:
		return buf, unsupportedValue(v, f)
	}
	if f == BinaryFormat {
		buf = binary.BigEndian.AppendUint64(buf, uint64(iv.Microseconds))
		buf = binary.BigEndian.AppendUint32(buf, uint32(iv.Days))
		return binary.BigEndian.AppendUint32(buf, uint32(iv.Months)), nil
	}
	return dtIvAppend(buf, iv), nil
}

func (IntervalCodec) decode(t *Type, f Format, src []byte) (Interval, error) {
	if f == BinaryFormat {
		if len(src) != 16 {
			return Interval{}, malformed(t, f, "%d bytes, want 16", len(src))
		}
		return Interval{
			Microseconds: int64(binary.BigEndian.Uint64(src)),
			Days:         int32(binary.BigEndian.Uint32(src[8:])),
			Months:       int32(binary.BigEndian.Uint32(src[12:])),
		}, nil
	}
	iv, ok := dtIvParse(src)
	if !ok {
		return Interval{}, malformed(t, f, "%q", truncate(src))
	}
	return iv, nil
}

func (c IntervalCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	iv, err := c.decode(t, f, src)
	if err != nil {
		return err
	}
	switch d := dst.(type) {
	case *Interval:
		*d = iv
	case *time.Duration:
		dur, err := dtIvDuration(iv)
		if err != nil {
			return err
		}
		*d = dur
	case *string:
		if f == TextFormat {
			*d = string(src)
		} else {
			*d = iv.String()
		}
	default:
		return unsupportedDst(dst)
	}
	return nil
}

func (c IntervalCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	iv, err := c.decode(t, f, src)
	if err != nil {
		return nil, err
	}
	return iv, nil
}

var dtErrIvMonths = errors.New("an interval with months has no fixed length (use types.Interval or a string)")

// dtIvDuration is iv as a time.Duration, a day counting 24 hours.
func dtIvDuration(iv Interval) (time.Duration, error) {
	if iv.Months != 0 {
		return 0, dtErrIvMonths
	}
	const maxDays = math.MaxInt64 / int64(24*time.Hour)
	const maxUs = math.MaxInt64 / int64(time.Microsecond)
	if int64(iv.Days) > maxDays || int64(iv.Days) < -maxDays || iv.Microseconds > maxUs || iv.Microseconds < -maxUs {
		return 0, outOfRange(iv, (*time.Duration)(nil))
	}
	a := int64(iv.Days) * int64(24*time.Hour)
	b := iv.Microseconds * int64(time.Microsecond)
	if b > 0 && a > math.MaxInt64-b || b < 0 && a < math.MinInt64-b {
		return 0, outOfRange(iv, (*time.Duration)(nil))
	}
	return time.Duration(a + b), nil
}

// dtIvAppend appends iv in IntervalStyle postgres, as EncodeInterval does:
// years, months and days as "N unit(s)", then the time as [-]HH:MM:SS[.f].
// A field right after a negative one gets an explicit "+" when positive.
func dtIvAppend(buf []byte, iv Interval) []byte {
	switch iv {
	case dtIvPosInf:
		return append(buf, "infinity"...)
	case dtIvNegInf:
		return append(buf, "-infinity"...)
	}
	zero, before := true, false
	part := func(v int64, unit string) {
		if v == 0 {
			return
		}
		if !zero {
			buf = append(buf, ' ')
		}
		if before && v > 0 {
			buf = append(buf, '+')
		}
		if v < 0 {
			buf = append(buf, '-')
			buf = dtAppendPad(buf, -v, 1)
		} else {
			buf = dtAppendPad(buf, v, 1)
		}
		buf = append(buf, ' ')
		buf = append(buf, unit...)
		if v != 1 {
			buf = append(buf, 's')
		}
		before, zero = v < 0, false
	}
	part(int64(iv.Months)/12, "year")
	part(int64(iv.Months)%12, "mon")
	part(int64(iv.Days), "day")
	if !zero && iv.Microseconds == 0 {
		return buf
	}
	if !zero {
		buf = append(buf, ' ')
	}
	u := uint64(iv.Microseconds)
	if iv.Microseconds < 0 {
		buf = append(buf, '-')
		u = -u
	} else if before {
		buf = append(buf, '+')
	}
	sec := u / dtUsPerSec
	hours := sec / 3600
	buf = dtAppendPad(buf, int64(hours), 2)
	buf = append(buf, ':')
	buf = dtAppendPad(buf, int64(sec/60%60), 2)
	buf = append(buf, ':')
	buf = dtAppendPad(buf, int64(sec%60), 2)
	return dtAppendFrac(buf, int64(u%dtUsPerSec))
}

// dtIvParse reads an interval in IntervalStyle postgres: "infinity",
// "-infinity", or up to three signed "N unit" fields (year(s), mon(s),
// day(s), in that order, each at most once) and an optional signed
// H+:MM:SS[.ffffff] time, separated by single spaces.
func dtIvParse(s []byte) (Interval, bool) {
	switch string(s) { // compared in place, no allocation
	case "infinity":
		return dtIvPosInf, true
	case "-infinity":
		return dtIvNegInf, true
	}
	var months, days int64
	var us int64
	i, rank, seen := 0, 0, false // rank: the next unit allowed (0 year, 1 mon, 2 day, 3 none)
	for i < len(s) {
		if seen {
			if s[i] != ' ' {
				return Interval{}, false
			}
			i++
		}
		seen = true
		neg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			neg = s[i] == '-'
			i++
		}
		n, j, ok := dtDigits(s, i, 1, 10)
		if !ok {
			return Interval{}, false
		}
		if j < len(s) && s[j] == ':' {
			// The time, always last.
			if j-i < 2 {
				return Interval{}, false
			}
			var ok bool
			if us, i, ok = dtIvParseTime(s, j, uint64(n), neg); !ok || i != len(s) {
				return Interval{}, false
			}
			break
		}
		if neg {
			n = -n
		}
		i = j
		if i >= len(s) || s[i] != ' ' {
			return Interval{}, false
		}
		i++
		unit := dtIvUnit(s[i:])
		if unit.name == "" || unit.rank < rank {
			return Interval{}, false
		}
		i += len(unit.name)
		if i < len(s) && s[i] == 's' {
			i++
		}
		rank = unit.rank + 1
		switch unit.rank {
		case 0:
			months += n * 12
		case 1:
			months += n
		case 2:
			days = n
		}
	}
	if !seen || months < math.MinInt32 || months > math.MaxInt32 || days < math.MinInt32 || days > math.MaxInt32 {
		return Interval{}, false
	}
	return Interval{Microseconds: us, Days: int32(days), Months: int32(months)}, true
}

type dtIvUnitName struct {
	name string
	rank int
}

// dtIvUnit returns the unit that s starts with, its name empty if none.
func dtIvUnit(s []byte) dtIvUnitName {
	for _, u := range [...]dtIvUnitName{{"year", 0}, {"mon", 1}, {"day", 2}} {
		if len(s) >= len(u.name) && string(s[:len(u.name)]) == u.name {
			return u
		}
	}
	return dtIvUnitName{}
}

// dtIvParseTime reads :MM:SS[.ffffff] at i after hours h, returning the signed
// microseconds.
func dtIvParseTime(s []byte, i int, h uint64, neg bool) (int64, int, bool) {
	mi, i, ok := dtDigits(s, i+1, 2, 2)
	if !ok || mi > 59 || i >= len(s) || s[i] != ':' {
		return 0, i, false
	}
	sec, i, ok := dtDigits(s, i+1, 2, 2)
	if !ok || sec > 59 {
		return 0, i, false
	}
	var frac int64
	if i < len(s) && s[i] == '.' {
		if frac, i, ok = dtParseFrac(s, i+1); !ok {
			return 0, i, false
		}
	}
	const maxHours = (1 << 63) / (3600 * dtUsPerSec)
	if h > maxHours {
		return 0, i, false
	}
	u := h*3600*dtUsPerSec + uint64((mi*60+sec)*dtUsPerSec+frac)
	if neg {
		if u > 1<<63 {
			return 0, i, false
		}
		return int64(-u), i, true
	}
	if u > math.MaxInt64 {
		return 0, i, false
	}
	return int64(u), i, true
}
