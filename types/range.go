package types

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
)

func init() {
	builtinDerived = append(builtinDerived, func(m *Map) {
		for _, r := range []struct {
			name, mname                string
			elem, oid, arr, moid, marr uint32
		}{
			{"int4range", "int4multirange", Int4OID, Int4rangeOID, Int4rangeArrayOID, Int4multirangeOID, Int4multirangeArrayOID},
			{"int8range", "int8multirange", Int8OID, Int8rangeOID, Int8rangeArrayOID, Int8multirangeOID, Int8multirangeArrayOID},
			{"numrange", "nummultirange", NumericOID, NumrangeOID, NumrangeArrayOID, NummultirangeOID, NummultirangeArrayOID},
			{"daterange", "datemultirange", DateOID, DaterangeOID, DaterangeArrayOID, DatemultirangeOID, DatemultirangeArrayOID},
			{"tsrange", "tsmultirange", TimestampOID, TsrangeOID, TsrangeArrayOID, TsmultirangeOID, TsmultirangeArrayOID},
			{"tstzrange", "tstzmultirange", TimestamptzOID, TstzrangeOID, TstzrangeArrayOID, TstzmultirangeOID, TstzmultirangeArrayOID},
		} {
			// Element codecs are written family by family: a range whose
			// element type is not registered is left out.
			elem, ok := m.TypeForOID(r.elem)
			if !ok {
				continue
			}
			rt := register(m, r.name, r.oid, r.arr, RangeCodec{Elem: elem})
			register(m, r.mname, r.moid, r.marr, MultirangeCodec{Range: rt})
		}
	})
}

// BoundType says what a bound of a Range is. The zero value is not a valid
// bound type: a Range must say what each bound is.
type BoundType uint8

// Values of BoundType. An empty range has Empty for both bounds; an
// Unbounded bound's value is ignored when encoding and the zero value when
// decoding.
const (
	Inclusive BoundType = iota + 1 // the bound value is in the range: '[' or ']'
	Exclusive                      // the bound value is not in the range: '(' or ')'
	Unbounded                      // no bound: minus or plus infinity
	Empty                          // the range is empty ("empty")
)

func (b BoundType) String() string {
	switch b {
	case Inclusive:
		return "inclusive"
	case Exclusive:
		return "exclusive"
	case Unbounded:
		return "unbounded"
	case Empty:
		return "empty"
	}
	return fmt.Sprintf("BoundType(%d)", uint8(b))
}

// Range is a value of a range type: int4range, int8range, numrange,
// daterange, tsrange, tstzrange or a user-defined range. T is the Go type
// of the bounds, any type the element type's codec scans into and encodes;
// Range[any] holds the element codec's natural values.
//
// A bound value is meaningful only for Inclusive and Exclusive bounds. The
// server canonicalises discrete ranges: int4range '(1,5]' reads back as
// [2,6).
type Range[T any] struct {
	Lower, Upper         T
	LowerType, UpperType BoundType
}

// Multirange is a value of a multirange type (int4multirange, ...): its
// ranges, which the server returns sorted, merged and without empty ones.
// An empty multirange is an empty, non-nil slice; NULL is nil.
type Multirange[T any] []Range[T]

// rngScanner is implemented by *Range[T] for every T, so that the codec
// decodes into any instance without reflection.
type rngScanner interface {
	// rngSet sets the bound types and zeroes the values of absent bounds.
	rngSet(lower, upper BoundType)
	// rngBounds returns pointers to the bound values.
	rngBounds() (lower, upper any)
}

func (r *Range[T]) rngSet(lower, upper BoundType) {
	var zero T
	r.LowerType, r.UpperType = lower, upper
	if !rngHasValue(lower) {
		r.Lower = zero
	}
	if !rngHasValue(upper) {
		r.Upper = zero
	}
}

func (r *Range[T]) rngBounds() (lower, upper any) { return &r.Lower, &r.Upper }

// rngValue is implemented by Range[T] for every T.
type rngValue interface {
	rngParts() (lower, upper any, lt, ut BoundType)
}

