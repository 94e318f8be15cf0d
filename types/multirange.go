package types

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
)

// MultirangeCodec is the codec of a multirange type whose ranges are of
// type Range: int4multirange, int8multirange, nummultirange,
// datemultirange, tsmultirange, tstzmultirange, or a user-defined
// multirange registered with its range's Type.
//
// Go types: Multirange[T] (encode) and *Multirange[T] (scan) for any T
// that the range type's element codec encodes and scans into, a string in
// the multirange's text form, and *string (the text form; a binary value
// is rendered through the element codec's text encoding). The natural
// value is Multirange[any] of Range[any]. Ranges are encoded and decoded by
// Range's codec, in the multirange's own format; the preferred format is
// Range's. Scanning reuses the capacity of the destination slice.
//
// Binary form: see multirange_send and multirange_recv; text form:
// multirange_out and multirange_in, in
// src/backend/utils/adt/multirangetypes.c.
type MultirangeCodec struct {
	Range *Type
}

// mrngScanner is implemented by *Multirange[T] for every T.
type mrngScanner interface {
	// mrngReset makes the multirange n ranges long, reusing its capacity.
	mrngReset(n int)
	// mrngSlot returns a pointer to the i'th range, a *Range[T].
	mrngSlot(i int) any
}

func (mr *Multirange[T]) mrngReset(n int) {
	if *mr != nil && cap(*mr) >= n {
		*mr = (*mr)[:n]
		return
	}
	*mr = make(Multirange[T], n)
}

func (mr *Multirange[T]) mrngSlot(i int) any { return &(*mr)[i] }

// mrngValue is implemented by Multirange[T] for every T.
type mrngValue interface {
	mrngLen() int
	// mrngRange returns the i'th range, a Range[T].
	mrngRange(i int) any
}

func (mr Multirange[T]) mrngLen() int        { return len(mr) }
func (mr Multirange[T]) mrngRange(i int) any { return mr[i] }

var errMrngNoRange = errors.New("multirange codec without a range type")

func (c MultirangeCodec) PreferredFormat() Format {
	if c.Range != nil && c.Range.Codec.PreferredFormat() == BinaryFormat {
		return BinaryFormat
	}
	return TextFormat
}

func (c MultirangeCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	if c.Range == nil {
		return buf, errMrngNoRange
	}
	mr, ok := v.(mrngValue)
	if !ok || reflect.ValueOf(v).Kind() == reflect.Pointer {
		// Pointers (maybe nil) are dereferenced by Map's fallback.
		return buf, unsupportedValue(v, f)
	}
	if f == BinaryFormat {
		return mrngAppendBinary(m, c.Range, mr, buf)
	}
	return mrngAppendText(m, c.Range, mr, buf)
}

// mrngAppendBinary appends multirange_send's form: an int32 count, then
// each range as an int32 length and range_send's form.
func mrngAppendBinary(m *Map, rt *Type, mr mrngValue, buf []byte) ([]byte, error) {
	start := len(buf)
	n := mr.mrngLen()
	if n > math.MaxInt32 {
		return buf, fmt.Errorf("multirange of %d ranges is too long", n)
	}
	buf = binary.BigEndian.AppendUint32(buf, uint32(n))
	for i := range n {
		at := len(buf)
		buf = append(buf, 0, 0, 0, 0)
		out, null, err := m.EncodeFormat(rt, BinaryFormat, mr.mrngRange(i), buf)
		if err != nil {
			return buf[:start], rngElemError("range "+strconv.Itoa(i+1), err)
		}
		if null {
			return buf[:start], fmt.Errorf("range %d is NULL", i+1)
		}
		size := len(out) - at - 4
		if size > math.MaxInt32 {
			return buf[:start], fmt.Errorf("range %d of %d bytes is too long", i+1, size)
		}
		binary.BigEndian.PutUint32(out[at:], uint32(size))
		buf = out
	}
	return buf, nil
}

// mrngAppendText appends multirange_out's form: the ranges' text forms
// between braces, separated by commas.
func mrngAppendText(m *Map, rt *Type, mr mrngValue, buf []byte) ([]byte, error) {
	start := len(buf)
	buf = append(buf, '{')
	for i := range mr.mrngLen() {
		if i > 0 {
			buf = append(buf, ',')
		}
		out, null, err := m.EncodeFormat(rt, TextFormat, mr.mrngRange(i), buf)
		if err != nil {
			return buf[:start], rngElemError("range "+strconv.Itoa(i+1), err)
		}
		if null {
			return buf[:start], fmt.Errorf("range %d is NULL", i+1)
		}
		buf = out
	}
	return append(buf, '}'), nil
}

// mrngCountBinary checks the framing of multirange_send's form (not the
// ranges inside) and returns the number of ranges, which is bounded by
// len(src): every range takes at least 5 bytes.
func mrngCountBinary(src []byte) (n int, msg string) {
	if len(src) < 4 {
		return 0, "truncated range count"
	}
	count := binary.BigEndian.Uint32(src)
	rest := src[4:]
	if uint64(count) > uint64(len(rest)/5) {
		return 0, "range count exceeds the data"
	}
	for range count {
		if _, rest, msg = rngCutLen(rest, "range"); msg != "" {
			return 0, msg
		}
	}
	if len(rest) != 0 {
		return 0, "data after the last range"
	}
	return int(count), ""
}

