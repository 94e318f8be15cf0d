package types_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

func numType(t testing.TB, oid uint32) *types.Type {
	t.Helper()
	typ, ok := types.Default().TypeForOID(oid)
	if !ok {
		t.Fatalf("oid %d not registered", oid)
	}
	return typ
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustNumeric(t testing.TB, s string) types.Numeric {
	t.Helper()
	n, err := types.ParseNumeric(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// numBinaryCases are numeric_send's encodings: ndigits, weight, sign,
// dscale, then base-10000 digits.
var numBinaryCases = []struct {
	text string // numeric_out's form
	hex  string
}{
	{"0", "0000 0000 0000 0000"},
	{"0.00", "0000 0000 0000 0002"},
	{"1", "0001 0000 0000 0000 0001"},
	{"1.50", "0002 0000 0000 0002 0001 1388"},            // 1, 5000
	{"-123.45", "0002 0000 4000 0002 007b 1194"},         // 123, 4500; negative
	{"9999", "0001 0000 0000 0000 270f"},                 // largest digit
	{"10000", "0001 0001 0000 0000 0001"},                // weight 1
	{"100000000", "0001 0002 0000 0000 0001"},            // trailing zero digits dropped
	{"0.0001", "0001 ffff 0000 0004 0001"},               // weight -1
	{"0.000001", "0001 fffe 0000 0006 0064"},             // weight -2, digit 100
	{"9999.9999", "0002 0000 0000 0004 270f 270f"},       // both sides
	{"-0.5", "0001 ffff 4000 0001 1388"},                 // 5000
	{"12345678.9", "0003 0001 0000 0001 04d2 162e 2328"}, // 1234 5678 . 9000
	{"123456789012345678901234567890.123456789",
		"000b 0007 0000 0009 000c 0d80 1ed2 04d2 162e 2334 0d80 1ed2 04d2 162e 2328"},
	{"NaN", "0000 0000 c000 0000"},
	{"Infinity", "0000 0000 d000 0000"},
	{"-Infinity", "0000 0000 f000 0000"},
}

func TestNumericBinaryEncoding(t *testing.T) {
	m := types.Default()
	typ := numType(t, types.NumericOID)
	for _, c := range numBinaryCases {
		t.Run(c.text, func(t *testing.T) {
			want := mustHex(t, c.hex)
			n := mustNumeric(t, c.text)
			for _, v := range []any{n, &n, c.text} {
				got, null, err := m.EncodeFormat(typ, types.BinaryFormat, v, nil)
				if err != nil || null {
					t.Fatalf("encode %T: %v %v", v, null, err)
				}
				if hex.EncodeToString(got) != hex.EncodeToString(want) {
					t.Errorf("encode %T %s: got % x, want % x", v, c.text, got, want)
				}
			}
			var back types.Numeric
			if err := m.Scan(typ, types.BinaryFormat, want, &back); err != nil {
				t.Fatal(err)
			}
			if !back.Equal(n) || back.String() != c.text {
				t.Errorf("decode: got %v, want %s", back, c.text)
			}
			var s string
			if err := m.Scan(typ, types.BinaryFormat, want, &s); err != nil || s != c.text {
				t.Errorf("decode into *string: %q, %v", s, err)
			}
			text, _, err := m.EncodeFormat(typ, types.TextFormat, n, nil)
			if err != nil || string(text) != c.text {
				t.Errorf("text encode: %q, %v", text, err)
			}
			if err := m.Scan(typ, types.TextFormat, []byte(c.text), &back); err != nil || !back.Equal(n) {
				t.Errorf("text decode: %v, %v", back, err)
			}
		})
	}
}

func TestNumericBinaryTruncated(t *testing.T) {
	m := types.Default()
	typ := numType(t, types.NumericOID)
	for _, c := range numBinaryCases {
		full := mustHex(t, c.hex)
		bad := [][]byte{append(append([]byte{}, full...), 0)}
		for i := range full {
			bad = append(bad, full[:i])
		}
		for _, b := range bad {
			var n types.Numeric
			var a any
			var f float64
			var s string
			var i int64
			for _, dst := range []any{&n, &a, &f, &s, &i} {
				err := m.Scan(typ, types.BinaryFormat, b, dst)
				var me *types.MalformedError
				if !errors.As(err, &me) {
					t.Errorf("%s: % x into %T: got %v, want a MalformedError", c.text, b, dst, err)
				}
			}
		}
	}
}

func TestNumericBinaryMalformed(t *testing.T) {
	m := types.Default()
	typ := numType(t, types.NumericOID)
	for _, c := range []struct{ name, hex string }{
		{"sign", "0000 0000 8000 0000"},
		{"sign NaN bit", "0000 0000 c001 0000"},
		{"dscale above 16383", "0000 0000 0000 4000"},
		{"digit 10000", "0001 0000 0000 0000 2710"},
		{"negative digit", "0001 0000 0000 0000 ffff"},
		{"bad digit in NaN", "0001 0000 c000 0000 2710"},
		{"ndigits too large", "0002 0000 0000 0000 0001"},
		{"empty", ""},
	} {
		var n types.Numeric
		if err := m.Scan(typ, types.BinaryFormat, mustHex(t, c.hex), &n); err == nil {
			t.Errorf("%s: decoded %v", c.name, n)
		}
	}
}

func TestNumericBinaryDecodeOddForms(t *testing.T) {
	m := types.Default()
	typ := numType(t, types.NumericOID)
	for _, c := range []struct{ name, hex, want string }{
		// numeric_recv truncates digits hidden by dscale.
		{"hidden digits", "0002 0000 0000 0001 0001 162e", "1.5"},
		{"all hidden", "0001 fffe 4000 0002 0001", "0.00"},
		{"leading zero digits", "0003 0002 0000 0000 0000 0000 0007", "7"},
		{"below the scale", "0003 0001 0000 0000 0000 0000 0007", "0"},
		{"trailing zero digits", "0002 0000 0000 0000 0007 0000", "7"},
		{"negative zero", "0000 0000 4000 0001", "0.0"},
		{"NaN with digits", "0001 0005 c000 0000 0001", "NaN"},
		{"weight max", "0001 7fff 0000 0000 0009", "9" + strings.Repeat("0", 131068)},
		{"weight min", "0001 8000 0000 0000 0009", "0"},
		{"many zero digits", "0004 0000 0000 0000 0000 0000 0000 0000", "0"},
	} {
		var s string
		if err := m.Scan(typ, types.BinaryFormat, mustHex(t, c.hex), &s); err != nil || s != c.want {
			t.Errorf("%s: got %.40q, %v; want %.40q", c.name, s, err, c.want)
		}
	}
}

func TestParseNumeric(t *testing.T) {
	for _, c := range []struct {
		in, want string
		scale    int
	}{
		{"0", "0", 0},
		{"-0", "0", 0},
		{"-0.000", "0.000", 3},
		{" 1.50 ", "1.50", 2},
		{"\t+.5\n", "0.5", 1},
		{"1.", "1", 0},
		{"007", "7", 0},
		{"1e3", "1000", 0},
		{"1E+3", "1000", 0},
		{"1.5e10", "15000000000", 0},
		{"1.25e1", "12.5", 1},
		{"5e-3", "0.005", 3},
		{"-1.5E-3", "-0.0015", 4},
		{"0e5", "0", 0},
		{"0.00e-2", "0.0000", 4},
		{"1e-16383", "0." + strings.Repeat("0", 16382) + "1", 16383},
		{"0." + strings.Repeat("0", 20000) + "1e20000", "0.1", 1},
		{"NaN", "NaN", 0},
		{"nan ", "NaN", 0},
		{"Infinity", "Infinity", 0},
		{"+infinity", "Infinity", 0},
		{"-Infinity", "-Infinity", 0},
		{"inf", "Infinity", 0},
		{" -INF ", "-Infinity", 0},
	} {
		n, err := types.ParseNumeric(c.in)
		if err != nil {
			t.Errorf("%.40q: %v", c.in, err)
			continue
		}
		if n.String() != c.want || n.Scale() != c.scale {
			t.Errorf("%.40q: got %.40q scale %d, want %.40q scale %d", c.in, n.String(), n.Scale(), c.want, c.scale)
		}
	}
	for _, in := range []string{
		"", " ", ".", "-", "+", "1.2.3", "e5", ".e5", "1e", "1e+", "1e-", "abc", "1 2", "--1", "+-1",
		"nanx", "infinit", "-nan", "+nan", "1_000", "0x10", "1e5.5", "١", "1e2147483647",
		"1e-16384", "0." + strings.Repeat("0", 16383) + "1", "1e131072", "1" + strings.Repeat("0", 131072),
	} {
		if n, err := types.ParseNumeric(in); err == nil {
			t.Errorf("%.40q: parsed as %.40s", in, n)
		}
	}
	if n, err := types.ParseNumeric("9e131071"); err != nil || n.Exp != 0 || n.String() != "9"+strings.Repeat("0", 131071) {
		t.Errorf("9e131071: %.40s, %v", n, err)
	}
}

func TestNumericTextMalformed(t *testing.T) {
	m := types.Default()
	typ := numType(t, types.NumericOID)
	for _, in := range []string{"", "abc", "1.2.3", "1e", "1e-20000", "$1"} {
		var n types.Numeric
		var a any
		var s string
		for _, dst := range []any{&n, &a, &s} {
			err := m.Scan(typ, types.TextFormat, []byte(in), dst)
			var me *types.MalformedError
			if !errors.As(err, &me) {
				t.Errorf("%q into %T: got %v, want a MalformedError", in, dst, err)
			}
		}
	}
}

func TestNumericDecodeDestinations(t *testing.T) {
	m := types.Default()
	typ := numType(t, types.NumericOID)
	bigPow := new(big.Int).Exp(big.NewInt(10), big.NewInt(30), nil)
	for _, c := range []struct {
		text string
		dst  any // pointer to a zero value
		want any // value *dst must hold; nil for an error
	}{
		{"123", new(int64), int64(123)},
		{"-123.000", new(int64), int64(-123)},
		{"1.5", new(int64), nil},
		{"0.001", new(int), nil},
		{"9223372036854775807", new(int64), int64(math.MaxInt64)},
		{"-9223372036854775808", new(int64), int64(math.MinInt64)},
		{"9223372036854775808", new(int64), nil},
		{"9223372036854775808", new(uint64), uint64(1 << 63)},
		{"18446744073709551615", new(uint64), uint64(math.MaxUint64)},
		{"18446744073709551616", new(uint64), nil},
		{"1e25", new(uint64), nil},
		{"-1", new(uint64), nil},
		{"-1", new(uint8), nil},
		{"255", new(uint8), uint8(255)},
		{"128", new(int8), nil},
		{"-128", new(int8), int8(-128)},
		{"70000", new(uint16), nil},
		{"1e4", new(int16), int16(10000)},
		{"0.000", new(int32), int32(0)},
		{"NaN", new(int64), nil},
		{"Infinity", new(int), nil},
		{"NaN", new(float64), math.NaN()},
		{"Infinity", new(float64), math.Inf(1)},
		{"-Infinity", new(float32), float32(math.Inf(-1))},
		{"0.1", new(float64), 0.1},
		{"-0.1", new(float32), float32(-0.1)},
		{"123456789012345678901234567890.123456789", new(float64), 1.2345678901234568e29},
		{"1e400", new(float64), nil},
		{"1e39", new(float32), nil},
		{"1e-400", new(float64), 0.0},
		{"1e30", new(big.Int), bigPow},
		{"1.5", new(big.Int), nil},
		{"NaN", new(big.Int), nil},
		{"0.125", new(big.Rat), big.NewRat(1, 8)},
		{"-2.50", new(big.Rat), big.NewRat(-5, 2)},
		{"Infinity", new(big.Rat), nil},
		{"0.5", new(big.Float), big.NewFloat(0.5)},
		{"-Infinity", new(big.Float), new(big.Float).SetInf(true)},
		{"NaN", new(big.Float), nil},
		{"1.50", new(string), "1.50"},
	} {
		for _, f := range []types.Format{types.TextFormat, types.BinaryFormat} {
			src := []byte(c.text)
			if f == types.BinaryFormat {
				var err error
				if src, _, err = m.EncodeFormat(typ, f, c.text, nil); err != nil {
					t.Fatal(err)
				}
			}
			err := m.Scan(typ, f, src, c.dst)
			if c.want == nil {
				if err == nil {
					t.Errorf("%s %s into %T: no error", f, c.text, c.dst)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s %s into %T: %v", f, c.text, c.dst, err)
				continue
			}
			if !numSameValue(derefAny(c.dst), c.want) {
				t.Errorf("%s %s into %T: got %v, want %v", f, c.text, c.dst, derefAny(c.dst), c.want)
			}
		}
	}
}

func derefAny(p any) any {
	switch x := p.(type) {
	case *int:
		return *x
	case *int8:
		return *x
	case *int16:
		return *x
	case *int32:
		return *x
	case *int64:
		return *x
	case *uint8:
		return *x
	case *uint16:
		return *x
	case *uint64:
		return *x
	case *float32:
		return *x
	case *float64:
		return *x
	case *string:
		return *x
	}
	return p
}

func numSameValue(got, want any) bool {
	switch w := want.(type) {
	case float64:
		g, ok := got.(float64)
		return ok && (g == w || math.IsNaN(g) && math.IsNaN(w))
	case *big.Int:
		g, ok := got.(*big.Int)
		return ok && g.Cmp(w) == 0
	case *big.Rat:
		g, ok := got.(*big.Rat)
		return ok && g.Cmp(w) == 0
	case *big.Float:
		g, ok := got.(*big.Float)
		return ok && g.Cmp(w) == 0
	}
	return got == want
}

func TestNumericEncodeValues(t *testing.T) {
	m := types.Default()
	typ := numType(t, types.NumericOID)
	big1e40, _ := new(big.Int).SetString("1"+strings.Repeat("0", 40), 10)
	for _, c := range []struct {
		v    any
		want string // text form; "" for an error
	}{
		{0, "0"},
		{int8(-128), "-128"},
		{int64(math.MinInt64), "-9223372036854775808"},
		{uint64(math.MaxUint64), "18446744073709551615"},
		{uint(7), "7"},
		{0.1, "0.1"},
		{-0.0, "0"},
		{1.5, "1.5"},
		{100.0, "100"},
		{1e20, "100000000000000000000"},
		{123456.789, "123456.789"},
		{5e-324, "0." + strings.Repeat("0", 323) + "5"},
		{math.MaxFloat64, "17976931348623157" + strings.Repeat("0", 292)},
		{float32(0.1), "0.1"},
		{float32(16777216), "16777216"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{float32(math.Inf(-1)), "-Infinity"},
		{big1e40, "1" + strings.Repeat("0", 40)},
		{*big.NewInt(-5), "-5"},
		{big.NewRat(1, 8), "0.125"},
		{big.NewRat(-3, 2), "-1.5"},
		{big.NewRat(7, 1), "7"},
		{*big.NewRat(1, 20), "0.05"},
		{new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), 100)), "0." + strings.Repeat("0", 30) + "7888609052210118054117285652827862296732064351090230047702789306640625"},
		{big.NewRat(1, 3), ""},
		{big.NewRat(1, 6), ""},
		{new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), 16384)), ""},
		{big.NewFloat(0.25), "0.25"},
		{new(big.Float).SetInf(false), "Infinity"},
		{new(big.Float).SetMantExp(big.NewFloat(1), 500000), ""},
		{json.Number("1.5e3"), "1500"},
		{types.Numeric{Int: big.NewInt(15), Exp: 9}, "15000000000"},
		{types.Numeric{Int: big.NewInt(-15), Exp: -3}, "-0.015"},
		{types.Numeric{Exp: -2}, "0.00"},
		{types.Numeric{}, "0"},
		{types.Numeric{NaN: true, Inf: types.PositiveInfinity}, "NaN"},
		{types.Numeric{Inf: types.NegativeInfinity}, "-Infinity"},
		{types.Numeric{Int: big.NewInt(1), Exp: -16384}, ""},
		{types.Numeric{Int: big.NewInt(1), Exp: 131072}, ""},
		{types.Numeric{Int: big.NewInt(10), Exp: 131071}, ""},
		{types.Numeric{Int: big.NewInt(9), Exp: 131071}, "9" + strings.Repeat("0", 131071)},
		{types.Numeric{Inf: 3}, ""},
		{"1e-20000", ""},
		{true, ""},
	} {
		bin, _, err := m.EncodeFormat(typ, types.BinaryFormat, c.v, nil)
		if c.want == "" {
			if err == nil {
				t.Errorf("%T %v: encoded % x", c.v, c.v, bin)
			}
			continue
		}
		if err != nil {
			t.Errorf("%T %v: %v", c.v, c.v, err)
			continue
		}
		var s string
		if err := m.Scan(typ, types.BinaryFormat, bin, &s); err != nil || s != c.want {
			t.Errorf("%T %v: binary reads back as %.60q, %v; want %.60q", c.v, c.v, s, err, c.want)
		}
		text, _, err := m.EncodeFormat(typ, types.TextFormat, c.v, nil)
		if err != nil {
			t.Errorf("%T %v: text: %v", c.v, c.v, err)
			continue
		}
		if err := m.Scan(typ, types.TextFormat, text, &s); err != nil || s != c.want {
			t.Errorf("%T %v: text %.60q reads back as %.60q, %v; want %.60q", c.v, c.v, text, s, err, c.want)
		}
	}
	// A string numeric_in cannot read is left to the server, in text.
	out, f, _, err := m.Encode(typ, "twelve", nil)
	if err != nil || f != types.TextFormat || string(out) != "twelve" {
		t.Errorf("Encode(\"twelve\"): %q %v %v", out, f, err)
	}
	out, f, _, err = m.Encode(typ, "1.50", nil)
	if err != nil || f != types.BinaryFormat || hex.EncodeToString(out) != "000200000000000200011388" {
		t.Errorf("Encode(\"1.50\"): % x %v %v", out, f, err)
	}
}