func (r Range[T]) rngParts() (lower, upper any, lt, ut BoundType) {
	return r.Lower, r.Upper, r.LowerType, r.UpperType
}

func rngHasValue(b BoundType) bool { return b == Inclusive || b == Exclusive }

// Flags of a range's binary form (src/include/utils/rangetypes.h).
const (
	rngFlagEmpty = 0x01 // RANGE_EMPTY
	rngFlagLBInc = 0x02 // RANGE_LB_INC
	rngFlagUBInc = 0x04 // RANGE_UB_INC
	rngFlagLBInf = 0x08 // RANGE_LB_INF
	rngFlagUBInf = 0x10 // RANGE_UB_INF
	// RANGE_LB_NULL (0x20), RANGE_UB_NULL (0x40) and RANGE_CONTAIN_EMPTY
	// (0x80) are never sent; range_recv ignores them, and so do we.
	rngFlagKnown = rngFlagEmpty | rngFlagLBInc | rngFlagUBInc | rngFlagLBInf | rngFlagUBInf
)

// RangeCodec is the codec of a range type whose bounds are of type Elem:
// int4range, int8range, numrange, daterange, tsrange, tstzrange, or a
// user-defined range type registered with its element's Type.
//
// Go types: Range[T] (encode) and *Range[T] (scan) for any T that Elem's
// codec encodes and scans into, a string in the range's text form, and
// *string (the text form; a binary value is rendered through the element
// codec's text encoding). The natural value is Range[any] holding Elem's
// natural values. Bounds are encoded and decoded by Elem's codec, in the
// range's own format; the preferred format is binary if Elem's is.
//
// A scan that fails in an element leaves *Range[T] partly written.
//
// Binary form: see range_send and range_recv; text form: range_out,
// range_parse and range_bound_escape, all in
// src/backend/utils/adt/rangetypes.c.
type RangeCodec struct {
	Elem *Type
}

func (c RangeCodec) PreferredFormat() Format {
	if c.Elem != nil && c.Elem.Codec.PreferredFormat() == BinaryFormat {
		return BinaryFormat
	}
	return TextFormat
}

var errRngNoElem = errors.New("range codec without an element type")

func (c RangeCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	c.Elem = m.current(c.Elem)
	if c.Elem == nil {
		return buf, errRngNoElem
	}
	r, ok := v.(rngValue)
	if !ok || reflect.ValueOf(v).Kind() == reflect.Pointer {
		// Pointers (maybe nil) are dereferenced by Map's fallback.
		return buf, unsupportedValue(v, f)
	}
	lower, upper, lt, ut := r.rngParts()
	if err := rngCheckTypes(lt, ut); err != nil {
		return buf, err
	}
	if f == BinaryFormat {
		return rngAppendBinary(m, c.Elem, lower, upper, lt, ut, buf)
	}
	return rngAppendText(m, c.Elem, lower, upper, lt, ut, buf)
}

// rngCheckTypes refuses bound types that make no range.
func rngCheckTypes(lt, ut BoundType) error {
	if lt < Inclusive || lt > Empty || ut < Inclusive || ut > Empty {
		return fmt.Errorf("invalid range bound types %v, %v", lt, ut)
	}
	if (lt == Empty) != (ut == Empty) {
		return fmt.Errorf("an empty range has both bound types Empty, not %v, %v", lt, ut)
	}
	return nil
}

// rngAppendBinary appends range_send's form: the flags byte, then each
// present bound as an int32 length and the element's binary form.
func rngAppendBinary(m *Map, elem *Type, lower, upper any, lt, ut BoundType, buf []byte) ([]byte, error) {
	start := len(buf)
	if lt == Empty {
		return append(buf, rngFlagEmpty), nil
	}
	var flags byte
	switch lt {
	case Inclusive:
		flags |= rngFlagLBInc
	case Unbounded:
		flags |= rngFlagLBInf
	}
	switch ut {
	case Inclusive:
		flags |= rngFlagUBInc
	case Unbounded:
		flags |= rngFlagUBInf
	}
	buf = append(buf, flags)
	var err error
	if rngHasValue(lt) {
		if buf, err = rngAppendBinaryBound(m, elem, "lower", lower, buf); err != nil {
			return buf[:start], err
		}
	}
	if rngHasValue(ut) {
		if buf, err = rngAppendBinaryBound(m, elem, "upper", upper, buf); err != nil {
			return buf[:start], err
		}
	}
	return buf, nil
}

