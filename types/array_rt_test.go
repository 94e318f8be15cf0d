package types_test

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

// arrRTCases are array cases of the types Default has.
func arrRTCases() []rtCase {
	big := make([]int64, 10000)
	for i := range big {
		big[i] = int64(i+1) * 1000003
	}
	return []rtCase{
		{Type: "int4[]", Literal: "'{}'", Value: []int32{}},
		{Type: "int4[]", Literal: "NULL", Value: nil, Want: (*[]int32)(nil)},
		{Type: "int4[]", Literal: "'{1,NULL,-2147483648,2147483647}'", Value: []any{1, nil, math.MinInt32, math.MaxInt32},
			Want: []*int32{arrPtr[int32](1), nil, arrPtr[int32](math.MinInt32), arrPtr[int32](math.MaxInt32)}},
		{Type: "int4[]", Literal: "'{NULL,NULL}'", Value: []*int32{nil, nil}},
		{Type: "int4[]", Literal: "'{{1,2,3},{4,5,6}}'", Value: [][]int32{{1, 2, 3}, {4, 5, 6}}},
		{Type: "int4[]", Literal: "'{{{1,2},{3,4}},{{5,6},{7,NULL}}}'",
			Value: [][][]*int32{{{arrPtr[int32](1), arrPtr[int32](2)}, {arrPtr[int32](3), arrPtr[int32](4)}}, {{arrPtr[int32](5), arrPtr[int32](6)}, {arrPtr[int32](7), nil}}}},
		{Type: "int4[]", Literal: "'[0:2]={1,2,3}'",
			Value: types.Array[int32]{Elements: []int32{1, 2, 3}, Dims: []types.ArrayDimension{{Length: 3, LowerBound: 0}}}},
		{Type: "int4[]", Literal: "'[-5:-4]={7,8}'",
			Value: types.Array[int32]{Elements: []int32{7, 8}, Dims: []types.ArrayDimension{{Length: 2, LowerBound: -5}}}},
		{Type: "int4[]", Literal: "'[1:2][3:4]={{1,2},{3,4}}'",
			Value: types.Array[int32]{Elements: []int32{1, 2, 3, 4}, Dims: []types.ArrayDimension{{2, 1}, {2, 3}}}},
		{Type: "int4[]", Literal: "'[2147483646:2147483646]={1}'",
			Value: types.Array[int32]{Elements: []int32{1}, Dims: []types.ArrayDimension{{1, math.MaxInt32 - 1}}}},
		{Type: "int4[]", Literal: "'[-2147483648:-2147483647]={1,NULL}'",
			Value: types.Array[*int32]{Elements: []*int32{arrPtr[int32](1), nil}, Dims: []types.ArrayDimension{{2, math.MinInt32}}}},
		{Name: "lower bounds dropped into []int32", Type: "int4[]", Literal: "'[0:1]={1,2}'", Value: []int32{1, 2}, NoParam: true},
		{Name: "6-D", Type: "int4[]", Literal: "'{{{{{{1,2}}}},{{{{3,4}}}}}}'", Value: [][][][][][]int32{{{{{{1, 2}}}}, {{{{3, 4}}}}}}},
		{Name: "6-D with bounds", Type: "int4[]", Literal: "'[0:0][1:1][2:2][3:3][4:4][5:6]={{{{{{1,2}}}}}}'",
			Value: types.Array[int32]{Elements: []int32{1, 2}, Dims: []types.ArrayDimension{{1, 0}, {1, 1}, {1, 2}, {1, 3}, {1, 4}, {2, 5}}}},
		{Name: "int4[] from strings", Type: "int4[]", Literal: "'{1,-2}'", Value: []string{"1", " -2"}, Want: []int32{1, -2}},
		{Type: "int2[]", Literal: "'{-32768,0,32767}'", Value: []int16{math.MinInt16, 0, math.MaxInt16}},
		{Type: "int8[]", Literal: "'{-9223372036854775808,9223372036854775807}'", Value: []int64{math.MinInt64, math.MaxInt64}},
		{Name: "int8[] of 10000", Type: "int8[]", Literal: "array(select g::int8 * 1000003 from generate_series(1, 10000) g)", Value: big},
		{Name: "float8[] NaN", Type: "float8[]", Literal: "'{NaN,Infinity,-Infinity,0,1.5,-1e-300,1.7976931348623157e308}'",
			Value: []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, 1.5, -1e-300, math.MaxFloat64}},
		{Name: "float4[] NaN", Type: "float4[]", Literal: "'{NaN,3.4028235e38,-1.5,1e-45}'",
			Value: []float32{float32(math.NaN()), math.MaxFloat32, -1.5, 1e-45}},
		{Type: "float8[]", Literal: "'{{0.1,NULL}}'", Value: [][]*float64{{arrPtr(0.1), nil}}},
		{Type: "bool[]", Literal: "'{t,f,NULL}'", Value: []*bool{arrPtr(true), arrPtr(false), nil}},
		{Type: "bool[]", Literal: "'{{t},{f}}'", Value: [][]bool{{true}, {false}}},
		{Type: "oid[]", Literal: "'{0,4294967295}'", Value: []uint32{0, math.MaxUint32}},
	}
}