func TestNumericMethods(t *testing.T) {
	n := mustNumeric(t, "-12.50")
	if n.Int.Int64() != -1250 || n.Exp != -2 || n.Scale() != 2 {
		t.Errorf("ParseNumeric(-12.50) = %v×10^%d", n.Int, n.Exp)
	}
	if n.Float64() != -12.5 {
		t.Errorf("Float64 = %v", n.Float64())
	}
	if v, err := n.Value(); err != nil || v != "-12.50" {
		t.Errorf("Value = %v, %v", v, err)
	}
	if r, err := n.BigRat(); err != nil || r.Cmp(big.NewRat(-25, 2)) != 0 {
		t.Errorf("BigRat = %v, %v", r, err)
	}
	if _, err := n.BigInt(); err == nil {
		t.Error("BigInt of -12.50: no error")
	}
	if i, err := mustNumeric(t, "12.00").BigInt(); err != nil || i.Int64() != 12 {
		t.Errorf("BigInt(12.00) = %v, %v", i, err)
	}
	if _, err := (types.Numeric{NaN: true}).BigRat(); err == nil {
		t.Error("BigRat of NaN: no error")
	}
	if f := (types.Numeric{Inf: types.NegativeInfinity}).Float64(); !math.IsInf(f, -1) {
		t.Errorf("Float64(-Inf) = %v", f)
	}
	// Long coefficients (more than 800 digits) round correctly too.
	if f := (types.Numeric{Int: new(big.Int).Exp(big.NewInt(10), big.NewInt(12335), nil), Exp: -12336}).Float64(); f != 0.1 {
		t.Errorf("Float64(10^12335 × 10^-12336) = %v", f)
	}
	if f := mustNumeric(t, "1e400").Float64(); !math.IsInf(f, 1) {
		t.Errorf("Float64(1e400) = %v", f)
	}
	order := []string{"-Infinity", "-1e100", "-1.5", "-0.001", "0", "0.0001", "1", "1.5", "12", "1e100", "Infinity", "NaN"}
	for i, a := range order {
		for j, b := range order {
			if got := mustNumeric(t, a).Cmp(mustNumeric(t, b)); got != cmpIdx(i, j) {
				t.Errorf("Cmp(%s, %s) = %d", a, b, got)
			}
		}
	}
	if mustNumeric(t, "1.5").Cmp(mustNumeric(t, "1.50")) != 0 || mustNumeric(t, "1.5").Equal(mustNumeric(t, "1.50")) {
		t.Error("1.5 vs 1.50: want Cmp 0 and not Equal")
	}
	if !(types.Numeric{Int: big.NewInt(15), Exp: 2}).Equal(mustNumeric(t, "1500")) {
		t.Error("15e2 is not Equal to 1500")
	}
	if !(types.Numeric{}).Equal(mustNumeric(t, "-0")) {
		t.Error("zero Numeric is not Equal to -0")
	}
	b, err := mustNumeric(t, "1.50").MarshalText()
	if err != nil || string(b) != "1.50" {
		t.Errorf("MarshalText = %q, %v", b, err)
	}
	var u types.Numeric
	if err := u.UnmarshalText([]byte("2.5e-1")); err != nil || u.String() != "0.25" {
		t.Errorf("UnmarshalText = %v, %v", u, err)
	}
	if err := u.UnmarshalText([]byte("x")); err == nil {
		t.Error("UnmarshalText(x): no error")
	}
	for _, c := range []struct {
		src  any
		want string
	}{
		{int64(-7), "-7"}, {0.25, "0.25"}, {"3.10", "3.10"}, {[]byte("NaN"), "NaN"},
		{uint64(math.MaxUint64), "18446744073709551615"}, {mustNumeric(t, "1.0"), "1.0"},
	} {
		if err := u.Scan(c.src); err != nil || u.String() != c.want {
			t.Errorf("Scan(%T %v) = %v, %v", c.src, c.src, u, err)
		}
	}
	if err := u.Scan(nil); !errors.Is(err, types.ErrNull) {
		t.Errorf("Scan(nil) = %v", err)
	}
	if err := u.Scan(true); err == nil {
		t.Error("Scan(true): no error")
	}
	if s := (types.Numeric{Int: big.NewInt(1), Exp: -20000}).String(); s != "1e-20000" {
		t.Errorf("String out of range = %q", s)
	}
	if _, err := (types.Numeric{Int: big.NewInt(1), Exp: -20000}).Value(); err == nil {
		t.Error("Value out of range: no error")
	}
}

