package types

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// Date, timestamp and timestamptz.
//
// Binary forms (PostgreSQL src/backend/utils/adt/date.c date_send/date_recv,
// timestamp.c timestamp_send/timestamp_recv, timestamptz_send/timestamptz_recv):
// a date is an int32 count of days since 2000-01-01, a timestamp or
// timestamptz an int64 count of microseconds since 2000-01-01 00:00:00 (UTC
// for timestamptz). The largest and smallest values of each integer are
// +infinity and -infinity. PostgreSQL's range is 4714-11-24 BC to
// 5874897-12-31 for dates and 4714-11-24 00:00:00 BC to
// 294276-12-31 23:59:59.999999 (UTC) for timestamps; anything else is refused
// as malformed on decode and as out of range on encode, as the server's recv
// functions do.
//
// Text forms: the codecs read what the server prints with DateStyle ISO (the
// default "ISO, MDY"; see https://www.postgresql.org/docs/current/datatype-datetime.html#DATATYPE-DATETIME-OUTPUT):
// "2000-01-31", "2000-01-31 04:05:06.789", "2000-01-31 04:05:06.789+05:30",
// "0044-03-15 BC", "10000-01-01", "infinity" and "-infinity", with up to six
// fraction digits and offsets of the form +HH, +HH:MM or +HH:MM:SS. Text in
// another DateStyle is malformed; binary, the preferred format, has no such
// dependence. They write ISO 8601 forms that the server reads the same way
// under every DateStyle: four or more year digits, a " BC" suffix for years
// before 1 AD (astronomical year 0 is 1 BC), and for timestamptz an explicit
// UTC offset.

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "date", DateOID, DateArrayOID, DateCodec{})
		register(m, "timestamp", TimestampOID, TimestampArrayOID, TimestampCodec{})
		register(m, "timestamptz", TimestamptzOID, TimestamptzArrayOID, TimestamptzCodec{})
	})
}

// Date is a date that may be infinite: Inf is PositiveInfinity or
// NegativeInfinity for 'infinity' and '-infinity', and Time is then
// ignored. A finite date decodes as midnight UTC; on encode, the calendar
// date of Time in its own location is sent.
type Date struct {
	Time time.Time
	Inf  Infinity
}

// Timestamp is a timestamp or timestamptz that may be infinite: Inf is
// PositiveInfinity or NegativeInfinity for 'infinity' and '-infinity', and
// Time is then ignored. Time is encoded and decoded as a bare time.Time is
// by TimestampCodec (wall clock, UTC) or TimestamptzCodec (instant, its
// Location).
type Timestamp struct {
	Time time.Time
	Inf  Infinity
}

const (
	// dtUnixToPG is the Unix time of 2000-01-01 00:00:00 UTC, PostgreSQL's
	// epoch.
	dtUnixToPG = 946684800
	// dtMinDate and dtEndDate bound PostgreSQL's dates (days since its
	// epoch): 4714-11-24 BC (Julian day 0) included, 5874898-01-01 excluded.
	dtMinDate = -2451545
	dtEndDate = 2145031949
	// dtMinTimestamp and dtEndTimestamp bound its timestamps
	// (microseconds since its epoch): 4714-11-24 00:00 BC included,
	// 294277-01-01 00:00 excluded.
	dtMinTimestamp = -211813488000000000
	dtEndTimestamp = 9223371331200000000

	dtUsPerSec = 1000000
	dtUsPerDay = 86400 * dtUsPerSec
)

// dtErrInfinite is returned for an infinite value scanned into a
// destination that has no room for it.
func dtErrInfinite(inf Infinity, dst any) error {
	return fmt.Errorf("%v cannot be stored in %T (use types.Date, types.Timestamp, a string or *any)", inf, dst)
}

