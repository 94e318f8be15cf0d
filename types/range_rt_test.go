package types_test

import (
	"encoding/hex"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon/types"
)

// r4 and r8 build int4range and int8range values.
func rngR4(lo, up int32, lt, ut types.BoundType) types.Range[int32] {
	return types.Range[int32]{Lower: lo, Upper: up, LowerType: lt, UpperType: ut}
}

func rngR8(lo, up int64, lt, ut types.BoundType) types.Range[int64] {
	return types.Range[int64]{Lower: lo, Upper: up, LowerType: lt, UpperType: ut}
}

const (
	rngInc   = types.Inclusive
	rngExc   = types.Exclusive
	rngUnb   = types.Unbounded
	rngEmpty = types.Empty
)

func TestRoundTripRange(t *testing.T) {
	runRoundTrip(t, []rtCase{
		{Type: "int4range", Literal: "'empty'", Value: rngR4(0, 0, rngEmpty, rngEmpty)},
		{Type: "int4range", Literal: "'[1,5)'", Value: rngR4(1, 5, rngInc, rngExc)},
		{Type: "int4range", Literal: "'(,3]'", Value: rngR4(0, 3, rngUnb, rngInc), Want: rngR4(0, 4, rngUnb, rngExc)},
		{Type: "int4range", Literal: "'(,4)'", Value: rngR4(0, 4, rngUnb, rngExc)},
		{Type: "int4range", Literal: "'[2,)'", Value: rngR4(2, 0, rngInc, rngUnb)},
		{Type: "int4range", Literal: "'(,)'", Value: rngR4(0, 0, rngUnb, rngUnb)},
		{Name: "int4range canonical (1,5] is [2,6)", Type: "int4range", Literal: "'(1,5]'",
			Value: rngR4(1, 5, rngExc, rngInc), Want: rngR4(2, 6, rngInc, rngExc)},
		{Name: "int4range (3,4) is empty", Type: "int4range", Literal: "'(3,4)'",
			Value: rngR4(3, 4, rngExc, rngExc), Want: rngR4(0, 0, rngEmpty, rngEmpty)},
		{Type: "int4range", Literal: "'[-2147483648,2147483647)'", Value: rngR4(math.MinInt32, math.MaxInt32, rngInc, rngExc)},
		{Name: "int4range into Range[int]", Type: "int4range", Literal: "'[-7,8)'",
			Value: types.Range[int]{Lower: -7, Upper: 8, LowerType: rngInc, UpperType: rngExc}},
		{Name: "int4range into Range[any]", Type: "int4range", Literal: "'[1,5)'",
			Value: types.Range[any]{Lower: 1, Upper: int64(5), LowerType: rngInc, UpperType: rngExc},
			Want:  types.Range[any]{Lower: int32(1), Upper: int32(5), LowerType: rngInc, UpperType: rngExc}},
		{Name: "int4range into *string", Type: "int4range", Literal: "'[1,5)'", Value: "[1,5)"},
		{Name: "int4range from string", Type: "int4range", Literal: "'[1,5)'", Value: " ( 0 , 5 ) ", Want: rngR4(1, 5, rngInc, rngExc)},
		{Name: "int4range pointer", Type: "int4range", Literal: "'[1,5)'", Value: rngPtr(rngR4(1, 5, rngInc, rngExc)), Want: rngR4(1, 5, rngInc, rngExc)},
		{Type: "int4range", Literal: "NULL", Value: nil, Want: (*types.Range[int32])(nil)},
		{Type: "int8range", Literal: "'[-9223372036854775808,9223372036854775807)'",
			Value: rngR8(math.MinInt64, math.MaxInt64, rngInc, rngExc)},
		{Type: "int8range", Literal: "'empty'", Value: rngR8(0, 0, rngEmpty, rngEmpty)},
		{Type: "int8range", Literal: "'(,0)'", Value: rngR8(0, 0, rngUnb, rngExc)},
		{Name: "int8range from Range[int32]", Type: "int8range", Literal: "'[1,5)'", Value: rngR4(1, 5, rngInc, rngExc), Want: rngR8(1, 5, rngInc, rngExc)},

		{Type: "int4multirange", Literal: "'{}'", Value: types.Multirange[int32]{}},
		{Type: "int4multirange", Literal: "'{[1,3), [5,7)}'",
			Value: types.Multirange[int32]{rngR4(1, 3, rngInc, rngExc), rngR4(5, 7, rngInc, rngExc)}},
		{Name: "int4multirange merges", Type: "int4multirange", Literal: "'{[1,3),[2,5)}'",
			Value: types.Multirange[int32]{rngR4(1, 3, rngInc, rngExc), rngR4(2, 5, rngInc, rngExc)},
			Want:  types.Multirange[int32]{rngR4(1, 5, rngInc, rngExc)}},
		{Name: "int4multirange sorts and drops empty", Type: "int4multirange", Literal: "'{[8,9), empty, (,2]}'",
			Value: types.Multirange[int32]{rngR4(8, 9, rngInc, rngExc), rngR4(0, 0, rngEmpty, rngEmpty), rngR4(0, 2, rngUnb, rngInc)},
			Want:  types.Multirange[int32]{rngR4(0, 3, rngUnb, rngExc), rngR4(8, 9, rngInc, rngExc)}},
		{Name: "int4multirange into *string", Type: "int4multirange", Literal: "'{[1,3), [5,7)}'",
			Value: "{[1,3),[5,7)}"},
		{Type: "int4multirange", Literal: "NULL", Value: nil, Want: types.Multirange[int32](nil)},
		{Type: "int8multirange", Literal: "'{(,-9223372036854775807), [9223372036854775806,)}'",
			Value: types.Multirange[int64]{rngR8(0, math.MinInt64+1, rngUnb, rngExc), rngR8(math.MaxInt64-1, 0, rngInc, rngUnb)}},
		{Name: "int8multirange into Multirange[any]", Type: "int8multirange", Literal: "'{[1,2)}'",
			Value: types.Multirange[any]{{Lower: int64(1), Upper: int64(2), LowerType: rngInc, UpperType: rngExc}}},
	})
}

