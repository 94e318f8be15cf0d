package types_test

import (
	"bytes"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon/types"
)

// arrBoxStubMap returns a map whose box is a stub (its text as a string,
// text format only, through UnknownCodec), to check the ';' delimiter of
// box[] on plain strings.
func arrBoxStubMap() *types.Map {
	m := types.NewMap()
	box := &types.Type{Name: "box", OID: types.BoxOID, Codec: types.UnknownCodec{}}
	m.Register(box)
	m.Register(types.ArrayType(types.BoxArrayOID, box))
	return m
}

// arrCheckScan scans enc into a new variable of want's type and into *any,
// comparing with want and, when it is not nil, with wantAny.
func arrCheckScan(t *testing.T, m *types.Map, typ *types.Type, f types.Format, enc []byte, want, wantAny any) {
	t.Helper()
	dst := reflect.New(reflect.TypeOf(want))
	if err := m.Scan(typ, f, enc, dst.Interface()); err != nil {
		t.Fatalf("scan %s into %T: %v", f, dst.Interface(), err)
	}
	if diff := cmp.Diff(want, dst.Elem().Interface()); diff != "" {
		t.Errorf("scan %s: (-want +got)\n%s", f, diff)
	}
	var a any
	if err := m.Scan(typ, f, enc, &a); err != nil {
		t.Fatalf("scan %s into *any: %v", f, err)
	}
	if wantAny != nil {
		if diff := cmp.Diff(wantAny, a); diff != "" {
			t.Errorf("scan %s into *any: (-want +got)\n%s", f, diff)
		}
	}
}

func arrType(tb testing.TB, m *types.Map, oid uint32) *types.Type {
	tb.Helper()
	t, ok := m.TypeForOID(oid)
	if !ok {
		tb.Fatalf("no type %d", oid)
	}
	return t
}

// arrHex decodes hex written with spaces and comments: each line's text
// after "//" is dropped.
func arrHex(s string) []byte {
	var clean strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		line, _, _ = strings.Cut(line, "//")
		clean.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(clean.String())
	if err != nil {
		panic(err)
	}
	return b
}

func arrPtr[T any](v T) *T { return &v }

// arrCase is an array value with its exact encodings.
type arrCase struct {
	name   string
	oid    uint32 // array type
	value  any    // encoded
	bin    string // array_send's bytes, hex (see arrHex); "" if no binary
	text   string // array_out's text
	want   any    // scanned from both formats into a new variable of its type; default value
	wantAn any    // the natural value; nil to skip
}

