package types

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
)

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "money", MoneyOID, MoneyArrayOID, MoneyCodec{})
	})
}

// MoneyCodec is the codec of money. See
// https://www.postgresql.org/docs/current/datatype-money.html and cash_in,
// cash_out, cash_recv and cash_send in src/backend/utils/adt/cash.c.
//
// A money value is an int64 count of the currency's minor units (cents for
// lc_monetary C or en_US: 123456 is $1,234.56). The binary format is that
// int64; the text format is formatted by the server's lc_monetary
// ("$1,234.56", "-$1.00", "($1.00)", "1.234,56 €"), so its meaning depends
// on the session.
//
// Binary: decode into any Go integer type (range-checked) or *big.Int;
// encode from any Go integer type (range-checked) or *big.Int. The natural
// value is int64.
//
// Text: decode into *string (the server's text, verbatim) or into a Go
// integer type, which receives the minor units read from the text: its
// ASCII digits in order, negative if it holds '-' or '(' (cash_out always
// prints the locale's number of fraction digits, so this holds for every
// locale whose currency symbol has no digits). A string parameter is sent
// as is for the server to parse with its lc_monetary (Map does this);
// integers are not encoded as text, since the text's scale depends on the
// locale. The natural value is the text as a string.
type MoneyCodec struct{}

// PreferredFormat is binary.
func (MoneyCodec) PreferredFormat() Format { return BinaryFormat }

func (MoneyCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	if f != BinaryFormat {
		return buf, unsupportedValue(v, f)
	}
	switch v.(type) {
	case float32, float64:
		// Integral floats are integers to the int codecs; an amount in
		// minor units is not taken from a float.
		return buf, unsupportedValue(v, f)
	}
	n, err := intValue(v)
	if err != nil {
		return buf, err
	}
	return binary.BigEndian.AppendUint64(buf, uint64(n)), nil
}

var moneyErrBinaryString = fmt.Errorf("%w destination *string for binary money: it is an amount in minor units (scan into an int64) and its text form depends on lc_monetary", ErrUnsupported)

func (MoneyCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	if p, ok := dst.(*string); ok {
		if f == BinaryFormat {
			return moneyErrBinaryString
		}
		*p = string(src)
		return nil
	}
	var n int64
	if f == BinaryFormat {
		if len(src) != 8 {
			return malformed(t, f, "%d bytes, want 8", len(src))
		}
		n = int64(binary.BigEndian.Uint64(src))
	} else {
		var err error
		if n, err = moneyParseText(src); err != nil {
			return malformed(t, f, "%q: %v", truncate(src), err)
		}
	}
	switch p := dst.(type) {
	case *int, *int8, *int16, *int32, *int64, *uint, *uint8, *uint16, *uint32, *uint64:
		return assignInt(n, dst)
	case *big.Int:
		p.SetInt64(n)
		return nil
	}
	return unsupportedDst(dst)
}

func (MoneyCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	if f == BinaryFormat {
		if len(src) != 8 {
			return nil, malformed(t, f, "%d bytes, want 8", len(src))
		}
		return int64(binary.BigEndian.Uint64(src)), nil
	}
	return string(src), nil
}

var (
	moneyErrNoDigits = errors.New("no digits")
	moneyErrRange    = errors.New("out of range for money")
)

// moneyParseText reads cash_out's text as minor units: the digits in
// order, negative with a '-' or '('.
func moneyParseText(src []byte) (int64, error) {
	var u uint64
	neg, seen := false, false
	for _, c := range src {
		switch {
		case '0' <= c && c <= '9':
			hi, lo := bits.Mul64(u, 10)
			lo, carry := bits.Add64(lo, uint64(c-'0'), 0)
			if hi != 0 || carry != 0 {
				return 0, moneyErrRange
			}
			u = lo
			seen = true
		case c == '-' || c == '(':
			neg = true
		}
	}
	if !seen {
		return 0, moneyErrNoDigits
	}
	if neg {
		if u > 1<<63 {
			return 0, moneyErrRange
		}
		return -int64(u), nil
	}
	if u > math.MaxInt64 {
		return 0, moneyErrRange
	}
	return int64(u), nil
}
