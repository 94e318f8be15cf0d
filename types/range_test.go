package types_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon/types"
)

// Wire helpers for the tables below.
func rngBE32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func rngCat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// i4 is an int4 bound: length 4, value.
func rngI4(v int32) []byte { return rngCat(rngBE32(4), rngBE32(uint32(v))) }

// i8 is an int8 bound: length 8, value.
func rngI8(v int64) []byte { return rngCat(rngBE32(8), binary.BigEndian.AppendUint64(nil, uint64(v))) }

// Range flags, as in src/include/utils/rangetypes.h.
const (
	rngFEmpty = 0x01
	rngFLBInc = 0x02
	rngFUBInc = 0x04
	rngFLBInf = 0x08
	rngFUBInf = 0x10
)

func rngFlags(f byte) []byte { return []byte{f} }

// rngCase is a value with its exact binary (range_send, multirange_send)
// and text (range_out, multirange_out) forms.
type rngCase struct {
	name  string
	oid   uint32
	value any // Range[T] or Multirange[T]; decoded into a new one of its type
	bin   []byte
	text  string
}

var rngCases = []rngCase{
	{"int4 [1,5)", types.Int4rangeOID, rngR4(1, 5, rngInc, rngExc),
		rngCat(rngFlags(rngFLBInc), rngI4(1), rngI4(5)), "[1,5)"},
	{"int4 empty", types.Int4rangeOID, rngR4(0, 0, rngEmpty, rngEmpty),
		rngFlags(rngFEmpty), "empty"},
	{"int4 (,3]", types.Int4rangeOID, rngR4(0, 3, rngUnb, rngInc),
		rngCat(rngFlags(rngFLBInf|rngFUBInc), rngI4(3)), "(,3]"},
	{"int4 [2,)", types.Int4rangeOID, rngR4(2, 0, rngInc, rngUnb),
		rngCat(rngFlags(rngFLBInc|rngFUBInf), rngI4(2)), "[2,)"},
	{"int4 (,)", types.Int4rangeOID, rngR4(0, 0, rngUnb, rngUnb),
		rngFlags(rngFLBInf | rngFUBInf), "(,)"},
	{"int4 (1,5]", types.Int4rangeOID, rngR4(1, 5, rngExc, rngInc),
		rngCat(rngFlags(rngFUBInc), rngI4(1), rngI4(5)), "(1,5]"},
	{"int4 [-1,-1]", types.Int4rangeOID, rngR4(-1, -1, rngInc, rngInc),
		rngCat(rngFlags(rngFLBInc|rngFUBInc), rngI4(-1), rngI4(-1)), "[-1,-1]"},
	{"int4 min max", types.Int4rangeOID, rngR4(math.MinInt32, math.MaxInt32, rngInc, rngExc),
		rngCat(rngFlags(rngFLBInc), rngI4(math.MinInt32), rngI4(math.MaxInt32)), "[-2147483648,2147483647)"},
	{"int8 min max", types.Int8rangeOID, rngR8(math.MinInt64, math.MaxInt64, rngInc, rngExc),
		rngCat(rngFlags(rngFLBInc), rngI8(math.MinInt64), rngI8(math.MaxInt64)), "[-9223372036854775808,9223372036854775807)"},
	{"int8 empty", types.Int8rangeOID, rngR8(0, 0, rngEmpty, rngEmpty), rngFlags(rngFEmpty), "empty"},
	{"int4 multi {}", types.Int4multirangeOID, types.Multirange[int32]{},
		rngBE32(0), "{}"},
	{"int4 multi two", types.Int4multirangeOID, types.Multirange[int32]{rngR4(1, 3, rngInc, rngExc), rngR4(5, 7, rngInc, rngExc)},
		rngCat(rngBE32(2), // range count
			rngBE32(17), rngFlags(rngFLBInc), rngI4(1), rngI4(3), // length, [1,3)
			rngBE32(17), rngFlags(rngFLBInc), rngI4(5), rngI4(7)), // length, [5,7)
		"{[1,3),[5,7)}"},
	{"int4 multi unbounded", types.Int4multirangeOID, types.Multirange[int32]{rngR4(0, 0, rngUnb, rngExc), rngR4(9, 0, rngInc, rngUnb)},
		rngCat(rngBE32(2),
			rngBE32(9), rngFlags(rngFLBInf), rngI4(0), // (,0)
			rngBE32(9), rngFlags(rngFLBInc|rngFUBInf), rngI4(9)), // [9,)
		"{(,0),[9,)}"},
	{"int8 multi one", types.Int8multirangeOID, types.Multirange[int64]{rngR8(-1, 1, rngInc, rngExc)},
		rngCat(rngBE32(1), rngBE32(25), rngFlags(rngFLBInc), rngI8(-1), rngI8(1)), "{[-1,1)}"},
}