func arrCases() []arrCase {
	return []arrCase{
		{
			name: "int4 with NULL", oid: types.Int4ArrayOID,
			value: []any{int32(1), int32(2), nil},
			bin: `00000001 // ndim
			      00000001 // has nulls
			      00000017 // element OID 23
			      00000003 00000001 // length 3, lower bound 1
			      00000004 00000001
			      00000004 00000002
			      ffffffff // NULL`,
			text:   "{1,2,NULL}",
			want:   []*int32{arrPtr[int32](1), arrPtr[int32](2), nil},
			wantAn: []any{int32(1), int32(2), nil},
		},
		{
			name: "int4 empty", oid: types.Int4ArrayOID,
			value:  []int32{},
			bin:    `00000000 00000000 00000017`,
			text:   "{}",
			wantAn: []any{},
		},
		{
			name: "int4 2-D", oid: types.Int4ArrayOID,
			value: [][]int32{{1, 2}, {3, 4}},
			bin: `00000002 00000000 00000017
			      00000002 00000001 00000002 00000001 // 2 x 2
			      00000004 00000001 00000004 00000002 00000004 00000003 00000004 00000004`,
			text:   "{{1,2},{3,4}}",
			wantAn: []any{[]any{int32(1), int32(2)}, []any{int32(3), int32(4)}},
		},
		{
			name: "int4 3-D", oid: types.Int4ArrayOID,
			value: [][][]int32{{{1}, {2}}, {{3}, {4}}},
			bin: `00000003 00000000 00000017
			      00000002 00000001 00000002 00000001 00000001 00000001
			      00000004 00000001 00000004 00000002 00000004 00000003 00000004 00000004`,
			text: "{{{1},{2}},{{3},{4}}}",
		},
		{
			name: "int4 lower bound 0", oid: types.Int4ArrayOID,
			value: types.Array[int32]{Elements: []int32{1, 2}, Dims: []types.ArrayDimension{{Length: 2, LowerBound: 0}}},
			bin: `00000001 00000000 00000017
			      00000002 00000000 // length 2, lower bound 0
			      00000004 00000001 00000004 00000002`,
			text:   "[0:1]={1,2}",
			wantAn: []any{int32(1), int32(2)},
		},
		{
			name: "int4 2-D negative bounds", oid: types.Int4ArrayOID,
			value: types.Array[int32]{Elements: []int32{1, 2, 3, 4, 5, 6}, Dims: []types.ArrayDimension{{Length: 2, LowerBound: -5}, {Length: 3, LowerBound: 3}}},
			bin: `00000002 00000000 00000017
			      00000002 fffffffb 00000003 00000003
			      00000004 00000001 00000004 00000002 00000004 00000003
			      00000004 00000004 00000004 00000005 00000004 00000006`,
			text: "[-5:-4][3:5]={{1,2,3},{4,5,6}}",
		},
		{
			name: "int2", oid: types.Int2ArrayOID,
			value: []int16{-32768, 32767},
			bin:   `00000001 00000000 00000015 00000002 00000001 00000002 8000 00000002 7fff`,
			text:  "{-32768,32767}",
		},
		{
			name: "int8", oid: types.Int8ArrayOID,
			value: []int64{math.MinInt64},
			bin:   `00000001 00000000 00000014 00000001 00000001 00000008 8000000000000000`,
			text:  "{-9223372036854775808}",
		},
		{
			name: "float8", oid: types.Float8ArrayOID,
			value: []float64{math.Inf(1), math.Inf(-1), 1.5},
			bin: `00000001 00000000 000002bd 00000003 00000001
			      00000008 7ff0000000000000 00000008 fff0000000000000 00000008 3ff8000000000000`,
			text: "{Infinity,-Infinity,1.5}",
		},
		{
			name: "float4", oid: types.Float4ArrayOID,
			value: []float32{0.5},
			bin:   `00000001 00000000 000002bc 00000001 00000001 00000004 3f000000`,
			text:  "{0.5}",
		},
		{
			name: "bool", oid: types.BoolArrayOID,
			value: []bool{true, false},
			bin:   `00000001 00000000 00000010 00000002 00000001 00000001 01 00000001 00`,
			text:  "{t,f}",
		},
		{
			name: "text quoting", oid: types.TextArrayOID,
			value: []string{"a b", "", "NULL", "nULl", `x"y`, `a\b`, "c,d", "{", "}", "\t", "plain", "ü"},
			bin: `00000001 00000000 00000019 0000000c 00000001
			      00000003 612062 00000000 00000004 4e554c4c 00000004 6e554c6c
			      00000003 782279 00000003 615c62 00000003 632c64 00000001 7b 00000001 7d
			      00000001 09 00000005 706c61696e 00000002 c3bc`,
			text: `{"a b","","NULL","nULl","x\"y","a\\b","c,d","{","}","	",plain,ü}`,
		},
		{
			name: "text NULL and \"NULL\"", oid: types.TextArrayOID,
			value: []*string{arrPtr("NULL"), nil},
			bin:   `00000001 00000001 00000019 00000002 00000001 00000004 4e554c4c ffffffff`,
			text:  `{"NULL",NULL}`,
		},
		{
			name: "box delimiter", oid: types.BoxArrayOID,
			value: []string{"(1,1),(0,0)", "(3,3),(2,2)"},
			text:  "{(1,1),(0,0);(3,3),(2,2)}",
		},
	}
}

// arrMapFor returns the map a case's type lives in.
func arrMapFor(tb testing.TB, oid uint32) *types.Map {
	switch oid {
	case types.TextArrayOID:
		return types.NewMap()
	case types.BoxArrayOID:
		return arrBoxStubMap()
	}
	return types.NewMap()
}

func TestArrayEncodings(t *testing.T) {
	for _, c := range arrCases() {
		t.Run(c.name, func(t *testing.T) {
			m := arrMapFor(t, c.oid)
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
				got, null, err := m.EncodeFormat(typ, f, c.value, []byte("prefix"))
				if err != nil || null {
					t.Fatalf("encode %s: %v (null %v)", f, err, null)
				}
				if !bytes.HasPrefix(got, []byte("prefix")) || !bytes.Equal(got[6:], enc) {
					t.Errorf("encode %s:\n got %x %q\nwant %x %q", f, got[6:], got[6:], enc, enc)
				}
				arrCheckScan(t, m, typ, f, enc, want, c.wantAn)
				// Every Array[any] round trip keeps the bounds.
				var arr types.Array[any]
				if err := m.Scan(typ, f, enc, &arr); err != nil {
					t.Fatalf("scan %s into Array[any]: %v", f, err)
				}
				again, _, err := m.EncodeFormat(typ, f, arr, nil)
				if err != nil || !bytes.Equal(again, enc) {
					t.Errorf("Array[any] re-encoded in %s: %q, %v; want %q", f, again, err, enc)
				}
			}
			if c.bin != "" {
				arrCheckPrefixes(t, m, typ, arrHex(c.bin), reflect.TypeOf(want))
			}
		})
	}
}