// DateCodec is the codec of date.
// See https://www.postgresql.org/docs/current/datatype-datetime.html and
// date_in/date_out/date_recv/date_send in src/backend/utils/adt/date.c.
//
// Go types: time.Time (decoded as midnight UTC; encoded from its calendar
// date in its own location, ignoring the time of day), Date (which also
// carries ±infinity), Infinity, and *string for the text form. Strings are
// sent verbatim as text for the server to parse. The natural (DecodeAny)
// value is a time.Time, or PositiveInfinity/NegativeInfinity. Scanning an
// infinite date into *time.Time is an error.
type DateCodec struct{}

func (DateCodec) PreferredFormat() Format { return BinaryFormat }

func (DateCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	var days int64
	switch x := v.(type) {
	case time.Time:
		days = dtTimeDays(x)
	case Date:
		if x.Inf != Finite {
			return dtAppendDateInf(buf, f, x.Inf)
		}
		days = dtTimeDays(x.Time)
	case Infinity:
		return dtAppendDateInf(buf, f, x)
	default:
		return buf, unsupportedValue(v, f)
	}
	if days < dtMinDate || days >= dtEndDate {
		return buf, outOfRange(v, t.Name)
	}
	if f == BinaryFormat {
		return binary.BigEndian.AppendUint32(buf, uint32(int32(days))), nil
	}
	return dtAppendDate(buf, days, true), nil
}

// dtTimeDays is the calendar date of tm in its own location, as days since
// 2000-01-01.
func dtTimeDays(tm time.Time) int64 {
	y, mo, d := tm.Date()
	return dtDaysFromCivil(int64(y), int64(mo), int64(d))
}

func dtAppendDateInf(buf []byte, f Format, inf Infinity) ([]byte, error) {
	if f == BinaryFormat {
		switch inf {
		case PositiveInfinity:
			return binary.BigEndian.AppendUint32(buf, math.MaxInt32), nil
		case NegativeInfinity:
			return binary.BigEndian.AppendUint32(buf, 1<<31), nil
		}
	} else if inf == PositiveInfinity || inf == NegativeInfinity {
		return append(buf, inf.String()...), nil
	}
	return buf, fmt.Errorf("invalid Infinity value %d", int8(inf))
}

// decode returns src as days since 2000-01-01, or an infinity.
func (DateCodec) decode(t *Type, f Format, src []byte) (int64, Infinity, error) {
	if f == BinaryFormat {
		if len(src) != 4 {
			return 0, 0, malformed(t, f, "%d bytes, want 4", len(src))
		}
		n := int32(binary.BigEndian.Uint32(src))
		switch n {
		case math.MaxInt32:
			return 0, PositiveInfinity, nil
		case math.MinInt32:
			return 0, NegativeInfinity, nil
		}
		if n < dtMinDate || n >= dtEndDate {
			return 0, 0, malformed(t, f, "date %d out of range", n)
		}
		return int64(n), Finite, nil
	}
	if inf, ok := dtParseInf(src); ok {
		return 0, inf, nil
	}
	y, mo, d, i, ok := dtParseDate(src, 0)
	if ok {
		var bc bool
		bc, i = dtParseBC(src, i)
		y, ok = dtYear(y, mo, d, bc)
	}
	days := dtDaysFromCivil(y, mo, d)
	if !ok || i != len(src) || days < dtMinDate || days >= dtEndDate {
		return 0, 0, malformed(t, f, "%q", truncate(src))
	}
	return days, Finite, nil
}

func (c DateCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	days, inf, err := c.decode(t, f, src)
	if err != nil {
		return err
	}
	switch d := dst.(type) {
	case *time.Time:
		if inf != Finite {
			return dtErrInfinite(inf, dst)
		}
		*d = dtDateTime(days)
	case *Date:
		if inf != Finite {
			*d = Date{Inf: inf}
		} else {
			*d = Date{Time: dtDateTime(days)}
		}
	case *string:
		if f == TextFormat {
			*d = string(src)
		} else if inf != Finite {
			*d = inf.String()
		} else {
			*d = string(dtAppendDate(nil, days, true))
		}
	default:
		return unsupportedDst(dst)
	}
	return nil
}