func cmpIdx(i, j int) int {
	switch {
	case i < j:
		return -1
	case i > j:
		return 1
	}
	return 0
}

// An int8 column scans into *Numeric through its sql.Scanner.
func TestNumericScanOtherTypes(t *testing.T) {
	m := types.Default()
	var n types.Numeric
	if err := m.Scan(numType(t, types.Int8OID), types.BinaryFormat, mustHex(t, "ffff ffff ffff fff9"), &n); err != nil || n.String() != "-7" {
		t.Errorf("int8 -7 into *Numeric: %v, %v", n, err)
	}
	if err := m.Scan(numType(t, types.Float8OID), types.TextFormat, []byte("0.1"), &n); err != nil || n.String() != "0.1" {
		t.Errorf("float8 0.1 into *Numeric: %v, %v", n, err)
	}
	if err := m.Scan(numType(t, types.NumericOID), types.TextFormat, nil, &n); !errors.Is(err, types.ErrNull) {
		t.Errorf("NULL into *Numeric: %v", err)
	}
}

func TestMoney(t *testing.T) {
	m := types.Default()
	typ := numType(t, types.MoneyOID)
	for _, c := range []struct {
		v   any
		hex string
	}{
		{int64(123456), "0000 0000 0001 e240"},
		{-100, "ffff ffff ffff ff9c"},
		{int64(math.MinInt64), "8000 0000 0000 0000"},
		{uint32(1), "0000 0000 0000 0001"},
		{big.NewInt(math.MaxInt64), "7fff ffff ffff ffff"},
	} {
		got, _, err := m.EncodeFormat(typ, types.BinaryFormat, c.v, nil)
		want := mustHex(t, c.hex)
		if err != nil || string(got) != string(want) {
			t.Errorf("encode %T %v: % x, %v", c.v, c.v, got, err)
		}
		var back int64
		if err := m.Scan(typ, types.BinaryFormat, want, &back); err != nil {
			t.Errorf("decode % x: %v", want, err)
		}
		var a any
		if err := m.Scan(typ, types.BinaryFormat, want, &a); err != nil || a != back {
			t.Errorf("decode % x into *any: %v (%T), %v", want, a, a, err)
		}
		for i := range want {
			if err := m.Scan(typ, types.BinaryFormat, want[:i], &back); err == nil {
				t.Errorf("decode prefix % x: no error", want[:i])
			}
			if err := m.Scan(typ, types.BinaryFormat, want[:i], &a); err == nil {
				t.Errorf("decode prefix % x into *any: no error", want[:i])
			}
		}
		if err := m.Scan(typ, types.BinaryFormat, append(want, 0), &back); err == nil {
			t.Errorf("decode with a trailing byte: no error")
		}
	}
	for _, v := range []any{uint64(math.MaxUint64), new(big.Int).Lsh(big.NewInt(1), 63), 1.5, true} {
		if out, _, err := m.EncodeFormat(typ, types.BinaryFormat, v, nil); err == nil {
			t.Errorf("encode %T %v: % x", v, v, out)
		}
	}
	// Integers have no locale-free text form; strings go as text.
	if _, _, err := m.EncodeFormat(typ, types.TextFormat, int64(1), nil); err == nil {
		t.Error("text encode of an int64: no error")
	}
	out, f, _, err := m.Encode(typ, "$1.50", nil)
	if err != nil || f != types.TextFormat || string(out) != "$1.50" {
		t.Errorf("Encode(\"$1.50\"): %q %v %v", out, f, err)
	}
	out, f, _, err = m.Encode(typ, int64(150), nil)
	if err != nil || f != types.BinaryFormat || len(out) != 8 {
		t.Errorf("Encode(150): % x %v %v", out, f, err)
	}

	for _, c := range []struct {
		text string
		want int64
		ok   bool
	}{
		{"$1,234.56", 123456, true},
		{"-$1.00", -100, true},
		{"($1.00)", -100, true},
		{"1.234,56 €", 123456, true},
		{"$0.00", 0, true},
		{"-$92,233,720,368,547,758.08", math.MinInt64, true},
		{"$92,233,720,368,547,758.07", math.MaxInt64, true},
		{"$92,233,720,368,547,758.08", 0, false},
		{"$184,467,440,737,095,516.16", 0, false},
		{"$", 0, false},
		{"", 0, false},
	} {
		var n int64
		err := m.Scan(typ, types.TextFormat, []byte(c.text), &n)
		if c.ok != (err == nil) || n != c.want {
			t.Errorf("text %q into *int64: %d, %v", c.text, n, err)
		}
		var s string
		var a any
		if err := m.Scan(typ, types.TextFormat, []byte(c.text), &s); err != nil || s != c.text {
			t.Errorf("text %q into *string: %q, %v", c.text, s, err)
		}
		if err := m.Scan(typ, types.TextFormat, []byte(c.text), &a); err != nil || a != c.text {
			t.Errorf("text %q into *any: %v, %v", c.text, a, err)
		}
	}
	var s string
	if err := m.Scan(typ, types.BinaryFormat, mustHex(t, "0000 0000 0000 0064"), &s); err == nil || !strings.Contains(err.Error(), "lc_monetary") {
		t.Errorf("binary into *string: %v", err)
	}
	var i8 int8
	if err := m.Scan(typ, types.BinaryFormat, mustHex(t, "0000 0000 0000 0080"), &i8); err == nil {
		t.Errorf("128 into *int8: %d", i8)
	}
}

