package types_test

import (
	"bytes"
	"database/sql"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon/types"
)

// OIDs of the composite types built by compTestMap (not the server's).
const (
	compPairOID    = 91001
	compPairArrOID = 91002
	compNestOID    = 91003
)

// compTestMap returns a map with
//
//	arr_pair (n int4, s text), arr_pair[], arr_nest (p arr_pair, a int4[], t text)
func compTestMap(tb testing.TB) *types.Map {
	tb.Helper()
	m := types.NewMap()
	int4 := arrType(tb, m, types.Int4OID)
	text := arrType(tb, m, types.TextOID)
	pair := &types.Type{Name: "arr_pair", OID: compPairOID, Codec: types.CompositeCodec{Fields: []types.CompositeField{
		{Name: "n", Type: int4}, {Name: "s", Type: text},
	}}}
	m.Register(pair)
	m.Register(types.ArrayType(compPairArrOID, pair))
	m.Register(&types.Type{Name: "arr_nest", OID: compNestOID, Codec: types.CompositeCodec{Fields: []types.CompositeField{
		{Name: "p", Type: pair}, {Name: "a", Type: arrType(tb, m, types.Int4ArrayOID)}, {Name: "t", Type: text},
	}}})
	return m
}

type compPair struct {
	N *int32
	S *string
}

type compNest struct {
	P *compPair
	A []int32
	T *string
}

type compCase struct {
	name   string
	oid    uint32
	value  any
	bin    string // record_send's bytes, hex (arrHex)
	text   string
	want   any // scanned from both formats; default value
	wantAn any // natural value
}

func compCases() []compCase {
	return []compCase{
		{
			name: "pair", oid: compPairOID,
			value: compPair{arrPtr[int32](1), arrPtr("a b")},
			bin: `00000002 // fields
			      00000017 00000004 00000001 // int4 1
			      00000019 00000003 612062 // text "a b"`,
			text:   `(1,"a b")`,
			wantAn: []any{int32(1), "a b"},
		},
		{
			name: "NULL and empty", oid: compPairOID,
			value: []any{nil, ""},
			bin: `00000002
			      00000017 ffffffff // NULL
			      00000019 00000000 // ""`,
			text:   `(,"")`,
			want:   compPair{nil, arrPtr("")},
			wantAn: []any{nil, ""},
		},
		{
			name: "all NULL", oid: compPairOID,
			value: map[string]any{},
			bin:   `00000002 00000017 ffffffff 00000019 ffffffff`,
			text:  `(,)`,
			want:  compPair{},
		},
		{
			name: "quoting", oid: compPairOID,
			value: map[string]any{"n": 2, "s": "x\"y\\z,()\t"},
			bin:   `00000002 00000017 00000004 00000002 00000019 00000009 78227 95c 7a2c2829 09`,
			text:  `(2,"x""y\\z,()	")`,
			want:  compPair{arrPtr[int32](2), arrPtr("x\"y\\z,()\t")},
		},
		{
			name: "nested", oid: compNestOID,
			value: compNest{&compPair{arrPtr[int32](1), arrPtr("a")}, []int32{1, 2}, nil},
			bin: `00000003
			      00016379 00000019 // arr_pair, 25 bytes
			        00000002 00000017 00000004 00000001 00000019 00000001 61
			      000003ef 00000024 // int4[], 36 bytes
			        00000001 00000000 00000017 00000002 00000001 00000004 00000001 00000004 00000002
			      00000019 ffffffff`,
			text:   `("(1,a)","{1,2}",)`,
			wantAn: []any{[]any{int32(1), "a"}, []any{int32(1), int32(2)}, nil},
		},
		{
			name: "nested quoting", oid: compNestOID,
			value: []any{[]any{nil, `say "hi"`}, []int32{}, " "},
			text:  `("(,""say """"hi"""""")",{}," ")`,
			want:  compNest{&compPair{nil, arrPtr(`say "hi"`)}, []int32{}, arrPtr(" ")},
		},
		{
			name: "array of composite", oid: compPairArrOID,
			value: []*compPair{{arrPtr[int32](1), arrPtr("a")}, nil},
			bin: `00000001 00000001 00016379 00000002 00000001
			      00000019 00000002 00000017 00000004 00000001 00000019 00000001 61
			      ffffffff`,
			text:   `{"(1,a)",NULL}`,
			wantAn: []any{[]any{int32(1), "a"}, nil},
		},
	}
}