func (c DateCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	days, inf, err := c.decode(t, f, src)
	if err != nil {
		return nil, err
	}
	if inf != Finite {
		return inf, nil
	}
	return dtDateTime(days), nil
}

// dtDateTime is midnight UTC of days since 2000-01-01.
func dtDateTime(days int64) time.Time {
	return time.Unix(days*86400+dtUnixToPG, 0).UTC()
}

// TimestampCodec is the codec of timestamp (without time zone).
// See https://www.postgresql.org/docs/current/datatype-datetime.html and
// timestamp_in/timestamp_out/timestamp_recv/timestamp_send in
// src/backend/utils/adt/timestamp.c.
//
// Go types: time.Time, Timestamp (which also carries ±infinity), Infinity,
// and *string for the text form. A time.Time is decoded in UTC; it is
// encoded from its wall clock in its own location, ignoring the zone (a
// 09:00 in Tokyo is sent as 09:00). Precision beyond the microsecond is
// truncated towards the past. Strings are sent verbatim as text for the
// server to parse. The natural (DecodeAny) value is a time.Time in UTC, or
// PositiveInfinity/NegativeInfinity. Scanning an infinite timestamp into
// *time.Time is an error.
type TimestampCodec struct{}

func (TimestampCodec) PreferredFormat() Format { return BinaryFormat }

func (TimestampCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	var tm time.Time
	switch x := v.(type) {
	case time.Time:
		tm = x
	case Timestamp:
		if x.Inf != Finite {
			return dtAppendTimestampInf(buf, f, x.Inf)
		}
		tm = x.Time
	case Infinity:
		return dtAppendTimestampInf(buf, f, x)
	default:
		return buf, unsupportedValue(v, f)
	}
	_, off := tm.Zone()
	us, ok := dtTimeMicros(tm, int64(off))
	if !ok {
		return buf, outOfRange(v, t.Name)
	}
	if f == BinaryFormat {
		return binary.BigEndian.AppendUint64(buf, uint64(us)), nil
	}
	return dtAppendTimestamp(buf, us, false, 0), nil
}

// dtTimeMicros returns tm plus off seconds as microseconds since 2000-01-01
// 00:00 UTC, false if out of PostgreSQL's range.
func dtTimeMicros(tm time.Time, off int64) (int64, bool) {
	// Bound the operands first: a time.Time (or a FixedZone offset) may be
	// far outside int64 microseconds.
	const limit = 1 << 50
	sec := tm.Unix()
	if sec > limit || sec < -limit || off > limit || off < -limit {
		return 0, false
	}
	sec += off - dtUnixToPG
	if sec < dtMinTimestamp/dtUsPerSec || sec >= dtEndTimestamp/dtUsPerSec {
		return 0, false
	}
	return sec*dtUsPerSec + int64(tm.Nanosecond()/1000), true
}

func dtAppendTimestampInf(buf []byte, f Format, inf Infinity) ([]byte, error) {
	if f == BinaryFormat {
		switch inf {
		case PositiveInfinity:
			return binary.BigEndian.AppendUint64(buf, math.MaxInt64), nil
		case NegativeInfinity:
			return binary.BigEndian.AppendUint64(buf, 1<<63), nil
		}
	} else if inf == PositiveInfinity || inf == NegativeInfinity {
		return append(buf, inf.String()...), nil
	}
	return buf, fmt.Errorf("invalid Infinity value %d", int8(inf))
}