func TestRoundTripArray(t *testing.T) {
	cases := arrRTCases()
	runRoundTrip(t, cases)
	t.Run("binary", func(t *testing.T) { arrCheckBinary(t, types.NewMap(), cases) })
}

func TestRoundTripArrayText(t *testing.T) {
	arrRoundTrip(t, types.NewMap(), []rtCase{
		{Type: "text[]", Literal: "'{}'", Value: []string{}},
		{Name: "text[] special", Type: "text[]",
			Literal: `array['a b', '', 'NULL', 'null', NULL, 'x"y', 'a\b', 'c,d', '{}', e'\t\n', ' lead', 'trail ', '\"', ';']`,
			Value: []*string{arrPtr("a b"), arrPtr(""), arrPtr("NULL"), arrPtr("null"), nil, arrPtr(`x"y`), arrPtr(`a\b`),
				arrPtr("c,d"), arrPtr("{}"), arrPtr("\t\n"), arrPtr(" lead"), arrPtr("trail "), arrPtr(`\"`), arrPtr(";")}},
		{Name: "text[] NULL vs \"NULL\"", Type: "text[]", Literal: `'{"NULL",NULL}'`, Value: []*string{arrPtr("NULL"), nil}},
		{Name: "text[] unicode", Type: "text[]", Literal: "array['ünïcödé ☺', '日本語', '😀', 'ä b']",
			Value: []string{"ünïcödé ☺", "日本語", "😀", "ä b"}},
		{Name: "text[] 2-D", Type: "text[]", Literal: "array[['a','b'],['c',NULL]]",
			Value: [][]*string{{arrPtr("a"), arrPtr("b")}, {arrPtr("c"), nil}}},
		{Name: "text[] bounds", Type: "text[]", Literal: "'[0:1]={x,\" y\"}'",
			Value: types.Array[string]{Elements: []string{"x", " y"}, Dims: []types.ArrayDimension{{2, 0}}}},
		{Name: "text[] from []any", Type: "text[]", Literal: "array[['a'],[NULL]]", Value: []any{[]any{"a"}, []any{nil}},
			Want: []any{[]any{"a"}, []any{nil}}},
	}, true)
}

// TestRoundTripArrayBoxDelimiter checks box[]'s ';' with a stand-in for the
// box codec: text only, each box its text.
func TestRoundTripArrayBoxDelimiter(t *testing.T) {
	arrRoundTrip(t, arrBoxStubMap(), []rtCase{
		{Type: "box[]", Literal: "'{(1,1),(0,0);(3,3),(2,2)}'", Value: []string{"(1,1),(0,0)", "(3,3),(2,2)"},
			Compare: "%s::text = %s::text", Formats: textOnly},
		{Type: "box[]", Literal: "'{{(1,1),(0,0)};{NULL}}'", Value: [][]*string{{arrPtr("(1,1),(0,0)")}, {nil}},
			Compare: "%s::text = %s::text", Formats: textOnly},
	}, false)
}

