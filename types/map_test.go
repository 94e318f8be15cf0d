package types_test

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon/types"
)

func int4(t *testing.T, m *types.Map) *types.Type {
	t.Helper()
	typ, ok := m.TypeForOID(types.Int4OID)
	if !ok {
		t.Fatal("int4 not registered")
	}
	return typ
}

var bin42 = []byte{0, 0, 0, 42}

type cents int64

type status string

type tiny int8

type scanRecorder struct{ got any }

func (s *scanRecorder) Scan(v any) error { s.got = v; return nil }

type valuer struct{ v driver.Value }

func (v valuer) Value() (driver.Value, error) { return v.v, nil }

type selfValuer struct{}

func (s selfValuer) Value() (driver.Value, error) { return s, nil }

type ptrValuer struct{ n int64 }

func (p *ptrValuer) Value() (driver.Value, error) { return p.n, nil }

// The conversions Map performs around every codec.
func TestMapScanConversions(t *testing.T) {
	m := types.NewMap()
	i4 := int4(t, m)

	var c cents
	if err := m.Scan(i4, types.BinaryFormat, bin42, &c); err != nil || c != 42 {
		t.Errorf("named int type: %v %v", c, err)
	}
	var p *int32
	if err := m.Scan(i4, types.BinaryFormat, bin42, &p); err != nil || p == nil || *p != 42 {
		t.Errorf("**int32: %v %v", p, err)
	}
	if err := m.Scan(i4, types.BinaryFormat, nil, &p); err != nil || p != nil {
		t.Errorf("NULL into **int32: %v %v", p, err)
	}
	var n sql.Null[int16]
	if err := m.Scan(i4, types.BinaryFormat, bin42, &n); err != nil || !n.Valid || n.V != 42 {
		t.Errorf("sql.Null[int16]: %+v %v", n, err)
	}
	if err := m.Scan(i4, types.BinaryFormat, nil, &n); err != nil || n.Valid {
		t.Errorf("NULL into sql.Null[int16]: %+v %v", n, err)
	}
	var ni sql.NullInt64
	if err := m.Scan(i4, types.BinaryFormat, bin42, &ni); err != nil || !ni.Valid || ni.Int64 != 42 {
		t.Errorf("sql.NullInt64: %+v %v", ni, err)
	}
	var rec scanRecorder
	if err := m.Scan(i4, types.BinaryFormat, bin42, &rec); err != nil || rec.got != int64(42) {
		t.Errorf("sql.Scanner got %T %v, %v; want int64 42", rec.got, rec.got, err)
	}
	var a any = "old"
	if err := m.Scan(i4, types.BinaryFormat, bin42, &a); err != nil || a != int32(42) {
		t.Errorf("*any: %T %v %v", a, a, err)
	}
	if err := m.Scan(i4, types.BinaryFormat, nil, &a); err != nil || a != nil {
		t.Errorf("NULL into *any: %v %v", a, err)
	}
	var s string
	if err := m.Scan(i4, types.TextFormat, []byte("-7"), &s); err != nil || s != "-7" {
		t.Errorf("text int4 into *string: %q %v", s, err)
	}
}

func TestMapScanErrors(t *testing.T) {
	m := types.NewMap()
	i4 := int4(t, m)
	i8, _ := m.TypeForOID(types.Int8OID)
	for _, tc := range []struct {
		name string
		typ  *types.Type
		src  []byte
		dst  any
		want []string
		is   error
	}{
		{"NULL into *int32", i4, nil, new(int32), []string{"cannot scan NULL int4 into *int32"}, types.ErrNull},
		{"overflow", i8, []byte{0, 0, 0, 0, 0xb2, 0xd0, 0x5e, 0}, new(int32), []string{"int8", "*int32", "3000000000", "out of range"}, nil},
		{"named overflow", i8, []byte{0, 0, 0, 1, 0, 0, 0, 0}, new(tiny), []string{"int8", "*types_test.tiny", "out of range"}, nil},
		{"unsigned negative", i4, []byte{0xff, 0xff, 0xff, 0xff}, new(uint32), []string{"-1", "out of range"}, nil},
		{"impossible", i4, bin42, new(map[string]int), []string{"cannot scan int4 into *map[string]int"}, types.ErrUnsupported},
		{"malformed", i4, []byte{1, 2, 3}, new(int32), []string{"malformed int4 binary value"}, nil},
		{"not a pointer", i4, bin42, int32(0), []string{"not a non-nil pointer"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := m.Scan(tc.typ, types.BinaryFormat, tc.src, tc.dst)
			var ce *types.ConversionError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *ConversionError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not mention %q", err, w)
				}
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("%v is not %v", err, tc.is)
			}
		})
	}
}