func rngPtr[T any](v T) *T { return &v }

// TestRoundTripRangeOtherElements covers the ranges over numeric, date,
// timestamp and timestamptz.
func TestRoundTripRangeOtherElements(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	rt := func(lo, up time.Time, lt, ut types.BoundType) types.Range[time.Time] {
		return types.Range[time.Time]{Lower: lo, Upper: up, LowerType: lt, UpperType: ut}
	}
	plus2 := time.FixedZone("+02", 2*3600)
	minus5 := time.FixedZone("-05", -5*3600)
	runRoundTrip(t, []rtCase{
		// numeric bounds: compared through the text form. The binary
		// read renders the natural types.Numeric bounds through the
		// numeric codec's text encoding.
		{Type: "numrange", Literal: "'[1.5,2.25)'",
			Value: types.Range[string]{Lower: "1.5", Upper: "2.25", LowerType: rngInc, UpperType: rngExc},
			Want:  "[1.5,2.25)"},
		{Type: "numrange", Literal: "'(,-0.001]'", Value: "(,-0.001]"},
		{Type: "numrange", Literal: "'empty'", Value: types.Range[string]{LowerType: rngEmpty, UpperType: rngEmpty}, Want: "empty"},
		{Type: "nummultirange", Literal: "'{[1.5,2.25), [3,)}'", Value: "{[1.5,2.25),[3,)}"},

		{Type: "daterange", Literal: "'[2020-01-01,2020-02-01)'",
			Value: rt(day(2020, 1, 1), day(2020, 2, 1), rngInc, rngExc)},
		{Name: "daterange canonical", Type: "daterange", Literal: "'(2020-01-01,2020-01-05]'",
			Value: rt(day(2020, 1, 1), day(2020, 1, 5), rngExc, rngInc), Want: rt(day(2020, 1, 2), day(2020, 1, 6), rngInc, rngExc)},
		// infinity is a value of date, not a missing bound. The binary
		// read renders the natural infinity through the date codec's
		// text encoding.
		{Type: "daterange", Literal: "'[2020-01-01,infinity)'", Value: "[2020-01-01,infinity)"},
		{Type: "daterange", Literal: "'(-infinity,2020-01-01)'", Value: "(-infinity,2020-01-01)"},
		{Type: "datemultirange", Literal: "'{[2020-01-01,2020-01-03), [2020-02-01,)}'",
			Value: types.Multirange[time.Time]{rt(day(2020, 1, 1), day(2020, 1, 3), rngInc, rngExc), rt(day(2020, 2, 1), time.Time{}, rngInc, rngUnb)}},

		{Type: "tsrange", Literal: `'["2020-01-01 10:00:00","2020-01-01 12:30:00.5")'`,
			Value: rt(time.Date(2020, 1, 1, 10, 0, 0, 0, time.UTC), time.Date(2020, 1, 1, 12, 30, 0, 5e8, time.UTC), rngInc, rngExc)},
		{Type: "tsrange", Literal: `'[-infinity,"2020-01-01 00:00:00"]'`, Value: `[-infinity,"2020-01-01 00:00:00"]`, Formats: textOnly},
		{Type: "tsmultirange", Literal: `'{["2020-01-01 10:00:00",)}'`,
			Value: types.Multirange[time.Time]{rt(time.Date(2020, 1, 1, 10, 0, 0, 0, time.UTC), time.Time{}, rngInc, rngUnb)}},

		{Type: "tstzrange", Literal: `'["2020-01-01 10:00:00+02","2020-01-01 12:00:00-05")'`,
			Value: rt(time.Date(2020, 1, 1, 10, 0, 0, 0, plus2), time.Date(2020, 1, 1, 12, 0, 0, 0, minus5), rngInc, rngExc)},
		{Type: "tstzrange", Literal: `'(,"2020-06-30 23:59:59.999999+00"]'`,
			Value: rt(time.Time{}, time.Date(2020, 6, 30, 23, 59, 59, 999999000, time.UTC), rngUnb, rngInc)},
		{Type: "tstzmultirange", Literal: `'{["2020-01-01 00:00:00+00","2020-01-02 00:00:00+00")}'`,
			Value: types.Multirange[time.Time]{rt(day(2020, 1, 1), day(2020, 1, 2), rngInc, rngExc)}},
	})
}