func rngType(t testing.TB, m *types.Map, oid uint32) *types.Type {
	t.Helper()
	typ, ok := m.TypeForOID(oid)
	if !ok {
		t.Fatalf("type %d not registered", oid)
	}
	return typ
}

func TestRangeCodecForms(t *testing.T) {
	m := types.Default()
	for _, c := range rngCases {
		t.Run(c.name, func(t *testing.T) {
			typ := rngType(t, m, c.oid)
			if got := typ.Codec.PreferredFormat(); got != types.BinaryFormat {
				t.Errorf("preferred format %v, want binary", got)
			}
			for _, f := range []types.Format{types.BinaryFormat, types.TextFormat} {
				want := c.bin
				if f == types.TextFormat {
					want = []byte(c.text)
				}
				prefix := []byte("prefix")
				got, null, err := m.EncodeFormat(typ, f, c.value, prefix)
				if err != nil || null {
					t.Fatalf("encode %s: %v (null %v)", f, err, null)
				}
				if !bytes.Equal(got[len(prefix):], want) || !bytes.HasPrefix(got, prefix) {
					t.Errorf("encode %s: got %q, want %q", f, got, want)
				}
				dst := reflect.New(reflect.TypeOf(c.value))
				if err := m.Scan(typ, f, want, dst.Interface()); err != nil {
					t.Fatalf("scan %s: %v", f, err)
				}
				if diff := cmp.Diff(c.value, dst.Elem().Interface()); diff != "" {
					t.Errorf("scan %s: (-want +got)\n%s", f, diff)
				}
				// The natural value encodes to the same bytes.
				var v any
				if err := m.Scan(typ, f, want, &v); err != nil {
					t.Fatalf("scan %s into *any: %v", f, err)
				}
				again, _, err := m.EncodeFormat(typ, f, v, nil)
				if err != nil || !bytes.Equal(again, want) {
					t.Errorf("natural %#v re-encodes in %s as %q (%v), want %q", v, f, again, err, want)
				}
				// *string is the text form in both formats.
				var s string
				if err := m.Scan(typ, f, want, &s); err != nil || s != c.text {
					t.Errorf("scan %s into *string: %q, %v; want %q", f, s, err, c.text)
				}
			}
			// Every strict prefix of the binary form is malformed.
			for n := range len(c.bin) {
				var v any
				err := m.Scan(typ, types.BinaryFormat, c.bin[:n:n], &v)
				var me *types.MalformedError
				if !errors.As(err, &me) {
					t.Errorf("prefix %x: got %v, want a MalformedError", c.bin[:n], err)
				}
				dst := reflect.New(reflect.TypeOf(c.value))
				if err := m.Scan(typ, types.BinaryFormat, c.bin[:n:n], dst.Interface()); err == nil {
					t.Errorf("prefix %x into %T: no error", c.bin[:n], dst.Interface())
				}
			}
		})
	}
}