func TestMapEncodeConversions(t *testing.T) {
	m := types.NewMap()
	i4 := int4(t, m)
	for _, tc := range []struct {
		name string
		v    any
		want string // hex of the binary encoding, "NULL", or "text:…"
	}{
		{"int", 42, "binary:0000002a"},
		{"named", cents(42), "binary:0000002a"},
		{"pointer", new(int64), "binary:00000000"},
		{"nil pointer", (*int64)(nil), "NULL"},
		{"nil", nil, "NULL"},
		{"valuer", valuer{int64(7)}, "binary:00000007"},
		{"valuer nil", valuer{nil}, "NULL"},
		{"sql.NullInt32 valid", sql.NullInt32{Int32: 5, Valid: true}, "binary:00000005"},
		{"sql.NullInt32 null", sql.NullInt32{}, "NULL"},
		{"sql.Null[int] null", sql.Null[int]{}, "NULL"},
		{"nil pointer valuer", (*ptrValuer)(nil), "NULL"},
		{"string as text", "12", "text:12"},
		{"named string as text", status("13"), "text:13"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf, f, null, err := m.Encode(i4, tc.v, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := "NULL"
			if !null {
				got = f.String() + ":" + string(buf)
				if f == types.BinaryFormat {
					got = "binary:" + hexString(buf)
				}
			}
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}

	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"overflow", int64(1) << 40, "cannot encode int64 as int4: value 1099511627776 out of range"},
		{"unsupported", struct{}{}, "cannot encode struct {} as int4"},
		{"valuer loop", selfValuer{}, "too many levels"},
		{"fraction", 1.5, "1.5 is not an integer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := m.Encode(i4, tc.v, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestMapRegistry(t *testing.T) {
	def := types.Default()
	defer func() {
		if recover() == nil {
			t.Error("Register on Default did not panic")
		}
	}()
	parent := types.NewMap()
	child := parent.NewChild()
	custom := &types.Type{Name: "int4", OID: types.Int4OID, Codec: types.UnknownCodec{}}
	parent.Register(custom)
	if got, _ := child.TypeForOID(types.Int4OID); got != custom {
		t.Error("child does not see the parent's registration")
	}
	if got, _ := def.TypeForOID(types.Int4OID); got == custom {
		t.Error("Default changed")
	}
	if got, ok := child.TypeForName("int4[]"); !ok || got.OID != types.Int4ArrayOID {
		t.Errorf("int4[] = %v %v", got, ok)
	}
	if got := child.TypeOrUnknown(999999); got.OID != 999999 || got.Codec == nil {
		t.Errorf("unknown = %+v", got)
	}
	def.Register(custom)
}

// A codec registered over a built-in type serves the arrays and ranges
// built on it too.
func TestMapOverrideReachesContainers(t *testing.T) {
	m := types.NewMap()
	tz := time.FixedZone("X", 3*3600)
	m.Register(&types.Type{Name: "timestamptz", OID: types.TimestamptzOID, Codec: types.TimestamptzCodec{Location: tz}})
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, oid := range []uint32{types.TimestamptzArrayOID, types.TstzrangeOID} {
		typ, _ := m.TypeForOID(oid)
		var v any
		switch oid {
		case types.TimestamptzArrayOID:
			v = []time.Time{at}
		default:
			v = types.Range[time.Time]{Lower: at, Upper: at.Add(time.Hour), LowerType: types.Inclusive, UpperType: types.Exclusive}
		}
		buf, f, _, err := m.Encode(typ, v, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got any
		if err := m.Scan(typ, f, buf, &got); err != nil {
			t.Fatal(err)
		}
		var first time.Time
		switch g := got.(type) {
		case []any:
			first = g[0].(time.Time)
		case types.Range[any]:
			first = g.Lower.(time.Time)
		}
		if first.Location() != tz || !first.Equal(at) {
			t.Errorf("%s: %v in %v, want %v in X", typ.Name, first, first.Location(), at)
		}
	}
}
