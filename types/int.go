package types

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
)

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "bool", BoolOID, BoolArrayOID, BoolCodec{})
		register(m, "int2", Int2OID, Int2ArrayOID, IntCodec{Size: 2})
		register(m, "int4", Int4OID, Int4ArrayOID, IntCodec{Size: 4})
		register(m, "int8", Int8OID, Int8ArrayOID, IntCodec{Size: 8})
		register(m, "oid", OIDOID, OIDArrayOID, Uint32Codec{})
		register(m, "xid", XIDOID, XIDArrayOID, Uint32Codec{})
		register(m, "cid", CIDOID, CIDArrayOID, Uint32Codec{})
		register(m, "xid8", XID8OID, XID8ArrayOID, Uint64Codec{})
		for _, r := range []struct {
			name     string
			oid, arr uint32
		}{
			{"regproc", RegprocOID, RegprocArrayOID},
			{"regprocedure", RegprocedureOID, RegprocedureArrayOID},
			{"regoper", RegoperOID, RegoperArrayOID},
			{"regoperator", RegoperatorOID, RegoperatorArrayOID},
			{"regclass", RegclassOID, RegclassArrayOID},
			{"regtype", RegtypeOID, RegtypeArrayOID},
			{"regconfig", RegconfigOID, RegconfigArrayOID},
			{"regdictionary", RegdictionaryOID, RegdictionaryArrayOID},
			{"regnamespace", RegnamespaceOID, RegnamespaceArrayOID},
			{"regrole", RegroleOID, RegroleArrayOID},
			{"regcollation", RegcollationOID, RegcollationArrayOID},
		} {
			register(m, r.name, r.oid, r.arr, Uint32Codec{Named: true})
		}
	})
}

// BoolCodec is the codec of bool. Go type: bool.
type BoolCodec struct{}

func (BoolCodec) PreferredFormat() Format { return BinaryFormat }

func (BoolCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	b, ok := v.(bool)
	if !ok {
		return buf, unsupportedValue(v, f)
	}
	if f == BinaryFormat {
		if b {
			return append(buf, 1), nil
		}
		return append(buf, 0), nil
	}
	if b {
		return append(buf, 't'), nil
	}
	return append(buf, 'f'), nil
}

func (c BoolCodec) decode(t *Type, f Format, src []byte) (bool, error) {
	if len(src) == 1 {
		switch {
		case f == BinaryFormat && src[0] <= 1:
			return src[0] == 1, nil
		case f == TextFormat && src[0] == 't':
			return true, nil
		case f == TextFormat && src[0] == 'f':
			return false, nil
		}
	}
	return false, malformed(t, f, "%q", src)
}

func (c BoolCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	b, err := c.decode(t, f, src)
	if err != nil {
		return err
	}
	switch d := dst.(type) {
	case *bool:
		*d = b
	case *string:
		*d = strconv.FormatBool(b)
	default:
		return unsupportedDst(dst)
	}
	return nil
}

func (c BoolCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return c.decode(t, f, src)
}

// IntCodec is the codec of int2, int4 and int8 (Size 2, 4 or 8). Go types:
// every integer type (range-checked), float32 and float64 (when exact),
// string, *big.Int. The natural value is int16, int32 or int64.
type IntCodec struct{ Size int }

func (IntCodec) PreferredFormat() Format { return BinaryFormat }

func (c IntCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	n, err := intValue(v)
	if err != nil {
		return buf, err
	}
	if n < -1<<(c.Size*8-1) || n > 1<<(c.Size*8-1)-1 {
		return buf, outOfRange(v, t.Name)
	}
	if f == TextFormat {
		return strconv.AppendInt(buf, n, 10), nil
	}
	switch c.Size {
	case 2:
		return binary.BigEndian.AppendUint16(buf, uint16(n)), nil
	case 4:
		return binary.BigEndian.AppendUint32(buf, uint32(n)), nil
	}
	return binary.BigEndian.AppendUint64(buf, uint64(n)), nil
}

