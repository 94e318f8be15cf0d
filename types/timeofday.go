package types

import (
	"encoding/binary"
	"time"
)

// Time of day: time and timetz.
//
// Binary forms (PostgreSQL src/backend/utils/adt/date.c time_send/time_recv,
// timetz_send/timetz_recv): a time is an int64 count of microseconds since
// midnight, from 00:00:00 to 24:00:00 inclusive; a timetz is that int64
// followed by an int32 zone offset in seconds WEST of UTC (PostgreSQL's
// sign, the opposite of ISO 8601's), less than 16 hours either way.
//
// Text forms: what the server prints, "04:05:06.789" and
// "04:05:06.789+05:30" (offsets +HH, +HH:MM or +HH:MM:SS), with up to six
// fraction digits; the same forms are written, and the server reads them
// the same way under every DateStyle.

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "time", TimeOID, TimeArrayOID, TimeCodec{})
		register(m, "timetz", TimetzOID, TimetzArrayOID, TimetzCodec{})
	})
}

// Time is a time of day without time zone, as microseconds since midnight:
// 0 to 86400000000 (24:00:00) inclusive.
type Time struct {
	Microseconds int64
}

// String returns t as PostgreSQL prints it, "04:05:06.789".
func (t Time) String() string {
	if t.Microseconds < 0 || t.Microseconds > dtUsPerDay {
		return "invalid time"
	}
	return string(dtAppendClock(nil, t.Microseconds))
}

// TimeTZ is a time of day with a UTC offset, as PostgreSQL's timetz keeps
// it. Microseconds is the local time since midnight (0 to 24:00:00
// inclusive); Offset is in seconds EAST of UTC (Go's and ISO 8601's sign:
// +05:30 is 19800), the opposite of PostgreSQL's internal sign, and less
// than 16 hours either way.
type TimeTZ struct {
	Microseconds int64
	Offset       int32
}

// String returns t as PostgreSQL prints it, "04:05:06.789+05:30".
func (t TimeTZ) String() string {
	if !dtTimetzValid(t) {
		return "invalid timetz"
	}
	return string(dtAppendOffset(dtAppendClock(nil, t.Microseconds), int(t.Offset)))
}

// dtTzLimit bounds a UTC offset in seconds, exclusive (PostgreSQL's
// TZDISP_LIMIT).
const dtTzLimit = 16 * 3600

func dtTimetzValid(t TimeTZ) bool {
	return t.Microseconds >= 0 && t.Microseconds <= dtUsPerDay && t.Offset > -dtTzLimit && t.Offset < dtTzLimit
}

// TimeCodec is the codec of time (without time zone).
// See https://www.postgresql.org/docs/current/datatype-datetime.html and
// time_in/time_out/time_recv/time_send in src/backend/utils/adt/date.c.
//
// Go types: Time, time.Duration (since midnight, 0 to 24h; precision
// beyond the microsecond is truncated), and *string for the text form.
// Strings are sent verbatim as text for the server to parse. The natural
// (DecodeAny) value is a Time.
type TimeCodec struct{}

func (TimeCodec) PreferredFormat() Format { return BinaryFormat }

func (TimeCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	var us int64
	switch x := v.(type) {
	case Time:
		us = x.Microseconds
	case time.Duration:
		us = int64(x / time.Microsecond)
	default:
		return buf, unsupportedValue(v, f)
	}
	if us < 0 || us > dtUsPerDay {
		return buf, outOfRange(v, t.Name)
	}
	if f == BinaryFormat {
		return binary.BigEndian.AppendUint64(buf, uint64(us)), nil
	}
	return dtAppendClock(buf, us), nil
}

func (TimeCodec) decode(t *Type, f Format, src []byte) (int64, error) {
	if f == BinaryFormat {
		if len(src) != 8 {
			return 0, malformed(t, f, "%d bytes, want 8", len(src))
		}
		us := int64(binary.BigEndian.Uint64(src))
		if us < 0 || us > dtUsPerDay {
			return 0, malformed(t, f, "time %d out of range", us)
		}
		return us, nil
	}
	us, i, ok := dtParseClock(src, 0, true)
	if !ok || i != len(src) {
		return 0, malformed(t, f, "%q", truncate(src))
	}
	return us, nil
}

func (c TimeCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	us, err := c.decode(t, f, src)
	if err != nil {
		return err
	}
	switch d := dst.(type) {
	case *Time:
		*d = Time{us}
	case *time.Duration:
		*d = time.Duration(us) * time.Microsecond
	case *string:
		if f == TextFormat {
			*d = string(src)
		} else {
			*d = string(dtAppendClock(nil, us))
		}
	default:
		return unsupportedDst(dst)
	}
	return nil
}

func (c TimeCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	us, err := c.decode(t, f, src)
	if err != nil {
		return nil, err
	}
	return Time{us}, nil
}

// TimetzCodec is the codec of timetz (time with time zone).
// See https://www.postgresql.org/docs/current/datatype-datetime.html and
// timetz_in/timetz_out/timetz_recv/timetz_send in src/backend/utils/adt/date.c.
//
// Go types: TimeTZ and *string for the text form. Strings are sent
// verbatim as text for the server to parse. The natural (DecodeAny) value
// is a TimeTZ.
type TimetzCodec struct{}

func (TimetzCodec) PreferredFormat() Format { return BinaryFormat }

func (TimetzCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	x, ok := v.(TimeTZ)
	if !ok {
		return buf, unsupportedValue(v, f)
	}
	if !dtTimetzValid(x) {
		return buf, outOfRange(v, t.Name)
	}
	if f == BinaryFormat {
		buf = binary.BigEndian.AppendUint64(buf, uint64(x.Microseconds))
		return binary.BigEndian.AppendUint32(buf, uint32(-x.Offset)), nil
	}
	return dtAppendOffset(dtAppendClock(buf, x.Microseconds), int(x.Offset)), nil
}

func (TimetzCodec) decode(t *Type, f Format, src []byte) (TimeTZ, error) {
	if f == BinaryFormat {
		if len(src) != 12 {
			return TimeTZ{}, malformed(t, f, "%d bytes, want 12", len(src))
		}
		v := TimeTZ{
			Microseconds: int64(binary.BigEndian.Uint64(src)),
			Offset:       -int32(binary.BigEndian.Uint32(src[8:])),
		}
		if !dtTimetzValid(v) {
			return TimeTZ{}, malformed(t, f, "time %d, zone %d out of range", v.Microseconds, -v.Offset)
		}
		return v, nil
	}
	us, i, ok := dtParseClock(src, 0, true)
	var off int64
	if ok {
		off, i, ok = dtParseOffset(src, i)
	}
	if !ok || i != len(src) {
		return TimeTZ{}, malformed(t, f, "%q", truncate(src))
	}
	return TimeTZ{Microseconds: us, Offset: int32(off)}, nil
}

func (c TimetzCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	v, err := c.decode(t, f, src)
	if err != nil {
		return err
	}
	switch d := dst.(type) {
	case *TimeTZ:
		*d = v
	case *string:
		if f == TextFormat {
			*d = string(src)
		} else {
			*d = v.String()
		}
	default:
		return unsupportedDst(dst)
	}
	return nil
}

func (c TimetzCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	v, err := c.decode(t, f, src)
	if err != nil {
		return nil, err
	}
	return v, nil
}
