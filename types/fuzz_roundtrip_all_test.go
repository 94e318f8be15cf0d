package types

import (
	"bytes"
	"testing"
)

// decodeOnly are the built-in types that are read but never sent: the
// server refuses input of an anonymous record ("input of anonymous
// composite types is not implemented"), so the codec encodes none.
var decodeOnly = map[uint32]bool{RecordOID: true, RecordArrayOID: true}

// jsonLossy reports whether v, decoded from a json or jsonb value or
// array, does not round-trip through any, by design (see JSONCodec): it is
// or holds as an array element a JSON string, whose contents DecodeAny
// returns while a Go string is sent as JSON text, unchecked, as pgx and
// database/sql do; or it is JSON null, which DecodeAny returns as nil, and
// nil is SQL NULL.
func jsonLossy(oid uint32, v any) bool {
	switch oid {
	case JSONOID, JSONBOID, JSONArrayOID, JSONBArrayOID:
	default:
		return false
	}
	if v == nil {
		return true
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case string:
			return true
		case []any:
			for _, e := range v {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

// FuzzRoundTripAll decodes arbitrary bytes as every built-in type in
// both formats and, for whatever decodes, requires the encoding to be a
// fixed point: what decodes must encode (in the same format when the type
// can, else in the other), that encoding must decode again, and encoding
// the value read back must give the very same bytes
// (encode(decode(encode(decode(x)))) == encode(decode(x))). A codec that
// loses or changes part of a value on the way through fails here.
func FuzzRoundTripAll(f *testing.F) {
	oids := allOIDs()
	index := func(oid uint32) uint16 {
		for i, o := range oids {
			if o == oid {
				return uint16(i)
			}
		}
		f.Fatalf("OID %d is not built in", oid)
		return 0
	}
	for _, s := range []struct {
		oid  uint32
		text string
	}{
		{Int4OID, "-2147483648"}, {Float8OID, "-1.5e-300"}, {Float4OID, "NaN"}, {NumericOID, "-0.000100"},
		{BoolOID, "t"}, {TextOID, "a\x00b"}, {ByteaOID, `\x00ff`}, {DateOID, "infinity"},
		{TimestampOID, "2024-02-29 23:59:59.999999"}, {TimestamptzOID, "1999-01-08 04:05:06+02"},
		{IntervalOID, "1 year -2 mons 3 days 04:05:06.7"}, {TimeOID, "24:00:00"}, {TimetzOID, "00:00:00-15:59"},
		{UUIDOID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, {JSONBOID, `{"a": [1, 2.50, null]}`},
		{InetOID, "::ffff:1.2.3.4/120"}, {CIDROID, "10.0.0.0/8"}, {MacaddrOID, "08:00:2b:01:02:03"},
		{Int4ArrayOID, "{{1,NULL},{3,4}}"}, {TextArrayOID, `{"a,b","\"",NULL,"NULL"}`},
		{Int4rangeOID, "[1,5)"}, {TstzrangeOID, `("2020-01-01 00:00:00+00",)`}, {NumrangeOID, "empty"},
		{PointOID, "(1.5,-2)"}, {BoxOID, "(1,1),(0,0)"}, {PathOID, "[(0,0),(1,1)]"}, {CircleOID, "<(0,0),1>"},
		{BitOID, "101"}, {VarbitOID, ""}, {TIDOID, "(0,1)"}, {MoneyOID, "-$1.00"}, {PgLSNOID, "16/B374D848"},
	} {
		f.Add(index(s.oid), false, []byte(s.text))
		m := NewMap()
		typ := m.TypeOrUnknown(s.oid)
		if v, err := m.DecodeAny(typ, TextFormat, []byte(s.text)); err == nil {
			if enc, null, err := m.EncodeFormat(typ, BinaryFormat, v, nil); err == nil && !null {
				f.Add(index(s.oid), true, enc)
			}
		}
	}
	m := NewMap()
	f.Fuzz(func(t *testing.T, pick uint16, binary bool, data []byte) {
		typ := m.TypeOrUnknown(oids[int(pick)%len(oids)])
		if decodeOnly[typ.OID] {
			return
		}
		format := TextFormat
		if binary {
			format = BinaryFormat
		}
		data = append([]byte{}, data...) // never nil: nil is SQL NULL
		v, err := m.DecodeAny(typ, format, data)
		if err != nil {
			return
		}
		if jsonLossy(typ.OID, v) {
			return
		}
		enc1, null1, err := m.EncodeFormat(typ, format, v, nil)
		if err != nil {
			var err2 error
			other := BinaryFormat
			if format == BinaryFormat {
				other = TextFormat
			}
			enc1, null1, err2 = m.EncodeFormat(typ, other, v, nil)
			if err2 != nil {
				t.Fatalf("%s %s %q decodes to %#v, which encodes in neither format: %v; %v", typ.Name, format, data, v, err, err2)
			}
			format = other
		}
		if null1 {
			t.Fatalf("%s %s %q decodes to %#v, which encodes as NULL", typ.Name, format, data, v)
		}
		v2, err := m.DecodeAny(typ, format, enc1)
		if err != nil {
			t.Fatalf("%s %s: %q (from %q) does not decode: %v", typ.Name, format, enc1, data, err)
		}
		enc2, _, err := m.EncodeFormat(typ, format, v2, nil)
		if err != nil {
			t.Fatalf("%s %s: %#v (read back from %q) does not encode: %v", typ.Name, format, v2, enc1, err)
		}
		if !bytes.Equal(enc1, enc2) {
			t.Fatalf("%s %s: %q decodes to %#v, encodes as %q, which decodes to %#v and encodes as %q", typ.Name, format, data, v, enc1, v2, enc2)
		}
	})
}
