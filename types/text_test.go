package types_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

func TestTextCodec(t *testing.T) {
	m := types.Default()
	for _, oid := range []uint32{types.TextOID, types.VarcharOID, types.BPCharOID, types.NameOID,
		types.RefcursorOID, types.UnknownOID, types.XMLOID} {
		typ := txType(t, m, oid)
		for _, f := range []types.Format{types.TextFormat, types.BinaryFormat} {
			if oid != types.XMLOID || f == types.TextFormat {
				txEncode(t, m, typ, f, "héllo 🙂", []byte("héllo 🙂"))
				txEncode(t, m, typ, f, []byte("a\\'\"\n"), []byte("a\\'\"\n"))
				txEncode(t, m, typ, f, "", []byte{})
			}

			var s string
			if err := m.Scan(typ, f, []byte("x\x00y"), &s); err != nil || s != "x\x00y" {
				t.Errorf("%s %s scan into *string: %q, %v", typ.Name, f, s, err)
			}
			var a any
			if err := m.Scan(typ, f, []byte("abc"), &a); err != nil || a != "abc" {
				t.Errorf("%s %s scan into *any: %#v, %v", typ.Name, f, a, err)
			}
			b := []byte(nil)
			if err := m.Scan(typ, f, []byte{}, &b); err != nil || b == nil || len(b) != 0 {
				t.Errorf("%s %s scan empty into *[]byte: %#v, %v", typ.Name, f, b, err)
			}
			var n int
			if err := m.Scan(typ, f, []byte("1"), &n); err == nil {
				t.Errorf("%s %s scan into *int succeeded", typ.Name, f)
			}
		}
	}
}

func TestTextNameTooLongForBinary(t *testing.T) {
	m := types.Default()
	typ := txType(t, m, types.NameOID)
	long := strings.Repeat("n", 64)
	if _, _, err := m.EncodeFormat(typ, types.BinaryFormat, long, nil); !errors.Is(err, types.ErrUnsupported) {
		t.Errorf("64-byte name in binary: %v, want ErrUnsupported", err)
	}
	out, f, _, err := m.Encode(typ, long, nil)
	if err != nil || f != types.TextFormat || string(out) != long {
		t.Errorf("Encode 64-byte name: %q %s %v, want text", out, f, err)
	}
	txEncode(t, m, typ, types.BinaryFormat, long[:63], []byte(long[:63]))
}

func TestTextXMLEncodedAsText(t *testing.T) {
	m := types.Default()
	typ := txType(t, m, types.XMLOID)
	const doc = `<?xml version="1.0" encoding="LATIN1"?><a>é</a>`
	if _, _, err := m.EncodeFormat(typ, types.BinaryFormat, doc, nil); !errors.Is(err, types.ErrUnsupported) {
		t.Errorf("xml in binary: %v, want ErrUnsupported", err)
	}
	out, f, _, err := m.Encode(typ, []byte(doc), nil)
	if err != nil || f != types.TextFormat || string(out) != doc {
		t.Errorf("Encode xml: %q %s %v, want text", out, f, err)
	}
}

func TestTextDecodeIntoByteSliceReuses(t *testing.T) {
	m := types.Default()
	typ := txType(t, m, types.TextOID)
	src := []byte("some text value")
	dst := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		if err := m.Scan(typ, types.BinaryFormat, src, &dst); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 || string(dst) != string(src) {
		t.Errorf("%v allocs, %q", allocs, dst)
	}
}