func TestRangeNatural(t *testing.T) {
	m := types.Default()
	var v any
	if err := m.Scan(rngType(t, m, types.Int4rangeOID), types.BinaryFormat, rngCat(rngFlags(rngFLBInc|rngFUBInf), rngI4(2)), &v); err != nil {
		t.Fatal(err)
	}
	want := types.Range[any]{Lower: int32(2), LowerType: rngInc, UpperType: rngUnb}
	if diff := cmp.Diff(want, v); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if err := m.Scan(rngType(t, m, types.Int8multirangeOID), types.TextFormat, []byte("{[1,2), empty}"), &v); err != nil {
		t.Fatal(err)
	}
	wantM := types.Multirange[any]{
		{Lower: int64(1), Upper: int64(2), LowerType: rngInc, UpperType: rngExc},
		{LowerType: rngEmpty, UpperType: rngEmpty},
	}
	if diff := cmp.Diff(wantM, v); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// TestRangeBinaryFlags: range_recv ignores the flags it does not know and
// lets an infinite or rngEmpty flag override the others.
func TestRangeBinaryFlags(t *testing.T) {
	m := types.Default()
	typ := rngType(t, m, types.Int4rangeOID)
	for _, c := range []struct {
		name string
		src  []byte
		want types.Range[int32]
	}{
		{"empty with other flags", rngFlags(rngFEmpty | rngFLBInc | rngFUBInf), rngR4(0, 0, rngEmpty, rngEmpty)},
		{"infinite and inclusive", rngFlags(rngFLBInf | rngFLBInc | rngFUBInf | rngFUBInc), rngR4(0, 0, rngUnb, rngUnb)},
		{"null and contain-empty flags ignored", rngCat(rngFlags(0x20|0x40|0x80|rngFLBInc), rngI4(1), rngI4(2)), rngR4(1, 2, rngInc, rngExc)},
	} {
		got := rngR4(7, 7, rngInc, rngInc) // overwritten, values of absent bounds zeroed
		if err := m.Scan(typ, types.BinaryFormat, c.src, &got); err != nil {
			t.Errorf("%s: %v", c.name, err)
		} else if got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestRangeMalformed(t *testing.T) {
	m := types.Default()
	for _, c := range []struct {
		oid uint32
		f   types.Format
		src string
	}{
		{types.Int4rangeOID, types.BinaryFormat, string(rngCat(rngFlags(rngFEmpty), []byte{0}))},                             // data after rngEmpty
		{types.Int4rangeOID, types.BinaryFormat, string(rngCat(rngFlags(rngFLBInc), rngI4(1), rngI4(2), []byte{0}))},         // data after upper
		{types.Int4rangeOID, types.BinaryFormat, string(rngCat(rngFlags(rngFLBInc), rngBE32(0xFFFFFFFF), rngI4(2)))},         // negative length
		{types.Int4rangeOID, types.BinaryFormat, string(rngCat(rngFlags(rngFLBInc), rngBE32(0x7FFFFFFF), rngI4(2)))},         // length past end
		{types.Int4rangeOID, types.BinaryFormat, string(rngCat(rngFlags(rngFLBInc), rngBE32(3), []byte{0, 0, 1}, rngI4(2)))}, // int4 of 3 bytes
		{types.Int4multirangeOID, types.BinaryFormat, string(rngBE32(0xFFFFFFFF))},                                           // huge count
		{types.Int4multirangeOID, types.BinaryFormat, string(rngCat(rngBE32(2), rngBE32(1), rngFlags(rngFEmpty), rngBE32(1), rngFlags(rngFEmpty), []byte{0}))},
		{types.Int4multirangeOID, types.BinaryFormat, string(rngCat(rngBE32(1), rngBE32(0)))},                                 // zero-length range
		{types.Int4multirangeOID, types.BinaryFormat, string(rngCat(rngBE32(1), rngBE32(2), rngFlags(rngFEmpty), []byte{0}))}, // range with junk
		{types.Int4multirangeOID, types.BinaryFormat, string(rngCat(rngBE32(0x80000001), rngBE32(1), rngFlags(rngFEmpty)))},   // negative count

		{types.Int4rangeOID, types.TextFormat, ""},
		{types.Int4rangeOID, types.TextFormat, "   "},
		{types.Int4rangeOID, types.TextFormat, "empt"},
		{types.Int4rangeOID, types.TextFormat, "empty x"},
		{types.Int4rangeOID, types.TextFormat, "emptyempty"},
		{types.Int4rangeOID, types.TextFormat, "1,5)"},
		{types.Int4rangeOID, types.TextFormat, "{1,5)"},
		{types.Int4rangeOID, types.TextFormat, "["},
		{types.Int4rangeOID, types.TextFormat, "[1"},
		{types.Int4rangeOID, types.TextFormat, "[1,"},
		{types.Int4rangeOID, types.TextFormat, "[1,5"},
		{types.Int4rangeOID, types.TextFormat, "[1)"},
		{types.Int4rangeOID, types.TextFormat, "[1,5,6)"},
		{types.Int4rangeOID, types.TextFormat, "[1,5)x"},
		{types.Int4rangeOID, types.TextFormat, "[1,5) )"},
		{types.Int4rangeOID, types.TextFormat, `["1,5)`},
		{types.Int4rangeOID, types.TextFormat, `[1\`},
		{types.Int4rangeOID, types.TextFormat, `[1,5\)`},
		{types.Int4rangeOID, types.TextFormat, "[a,5)"},
		{types.Int4rangeOID, types.TextFormat, `["",5)`}, // a quoted empty bound is "", not unbounded
		{types.Int4rangeOID, types.TextFormat, "[1,2147483648)"},
		{types.Int4multirangeOID, types.TextFormat, ""},
		{types.Int4multirangeOID, types.TextFormat, "[1,2)"},
		{types.Int4multirangeOID, types.TextFormat, "{"},
		{types.Int4multirangeOID, types.TextFormat, "{[1,2)"},
		{types.Int4multirangeOID, types.TextFormat, "{[1,2),}"},
		{types.Int4multirangeOID, types.TextFormat, "{,}"},
		{types.Int4multirangeOID, types.TextFormat, "{[1,2) [3,4)}"},
		{types.Int4multirangeOID, types.TextFormat, "{[1,2)} x"},
		{types.Int4multirangeOID, types.TextFormat, "{x}"},
		{types.Int4multirangeOID, types.TextFormat, "{emptyx}"},
		{types.Int4multirangeOID, types.TextFormat, `{["1,2)}`},
		{types.Int4multirangeOID, types.TextFormat, `{[1,2\)}`},
		{types.Int4multirangeOID, types.TextFormat, "{[1,2]]}"},
		{types.Int4multirangeOID, types.TextFormat, "{[1,x)}"},
	} {
		typ := rngType(t, m, c.oid)
		var v any
		if err := m.Scan(typ, c.f, []byte(c.src), &v); err == nil {
			t.Errorf("%s %s %q: decoded as %#v, want an error", typ.Name, c.f, c.src, v)
		}
		var s string
		if err := m.Scan(typ, c.f, []byte(c.src), &s); err == nil {
			t.Errorf("%s %s %q: decoded as %q, want an error", typ.Name, c.f, c.src, s)
		}
	}
}

// TestRangeTextAccepted covers input the server never writes but
// range_in and multirange_in accept.
func TestRangeTextAccepted(t *testing.T) {
	m := types.Default()
	i4r := rngType(t, m, types.Int4rangeOID)
	for src, want := range map[string]types.Range[int32]{
		"  EmPtY \t":  rngR4(0, 0, rngEmpty, rngEmpty),
		" [1,5) ":     rngR4(1, 5, rngInc, rngExc),
		`["1","5")`:   rngR4(1, 5, rngInc, rngExc),
		`[\1,"5"]`:    rngR4(1, 5, rngInc, rngInc),
		`(,"-3"]`:     rngR4(0, -3, rngUnb, rngInc),
		`(,)`:         rngR4(0, 0, rngUnb, rngUnb),
		`[,]`:         rngR4(0, 0, rngUnb, rngUnb), // no bound is unbounded, whatever the bracket
		`["1""",5)`:   {},                          // 1" is no int4
		`[+1,5)`:      rngR4(1, 5, rngInc, rngExc),
		`["1"2"3",5)`: rngR4(123, 5, rngInc, rngExc),
	} {
		var got types.Range[int32]
		err := m.Scan(i4r, types.TextFormat, []byte(src), &got)
		if want == (types.Range[int32]{}) {
			if err == nil {
				t.Errorf("%q: decoded as %+v, want an error", src, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("%q: got %+v, %v; want %+v", src, got, err, want)
		}
	}
	i4m := rngType(t, m, types.Int4multirangeOID)
	for src, want := range map[string]types.Multirange[int32]{
		" { } ":                   {},
		"{ [1,2) , ( 3 , 4 ] }":   nil, // " 3 " is no int4 for this codec (the server trims it)
		"{[1,2),EMPTY , (3,4]}  ": {rngR4(1, 2, rngInc, rngExc), rngR4(0, 0, rngEmpty, rngEmpty), rngR4(3, 4, rngExc, rngInc)},
		`{["1",")"), [")",4]}`:    nil, // ")" is no int4, but the ranges split where the server splits them
		`{[1,"2"""), (\,,4]}`:     nil,
		"{\t[1,2)\n,\r[3,4)\f}\v": {rngR4(1, 2, rngInc, rngExc), rngR4(3, 4, rngInc, rngExc)},
		`{["1","2"),["3",4)}`:     {rngR4(1, 2, rngInc, rngExc), rngR4(3, 4, rngInc, rngExc)},
	} {
		var got types.Multirange[int32]
		err := m.Scan(i4m, types.TextFormat, []byte(src), &got)
		if want == nil {
			if err == nil {
				t.Errorf("%q: decoded as %+v, want an error", src, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", src, err)
		} else if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q: (-want +got)\n%s", src, diff)
		}
	}
}

// rngTextTypes returns a range of text and its multirange, for the
// quoting rules; their OIDs are made up.
func rngTextTypes() (*types.Map, *types.Type, *types.Type) {
	m := types.NewMap()
	rt := &types.Type{Name: "textrange", OID: 900001, Codec: types.RangeCodec{Elem: m.TypeOrUnknown(types.TextOID)}}
	m.Register(rt)
	mt := &types.Type{Name: "textmultirange", OID: 900002, Codec: types.MultirangeCodec{Range: rt}}
	m.Register(mt)
	return m, rt, mt
}

func TestRangeTextQuoting(t *testing.T) {
	m, rt, mt := rngTextTypes()
	rs := func(lo, up string) types.Range[string] {
		return types.Range[string]{Lower: lo, Upper: up, LowerType: rngInc, UpperType: rngExc}
	}
	for _, c := range []struct {
		value types.Range[string]
		text  string
	}{
		{rs("a", "b"), `[a,b)`},
		{rs("", "b"), `["",b)`},
		{rs("a,b", "c d"), `["a,b","c d")`},
		{rs(`q"`, `b\`), `["q""","b\\")`},
		{rs("(", "]"), `["(","]")`},
		{rs("empty", "{x}"), `[empty,{x})`},
		{rs("\t", "\n"), "[\"\t\",\"\n\")"},
		{types.Range[string]{LowerType: rngUnb, UpperType: rngUnb}, `(,)`},
		{types.Range[string]{Lower: "ignored", LowerType: rngUnb, Upper: "", UpperType: rngInc}, `(,""]`},
	} {
		got, _, err := m.EncodeFormat(rt, types.TextFormat, c.value, nil)
		if err != nil || string(got) != c.text {
			t.Errorf("encode %#v: %s, %v; want %s", c.value, got, err, c.text)
		}
		var back types.Range[string]
		if err := m.Scan(rt, types.TextFormat, []byte(c.text), &back); err != nil {
			t.Errorf("scan %s: %v", c.text, err)
			continue
		}
		want := c.value
		if want.LowerType == rngUnb {
			want.Lower = ""
		}
		if back != want {
			t.Errorf("scan %s: got %#v, want %#v", c.text, back, want)
		}
	}
	// Backslashes and doubled quotes, in and out of quotes.
	var got types.Range[string]
	if err := m.Scan(rt, types.TextFormat, []byte(`[a\,b"c""d\"e"f,"")`), &got); err != nil || got != rs(`a,bc"d"ef`, "") {
		t.Errorf("got %#v, %v", got, err)
	}
	mr := types.Multirange[string]{rs("a)", "b"), rs(`"`, "{}")}
	text, _, err := m.EncodeFormat(mt, types.TextFormat, mr, nil)
	// Braces need no quotes inside a range.
	if want := `{["a)",b),["""",{})}`; err != nil || string(text) != want {
		t.Errorf("multirange: %s, %v; want %s", text, err, want)
	}
	var back types.Multirange[string]
	if err := m.Scan(mt, types.TextFormat, text, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mr, back); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if got, want := rt.Codec.PreferredFormat(), m.TypeOrUnknown(types.TextOID).Codec.PreferredFormat(); got != want {
		t.Errorf("text range preferred format %v, want %v as its element's", got, want)
	}
}

func TestRangeEncodeErrors(t *testing.T) {
	m := types.Default()
	i4r := rngType(t, m, types.Int4rangeOID)
	i4m := rngType(t, m, types.Int4multirangeOID)
	for _, c := range []struct {
		typ   *types.Type
		value any
		msg   string
	}{
		{i4r, types.Range[int32]{Lower: 1, Upper: 2}, "invalid range bound types"},
		{i4r, types.Range[int32]{LowerType: rngInc, UpperType: types.BoundType(9)}, "invalid range bound types"},
		{i4r, types.Range[int32]{LowerType: rngEmpty, UpperType: rngInc}, "an empty range has both"},
		{i4r, types.Range[*int32]{LowerType: rngInc, UpperType: rngUnb}, "lower bound is NULL"},
		{i4r, types.Range[any]{Lower: 1, LowerType: rngInc, UpperType: rngExc}, "upper bound is NULL"},
		{i4r, rngR8(1, math.MaxInt64, rngInc, rngExc), "upper bound: cannot encode int64 as int4"},
		{i4r, types.Range[bool]{LowerType: rngInc, UpperType: rngUnb}, "lower bound: cannot encode bool as int4"},
		{i4r, 5, "unsupported"},
		{i4r, types.Multirange[int32]{}, "unsupported"},
		{i4m, rngR4(1, 2, rngInc, rngExc), "unsupported"},
		{i4m, types.Multirange[int32]{rngR4(1, 2, rngInc, rngExc), {}}, "range 2: cannot encode types.Range[int32] as int4range: invalid range bound types"},
	} {
		for _, f := range []types.Format{types.BinaryFormat, types.TextFormat} {
			out, _, err := m.EncodeFormat(c.typ, f, c.value, []byte("keep"))
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%s %s %#v: %v, want an error with %q", c.typ.Name, f, c.value, err, c.msg)
			}
			if string(out) != "keep" {
				t.Errorf("%s %s %#v: buffer %q after an error", c.typ.Name, f, c.value, out)
			}
		}
	}
	// A nil pointer is NULL; a string is text for the server to parse.
	if _, null, err := m.EncodeFormat(i4r, types.BinaryFormat, (*types.Range[int32])(nil), nil); err != nil || !null {
		t.Errorf("nil *Range: null %v, %v", null, err)
	}
	if out, f, _, err := m.Encode(i4m, "{[1,2)}", nil); err != nil || f != types.TextFormat || string(out) != "{[1,2)}" {
		t.Errorf("string: %q %v %v", out, f, err)
	}
}

func TestRangeScanErrors(t *testing.T) {
	m := types.Default()
	i8r := rngType(t, m, types.Int8rangeOID)
	var r types.Range[int32]
	err := m.Scan(i8r, types.BinaryFormat, rngCat(rngFlags(rngFLBInc), rngI8(1), rngI8(1<<40)), &r)
	if err == nil || !strings.Contains(err.Error(), "cannot scan int8range into *types.Range[int32]: upper bound: cannot scan int8 into *int32") {
		t.Errorf("out of range bound: %v", err)
	}
	var ce *types.ConversionError
	if !errors.As(err, &ce) || ce.PGType != "int8range" {
		t.Errorf("error %v is not the range's ConversionError", err)
	}
	var b bool
	if err := m.Scan(i8r, types.BinaryFormat, rngFlags(rngFEmpty), &b); err == nil {
		t.Error("range into *bool: no error")
	}
	// NULL: pointers, slices and sql.Null; not a Range.
	var mr types.Multirange[int64] = types.Multirange[int64]{}
	if err := m.Scan(rngType(t, m, types.Int8multirangeOID), types.BinaryFormat, nil, &mr); err != nil || mr != nil {
		t.Errorf("NULL multirange: %v, %v", mr, err)
	}
	if err := m.Scan(i8r, types.BinaryFormat, nil, &r); !errors.Is(err, types.ErrNull) {
		t.Errorf("NULL into *Range: %v", err)
	}
}

// TestMultirangeReuse: scanning reuses the destination's capacity, and an
// rngEmpty multirange is rngEmpty, not nil.
func TestMultirangeReuse(t *testing.T) {
	m := types.Default()
	typ := rngType(t, m, types.Int4multirangeOID)
	mr := make(types.Multirange[int32], 1, 4)
	mr[0] = rngR4(9, 9, rngInc, rngInc)
	base := &mr[0]
	src := rngCat(rngBE32(2), // {[1,3),[5,7)}
		rngBE32(17), rngFlags(rngFLBInc), rngI4(1), rngI4(3),
		rngBE32(17), rngFlags(rngFLBInc), rngI4(5), rngI4(7))
	if err := m.Scan(typ, types.BinaryFormat, src, &mr); err != nil {
		t.Fatal(err)
	}
	if len(mr) != 2 || &mr[0] != base {
		t.Errorf("capacity not reused: len %d", len(mr))
	}
	var none types.Multirange[int32]
	if err := m.Scan(typ, types.TextFormat, []byte("{}"), &none); err != nil || none == nil || len(none) != 0 {
		t.Errorf("{}: %#v, %v", none, err)
	}
}

// rngFuzzTypes are the types FuzzRangeDecode decodes, each with a typed
// destination.
func rngFuzzTypes(tb testing.TB) (*types.Map, []rngFuzzType) {
	m, textRange, textMulti := rngTextTypes()
	return m, []rngFuzzType{
		{rngType(tb, m, types.Int4rangeOID), func() any { return new(types.Range[int32]) }},
		{rngType(tb, m, types.Int8rangeOID), func() any { return new(types.Range[int64]) }},
		{rngType(tb, m, types.Int4multirangeOID), func() any { return new(types.Multirange[int32]) }},
		{rngType(tb, m, types.Int8multirangeOID), func() any { return new(types.Multirange[int64]) }},
		{textRange, func() any { return new(types.Range[string]) }},
		{textMulti, func() any { return new(types.Multirange[string]) }},
	}
}

type rngFuzzType struct {
	typ *types.Type
	dst func() any
}

func FuzzRangeDecode(f *testing.F) {
	m, kinds := rngFuzzTypes(f)
	kindOf := map[uint32]byte{}
	for i, k := range kinds {
		kindOf[k.typ.OID] = byte(i)
	}
	for _, c := range rngCases {
		f.Add(kindOf[c.oid], true, c.bin)
		f.Add(kindOf[c.oid], false, []byte(c.text))
	}
	for _, s := range []string{`["a,b","c""d")`, `[\"x,"y\\")`, `(,"")`, "empty"} {
		f.Add(byte(4), false, []byte(s))
	}
	for _, s := range []string{`{["a)",b), [c,"{}")}`, `{ empty , ["",)}`, "{}"} {
		f.Add(byte(5), false, []byte(s))
	}
	f.Fuzz(func(t *testing.T, kind byte, bin bool, data []byte) {
		if data == nil {
			data = []byte{} // nil is NULL
		}
		k := kinds[int(kind)%len(kinds)]
		format := types.TextFormat
		if bin {
			format = types.BinaryFormat
		}
		typedErr := m.Scan(k.typ, format, data, k.dst())
		var s string
		_ = m.Scan(k.typ, format, data, &s)
		var v any
		if err := m.Scan(k.typ, format, data, &v); err != nil {
			return
		}
		if typedErr != nil && k.typ.OID != 900001 && k.typ.OID != 900002 {
			// The natural value's element types are the typed
			// destination's (text's binary natural is []byte).
			t.Fatalf("%q decodes into *any as %#v but not into %T: %v", data, v, k.dst(), typedErr)
		}
		enc, null, err := m.EncodeFormat(k.typ, format, v, nil)
		if err != nil {
			if errors.Is(err, types.ErrUnsupported) {
				return // text's []byte natural in binary
			}
			t.Fatalf("re-encode %#v: %v", v, err)
		}
		if null {
			t.Fatalf("re-encode %#v: NULL", v)
		}
		var again any
		if err := m.Scan(k.typ, format, enc, &again); err != nil {
			t.Fatalf("decode re-encoded %q: %v", enc, err)
		}
		if !reflect.DeepEqual(v, again) {
			t.Fatalf("%q decodes as %#v, re-encodes as %q, decodes as %#v", data, v, enc, again)
		}
	})
}

func BenchmarkDecodeRange(b *testing.B) {
	m := types.Default()
	i4r := rngType(b, m, types.Int4rangeOID)
	i4m := rngType(b, m, types.Int4multirangeOID)
	rangeBin := rngCat(rngFlags(rngFLBInc), rngI4(1), rngI4(5))
	multiBin := rngCat(rngBE32(3),
		rngBE32(17), rngFlags(rngFLBInc), rngI4(1), rngI4(3),
		rngBE32(17), rngFlags(rngFLBInc), rngI4(5), rngI4(7),
		rngBE32(9), rngFlags(rngFLBInc|rngFUBInf), rngI4(9))
	b.Run("int4range/binary", func(b *testing.B) {
		var r types.Range[int32]
		b.ReportAllocs()
		for b.Loop() {
			if err := m.Scan(i4r, types.BinaryFormat, rangeBin, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("int4range/text", func(b *testing.B) {
		var r types.Range[int32]
		src := []byte("[1,5)")
		b.ReportAllocs()
		for b.Loop() {
			if err := m.Scan(i4r, types.TextFormat, src, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("int4range/binary/any", func(b *testing.B) {
		var v any
		b.ReportAllocs()
		for b.Loop() {
			if err := m.Scan(i4r, types.BinaryFormat, rangeBin, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("int4multirange/binary", func(b *testing.B) {
		var mr types.Multirange[int32]
		b.ReportAllocs()
		for b.Loop() {
			if err := m.Scan(i4m, types.BinaryFormat, multiBin, &mr); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("int4multirange/text", func(b *testing.B) {
		var mr types.Multirange[int32]
		src := []byte("{[1,3),[5,7),[9,)}")
		b.ReportAllocs()
		for b.Loop() {
			if err := m.Scan(i4m, types.TextFormat, src, &mr); err != nil {
				b.Fatal(err)
			}
		}
	})
}
