package types

import (
	"cmp"
	"database/sql/driver"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
)

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "numeric", NumericOID, NumericArrayOID, NumericCodec{})
	})
}

// Limits of PostgreSQL's numeric storage format (src/include/utils/numeric.h
// and make_result in src/backend/utils/adt/numeric.c): a weight that fits
// in int16 (up to 131072 decimal digits before the point) and a display
// scale of at most NUMERIC_DSCALE_MAX (16383 digits after it).
const (
	numMaxDscale = 0x3FFF             // NUMERIC_DSCALE_MAX
	numMaxWeight = math.MaxInt16      // base-10000 weight of the first digit
	numMaxTop    = 4*numMaxWeight + 3 // highest decimal position, 10^131071
	numBase      = 10000              // NBASE
)

// Sign words of the binary format (NUMERIC_POS, NUMERIC_NEG, NUMERIC_NAN,
// NUMERIC_PINF, NUMERIC_NINF).
const (
	numSignPos  = 0x0000
	numSignNeg  = 0x4000
	numSignNaN  = 0xC000
	numSignPInf = 0xD000
	numSignNInf = 0xF000
)

// Kinds of numDec.
const (
	numFinite uint8 = iota
	numNaN
	numPInf
	numNInf
)

var (
	numErrSyntax = errors.New("invalid syntax")
	numErrRange  = errors.New("value overflows numeric format (at most 131072 digits before the decimal point and 16383 after)")
)

// Numeric is a PostgreSQL numeric: the exact decimal Int × 10^Exp, NaN, or
// ±Infinity (PostgreSQL 14 and later).
//
// The display scale (digits after the point) is -Exp when Exp is negative
// and 0 otherwise, so 1.50 is {Int: 150, Exp: -2} and keeps its trailing
// zero through a round trip. Values decoded from the server always have
// Exp = -scale. The zero Numeric is 0; a nil Int is 0.
//
// NaN takes precedence over Inf; Int and Exp are ignored for both.
// Compare Numerics with Cmp or Equal, not ==.
type Numeric struct {
	Int *big.Int // coefficient; nil is 0
	Exp int32    // decimal exponent
	NaN bool
	Inf Infinity // PositiveInfinity or NegativeInfinity; Finite otherwise
}

// ParseNumeric parses s as PostgreSQL's numeric input does (numeric_in):
// optional surrounding white space, an optional sign, digits with an
// optional decimal point, an optional exponent ("1.5e10", "-2E-3"), or NaN,
// Infinity, inf, -Infinity, -inf (any case). The display scale is the one
// PostgreSQL would give: "1.50" has scale 2, "1.5e10" scale 0, "1e-3"
// scale 3.
func ParseNumeric(s string) (Numeric, error) {
	var stack [64]byte
	d, err := numParseText(s, stack[:0])
	if err != nil {
		return Numeric{}, fmt.Errorf("parse numeric %q: %w", numTruncate(s), err)
	}
	var n Numeric
	numSet(&n, &d)
	return n, nil
}

// String returns n as PostgreSQL prints it: "1.50", "-0.001", "NaN",
// "Infinity", "-Infinity". A value beyond numeric's range (which the server
// would refuse) is printed in exponent form, "1e-20000".
func (n Numeric) String() string {
	var stack [64]byte
	d, err := numDecOf(&n, stack[:0])
	if err != nil {
		return "<invalid Numeric: " + err.Error() + ">"
	}
	var out [80]byte
	if numCheck(&d) != nil {
		return string(numAppendExp(out[:0], &d))
	}
	return string(numAppendText(out[:0], &d))
}

// Value implements driver.Valuer: n's text form.
func (n Numeric) Value() (driver.Value, error) {
	var stack [64]byte
	d, err := numDecOf(&n, stack[:0])
	if err != nil {
		return nil, err
	}
	if err := numCheck(&d); err != nil {
		return nil, err
	}
	return n.String(), nil
}

