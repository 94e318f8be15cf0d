package pgmoon

import (
	"database/sql/driver"
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
	argNumber         // a decimal integer or float a numeric literal can spell
	argFloat          // NaN or an infinity: text a float type accepts, not a numeric literal
	argString         // text for the server to read as whatever type the context wants
	argBytes          // raw bytes, for bytea
)

// maxValuerDepth bounds driver.Valuer chains.
const maxValuerDepth = 8

// textArg appends the text of v, for when the parameter's type is not known
// to the driver (ExecModeExec and ExecModeSimpleProtocol): nil, bool, every
// integer and float kind, string, []byte, time.Time, driver.Valuer, pointers
// to these, and named types of these kinds.
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
		case int64:
			return strconv.AppendInt(buf, x, 10), argNumber, nil
		case int32:
			return strconv.AppendInt(buf, int64(x), 10), argNumber, nil
		case float64:
			return appendFloatArg(buf, x, 64)
		case time.Time:
			return appendTimeArg(buf, x)
		case driver.Valuer:
			if depth >= maxValuerDepth {
				return buf, 0, fmt.Errorf("driver.Valuer chain deeper than %d", maxValuerDepth)
			}
			if rv := reflect.ValueOf(x); rv.Kind() == reflect.Pointer && rv.IsNil() {
				return buf, argNull, nil
			}
			next, err := x.Value()
			if err != nil {
				return buf, 0, err
			}
			v = next
			continue
		}
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Pointer:
			if rv.IsNil() {
				return buf, argNull, nil
			}
			if depth >= maxValuerDepth {
				return buf, 0, fmt.Errorf("pointer chain deeper than %d", maxValuerDepth)
			}
			v = rv.Elem().Interface()
			continue
		case reflect.Bool:
			return strconv.AppendBool(buf, rv.Bool()), argBool, nil
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return strconv.AppendInt(buf, rv.Int(), 10), argNumber, nil
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			return strconv.AppendUint(buf, rv.Uint(), 10), argNumber, nil
		case reflect.Float32:
			return appendFloatArg(buf, rv.Float(), 32)
		case reflect.Float64:
			return appendFloatArg(buf, rv.Float(), 64)
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
		return buf, 0, fmt.Errorf("cannot send a %T without knowing the parameter's type (use an extended-protocol mode that describes the statement, or pass a string)", v)
	}
}

func appendFloatArg(buf []byte, f float64, bits int) ([]byte, argKind, error) {
	switch {
	case math.IsNaN(f):
		return append(buf, "NaN"...), argFloat, nil
	case math.IsInf(f, 1):
		return append(buf, "Infinity"...), argFloat, nil
	case math.IsInf(f, -1):
		return append(buf, "-Infinity"...), argFloat, nil
	}
	return strconv.AppendFloat(buf, f, 'g', -1, bits), argNumber, nil
}

// appendTimeArg writes t as timestamptz input: ISO 8601 with the offset,
// and " BC" for years before 1 (PostgreSQL has no year 0: 1 BC is Go's year
// 0).
func appendTimeArg(buf []byte, t time.Time) ([]byte, argKind, error) {
	year := t.Year()
	if year > 294276 || year < -4712 {
		return buf, 0, fmt.Errorf("time %v is out of PostgreSQL's timestamp range", t)
	}
	bc := year <= 0
	if bc {
		year = 1 - year
	}
	switch {
	case year < 10:
		buf = append(buf, "000"...)
	case year < 100:
		buf = append(buf, "00"...)
	case year < 1000:
		buf = append(buf, '0')
	}
	buf = strconv.AppendInt(buf, int64(year), 10)
	// The offset in full, seconds included (zones before standard time
	// have odd ones).
	buf = t.AppendFormat(buf, "-01-02 15:04:05.999999999-07:00:00")
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf, argString, nil
}

// oidBytea is bytea's type OID, declared for []byte arguments in
// ExecModeExec.
const oidBytea = 17