// TestRoundTripArrayBox is box[] with Default's box codec.
func TestRoundTripArrayBox(t *testing.T) {
	conn := rtConn(t)
	m := types.NewMap()
	typ := arrType(t, m, types.BoxArrayOID)
	c := rtCase{Type: "box[]", Literal: "'{(1,1),(0,0);(3,3),(2,2);NULL}'", Value: []any{"(1,1),(0,0)", "(3,3),(2,2)", nil},
		Compare: "%s::text = %s::text"}
	rtCheckParam(t, conn, m, typ, c)
	want := rtSelect(t, conn, c, types.TextFormat, "")
	for _, f := range []types.Format{types.TextFormat, types.BinaryFormat} {
		src := rtSelect(t, conn, c, f, "array_send")
		var got []any
		if err := m.Scan(typ, f, src, &got); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		again, _, err := m.EncodeFormat(typ, types.TextFormat, got, nil)
		if err != nil || !bytes.Equal(again, want) {
			t.Errorf("%s: read back as %#v, text %q (%v), want %q", f, got, again, err, want)
		}
	}
}

// arrRoundTrip is runRoundTripMap; with binary, each Value's binary
// encoding must also be the server's own send output.
func arrRoundTrip(t *testing.T, m *types.Map, cases []rtCase, binary bool) {
	t.Helper()
	var after func(*testing.T, *types.Type, rtCase, map[types.Format][]byte)
	if binary {
		after = func(t *testing.T, _ *types.Type, c rtCase, _ map[types.Format][]byte) {
			arrCheckBinary(t, m, []rtCase{c})
		}
	}
	runRoundTripMap(t, m, cases, after)
}

// arrCheckBinary requires the binary encoding of each case's Value to be
// the server's send output of its Literal, byte for byte. It stands in for
// the binary parameter check until the driver sends binary parameters.
// Cases with NaN (whose bits Go and PostgreSQL choose differently), a NULL
// Value, NoParam, or a Value with no binary form are skipped.
func arrCheckBinary(t *testing.T, m *types.Map, cases []rtCase) {
	t.Helper()
	conn := rtConn(t)
	for _, c := range cases {
		if c.Value == nil || c.NoParam || strings.Contains(c.Name, "NaN") {
			continue
		}
		oid, sendFn := rtTypeInfo(t, conn, c.Type)
		typ := m.TypeOrUnknown(oid)
		enc, _, err := m.EncodeFormat(typ, types.BinaryFormat, c.Value, nil)
		if err != nil {
			if strings.Contains(err.Error(), "unsupported") {
				continue
			}
			t.Errorf("%s %s: encode: %v", c.Type, c.Literal, err)
			continue
		}
		srv := rtSelect(t, conn, c, types.BinaryFormat, sendFn)
		if !bytes.Equal(enc, srv) {
			t.Errorf("%s %s: binary %x, server sends %x", c.Type, c.Literal, enc, srv)
		}
	}
}

// The composite and enum types of the round-trip tests, created once.
var (
	arrDDLOnce sync.Once
	arrDDLErr  error
)

type arrComplex struct{ R, I float64 }

type arrComplexN struct{ R, I *float64 }

type arrOuter struct {
	C     *arrComplex
	Label *string
	Tags  []*int32
	N     *int32
	Mood  *string
}