func rngAppendBinaryBound(m *Map, elem *Type, which string, v any, buf []byte) ([]byte, error) {
	at := len(buf)
	buf = append(buf, 0, 0, 0, 0)
	out, null, err := m.EncodeFormat(elem, BinaryFormat, v, buf)
	if err != nil {
		return buf[:at], rngElemError(which+" bound", err)
	}
	if null {
		return buf[:at], rngNullBound(which)
	}
	n := len(out) - at - 4
	if n > math.MaxInt32 {
		return buf[:at], fmt.Errorf("range %s bound of %d bytes is too long", which, n)
	}
	binary.BigEndian.PutUint32(out[at:], uint32(n))
	return out, nil
}

// rngElemError names the part of a container (a range's bound, a
// multirange's range) whose conversion failed. An element's
// *ConversionError is unwrapped, so that Map reports the container's types
// around it; its cause (ErrUnsupported, ...) stays in the chain.
func rngElemError(part string, err error) error {
	var ce *ConversionError
	if errors.As(err, &ce) {
		if ce.Scan {
			return fmt.Errorf("%s: cannot scan %s into %s: %w", part, ce.PGType, ce.GoType, ce.Err)
		}
		return fmt.Errorf("%s: cannot encode %s as %s: %w", part, ce.GoType, ce.PGType, ce.Err)
	}
	return fmt.Errorf("%s: %w", part, err)
}

func rngNullBound(which string) error {
	return fmt.Errorf("range %s bound is NULL (use Unbounded for no bound)", which)
}

// rngAppendText appends range_out's form: "empty", or a bracket, the
// lower bound, a comma, the upper bound and a bracket, each bound quoted
// as range_bound_escape does.
func rngAppendText(m *Map, elem *Type, lower, upper any, lt, ut BoundType, buf []byte) ([]byte, error) {
	start := len(buf)
	if lt == Empty {
		return append(buf, "empty"...), nil
	}
	if lt == Inclusive {
		buf = append(buf, '[')
	} else {
		buf = append(buf, '(')
	}
	var err error
	if rngHasValue(lt) {
		if buf, err = rngAppendTextBound(m, elem, "lower", lower, buf); err != nil {
			return buf[:start], err
		}
	}
	buf = append(buf, ',')
	if rngHasValue(ut) {
		if buf, err = rngAppendTextBound(m, elem, "upper", upper, buf); err != nil {
			return buf[:start], err
		}
	}
	if ut == Inclusive {
		buf = append(buf, ']')
	} else {
		buf = append(buf, ')')
	}
	return buf, nil
}

func rngAppendTextBound(m *Map, elem *Type, which string, v any, buf []byte) ([]byte, error) {
	at := len(buf)
	out, null, err := m.EncodeFormat(elem, TextFormat, v, buf)
	if err != nil {
		return buf[:at], rngElemError(which+" bound", err)
	}
	if null {
		return buf[:at], rngNullBound(which)
	}
	if !rngNeedsQuotes(out[at:]) {
		return out, nil
	}
	text := append([]byte(nil), out[at:]...)
	out = append(out[:at], '"')
	for _, ch := range text {
		if ch == '"' || ch == '\\' {
			out = append(out, ch)
		}
		out = append(out, ch)
	}
	return append(out, '"'), nil
}

// rngNeedsQuotes reports whether range_bound_escape quotes s: when it is
// empty or holds a quote, backslash, bracket, parenthesis, comma or space.
func rngNeedsQuotes(s []byte) bool {
	if len(s) == 0 {
		return true
	}
	for _, ch := range s {
		switch ch {
		case '"', '\\', '(', ')', '[', ']', ',':
			return true
		}
		if rngIsSpace(ch) {
			return true
		}
	}
	return false
}

// rngIsSpace is C's isspace in the C locale.
func rngIsSpace(ch byte) bool {
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r'
}

