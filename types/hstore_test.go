package types_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon/types"
)

// hstoreType is hstore under a made-up OID: its real one comes from
// CREATE EXTENSION.
func hstoreType() (*types.Map, *types.Type) {
	m := types.NewMap()
	typ := &types.Type{Name: "hstore", OID: 99999, Codec: types.HstoreCodec{}}
	m.Register(typ)
	return m, typ
}

// hstoreBin is {"a": "1", "bc": NULL, "": ""} as hstore_send gives it
// (keys ordered by length, then bytes).
var hstoreBin = []byte{
	0, 0, 0, 3, // 3 pairs
	0, 0, 0, 0, // key length 0
	0, 0, 0, 0, // value length 0
	0, 0, 0, 1, 'a', // key "a"
	0, 0, 0, 1, '1', // value "1"
	0, 0, 0, 2, 'b', 'c', // key "bc"
	0xff, 0xff, 0xff, 0xff, // NULL value
}

const hstoreText = `""=>"", "a"=>"1", "bc"=>NULL`

var hstoreWant = map[string]*string{"": txPtr(""), "a": txPtr("1"), "bc": nil}

// hstoreTextCases are hstore_in inputs and their pairs.
var hstoreTextCases = []struct {
	text string
	want map[string]*string
}{
	{``, map[string]*string{}},
	{"  \t\n", map[string]*string{}},
	{hstoreText, hstoreWant},
	{`a=>1`, map[string]*string{"a": txPtr("1")}},
	{` a => 1 , b=>nUlL,`, map[string]*string{"a": txPtr("1"), "b": nil}},
	{`a=>"NULL"`, map[string]*string{"a": txPtr("NULL")}},
	{`a=>NULLx`, map[string]*string{"a": txPtr("NULLx")}},
	{`"k\"e\\y"=>"v\"a\\l\ue"`, map[string]*string{`k"e\y`: txPtr(`v"a\lue`)}},
	{`a\ b=>c\,d`, map[string]*string{"a b": txPtr("c,d")}},
	{`a,b=>c=d`, map[string]*string{"a,b": txPtr("c=d")}},
	{`a=>,b`, map[string]*string{"a": txPtr(",b")}},
	{`a>b=>c"d"`, map[string]*string{"a>b": txPtr(`c"d"`)}},
	{`"é🙂"=>"ü\n"`, map[string]*string{"é🙂": txPtr("ün")}},
	{"\"new\nline\"=>\"tab\t\"", map[string]*string{"new\nline": txPtr("tab\t")}},
	{`a=>b;c=>d`, map[string]*string{"a": txPtr("b;c=>d")}},
	{`a=>1, a=>2`, map[string]*string{"a": txPtr("2")}},
}