// dtDecodeTimestamp returns src, a timestamp (tz false) or timestamptz (tz
// true), as microseconds since 2000-01-01 00:00 (UTC for timestamptz), or an
// infinity.
func dtDecodeTimestamp(t *Type, f Format, src []byte, tz bool) (int64, Infinity, error) {
	if f == BinaryFormat {
		if len(src) != 8 {
			return 0, 0, malformed(t, f, "%d bytes, want 8", len(src))
		}
		n := int64(binary.BigEndian.Uint64(src))
		switch n {
		case math.MaxInt64:
			return 0, PositiveInfinity, nil
		case math.MinInt64:
			return 0, NegativeInfinity, nil
		}
		if n < dtMinTimestamp || n >= dtEndTimestamp {
			return 0, 0, malformed(t, f, "timestamp %d out of range", n)
		}
		return n, Finite, nil
	}
	if inf, ok := dtParseInf(src); ok {
		return 0, inf, nil
	}
	us, ok := dtParseTimestamp(src, tz)
	if !ok {
		return 0, 0, malformed(t, f, "%q", truncate(src))
	}
	return us, Finite, nil
}

// dtTimestampTime is us microseconds since 2000-01-01 00:00 UTC in loc.
func dtTimestampTime(us int64, loc *time.Location) time.Time {
	sec, frac := us/dtUsPerSec, us%dtUsPerSec
	if frac < 0 {
		sec--
		frac += dtUsPerSec
	}
	return time.Unix(sec+dtUnixToPG, frac*1000).In(loc)
}

func (TimestampCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	us, inf, err := dtDecodeTimestamp(t, f, src, false)
	if err != nil {
		return err
	}
	switch d := dst.(type) {
	case *time.Time:
		if inf != Finite {
			return dtErrInfinite(inf, dst)
		}
		*d = dtTimestampTime(us, time.UTC)
	case *Timestamp:
		if inf != Finite {
			*d = Timestamp{Inf: inf}
		} else {
			*d = Timestamp{Time: dtTimestampTime(us, time.UTC)}
		}
	case *string:
		if f == TextFormat {
			*d = string(src)
		} else if inf != Finite {
			*d = inf.String()
		} else {
			*d = string(dtAppendTimestamp(nil, us, false, 0))
		}
	default:
		return unsupportedDst(dst)
	}
	return nil
}

func (TimestampCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	us, inf, err := dtDecodeTimestamp(t, f, src, false)
	if err != nil {
		return nil, err
	}
	if inf != Finite {
		return inf, nil
	}
	return dtTimestampTime(us, time.UTC), nil
}

// TimestamptzCodec is the codec of timestamptz (timestamp with time zone).
// See https://www.postgresql.org/docs/current/datatype-datetime.html and
// timestamptz_in/timestamptz_out/timestamptz_recv/timestamptz_send in
// src/backend/utils/adt/timestamp.c.
//
// A timestamptz is an instant. Decoded values are time.Time in Location
// (nil means time.Local), whatever the session's TimeZone; the default Map
// registers the codec with a nil Location, and a Map of your own can
// register TimestamptzCodec{Location: time.UTC} (or any other) for OID
// TimestamptzOID instead.
//
// Go types: time.Time, Timestamp (which also carries ±infinity), Infinity,
// and *string for the text form (decoded from binary, it is printed in
// Location). Precision beyond the microsecond is truncated towards the past.
// Text is sent in UTC with an explicit "+00" offset. Strings are sent
// verbatim as text for the server to parse (in the session's TimeZone when
// they carry no offset). The natural (DecodeAny) value is a time.Time, or
// PositiveInfinity/NegativeInfinity. Scanning an infinite timestamptz into
// *time.Time is an error.
type TimestamptzCodec struct {
	Location *time.Location // location of decoded values (default: time.Local)
}

func (TimestamptzCodec) PreferredFormat() Format { return BinaryFormat }

func (c TimestamptzCodec) loc() *time.Location {
	if c.Location == nil {
		return time.Local
	}
	return c.Location
}

func (TimestamptzCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	var tm time.Time
	switch x := v.(type) {
	case time.Time:
		tm = x
	case Timestamp:
		if x.Inf != Finite {
			return dtAppendTimestampInf(buf, f, x.Inf)
		}
		tm = x.Time
	case Infinity:
		return dtAppendTimestampInf(buf, f, x)
	default:
		return buf, unsupportedValue(v, f)
	}
	us, ok := dtTimeMicros(tm, 0)
	if !ok {
		return buf, outOfRange(v, t.Name)
	}
	if f == BinaryFormat {
		return binary.BigEndian.AppendUint64(buf, uint64(us)), nil
	}
	return dtAppendTimestamp(buf, us, true, 0), nil
}

