package types_test

import (
	"bytes"
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

func FuzzByteaDecode(f *testing.F) {
	m := types.Default()
	typ := txType(f, m, types.ByteaOID)
	for _, c := range byteaTextCases {
		f.Add(false, []byte(c.text))
		f.Add(true, c.want)
	}
	for _, c := range byteaRTCases {
		if b, ok := c.Value.([]byte); ok && len(b) < 1000 {
			enc, _, _ := m.EncodeFormat(typ, types.TextFormat, b, nil)
			f.Add(false, enc)
		}
	}
	f.Fuzz(func(t *testing.T, bin bool, src []byte) {
		src = append([]byte{}, src...) // never nil: nil is SQL NULL
		fm := textFuzzFormat(bin)
		var b []byte
		err := m.Scan(typ, fm, src, &b)
		var a any
		errAny := m.Scan(typ, fm, src, &a)
		var s string
		errS := m.Scan(typ, fm, src, &s)
		if (err == nil) != (errAny == nil) || (err == nil) != (errS == nil) {
			t.Fatalf("%s %q: *[]byte %v, *any %v, *string %v", fm, src, err, errAny, errS)
		}
		if err != nil {
			if bin {
				t.Fatalf("binary %q: %v", src, err)
			}
			return
		}
		if b == nil || !bytes.Equal(a.([]byte), b) || s != string(b) {
			t.Fatalf("%s %q: %q, %q, %q", fm, src, b, a, s)
		}
		// The hex form reads back as the same bytes.
		enc, _, err := m.EncodeFormat(typ, types.TextFormat, b, nil)
		if err != nil {
			t.Fatal(err)
		}
		var b2 []byte
		if err := m.Scan(typ, types.TextFormat, enc, &b2); err != nil || !bytes.Equal(b2, b) {
			t.Fatalf("%q → %q → %q, %v", src, enc, b2, err)
		}
		// An escape-form input is the bytes with \ doubled and the rest
		// as \ooo or as is; count them independently.
		if !bin && !bytes.HasPrefix(src, []byte(`\x`)) {
			n := 0
			for i := 0; i < len(src); n++ {
				if src[i] == '\\' && src[i+1] == '\\' {
					i += 2
				} else if src[i] == '\\' {
					i += 4
				} else {
					i++
				}
			}
			if n != len(b) {
				t.Fatalf("escape %q: %d bytes, decoded %d", src, n, len(b))
			}
		}
	})
}

func BenchmarkDecodeBytea(b *testing.B) {
	m := types.Default()
	typ := txType(b, m, types.ByteaOID)
	bin := bytes.Repeat(byteaAll, 4) // 1 KB
	hexText, _, _ := m.EncodeFormat(typ, types.TextFormat, bin, nil)
	for _, c := range []struct {
		name string
		f    types.Format
		src  []byte
	}{
		{"binary/16B", types.BinaryFormat, bin[:16]},
		{"binary/1KB", types.BinaryFormat, bin},
		{"text-hex/1KB", types.TextFormat, hexText},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			dst := make([]byte, 0, 1024)
			for b.Loop() {
				if err := m.Scan(typ, c.f, c.src, &dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