// rngSplitBinary splits range_send's form into bound types and the bounds'
// binary forms (sub-slices of src). msg is empty unless src is malformed.
func rngSplitBinary(src []byte) (lt, ut BoundType, lower, upper []byte, msg string) {
	if len(src) == 0 {
		return 0, 0, nil, nil, "no flags byte"
	}
	flags := src[0] & rngFlagKnown
	rest := src[1:]
	if flags&rngFlagEmpty != 0 {
		if len(rest) != 0 {
			return 0, 0, nil, nil, "data after an empty range"
		}
		return Empty, Empty, nil, nil, ""
	}
	lt, ut = Exclusive, Exclusive
	switch {
	case flags&rngFlagLBInf != 0:
		lt = Unbounded
	case flags&rngFlagLBInc != 0:
		lt = Inclusive
	}
	switch {
	case flags&rngFlagUBInf != 0:
		ut = Unbounded
	case flags&rngFlagUBInc != 0:
		ut = Inclusive
	}
	if lt != Unbounded {
		if lower, rest, msg = rngCutLen(rest, "lower bound"); msg != "" {
			return 0, 0, nil, nil, msg
		}
	}
	if ut != Unbounded {
		if upper, rest, msg = rngCutLen(rest, "upper bound"); msg != "" {
			return 0, 0, nil, nil, msg
		}
	}
	if len(rest) != 0 {
		return 0, 0, nil, nil, "data after the upper bound"
	}
	return lt, ut, lower, upper, ""
}

// rngCutLen cuts an int32 length and that many bytes, what, off src.
func rngCutLen(src []byte, what string) (item, rest []byte, msg string) {
	if len(src) < 4 {
		return nil, nil, "truncated " + what + " length"
	}
	n := binary.BigEndian.Uint32(src)
	if uint64(n) > uint64(len(src)-4) {
		if int32(n) < 0 {
			return nil, nil, "negative " + what + " length"
		}
		return nil, nil, "truncated " + what
	}
	return src[4 : 4+n], src[4+n:], ""
}

// rngSplitText parses range_out's form as range_parse does: optional
// spaces, then "empty" in any case, or '[' or '(', a lower bound, a
// comma, an upper bound and ']' or ')'; then optional spaces. A missing
// bound is Unbounded; a quoted empty one is the empty string. Bounds are
// de-quoted; they alias src unless they held quotes or backslashes.
func rngSplitText(src []byte) (lt, ut BoundType, lower, upper []byte, msg string) {
	i := 0
	for i < len(src) && rngIsSpace(src[i]) {
		i++
	}
	if len(src)-i >= 5 && rngEqualFold(src[i:i+5], "empty") {
		for i += 5; i < len(src) && rngIsSpace(src[i]); i++ {
		}
		if i != len(src) {
			return 0, 0, nil, nil, "junk after \"empty\""
		}
		return Empty, Empty, nil, nil, ""
	}
	if i == len(src) || src[i] != '[' && src[i] != '(' {
		return 0, 0, nil, nil, "missing left parenthesis or bracket"
	}
	lt = Exclusive
	if src[i] == '[' {
		lt = Inclusive
	}
	var inf bool
	lower, inf, i, msg = rngParseBound(src, i+1)
	if msg != "" {
		return 0, 0, nil, nil, msg
	}
	if inf {
		lt = Unbounded
	}
	if i == len(src) || src[i] != ',' {
		return 0, 0, nil, nil, "missing comma after lower bound"
	}
	upper, inf, i, msg = rngParseBound(src, i+1)
	if msg != "" {
		return 0, 0, nil, nil, msg
	}
	switch {
	case i < len(src) && src[i] == ']':
		ut = Inclusive
	case i < len(src) && src[i] == ')':
		ut = Exclusive
	default:
		return 0, 0, nil, nil, "too many commas"
	}
	if inf {
		ut = Unbounded
	}
	for i++; i < len(src) && rngIsSpace(src[i]); i++ {
	}
	if i != len(src) {
		return 0, 0, nil, nil, "junk after right parenthesis or bracket"
	}
	return lt, ut, lower, upper, ""
}

