package types

import "fmt"

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "text", TextOID, TextArrayOID, TextCodec{})
		register(m, "varchar", VarcharOID, VarcharArrayOID, TextCodec{})
		register(m, "bpchar", BPCharOID, BPCharArrayOID, TextCodec{})
		register(m, "name", NameOID, NameArrayOID, TextCodec{})
		register(m, "char", QCharOID, QCharArrayOID, QCharCodec{})
		register(m, "refcursor", RefcursorOID, RefcursorArrayOID, TextCodec{})
		register(m, "unknown", UnknownOID, 0, TextCodec{})
		register(m, "xml", XMLOID, XMLArrayOID, TextCodec{})
	})
}

// textNameMaxLen is the longest name the server accepts in binary:
// NAMEDATALEN - 1 bytes.
const textNameMaxLen = 63

// TextCodec is the codec of the character types text, varchar, bpchar and
// name, and of refcursor, unknown and xml: types whose binary form is their
// text (textsend/textrecv, varcharsend/varcharrecv, bpcharsend/bpcharrecv,
// namesend/namerecv, unknownsend/unknownrecv, xml_send/xml_recv in
// PostgreSQL's src/backend/utils/adt/varlena.c, varchar.c, name.c and
// xml.c). See https://www.postgresql.org/docs/current/datatype-character.html
//
// Go types: string and []byte, both ways (a []byte destination reuses its
// capacity). The natural value is a string. bpchar values keep their
// padding (char(5) 'ab' reads "ab   ").
//
// The server truncates a name longer than 63 bytes when it parses text
// (namein) but refuses it in binary (namerecv), so such a name is encoded in
// text only and the server truncates it. xml is encoded in text only:
// xml_recv would read a document in the encoding its XML declaration names
// (<?xml version="1.0" encoding="LATIN1"?>) while a Go string is UTF-8;
// xml_in reads it in the client encoding.
type TextCodec struct{}

// PreferredFormat returns BinaryFormat: it is the text without parsing.
func (TextCodec) PreferredFormat() Format { return BinaryFormat }

// Encode appends a string or []byte unchanged, in either format (xml and
// over-long names in text only).
func (TextCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	switch x := v.(type) {
	case string:
		if !textBinaryOK(t, f, len(x)) {
			return buf, unsupportedValue(v, f)
		}
		return append(buf, x...), nil
	case []byte:
		if !textBinaryOK(t, f, len(x)) {
			return buf, unsupportedValue(v, f)
		}
		return append(buf, x...), nil
	}
	return buf, unsupportedValue(v, f)
}

// textBinaryOK reports whether a value of n bytes may be sent as t in
// format f: not a name the server would refuse in binary, and not xml,
// whose binary input (xml_recv) takes the encoding an XML declaration
// names, where its text input (xml_in) takes the client encoding, the
// encoding of a Go string.
func textBinaryOK(t *Type, f Format, n int) bool {
	if f != BinaryFormat {
		return true
	}
	switch t.OID {
	case NameOID:
		return n <= textNameMaxLen
	case XMLOID:
		return false
	}
	return true
}

// Decode stores the text into a *string or a *[]byte; both formats carry
// the same bytes.
func (TextCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	return scanText(src, dst)
}

// DecodeAny returns the text as a string.
func (TextCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return string(src), nil
}

// QCharCodec is the codec of "char" (QCharOID), the one-byte internal type
// of the system catalogs (charin/charout, charrecv/charsend in PostgreSQL's
// src/backend/utils/adt/char.c). See
// https://www.postgresql.org/docs/current/datatype-character.html#DATATYPE-CHARACTER-SPECIAL-TABLE
//
// Binary is the byte itself. Text is the byte, an empty string for the zero
// byte, and \ooo (three octal digits) for bytes 128 to 255.
//
// Go types: string and []byte of zero or one byte (a zero byte reads as
// ""; encode also accepts the \ooo text form), and byte. Anything longer is
// an error rather than silently cut to its first byte as the server does.
// The natural value is a string: "" or one byte, not necessarily valid
// UTF-8.
type QCharCodec struct{}

// PreferredFormat returns BinaryFormat.
func (QCharCodec) PreferredFormat() Format { return BinaryFormat }

// Encode appends a string, []byte or byte as one byte (binary) or its
// charin text.
func (QCharCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	var b byte
	switch x := v.(type) {
	case string:
		c, ok := qcharParse(x)
		if !ok {
			return buf, qcharTooLong(x)
		}
		b = c
	case []byte:
		c, ok := qcharParse(x)
		if !ok {
			return buf, qcharTooLong(x)
		}
		b = c
	case byte:
		b = x
	default:
		return buf, unsupportedValue(v, f)
	}
	if f == BinaryFormat {
		return append(buf, b), nil
	}
	switch {
	case b == 0:
		return buf, nil
	case b >= 0x80:
		return append(buf, '\\', '0'+b>>6, '0'+(b>>3)&7, '0'+b&7), nil
	}
	return append(buf, b), nil
}

func qcharTooLong[T string | []byte](s T) error {
	return fmt.Errorf("\"char\" holds one byte, got %d", len(s))
}

// qcharParse reads charin's input: "" is the zero byte, one byte is
// itself, and a backslash with three octal digits is that byte.
func qcharParse[T string | []byte](s T) (byte, bool) {
	switch len(s) {
	case 0:
		return 0, true
	case 1:
		return s[0], true
	case 4:
		if s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && qcharIsOctal(s[2]) && qcharIsOctal(s[3]) {
			return (s[1]-'0')<<6 | (s[2]-'0')<<3 | (s[3] - '0'), true
		}
	}
	return 0, false
}

func qcharIsOctal(c byte) bool { return c >= '0' && c <= '7' }

func (QCharCodec) decode(t *Type, f Format, src []byte) (byte, error) {
	if f == BinaryFormat {
		if len(src) != 1 {
			return 0, malformed(t, f, "%d bytes, want 1", len(src))
		}
		return src[0], nil
	}
	b, ok := qcharParse(src)
	if !ok {
		return 0, malformed(t, f, "%q", truncate(src))
	}
	return b, nil
}

// Decode stores the byte into a *string or *[]byte (empty for the zero
// byte) or a *byte.
func (c QCharCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	b, err := c.decode(t, f, src)
	if err != nil {
		return err
	}
	one := [1]byte{b}
	s := one[:]
	if b == 0 {
		s = s[:0]
	}
	switch d := dst.(type) {
	case *string:
		*d = string(s) // at most one byte: no allocation
	case *[]byte:
		setBytes(d, s)
	case *byte:
		*d = b
	default:
		return unsupportedDst(dst)
	}
	return nil
}

// DecodeAny returns the byte as a string, "" for the zero byte.
func (c QCharCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	var s string
	if err := c.Decode(m, t, f, src, &s); err != nil {
		return nil, err
	}
	return s, nil
}