func TestHstoreDecode(t *testing.T) {
	m, typ := hstoreType()
	for _, c := range hstoreTextCases {
		var got map[string]*string
		if err := m.Scan(typ, types.TextFormat, []byte(c.text), &got); err != nil || !cmp.Equal(got, c.want) {
			t.Errorf("scan %q: %v, %v; want %v", c.text, got, err, c.want)
		}
		var a any
		if err := m.Scan(typ, types.TextFormat, []byte(c.text), &a); err != nil || !cmp.Equal(a, any(c.want)) {
			t.Errorf("scan %q into *any: %v, %v", c.text, a, err)
		}
	}
	var got map[string]*string
	if err := m.Scan(typ, types.BinaryFormat, hstoreBin, &got); err != nil || !cmp.Equal(got, hstoreWant) {
		t.Errorf("scan binary: %v, %v", got, err)
	}
	var s string
	if err := m.Scan(typ, types.BinaryFormat, hstoreBin, &s); err != nil || s != hstoreText {
		t.Errorf("scan binary into *string: %q, %v", s, err)
	}
	if err := m.Scan(typ, types.TextFormat, []byte(hstoreText), &s); err != nil || s != hstoreText {
		t.Errorf("scan text into *string: %q, %v", s, err)
	}
	plain := map[string]string{"stale": "x"}
	if err := m.Scan(typ, types.TextFormat, []byte(`a=>1, b=>""`), &plain); err != nil || !cmp.Equal(plain, map[string]string{"a": "1", "b": ""}) {
		t.Errorf("scan into map[string]string: %v, %v", plain, err)
	}
	if err := m.Scan(typ, types.BinaryFormat, hstoreBin, &plain); err == nil {
		t.Errorf("NULL value into map[string]string: %v", plain)
	}
	type attrs map[string]*string
	var named attrs
	if err := m.Scan(typ, types.BinaryFormat, hstoreBin, &named); err != nil || !cmp.Equal(map[string]*string(named), hstoreWant) {
		t.Errorf("scan into named map: %v, %v", named, err)
	}
	var n int
	if err := m.Scan(typ, types.BinaryFormat, hstoreBin, &n); err == nil {
		t.Error("scan into *int succeeded")
	}

	for _, src := range []string{`a`, `a=`, `a=>`, `a =>  `, `a=b`, `a= >b`, `"a`, `"a"b=>c`, `a=>"b`, `a=>b c`,
		`=>b`, `a=>b,,`, `a\`, `a=>b\`, `"a\`} {
		txReject(t, m, typ, types.TextFormat, []byte(src))
	}
	txRejectPrefixes(t, m, typ, hstoreBin, func() any { return new(map[string]*string) })
	for _, src := range [][]byte{
		{0xff, 0xff, 0xff, 0xff},                         // negative count
		{0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0},             // count beyond the data
		{0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, // NULL key
		{0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe}, // value length -2
		{0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0}, // key beyond the data
		{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 'x'},        // trailing byte
		{0, 0, 0, 0, 0}, // trailing byte
	} {
		txReject(t, m, typ, types.BinaryFormat, src)
	}
}

func TestHstoreEncode(t *testing.T) {
	m, typ := hstoreType()
	txEncode(t, m, typ, types.BinaryFormat, map[string]*string{"a": txPtr("1"), "bc": nil, "": txPtr("")}, []byte{
		0, 0, 0, 3,
		0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 1, 'a', 0, 0, 0, 1, '1',
		0, 0, 0, 2, 'b', 'c', 0xff, 0xff, 0xff, 0xff,
	})
	txEncode(t, m, typ, types.TextFormat, map[string]*string{"a": txPtr("1"), "bc": nil, "": txPtr("")}, []byte(hstoreText))
	txEncode(t, m, typ, types.TextFormat, map[string]string{`k"\`: `v"\`, "b": ""}, []byte(`"b"=>"", "k\"\\"=>"v\"\\"`))
	txEncode(t, m, typ, types.BinaryFormat, map[string]string{}, []byte{0, 0, 0, 0})
	txEncode(t, m, typ, types.TextFormat, map[string]string{}, []byte{})
	type attrs map[string]string
	txEncode(t, m, typ, types.BinaryFormat, attrs{"x": "y"}, []byte{0, 0, 0, 1, 0, 0, 0, 1, 'x', 0, 0, 0, 1, 'y'})
	// A string is hstore text for the server.
	out, f, _, err := m.Encode(typ, `a=>1`, nil)
	if err != nil || f != types.TextFormat || string(out) != `a=>1` {
		t.Errorf("Encode string: %q %s %v", out, f, err)
	}
	if _, _, err := m.EncodeFormat(typ, types.BinaryFormat, map[string]int{"a": 1}, nil); err == nil {
		t.Error("encode map[string]int succeeded")
	}
	// Encode → decode.
	for _, c := range hstoreTextCases {
		for _, f := range []types.Format{types.TextFormat, types.BinaryFormat} {
			b, _, err := m.EncodeFormat(typ, f, c.want, []byte{})
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]*string
			if err := m.Scan(typ, f, b, &got); err != nil || !cmp.Equal(got, c.want) {
				t.Errorf("%s round trip of %v: %v, %v", f, c.want, got, err)
			}
		}
	}
}
