package types_test

import (
	"bytes"
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

func TestEnum(t *testing.T) {
	m := types.NewMap()
	mood := &types.Type{Name: "arr_mood", OID: 91010, Codec: types.EnumCodec{}}
	m.Register(mood)
	m.Register(types.ArrayType(91011, mood))
	arr := arrType(t, m, 91011)
	for _, f := range []types.Format{types.TextFormat, types.BinaryFormat} {
		b, _, err := m.EncodeFormat(mood, f, "very happy", nil)
		if err != nil || string(b) != "very happy" {
			t.Errorf("%s: %q %v", f, b, err)
		}
		b, _, err = m.EncodeFormat(mood, f, []byte("ü"), nil)
		if err != nil || string(b) != "ü" {
			t.Errorf("%s: %q %v", f, b, err)
		}
		if _, _, err := m.EncodeFormat(mood, f, 5, nil); err == nil {
			t.Errorf("%s: encoded an int", f)
		}
		var s string
		var bs []byte
		var a any
		if err := m.Scan(mood, f, []byte("ok"), &s); err != nil || s != "ok" {
			t.Errorf("%s: %q %v", f, s, err)
		}
		if err := m.Scan(mood, f, []byte("ok"), &bs); err != nil || string(bs) != "ok" {
			t.Errorf("%s: %q %v", f, bs, err)
		}
		if err := m.Scan(mood, f, []byte("ok"), &a); err != nil || a != "ok" {
			t.Errorf("%s: %#v %v", f, a, err)
		}
		var n int
		if err := m.Scan(mood, f, []byte("ok"), &n); err == nil {
			t.Errorf("%s: scanned into int", f)
		}
	}
	b, f, _, err := m.Encode(arr, []string{"a b", "NULL"}, nil)
	want := arrHex("00000001 00000000 00016382 00000002 00000001 00000003 612062 00000004 4e554c4c")
	if err != nil || f != types.BinaryFormat || !bytes.Equal(b, want) {
		t.Errorf("enum[]: %x %s %v", b, f, err)
	}
	b, _, err = m.EncodeFormat(arr, types.TextFormat, []string{"a b", "NULL"}, nil)
	if err != nil || string(b) != `{"a b","NULL"}` {
		t.Errorf("enum[] text: %q %v", b, err)
	}
}