func TestCompositeEncodings(t *testing.T) {
	m := compTestMap(t)
	for _, c := range compCases() {
		t.Run(c.name, func(t *testing.T) {
			typ := arrType(t, m, c.oid)
			want := c.want
			if want == nil {
				want = c.value
			}
			formats := map[types.Format][]byte{types.TextFormat: []byte(c.text)}
			if c.bin != "" {
				formats[types.BinaryFormat] = arrHex(c.bin)
			}
			for f, enc := range formats {
				got, _, err := m.EncodeFormat(typ, f, c.value, nil)
				if err != nil || !bytes.Equal(got, enc) {
					t.Errorf("encode %s: %v\n got %x %q\nwant %x %q", f, err, got, got, enc, enc)
				}
				arrCheckScan(t, m, typ, f, enc, want, c.wantAn)
			}
			if c.bin != "" {
				arrCheckPrefixes(t, m, typ, arrHex(c.bin), reflect.TypeOf(want))
			}
		})
	}
}

func TestCompositeMalformed(t *testing.T) {
	m := compTestMap(t)
	typ := arrType(t, m, compPairOID)
	for _, s := range []string{
		"", " ", "1,a)", "(", "(1", "(1,", "(1,a", "(1,a,b)", "(1)", "(1,a)x", "(1,\"a)", "(1,a\\", "(1,\"a\"\"",
		"((1,a)", "(x,a)",
	} {
		var a any
		if err := m.Scan(typ, types.TextFormat, []byte(s), &a); err == nil {
			t.Errorf("%q: scanned into *any as %#v", s, a)
		}
		var p compPair
		if err := m.Scan(typ, types.TextFormat, []byte(s), &p); err == nil {
			t.Errorf("%q: scanned into a struct as %v", s, p)
		}
	}
	for _, c := range []struct{ name, hex string }{
		{"one field", "00000001 00000017 00000004 00000001"},
		{"three fields", "00000003 00000017 ffffffff 00000019 ffffffff 00000019 ffffffff"},
		{"negative count", "ffffffff"},
		{"huge count", "7fffffff 00000017 ffffffff"},
		{"built-in type mismatch", "00000002 00000014 00000004 00000001 00000019 ffffffff"},
		{"length -2", "00000002 00000017 fffffffe 00000019 ffffffff"},
		{"length past end", "00000002 00000017 00000004 00000001 00000019 00000005 61"},
		{"trailing bytes", "00000002 00000017 ffffffff 00000019 ffffffff 00"},
		{"bad int4", "00000002 00000017 00000002 0001 00000019 ffffffff"},
	} {
		src := arrHex(c.hex)
		var a any
		if err := m.Scan(typ, types.BinaryFormat, src, &a); err == nil {
			t.Errorf("%s: scanned into *any as %#v", c.name, a)
		}
		for _, d := range []any{new(compPair), new([]any), new(map[string]any)} {
			if err := m.Scan(typ, types.BinaryFormat, src, d); err == nil {
				t.Errorf("%s: scanned into %T", c.name, d)
			}
		}
	}
	// A user type OID that differs is not checked, as record_recv does not.
	var p compPair
	src := arrHex("00000002 00000017 ffffffff 00030000 00000001 61")
	if err := m.Scan(typ, types.BinaryFormat, src, &p); err != nil || *p.S != "a" {
		t.Errorf("user OID: %v", err)
	}
}