// arrCheckPrefixes requires every strict prefix of a binary value to be
// rejected, into *any and into a variable of type dst.
func arrCheckPrefixes(t *testing.T, m *types.Map, typ *types.Type, enc []byte, dst reflect.Type) {
	t.Helper()
	for i := range len(enc) {
		p := enc[:i:i]
		var a any
		if err := m.Scan(typ, types.BinaryFormat, p, &a); err == nil {
			t.Errorf("prefix %x of %x: scanned into *any as %#v", p, enc, a)
		}
		d := reflect.New(dst)
		if err := m.Scan(typ, types.BinaryFormat, p, d.Interface()); err == nil {
			t.Errorf("prefix %x of %x: scanned into %s", p, enc, dst)
		}
	}
}

func TestArrayMalformedText(t *testing.T) {
	m := types.NewMap()
	typ := arrType(t, m, types.Int4ArrayOID)
	for _, s := range []string{
		"", " ", "{", "}", "x{1}", "{1,2", "{1,,2}", "{,}", "{1,}", "{,1}", "{{1},2}", "{1,{2}}",
		"{{1,2},{3}}", "{{1},{2,3}}", "{{}}", "{{},{}}", "{{1},{}}", "{1} x", "{1}}", "{{1}",
		"[1:2]={1}", "[0:1]{1,2}", "[0:1]={}", "[1:0]={}", "[1]={{1}}", "[1][1]={1}", "[a]={1}", "[1:b]={1}",
		"[1:2={1,2}", "[2147483647:2147483647]={1}", "[-2147483649:1]={1}", "{{{{{{{1}}}}}}}",
		"[1][1][1][1][1][1][1]={{{{{{{1}}}}}}}", "{\"1}", "{1\"2\"}", "{\"1\"2}", "{1\\", "{\"1\\", "{a}",
		"{1 2}", "{NULL", "{\"\"}", "{{1,2},{3,4}", "[0:0]=", "=", "[",
	} {
		var a any
		if err := m.Scan(typ, types.TextFormat, []byte(s), &a); err == nil {
			t.Errorf("%q: scanned into *any as %#v", s, a)
		}
		var d []int32
		if err := m.Scan(typ, types.TextFormat, []byte(s), &d); err == nil {
			t.Errorf("%q: scanned into []int32 as %v", s, d)
		}
	}
}

func TestArrayTextInput(t *testing.T) {
	// array_in's leniencies: whitespace, explicit dimensions, escapes in
	// unquoted elements, NULL in any case.
	m := types.NewMap()
	for _, c := range []struct {
		typ  uint32
		in   string
		want any
	}{
		{types.Int4ArrayOID, " { 1 , 2 } ", types.Array[int32]{Elements: []int32{1, 2}, Dims: []types.ArrayDimension{{2, 1}}}},
		{types.Int4ArrayOID, "{ }", types.Array[int32]{Elements: []int32{}}},
		{types.Int4ArrayOID, "[2]={1,2}", types.Array[int32]{Elements: []int32{1, 2}, Dims: []types.ArrayDimension{{2, 1}}}},
		{types.Int4ArrayOID, " [-1:+1] = {1,2,3}", types.Array[int32]{Elements: []int32{1, 2, 3}, Dims: []types.ArrayDimension{{3, -1}}}},
		{types.Int4ArrayOID, "[0:1] [1:1]={{1},{2}}", types.Array[int32]{Elements: []int32{1, 2}, Dims: []types.ArrayDimension{{2, 0}, {1, 1}}}},
		{types.Int4ArrayOID, "{\\1,\"2\"}", types.Array[int32]{Elements: []int32{1, 2}, Dims: []types.ArrayDimension{{2, 1}}}},
		{types.TextArrayOID, `{a\ ,  b c  ,\NULL,"",null,NuLl," x "}`, types.Array[*string]{
			Elements: []*string{arrPtr("a "), arrPtr("b c"), arrPtr("NULL"), arrPtr(""), nil, nil, arrPtr(" x ")},
			Dims:     []types.ArrayDimension{{7, 1}}}},
		{types.TextArrayOID, "{{\"a\"},{b}}", [][]string{{"a"}, {"b"}}},
	} {
		typ := arrType(t, m, c.typ)
		d := reflect.New(reflect.TypeOf(c.want))
		if err := m.Scan(typ, types.TextFormat, []byte(c.in), d.Interface()); err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if diff := cmp.Diff(c.want, d.Elem().Interface()); diff != "" {
			t.Errorf("%q: (-want +got)\n%s", c.in, diff)
		}
	}
}