// arrCatalogMap creates the test's enum and composite types on the server
// and returns a map that knows them, built by hand as the catalog loader
// will.
func arrCatalogMap(t *testing.T) *types.Map {
	t.Helper()
	conn := rtConn(t)
	arrDDLOnce.Do(func() {
		_, arrDDLErr = conn.SimpleQuery(rtCtx(t), `
			drop type if exists arr_outer, arr_complex, arr_mood cascade;
			create type arr_mood as enum ('sad', 'ok', 'very happy', 'ünï ☺', 'NULL', 'a,b', 'q"uote', ' ');
			create type arr_complex as (r float8, i float8);
			create type arr_outer as (c arr_complex, label text, tags int4[], n int4, mood arr_mood)`)
	})
	if arrDDLErr != nil {
		t.Fatal(arrDDLErr)
	}
	oids := func(name string) (uint32, uint32) {
		res, err := conn.SimpleQuery(rtCtx(t), fmt.Sprintf("select oid, typarray from pg_type where typname = %s", quoteLiteral(name)))
		if err != nil {
			t.Fatal(err)
		}
		var oid, arr uint32
		if _, err := fmt.Sscan(string(res[0].Rows[0][0])+" "+string(res[0].Rows[0][1]), &oid, &arr); err != nil {
			t.Fatal(err)
		}
		return oid, arr
	}
	m := types.NewMap()
	float8 := arrType(t, m, types.Float8OID)
	oid, arr := oids("arr_mood")
	mood := &types.Type{Name: "arr_mood", OID: oid, Codec: types.EnumCodec{}}
	m.Register(mood)
	m.Register(types.ArrayType(arr, mood))
	oid, arr = oids("arr_complex")
	complex := &types.Type{Name: "arr_complex", OID: oid, Codec: types.CompositeCodec{Fields: []types.CompositeField{
		{Name: "r", Type: float8}, {Name: "i", Type: float8},
	}}}
	m.Register(complex)
	m.Register(types.ArrayType(arr, complex))
	oid, arr = oids("arr_outer")
	outer := &types.Type{Name: "arr_outer", OID: oid, Codec: types.CompositeCodec{Fields: []types.CompositeField{
		{Name: "c", Type: complex},
		{Name: "label", Type: arrType(t, m, types.TextOID)},
		{Name: "tags", Type: arrType(t, m, types.Int4ArrayOID)},
		{Name: "n", Type: arrType(t, m, types.Int4OID)},
		{Name: "mood", Type: mood},
	}}}
	m.Register(outer)
	m.Register(types.ArrayType(arr, outer))
	return m
}