func TestCompositeDestinations(t *testing.T) {
	m := compTestMap(t)
	typ := arrType(t, m, compPairOID)
	src := []byte(`(1,"a b")`)
	type withUnexported struct {
		N      int
		hidden int
		S      string
	}
	var wu withUnexported
	if err := m.Scan(typ, types.TextFormat, src, &wu); err != nil || wu.N != 1 || wu.S != "a b" {
		t.Errorf("unexported field: %+v %v", wu, err)
	}
	var three struct{ A, B, C int }
	if err := m.Scan(typ, types.TextFormat, src, &three); err == nil {
		t.Errorf("3 fields for 2: no error")
	}
	var mp map[string]any
	if err := m.Scan(typ, types.TextFormat, src, &mp); err != nil || !reflect.DeepEqual(mp, map[string]any{"n": int32(1), "s": "a b"}) {
		t.Errorf("map: %v %v", mp, err)
	}
	var null sql.Null[compPair]
	if err := m.Scan(typ, types.TextFormat, src, &null); err != nil || !null.Valid || *null.V.S != "a b" {
		t.Errorf("sql.Null: %+v %v", null, err)
	}
	if err := m.Scan(typ, types.TextFormat, nil, &null); err != nil || null.Valid {
		t.Errorf("sql.Null NULL: %+v %v", null, err)
	}
	var pp *compPair
	if err := m.Scan(typ, types.TextFormat, src, &pp); err != nil || pp == nil || *pp.N != 1 {
		t.Errorf("**T: %+v %v", pp, err)
	}
	var ints struct{ N, S int }
	if err := m.Scan(typ, types.TextFormat, src, &ints); err == nil {
		t.Errorf("text into int: no error")
	}
	var plain struct {
		N int
		S string
	}
	err := m.Scan(typ, types.TextFormat, []byte("(,x)"), &plain)
	if !errors.Is(err, types.ErrNull) {
		t.Errorf("NULL into int: %v", err)
	}
	// Encoding errors.
	for _, v := range []any{[]any{1}, map[string]any{"x": 1}, struct{ A int }{1}, 5} {
		for _, f := range []types.Format{types.TextFormat, types.BinaryFormat} {
			if b, _, err := m.EncodeFormat(typ, f, v, nil); err == nil {
				t.Errorf("%#v in %s: encoded %q", v, f, b)
			}
		}
	}
	// A pointer to a struct encodes the struct.
	b, _, err := m.EncodeFormat(typ, types.TextFormat, &compPair{S: arrPtr("q")}, nil)
	if err != nil || string(b) != "(,q)" {
		t.Errorf("pointer: %q %v", b, err)
	}
	if f := typ.Codec.PreferredFormat(); f != types.BinaryFormat {
		t.Errorf("preferred %s", f)
	}
	textOnly := types.CompositeCodec{Fields: []types.CompositeField{{Name: "x", Type: m.TypeOrUnknown(99999)}}}
	if f := textOnly.PreferredFormat(); f != types.TextFormat {
		t.Errorf("preferred with a text-only field: %s", f)
	}
}

func TestRecord(t *testing.T) {
	m := types.NewMap()
	typ := arrType(t, m, types.RecordOID)
	// record_send(row(1, 'a', NULL::int8, '{1}'::int4[], 'x'::arr_unknown_type))
	bin := arrHex(`00000004
		00000017 00000004 00000001 // int4 1
		000002c1 00000001 61 // unknown 'a'
		00000014 ffffffff // int8 NULL
		000003ef 0000001c 00000001 00000000 00000017 00000001 00000001 00000004 00000001`)
	want := []any{int32(1), "a", nil, []any{int32(1)}}
	var a any
	if err := m.Scan(typ, types.BinaryFormat, bin, &a); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Error(diff)
	}
	var st struct {
		N int
		S string
		I *int64
		A []int
	}
	if err := m.Scan(typ, types.BinaryFormat, bin, &st); err != nil || st.N != 1 || st.S != "a" || st.I != nil || len(st.A) != 1 {
		t.Errorf("struct: %+v %v", st, err)
	}
	var short struct{ N int }
	if err := m.Scan(typ, types.BinaryFormat, bin, &short); err == nil {
		t.Errorf("4 fields into 1: no error")
	}
	var long struct{ A, B, C, D, E any }
	if err := m.Scan(typ, types.BinaryFormat, bin, &long); err == nil {
		t.Errorf("4 fields into 5: no error")
	}
	arrCheckPrefixes(t, m, typ, bin, reflect.TypeFor[[]any]())
	// An unknown type's binary value stays bytes.
	var u any
	if err := m.Scan(typ, types.BinaryFormat, arrHex("00000001 00030000 00000002 0102"), &u); err != nil || !reflect.DeepEqual(u, []any{[]byte{1, 2}}) {
		t.Errorf("unknown OID: %#v %v", u, err)
	}
	// Text: strings.
	for _, c := range []struct {
		in   string
		want []any
	}{
		{`(1,a,,"{1}")`, []any{"1", "a", nil, "{1}"}},
		{`()`, []any{nil}},
		{`(,)`, []any{nil, nil}},
		{` ("a ""b""",\x) `, []any{`a "b"`, "x"}},
	} {
		var got any
		if err := m.Scan(typ, types.TextFormat, []byte(c.in), &got); err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%q: %s", c.in, diff)
		}
	}
	if _, _, err := m.EncodeFormat(typ, types.BinaryFormat, []any{1}, nil); err == nil {
		t.Errorf("encoded a record")
	}
	// record[]: elements of type record.
	arr := arrType(t, m, types.RecordArrayOID)
	var ra any
	src := []byte(`{"(1,a)",NULL}`)
	if err := m.Scan(arr, types.TextFormat, src, &ra); err != nil || !reflect.DeepEqual(ra, []any{[]any{"1", "a"}, nil}) {
		t.Errorf("record[]: %#v %v", ra, err)
	}
}