func TestArrayMalformedBinary(t *testing.T) {
	m := types.NewMap()
	typ := arrType(t, m, types.Int4ArrayOID)
	for _, c := range []struct{ name, hex string }{
		{"wrong element type", "00000001 00000000 00000014 00000001 00000001 00000004 00000001"},
		{"7 dimensions", "00000007 00000000 00000017" + strings.Repeat(" 00000001 00000001", 7) + " 00000004 00000001"},
		{"negative ndim", "ffffffff 00000000 00000017"},
		{"flags 2", "00000001 00000002 00000017 00000001 00000001 00000004 00000001"},
		{"negative length", "00000001 00000000 00000017 ffffffff 00000001"},
		{"upper bound overflow", "00000001 00000000 00000017 00000002 7fffffff 00000004 00000001 00000004 00000002"},
		{"more elements than bytes", "00000001 00000000 00000017 7fffffff 00000001 00000004 00000001"},
		{"product overflow", "00000002 00000000 00000017 7fffffff 00000001 7fffffff 00000001 00000004 00000001"},
		{"element length -2", "00000001 00000000 00000017 00000001 00000001 fffffffe"},
		{"element length past end", "00000001 00000000 00000017 00000001 00000001 00000005 00000001"},
		{"trailing bytes", "00000001 00000000 00000017 00000001 00000001 00000004 00000001 00"},
		{"trailing bytes after empty", "00000000 00000000 00000017 00"},
		{"zero length with elements", "00000001 00000000 00000017 00000000 00000001 00000004 00000001"},
		{"element of 3 bytes", "00000001 00000000 00000017 00000001 00000001 00000003 000001"},
	} {
		src := arrHex(c.hex)
		var a any
		if err := m.Scan(typ, types.BinaryFormat, src, &a); err == nil {
			t.Errorf("%s: scanned into *any as %#v", c.name, a)
		}
		for _, d := range []any{new([]int32), new([]int64), new([][]int32), new(types.Array[int32]), new([]*int32), new([]any)} {
			if err := m.Scan(typ, types.BinaryFormat, src, d); err == nil {
				t.Errorf("%s: scanned into %T", c.name, d)
			}
		}
	}
	// A malformed array is a *MalformedError.
	var a any
	err := m.Scan(typ, types.BinaryFormat, arrHex("00000009 00000000 00000017"), &a)
	var me *types.MalformedError
	if !errors.As(err, &me) {
		t.Errorf("7 dimensions: %v is not a MalformedError", err)
	}
}

