package types

import "slices"

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "bytea", ByteaOID, ByteaArrayOID, ByteaCodec{})
	})
}

// ByteaCodec is the codec of bytea (byteain/byteaout, bytearecv/byteasend
// in PostgreSQL's src/backend/utils/adt/varlena.c). See
// https://www.postgresql.org/docs/current/datatype-binary.html
//
// Binary is the raw bytes. Text is decoded in both output formats, hex
// ("\x0aff", the default bytea_output) and escape ("\012\377", octal
// escapes and "\\" for a backslash); text is encoded as hex.
//
// Go types: []byte, both ways (a destination reuses its capacity; an empty
// value is a non-nil empty slice), and string, whose bytes are the value
// both ways: encoding "\x01" sends the four bytes '\', 'x', '0', '1', not
// the byte 1. The natural value is []byte.
type ByteaCodec struct{}

// PreferredFormat returns BinaryFormat.
func (ByteaCodec) PreferredFormat() Format { return BinaryFormat }

// Encode appends a []byte or string: raw in binary, hex in text.
func (ByteaCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	switch x := v.(type) {
	case []byte:
		if f == BinaryFormat {
			return append(buf, x...), nil
		}
		return byteaAppendHex(buf, x), nil
	case string:
		if f == BinaryFormat {
			return append(buf, x...), nil
		}
		return byteaAppendHex(buf, x), nil
	}
	return buf, unsupportedValue(v, f)
}

const byteaHexDigits = "0123456789abcdef"

// byteaAppendHex appends byteaout's hex form of b: \x and two lower-case
// digits a byte.
func byteaAppendHex[T string | []byte](buf []byte, b T) []byte {
	buf = append(buf, '\\', 'x')
	for i := 0; i < len(b); i++ {
		buf = append(buf, byteaHexDigits[b[i]>>4], byteaHexDigits[b[i]&15])
	}
	return buf
}

// byteaHexValues maps a hex digit to its value, anything else to 0xff.
var byteaHexValues = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789abcdef" {
		t[c] = byte(i)
	}
	for i, c := range "ABCDEF" {
		t[c] = byte(10 + i)
	}
	return t
}()

// byteaUnhex is the value of a hex digit, or 0xff.
func byteaUnhex(c byte) byte { return byteaHexValues[c] }

// byteaAppendHexDecoded appends the bytes of src, byteain's hex form
// after its \x: pairs of digits of either case, with blanks (space, tab,
// CR, LF) allowed between pairs.
func byteaAppendHexDecoded(buf, src []byte) ([]byte, bool) {
	start := len(buf)
	buf = slices.Grow(buf, len(src)/2)[:start+len(src)/2]
	out := buf[start:]
	j := 0
	for i := 0; i < len(src); {
		if i+1 < len(src) {
			hi, lo := byteaHexValues[src[i]], byteaHexValues[src[i+1]]
			if hi|lo <= 0xf {
				out[j] = hi<<4 | lo
				j++
				i += 2
				continue
			}
		}
		switch src[i] {
		case ' ', '\t', '\r', '\n':
			i++
			continue
		}
		return buf[:start], false
	}
	return buf[:start+j], true
}

// byteaIsHex reports whether src is in byteain's hex form.
func byteaIsHex(src []byte) bool { return len(src) >= 2 && src[0] == '\\' && src[1] == 'x' }

// byteaEscapedLen checks src, byteain's escape form, and returns the
// length of the bytes it stands for: \ooo (first digit 0-3) and \\
// escapes, other bytes as they are.
func byteaEscapedLen(src []byte) (int, bool) {
	n := 0
	for i := 0; i < len(src); n++ {
		switch {
		case src[i] != '\\':
			i++
		case i+1 < len(src) && src[i+1] == '\\':
			i += 2
		case i+3 < len(src) && src[i+1] >= '0' && src[i+1] <= '3' && qcharIsOctal(src[i+2]) && qcharIsOctal(src[i+3]):
			i += 4
		default:
			return 0, false
		}
	}
	return n, true
}

// byteaAppendUnescaped appends the bytes of src, checked by
// byteaEscapedLen.
func byteaAppendUnescaped(buf, src []byte) []byte {
	for i := 0; i < len(src); {
		switch {
		case src[i] != '\\':
			buf = append(buf, src[i])
			i++
		case src[i+1] == '\\':
			buf = append(buf, '\\')
			i += 2
		default:
			buf = append(buf, (src[i+1]-'0')<<6|(src[i+2]-'0')<<3|(src[i+3]-'0'))
			i += 4
		}
	}
	return buf
}

// byteaAppendText appends the bytes of src, in either text form, to buf,
// which has room for them when its capacity is at least len(src) (hex
// needs half).
func byteaAppendText(buf, src []byte) ([]byte, bool) {
	if byteaIsHex(src) {
		return byteaAppendHexDecoded(buf, src[2:])
	}
	n, ok := byteaEscapedLen(src)
	if !ok {
		return buf, false
	}
	buf = slices.Grow(buf, n)
	return byteaAppendUnescaped(buf, src), true
}

// byteaTextCap is the capacity byteaAppendText may need for src.
func byteaTextCap(src []byte) int {
	if byteaIsHex(src) {
		return (len(src) - 2) / 2
	}
	return len(src)
}

// Decode stores the bytes into a *[]byte (reusing its capacity) or a
// *string.
func (ByteaCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	switch d := dst.(type) {
	case *[]byte:
		if f == BinaryFormat {
			setBytes(d, src)
			return nil
		}
		b := *d
		if n := byteaTextCap(src); b == nil || cap(b) < n {
			b = make([]byte, 0, n)
		}
		b, ok := byteaAppendText(b[:0], src)
		if !ok {
			return malformed(t, f, "%q", truncate(src))
		}
		*d = b
	case *string:
		if f == BinaryFormat {
			*d = string(src)
			return nil
		}
		b, ok := byteaAppendText(make([]byte, 0, byteaTextCap(src)), src)
		if !ok {
			return malformed(t, f, "%q", truncate(src))
		}
		*d = string(b)
	default:
		return unsupportedDst(dst)
	}
	return nil
}

// DecodeAny returns a new []byte.
func (c ByteaCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	var b []byte
	if err := c.Decode(m, t, f, src, &b); err != nil {
		return nil, err
	}
	return b, nil
}