func (c TimestamptzCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	us, inf, err := dtDecodeTimestamp(t, f, src, true)
	if err != nil {
		return err
	}
	switch d := dst.(type) {
	case *time.Time:
		if inf != Finite {
			return dtErrInfinite(inf, dst)
		}
		*d = dtTimestampTime(us, c.loc())
	case *Timestamp:
		if inf != Finite {
			*d = Timestamp{Inf: inf}
		} else {
			*d = Timestamp{Time: dtTimestampTime(us, c.loc())}
		}
	case *string:
		switch {
		case f == TextFormat:
			*d = string(src)
		case inf != Finite:
			*d = inf.String()
		default:
			_, off := dtTimestampTime(us, c.loc()).Zone()
			*d = string(dtAppendTimestamp(nil, us+int64(off)*dtUsPerSec, true, off))
		}
	default:
		return unsupportedDst(dst)
	}
	return nil
}

func (c TimestamptzCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	us, inf, err := dtDecodeTimestamp(t, f, src, true)
	if err != nil {
		return nil, err
	}
	if inf != Finite {
		return inf, nil
	}
	return dtTimestampTime(us, c.loc()), nil
}

// Calendar arithmetic on the proleptic Gregorian calendar with astronomical
// years (year 0 is 1 BC), as PostgreSQL's date2j/j2date; the algorithm is
// the well-known era-based days-from-civil conversion.

// dtDaysFromCivil returns y-m-d as days since 2000-01-01. It is exact for
// |y| well beyond PostgreSQL's range.
func dtDaysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := m - 3
	if m <= 2 {
		mp = m + 9
	}
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 730425 // 730425: days from 0000-03-01 to 2000-01-01
}

// dtCivilFromDays is the inverse of dtDaysFromCivil.
func dtCivilFromDays(days int64) (y, m, d int64) {
	z := days + 730425
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}