func TestArrayScanDestinations(t *testing.T) {
	m := types.NewMap()
	typ := arrType(t, m, types.Int4ArrayOID)
	twoD := []byte("{{1,2},{3,NULL}}")
	enc := func(v any, f types.Format) []byte {
		t.Helper()
		b, _, err := m.EncodeFormat(typ, f, v, nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, f := range []types.Format{types.TextFormat, types.BinaryFormat} {
		src := twoD
		if f == types.BinaryFormat {
			src = enc([][]*int32{{arrPtr[int32](1), arrPtr[int32](2)}, {arrPtr[int32](3), nil}}, f)
		}
		var nested [][]*int32
		if err := m.Scan(typ, f, src, &nested); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([][]*int32{{arrPtr[int32](1), arrPtr[int32](2)}, {arrPtr[int32](3), nil}}, nested); diff != "" {
			t.Error(diff)
		}
		var nulls [][]sql.Null[int64]
		if err := m.Scan(typ, f, src, &nulls); err != nil {
			t.Fatal(err)
		}
		if !nulls[0][1].Valid || nulls[0][1].V != 2 || nulls[1][1].Valid {
			t.Errorf("sql.Null: %v", nulls)
		}
		var flat []*int32
		if err := m.Scan(typ, f, src, &flat); err == nil {
			t.Errorf("%s: 2-D into []*int32: no error", f)
		}
		var deep [][][]*int32
		if err := m.Scan(typ, f, src, &deep); err == nil {
			// Three levels for two dimensions: the innermost []*int32
			// would be an element, which int4 cannot scan into.
			t.Errorf("%s: 2-D into [][][]*int32: no error", f)
		}
		var ints [][]int32
		err := m.Scan(typ, f, src, &ints)
		if !errors.Is(err, types.ErrNull) {
			t.Errorf("%s: NULL element into int32: %v, want ErrNull", f, err)
		}
		var b []byte
		if err := m.Scan(typ, f, src, &b); err == nil {
			t.Errorf("%s: array into []byte: no error", f)
		}
		var anyS []any
		if err := m.Scan(typ, f, src, &anyS); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]any{[]any{int32(1), int32(2)}, []any{int32(3), nil}}, anyS); diff != "" {
			t.Error(diff)
		}
		type IDs []int64
		var ids IDs
		if err := m.Scan(typ, f, enc([]int32{7, 8}, f), &ids); err != nil || !reflect.DeepEqual(ids, IDs{7, 8}) {
			t.Errorf("%s: named slice: %v %v", f, ids, err)
		}
		type Any []any
		var anyN Any
		if err := m.Scan(typ, f, enc([]int32{7}, f), &anyN); err != nil || !reflect.DeepEqual(anyN, Any{int32(7)}) {
			t.Errorf("%s: named []any: %v %v", f, anyN, err)
		}
		var strs []string
		if err := m.Scan(typ, f, enc([]int32{7, -8}, f), &strs); err != nil || !reflect.DeepEqual(strs, []string{"7", "-8"}) {
			t.Errorf("%s: []string: %v %v", f, strs, err)
		}
		var small []int8
		if err := m.Scan(typ, f, enc([]int32{7, 300}, f), &small); err == nil {
			t.Errorf("%s: 300 into int8: no error", f)
		}
		var empty [][]int32
		if err := m.Scan(typ, f, enc([]int32{}, f), &empty); err != nil || empty == nil || len(empty) != 0 {
			t.Errorf("%s: empty into [][]int32: %#v %v", f, empty, err)
		}
	}
}