// TestRangeTextQuotingServer checks the text form's quoting against the
// server's range_out and multirange_out, with a range of text created for
// the test: the server's output must be exactly what the codec encodes,
// and decode back to the same strings.
func TestRangeTextQuotingServer(t *testing.T) {
	conn := rtConn(t)
	ctx := rtCtx(t)
	if _, err := conn.SimpleQuery(ctx, `drop type if exists rng_textrange cascade;
		create type rng_textrange as range (subtype = text, collation = "C")`); err != nil {
		t.Fatal(err)
	}
	res, err := conn.SimpleQuery(ctx, "select 'rng_textrange'::regtype::oid, 'rng_textmultirange'::regtype::oid")
	if err != nil {
		t.Fatal(err)
	}
	var rngOID, mrngOID uint32
	if _, err := fmt.Sscan(string(res[0].Rows[0][0])+" "+string(res[0].Rows[0][1]), &rngOID, &mrngOID); err != nil {
		t.Fatal(err)
	}
	m := types.NewMap()
	textRng := &types.Type{Name: "rng_textrange", OID: rngOID, Codec: types.RangeCodec{Elem: m.TypeOrUnknown(types.TextOID)}}
	m.Register(textRng)
	mrngType := &types.Type{Name: "rng_textmultirange", OID: mrngOID, Codec: types.MultirangeCodec{Range: textRng}}
	m.Register(mrngType)

	strs := []string{"a", "", "a,b", "x y", `q"uote`, `back\slash`, "(paren)", "[br]", "tab\there", "new\nline",
		"empty", "EMPTY", `"`, `\`, `""`, "ünï", "{brace}", "semi;colon", "NULL"}
	var mr types.Multirange[string]
	for _, s := range strs {
		for _, r := range []types.Range[string]{
			{Lower: s, Upper: s, LowerType: rngInc, UpperType: rngInc},
			{Lower: s, LowerType: rngInc, UpperType: rngUnb},
			{Upper: s, LowerType: rngUnb, UpperType: rngInc},
		} {
			text, null, err := m.EncodeFormat(textRng, types.TextFormat, r, nil)
			if err != nil || null {
				t.Fatalf("encode %q: %v", r, err)
			}
			rngCheckServerText(t, m, textRng, "rng_textrange", r, string(text))
		}
	}
	// Disjoint ranges in the server's order, so it returns them as sent.
	for _, s := range []string{"", "a,b", `b"`, `c\`, "d e", "{f}"} {
		mr = append(mr, types.Range[string]{Lower: s, Upper: s, LowerType: rngInc, UpperType: rngInc})
	}
	text, _, err := m.EncodeFormat(mrngType, types.TextFormat, mr, nil)
	if err != nil {
		t.Fatal(err)
	}
	rngCheckServerText(t, m, mrngType, "rng_textmultirange", mr, string(text))
}

// rngCheckServerText has the server read text as typ and checks that it
// writes it back unchanged, and that its text and binary forms decode to
// want.
func rngCheckServerText[V any](t *testing.T, m *types.Map, typ *types.Type, sqlType string, want V, text string) {
	t.Helper()
	sendFn := "range_send"
	if _, ok := typ.Codec.(types.MultirangeCodec); ok {
		sendFn = "multirange_send"
	}
	lit := quoteLiteral(text) + "::" + sqlType
	res, err := rtConn(t).SimpleQuery(rtCtx(t), fmt.Sprintf("select (%s)::text, encode(%s(%s), 'hex')", lit, sendFn, lit))
	if err != nil {
		t.Fatalf("%s: %v", lit, err)
	}
	src := res[0].Rows[0][0]
	if string(src) != text {
		t.Errorf("server writes %s as %q, codec encodes %q", lit, src, text)
	}
	var got V
	if err := m.Scan(typ, types.TextFormat, src, &got); err != nil {
		t.Errorf("scan text %q: %v", src, err)
	} else if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scan text %q: (-want +got)\n%s", src, diff)
	}
	bin, err := hex.DecodeString(string(res[0].Rows[0][1]))
	if err != nil {
		t.Fatal(err)
	}
	// Rendered through the element's text encoding: text's binary form
	// is the string's bytes, so this is the server's text form again.
	var rendered string
	if err := m.Scan(typ, types.BinaryFormat, bin, &rendered); err != nil {
		t.Errorf("scan binary %x into *string: %v", bin, err)
	} else if rendered != text {
		t.Errorf("binary %x renders as %q, want %q", bin, rendered, text)
	}
}
