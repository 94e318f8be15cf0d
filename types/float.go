package types

import (
	"encoding/binary"
	"math"
	"strconv"
)

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "float4", Float4OID, Float4ArrayOID, FloatCodec{Size: 4})
		register(m, "float8", Float8OID, Float8ArrayOID, FloatCodec{Size: 8})
	})
}

// FloatCodec is the codec of float4 and float8 (Size 4 or 8). Go types:
// float32, float64, integers (when exact), string. NaN and ±Infinity round
// trip. The natural value is float32 or float64.
type FloatCodec struct{ Size int }

func (FloatCodec) PreferredFormat() Format { return BinaryFormat }

func (c FloatCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	var x float64
	switch n := v.(type) {
	case float64:
		x = n
		if c.Size == 4 && math.Abs(x) > math.MaxFloat32 && !math.IsInf(x, 0) {
			return buf, outOfRange(v, t.Name)
		}
	case float32:
		x = float64(n)
	default:
		i, err := intValue(v)
		if err != nil {
			return buf, err
		}
		limit := int64(1 << 53)
		if c.Size == 4 {
			limit = 1 << 24
		}
		if i > limit || i < -limit {
			return buf, outOfRange(v, t.Name)
		}
		x = float64(i)
	}
	if f == TextFormat {
		return appendFloat(buf, x, c.Size*8), nil
	}
	if c.Size == 4 {
		return binary.BigEndian.AppendUint32(buf, math.Float32bits(float32(x))), nil
	}
	return binary.BigEndian.AppendUint64(buf, math.Float64bits(x)), nil
}

// appendFloat writes x as float4out or float8out print it with the default
// extra_float_digits: the shortest digits that read back exactly, in fixed
// notation for decimal exponents from -4 to 5 (float4) or 14 (float8).
func appendFloat(buf []byte, x float64, bits int) []byte {
	if bits == 64 {
		return appendFloat8Text(buf, x)
	}
	if out, ok := appendFloatSpecial(buf, x); ok {
		return out
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], x, 'e', -1, 32)
	if exp := geoExponent(e); exp >= -4 && exp < 6 {
		return strconv.AppendFloat(buf, x, 'f', -1, 32)
	}
	return append(buf, e...)
}

func (c FloatCodec) decode(t *Type, f Format, src []byte) (float64, error) {
	if f == BinaryFormat {
		if len(src) != c.Size {
			return 0, malformed(t, f, "%d bytes, want %d", len(src), c.Size)
		}
		if c.Size == 4 {
			return float64(math.Float32frombits(binary.BigEndian.Uint32(src))), nil
		}
		return math.Float64frombits(binary.BigEndian.Uint64(src)), nil
	}
	switch string(src) {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	x, err := strconv.ParseFloat(string(src), c.Size*8)
	if err != nil {
		return 0, malformed(t, f, "%q", truncate(src))
	}
	return x, nil
}

func (c FloatCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	x, err := c.decode(t, f, src)
	if err != nil {
		return err
	}
	switch d := dst.(type) {
	case *float64:
		*d = x
	case *float32:
		if math.Abs(x) > math.MaxFloat32 && !math.IsInf(x, 0) {
			return outOfRange(x, dst)
		}
		*d = float32(x)
	case *string:
		*d = string(appendFloat(nil, x, c.Size*8))
	default:
		if math.IsNaN(x) || math.IsInf(x, 0) || x != math.Trunc(x) || x < -(1<<63) || x >= 1<<63 {
			switch dst.(type) {
			case *int, *int8, *int16, *int32, *int64, *uint, *uint8, *uint16, *uint32, *uint64:
				return outOfRange(x, dst)
			}
			return unsupportedDst(dst)
		}
		return assignInt(int64(x), dst)
	}
	return nil
}

func (c FloatCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	x, err := c.decode(t, f, src)
	if err != nil {
		return nil, err
	}
	if c.Size == 4 {
		return float32(x), nil
	}
	return x, nil
}

// appendFloatSpecial appends the values whose text is not digits (NaN,
// Infinity, -Infinity) and zero with its sign, reporting whether x was one.
func appendFloatSpecial(buf []byte, x float64) ([]byte, bool) {
	switch {
	case math.IsNaN(x):
		return append(buf, "NaN"...), true
	case math.IsInf(x, 1):
		return append(buf, "Infinity"...), true
	case math.IsInf(x, -1):
		return append(buf, "-Infinity"...), true
	case x == 0:
		if math.Signbit(x) {
			return append(buf, "-0"...), true
		}
		return append(buf, '0'), true
	}
	return buf, false
}