// dtDaysIn is the number of days in month m of astronomical year y.
func dtDaysIn(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// Text output.

// dtAppendPad appends n (≥ 0) with at least width digits.
func dtAppendPad(buf []byte, n int64, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for n >= 10 || width > 1 {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
		width--
	}
	i--
	tmp[i] = byte('0' + n)
	return append(buf, tmp[i:]...)
}

// dtAppendYMD appends the date part of days (astronomical years) as
// YYYY-MM-DD and reports whether it is BC.
func dtAppendYMD(buf []byte, days int64) ([]byte, bool) {
	y, m, d := dtCivilFromDays(days)
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	buf = dtAppendPad(buf, y, 4)
	buf = append(buf, '-')
	buf = dtAppendPad(buf, m, 2)
	buf = append(buf, '-')
	buf = dtAppendPad(buf, d, 2)
	return buf, bc
}

// dtAppendDate appends days since 2000-01-01 as PostgreSQL's ISO output,
// with the " BC" suffix when bcSuffix is true and the year is BC.
func dtAppendDate(buf []byte, days int64, bcSuffix bool) []byte {
	buf, bc := dtAppendYMD(buf, days)
	if bc && bcSuffix {
		buf = append(buf, " BC"...)
	}
	return buf
}

// dtAppendClock appends us microseconds (0 ≤ us ≤ 24h) as HH:MM:SS with up
// to six fraction digits, trailing zeros trimmed.
func dtAppendClock(buf []byte, us int64) []byte {
	sec := us / dtUsPerSec
	frac := us % dtUsPerSec
	buf = dtAppendPad(buf, sec/3600, 2)
	buf = append(buf, ':')
	buf = dtAppendPad(buf, sec/60%60, 2)
	buf = append(buf, ':')
	buf = dtAppendPad(buf, sec%60, 2)
	return dtAppendFrac(buf, frac)
}

// dtAppendFrac appends "." and the microseconds frac (0 ≤ frac < 1e6)
// without trailing zeros, nothing if frac is 0.
func dtAppendFrac(buf []byte, frac int64) []byte {
	if frac == 0 {
		return buf
	}
	digits := 6
	for frac%10 == 0 {
		frac /= 10
		digits--
	}
	buf = append(buf, '.')
	return dtAppendPad(buf, frac, digits)
}

// dtAppendOffset appends an offset east of UTC in seconds as +HH, +HH:MM or
// +HH:MM:SS.
func dtAppendOffset(buf []byte, off int) []byte {
	sign := byte('+')
	if off < 0 {
		sign = '-'
		off = -off
	}
	buf = append(buf, sign)
	buf = dtAppendPad(buf, int64(off/3600), 2)
	if off%3600 != 0 {
		buf = append(buf, ':')
		buf = dtAppendPad(buf, int64(off/60%60), 2)
		if off%60 != 0 {
			buf = append(buf, ':')
			buf = dtAppendPad(buf, int64(off%60), 2)
		}
	}
	return buf
}

// dtAppendTimestamp appends wall, microseconds since 2000-01-01 00:00 of
// some clock, as PostgreSQL's ISO output; with the offset off (seconds
// east of UTC) when withOffset.
func dtAppendTimestamp(buf []byte, wall int64, withOffset bool, off int) []byte {
	days, us := wall/dtUsPerDay, wall%dtUsPerDay
	if us < 0 {
		days--
		us += dtUsPerDay
	}
	buf, bc := dtAppendYMD(buf, days)
	buf = append(buf, ' ')
	buf = dtAppendClock(buf, us)
	if withOffset {
		buf = dtAppendOffset(buf, off)
	}
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

// Text input.

// dtParseInf recognizes "infinity" and "-infinity".
func dtParseInf(src []byte) (Infinity, bool) {
	switch string(src) { // no allocation: compared in place
	case "infinity":
		return PositiveInfinity, true
	case "-infinity":
		return NegativeInfinity, true
	}
	return Finite, false
}

// dtDigits reads between lo and hi decimal digits of s from i (hi ≤ 18);
// more digits than hi is an error.
func dtDigits(s []byte, i, lo, hi int) (n int64, next int, ok bool) {
	j := i
	for j < len(s) && j-i < hi && s[j] >= '0' && s[j] <= '9' {
		n = n*10 + int64(s[j]-'0')
		j++
	}
	if j-i < lo || (j < len(s) && s[j] >= '0' && s[j] <= '9') {
		return 0, i, false
	}
	return n, j, true
}

// dtParseDate reads YYYY-MM-DD (4 to 9 year digits) from s at i; the day
// is checked by dtYear once the era is known.
func dtParseDate(s []byte, i int) (y, m, d int64, next int, ok bool) {
	y, i, ok = dtDigits(s, i, 4, 9)
	if !ok || i >= len(s) || s[i] != '-' {
		return 0, 0, 0, i, false
	}
	m, i, ok = dtDigits(s, i+1, 2, 2)
	if !ok || i >= len(s) || s[i] != '-' {
		return 0, 0, 0, i, false
	}
	d, i, ok = dtDigits(s, i+1, 2, 2)
	if !ok || y < 1 || m < 1 || m > 12 || d < 1 {
		return 0, 0, 0, i, false
	}
	return y, m, d, i, true
}

// dtYear returns the astronomical year of year y AD, or y BC when bc, and
// whether day d of month m exists in it.
func dtYear(y, m, d int64, bc bool) (int64, bool) {
	if bc {
		y = 1 - y
	}
	return y, d <= dtDaysIn(y, m)
}

// dtParseBC reads an optional " BC" at i.
func dtParseBC(s []byte, i int) (bool, int) {
	if len(s)-i >= 3 && s[i] == ' ' && s[i+1] == 'B' && s[i+2] == 'C' {
		return true, i + 3
	}
	return false, i
}

// dtParseClock reads HH:MM:SS[.ffffff] (hours 0 to 24, 24:00:00 only when
// allow24) as microseconds since midnight.
func dtParseClock(s []byte, i int, allow24 bool) (us int64, next int, ok bool) {
	h, i, ok := dtDigits(s, i, 2, 2)
	if !ok || i >= len(s) || s[i] != ':' {
		return 0, i, false
	}
	mi, i, ok := dtDigits(s, i+1, 2, 2)
	if !ok || i >= len(s) || s[i] != ':' {
		return 0, i, false
	}
	sec, i, ok := dtDigits(s, i+1, 2, 2)
	if !ok || mi > 59 || sec > 59 {
		return 0, i, false
	}
	var frac int64
	if i < len(s) && s[i] == '.' {
		if frac, i, ok = dtParseFrac(s, i+1); !ok {
			return 0, i, false
		}
	}
	us = ((h*60+mi)*60+sec)*dtUsPerSec + frac
	if h > 24 || h == 24 && (!allow24 || us != dtUsPerDay) {
		return 0, i, false
	}
	return us, i, true
}

// dtParseFrac reads 1 to 6 fraction digits at i as microseconds.
func dtParseFrac(s []byte, i int) (int64, int, bool) {
	f, j, ok := dtDigits(s, i, 1, 6)
	if !ok {
		return 0, i, false
	}
	for k := j - i; k < 6; k++ {
		f *= 10
	}
	return f, j, true
}

// dtParseOffset reads ±HH[:MM[:SS]] at i (at most 15:59:59, PostgreSQL's
// limit) as seconds east of UTC.
func dtParseOffset(s []byte, i int) (off int64, next int, ok bool) {
	if i >= len(s) || s[i] != '+' && s[i] != '-' {
		return 0, i, false
	}
	neg := s[i] == '-'
	h, i, ok := dtDigits(s, i+1, 2, 2)
	if !ok || h > 15 {
		return 0, i, false
	}
	var mi, sec int64
	if i < len(s) && s[i] == ':' {
		if mi, i, ok = dtDigits(s, i+1, 2, 2); !ok || mi > 59 {
			return 0, i, false
		}
		if i < len(s) && s[i] == ':' {
			if sec, i, ok = dtDigits(s, i+1, 2, 2); !ok || sec > 59 {
				return 0, i, false
			}
		}
	}
	off = h*3600 + mi*60 + sec
	if neg {
		off = -off
	}
	return off, i, true
}

// dtParseTimestamp reads a timestamp (with its offset when tz) as the
// server prints it, as microseconds since 2000-01-01 00:00 (UTC when tz),
// checked against PostgreSQL's range.
func dtParseTimestamp(s []byte, tz bool) (int64, bool) {
	y, mo, d, i, ok := dtParseDate(s, 0)
	if !ok || i >= len(s) || s[i] != ' ' && s[i] != 'T' {
		return 0, false
	}
	clock, i, ok := dtParseClock(s, i+1, false)
	if !ok {
		return 0, false
	}
	var off int64
	if tz {
		if off, i, ok = dtParseOffset(s, i); !ok {
			return 0, false
		}
	}
	bc, i := dtParseBC(s, i)
	if i != len(s) {
		return 0, false
	}
	if y, ok = dtYear(y, mo, d, bc); !ok {
		return 0, false
	}
	days := dtDaysFromCivil(y, mo, d)
	// Bound days before multiplying; the wall clock of a timestamptz may
	// lie a day beyond the range of its instant.
	if days < dtMinTimestamp/dtUsPerDay-1 || days > dtEndTimestamp/dtUsPerDay+1 {
		return 0, false
	}
	us := days*dtUsPerDay + clock - off*dtUsPerSec
	if us < dtMinTimestamp || us >= dtEndTimestamp {
		return 0, false
	}
	return us, true
}