// FuzzNumericDecode decodes arbitrary bytes as numeric and money in both
// formats into every destination, and checks that whatever decodes
// re-encodes to the same value and scale.
func FuzzNumericDecode(f *testing.F) {
	for _, c := range numBinaryCases {
		f.Add(mustHex(f, c.hex))
		f.Add([]byte(c.text))
	}
	for _, s := range []string{
		"0002 0000 0000 0001 0001 162e", "0001 7fff 0000 0000 0009", "0001 8000 0000 3fff 0009",
		"0001 0005 c000 0000 0001", "0000 0000 d000 0020", "0000 0000 0000 4000", "0000 0000 8000 0000 0000 0001 e240",
	} {
		f.Add(mustHex(f, s))
	}
	for _, s := range []string{
		" +.5 ", "1.5e10", "-1.5E-3", "0.00e-2", "9e131071", "1e-16383", "inf", "-INF", "nan", "1e", "$1,234.56",
		"($92,233,720,368,547,758.08)", numLongDigits,
	} {
		f.Add([]byte(s))
	}
	m := types.Default()
	typ := numType(f, types.NumericOID)
	money := numType(f, types.MoneyOID)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []types.Format{types.TextFormat, types.BinaryFormat} {
			var n types.Numeric
			errN := m.Scan(typ, format, data, &n)
			var a any
			if err := m.Scan(typ, format, data, &a); (err == nil) != (errN == nil) {
				t.Fatalf("%s: *any %v, *Numeric %v", format, err, errN)
			} else if err == nil && !a.(types.Numeric).Equal(n) {
				t.Fatalf("%s: *any %v, *Numeric %v", format, a, n)
			}
			var s string
			if err := m.Scan(typ, format, data, &s); (err == nil) != (errN == nil) || err == nil && s != n.String() {
				t.Fatalf("%s: *string %q %v, *Numeric %v %v", format, s, err, n, errN)
			}
			var x float64
			if err := m.Scan(typ, format, data, &x); err == nil {
				if want := n.Float64(); x != want && !(math.IsNaN(x) && math.IsNaN(want)) {
					t.Fatalf("%s: *float64 %v, Float64 %v", format, x, want)
				}
			}
			var i64 int64
			if err := m.Scan(typ, format, data, &i64); err == nil {
				if bi, err := n.BigInt(); err != nil || !bi.IsInt64() || bi.Int64() != i64 {
					t.Fatalf("%s: *int64 %d, BigInt %v %v", format, i64, bi, err)
				}
			}
			var f32 float32
			var u64 uint64
			var i8 int8
			var bi big.Int
			var br big.Rat
			var bf big.Float
			for _, dst := range []any{&f32, &u64, &i8, &bi, &br, &bf} {
				_ = m.Scan(typ, format, data, dst)
			}
			for _, dst := range []any{new(int64), new(string), new(any), new(uint8)} {
				_ = m.Scan(money, format, data, dst)
			}
			if errN != nil {
				continue
			}
			// Whatever decodes re-encodes to the same value and scale.
			for _, g := range []types.Format{types.TextFormat, types.BinaryFormat} {
				enc, _, err := m.EncodeFormat(typ, g, n, nil)
				if err != nil {
					t.Fatalf("re-encode %.40s in %s: %v", n, g, err)
				}
				var back types.Numeric
				if err := m.Scan(typ, g, enc, &back); err != nil || !back.Equal(n) {
					t.Fatalf("re-decode %.40s from %s %.40q: %.40s, %v", n, g, enc, back, err)
				}
				if g == types.BinaryFormat {
					enc2, _, _ := m.EncodeFormat(typ, g, back, nil)
					if string(enc2) != string(enc) {
						t.Fatalf("binary encoding of %.40s not stable: % x then % x", n, enc, enc2)
					}
				}
			}
			if p, err := types.ParseNumeric(s); err != nil || !p.Equal(n) {
				t.Fatalf("ParseNumeric(%.40q) = %.40s, %v", s, p, err)
			}
		}
	})
}