func TestQChar(t *testing.T) {
	m := types.Default()
	typ := txType(t, m, types.QCharOID)
	for _, c := range []struct {
		v          any
		text, bin  string
		wantString string
	}{
		{"A", "A", "A", "A"},
		{"", "", "\x00", ""},
		{"\x81", `\201`, "\x81", "\x81"},
		{`\201`, `\201`, "\x81", "\x81"},
		{"\xff", `\377`, "\xff", "\xff"},
		{`\`, `\`, `\`, `\`},
		{[]byte("z"), "z", "z", "z"},
		{byte('q'), "q", "q", "q"},
		{byte(0x80), `\200`, "\x80", "\x80"},
	} {
		txEncode(t, m, typ, types.TextFormat, c.v, []byte(c.text))
		txEncode(t, m, typ, types.BinaryFormat, c.v, []byte(c.bin))
		for _, in := range []struct {
			f   types.Format
			src string
		}{{types.TextFormat, c.text}, {types.BinaryFormat, c.bin}} {
			var s string
			if err := m.Scan(typ, in.f, []byte(in.src), &s); err != nil || s != c.wantString {
				t.Errorf("scan %s %q into *string: %q, %v; want %q", in.f, in.src, s, err, c.wantString)
			}
			var a any
			if err := m.Scan(typ, in.f, []byte(in.src), &a); err != nil || a != c.wantString {
				t.Errorf("scan %s %q into *any: %#v, %v", in.f, in.src, a, err)
			}
			var b byte
			if err := m.Scan(typ, in.f, []byte(in.src), &b); err != nil || (c.wantString == "" && b != 0) || (c.wantString != "" && b != c.wantString[0]) {
				t.Errorf("scan %s %q into *byte: %#x, %v", in.f, in.src, b, err)
			}
		}
	}
	for _, v := range []any{"ab", "é", `\401`, `\20`, []byte("xy")} {
		if _, _, err := m.EncodeFormat(typ, types.BinaryFormat, v, nil); err == nil {
			t.Errorf("encode %q as \"char\" succeeded", v)
		}
	}
	for _, src := range []string{"ab", `\401`, `\2a1`, `\20`, "abcde"} {
		txReject(t, m, typ, types.TextFormat, []byte(src))
	}
	txReject(t, m, typ, types.BinaryFormat, []byte("ab"))
	txRejectPrefixes(t, m, typ, []byte("A"), func() any { return new(string) })
}

// Binary values as tsvectorsend and tsquerysend give them, with the text
// the server prints for them.
var tsearchBinaryCases = []struct {
	oid  uint32
	bin  []byte
	text string
}{
	{types.TSVectorOID, []byte{0, 0, 0, 0}, ""},
	{types.TSVectorOID, []byte{
		0, 0, 0, 3, // 3 lexemes
		'a', '\\', 'b', 0, // a\b
		0, 3, // 3 positions
		0xc0, 0x01, // 1A
		0x00, 0x02, // 2
		0x40, 0x03, // 3C
		'b', 0, // b
		0, 1, // 1 position
		0x00, 0x04, // 4 (weight D is not printed)
		'i', 't', '\'', 's', 0, // it's
		0, 0, // no positions
	}, `'a\\b':1A,2,3C 'b':4 'it''s'`},
	{types.TSQueryOID, []byte{0, 0, 0, 0}, ""},
	{types.TSQueryOID, []byte{
		0, 0, 0, 8, // 8 items
		2, 2, // AND
		2, 4, 0, 1, // PHRASE, distance 1 (right operand of AND)
		1, 0x0c, 1, 'd', 0, // 'd':*AB (right operand of PHRASE)
		2, 1, // NOT (left operand of PHRASE)
		2, 3, // OR
		1, 0, 0, 'c', 0, // 'c'
		1, 0, 0, 'b', 0, // 'b'
		1, 0, 0, 'a', 0, // 'a' (left operand of AND)
	}, `'a' & !( 'b' | 'c' ) <-> 'd':*AB`},
	{types.TSQueryOID, []byte{
		0, 0, 0, 5,
		2, 4, 0, 1, // PHRASE
		2, 4, 0, 3, // PHRASE <3> as the right operand: parenthesized
		1, 0, 0, 'c', 0,
		1, 1, 0, 'b', 0,
		1, 0, 0, 'a', '\'', '\\', 0,
	}, `'a''\\' <-> ( 'b':D <3> 'c' )`},
}

func TestTextSearchBinary(t *testing.T) {
	m := types.Default()
	for _, c := range tsearchBinaryCases {
		typ := txType(t, m, c.oid)
		var s string
		if err := m.Scan(typ, types.BinaryFormat, c.bin, &s); err != nil || s != c.text {
			t.Errorf("%s %x: %q, %v; want %q", typ.Name, c.bin, s, err, c.text)
		}
		b := make([]byte, 0, 100)
		if err := m.Scan(typ, types.BinaryFormat, c.bin, &b); err != nil || string(b) != c.text || b == nil {
			t.Errorf("%s %x into *[]byte: %q, %v", typ.Name, c.bin, b, err)
		}
		var a any
		if err := m.Scan(typ, types.TextFormat, []byte(c.text), &a); err != nil || a != c.text {
			t.Errorf("%s text %q into *any: %#v, %v", typ.Name, c.text, a, err)
		}
		txRejectPrefixes(t, m, typ, c.bin, func() any { return new(string) })
		txReject(t, m, typ, types.BinaryFormat, append(append([]byte{}, c.bin...), 0))

		txEncode(t, m, typ, types.TextFormat, c.text, []byte(c.text))
		out, f, _, err := m.Encode(typ, c.text, nil)
		if err != nil || f != types.TextFormat || string(out) != c.text {
			t.Errorf("%s Encode %q: %q %s %v", typ.Name, c.text, out, f, err)
		}
		if _, _, err := m.EncodeFormat(typ, types.BinaryFormat, c.text, nil); err == nil {
			t.Errorf("%s binary encode succeeded", typ.Name)
		}
	}
	for _, c := range []struct {
		oid uint32
		bin []byte
	}{
		{types.TSVectorOID, []byte{0xff, 0xff, 0xff, 0xff}},                      // negative count
		{types.TSVectorOID, []byte{0x7f, 0xff, 0xff, 0xff, 'a', 0, 0, 0}},        // count beyond the data
		{types.TSVectorOID, []byte{0, 0, 0, 1, 'a', 0, 0xff, 0xff}},              // positions beyond the data
		{types.TSQueryOID, []byte{0, 0, 0, 1, 3, 0}},                             // item type 3
		{types.TSQueryOID, []byte{0, 0, 0, 1, 2, 1}},                             // NOT without operand
		{types.TSQueryOID, []byte{0, 0, 0, 2, 2, 5, 1, 0, 0, 'a', 0}},            // operator 5
		{types.TSQueryOID, []byte{0, 0, 0, 1, 1, 0x10, 0, 'a', 0}},               // weight bitmap 0x10
		{types.TSQueryOID, []byte{0, 0, 0, 2, 1, 0, 0, 'a', 0, 1, 0, 0, 'b', 0}}, // two roots
		{types.TSQueryOID, []byte{0, 0, 0, 3, 2, 2, 1, 0, 0, 'a', 0}},            // AND without its left operand
	} {
		txReject(t, m, txType(t, m, c.oid), types.BinaryFormat, c.bin)
	}
}

func TestTSQueryDeepNesting(t *testing.T) {
	m := types.Default()
	typ := txType(t, m, types.TSQueryOID)
	// 100000 NOTs and an operand: refused past the nesting limit, without
	// exhausting the stack.
	const n = 100000
	src := []byte{0, 1, 0x86, 0xa1} // n+1 items
	for range n {
		src = append(src, 2, 1)
	}
	src = append(src, 1, 0, 0, 'a', 0)
	txReject(t, m, typ, types.BinaryFormat, src)
	// 1000 is fine.
	src = []byte{0, 0, 0x03, 0xe9}
	for range 1000 {
		src = append(src, 2, 1)
	}
	src = append(src, 1, 0, 0, 'a', 0)
	var s string
	if err := m.Scan(typ, types.BinaryFormat, src, &s); err != nil || s != strings.Repeat("!", 1000)+"'a'" {
		t.Errorf("1000 NOTs: %.20q..., %v", s, err)
	}
}
