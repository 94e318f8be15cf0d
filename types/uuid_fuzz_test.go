package types_test

import (
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

func FuzzUUIDDecode(f *testing.F) {
	m := types.Default()
	typ := txType(f, m, types.UUIDOID)
	for _, s := range append(append([]string{}, uuidForms...), uuidBad...) {
		f.Add(false, []byte(s))
	}
	f.Add(true, uuidA[:])
	f.Add(true, make([]byte, 16))
	f.Fuzz(func(t *testing.T, bin bool, src []byte) {
		src = append([]byte{}, src...) // never nil: nil is SQL NULL
		fm := textFuzzFormat(bin)
		var u types.UUID
		err := m.Scan(typ, fm, src, &u)
		var a any
		errAny := m.Scan(typ, fm, src, &a)
		if (err == nil) != (errAny == nil) {
			t.Fatalf("%s %q: *UUID %v, *any %v", fm, src, err, errAny)
		}
		if !bin {
			p, errP := types.ParseUUID(string(src))
			if (errP == nil) != (err == nil) || p != u {
				t.Fatalf("text %q: ParseUUID %v %v, decode %v %v", src, p, errP, u, err)
			}
		}
		if err != nil {
			return
		}
		if a != u {
			t.Fatalf("%s %q: *any %v, *UUID %v", fm, src, a, u)
		}
		for _, f2 := range []types.Format{types.TextFormat, types.BinaryFormat} {
			enc, _, err := m.EncodeFormat(typ, f2, u, nil)
			if err != nil {
				t.Fatal(err)
			}
			var u2 types.UUID
			if err := m.Scan(typ, f2, enc, &u2); err != nil || u2 != u {
				t.Fatalf("%v → %s %q → %v, %v", u, f2, enc, u2, err)
			}
		}
	})
}

func BenchmarkDecodeUUID(b *testing.B) {
	m := types.Default()
	typ := txType(b, m, types.UUIDOID)
	text := []byte(uuidA.String())
	b.Run("binary/UUID", func(b *testing.B) {
		b.ReportAllocs()
		var u types.UUID
		for b.Loop() {
			if err := m.Scan(typ, types.BinaryFormat, uuidA[:], &u); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("text/UUID", func(b *testing.B) {
		b.ReportAllocs()
		var u types.UUID
		for b.Loop() {
			if err := m.Scan(typ, types.TextFormat, text, &u); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("binary/string", func(b *testing.B) {
		b.ReportAllocs()
		var s string
		for b.Loop() {
			if err := m.Scan(typ, types.BinaryFormat, uuidA[:], &s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
