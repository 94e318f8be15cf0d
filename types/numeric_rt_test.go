package types_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

// numLongDigits is a 1000-digit numeric with 500 digits after the point,
// crossing many base-10000 digit boundaries.
var numLongDigits = func() string {
	var b strings.Builder
	for i := range 1000 {
		if i == 500 {
			b.WriteByte('.')
		}
		b.WriteByte(byte('1' + (i*7)%9))
	}
	return b.String()
}()

func TestRoundTripNumeric(t *testing.T) {
	n := func(s string) types.Numeric { return mustNumeric(t, s) }
	rat := func(s string) *big.Rat {
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("bad rat %q", s)
		}
		return r
	}
	pow10 := func(k int64) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(k), nil) }
	const asText = "%s::text = %s::text" // also compares the display scale
	runRoundTrip(t, []rtCase{
		{Type: "numeric", Literal: "NULL", Value: nil, Want: (*types.Numeric)(nil)},
		{Type: "numeric", Literal: "0", Value: 0, Want: n("0")},
		{Type: "numeric", Literal: "0", Value: types.Numeric{}, Compare: asText},
		{Name: "numeric -0 reads 0", Type: "numeric", Literal: "'-0'", Value: "-0", Want: "0", Compare: asText},
		{Type: "numeric", Literal: "'-0.00'", Value: n("-0.00"), Want: n("0.00"), Compare: asText},
		{Type: "numeric", Literal: "'1.50'", Value: n("1.50"), Compare: asText},
		{Type: "numeric", Literal: "'1.50'", Value: "1.50", Want: "1.50", Compare: asText},
		{Type: "numeric", Literal: "'1.50'", Value: rat("1.5"), Want: rat("3/2")},
		{Type: "numeric", Literal: "'0.000001'", Value: 0.000001, Want: n("0.000001"), Compare: asText},
		{Type: "numeric", Literal: "'1e-1000'", Value: types.Numeric{Int: big.NewInt(1), Exp: -1000}, Compare: asText},
		{Name: "numeric smallest 1e-16383", Type: "numeric", Literal: "'1e-16383'", Value: types.Numeric{Int: big.NewInt(1), Exp: -16383}, Compare: asText},
		{Type: "numeric", Literal: "'123456789012345678901234567890.123456789'", Value: rat("123456789012345678901234567890.123456789"), Want: n("123456789012345678901234567890.123456789"), Compare: asText},
		{Type: "numeric", Literal: "'-123456789012345678901234567890.123456789'", Value: "-123456789012345678901234567890.123456789", Want: rat("-123456789012345678901234567890.123456789")},
		{Type: "numeric", Literal: "'1e1000'", Value: pow10(1000), Want: pow10(1000)},
		{Type: "numeric", Literal: "'-1e1000'", Value: types.Numeric{Int: big.NewInt(-1), Exp: 1000}, Want: n("-1e1000"), Compare: asText},
		{Name: "numeric largest 9e131071", Type: "numeric", Literal: "'9e131071'", Value: types.Numeric{Int: big.NewInt(9), Exp: 131071}},
		{Name: "numeric 1000 digits", Type: "numeric", Literal: "'" + numLongDigits + "'", Value: numLongDigits, Want: n(numLongDigits), Compare: asText},
		{Type: "numeric", Literal: "'NaN'", Value: types.Numeric{NaN: true}},
		{Type: "numeric", Literal: "'NaN'", Value: math.NaN(), Want: math.NaN()},
		{Type: "numeric", Literal: "'Infinity'", Value: math.Inf(1), Want: math.Inf(1)},
		{Type: "numeric", Literal: "'Infinity'", Value: types.Numeric{Inf: types.PositiveInfinity}},
		{Type: "numeric", Literal: "'-Infinity'", Value: types.Numeric{Inf: types.NegativeInfinity}},
		{Type: "numeric", Literal: "'-inf'", Value: float32(math.Inf(-1)), Want: "-Infinity"},
		{Type: "numeric(10,2)", Literal: "'3.14159'", Value: "3.14159", Want: n("3.14"), Compare: asText},
		{Type: "numeric(10,2)", Literal: "'2.5'", Value: 2.5, Want: n("2.50"), Compare: asText},
		{Type: "numeric(10,2)", Literal: "'-99999999.99'", Value: n("-99999999.99"), Compare: asText},
		{Type: "numeric", Literal: "'-123.45'", Value: n("-123.45"), Compare: asText},
		{Type: "numeric", Literal: "-42", Value: int64(-42), Want: int64(-42)},
		{Type: "numeric", Literal: "9999", Value: 9999, Want: int16(9999)},
		{Type: "numeric", Literal: "10000", Value: uint16(10000), Want: n("10000")},
		{Type: "numeric", Literal: "'0.0001'", Value: big.NewRat(1, 10000), Want: n("0.0001"), Compare: asText},
		{Type: "numeric", Literal: "'9999.9999'", Value: n("9999.9999"), Want: 9999.9999},
		{Type: "numeric", Literal: "'100000000'", Value: int32(100000000), Want: uint32(100000000)},
		{Type: "numeric", Literal: "'0.99999999'", Value: "0.99999999", Want: n("0.99999999"), Compare: asText},
		{Type: "numeric", Literal: "'9223372036854775807'", Value: int64(math.MaxInt64), Want: int64(math.MaxInt64)},
		{Type: "numeric", Literal: "'-9223372036854775808'", Value: int64(math.MinInt64), Want: int64(math.MinInt64)},
		{Type: "numeric", Literal: "'18446744073709551615'", Value: uint64(math.MaxUint64), Want: uint64(math.MaxUint64)},
		{Type: "numeric", Literal: "0.1", Value: 0.1, Want: 0.1},
		{Type: "numeric", Literal: "0.1", Value: float32(0.1), Want: float32(0.1)},
		{Type: "numeric", Literal: "'1.5e10'", Value: "1.5e10", Want: n("15000000000"), Compare: asText},
		{Type: "numeric", Literal: "'1.5e-3'", Value: json.Number("1.5e-3"), Want: n("0.0015"), Compare: asText},
		{Type: "numeric", Literal: "'0.125'", Value: big.NewFloat(0.125), Want: big.NewFloat(0.125)},
		{Type: "numeric", Literal: "'7'", Value: big.NewInt(7), Want: big.NewInt(7)},
	})
}