func BenchmarkDecodeNumeric(b *testing.B) {
	m := types.Default()
	typ := numType(b, types.NumericOID)
	enc := func(s string) []byte {
		out, _, err := m.EncodeFormat(typ, types.BinaryFormat, s, nil)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	small, integer, large := enc("123.45"), enc("1234567890"), enc("123456789012345678901234567890.123456789")
	var (
		n   types.Numeric
		s   string
		x   float64
		i   int64
		a   any
		r   big.Rat
		bi  big.Int
		cts int64
	)
	for _, c := range []struct {
		name string
		f    types.Format
		src  []byte
		dst  any
	}{
		{"binary/123.45/Numeric", types.BinaryFormat, small, &n},
		{"binary/123.45/string", types.BinaryFormat, small, &s},
		{"binary/123.45/float64", types.BinaryFormat, small, &x},
		{"binary/123.45/any", types.BinaryFormat, small, &a},
		{"binary/123.45/big.Rat", types.BinaryFormat, small, &r},
		{"binary/1234567890/int64", types.BinaryFormat, integer, &i},
		{"binary/1234567890/big.Int", types.BinaryFormat, integer, &bi},
		{"binary/39digits/Numeric", types.BinaryFormat, large, &n},
		{"binary/39digits/string", types.BinaryFormat, large, &s},
		{"binary/39digits/float64", types.BinaryFormat, large, &x},
		{"text/123.45/Numeric", types.TextFormat, []byte("123.45"), &n},
		{"text/123.45/float64", types.TextFormat, []byte("123.45"), &x},
		{"text/1234567890/int64", types.TextFormat, []byte("1234567890"), &i},
		{"money/binary/int64", types.BinaryFormat, mustHex(b, "0000 0000 0001 e240"), &cts},
	} {
		typ := typ
		if strings.HasPrefix(c.name, "money") {
			typ = numType(b, types.MoneyOID)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := m.Scan(typ, c.f, c.src, c.dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncodeNumeric(b *testing.B) {
	m := types.Default()
	typ := numType(b, types.NumericOID)
	buf := make([]byte, 0, 128)
	for _, c := range []struct {
		name string
		f    types.Format
		v    any
	}{
		{"binary/string", types.BinaryFormat, "123.45"},
		{"binary/Numeric", types.BinaryFormat, mustNumeric(b, "123.45")},
		{"binary/float64", types.BinaryFormat, 123.45},
		{"binary/int64", types.BinaryFormat, int64(1234567890)},
		{"binary/39digits-string", types.BinaryFormat, "123456789012345678901234567890.123456789"},
		{"text/Numeric", types.TextFormat, mustNumeric(b, "123.45")},
		{"text/float64", types.TextFormat, 123.45},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := m.EncodeFormat(typ, c.f, c.v, buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestNumericLongDigits(t *testing.T) {
	// Coefficients long enough for the split conversion, with and without
	// zeros at the split points.
	for _, s := range []string{
		strings.Repeat("123456789", 3000),
		"1" + strings.Repeat("0", 5000) + "1",
		strings.Repeat("9", 131072),
		"-" + strings.Repeat("12", 8000) + "." + strings.Repeat("3", 16383),
	} {
		n := mustNumeric(t, s)
		want, _ := new(big.Int).SetString(strings.Replace(s, ".", "", 1), 10)
		if n.Int.Cmp(want) != 0 {
			t.Errorf("%.20s…: coefficient differs", s)
		}
		if n.String() != s {
			t.Errorf("%.20s…: String differs", s)
		}
	}
}
