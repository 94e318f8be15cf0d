package pgmoon

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
)

// argKind says what sort of SQL value textArg rendered.
type argKind int

const (
	argNull   argKind = iota
	argBool           // "true" or "false"
	argNumber         // a decimal integer or float a numeric constant can spell
	argFloat          // NaN, an infinity or -0: text only a float type reads
	argString         // text for the server to read as whatever type the context wants
	argTime           // as argString, and only ASCII digits, letters, spaces and -+:.
	argBytes          // raw bytes, for bytea
)

// maxArgDepth bounds the pointers and driver.Valuer results textArg
// follows, as the type map does for parameters.
const maxArgDepth = 8

// unsupportedArgError is textArg's error for a Go type it cannot render.
type unsupportedArgError struct{ t reflect.Type }

func (e *unsupportedArgError) Error() string { return fmt.Sprintf("no text form for %v", e.t) }

// textArg appends the text of v, for when the driver does not know the
// parameter's type (ExecModeExec and, quoted by appendLiteral,
// ExecModeSimpleProtocol): nil, bool, every integer and float kind, string,
// []byte, time.Time, driver.Valuer, pointers to these, and named types of
// these kinds. Anything else, fmt.Stringer included, is an
// *unsupportedArgError: the driver never guesses at a value's text.
func textArg(buf []byte, v any) ([]byte, argKind, error) {
	for depth := 0; ; depth++ {
		switch x := v.(type) {
		case nil:
			return buf, argNull, nil
		case string:
			return append(buf, x...), argString, nil
		case []byte:
			if x == nil {
				return buf, argNull, nil
			}
			return append(buf, x...), argBytes, nil
		case bool:
			return strconv.AppendBool(buf, x), argBool, nil
		case int:
			return strconv.AppendInt(buf, int64(x), 10), argNumber, nil
		case int8:
			return strconv.AppendInt(buf, int64(x), 10), argNumber, nil
		case int16:
			return strconv.AppendInt(buf, int64(x), 10), argNumber, nil
		case int32:
			return strconv.AppendInt(buf, int64(x), 10), argNumber, nil
		case int64:
			return strconv.AppendInt(buf, x, 10), argNumber, nil
		case uint:
			return strconv.AppendUint(buf, uint64(x), 10), argNumber, nil
		case uint8:
			return strconv.AppendUint(buf, uint64(x), 10), argNumber, nil
		case uint16:
			return strconv.AppendUint(buf, uint64(x), 10), argNumber, nil
		case uint32:
			return strconv.AppendUint(buf, uint64(x), 10), argNumber, nil
		case uint64:
			return strconv.AppendUint(buf, x, 10), argNumber, nil
		case float32:
			buf, kind := appendFloatArg(buf, float64(x), 32)
			return buf, kind, nil
		case float64:
			buf, kind := appendFloatArg(buf, x, 64)
			return buf, kind, nil
		case time.Time:
			buf, err := appendTimeArg(buf, x)
			return buf, argTime, err
		}
		if depth >= maxArgDepth {
			return buf, 0, errors.New("too many levels of pointers or driver.Valuer")
		}
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Pointer && rv.IsNil() {
			return buf, argNull, nil
		}
		if vr, ok := v.(driver.Valuer); ok {
			next, err := vr.Value()
			if err != nil {
				return buf, 0, fmt.Errorf("%T.Value: %w", v, err)
			}
			v = next
			continue
		}
		switch rv.Kind() {
		case reflect.Pointer:
			v = rv.Elem().Interface()
			continue
		case reflect.Bool:
			v = rv.Bool()
			continue
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return strconv.AppendInt(buf, rv.Int(), 10), argNumber, nil
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			return strconv.AppendUint(buf, rv.Uint(), 10), argNumber, nil
		case reflect.Float32:
			buf, kind := appendFloatArg(buf, rv.Float(), 32)
			return buf, kind, nil
		case reflect.Float64:
			buf, kind := appendFloatArg(buf, rv.Float(), 64)
			return buf, kind, nil
		case reflect.String:
			return append(buf, rv.String()...), argString, nil
		case reflect.Slice:
			if rv.Type().Elem().Kind() == reflect.Uint8 {
				if rv.IsNil() {
					return buf, argNull, nil
				}
				return append(buf, rv.Bytes()...), argBytes, nil
			}
		}
		return buf, 0, &unsupportedArgError{reflect.TypeOf(v)}
	}
}

// appendFloatArg appends f as the shortest decimal that reads back as f,
// or as NaN, Infinity, -Infinity or -0, which need a float type.
func appendFloatArg(buf []byte, f float64, bits int) ([]byte, argKind) {
	switch {
	case math.IsNaN(f):
		return append(buf, "NaN"...), argFloat
	case math.IsInf(f, 1):
		return append(buf, "Infinity"...), argFloat
	case math.IsInf(f, -1):
		return append(buf, "-Infinity"...), argFloat
	case f == 0 && math.Signbit(f):
		return append(buf, "-0"...), argFloat
	}
	return strconv.AppendFloat(buf, f, 'g', -1, bits), argNumber
}

// appendTimeArg appends t as text the server reads as a timestamp with
// time zone (or, converting, as a date, a timestamp or a time):
// 2006-01-02 15:04:05.999999999-07:00, with the offset's seconds when it
// has any, and with the year counted before Christ and " BC" for years
// before 1 (Go's year 0 is 1 BC). The server keeps microseconds, rounding
// the rest.
func appendTimeArg(buf []byte, t time.Time) ([]byte, error) {
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	_, offset := t.Zone()
	bc := year < 1
	if bc {
		year = 1 - year
	}
	// PostgreSQL's timestamps run from 4713 BC to 294276 AD.
	if (bc && year > 4713) || (!bc && year > 294276) {
		return buf, fmt.Errorf("time.Time %s is outside PostgreSQL's timestamp range", t.Format(time.RFC3339))
	}
	buf = appendPadded(buf, year, 4)
	buf = append(buf, '-')
	buf = appendPadded(buf, int(month), 2)
	buf = append(buf, '-')
	buf = appendPadded(buf, day, 2)
	buf = append(buf, ' ')
	buf = appendPadded(buf, hour, 2)
	buf = append(buf, ':')
	buf = appendPadded(buf, minute, 2)
	buf = append(buf, ':')
	buf = appendPadded(buf, sec, 2)
	if ns := t.Nanosecond(); ns != 0 {
		buf = append(buf, '.')
		digits := 9
		for ns%10 == 0 {
			ns /= 10
			digits--
		}
		buf = appendPadded(buf, ns, digits)
	}
	if offset < 0 {
		buf = append(buf, '-')
		offset = -offset
	} else {
		buf = append(buf, '+')
	}
	buf = appendPadded(buf, offset/3600, 2)
	buf = append(buf, ':')
	buf = appendPadded(buf, offset/60%60, 2)
	if offset%60 != 0 {
		buf = append(buf, ':')
		buf = appendPadded(buf, offset%60, 2)
	}
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf, nil
}

// appendPadded appends n in decimal, zero-padded to width digits.
func appendPadded(buf []byte, n, width int) []byte {
	var b [20]byte
	i := len(b)
	for n >= 10 || width > 1 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		width--
	}
	i--
	b[i] = byte('0' + n)
	return append(buf, b[i:]...)
}

// oidBytea is bytea's type OID, declared for []byte arguments in
// ExecModeExec.
const oidBytea = 17