// rngParseBound reads one bound starting at src[i], as range_parse_bound
// does: up to an unquoted ',', ')' or ']'; nothing there means no bound.
// Inside, a backslash escapes the next byte, and double quotes quote, with
// a doubled quote standing for one. next is the index of the terminator.
func rngParseBound(src []byte, i int) (bound []byte, infinite bool, next int, msg string) {
	if i < len(src) && (src[i] == ',' || src[i] == ')' || src[i] == ']') {
		return nil, true, i, ""
	}
	start, plain, inQuote := i, true, false
	for ; i < len(src) && (inQuote || src[i] != ',' && src[i] != ')' && src[i] != ']'); i++ {
		switch src[i] {
		case '\\':
			plain = false
			i++
			if i == len(src) {
				return nil, false, 0, "unexpected end of input after a backslash"
			}
		case '"':
			plain = false
			if !inQuote {
				inQuote = true
			} else if i+1 < len(src) && src[i+1] == '"' {
				i++
			} else {
				inQuote = false
			}
		}
	}
	if i == len(src) {
		return nil, false, 0, "unexpected end of input"
	}
	if plain {
		return src[start:i], false, i, ""
	}
	// Second pass over the now-validated bound, de-quoting.
	out := make([]byte, 0, i-start)
	inQuote = false
	for j := start; j < i; j++ {
		switch ch := src[j]; ch {
		case '\\':
			j++
			out = append(out, src[j])
		case '"':
			if !inQuote {
				inQuote = true
			} else if src[j+1] == '"' { // j+1 < i: a closing quote precedes the terminator
				j++
				out = append(out, '"')
			} else {
				inQuote = false
			}
		default:
			out = append(out, ch)
		}
	}
	return out, false, i, ""
}

// rngEqualFold reports whether b is word (lower-case ASCII) in any case.
func rngEqualFold(b []byte, word string) bool {
	if len(b) != len(word) {
		return false
	}
	for i := range b {
		ch := b[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != word[i] {
			return false
		}
	}
	return true
}

// split parses src into bound types and the bounds' encodings.
func (c RangeCodec) split(t *Type, f Format, src []byte) (lt, ut BoundType, lower, upper []byte, err error) {
	var msg string
	if f == BinaryFormat {
		lt, ut, lower, upper, msg = rngSplitBinary(src)
	} else {
		lt, ut, lower, upper, msg = rngSplitText(src)
	}
	if msg != "" {
		return 0, 0, nil, nil, malformed(t, f, "%s", msg)
	}
	return lt, ut, lower, upper, nil
}

// decodeInto stores src into r, scanning each bound through the element
// type.
func (c RangeCodec) decodeInto(m *Map, t *Type, f Format, src []byte, r rngScanner) error {
	if c.Elem == nil {
		return errRngNoElem
	}
	lt, ut, lower, upper, err := c.split(t, f, src)
	if err != nil {
		return err
	}
	r.rngSet(lt, ut)
	lp, up := r.rngBounds()
	if rngHasValue(lt) {
		if err := m.Scan(c.Elem, f, lower, lp); err != nil {
			return rngElemError("lower bound", err)
		}
	}
	if rngHasValue(ut) {
		if err := m.Scan(c.Elem, f, upper, up); err != nil {
			return rngElemError("upper bound", err)
		}
	}
	return nil
}

func (c RangeCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	c.Elem = m.current(c.Elem)
	switch d := dst.(type) {
	case rngScanner:
		return c.decodeInto(m, t, f, src, d)
	case *string:
		var r Range[any]
		if err := c.decodeInto(m, t, f, src, &r); err != nil {
			return err
		}
		if f == TextFormat {
			*d = string(src)
			return nil
		}
		out, err := rngAppendText(m, c.Elem, r.Lower, r.Upper, r.LowerType, r.UpperType, nil)
		if err != nil {
			return err
		}
		*d = string(out)
		return nil
	}
	return unsupportedDst(dst)
}

func (c RangeCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	c.Elem = m.current(c.Elem)
	var r Range[any]
	if err := c.decodeInto(m, t, f, src, &r); err != nil {
		return nil, err
	}
	return r, nil
}