// MarshalText implements encoding.TextMarshaler with String's form.
func (n Numeric) MarshalText() ([]byte, error) {
	v, err := n.Value()
	if err != nil {
		return nil, err
	}
	return []byte(v.(string)), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseNumeric.
func (n *Numeric) UnmarshalText(text []byte) error {
	var stack [64]byte
	d, err := numParseText(text, stack[:0])
	if err != nil {
		return fmt.Errorf("parse numeric %q: %w", numTruncate(text), err)
	}
	numSet(n, &d)
	return nil
}

// Scan implements sql.Scanner for the values other codecs and
// database/sql produce: string, []byte (numeric text), int64, uint64,
// float64 (its shortest exact form), *big.Int, *big.Rat and Numeric. It lets
// a *Numeric receive an int8 or float8 column.
func (n *Numeric) Scan(src any) error {
	if src == nil {
		return ErrNull
	}
	var stack [64]byte
	var d numDec
	var err error
	switch x := src.(type) {
	case Numeric:
		*n = x
		return nil
	case string:
		d, err = numParseText(x, stack[:0])
	case []byte:
		d, err = numParseText(x, stack[:0])
	default:
		d, err = numDecValue(src, stack[:0])
		if isUnsupported(err) {
			return fmt.Errorf("cannot scan %T into *types.Numeric", src)
		}
	}
	if err != nil {
		return err
	}
	numSet(n, &d)
	return nil
}

// Scale returns the display scale: the number of digits after the point.
func (n Numeric) Scale() int {
	if n.Exp < 0 {
		return -int(n.Exp)
	}
	return 0
}

// Float64 returns n rounded to the nearest float64: NaN, ±Inf for the
// infinities and for values beyond float64's range.
func (n Numeric) Float64() float64 {
	var stack [64]byte
	d, err := numDecOf(&n, stack[:0])
	if err != nil {
		return math.NaN()
	}
	f, _ := numFloat(&d, 64)
	return f
}

// BigInt returns n as a new big.Int, or an error if n is NaN, infinite or
// not an integer ("1.00" is the integer 1).
func (n Numeric) BigInt() (*big.Int, error) {
	d, err := n.checkedDec()
	if err != nil {
		return nil, err
	}
	z := new(big.Int)
	if err := numToBigInt(&d, z); err != nil {
		return nil, err
	}
	return z, nil
}

// BigRat returns n as a new, exact big.Rat, or an error if n is NaN or
// infinite.
func (n Numeric) BigRat() (*big.Rat, error) {
	d, err := n.checkedDec()
	if err != nil {
		return nil, err
	}
	r := new(big.Rat)
	if err := numToRat(&d, r); err != nil {
		return nil, err
	}
	return r, nil
}

func (n *Numeric) checkedDec() (numDec, error) {
	d, err := numDecOf(n, nil)
	if err != nil {
		return d, err
	}
	return d, numCheck(&d)
}

// Cmp compares n and o by value as PostgreSQL orders numerics:
// -Infinity < finite values < Infinity < NaN, and NaN equals NaN. 1.5 and
// 1.50 are equal. It returns -1, 0 or +1.
func (n Numeric) Cmp(o Numeric) int {
	rn, ro := n.rank(), o.rank()
	if rn != ro || rn != 1 {
		return cmp.Compare(rn, ro)
	}
	sn, so := 0, 0
	if n.Int != nil {
		sn = n.Int.Sign()
	}
	if o.Int != nil {
		so = o.Int.Sign()
	}
	if sn != so || sn == 0 {
		return cmp.Compare(sn, so)
	}
	// Same sign, both non-zero: compare magnitudes by their decimal digits.
	a := numAbsText(n.Int)
	b := numAbsText(o.Int)
	c := numCmpDigits(a, int64(n.Exp), b, int64(o.Exp))
	return c * sn
}

// Equal reports whether n and o have the same value and the same display
// scale, so that their text forms are the same: 1.5 and 1.50 differ.
func (n Numeric) Equal(o Numeric) bool {
	return n.Cmp(o) == 0 && (n.rank() != 1 || n.Scale() == o.Scale())
}

// rank orders the kinds of values: -Infinity 0, finite 1, Infinity 2, NaN 3.
func (n Numeric) rank() int {
	switch {
	case n.NaN:
		return 3
	case n.Inf > 0:
		return 2
	case n.Inf < 0:
		return 0
	}
	return 1
}

// numAbsText returns |x| in decimal.
func numAbsText(x *big.Int) []byte {
	b := x.Append(nil, 10)
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	return b
}

// numCmpDigits compares a × 10^ea and b × 10^eb, for digit strings without
// leading zeros.
func numCmpDigits(a []byte, ea int64, b []byte, eb int64) int {
	// The position of the leading digit decides first.
	if ta, tb := ea+int64(len(a)), eb+int64(len(b)); ta != tb {
		return cmp.Compare(ta, tb)
	}
	// Same leading position: the digits compare as strings, right-padded
	// with zeros.
	for i := 0; i < len(a) || i < len(b); i++ {
		ca, cb := byte('0'), byte('0')
		if i < len(a) {
			ca = a[i]
		}
		if i < len(b) {
			cb = b[i]
		}
		if ca != cb {
			return cmp.Compare(int(ca), int(cb))
		}
	}
	return 0
}

// NumericCodec is the codec of numeric. See
// https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-NUMERIC-DECIMAL
// and numeric_in, numeric_out, numeric_recv and numeric_send in
// src/backend/utils/adt/numeric.c.
//
// The binary format is ndigits, weight, sign and dscale (four 16-bit
// words), then ndigits base-10000 digits, the first of weight 10000^weight.
// Digits hidden by dscale are truncated, as numeric_recv does.
//
// Decode into: *Numeric (lossless, the natural value), *string (the text
// form), *big.Int (integers only), *big.Rat (exact; not NaN or infinite),
// *big.Float (rounded to its precision, 64 bits or more if unset; not
// NaN), *float64 and *float32 (nearest value; NaN and ±Inf carried; an
// error beyond their range) and every Go integer type (exact integers in
// range only).
//
// Encode from: Numeric and *Numeric, string and json.Number (numeric_in's
// syntax, parsed for binary, sent as is in text), *big.Int, big.Int,
// *big.Rat and big.Rat (if the value has a finite decimal expansion),
// *big.Float and big.Float (its shortest decimal form at its precision;
// infinities map to ±Infinity), every Go integer type, float32 and float64
// (the shortest decimal that reads back as the same float, as strconv
// formats it; NaN and ±Inf map to NaN and ±Infinity). Values beyond
// numeric's range (131072 digits before the point, 16383 after) are
// refused.
type NumericCodec struct{}

// PreferredFormat is binary.
func (NumericCodec) PreferredFormat() Format { return BinaryFormat }

func (NumericCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	var stack [64]byte
	var d numDec
	var err error
	switch x := v.(type) {
	case Numeric:
		d, err = numDecOf(&x, stack[:0])
	case *Numeric:
		if x == nil {
			return buf, unsupportedValue(v, f)
		}
		d, err = numDecOf(x, stack[:0])
	case string:
		if f == TextFormat {
			return append(buf, x...), nil
		}
		if d, err = numParseText(x, stack[:0]); err == numErrSyntax {
			// Let Map send it as text for the server to judge.
			return buf, unsupportedValue(v, f)
		}
	case json.Number:
		if f == TextFormat {
			return append(buf, x...), nil
		}
		if d, err = numParseText(string(x), stack[:0]); err == numErrSyntax {
			return buf, unsupportedValue(v, f)
		}
	default:
		d, err = numDecValue(v, stack[:0])
		if isUnsupported(err) {
			return buf, unsupportedValue(v, f)
		}
	}
	if err != nil {
		return buf, err
	}
	if err := numCheck(&d); err != nil {
		return buf, err
	}
	if f == BinaryFormat {
		return numAppendBinary(buf, &d), nil
	}
	if d.kind == numFinite && d.exp > 32 && len(d.digits) > 0 {
		// Keep 1e100000 short; numeric_in gives it the same scale, 0.
		return numAppendExp(buf, &d), nil
	}
	return numAppendText(buf, &d), nil
}

// numDecValue converts the Go numbers Encode accepts (other than Numeric
// and strings) into a numDec using buf for its digits.
func numDecValue(v any, buf []byte) (numDec, error) {
	switch x := v.(type) {
	case int:
		return numDecInt(int64(x), buf), nil
	case int8:
		return numDecInt(int64(x), buf), nil
	case int16:
		return numDecInt(int64(x), buf), nil
	case int32:
		return numDecInt(int64(x), buf), nil
	case int64:
		return numDecInt(x, buf), nil
	case uint:
		return numDecUint(uint64(x), false, buf), nil
	case uint8:
		return numDecUint(uint64(x), false, buf), nil
	case uint16:
		return numDecUint(uint64(x), false, buf), nil
	case uint32:
		return numDecUint(uint64(x), false, buf), nil
	case uint64:
		return numDecUint(x, false, buf), nil
	case float64:
		return numDecFloat(x, 64, buf)
	case float32:
		return numDecFloat(float64(x), 32, buf)
	case *big.Int:
		if x == nil {
			break
		}
		return numDecBigInt(x, buf), nil
	case big.Int:
		return numDecBigInt(&x, buf), nil
	case *big.Rat:
		if x == nil {
			break
		}
		return numDecRat(x, buf)
	case big.Rat:
		return numDecRat(&x, buf)
	case *big.Float:
		if x == nil {
			break
		}
		return numDecBigFloat(x, buf)
	case big.Float:
		return numDecBigFloat(&x, buf)
	}
	return numDec{}, fmt.Errorf("%w Go type %T", ErrUnsupported, v)
}

func (NumericCodec) parse(t *Type, f Format, src []byte, buf []byte) (numDec, error) {
	if f == BinaryFormat {
		d, err := numParseBinary(src, buf)
		if err != nil {
			return d, malformed(t, f, "%v", err)
		}
		return d, nil
	}
	d, err := numParseText(src, buf)
	if err != nil {
		return d, malformed(t, f, "%q: %v", truncate(src), err)
	}
	return d, nil
}

func (c NumericCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	var stack [64]byte
	d, err := c.parse(t, f, src, stack[:0])
	if err != nil {
		return err
	}
	switch p := dst.(type) {
	case *Numeric:
		numSet(p, &d)
	case *string:
		var out [80]byte
		*p = string(numAppendText(out[:0], &d))
	case *float64:
		x, err := numFloat(&d, 64)
		if err != nil {
			return err
		}
		*p = x
	case *float32:
		x, err := numFloat(&d, 32)
		if err != nil {
			return err
		}
		*p = float32(x)
	case *big.Int:
		return numToBigInt(&d, p)
	case *big.Rat:
		return numToRat(&d, p)
	case *big.Float:
		switch d.kind {
		case numNaN:
			return errors.New("NaN cannot be stored in a big.Float")
		case numPInf, numNInf:
			p.SetInf(d.kind == numNInf)
			return nil
		}
		var r big.Rat
		if err := numToRat(&d, &r); err != nil {
			return err
		}
		p.SetRat(&r)
	case *int, *int8, *int16, *int32, *int64, *uint, *uint8, *uint16, *uint32, *uint64:
		return numAssignInt(&d, dst)
	default:
		return unsupportedDst(dst)
	}
	return nil
}

func (c NumericCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	var stack [64]byte
	d, err := c.parse(t, f, src, stack[:0])
	if err != nil {
		return nil, err
	}
	var n Numeric
	numSet(&n, &d)
	return n, nil
}

// numDec is a parsed numeric: digits × 10^exp with display scale dscale
// (exp >= -dscale), or a special value. digits are ASCII, without leading
// zeros, empty for zero; they usually live in a caller's stack buffer.
type numDec struct {
	kind   uint8
	neg    bool
	digits []byte
	exp    int
	dscale int
}

// numCheck reports whether d fits numeric's storage format.
func numCheck(d *numDec) error {
	if d.kind != numFinite {
		return nil
	}
	if d.dscale > numMaxDscale || d.dscale < 0 {
		return numErrRange
	}
	if len(d.digits) > 0 && (d.exp < -numMaxDscale || d.exp > numMaxTop-len(d.digits)+1) {
		return numErrRange
	}
	return nil
}

// numSpecials are numeric_in's special values, in the order it tries them.
var numSpecials = []struct {
	s    string // lower case
	kind uint8
}{
	{"nan", numNaN},
	{"infinity", numPInf},
	{"+infinity", numPInf},
	{"-infinity", numNInf},
	{"inf", numPInf},
	{"+inf", numPInf},
	{"-inf", numNInf},
}

// numIsSpace is C's isspace in the C locale.
func numIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func numIsDigit(c byte) bool { return '0' <= c && c <= '9' }

// numHasPrefixFold reports whether s starts with the lower-case ASCII p,
// ignoring case.
func numHasPrefixFold[S string | []byte](s S, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

// numParseText parses numeric_in's syntax (set_var_from_str), appending
// the significant digits to buf. The display scale is the number of digits
// after the point minus the exponent, at least 0. Values beyond numeric's
// range return numErrRange, bad syntax numErrSyntax.
func numParseText[S string | []byte](s S, buf []byte) (numDec, error) {
	var d numDec
	i := 0
	for i < len(s) && numIsSpace(s[i]) {
		i++
	}
	rest := s[i:]
	for _, sp := range numSpecials {
		if numHasPrefixFold(rest, sp.s) {
			j := len(sp.s)
			for j < len(rest) && numIsSpace(rest[j]) {
				j++
			}
			if j != len(rest) {
				return d, numErrSyntax
			}
			d.kind = sp.kind
			return d, nil
		}
	}
	j := 0
	if j < len(rest) && (rest[j] == '+' || rest[j] == '-') {
		d.neg = rest[j] == '-'
		j++
	}
	digits := buf[:0]
	sawDigit, sawPoint := false, false
	frac := int64(0)
loop:
	for ; j < len(rest); j++ {
		c := rest[j]
		switch {
		case numIsDigit(c):
			sawDigit = true
			if sawPoint {
				frac++
			}
			if c != '0' || len(digits) > 0 {
				digits = append(digits, c)
			}
		case c == '.' && !sawPoint:
			sawPoint = true
		default:
			break loop
		}
	}
	if !sawDigit {
		return d, numErrSyntax
	}
	var e int64
	if j < len(rest) && (rest[j] == 'e' || rest[j] == 'E') {
		j++
		eneg := false
		if j < len(rest) && (rest[j] == '+' || rest[j] == '-') {
			eneg = rest[j] == '-'
			j++
		}
		k := j
		for ; j < len(rest) && numIsDigit(rest[j]); j++ {
			if e < math.MaxInt32 {
				e = e*10 + int64(rest[j]-'0')
			}
		}
		if j == k {
			return d, numErrSyntax
		}
		if e >= math.MaxInt32/2 {
			return d, numErrRange
		}
		if eneg {
			e = -e
		}
	}
	for j < len(rest) && numIsSpace(rest[j]) {
		j++
	}
	if j != len(rest) {
		return d, numErrSyntax
	}
	dscale := max(frac-e, 0)
	if dscale > numMaxDscale {
		return d, numErrRange
	}
	d.dscale = int(dscale)
	if len(digits) == 0 {
		d.neg = false
		return d, nil
	}
	exp := e - frac
	if exp+int64(len(digits))-1 > numMaxTop {
		return d, numErrRange
	}
	d.digits = digits
	d.exp = int(exp)
	return d, nil
}

// numParseBinary parses numeric_recv's format, appending the significant
// decimal digits that dscale does not hide to buf.
func numParseBinary(src []byte, buf []byte) (numDec, error) {
	var d numDec
	if len(src) < 8 {
		return d, fmt.Errorf("%d bytes, want at least 8", len(src))
	}
	nd := int(binary.BigEndian.Uint16(src))
	weight := int(int16(binary.BigEndian.Uint16(src[2:])))
	sign := binary.BigEndian.Uint16(src[4:])
	dscale := int(binary.BigEndian.Uint16(src[6:]))
	if len(src) != 8+2*nd {
		return d, fmt.Errorf("%d bytes for %d digits, want %d", len(src), nd, 8+2*nd)
	}
	switch sign {
	case numSignPos, numSignNeg:
	case numSignNaN:
		d.kind = numNaN
	case numSignPInf:
		d.kind = numPInf
	case numSignNInf:
		d.kind = numNInf
	default:
		return d, fmt.Errorf("invalid sign %#04x", sign)
	}
	if dscale > numMaxDscale {
		return d, fmt.Errorf("invalid scale %d", dscale)
	}
	for i := 0; i < nd; i++ {
		if g := binary.BigEndian.Uint16(src[8+2*i:]); g >= numBase {
			return d, fmt.Errorf("invalid digit %d", int16(g))
		}
	}
	if d.kind != numFinite {
		return d, nil
	}
	d.neg = sign == numSignNeg
	d.dscale = dscale
	digits := buf[:0]
	exp := 0
	low := -dscale
groups:
	for i := 0; i < nd; i++ {
		g := binary.BigEndian.Uint16(src[8+2*i:])
		q := [4]byte{byte(g / 1000), byte(g / 100 % 10), byte(g / 10 % 10), byte(g % 10)}
		p := 4*(weight-i) + 3 // position of q[0]
		if len(digits) > 0 && p-3 >= low {
			digits = append(digits, '0'+q[0], '0'+q[1], '0'+q[2], '0'+q[3])
			exp = p - 3
			continue
		}
		for k, c := range q {
			if p-k < low {
				break groups
			}
			if c != 0 || len(digits) > 0 {
				digits = append(digits, '0'+c)
			}
			exp = p - k
		}
	}
	if len(digits) == 0 {
		d.neg = false
		return d, nil
	}
	d.digits = digits
	d.exp = exp
	return d, nil
}

// numAppendBinary appends d in numeric_send's format; d passed numCheck.
func numAppendBinary(buf []byte, d *numDec) []byte {
	var sign uint16
	switch d.kind {
	case numNaN:
		return append(buf, 0, 0, 0, 0, 0xC0, 0, 0, 0)
	case numPInf:
		return append(buf, 0, 0, 0, 0, 0xD0, 0, 0, 0)
	case numNInf:
		return append(buf, 0, 0, 0, 0, 0xF0, 0, 0, 0)
	}
	n := len(d.digits)
	if n == 0 {
		return append(buf, 0, 0, 0, 0, 0, 0, byte(d.dscale>>8), byte(d.dscale))
	}
	if d.neg {
		sign = numSignNeg
	}
	top := d.exp + n - 1
	weight := top >> 2 // floor(top/4)
	low := d.exp >> 2
	start := len(buf)
	buf = append(buf, make([]byte, 8)...)
	ndigits := 0
	for g := weight; g >= low; g-- {
		v := 0
		for k := 3; k >= 0; k-- {
			v *= 10
			if idx := top - (4*g + k); idx >= 0 && idx < n {
				v += int(d.digits[idx] - '0')
			}
		}
		buf = binary.BigEndian.AppendUint16(buf, uint16(v))
		if v != 0 {
			ndigits = weight - g + 1
		}
	}
	buf = buf[:start+8+2*ndigits]
	h := buf[start:]
	binary.BigEndian.PutUint16(h, uint16(ndigits))
	binary.BigEndian.PutUint16(h[2:], uint16(int16(weight)))
	binary.BigEndian.PutUint16(h[4:], sign)
	binary.BigEndian.PutUint16(h[6:], uint16(d.dscale))
	return buf
}

// numAppendZeros appends n '0's.
func numAppendZeros(buf []byte, n int) []byte {
	const zeros = "0000000000000000000000000000000000000000000000000000000000000000"
	for n > len(zeros) {
		buf = append(buf, zeros...)
		n -= len(zeros)
	}
	if n > 0 {
		buf = append(buf, zeros[:n]...)
	}
	return buf
}

// numAppendText appends d as numeric_out prints it (get_str_from_var):
// no exponent, exactly dscale digits after the point.
func numAppendText(buf []byte, d *numDec) []byte {
	switch d.kind {
	case numNaN:
		return append(buf, "NaN"...)
	case numPInf:
		return append(buf, "Infinity"...)
	case numNInf:
		return append(buf, "-Infinity"...)
	}
	n := len(d.digits)
	intN := n + d.exp // digits before the point
	if n > 0 && d.neg {
		buf = append(buf, '-')
	}
	if n == 0 || intN <= 0 {
		buf = append(buf, '0')
	} else {
		if intN <= n {
			buf = append(buf, d.digits[:intN]...)
		} else {
			buf = append(buf, d.digits...)
			buf = numAppendZeros(buf, intN-n)
		}
	}
	if d.dscale > 0 {
		buf = append(buf, '.')
		written := 0
		if n > 0 {
			if intN < 0 {
				buf = numAppendZeros(buf, -intN)
				written = -intN
			}
			if from := max(intN, 0); from < n {
				buf = append(buf, d.digits[from:]...)
				written += n - from
			}
		}
		buf = numAppendZeros(buf, d.dscale-written)
	}
	return buf
}

// numAppendExp appends finite d as digits "e" exponent, a form numeric_in
// reads back with the same value and, for exp >= 0, the same scale.
func numAppendExp(buf []byte, d *numDec) []byte {
	if d.kind != numFinite {
		return numAppendText(buf, d)
	}
	if len(d.digits) == 0 {
		buf = append(buf, '0')
		if d.dscale > 0 {
			buf = append(buf, "e-"...)
			buf = strconv.AppendInt(buf, int64(d.dscale), 10)
		}
		return buf
	}
	if d.neg {
		buf = append(buf, '-')
	}
	buf = append(buf, d.digits...)
	if d.exp != 0 {
		buf = append(buf, 'e')
		buf = strconv.AppendInt(buf, int64(d.exp), 10)
	}
	return buf
}

// numDecOf returns n as a numDec, its digits appended to buf. It does not
// check numeric's range (numCheck does).
func numDecOf(n *Numeric, buf []byte) (numDec, error) {
	var d numDec
	switch {
	case n.NaN:
		d.kind = numNaN
		return d, nil
	case n.Inf == PositiveInfinity:
		d.kind = numPInf
		return d, nil
	case n.Inf == NegativeInfinity:
		d.kind = numNInf
		return d, nil
	case n.Inf != Finite:
		return d, fmt.Errorf("invalid Infinity value %d", n.Inf)
	}
	if n.Exp < 0 {
		d.dscale = -int(n.Exp)
	}
	if n.Int == nil || n.Int.Sign() == 0 {
		return d, nil
	}
	d = numDecBigInt(n.Int, buf)
	d.exp = int(n.Exp)
	if n.Exp < 0 {
		d.dscale = -int(n.Exp)
	}
	return d, nil
}

// numDecBigInt returns the integer x as a numDec.
func numDecBigInt(x *big.Int, buf []byte) numDec {
	if x.IsInt64() {
		return numDecInt(x.Int64(), buf)
	}
	b := x.Append(buf[:0], 10)
	d := numDec{digits: b}
	if b[0] == '-' {
		d.neg = true
		d.digits = b[1:]
	}
	return d
}

func numDecInt(x int64, buf []byte) numDec {
	if x < 0 {
		return numDecUint(uint64(-x), true, buf) // -MinInt64 wraps to 1<<63
	}
	return numDecUint(uint64(x), false, buf)
}

func numDecUint(u uint64, neg bool, buf []byte) numDec {
	if u == 0 {
		return numDec{}
	}
	return numDec{neg: neg, digits: strconv.AppendUint(buf[:0], u, 10)}
}

// numDecFloat returns x's shortest decimal form (strconv's) as a numDec,
// with the scale numeric_in gives that form.
func numDecFloat(x float64, bitSize int, buf []byte) (numDec, error) {
	switch {
	case math.IsNaN(x):
		return numDec{kind: numNaN}, nil
	case math.IsInf(x, 1):
		return numDec{kind: numPInf}, nil
	case math.IsInf(x, -1):
		return numDec{kind: numNInf}, nil
	}
	var fs [32]byte
	return numParseText(strconv.AppendFloat(fs[:0], x, 'e', -1, bitSize), buf)
}

// numDecRat returns r's decimal expansion, or an error if it has none that
// fits numeric's scale: r = num/den is a terminating decimal exactly when
// den = 2^a × 5^b, with scale max(a, b).
func numDecRat(r *big.Rat, buf []byte) (numDec, error) {
	if r.IsInt() {
		return numDecBigInt(r.Num(), buf), nil
	}
	den := r.Denom()
	a := den.TrailingZeroBits()
	if a > numMaxDscale {
		return numDec{}, fmt.Errorf("%s has more than %d digits after the decimal point", r.RatString(), numMaxDscale)
	}
	d5 := new(big.Int).Rsh(den, a)
	b := uint(0)
	if d5.Cmp(big.NewInt(1)) != 0 {
		// 5^b has floor(b·log2(5))+1 bits.
		l := d5.BitLen()
		if float64(l-1) > (numMaxDscale+1)*math.Log2(5) {
			return numDec{}, fmt.Errorf("%s has no decimal expansion within %d digits after the point", r.RatString(), numMaxDscale)
		}
		b0 := uint(float64(l-1) / math.Log2(5))
		found := false
		p := new(big.Int)
		for b = max(b0, 1) - 1; b <= b0+1; b++ {
			if p.Exp(big.NewInt(5), big.NewInt(int64(b)), nil).Cmp(d5) == 0 {
				found = true
				break
			}
		}
		if !found {
			return numDec{}, fmt.Errorf("%s has no finite decimal expansion", r.RatString())
		}
	}
	s := max(a, b)
	if s > numMaxDscale {
		return numDec{}, fmt.Errorf("%s has more than %d digits after the decimal point", r.RatString(), numMaxDscale)
	}
	// num × 10^s / den = num × 2^(s-a) × 5^(s-b).
	coef := new(big.Int).Lsh(r.Num(), s-a)
	if s > b {
		coef.Mul(coef, new(big.Int).Exp(big.NewInt(5), big.NewInt(int64(s-b)), nil))
	}
	d := numDecBigInt(coef, buf)
	d.exp = -int(s)
	d.dscale = int(s)
	return d, nil
}

// numDecBigFloat returns x's shortest decimal form at its precision.
func numDecBigFloat(x *big.Float, buf []byte) (numDec, error) {
	if x.IsInf() {
		if x.Signbit() {
			return numDec{kind: numNInf}, nil
		}
		return numDec{kind: numPInf}, nil
	}
	// Refuse before converting what numeric could not hold anyway:
	// 2^435420 > 10^131072 and 2^-54440 < 10^-16388.
	if e := x.MantExp(nil); x.Sign() != 0 && (e > 435420 || e < -54440) {
		return numDec{}, numErrRange
	}
	var fs [64]byte
	return numParseText(x.Append(fs[:0], 'e', -1), buf)
}

// numIntBox holds a big.Int and room for its words, so that a small
// coefficient costs one allocation.
type numIntBox struct {
	i big.Int
	w [2]big.Word
}

// numNewInt returns a new big.Int of value ±u in one allocation.
func numNewInt(u uint64, neg bool) *big.Int {
	b := new(numIntBox)
	var ws []big.Word
	if bits.UintSize == 64 {
		b.w[0] = big.Word(u)
		ws = b.w[:1]
	} else {
		b.w[0] = big.Word(uint32(u))
		b.w[1] = big.Word(u >> 32)
		ws = b.w[:2]
	}
	b.i.SetBits(ws)
	if neg {
		b.i.Neg(&b.i)
	}
	return &b.i
}

// numPow10Big returns 10^n.
func numPow10Big(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// numBigDigits sets z to the decimal digits, splitting long inputs in
// halves so that 131072 digits cost a few big multiplications rather than
// SetString's quadratic time.
func numBigDigits(z *big.Int, digits []byte) {
	if len(digits) <= 1024 {
		if _, ok := z.SetString(string(digits), 10); !ok {
			z.SetInt64(0) // only for empty digits
		}
		return
	}
	m := len(digits) / 2
	var lo big.Int
	numBigDigits(z, digits[:len(digits)-m])
	numBigDigits(&lo, digits[len(digits)-m:])
	z.Mul(z, numPow10Big(m))
	z.Add(z, &lo)
}

// numCoef sets z to the signed integer digits × 10^shift (shift >= 0).
func numCoef(z *big.Int, d *numDec, digits []byte, shift int) {
	if len(digits)+shift <= 19 {
		var u uint64
		for _, c := range digits {
			u = u*10 + uint64(c-'0')
		}
		for range shift {
			u *= 10
		}
		z.SetUint64(u)
	} else {
		numBigDigits(z, digits)
		if shift > 0 {
			z.Mul(z, numPow10Big(shift))
		}
	}
	if d.neg {
		z.Neg(z)
	}
}

// numSet stores d into n, with Exp = -dscale.
func numSet(n *Numeric, d *numDec) {
	*n = Numeric{}
	switch d.kind {
	case numNaN:
		n.NaN = true
		return
	case numPInf:
		n.Inf = PositiveInfinity
		return
	case numNInf:
		n.Inf = NegativeInfinity
		return
	}
	n.Exp = int32(-d.dscale)
	if len(d.digits) == 0 {
		n.Int = numNewInt(0, false)
		return
	}
	shift := d.exp + d.dscale
	if len(d.digits)+shift <= 19 {
		var u uint64
		for _, c := range d.digits {
			u = u*10 + uint64(c-'0')
		}
		for range shift {
			u *= 10
		}
		n.Int = numNewInt(u, d.neg)
		return
	}
	n.Int = new(big.Int)
	numCoef(n.Int, d, d.digits, shift)
}

// numFloat returns d as the nearest float of bitSize bits; beyond their
// range, ±Inf and an error.
func numFloat(d *numDec, bitSize int) (float64, error) {
	switch d.kind {
	case numNaN:
		return math.NaN(), nil
	case numPInf:
		return math.Inf(1), nil
	case numNInf:
		return math.Inf(-1), nil
	}
	if len(d.digits) == 0 {
		return 0, nil
	}
	var stack [32]byte
	b := stack[:0]
	if d.neg {
		b = append(b, '-')
	}
	// d.ddd…e±n: strconv misplaces the point of a mantissa of more than
	// 800 digits that has no decimal point (Go 1.26).
	b = append(b, d.digits[0], '.')
	b = append(b, d.digits[1:]...)
	b = append(b, 'e')
	b = strconv.AppendInt(b, int64(d.exp+len(d.digits)-1), 10)
	x, err := strconv.ParseFloat(string(b), bitSize)
	if err != nil {
		if math.IsInf(x, 0) {
			return x, fmt.Errorf("value %s out of range for float%d", numTextString(d), bitSize)
		}
		return 0, err
	}
	return x, nil
}

// numTextString is d's text form, for messages.
func numTextString(d *numDec) string {
	s := numAppendText(nil, d)
	if len(s) > 64 {
		return string(s[:60]) + "..."
	}
	return string(s)
}

func numTruncate[S string | []byte](s S) string {
	if len(s) > 64 {
		return string(s[:64]) + "..."
	}
	return string(s)
}

// numIntDigits returns the digits of d's integer value and the number of
// zeros to append, or an error if d is not an integer.
func numIntDigits(d *numDec) ([]byte, int, error) {
	switch d.kind {
	case numNaN:
		return nil, 0, errors.New("NaN is not a number")
	case numPInf, numNInf:
		return nil, 0, fmt.Errorf("%s is not a finite number", numTextString(d))
	}
	n := len(d.digits)
	if d.exp >= 0 {
		return d.digits, d.exp, nil
	}
	intN := n + d.exp
	for _, c := range d.digits[max(intN, 0):] {
		if c != '0' {
			return nil, 0, fmt.Errorf("%s is not an integer", numTextString(d))
		}
	}
	return d.digits[:max(intN, 0)], 0, nil
}

// numAssignInt stores an integral d into a Go integer destination.
func numAssignInt(d *numDec, dst any) error {
	digits, zeros, err := numIntDigits(d)
	if err != nil {
		return err
	}
	var u uint64
	ovf := len(digits) > 0 && len(digits)+zeros > 20
	if !ovf {
		for _, c := range digits {
			hi, lo := bits.Mul64(u, 10)
			lo, carry := bits.Add64(lo, uint64(c-'0'), 0)
			if hi != 0 || carry != 0 {
				ovf = true
				break
			}
			u = lo
		}
		if len(digits) > 0 {
			for range zeros {
				hi, lo := bits.Mul64(u, 10)
				if hi != 0 {
					ovf = true
					break
				}
				u = lo
			}
		}
	}
	if p, ok := dst.(*uint64); ok {
		if ovf || d.neg && u != 0 {
			return outOfRange(numTextString(d), dst)
		}
		*p = u
		return nil
	}
	if ovf || !d.neg && u > math.MaxInt64 || d.neg && u > 1<<63 {
		return outOfRange(numTextString(d), dst)
	}
	x := int64(u)
	if d.neg {
		x = -x
	}
	if err := assignInt(x, dst); err != nil {
		return outOfRange(numTextString(d), dst)
	}
	return nil
}

// numToBigInt stores an integral d into z.
func numToBigInt(d *numDec, z *big.Int) error {
	digits, zeros, err := numIntDigits(d)
	if err != nil {
		return err
	}
	numCoef(z, d, digits, zeros)
	return nil
}

// numToRat stores a finite d into r exactly.
func numToRat(d *numDec, r *big.Rat) error {
	switch d.kind {
	case numNaN:
		return errors.New("NaN is not a number")
	case numPInf, numNInf:
		return fmt.Errorf("%s is not a finite number", numTextString(d))
	}
	if len(d.digits) == 0 {
		r.SetInt64(0)
		return nil
	}
	num := new(big.Int)
	if d.exp >= 0 {
		numCoef(num, d, d.digits, d.exp)
		r.SetInt(num)
		return nil
	}
	numCoef(num, d, d.digits, 0)
	r.SetFrac(num, numPow10Big(-d.exp))
	return nil
}