func BenchmarkComposite(b *testing.B) {
	m := compTestMap(b)
	typ := arrType(b, m, compNestOID)
	v := compNest{&compPair{arrPtr[int32](1), arrPtr("a b")}, []int32{1, 2, 3}, arrPtr("text")}
	for _, f := range []types.Format{types.BinaryFormat, types.TextFormat} {
		src, _, err := m.EncodeFormat(typ, f, v, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("decode/"+f.String()+"/struct", func(b *testing.B) {
			b.ReportAllocs()
			var d compNest
			for b.Loop() {
				if err := m.Scan(typ, f, src, &d); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("decode/"+f.String()+"/any", func(b *testing.B) {
			b.ReportAllocs()
			var d any
			for b.Loop() {
				if err := m.Scan(typ, f, src, &d); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("encode/"+f.String()+"/struct", func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 256)
			for b.Loop() {
				if _, _, err := m.EncodeFormat(typ, f, v, buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzCompositeDecode(f *testing.F) {
	m := compTestMap(f)
	ts := []*types.Type{arrType(f, m, compPairOID), arrType(f, m, compNestOID), arrType(f, m, compPairArrOID), arrType(f, m, types.RecordOID)}
	for _, c := range compCases() {
		sel := uint8(slices.IndexFunc(ts, func(t *types.Type) bool { return t.OID == c.oid }))
		f.Add(sel, false, []byte(c.text))
		if c.bin != "" {
			f.Add(sel, true, arrHex(c.bin))
		}
	}
	for _, s := range []string{`(1,a)`, `()`, `(,)`, ` ("a ""b""",\x) `, `("(1,a)","{1,2}",)`} {
		f.Add(uint8(3), false, []byte(s))
	}
	f.Add(uint8(3), true, arrHex("00000002 00000017 00000004 00000001 000002c1 00000001 61"))
	f.Fuzz(func(t *testing.T, sel uint8, binary bool, data []byte) {
		typ := ts[int(sel)%len(ts)]
		f := types.TextFormat
		if binary {
			f = types.BinaryFormat
		}
		var a any
		errAny := m.Scan(typ, f, data, &a)
		for _, d := range []any{new([]any), new(map[string]any), new(compPair), new(compNest), new([]compPair), new([]*compPair), new(types.Array[any])} {
			_ = m.Scan(typ, f, data, d)
		}
		if errAny != nil || typ.OID == types.RecordOID {
			return
		}
		// Re-encode the natural value (arrays through Array[any], whose
		// elements are never sub-arrays).
		v := a
		if typ.OID == compPairArrOID {
			var arr types.Array[any]
			if err := m.Scan(typ, f, data, &arr); err != nil {
				t.Fatalf("scanned into *any but not Array[any]: %v", err)
			}
			v = arr
		}
		enc, _, err := m.EncodeFormat(typ, f, v, nil)
		if err != nil {
			t.Fatalf("re-encode %#v: %v", v, err)
		}
		var again any
		if err := m.Scan(typ, f, enc, &again); err != nil {
			t.Fatalf("scan re-encoded %q: %v", enc, err)
		}
		if diff := cmp.Diff(a, again, cmpOpts...); diff != "" {
			t.Fatalf("re-encoded %q: (-first +again)\n%s", enc, diff)
		}
	})
}
