package types_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon/types"
)

// BenchmarkScan measures the reference decodes through Map.Scan,
// the path Rows.Scan takes: binary format, into destinations allocated once.
// Fixed-size types must show 0 allocs/op.
func BenchmarkScan(b *testing.B) {
	m := types.NewMap()
	typ := func(oid uint32) *types.Type {
		t, ok := m.TypeForOID(oid)
		if !ok {
			b.Fatalf("oid %d not registered", oid)
		}
		return t
	}
	enc := func(t *types.Type, v any) []byte {
		buf, _, err := m.EncodeFormat(t, types.BinaryFormat, v, nil)
		if err != nil {
			b.Fatal(err)
		}
		return buf
	}
	ints := make([]int32, 1000)
	for i := range ints {
		ints[i] = int32(i * 7919)
	}
	ts := time.Date(2026, 11, 22, 8, 30, 15, 123456000, time.UTC)
	cases := []struct {
		name string
		typ  *types.Type
		src  []byte
		dst  any
	}{
		{"int4", typ(types.Int4OID), enc(typ(types.Int4OID), int32(123456)), new(int32)},
		{"int8", typ(types.Int8OID), enc(typ(types.Int8OID), int64(1)<<40), new(int64)},
		{"float8", typ(types.Float8OID), enc(typ(types.Float8OID), 3.25), new(float64)},
		{"bool", typ(types.BoolOID), enc(typ(types.BoolOID), true), new(bool)},
		{"text/string", typ(types.TextOID), enc(typ(types.TextOID), "hello, world"), new(string)},
		{"text/bytes", typ(types.TextOID), enc(typ(types.TextOID), "hello, world"), &[]byte{}},
		{"timestamptz", typ(types.TimestamptzOID), enc(typ(types.TimestamptzOID), ts), new(time.Time)},
		{"date", typ(types.DateOID), enc(typ(types.DateOID), ts), new(time.Time)},
		{"numeric/string", typ(types.NumericOID), enc(typ(types.NumericOID), "12345.6789"), new(string)},
		{"numeric/float64", typ(types.NumericOID), enc(typ(types.NumericOID), "12345.6789"), new(float64)},
		{"numeric/Numeric", typ(types.NumericOID), enc(typ(types.NumericOID), "12345.6789"), new(types.Numeric)},
		{"uuid", typ(types.UUIDOID), enc(typ(types.UUIDOID), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), new(types.UUID)},
		{"int4[1000]/[]int32", typ(types.Int4ArrayOID), enc(typ(types.Int4ArrayOID), ints), &[]int32{}},
		{"int4[1000]/[]any", typ(types.Int4ArrayOID), enc(typ(types.Int4ArrayOID), ints), &[]any{}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.src)))
			for b.Loop() {
				if err := m.Scan(c.typ, types.BinaryFormat, c.src, c.dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncode measures parameter encoding through Map.Encode.
func BenchmarkEncode(b *testing.B) {
	m := types.NewMap()
	ints := make([]int32, 1000)
	ts := time.Date(2026, 11, 22, 8, 30, 15, 123456000, time.UTC)
	for _, c := range []struct {
		name string
		oid  uint32
		v    any
	}{
		{"int4", types.Int4OID, int32(123456)},
		{"text", types.TextOID, "hello, world"},
		{"timestamptz", types.TimestamptzOID, ts},
		{"numeric/string", types.NumericOID, "12345.6789"},
		{"int4[1000]", types.Int4ArrayOID, ints},
	} {
		t, _ := m.TypeForOID(c.oid)
		buf := make([]byte, 0, 8192)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if _, _, _, err = m.Encode(t, c.v, buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Fixed-size types decode into preallocated destinations without
// allocating (the race detector's instrumentation allocates, so the count
// is checked only without it).
func TestScanFixedSizeAllocs(t *testing.T) {
	m := types.NewMap()
	at := time.Date(2026, 11, 22, 8, 30, 15, 123456000, time.UTC)
	ints := make([]int32, 1000)
	for _, c := range []struct {
		oid uint32
		v   any
		dst any
	}{
		{types.BoolOID, true, new(bool)},
		{types.Int2OID, int16(7), new(int16)},
		{types.Int4OID, int32(7), new(int32)},
		{types.Int8OID, int64(7), new(int64)},
		{types.Int8OID, int64(7), new(int)},
		{types.Float4OID, float32(1.5), new(float32)},
		{types.Float8OID, 1.5, new(float64)},
		{types.OIDOID, uint32(7), new(uint32)},
		{types.DateOID, at, new(time.Time)},
		{types.TimestampOID, at, new(time.Time)},
		{types.TimestamptzOID, at, new(time.Time)},
		{types.TimeOID, types.Time{Microseconds: 1}, new(types.Time)},
		{types.IntervalOID, types.Interval{Days: 1}, new(types.Interval)},
		{types.UUIDOID, types.UUID{1}, new(types.UUID)},
		{types.PointOID, types.Point{X: 1, Y: 2}, new(types.Point)},
		{types.PgLSNOID, types.LSN(7), new(types.LSN)},
		{types.InetOID, "10.0.0.1/8", new(netip.Prefix)},
		{types.Int4ArrayOID, ints, &[]int32{}},
		{types.Int4rangeOID, types.Range[int32]{Lower: 1, Upper: 5, LowerType: types.Inclusive, UpperType: types.Exclusive}, new(types.Range[int32])},
	} {
		typ, _ := m.TypeForOID(c.oid)
		src, _, err := m.EncodeFormat(typ, types.BinaryFormat, c.v, nil)
		if err != nil {
			t.Fatalf("%s: %v", typ.Name, err)
		}
		if err := m.Scan(typ, types.BinaryFormat, src, c.dst); err != nil {
			t.Fatalf("%s: %v", typ.Name, err)
		}
		allocs := testing.AllocsPerRun(100, func() {
			if err := m.Scan(typ, types.BinaryFormat, src, c.dst); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 && !raceEnabled {
			t.Errorf("scan %s into %T: %v allocs, want 0", typ.Name, c.dst, allocs)
		}
	}
}