// mrngText iterates over the ranges of multirange_in's text form: spaces,
// '{', ranges separated by commas, '}', spaces; spaces may surround every
// brace, range and comma. A range is "empty" in any case, or runs from
// '[' or '(' to the first unquoted, unescaped ']' or ')'.
type mrngText struct {
	src  []byte
	i    int
	seen int
}

// mrngStartText checks the opening brace.
func mrngStartText(src []byte) (mrngText, string) {
	i := 0
	for i < len(src) && rngIsSpace(src[i]) {
		i++
	}
	if i == len(src) || src[i] != '{' {
		return mrngText{}, "missing left brace"
	}
	return mrngText{src: src, i: i + 1}, ""
}

// next returns the next range's text, or ok false after the closing brace
// and trailing spaces.
func (it *mrngText) next() (rng []byte, ok bool, msg string) {
	src := it.src
	if it.seen > 0 {
		// After a range: a comma or the closing brace.
		for it.i < len(src) && rngIsSpace(src[it.i]) {
			it.i++
		}
		switch {
		case it.i == len(src):
			return nil, false, "unexpected end of input"
		case src[it.i] == '}':
			return it.finish()
		case src[it.i] != ',':
			return nil, false, "expected comma or end of multirange"
		}
		it.i++
	}
	for it.i < len(src) && rngIsSpace(src[it.i]) {
		it.i++
	}
	switch {
	case it.i == len(src):
		return nil, false, "unexpected end of input"
	case src[it.i] == '}' && it.seen == 0:
		return it.finish()
	case len(src)-it.i >= 5 && rngEqualFold(src[it.i:it.i+5], "empty"):
		it.seen++
		it.i += 5
		return src[it.i-5 : it.i], true, ""
	case src[it.i] != '[' && src[it.i] != '(':
		return nil, false, "expected range start"
	}
	// Inside a range, as multirange_in's states: spaces are skipped in
	// every state, and only track quotes and escapes.
	const (
		in = iota
		escaped
		quoted
		quotedEscaped
	)
	state := in
	for j := it.i + 1; j < len(src); j++ {
		ch := src[j]
		if rngIsSpace(ch) {
			continue
		}
		switch state {
		case in:
			switch ch {
			case ']', ')':
				rng = src[it.i : j+1]
				it.i = j + 1
				it.seen++
				return rng, true, ""
			case '"':
				state = quoted
			case '\\':
				state = escaped
			}
		case escaped:
			state = in
		case quoted:
			switch ch {
			case '"':
				if j+1 < len(src) && src[j+1] == '"' {
					j++
				} else {
					state = in
				}
			case '\\':
				state = quotedEscaped
			}
		case quotedEscaped:
			state = quoted
		}
	}
	return nil, false, "unexpected end of input"
}

// finish consumes the closing brace at it.i and the trailing spaces.
func (it *mrngText) finish() ([]byte, bool, string) {
	i := it.i + 1
	for i < len(it.src) && rngIsSpace(it.src[i]) {
		i++
	}
	if i != len(it.src) {
		return nil, false, "junk after closing right brace"
	}
	it.i = i
	return nil, false, ""
}

// decodeInto stores src into mr, decoding each range through the range
// type's codec.
func (c MultirangeCodec) decodeInto(m *Map, t *Type, f Format, src []byte, mr mrngScanner) error {
	if c.Range == nil {
		return errMrngNoRange
	}
	rt := c.Range
	if f == BinaryFormat {
		n, msg := mrngCountBinary(src)
		if msg != "" {
			return malformed(t, f, "%s", msg)
		}
		mr.mrngReset(n)
		rest := src[4:]
		for i := range n {
			var r []byte
			r, rest, _ = rngCutLen(rest, "range")
			if err := rt.Codec.Decode(m, rt, f, r, mr.mrngSlot(i)); err != nil {
				return rngElemError("range "+strconv.Itoa(i+1), err)
			}
		}
		return nil
	}
	it, msg := mrngStartText(src)
	if msg != "" {
		return malformed(t, f, "%s", msg)
	}
	n := 0
	for {
		_, ok, msg := it.next()
		if msg != "" {
			return malformed(t, f, "%s", msg)
		}
		if !ok {
			break
		}
		n++
	}
	mr.mrngReset(n)
	it, _ = mrngStartText(src)
	for i := range n {
		r, _, _ := it.next()
		if err := rt.Codec.Decode(m, rt, f, r, mr.mrngSlot(i)); err != nil {
			return rngElemError("range "+strconv.Itoa(i+1), err)
		}
	}
	return nil
}

func (c MultirangeCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	switch d := dst.(type) {
	case mrngScanner:
		return c.decodeInto(m, t, f, src, d)
	case *string:
		var mr Multirange[any]
		if err := c.decodeInto(m, t, f, src, &mr); err != nil {
			return err
		}
		if f == TextFormat {
			*d = string(src)
			return nil
		}
		out, err := mrngAppendText(m, c.Range, mr, nil)
		if err != nil {
			return err
		}
		*d = string(out)
		return nil
	}
	return unsupportedDst(dst)
}

func (c MultirangeCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	var mr Multirange[any]
	if err := c.decodeInto(m, t, f, src, &mr); err != nil {
		return nil, err
	}
	return mr, nil
}
