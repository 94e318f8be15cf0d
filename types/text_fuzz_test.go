package types_test

import (
	"bytes"
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

// textFuzzOIDs are the types FuzzTextDecode picks from.
var textFuzzOIDs = []uint32{types.TextOID, types.BPCharOID, types.NameOID, types.QCharOID,
	types.XMLOID, types.TSVectorOID, types.TSQueryOID}

func textFuzzFormat(binary bool) types.Format {
	if binary {
		return types.BinaryFormat
	}
	return types.TextFormat
}

func FuzzTextDecode(f *testing.F) {
	m := types.Default()
	for _, c := range textRTCases {
		oid := types.TextOID
		switch c.Type {
		case `"char"`:
			oid = types.QCharOID
		case "tsvector":
			oid = types.TSVectorOID
		case "tsquery":
			oid = types.TSQueryOID
		}
		for i, o := range textFuzzOIDs {
			if o != oid || c.Value == nil {
				continue
			}
			for _, bin := range []bool{false, true} {
				src, _, err := m.EncodeFormat(txType(f, m, oid), textFuzzFormat(bin), c.Value, nil)
				if err == nil && len(src) < 1000 {
					f.Add(uint8(i), bin, src)
				}
			}
		}
	}
	for _, c := range tsearchBinaryCases {
		i := 5
		if c.oid == types.TSQueryOID {
			i = 6
		}
		f.Add(uint8(i), true, c.bin)
		f.Add(uint8(i), false, []byte(c.text))
	}
	f.Fuzz(func(t *testing.T, sel uint8, bin bool, src []byte) {
		src = append([]byte{}, src...) // never nil: nil is SQL NULL
		typ := txType(t, m, textFuzzOIDs[int(sel)%len(textFuzzOIDs)])
		fm := textFuzzFormat(bin)
		var a any
		errAny := m.Scan(typ, fm, src, &a)
		var s string
		err := m.Scan(typ, fm, src, &s)
		var b []byte
		errB := m.Scan(typ, fm, src, &b)
		if (errAny == nil) != (err == nil) || (err == nil) != (errB == nil) {
			t.Fatalf("%s %s %q: *any %v, *string %v, *[]byte %v", typ.Name, fm, src, errAny, err, errB)
		}
		if err != nil {
			return
		}
		if a != s || string(b) != s {
			t.Fatalf("%s %s %q: *any %q, *string %q, *[]byte %q", typ.Name, fm, src, a, s, b)
		}
		// Encode what was read (in text: tsvector and tsquery have no
		// binary encoding, xml is sent in text) and read it back.
		if typ.OID == types.TSVectorOID || typ.OID == types.TSQueryOID || typ.OID == types.XMLOID {
			fm = types.TextFormat
		}
		enc, _, err := m.EncodeFormat(typ, fm, s, []byte{})
		if err != nil {
			if typ.OID == types.NameOID && len(s) > 63 {
				return
			}
			t.Fatalf("%s %s: encode %q: %v", typ.Name, fm, s, err)
		}
		if typ.OID != types.QCharOID && typ.OID != types.TSVectorOID && typ.OID != types.TSQueryOID && !bytes.Equal(enc, src) {
			t.Fatalf("%s %s: %q encodes as %q", typ.Name, fm, src, enc)
		}
		var s2 string
		if err := m.Scan(typ, fm, enc, &s2); err != nil || s2 != s {
			t.Fatalf("%s %s: %q re-read as %q, %v", typ.Name, fm, s, s2, err)
		}
	})
}

func BenchmarkDecodeText(b *testing.B) {
	m := types.Default()
	text := txType(b, m, types.TextOID)
	qchar := txType(b, m, types.QCharOID)
	tsq := txType(b, m, types.TSQueryOID)
	short := []byte("hello, world")
	long := bytes.Repeat([]byte("0123456789abcdef"), 64)
	b.Run("text/1KB/[]byte", func(b *testing.B) {
		b.ReportAllocs()
		dst := make([]byte, 0, 1024)
		for b.Loop() {
			if err := m.Scan(text, types.BinaryFormat, long, &dst); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("text/12B/string", func(b *testing.B) {
		b.ReportAllocs()
		var dst string
		for b.Loop() {
			if err := m.Scan(text, types.BinaryFormat, short, &dst); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("text/12B/any", func(b *testing.B) {
		b.ReportAllocs()
		var dst any
		for b.Loop() {
			if err := m.Scan(text, types.BinaryFormat, short, &dst); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("char/byte", func(b *testing.B) {
		b.ReportAllocs()
		var dst byte
		src := []byte{'x'}
		for b.Loop() {
			if err := m.Scan(qchar, types.BinaryFormat, src, &dst); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("char/string", func(b *testing.B) {
		b.ReportAllocs()
		var dst string
		src := []byte{0x81}
		for b.Loop() {
			if err := m.Scan(qchar, types.BinaryFormat, src, &dst); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tsquery/binary/[]byte", func(b *testing.B) {
		b.ReportAllocs()
		dst := make([]byte, 0, 256)
		src := tsearchBinaryCases[3].bin
		for b.Loop() {
			if err := m.Scan(tsq, types.BinaryFormat, src, &dst); err != nil {
				b.Fatal(err)
			}
		}
	})
}
