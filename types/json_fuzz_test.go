package types_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon/types"
)

func FuzzJSONDecode(f *testing.F) {
	m := types.Default()
	js, jb := txType(f, m, types.JSONOID), txType(f, m, types.JSONBOID)
	for _, c := range jsonRTCases {
		if c.Value == nil || c.Type == "jsonpath" {
			continue
		}
		for _, bin := range []bool{false, true} {
			enc, _, err := m.EncodeFormat(jb, textFuzzFormat(bin), c.Value, nil)
			if err == nil && len(enc) < 1000 {
				f.Add(true, bin, enc)
				f.Add(false, bin, []byte(string(enc)[jsonBtoi(bin):]))
			}
		}
	}
	f.Add(true, true, []byte{2, '1'})
	f.Add(true, true, []byte{})
	f.Fuzz(func(t *testing.T, isB, bin bool, src []byte) {
		src = append([]byte{}, src...) // never nil: nil is SQL NULL
		typ := js
		if isB {
			typ = jb
		}
		fm := textFuzzFormat(bin)
		var s string
		errS := m.Scan(typ, fm, src, &s)
		var p jsonPerson
		_ = m.Scan(typ, fm, src, &p)
		var mp map[string]any
		_ = m.Scan(typ, fm, src, &mp)
		var a any
		err := m.Scan(typ, fm, src, &a)
		if err != nil {
			return
		}
		if errS != nil {
			t.Fatalf("%s %s %q: *any ok, *string %v", typ.Name, fm, src, errS)
		}
		// What Unmarshal gave, marshalled and sent again, reads back the
		// same.
		j, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("marshal %#v: %v", a, err)
		}
		for _, f2 := range []types.Format{types.TextFormat, types.BinaryFormat} {
			enc, _, err := m.EncodeFormat(typ, f2, json.RawMessage(j), []byte{})
			if err != nil {
				t.Fatalf("encode %#v: %v", a, err)
			}
			var a2 any
			if err := m.Scan(typ, f2, enc, &a2); err != nil || !cmp.Equal(a, a2) {
				t.Fatalf("%#v → %q → %#v, %v", a, enc, a2, err)
			}
		}
		// The text read raw is the JSON text.
		var a3 any
		if err := json.Unmarshal([]byte(s), &a3); err != nil || !cmp.Equal(a, a3) {
			t.Fatalf("raw %q: %#v, %v; want %#v", s, a3, err, a)
		}
	})
}

func jsonBtoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func BenchmarkDecodeJSON(b *testing.B) {
	m := types.Default()
	jb := txType(b, m, types.JSONBOID)
	src := []byte("\x01" + `{"name": "Ann", "tags": ["x", "é"], "age": 42}`)
	b.Run("jsonb/[]byte", func(b *testing.B) {
		b.ReportAllocs()
		dst := make([]byte, 0, 64)
		for b.Loop() {
			if err := m.Scan(jb, types.BinaryFormat, src, &dst); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsonb/struct", func(b *testing.B) {
		b.ReportAllocs()
		var dst jsonPerson
		for b.Loop() {
			if err := m.Scan(jb, types.BinaryFormat, src, &dst); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsonb/any", func(b *testing.B) {
		b.ReportAllocs()
		var dst any
		for b.Loop() {
			if err := m.Scan(jb, types.BinaryFormat, src, &dst); err != nil {
				b.Fatal(err)
			}
		}
	})
}
