package types_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon/types"
)

func FuzzHstoreDecode(f *testing.F) {
	m, typ := hstoreType()
	for _, c := range hstoreTextCases {
		f.Add(false, []byte(c.text))
		enc, _, _ := m.EncodeFormat(typ, types.BinaryFormat, c.want, nil)
		f.Add(true, enc)
	}
	f.Add(true, hstoreBin)
	for _, c := range hstoreRTCases {
		if s, ok := c.Literal, c.Value != nil; ok && len(s) < 200 {
			f.Add(false, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, bin bool, src []byte) {
		src = append([]byte{}, src...) // never nil: nil is SQL NULL
		fm := textFuzzFormat(bin)
		var got map[string]*string
		err := m.Scan(typ, fm, src, &got)
		var a any
		errAny := m.Scan(typ, fm, src, &a)
		var plain map[string]string
		_ = m.Scan(typ, fm, src, &plain)
		var s string
		errS := m.Scan(typ, fm, src, &s)
		if (err == nil) != (errAny == nil) || (err == nil) != (errS == nil) {
			t.Fatalf("%s %q: map %v, *any %v, *string %v", fm, src, err, errAny, errS)
		}
		if err != nil {
			return
		}
		if !cmp.Equal(a, any(got)) {
			t.Fatalf("%s %q: *any %v, map %v", fm, src, a, got)
		}
		for _, f2 := range []types.Format{types.TextFormat, types.BinaryFormat} {
			enc, _, err := m.EncodeFormat(typ, f2, got, []byte{})
			if err != nil {
				t.Fatal(err)
			}
			var got2 map[string]*string
			if err := m.Scan(typ, f2, enc, &got2); err != nil || !cmp.Equal(got, got2) {
				t.Fatalf("%v → %s %q → %v, %v", got, f2, enc, got2, err)
			}
		}
		// The text form of a binary value parses as the same pairs.
		if bin {
			var got3 map[string]*string
			if err := m.Scan(typ, types.TextFormat, []byte(s), &got3); err != nil || !cmp.Equal(got, got3) {
				t.Fatalf("%q → text %q → %v, %v", src, s, got3, err)
			}
		}
	})
}

func BenchmarkDecodeHstore(b *testing.B) {
	m, typ := hstoreType()
	pairs := map[string]*string{"a": txPtr("1"), "bb": txPtr("two"), "ccc": nil, "dddd": txPtr("four")}
	bin, _, _ := m.EncodeFormat(typ, types.BinaryFormat, pairs, nil)
	text, _, _ := m.EncodeFormat(typ, types.TextFormat, pairs, nil)
	for _, c := range []struct {
		name string
		f    types.Format
		src  []byte
	}{{"binary", types.BinaryFormat, bin}, {"text", types.TextFormat, text}} {
		b.Run(c.name+"/map", func(b *testing.B) {
			b.ReportAllocs()
			var dst map[string]*string
			for b.Loop() {
				if err := m.Scan(typ, c.f, c.src, &dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