func TestArrayReuse(t *testing.T) {
	m := types.NewMap()
	typ := arrType(t, m, types.Int4ArrayOID)
	src, _, err := m.EncodeFormat(typ, types.BinaryFormat, []int32{1, 2, 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]int32, 0, 8)
	if err := m.Scan(typ, types.BinaryFormat, src, &dst); err != nil {
		t.Fatal(err)
	}
	if cap(dst) != 8 || !reflect.DeepEqual(dst, []int32{1, 2, 3}) {
		t.Errorf("got %v (cap %d)", dst, cap(dst))
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := m.Scan(typ, types.BinaryFormat, src, &dst); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("scan into a reused []int32: %v allocs, want 0", allocs)
	}
	arr := types.Array[int32]{Elements: make([]int32, 0, 8)}
	if err := m.Scan(typ, types.BinaryFormat, src, &arr); err != nil {
		t.Fatal(err)
	}
	if cap(arr.Elements) != 8 {
		t.Errorf("Array elements not reused")
	}
	allocs = testing.AllocsPerRun(100, func() {
		if err := m.Scan(typ, types.BinaryFormat, src, &arr); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("scan into a reused Array[int32]: %v allocs, want 0", allocs)
	}
	buf := make([]byte, 0, 1024)
	for _, c := range []struct {
		oid uint32
		v   any
	}{
		{types.Int4ArrayOID, dst}, {types.Int4ArrayOID, arr}, {types.Int8ArrayOID, []int64{1, 2}},
		{types.Int8ArrayOID, []int32{1, 2}}, {types.Float8ArrayOID, []float64{1}}, {types.Float4ArrayOID, []float32{1}},
		{types.BoolArrayOID, []bool{true}}, {types.Int2ArrayOID, types.Array[int16]{Elements: []int16{1}}},
	} {
		v, typ := c.v, arrType(t, m, c.oid)
		allocs = testing.AllocsPerRun(100, func() {
			if _, _, err := m.EncodeFormat(typ, types.BinaryFormat, v, buf[:0]); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("encode %T: %v allocs, want 0", v, allocs)
		}
	}
}

func TestArrayEncodeErrors(t *testing.T) {
	m := types.NewMap()
	typ := arrType(t, m, types.Int4ArrayOID)
	for _, c := range []struct {
		name string
		v    any
	}{
		{"jagged", [][]int32{{1, 2}, {3}}},
		{"jagged any", []any{[]any{1, 2}, []any{3}}},
		{"element then sub-array", []any{1, []any{2}}},
		{"sub-array then element", []any{[]any{1}, 2}},
		{"jagged empty", []any{[]any{}, []any{1}}},
		{"out of range", []int64{1 << 40}},
		{"dims mismatch", types.Array[int32]{Elements: []int32{1, 2}, Dims: []types.ArrayDimension{{3, 1}}}},
		{"negative length", types.Array[int32]{Elements: []int32{}, Dims: []types.ArrayDimension{{-1, 1}}}},
		{"bound overflow", types.Array[int32]{Elements: []int32{1, 2}, Dims: []types.ArrayDimension{{2, math.MaxInt32}}}},
		{"7 dims", types.Array[int32]{Elements: []int32{1}, Dims: []types.ArrayDimension{{1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}}},
		{"7 levels", []any{[]any{[]any{[]any{[]any{[]any{[]any{1}}}}}}}},
		{"bytes", []byte{1, 2}},
		{"not a slice", 5},
		{"element type", []struct{ X int }{{1}}},
	} {
		for _, f := range []types.Format{types.TextFormat, types.BinaryFormat} {
			if b, _, err := m.EncodeFormat(typ, f, c.v, nil); err == nil {
				t.Errorf("%s in %s: encoded %q", c.name, f, b)
			}
		}
	}
	// Strings have no binary int4 form: binary says unsupported, and Map
	// falls back to the text array.
	_, _, err := m.EncodeFormat(typ, types.BinaryFormat, []string{"1", "2"}, nil)
	if !errors.Is(err, types.ErrUnsupported) {
		t.Errorf("[]string in binary: %v, want ErrUnsupported", err)
	}
	b, f, _, err := m.Encode(typ, []string{"1", " 2"}, nil)
	if err != nil || f != types.TextFormat || string(b) != `{1," 2"}` {
		t.Errorf("[]string: %q %s %v", b, f, err)
	}
	// An empty jagged-free array of sub-arrays is the empty array.
	b, _, err = m.EncodeFormat(typ, types.TextFormat, []any{[]any{}, []any{}}, nil)
	if err != nil || string(b) != "{}" {
		t.Errorf("empty sub-arrays: %q %v", b, err)
	}
}

func TestArrayEncodeKinds(t *testing.T) {
	m := types.NewMap()
	typ := arrType(t, m, types.Int8ArrayOID)
	type Cents int64
	for _, c := range []struct {
		v    any
		text string
	}{
		{[]int{1, 2}, "{1,2}"},
		{[]Cents{1, 2}, "{1,2}"},
		{[]*int{arrPtr(1), nil}, "{1,NULL}"},
		{[]sql.Null[int64]{{V: 1, Valid: true}, {}}, "{1,NULL}"},
		{[][]uint16{{1}, {2}}, "{{1},{2}}"},
		{types.Array[any]{Elements: []any{1, nil}}, "{1,NULL}"},
		{&types.Array[int]{Elements: []int{1}}, "{1}"},
		{types.Array[int]{}, "{}"},
		{types.Array[int]{Elements: []int{}, Dims: []types.ArrayDimension{{0, 5}}}, "{}"},
		{[]any{int64(1), nil, "3"}, "{1,NULL,3}"},
		{[]int32{}, "{}"},
		{[][]int32{}, "{}"},
		{[][]int32{{}, {}}, "{}"},
		{[]float64{1, 2}, "{1,2}"},
		{[]int16{1}, "{1}"},
	} {
		b, _, err := m.EncodeFormat(typ, types.TextFormat, c.v, nil)
		if err != nil || string(b) != c.text {
			t.Errorf("%T %v: %q %v, want %q", c.v, c.v, b, err, c.text)
		}
		// Binary, when every element has a binary form, decodes to the
		// same array.
		bin, _, err := m.EncodeFormat(typ, types.BinaryFormat, c.v, nil)
		if err != nil {
			if !errors.Is(err, types.ErrUnsupported) {
				t.Errorf("%T in binary: %v", c.v, err)
			}
			continue
		}
		var fromText, fromBin types.Array[*int64]
		if err := m.Scan(typ, types.TextFormat, b, &fromText); err != nil {
			t.Fatal(err)
		}
		if err := m.Scan(typ, types.BinaryFormat, bin, &fromBin); err != nil {
			t.Fatalf("%T: %v", c.v, err)
		}
		if diff := cmp.Diff(fromText, fromBin); diff != "" {
			t.Errorf("%T: text and binary differ: %s", c.v, diff)
		}
	}
}

func TestArrayDomain(t *testing.T) {
	m := types.NewMap()
	int4 := arrType(t, m, types.Int4OID)
	dom := types.DomainType("arr_posint", 90001, int4)
	m.Register(dom)
	m.Register(types.ArrayType(90002, dom))
	arr := arrType(t, m, 90002)
	if arr.Name != "_arr_posint" {
		t.Errorf("name %q", arr.Name)
	}
	b, f, _, err := m.Encode(dom, 5, nil)
	if err != nil || f != types.BinaryFormat || !bytes.Equal(b, []byte{0, 0, 0, 5}) {
		t.Errorf("domain encode: %x %s %v", b, f, err)
	}
	var n int
	if err := m.Scan(dom, types.TextFormat, []byte("42"), &n); err != nil || n != 42 {
		t.Errorf("domain scan: %d %v", n, err)
	}
	var a any
	if err := m.Scan(dom, types.BinaryFormat, []byte{0, 0, 0, 7}, &a); err != nil || a != int32(7) {
		t.Errorf("domain natural: %#v %v", a, err)
	}
	// The array's binary element type is the domain's OID.
	b, _, err = m.EncodeFormat(arr, types.BinaryFormat, []int{1}, nil)
	want := arrHex("00000001 00000000 00015f91 00000001 00000001 00000004 00000001")
	if err != nil || !bytes.Equal(b, want) {
		t.Errorf("domain array: %x %v, want %x", b, err, want)
	}
	var s []int
	if err := m.Scan(arr, types.BinaryFormat, b, &s); err != nil || !reflect.DeepEqual(s, []int{1}) {
		t.Errorf("domain array scan: %v %v", s, err)
	}
	// A domain over box keeps box's delimiter.
	bm := arrBoxStubMap()
	boxDom := types.DomainType("arr_boxdom", 90003, arrType(t, bm, types.BoxOID))
	if c := types.ArrayType(90004, boxDom).Codec.(types.ArrayCodec); c.Delim != ';' {
		t.Errorf("box domain delimiter %q", c.Delim)
	}
}

func TestArrayDefaultMap(t *testing.T) {
	for _, oid := range []uint32{types.Int4ArrayOID, types.Float8ArrayOID, types.BoolArrayOID, types.RecordArrayOID} {
		typ := arrType(t, types.Default(), oid)
		c, ok := typ.Codec.(types.ArrayCodec)
		if !ok || !strings.HasPrefix(typ.Name, "_") || c.Elem == nil || c.Delim != ',' {
			t.Errorf("%d: %s %T %+v", oid, typ.Name, typ.Codec, c)
		}
	}
	if typ, ok := types.Default().TypeForName("int4[]"); !ok || typ.OID != types.Int4ArrayOID {
		t.Errorf("int4[]: %v", typ)
	}
	if typ, ok := types.Default().TypeForOID(types.BoxArrayOID); ok {
		if c := typ.Codec.(types.ArrayCodec); c.Delim != ';' {
			t.Errorf("box[] delimiter %q", c.Delim)
		}
	}
}

func BenchmarkArray(b *testing.B) {
	m := types.NewMap()
	typ := arrType(b, m, types.Int4ArrayOID)
	ints := make([]int32, 1000)
	for i := range ints {
		ints[i] = int32(i * 7919)
	}
	bin, _, err := m.EncodeFormat(typ, types.BinaryFormat, ints, nil)
	if err != nil {
		b.Fatal(err)
	}
	text, _, err := m.EncodeFormat(typ, types.TextFormat, ints, nil)
	if err != nil {
		b.Fatal(err)
	}
	tm := types.NewMap()
	ttyp := arrType(b, tm, types.TextArrayOID)
	strs := make([]string, 1000)
	for i := range strs {
		strs[i] = fmt.Sprintf("element %d", i)
	}
	sbin, _, err := tm.EncodeFormat(ttyp, types.BinaryFormat, strs, nil)
	if err != nil {
		b.Fatal(err)
	}
	decode := func(t *types.Type, m *types.Map, f types.Format, src []byte, dst any) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if err := m.Scan(t, f, src, dst); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	encode := func(t *types.Type, m *types.Map, f types.Format, v any) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 64<<10)
			for b.Loop() {
				if _, _, err := m.EncodeFormat(t, f, v, buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	var i32 []int32
	var anys []any
	var arr types.Array[int32]
	var i64 []int64
	var ss []string
	b.Run("decode/int4[1000]/binary/[]int32", decode(typ, m, types.BinaryFormat, bin, &i32))
	b.Run("decode/int4[1000]/binary/[]int64", decode(typ, m, types.BinaryFormat, bin, &i64))
	b.Run("decode/int4[1000]/binary/[]any", decode(typ, m, types.BinaryFormat, bin, &anys))
	b.Run("decode/int4[1000]/binary/Array[int32]", decode(typ, m, types.BinaryFormat, bin, &arr))
	b.Run("decode/int4[1000]/text/[]int32", decode(typ, m, types.TextFormat, text, &i32))
	b.Run("decode/text[1000]/binary/[]string", decode(ttyp, tm, types.BinaryFormat, sbin, &ss))
	b.Run("encode/int4[1000]/binary/[]int32", encode(typ, m, types.BinaryFormat, ints))
	b.Run("encode/int4[1000]/text/[]int32", encode(typ, m, types.TextFormat, ints))
	b.Run("encode/int4[1000]/binary/Array[int32]", encode(typ, m, types.BinaryFormat, types.Array[int32]{Elements: ints}))
	b.Run("encode/text[1000]/text/[]string", encode(ttyp, tm, types.TextFormat, strs))
}

// arrFuzzMap is a map with text (the stub until the merge) and a box
// stand-in, and the array types FuzzArrayDecode picks from.
func arrFuzzMap(tb testing.TB) (*types.Map, []*types.Type) {
	m := types.NewMap()
	box := &types.Type{Name: "box", OID: types.BoxOID, Codec: types.UnknownCodec{}}
	m.Register(box)
	m.Register(types.ArrayType(types.BoxArrayOID, box))
	var ts []*types.Type
	for _, oid := range []uint32{types.Int4ArrayOID, types.TextArrayOID, types.BoxArrayOID, types.Float8ArrayOID,
		types.BoolArrayOID, types.Int2ArrayOID, types.Int8ArrayOID, types.Float4ArrayOID, types.RecordArrayOID} {
		ts = append(ts, arrType(tb, m, oid))
	}
	return m, ts
}

func FuzzArrayDecode(f *testing.F) {
	m, ts := arrFuzzMap(f)
	for _, c := range arrCases() {
		sel := uint8(slices.IndexFunc(ts, func(t *types.Type) bool { return t.OID == c.oid }))
		f.Add(sel, false, []byte(c.text))
		if c.bin != "" {
			f.Add(sel, true, arrHex(c.bin))
		}
	}
	for _, s := range []string{"{{1,2},{3,4}}", `[0:1]={" a",b}`, "{{{{{{1}}}}}}", `{"(1,a)",NULL}`, "{ 1 , NULL }", `{\1,"\""}`} {
		f.Add(uint8(0), false, []byte(s))
		f.Add(uint8(1), false, []byte(s))
	}
	f.Add(uint8(8), true, arrHex("00000001 00000000 000008c9 00000001 00000001 00000014 00000001 00000017 00000004 00000001"))
	f.Fuzz(func(t *testing.T, sel uint8, binary bool, data []byte) {
		typ := ts[int(sel)%len(ts)]
		f := types.TextFormat
		if binary {
			f = types.BinaryFormat
		}
		var a any
		errAny := m.Scan(typ, f, data, &a)
		for _, d := range []any{new([]int32), new([][]int32), new([][][]int32), new([]*int32), new([]string), new([]any),
			new([]float64), new([]bool), new([]int16), new([]int64), new([]sql.Null[int64]), new(types.Array[string])} {
			_ = m.Scan(typ, f, data, d)
		}
		var arr types.Array[any]
		if err := m.Scan(typ, f, data, &arr); err != nil {
			return
		}
		if errAny != nil {
			t.Fatalf("scanned into Array[any] but not *any: %v", errAny)
		}
		if typ.OID == types.RecordArrayOID {
			return // records have no encoding
		}
		enc, _, err := m.EncodeFormat(typ, f, arr, nil)
		if err != nil {
			t.Fatalf("re-encode %#v: %v", arr, err)
		}
		var again types.Array[any]
		if err := m.Scan(typ, f, enc, &again); err != nil {
			t.Fatalf("scan re-encoded %q: %v", enc, err)
		}
		if diff := cmp.Diff(arr, again, cmpOpts...); diff != "" {
			t.Fatalf("re-encoded %q: (-first +again)\n%s", enc, diff)
		}
	})
}