// intValue returns v, a Go integer or integral float, as an int64.
func intValue(v any) (int64, error) {
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case uint:
		if uint64(x) > math.MaxInt64 {
			return 0, errNot64Bit(v)
		}
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return 0, errNot64Bit(v)
		}
		return int64(x), nil
	case float32:
		return floatToInt(float64(x), v)
	case float64:
		return floatToInt(x, v)
	case *big.Int:
		if !x.IsInt64() {
			return 0, errNot64Bit(v)
		}
		return x.Int64(), nil
	}
	return 0, fmt.Errorf("%w Go type %T", ErrUnsupported, v)
}

// errNot64Bit is the error for an integer that does not fit in 64 bits.
func errNot64Bit(v any) error {
	return fmt.Errorf("value %v out of range for a 64-bit integer", v)
}

func floatToInt(x float64, v any) (int64, error) {
	if x != math.Trunc(x) || x < -(1<<63) || x >= 1<<63 {
		return 0, fmt.Errorf("%v is not an integer in range", v)
	}
	return int64(x), nil
}

func (c IntCodec) decode(t *Type, f Format, src []byte) (int64, error) {
	if f == BinaryFormat {
		if len(src) != c.Size {
			return 0, malformed(t, f, "%d bytes, want %d", len(src), c.Size)
		}
		switch c.Size {
		case 2:
			return int64(int16(binary.BigEndian.Uint16(src))), nil
		case 4:
			return int64(int32(binary.BigEndian.Uint32(src))), nil
		}
		return int64(binary.BigEndian.Uint64(src)), nil
	}
	n, ok := parseInt(src)
	if !ok || n < -1<<(c.Size*8-1) || n > 1<<(c.Size*8-1)-1 {
		return 0, malformed(t, f, "%q", truncate(src))
	}
	return n, nil
}

func (c IntCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	n, err := c.decode(t, f, src)
	if err != nil {
		return err
	}
	return assignInt(n, dst)
}

func (c IntCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	n, err := c.decode(t, f, src)
	if err != nil {
		return nil, err
	}
	switch c.Size {
	case 2:
		return int16(n), nil
	case 4:
		return int32(n), nil
	}
	return n, nil
}

// assignInt stores n into an integer, float or string destination,
// refusing values that do not fit.
func assignInt(n int64, dst any) error {
	switch d := dst.(type) {
	case *int64:
		*d = n
	case *int32:
		if n < math.MinInt32 || n > math.MaxInt32 {
			return outOfRange(n, dst)
		}
		*d = int32(n)
	case *int:
		if n < math.MinInt || n > math.MaxInt {
			return outOfRange(n, dst)
		}
		*d = int(n)
	case *int16:
		if n < math.MinInt16 || n > math.MaxInt16 {
			return outOfRange(n, dst)
		}
		*d = int16(n)
	case *int8:
		if n < math.MinInt8 || n > math.MaxInt8 {
			return outOfRange(n, dst)
		}
		*d = int8(n)
	case *uint64:
		if n < 0 {
			return outOfRange(n, dst)
		}
		*d = uint64(n)
	case *uint32:
		if n < 0 || n > math.MaxUint32 {
			return outOfRange(n, dst)
		}
		*d = uint32(n)
	case *uint:
		if n < 0 || uint64(n) > math.MaxUint {
			return outOfRange(n, dst)
		}
		*d = uint(n)
	case *uint16:
		if n < 0 || n > math.MaxUint16 {
			return outOfRange(n, dst)
		}
		*d = uint16(n)
	case *uint8:
		if n < 0 || n > math.MaxUint8 {
			return outOfRange(n, dst)
		}
		*d = uint8(n)
	case *float64:
		if n > 1<<53 || n < -1<<53 {
			return fmt.Errorf("value %d cannot be represented exactly in %T", n, dst)
		}
		*d = float64(n)
	case *float32:
		if n > 1<<24 || n < -1<<24 {
			return fmt.Errorf("value %d cannot be represented exactly in %T", n, dst)
		}
		*d = float32(n)
	case *string:
		*d = strconv.FormatInt(n, 10)
	case *big.Int:
		d.SetInt64(n)
	default:
		return unsupportedDst(dst)
	}
	return nil
}

