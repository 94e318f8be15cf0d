package types_test

import (
	"bytes"
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

// byteaTextCases are byteaout/byteain text forms and their bytes.
var byteaTextCases = []struct {
	text string
	want []byte
}{
	{`\x`, []byte{}},
	{`\x00`, []byte{0}},
	{`\x0001fF7f`, []byte{0, 1, 0xff, 0x7f}},
	{"\\x 00\t01\r\n ff ", []byte{0, 1, 0xff}}, // blanks between pairs
	{"", []byte{}},
	{`abc`, []byte("abc")},
	{`\000\001\377\\A`, []byte{0, 1, 0xff, '\\', 'A'}},
	{`\\x`, []byte(`\x`)},
	{`a'b"`, []byte(`a'b"`)},
}

func TestByteaDecode(t *testing.T) {
	m := types.Default()
	typ := txType(t, m, types.ByteaOID)
	for _, c := range byteaTextCases {
		var b []byte
		if err := m.Scan(typ, types.TextFormat, []byte(c.text), &b); err != nil || !bytes.Equal(b, c.want) || b == nil {
			t.Errorf("scan %q into *[]byte: %#v, %v; want %#v", c.text, b, err, c.want)
		}
		var s string
		if err := m.Scan(typ, types.TextFormat, []byte(c.text), &s); err != nil || s != string(c.want) {
			t.Errorf("scan %q into *string: %q, %v", c.text, s, err)
		}
		var a any
		if err := m.Scan(typ, types.TextFormat, []byte(c.text), &a); err != nil || !bytes.Equal(a.([]byte), c.want) || a.([]byte) == nil {
			t.Errorf("scan %q into *any: %#v, %v", c.text, a, err)
		}
		if err := m.Scan(typ, types.BinaryFormat, c.want, &a); err != nil || !bytes.Equal(a.([]byte), c.want) || a.([]byte) == nil {
			t.Errorf("scan binary %x into *any: %#v, %v", c.want, a, err)
		}
	}
	for _, src := range []string{`\x0`, `\xzz`, `\x0 1`, `\x000`, `\xg0`, `\`, `a\`, `\4`, `\400`, `\12`, `\1a3`, `a\b`, `\x\x`} {
		txReject(t, m, typ, types.TextFormat, []byte(src))
		var b []byte
		if err := m.Scan(typ, types.TextFormat, []byte(src), &b); err == nil {
			t.Errorf("scan %q into *[]byte: %q", src, b)
		}
	}
	var n int
	if err := m.Scan(typ, types.BinaryFormat, []byte{1}, &n); err == nil {
		t.Error("scan bytea into *int succeeded")
	}
}

func TestByteaEncode(t *testing.T) {
	m := types.Default()
	typ := txType(t, m, types.ByteaOID)
	txEncode(t, m, typ, types.BinaryFormat, []byte{0, 1, 0xff}, []byte{0, 1, 0xff})
	txEncode(t, m, typ, types.TextFormat, []byte{0, 1, 0xab, 0xff}, []byte(`\x0001abff`))
	txEncode(t, m, typ, types.TextFormat, []byte{}, []byte(`\x`))
	if _, null, err := m.EncodeFormat(typ, types.TextFormat, []byte(nil), nil); err != nil || !null {
		t.Errorf("nil []byte: null %v, %v; want NULL", null, err)
	}
	// A string is its bytes, not a bytea text form.
	txEncode(t, m, typ, types.BinaryFormat, `\x01`, []byte(`\x01`))
	txEncode(t, m, typ, types.TextFormat, `\x01`, []byte(`\x5c783031`))
	out, f, _, err := m.Encode(typ, "hi", nil)
	if err != nil || f != types.BinaryFormat || string(out) != "hi" {
		t.Errorf("Encode string: %q %s %v", out, f, err)
	}
	if _, _, err := m.EncodeFormat(typ, types.BinaryFormat, 12, nil); err == nil {
		t.Error("encode int as bytea succeeded")
	}
}

func TestByteaDecodeReusesCapacity(t *testing.T) {
	m := types.Default()
	typ := txType(t, m, types.ByteaOID)
	bin := bytes.Repeat([]byte{1, 2, 3, 4}, 64)
	text := []byte(`\x` + string(bytes.Repeat([]byte("01020304"), 64)))
	dst := make([]byte, 0, 256)
	for _, c := range []struct {
		f   types.Format
		src []byte
	}{{types.BinaryFormat, bin}, {types.TextFormat, text}} {
		allocs := testing.AllocsPerRun(100, func() {
			if err := m.Scan(typ, c.f, c.src, &dst); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 || !bytes.Equal(dst, bin) {
			t.Errorf("%s: %v allocs, %x", c.f, allocs, dst)
		}
	}
}