func TestRoundTripComposite(t *testing.T) {
	m := arrCatalogMap(t)
	same := "%s is not distinct from %s"
	arrRoundTrip(t, m, []rtCase{
		{Type: "arr_complex", Literal: "row(1.5, -2)", Value: arrComplex{1.5, -2}},
		{Type: "arr_complex", Literal: "row(1, NULL)", Value: []any{1.0, nil}, Want: arrComplexN{arrPtr(1.0), nil}, Compare: same},
		{Type: "arr_complex", Literal: "row(NULL, NULL)", Value: arrComplexN{}, Compare: same},
		{Name: "arr_complex NaN", Type: "arr_complex", Literal: "row('NaN', '-Infinity')", Value: arrComplex{math.NaN(), math.Inf(-1)}},
		{Type: "arr_complex", Literal: "NULL", Value: nil, Want: (*arrComplex)(nil)},
		{Type: "arr_complex", Literal: "row(3, 4)", Value: map[string]any{"i": 4, "r": 3}, Want: map[string]any{"r": 3.0, "i": 4.0}},
		{Name: "nested with quoting", Type: "arr_outer",
			Literal: `row(row(1, 2), 'quoted "text", (with) \ back', array[1, NULL, 3], NULL, 'very happy')`,
			Value:   arrOuter{&arrComplex{1, 2}, arrPtr(`quoted "text", (with) \ back`), []*int32{arrPtr[int32](1), nil, arrPtr[int32](3)}, nil, arrPtr("very happy")},
			Compare: same},
		{Name: "empty strings and arrays", Type: "arr_outer", Literal: `row(NULL, '', '{}', 0, 'a,b')`,
			Value:   arrOuter{nil, arrPtr(""), []*int32{}, arrPtr[int32](0), arrPtr("a,b")},
			Compare: same},
		{Name: "spaces and enum quoting", Type: "arr_outer", Literal: `row(row(NULL, NULL), ' ', '{{1},{2}}', -1, ' ')`,
			Value: []any{[]any{nil, nil}, " ", [][]int32{{1}, {2}}, -1, " "},
			Want:  []any{[]any{nil, nil}, " ", []any{[]any{int32(1)}, []any{int32(2)}}, int32(-1), " "}, Compare: same},
		{Name: "all NULL", Type: "arr_outer", Literal: `row(NULL, NULL, NULL, NULL, NULL)`, Value: []any{nil, nil, nil, nil, nil},
			Want: arrOuter{}, Compare: same},
		// A nil slice is NULL, as a nil pointer or map is; an empty one is
		// the empty array.
		{Name: "nil slice", Type: "arr_outer", Literal: `row(NULL, NULL, NULL, NULL, NULL)`, Value: arrOuter{},
			Want: arrOuter{}, Compare: same},
		{Name: "empty slice", Type: "arr_outer", Literal: `row(NULL, NULL, '{}', NULL, NULL)`, Value: arrOuter{Tags: []*int32{}},
			Want: arrOuter{Tags: []*int32{}}, Compare: same},
		{Name: "array of composite", Type: "arr_complex[]", Literal: "array[row(1, 2), NULL, row(3, NULL)]::arr_complex[]",
			Value: []*arrComplexN{{arrPtr(1.0), arrPtr(2.0)}, nil, {arrPtr(3.0), nil}}, Compare: same},
		{Name: "2-D array of composite", Type: "arr_complex[]", Literal: "array[[row(1, 2)], [row(3, 4)]]::arr_complex[]",
			Value: [][]arrComplex{{{1, 2}}, {{3, 4}}}},
		{Name: "array of nested composite", Type: "arr_outer[]",
			Literal: `array[row(row(1, 2), 'x "y"', '{5}', 1, 'q"uote')]::arr_outer[]`,
			Value:   []arrOuter{{&arrComplex{1, 2}, arrPtr(`x "y"`), []*int32{arrPtr[int32](5)}, arrPtr[int32](1), arrPtr(`q"uote`)}},
			Compare: same},
		{Name: "record binary", Type: "record", Literal: "row(1, 'a b'::text, NULL::int4, array[1, 2], row(2, 'x'::text))",
			NoParam: true, Formats: binaryOnly,
			Want: []any{int32(1), "a b", nil, []any{int32(1), int32(2)}, []any{int32(2), "x"}}},
		{Name: "record text", Type: "record", Literal: "row(1, 'a b'::text, NULL::int4, array[1, 2], row(2, 'x'::text))",
			NoParam: true, Formats: textOnly,
			Want: []any{"1", "a b", nil, "{1,2}", "(2,x)"}},
		{Name: "record[] binary", Type: "record[]", Literal: "array[row(1, 'x'::text), NULL]", NoParam: true, Formats: binaryOnly,
			Want: []any{[]any{int32(1), "x"}, nil}},
	}, true)
}

func TestRoundTripEnum(t *testing.T) {
	m := arrCatalogMap(t)
	labels := []string{"sad", "very happy", "ünï ☺", "NULL", "a,b", `q"uote`, " "}
	var cases []rtCase
	for _, l := range labels {
		cases = append(cases, rtCase{Type: "arr_mood", Literal: quoteLiteral(l), Value: l})
	}
	quoted := slices.Clone(labels)
	for i, l := range quoted {
		quoted[i] = quoteLiteral(l)
	}
	all := []*string{nil}
	for _, l := range labels {
		all = append(all, arrPtr(l))
	}
	cases = append(cases,
		rtCase{Type: "arr_mood", Literal: "NULL", Value: nil, Want: (*string)(nil)},
		rtCase{Type: "arr_mood[]", Literal: "'{}'", Value: []string{}},
		rtCase{Name: "arr_mood[] all labels", Type: "arr_mood[]", Literal: "array[NULL, " + strings.Join(quoted, ", ") + "]::arr_mood[]", Value: all},
		rtCase{Name: "arr_mood[] bytes", Type: "arr_mood[]", Literal: "'{ok}'", Value: [][]byte{[]byte("ok")}, Want: []string{"ok"}},
	)
	arrRoundTrip(t, m, cases, true)
}