// parseInt parses an optionally signed decimal integer without allocating.
func parseInt(s []byte) (int64, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// truncate shortens data quoted in error messages.
func truncate(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

// Uint32Codec is the codec of oid, xid, cid and the reg* types (Named),
// whose binary form is an OID and whose text form is a name such as
// "pg_class". Go types: integers (range-checked), string (for Named types
// in text, the name the server resolves). The natural value is uint32, or
// the name as a string when a Named type arrives in text.
//
// Named types ask for text, since their point is the name: a regclass
// column scans into a string as "pg_class", and into an integer when the
// server prints a bare number. Cast to oid for the number.
type Uint32Codec struct{ Named bool }

func (c Uint32Codec) PreferredFormat() Format {
	if c.Named {
		return TextFormat
	}
	return BinaryFormat
}

func (c Uint32Codec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	n, err := intValue(v)
	if err != nil {
		return buf, err
	}
	if n < 0 || n > math.MaxUint32 {
		return buf, outOfRange(v, t.Name)
	}
	if f == TextFormat {
		return strconv.AppendInt(buf, n, 10), nil
	}
	return binary.BigEndian.AppendUint32(buf, uint32(n)), nil
}

func (c Uint32Codec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	if f == TextFormat && c.Named {
		switch d := dst.(type) {
		case *string:
			*d = string(src)
			return nil
		}
		n, ok := parseInt(src)
		if !ok || n < 0 || n > math.MaxUint32 {
			return unsupportedDst(dst)
		}
		return assignInt(n, dst)
	}
	n, err := c.decode(t, f, src)
	if err != nil {
		return err
	}
	return assignInt(int64(n), dst)
}

func (c Uint32Codec) decode(t *Type, f Format, src []byte) (uint32, error) {
	if f == BinaryFormat {
		if len(src) != 4 {
			return 0, malformed(t, f, "%d bytes, want 4", len(src))
		}
		return binary.BigEndian.Uint32(src), nil
	}
	n, ok := parseInt(src)
	if !ok || n < 0 || n > math.MaxUint32 {
		return 0, malformed(t, f, "%q", truncate(src))
	}
	return uint32(n), nil
}

func (c Uint32Codec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	if f == TextFormat && c.Named {
		return string(src), nil
	}
	return c.decode(t, f, src)
}

// Uint64Codec is the codec of xid8. Go types: integers, string. The natural
// value is uint64.
type Uint64Codec struct{}

func (Uint64Codec) PreferredFormat() Format { return BinaryFormat }

func (Uint64Codec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	var u uint64
	if x, ok := v.(uint64); ok {
		u = x
	} else {
		n, err := intValue(v)
		if err != nil {
			return buf, err
		}
		if n < 0 {
			return buf, outOfRange(v, t.Name)
		}
		u = uint64(n)
	}
	if f == TextFormat {
		return strconv.AppendUint(buf, u, 10), nil
	}
	return binary.BigEndian.AppendUint64(buf, u), nil
}

func (Uint64Codec) decode(t *Type, f Format, src []byte) (uint64, error) {
	if f == BinaryFormat {
		if len(src) != 8 {
			return 0, malformed(t, f, "%d bytes, want 8", len(src))
		}
		return binary.BigEndian.Uint64(src), nil
	}
	u, err := strconv.ParseUint(string(src), 10, 64)
	if err != nil {
		return 0, malformed(t, f, "%q", truncate(src))
	}
	return u, nil
}

func (c Uint64Codec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	u, err := c.decode(t, f, src)
	if err != nil {
		return err
	}
	switch d := dst.(type) {
	case *uint64:
		*d = u
		return nil
	case *string:
		*d = strconv.FormatUint(u, 10)
		return nil
	}
	if u > math.MaxInt64 {
		return outOfRange(u, dst)
	}
	return assignInt(int64(u), dst)
}

func (c Uint64Codec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return c.decode(t, f, src)
}