func TestRoundTripMoney(t *testing.T) {
	conn := rtConn(t)
	// The text cases are money's output under lc_monetary C.
	if _, err := conn.SimpleQuery(rtCtx(t), "set lc_monetary to 'C'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := conn.SimpleQuery(context.Background(), "reset lc_monetary"); err != nil {
			t.Error(err)
		}
	})
	runRoundTrip(t, []rtCase{
		{Type: "money", Literal: "NULL", Value: nil, Want: (*int64)(nil)},
		{Type: "money", Literal: "0", Value: "0", Want: int64(0)},
		{Type: "money", Literal: "'1234.56'", Value: "$1,234.56", Want: int64(123456)},
		{Type: "money", Literal: "'1234.56'", Value: "1234.56", Want: "$1,234.56", Formats: textOnly},
		{Type: "money", Literal: "'-1.00'", Value: "-$1.00", Want: int64(-100)},
		{Type: "money", Literal: "'-1.00'", Value: "-1", Want: "-$1.00", Formats: textOnly},
		{Type: "money", Literal: "'-92233720368547758.08'", Value: "-92233720368547758.08", Want: int64(math.MinInt64)},
		{Type: "money", Literal: "'-92233720368547758.08'", Value: "-$92,233,720,368,547,758.08", Want: "-$92,233,720,368,547,758.08", Formats: textOnly},
		{Type: "money", Literal: "'92233720368547758.07'", Value: "92233720368547758.07", Want: int64(math.MaxInt64)},
		// Integers (minor units) are binary only: no text parameter.
		{Type: "money", Literal: "'1234.56'", Value: int64(123456)},
		{Type: "money", Literal: "'-92233720368547758.08'", Value: int64(math.MinInt64)},
		{Type: "money", Literal: "'0.01'", Value: int8(1)},
	})
}

// TestNumericSendMatchesServer compares the binary encoder with the
// server's numeric_send, byte for byte, and the text parser's value and
// scale with numeric_in's, for literals in every syntax numeric_in reads.
func TestNumericSendMatchesServer(t *testing.T) {
	conn := rtConn(t)
	m := types.NewMap()
	typ := numType(t, types.NumericOID)
	lits := []string{
		"0", "-0", "0.00", "1", "1.50", "-123.45", "9999", "10000", "100000000", "0.0001", "0.000001",
		"9999.9999", "-0.5", "12345678.9", "123456789012345678901234567890.123456789",
		"1e3", "1E+3", "1.5e10", "1.25e1", "5e-3", "-1.5E-3", "0e5", "0.00e-2", " +.5 ", "1.", "007",
		"1e-1000", "1e1000", "0.1e-3", "12.345e2", "12.345e-2", "NaN", "nan", "Infinity", "-Infinity", "inf", "-INF",
		"99999999999999999999.99999999999999999999", "0.00000000000000000001", numLongDigits,
	}
	for _, lit := range lits {
		res, err := conn.SimpleQuery(rtCtx(t), fmt.Sprintf("select encode(numeric_send(%s::numeric), 'hex'), %[1]s::numeric::text", quoteLiteral(lit)))
		if err != nil {
			t.Fatalf("%q: %v", lit, err)
		}
		want, text := string(res[0].Rows[0][0]), string(res[0].Rows[0][1])
		if strings.HasSuffix(want, "d0000020") || strings.HasSuffix(want, "f0000020") {
			// numeric_send reports the infinities' dscale as 32, an
			// artifact of reading the short header's scale bits from
			// the special sign; numeric_recv ignores it, and we send 0.
			want = want[:len(want)-2] + "00"
		}
		got, _, err := m.EncodeFormat(typ, types.BinaryFormat, lit, nil)
		if err != nil || hex.EncodeToString(got) != want {
			t.Errorf("%.40q: encoded %x, %v; numeric_send %s", lit, got, err, want)
		}
		n, err := types.ParseNumeric(lit)
		if err != nil || n.String() != text {
			t.Errorf("%.40q: parsed as %.40s, %v; server %.40s", lit, n, err, text)
		}
	}
}
