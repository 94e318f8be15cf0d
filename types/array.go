package types

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
)

// arrMaxDim is PostgreSQL's MAXDIM: the most dimensions an array may have.
const arrMaxDim = 6

// ArrayDimension is one dimension of an array: its length and the index of
// its first element (1 unless the array was built otherwise, as in
// '[0:2]={1,2,3}').
type ArrayDimension struct {
	Length     int32
	LowerBound int32
}

// Array is a PostgreSQL array of any number of dimensions (up to 6) with
// its lower bounds. Elements holds every element in row-major order (the
// last index varies fastest); Dims has one entry per dimension, and the
// product of their lengths is len(Elements). An empty array has no Dims.
//
// When encoding, nil Dims with some Elements is a one-dimensional array
// starting at 1. When scanning, Elements and Dims reuse their capacity.
// NULL elements need an element type that holds them: a pointer,
// sql.Null[T] or any.
type Array[T any] struct {
	Elements []T
	Dims     []ArrayDimension
}

// arrSource is an array value to encode: Array[T], without reflection.
type arrSource interface {
	arrEncode(m *Map, c ArrayCodec, f Format, buf []byte) ([]byte, error)
}

// arrTarget is an array destination: *Array[T], without reflection. h and
// it are values so that the interface call does not move them to the heap.
type arrTarget interface {
	arrDecode(m *Map, c ArrayCodec, h arrHeader, it arrIter) error
}

func (a Array[T]) arrEncode(m *Map, c ArrayCodec, f Format, buf []byte) ([]byte, error) {
	if out, ok, err := arrEncodeTyped(m, c, f, buf, a.Dims, &a.Elements); ok {
		return out, err
	}
	return arrEncodeElems(m, c, f, buf, a.Dims, a.Elements, nil)
}

func (a *Array[T]) arrDecode(m *Map, c ArrayCodec, h arrHeader, it arrIter) error {
	a.Dims = append(a.Dims[:0], h.dims[:h.ndim]...)
	if ok, err := arrDecodeTyped(m, c, &h, &it, &a.Elements, true); ok {
		return err
	}
	return arrFillSlice(m, c, &h, &it, &a.Elements, nil, true)
}

// ArrayType returns the array type, named "_" + elem.Name, whose elements
// are of type elem. Its text delimiter is elem's: ';' for box (and domains
// over box), ',' for every other type.
func ArrayType(oid uint32, elem *Type) *Type {
	return &Type{Name: "_" + elem.Name, OID: oid, Codec: ArrayCodec{Elem: elem, Delim: arrDelimOf(elem)}}
}

// arrDelimOf is the typdelim of elem, looking through domains.
func arrDelimOf(elem *Type) byte {
	for i := 0; elem != nil && i < 16; i++ {
		if elem.OID == BoxOID {
			return ';'
		}
		d, ok := elem.Codec.(DomainCodec)
		if !ok {
			break
		}
		elem = d.Base
	}
	return ','
}

// ArrayCodec is the codec of the array types: arrays of Elem, of up to 6
// dimensions, with lower bounds and NULL elements. Its preferred format is
// Elem's. Elements go through the Map (Map.Scan and Map.EncodeFormat), so
// every Go type Elem handles works as an element type, including pointers,
// sql.Null[T] and any for NULL elements.
//
// Go types, scanned and encoded:
//   - Array[T]: any number of dimensions, lower bounds kept;
//   - []T: one dimension, and [][]T, [][][]T... for as many dimensions as
//     the array has (scanning an empty array gives an empty slice; lower
//     bounds are dropped);
//   - []any: one dimension, nested []any for more (when encoding, a []any
//     element is always a sub-array).
//
// []byte is never an array: it is bytea. Encoding a jagged [][]T is an
// error. A nil slice is the empty array, not NULL (Map makes only nil and
// nil pointers NULL). Scanning reuses a destination slice's capacity.
// []int16, []int32, []int64, []float32, []float64 and []bool, alone or as
// Array[T]'s elements, take fast paths for the int, float and bool
// element types, which allocate nothing when scanning binary into a
// slice of sufficient capacity, nor when encoding into a buffer of
// sufficient capacity. The natural value (DecodeAny) is []any, nested
// []any for more dimensions, with the elements' natural values and nil
// for NULL; lower bounds are dropped (scan into Array[any] to keep them).
//
// Binary: array_send/array_recv; text: array_out/array_in, including the
// "[lower:upper]=" prefix of non-default bounds (src/backend/utils/adt/
// arrayfuncs.c). See https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO
type ArrayCodec struct {
	Elem  *Type
	Delim byte // text delimiter between elements (typdelim); 0 means ','
}

func (c ArrayCodec) delim() byte {
	if c.Delim == 0 {
		return ','
	}
	return c.Delim
}

// PreferredFormat is the element type's.
func (c ArrayCodec) PreferredFormat() Format { return c.Elem.Codec.PreferredFormat() }

// arrHeader is what precedes the elements: the dimensions and the element
// count, their product. An empty array has ndim 0.
type arrHeader struct {
	ndim int
	n    int
	dims [arrMaxDim]ArrayDimension
}

// arrIter reads the elements of an array, in either format, after its
// header was checked.
type arrIter struct {
	t     *Type
	f     Format
	src   []byte
	pos   int
	delim byte
	buf   []byte // unescaped text element
}

// start checks the header (binary) or the whole structure (text) of src
// and returns an iterator over its elements.
func (c ArrayCodec) start(t *Type, f Format, src []byte) (arrHeader, arrIter, error) {
	it := arrIter{t: t, f: f, src: src, delim: c.delim()}
	var h arrHeader
	var err error
	if f == BinaryFormat {
		h, it.pos, err = c.binaryHeader(t, src)
	} else {
		h, it.pos, err = arrScanText(t, src, it.delim)
	}
	return h, it, err
}

// binaryHeader reads array_send's header: ndim, has-null flag, element
// OID, then a length and lower bound per dimension.
func (c ArrayCodec) binaryHeader(t *Type, src []byte) (h arrHeader, pos int, err error) {
	f := BinaryFormat
	if len(src) < 12 {
		return h, 0, malformed(t, f, "%d bytes, want at least 12", len(src))
	}
	ndim := int32(binary.BigEndian.Uint32(src))
	flags := int32(binary.BigEndian.Uint32(src[4:]))
	oid := binary.BigEndian.Uint32(src[8:])
	if ndim < 0 || ndim > arrMaxDim {
		return h, 0, malformed(t, f, "%d dimensions", ndim)
	}
	if flags != 0 && flags != 1 {
		return h, 0, malformed(t, f, "invalid flags %d", flags)
	}
	if oid != c.Elem.OID {
		return h, 0, malformed(t, f, "element type %d, want %d", oid, c.Elem.OID)
	}
	pos = 12
	if len(src)-pos < 8*int(ndim) {
		return h, 0, malformed(t, f, "%d dimensions in %d bytes", ndim, len(src))
	}
	// Every element needs at least its 4-byte length.
	maxElems := (len(src) - pos - 8*int(ndim)) / 4
	n := int64(1)
	for i := range int(ndim) {
		d := ArrayDimension{
			Length:     int32(binary.BigEndian.Uint32(src[pos:])),
			LowerBound: int32(binary.BigEndian.Uint32(src[pos+4:])),
		}
		pos += 8
		if d.Length < 0 {
			return h, 0, malformed(t, f, "dimension length %d", d.Length)
		}
		if int64(d.LowerBound)+int64(d.Length) > math.MaxInt32 {
			return h, 0, malformed(t, f, "upper bound of dimension %d out of range", i+1)
		}
		n *= int64(d.Length)
		if n > int64(maxElems) {
			return h, 0, malformed(t, f, "more elements than bytes left")
		}
		h.dims[i] = d
	}
	if ndim == 0 || n == 0 {
		// No elements: PostgreSQL's empty array, whatever the dimensions.
		return arrHeader{}, pos, nil
	}
	h.ndim = int(ndim)
	h.n = int(n)
	return h, pos, nil
}

// next returns the next element: nil for NULL, else a non-nil slice valid
// until the next call.
func (it *arrIter) next() ([]byte, error) {
	if it.f != BinaryFormat {
		return it.nextText()
	}
	if len(it.src)-it.pos < 4 {
		return nil, malformed(it.t, it.f, "element length truncated")
	}
	l := int32(binary.BigEndian.Uint32(it.src[it.pos:]))
	it.pos += 4
	if l == -1 {
		return nil, nil
	}
	if l < -1 || int64(l) > int64(len(it.src)-it.pos) {
		return nil, malformed(it.t, it.f, "element length %d with %d bytes left", l, len(it.src)-it.pos)
	}
	e := it.src[it.pos : it.pos+int(l) : it.pos+int(l)]
	it.pos += int(l)
	return e, nil
}

// finish reports bytes left after the last element.
func (it *arrIter) finish() error {
	if it.f == BinaryFormat && it.pos != len(it.src) {
		return malformed(it.t, it.f, "%d bytes after the last element", len(it.src)-it.pos)
	}
	return nil
}

// arrIsSpace is array_isspace: the whitespace array_in skips.
func arrIsSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	}
	return false
}

// arrIsNull reports whether b is NULL in any case.
func arrIsNull(b []byte) bool {
	return len(b) == 4 && b[0]|0x20 == 'n' && b[1]|0x20 == 'u' && b[2]|0x20 == 'l' && b[3]|0x20 == 'l'
}

// nextText returns the next text element of an array arrScanText accepted.
func (it *arrIter) nextText() ([]byte, error) {
	s := it.src
	for it.pos < len(s) {
		c := s[it.pos]
		if c != '{' && c != '}' && c != it.delim && !arrIsSpace(c) {
			break
		}
		it.pos++
	}
	if it.pos >= len(s) {
		return nil, malformed(it.t, it.f, "missing element")
	}
	if s[it.pos] == '"' {
		it.pos++
		start, esc := it.pos, false
		for it.pos < len(s) && s[it.pos] != '"' {
			if s[it.pos] == '\\' {
				esc = true
				it.pos++
			}
			it.pos++
		}
		if it.pos >= len(s) {
			return nil, malformed(it.t, it.f, "unterminated quoted element")
		}
		raw := s[start:it.pos]
		it.pos++
		if !esc {
			return raw, nil
		}
		return it.unescape(raw), nil
	}
	start, end, esc := it.pos, it.pos, false
	for it.pos < len(s) {
		c := s[it.pos]
		if c == it.delim || c == '}' {
			break
		}
		if c == '\\' {
			esc = true
			it.pos += 2
			end = it.pos
			continue
		}
		it.pos++
		if !arrIsSpace(c) {
			end = it.pos
		}
	}
	if end > len(s) || it.pos > len(s) {
		return nil, malformed(it.t, it.f, "backslash at end of input")
	}
	raw := s[start:end]
	if !esc {
		if arrIsNull(raw) {
			return nil, nil
		}
		return raw, nil
	}
	return it.unescape(raw), nil
}

// unescape drops the backslashes of raw into it.buf.
func (it *arrIter) unescape(raw []byte) []byte {
	b := it.buf[:0]
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' && i+1 < len(raw) {
			i++
		}
		b = append(b, raw[i])
	}
	it.buf = b
	if b == nil {
		return raw[:0]
	}
	return b
}

// arrTextScanner checks the structure of a text array (array_in's
// ArrayCount) and measures its dimensions.
type arrTextScanner struct {
	t        *Type
	src      []byte
	pos      int
	delim    byte
	ndim     int // depth of the elements, once one was seen
	deepest  int // deepest level opened
	n        int // elements
	counts   [arrMaxDim]int
	seen     [arrMaxDim]bool
	hasEmpty bool
}

func (s *arrTextScanner) errorf(format string, args ...any) error {
	return malformed(s.t, TextFormat, "%s at offset %d of %q", fmt.Sprintf(format, args...), s.pos, truncate(s.src))
}

func (s *arrTextScanner) skipSpace() {
	for s.pos < len(s.src) && arrIsSpace(s.src[s.pos]) {
		s.pos++
	}
}

func (s *arrTextScanner) peek() int {
	if s.pos < len(s.src) {
		return int(s.src[s.pos])
	}
	return -1
}

// arrScanText checks src, array_in's input, and returns its header and the
// offset of its first '{'.
func arrScanText(t *Type, src []byte, delim byte) (h arrHeader, body int, err error) {
	s := &arrTextScanner{t: t, src: src, delim: delim}
	// Optional dimension decoration: [lb:ub] or [ub], then '='.
	var explicit [arrMaxDim]ArrayDimension
	nexplicit := 0
	for {
		s.skipSpace()
		if s.peek() != '[' {
			break
		}
		if nexplicit == arrMaxDim {
			return h, 0, s.errorf("more than %d dimensions", arrMaxDim)
		}
		s.pos++
		ub, ok := s.int32()
		if !ok {
			return h, 0, s.errorf("missing dimension value")
		}
		lb := int32(1)
		if s.peek() == ':' {
			s.pos++
			lb = ub
			if ub, ok = s.int32(); !ok {
				return h, 0, s.errorf("missing dimension value")
			}
		}
		if s.peek() != ']' {
			return h, 0, s.errorf("missing ']'")
		}
		s.pos++
		if ub < lb {
			return h, 0, s.errorf("upper bound cannot be less than lower bound")
		}
		length := int64(ub) - int64(lb) + 1
		if int64(lb)+length > math.MaxInt32 {
			return h, 0, s.errorf("upper bound out of range")
		}
		explicit[nexplicit] = ArrayDimension{Length: int32(length), LowerBound: lb}
		nexplicit++
	}
	if nexplicit > 0 {
		if s.peek() != '=' {
			return h, 0, s.errorf("missing '=' after dimensions")
		}
		s.pos++
		s.skipSpace()
	}
	if s.peek() != '{' {
		return h, 0, s.errorf("array must start with '{' or dimensions")
	}
	body = s.pos
	if err := s.level(0); err != nil {
		return h, 0, err
	}
	s.skipSpace()
	if s.pos != len(src) {
		return h, 0, s.errorf("junk after closing brace")
	}
	if s.n == 0 {
		if s.deepest > 0 || nexplicit > 0 {
			return h, 0, s.errorf("empty sub-array")
		}
		return arrHeader{}, body, nil
	}
	if s.hasEmpty {
		return h, 0, s.errorf("sub-arrays with different dimensions")
	}
	prod := 1
	for i := range s.ndim {
		prod *= s.counts[i] // each count and the product are at most s.n
		if prod > s.n {
			break
		}
	}
	if prod != s.n {
		return h, 0, s.errorf("sub-arrays with different dimensions")
	}
	if nexplicit > 0 && nexplicit != s.ndim {
		return h, 0, s.errorf("dimensions do not match the contents")
	}
	h.ndim, h.n = s.ndim, s.n
	for i := range s.ndim {
		h.dims[i] = ArrayDimension{Length: int32(s.counts[i]), LowerBound: 1}
		if nexplicit > 0 {
			if explicit[i].Length != h.dims[i].Length {
				return arrHeader{}, 0, s.errorf("dimensions do not match the contents")
			}
			h.dims[i] = explicit[i]
		}
	}
	return h, body, nil
}

// int32 reads an optionally signed decimal number.
func (s *arrTextScanner) int32() (int32, bool) {
	start := s.pos
	if c := s.peek(); c == '+' || c == '-' {
		s.pos++
	}
	digits := s.pos
	for s.pos < len(s.src) && s.src[s.pos] >= '0' && s.src[s.pos] <= '9' {
		s.pos++
	}
	if s.pos == digits {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s.src[start:s.pos]), 10, 32)
	return int32(n), err == nil
}

// level reads one brace-enclosed level at depth; s.pos is at its '{'.
func (s *arrTextScanner) level(depth int) error {
	if depth >= arrMaxDim {
		return s.errorf("more than %d dimensions", arrMaxDim)
	}
	s.deepest = max(s.deepest, depth)
	s.pos++
	s.skipSpace()
	count := 0
	if s.peek() == '}' {
		s.pos++
		s.hasEmpty = s.hasEmpty || depth > 0
	} else {
		for {
			s.skipSpace()
			if s.peek() == '{' {
				if s.ndim != 0 && depth+1 >= s.ndim {
					return s.errorf("unexpected '{'")
				}
				if err := s.level(depth + 1); err != nil {
					return err
				}
			} else {
				if s.ndim == 0 {
					if s.deepest > depth {
						return s.errorf("unexpected array element")
					}
					s.ndim = depth + 1
				} else if s.ndim != depth+1 {
					return s.errorf("unexpected array element")
				}
				if err := s.element(); err != nil {
					return err
				}
				s.n++
			}
			count++
			s.skipSpace()
			c := s.peek()
			if c == int(s.delim) {
				s.pos++
				continue
			}
			if c == '}' {
				s.pos++
				break
			}
			if c < 0 {
				return s.errorf("unexpected end of input")
			}
			return s.errorf("unexpected %q", rune(c))
		}
	}
	if count > math.MaxInt32 {
		return s.errorf("dimension too long")
	}
	if !s.seen[depth] {
		s.seen[depth], s.counts[depth] = true, count
	} else if s.counts[depth] != count {
		return s.errorf("sub-arrays with different dimensions")
	}
	return nil
}

// element reads one element; s.pos is at its first character.
func (s *arrTextScanner) element() error {
	if s.peek() == '"' {
		s.pos++
		for {
			switch s.peek() {
			case -1:
				return s.errorf("unterminated quoted element")
			case '\\':
				s.pos++
				if s.peek() < 0 {
					return s.errorf("unexpected end of input")
				}
			case '"':
				s.pos++
				return nil
			}
			s.pos++
		}
	}
	start := s.pos
	for {
		c := s.peek()
		switch c {
		case -1:
			return s.errorf("unexpected end of input")
		case int(s.delim), '}':
			if s.pos == start {
				return s.errorf("empty element")
			}
			return nil
		case '{', '"':
			return s.errorf("unexpected %q", rune(c))
		case '\\':
			s.pos++
			if s.peek() < 0 {
				return s.errorf("unexpected end of input")
			}
		}
		s.pos++
	}
}

// arrElemError adds the element's index to its error.
func arrElemError(i int, err error) error {
	return fmt.Errorf("element %d: %w", i, err)
}

// arrDimError is the error for an array of more dimensions than the
// destination has.
func arrDimError(ndim int, dst any) error {
	return fmt.Errorf("cannot scan a %d-dimensional array into %T", ndim, dst)
}

func (c ArrayCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	c.Elem = m.current(c.Elem)
	switch dst.(type) {
	case arrTarget, *[]int16, *[]int32, *[]int64, *[]float32, *[]float64, *[]bool, *[]string, *[]any:
	case *[]byte:
		return unsupportedDst(dst)
	default:
		return c.decodeReflect(m, t, f, src, dst)
	}
	h, it, err := c.start(t, f, src)
	if err != nil {
		return err
	}
	if d, ok := dst.(arrTarget); ok {
		return d.arrDecode(m, c, h, it)
	}
	if d, ok := dst.(*[]any); ok && h.ndim > 1 {
		v, err := c.anyLevel(m, &h, &it, 0, 0)
		if err != nil {
			return err
		}
		if err := it.finish(); err != nil {
			return err
		}
		*d = v
		return nil
	}
	_, err = arrDecodeTyped(m, c, &h, &it, dst, false)
	return err
}

// arrDecodeTyped scans into the slice types with fast paths: it reports
// whether dst is one. With flat, any number of dimensions go into the one
// slice (for Array[T]).
func arrDecodeTyped(m *Map, c ArrayCodec, h *arrHeader, it *arrIter, dst any, flat bool) (bool, error) {
	bin := it.f == BinaryFormat
	ic, isInt := c.Elem.Codec.(IntCodec)
	fc, isFloat := c.Elem.Codec.(FloatCodec)
	isInt, isFloat = isInt && bin, isFloat && bin
	switch d := dst.(type) {
	case *[]int16:
		var fast func([]byte) (int16, bool)
		if isInt && ic.Size == 2 {
			fast = arrFastInt2[int16]
		}
		return true, arrFillSlice(m, c, h, it, d, fast, flat)
	case *[]int32:
		var fast func([]byte) (int32, bool)
		if isInt && ic.Size == 2 {
			fast = arrFastInt2[int32]
		} else if isInt && ic.Size == 4 {
			fast = arrFastInt4[int32]
		}
		return true, arrFillSlice(m, c, h, it, d, fast, flat)
	case *[]int64:
		var fast func([]byte) (int64, bool)
		switch {
		case isInt && ic.Size == 2:
			fast = arrFastInt2[int64]
		case isInt && ic.Size == 4:
			fast = arrFastInt4[int64]
		case isInt && ic.Size == 8:
			fast = arrFastInt8
		}
		return true, arrFillSlice(m, c, h, it, d, fast, flat)
	case *[]float32:
		var fast func([]byte) (float32, bool)
		if isFloat && fc.Size == 4 {
			fast = arrFastFloat4[float32]
		}
		return true, arrFillSlice(m, c, h, it, d, fast, flat)
	case *[]float64:
		var fast func([]byte) (float64, bool)
		if isFloat && fc.Size == 4 {
			fast = arrFastFloat4[float64]
		} else if isFloat && fc.Size == 8 {
			fast = arrFastFloat8
		}
		return true, arrFillSlice(m, c, h, it, d, fast, flat)
	case *[]bool:
		var fast func([]byte) (bool, bool)
		if _, ok := c.Elem.Codec.(BoolCodec); ok && bin {
			fast = arrFastBool
		}
		return true, arrFillSlice(m, c, h, it, d, fast, flat)
	case *[]string:
		return true, arrFillSlice(m, c, h, it, d, nil, flat)
	case *[]any:
		return true, arrFillSlice(m, c, h, it, d, nil, flat)
	}
	return false, nil
}

// arrFast* decode one binary element straight into a Go number; false
// leaves the element (of a wrong length) to Map.Scan, for its error.
func arrFastInt2[T int16 | int32 | int64](e []byte) (T, bool) {
	if len(e) != 2 {
		return 0, false
	}
	return T(int16(binary.BigEndian.Uint16(e))), true
}

func arrFastInt4[T int32 | int64](e []byte) (T, bool) {
	if len(e) != 4 {
		return 0, false
	}
	return T(int32(binary.BigEndian.Uint32(e))), true
}

func arrFastInt8(e []byte) (int64, bool) {
	if len(e) != 8 {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(e)), true
}

func arrFastFloat4[T float32 | float64](e []byte) (T, bool) {
	if len(e) != 4 {
		return 0, false
	}
	return T(math.Float32frombits(binary.BigEndian.Uint32(e))), true
}

func arrFastFloat8(e []byte) (float64, bool) {
	if len(e) != 8 {
		return 0, false
	}
	return math.Float64frombits(binary.BigEndian.Uint64(e)), true
}

func arrFastBool(e []byte) (bool, bool) {
	if len(e) != 1 || e[0] > 1 {
		return false, false
	}
	return e[0] == 1, true
}

// arrFillSlice scans a one-dimensional (or empty) array, or with flat any
// array, into *d, reusing its capacity. fast, if not nil, decodes non-NULL
// binary elements without Map.Scan.
func arrFillSlice[T any](m *Map, c ArrayCodec, h *arrHeader, it *arrIter, d *[]T, fast func([]byte) (T, bool), flat bool) error {
	if h.ndim > 1 && !flat {
		return arrDimError(h.ndim, d)
	}
	s := *d
	if cap(s) >= h.n {
		s = s[:h.n]
	} else {
		s = make([]T, h.n)
	}
	if s == nil {
		s = []T{}
	}
	src, pos := it.src, it.pos
	for i := range s {
		if fast != nil && len(src)-pos >= 4 {
			// The common binary element, read here; anything else (NULL,
			// a bad length) goes the general way, for its error.
			l := int(int32(binary.BigEndian.Uint32(src[pos:])))
			if l >= 0 && l <= len(src)-pos-4 {
				if v, ok := fast(src[pos+4 : pos+4+l]); ok {
					s[i] = v
					pos += 4 + l
					continue
				}
			}
		}
		it.pos = pos
		e, err := it.next()
		if err != nil {
			return err
		}
		if err := m.Scan(c.Elem, it.f, e, &s[i]); err != nil {
			return arrElemError(i, err)
		}
		pos = it.pos
	}
	it.pos = pos
	if err := it.finish(); err != nil {
		return err
	}
	*d = s
	return nil
}

// decodeReflect scans into a pointer to a slice of as many levels as the
// array has dimensions.
func (c ArrayCodec) decodeReflect(m *Map, t *Type, f Format, src []byte, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return unsupportedDst(dst)
	}
	st := rv.Type().Elem()
	if st.Kind() != reflect.Slice || st.Elem().Kind() == reflect.Uint8 {
		return unsupportedDst(dst)
	}
	if st.Elem().Kind() == reflect.Interface && st.Elem().NumMethod() == 0 {
		// A named []any.
		var s []any
		if err := c.Decode(m, t, f, src, &s); err != nil {
			return err
		}
		rv.Elem().Set(reflect.ValueOf(s).Convert(st))
		return nil
	}
	h, it, err := c.start(t, f, src)
	if err != nil {
		return err
	}
	typ := st
	for range h.ndim {
		if typ.Kind() != reflect.Slice {
			return arrDimError(h.ndim, dst)
		}
		typ = typ.Elem()
	}
	if h.ndim == 0 {
		rv.Elem().Set(reflect.MakeSlice(st, 0, 0))
		return it.finish()
	}
	v, err := c.reflectLevel(m, &h, &it, rv.Elem(), st, 0, 0)
	if err != nil {
		return err
	}
	if err := it.finish(); err != nil {
		return err
	}
	rv.Elem().Set(v)
	return nil
}

// reflectLevel builds the slice of type st for dimension level; base is
// the flat index of its first element. At level 0, cur's capacity is
// reused.
func (c ArrayCodec) reflectLevel(m *Map, h *arrHeader, it *arrIter, cur reflect.Value, st reflect.Type, level, base int) (reflect.Value, error) {
	n := int(h.dims[level].Length)
	var s reflect.Value
	if level == 0 && cur.Cap() >= n {
		s = cur.Slice(0, n)
	} else {
		s = reflect.MakeSlice(st, n, n)
	}
	if level == h.ndim-1 {
		for i := range n {
			e, err := it.next()
			if err != nil {
				return s, err
			}
			if err := m.Scan(c.Elem, it.f, e, s.Index(i).Addr().Interface()); err != nil {
				return s, arrElemError(base+i, err)
			}
		}
		return s, nil
	}
	stride := h.n
	for l := 0; l <= level; l++ {
		stride /= int(h.dims[l].Length)
	}
	for i := range n {
		sub, err := c.reflectLevel(m, h, it, reflect.Value{}, st.Elem(), level+1, base+i*stride)
		if err != nil {
			return s, err
		}
		s.Index(i).Set(sub)
	}
	return s, nil
}

func (c ArrayCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	c.Elem = m.current(c.Elem)
	h, it, err := c.start(t, f, src)
	if err != nil {
		return nil, err
	}
	v, err := c.anyLevel(m, &h, &it, 0, 0)
	if err != nil {
		return nil, err
	}
	if err := it.finish(); err != nil {
		return nil, err
	}
	return v, nil
}

// anyLevel builds the nested []any of dimension level.
func (c ArrayCodec) anyLevel(m *Map, h *arrHeader, it *arrIter, level, base int) ([]any, error) {
	if h.ndim == 0 {
		return []any{}, nil
	}
	n := int(h.dims[level].Length)
	s := make([]any, n)
	if level == h.ndim-1 {
		for i := range s {
			e, err := it.next()
			if err != nil {
				return nil, err
			}
			if s[i], err = m.DecodeAny(c.Elem, it.f, e); err != nil {
				return nil, arrElemError(base+i, err)
			}
		}
		return s, nil
	}
	stride := h.n
	for l := 0; l <= level; l++ {
		stride /= int(h.dims[l].Length)
	}
	for i := range s {
		sub, err := c.anyLevel(m, h, it, level+1, base+i*stride)
		if err != nil {
			return nil, err
		}
		s[i] = sub
	}
	return s, nil
}

// arrEnc writes an array in either format: the header, then elements in
// row-major order, then (text) the closing braces or (binary) the has-null
// flag.
type arrEnc struct {
	m       *Map
	c       ArrayCodec
	f       Format
	buf     []byte
	start   int // offset of the array in buf
	ndim    int
	n       int // elements written
	hasNull bool
	// suffix[k] is the product of the lengths of dimensions k and on.
	suffix [arrMaxDim + 1]int
}

// arrCheckDims validates dims for n elements: at most 6, each length ≥ 0,
// product n, upper bounds in range. It reports whether the array is empty.
func arrCheckDims(dims []ArrayDimension, n int) (empty bool, err error) {
	if len(dims) > arrMaxDim {
		return false, fmt.Errorf("%d dimensions, at most %d", len(dims), arrMaxDim)
	}
	if n > math.MaxInt32 {
		return false, fmt.Errorf("%d elements is too many", n)
	}
	prod := int64(1)
	for _, d := range dims {
		if d.Length < 0 {
			return false, fmt.Errorf("negative dimension length %d", d.Length)
		}
		if int64(d.LowerBound)+int64(d.Length) > math.MaxInt32 {
			return false, fmt.Errorf("upper bound of dimension out of range: lower bound %d, length %d", d.LowerBound, d.Length)
		}
		prod *= int64(d.Length)
		if prod > math.MaxInt32 {
			return false, errors.New("too many elements")
		}
	}
	if len(dims) == 0 {
		prod = 0
	}
	if prod != int64(n) {
		return false, fmt.Errorf("dimensions hold %d elements, have %d", prod, n)
	}
	return n == 0, nil
}

// begin writes the header of an array of dims (already checked, not
// empty).
func (c ArrayCodec) begin(m *Map, f Format, buf []byte, dims []ArrayDimension) arrEnc {
	e := arrEnc{m: m, c: c, f: f, buf: buf, start: len(buf), ndim: len(dims)}
	e.suffix[len(dims)] = 1
	for k := len(dims) - 1; k >= 0; k-- {
		e.suffix[k] = e.suffix[k+1] * int(dims[k].Length)
	}
	if f == BinaryFormat {
		e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(len(dims)))
		e.buf = binary.BigEndian.AppendUint32(e.buf, 0) // has-null, set by end
		e.buf = binary.BigEndian.AppendUint32(e.buf, c.Elem.OID)
		for _, d := range dims {
			e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(d.Length))
			e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(d.LowerBound))
		}
		return e
	}
	for _, d := range dims {
		if d.LowerBound != 1 {
			for _, d := range dims {
				e.buf = append(e.buf, '[')
				e.buf = strconv.AppendInt(e.buf, int64(d.LowerBound), 10)
				e.buf = append(e.buf, ':')
				e.buf = strconv.AppendInt(e.buf, int64(d.LowerBound)+int64(d.Length)-1, 10)
				e.buf = append(e.buf, ']')
			}
			e.buf = append(e.buf, '=')
			break
		}
	}
	for range dims {
		e.buf = append(e.buf, '{')
	}
	return e
}

// arrEmpty writes an empty array.
func (c ArrayCodec) arrEmpty(f Format, buf []byte) []byte {
	if f == BinaryFormat {
		buf = binary.BigEndian.AppendUint32(buf, 0)
		buf = binary.BigEndian.AppendUint32(buf, 0)
		return binary.BigEndian.AppendUint32(buf, c.Elem.OID)
	}
	return append(buf, "{}"...)
}

// sep writes what goes before the next element in text: closing and
// reopening braces of the dimensions that end, and the delimiter.
func (e *arrEnc) sep() {
	if e.f == BinaryFormat || e.n == 0 {
		return
	}
	k := 0
	for k < e.ndim-1 && e.n%e.suffix[e.ndim-1-k] == 0 {
		k++
	}
	for range k {
		e.buf = append(e.buf, '}')
	}
	e.buf = append(e.buf, e.c.delim())
	for range k {
		e.buf = append(e.buf, '{')
	}
}

// elem writes one element through the Map.
func (e *arrEnc) elem(v any) error {
	e.sep()
	i := e.n
	e.n++
	if e.f == BinaryFormat {
		lenAt := len(e.buf)
		e.buf = append(e.buf, 0, 0, 0, 0)
		out, null, err := e.m.EncodeFormat(e.c.Elem, BinaryFormat, v, e.buf)
		if err != nil {
			return arrElemError(i, err)
		}
		if null {
			e.hasNull = true
			binary.BigEndian.PutUint32(out[lenAt:], math.MaxUint32)
			e.buf = out
			return nil
		}
		l := len(out) - lenAt - 4
		if l > math.MaxInt32 {
			return arrElemError(i, errors.New("element too long"))
		}
		binary.BigEndian.PutUint32(out[lenAt:], uint32(l))
		e.buf = out
		return nil
	}
	at := len(e.buf)
	out, null, err := e.m.EncodeFormat(e.c.Elem, TextFormat, v, e.buf)
	if err != nil {
		return arrElemError(i, err)
	}
	if null {
		e.hasNull = true
		e.buf = append(out, "NULL"...)
		return nil
	}
	e.buf = arrQuote(out, at, e.c.delim())
	return nil
}

// end finishes the array.
func (e *arrEnc) end() []byte {
	if e.f == BinaryFormat {
		if e.hasNull {
			binary.BigEndian.PutUint32(e.buf[e.start+4:], 1)
		}
		return e.buf
	}
	for range e.ndim {
		e.buf = append(e.buf, '}')
	}
	return e.buf
}

// arrQuote quotes the text element buf[start:] in place when array_in
// would misread it bare: empty, "NULL" in any case, or containing a
// quote, backslash, brace, the delimiter or whitespace (array_out).
func arrQuote(buf []byte, start int, delim byte) []byte {
	el := buf[start:]
	var special *[256]bool
	switch delim {
	case ',':
		special = arrSpecialComma
	case ';':
		special = arrSpecialSemicolon
	default:
		special = arrSpecialTable(delim)
	}
	return quoteInPlace(buf, start, len(el) == 0 || arrIsNull(el), special, '\\')
}

// The bytes that make array_out quote an element, besides quotes and
// backslashes, for the usual delimiter and for box's.
var (
	arrSpecialComma     = arrSpecialTable(',')
	arrSpecialSemicolon = arrSpecialTable(';')
)

// arrSpecialTable marks the bytes that make array_out quote an element
// with delimiter delim: braces, the delimiter, whitespace.
func arrSpecialTable(delim byte) *[256]bool {
	var t [256]bool
	for ch := range 256 {
		c := byte(ch)
		t[ch] = c == '{' || c == '}' || c == delim || arrIsSpace(c)
	}
	return &t
}

// quoteInPlace wraps buf[start:] in double quotes, escaping each quote and
// backslash with esc, when must is set or the text holds a quote, a
// backslash or a byte special marks; otherwise it returns buf unchanged.
// Arrays escape with a backslash (array_out), records by doubling (esc 0:
// the character itself, as record_out does).
func quoteInPlace(buf []byte, start int, must bool, special *[256]bool, esc byte) []byte {
	el := buf[start:]
	need := must
	extra := 0
	for _, ch := range el {
		switch {
		case ch == '"' || ch == '\\':
			extra++
			need = true
		case special[ch]:
			need = true
		}
	}
	if !need {
		return buf
	}
	n := len(el)
	buf = slices.Grow(buf, extra+2)[:len(buf)+extra+2]
	w := len(buf) - 1
	buf[w] = '"'
	for r := start + n - 1; r >= start; r-- {
		ch := buf[r]
		w--
		buf[w] = ch
		if ch == '"' || ch == '\\' {
			w--
			if esc == 0 {
				buf[w] = ch
			} else {
				buf[w] = esc
			}
		}
	}
	buf[start] = '"'
	return buf
}

func (c ArrayCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	c.Elem = m.current(c.Elem)
	switch x := v.(type) {
	case []int16, []int32, []int64, []float32, []float64, []bool, []string:
		out, _, err := arrEncodeTyped(m, c, f, buf, nil, v)
		return out, err
	case []any:
		return c.encodeAny(m, f, x, buf)
	case []byte:
		return buf, unsupportedValue(v, f)
	case arrSource:
		return x.arrEncode(m, c, f, buf)
	}
	return c.encodeReflect(m, f, v, buf)
}

// arrEncodeTyped encodes the slice types with fast paths, given as a slice
// or a pointer to one: it reports whether v is one.
func arrEncodeTyped(m *Map, c ArrayCodec, f Format, buf []byte, dims []ArrayDimension, v any) ([]byte, bool, error) {
	_, isInt := c.Elem.Codec.(IntCodec)
	_, isFloat := c.Elem.Codec.(FloatCodec)
	_, isBool := c.Elem.Codec.(BoolCodec)
	var out []byte
	var err error
	switch x := v.(type) {
	case []int16:
		out, err = arrEncodeElems(m, c, f, buf, dims, x, arrIf(isInt, arrEncInt[int16]))
	case *[]int16:
		out, err = arrEncodeElems(m, c, f, buf, dims, *x, arrIf(isInt, arrEncInt[int16]))
	case []int32:
		out, err = arrEncodeElems(m, c, f, buf, dims, x, arrIf(isInt, arrEncInt[int32]))
	case *[]int32:
		out, err = arrEncodeElems(m, c, f, buf, dims, *x, arrIf(isInt, arrEncInt[int32]))
	case []int64:
		out, err = arrEncodeElems(m, c, f, buf, dims, x, arrIf(isInt, arrEncInt[int64]))
	case *[]int64:
		out, err = arrEncodeElems(m, c, f, buf, dims, *x, arrIf(isInt, arrEncInt[int64]))
	case []float32:
		out, err = arrEncodeElems(m, c, f, buf, dims, x, arrIf(isFloat, arrEncFloat[float32]))
	case *[]float32:
		out, err = arrEncodeElems(m, c, f, buf, dims, *x, arrIf(isFloat, arrEncFloat[float32]))
	case []float64:
		out, err = arrEncodeElems(m, c, f, buf, dims, x, arrIf(isFloat, arrEncFloat[float64]))
	case *[]float64:
		out, err = arrEncodeElems(m, c, f, buf, dims, *x, arrIf(isFloat, arrEncFloat[float64]))
	case []bool:
		out, err = arrEncodeElems(m, c, f, buf, dims, x, arrIf(isBool, arrEncBool))
	case *[]bool:
		out, err = arrEncodeElems(m, c, f, buf, dims, *x, arrIf(isBool, arrEncBool))
	case []string:
		out, err = arrEncodeElems(m, c, f, buf, dims, x, nil)
	case *[]string:
		out, err = arrEncodeElems(m, c, f, buf, dims, *x, nil)
	default:
		return buf, false, nil
	}
	return out, true, err
}

// arrFast is a fast element encoder: it appends v, of an element type of
// size bytes (IntCodec's or FloatCodec's Size), in format f to buf, or
// reports false, writing nothing, for a value it leaves to the codec.
type arrFast[T any] func(buf []byte, f Format, size int, v T) ([]byte, bool)

// arrIf returns fast if ok, else nil.
func arrIf[T any](ok bool, fast arrFast[T]) arrFast[T] {
	if ok {
		return fast
	}
	return nil
}

// arrEncInt writes v as IntCodec would.
func arrEncInt[T int16 | int32 | int64](buf []byte, f Format, size int, v T) ([]byte, bool) {
	x := int64(v)
	switch size {
	case 2:
		if x < math.MinInt16 || x > math.MaxInt16 {
			return buf, false
		}
	case 4:
		if x < math.MinInt32 || x > math.MaxInt32 {
			return buf, false
		}
	case 8:
	default:
		return buf, false
	}
	if f == TextFormat {
		return strconv.AppendInt(buf, x, 10), true
	}
	buf = binary.BigEndian.AppendUint32(buf, uint32(size))
	switch size {
	case 2:
		return binary.BigEndian.AppendUint16(buf, uint16(x)), true
	case 4:
		return binary.BigEndian.AppendUint32(buf, uint32(x)), true
	}
	return binary.BigEndian.AppendUint64(buf, uint64(x)), true
}

// arrEncFloat writes v as FloatCodec would.
func arrEncFloat[T float32 | float64](buf []byte, f Format, size int, v T) ([]byte, bool) {
	x := float64(v)
	switch size {
	case 4:
		if math.Abs(x) > math.MaxFloat32 && !math.IsInf(x, 0) {
			return buf, false
		}
	case 8:
	default:
		return buf, false
	}
	if f == TextFormat {
		return appendFloat(buf, x, size*8), true
	}
	buf = binary.BigEndian.AppendUint32(buf, uint32(size))
	if size == 4 {
		return binary.BigEndian.AppendUint32(buf, math.Float32bits(float32(x))), true
	}
	return binary.BigEndian.AppendUint64(buf, math.Float64bits(x)), true
}

// arrEncBool writes v as BoolCodec would.
func arrEncBool(buf []byte, f Format, size int, v bool) ([]byte, bool) {
	b := byte(0)
	if v {
		b = 1
	}
	if f == TextFormat {
		return append(buf, "ft"[b]), true
	}
	return append(buf, 0, 0, 0, 1, b), true
}

// arrEncodeElems encodes the elements s with dims (nil: one dimension from
// 1); fast, if not nil, writes elements without Map.EncodeFormat.
func arrEncodeElems[T any](m *Map, c ArrayCodec, f Format, buf []byte, dims []ArrayDimension, s []T, fast arrFast[T]) ([]byte, error) {
	var one [1]ArrayDimension
	if len(dims) == 0 && len(s) > 0 {
		if len(s) > math.MaxInt32 {
			return buf, fmt.Errorf("%d elements is too many", len(s))
		}
		one[0] = ArrayDimension{Length: int32(len(s)), LowerBound: 1}
		dims = one[:]
	}
	empty, err := arrCheckDims(dims, len(s))
	if err != nil {
		return buf, err
	}
	if empty {
		return c.arrEmpty(f, buf), nil
	}
	e := c.begin(m, f, buf, dims)
	size := 0
	switch ec := c.Elem.Codec.(type) {
	case IntCodec:
		size = ec.Size
	case FloatCodec:
		size = ec.Size
	}
	for i := range s {
		if fast != nil {
			mark := len(e.buf)
			e.sep()
			if out, ok := fast(e.buf, f, size, s[i]); ok {
				e.buf = out
				e.n++
				continue
			}
			e.buf = e.buf[:mark]
		}
		if err := e.elem(s[i]); err != nil {
			return buf, c.encodeError(f, err)
		}
	}
	return e.end(), nil
}

// encodeError keeps an element's ErrUnsupported visible, so that Map tries
// the other format when an element has no form in this one.
func (c ArrayCodec) encodeError(f Format, err error) error {
	if isUnsupported(err) && f == BinaryFormat {
		return fmt.Errorf("%w: element in binary: %w", ErrUnsupported, err)
	}
	return err
}

// encodeAny encodes a []any; []any elements are sub-arrays.
func (c ArrayCodec) encodeAny(m *Map, f Format, x []any, buf []byte) ([]byte, error) {
	var dims [arrMaxDim]ArrayDimension
	ndim := 0
	n := 1
	for cur := x; ; {
		if ndim == arrMaxDim {
			return buf, fmt.Errorf("more than %d levels of nested []any", arrMaxDim)
		}
		if len(cur) > math.MaxInt32 {
			return buf, fmt.Errorf("%d elements is too many", len(cur))
		}
		dims[ndim] = ArrayDimension{Length: int32(len(cur)), LowerBound: 1}
		ndim++
		n *= len(cur)
		if n > math.MaxInt32 {
			return buf, errors.New("too many elements")
		}
		if len(cur) == 0 {
			break
		}
		sub, ok := cur[0].([]any)
		if !ok {
			break
		}
		cur = sub
	}
	if n == 0 {
		// Still rectangular? A zero length anywhere makes it empty, but
		// every sub-array on the way must agree.
		if err := arrCheckAnyEmpty(x, dims[:ndim], 0); err != nil {
			return buf, err
		}
		return c.arrEmpty(f, buf), nil
	}
	e := c.begin(m, f, buf, dims[:ndim])
	if err := c.anyLevelEnc(&e, x, dims[:ndim], 0); err != nil {
		return buf, c.encodeError(f, err)
	}
	return e.end(), nil
}

func arrCheckAnyEmpty(x []any, dims []ArrayDimension, level int) error {
	if len(x) != int(dims[level].Length) {
		return errors.New("jagged array: sub-arrays of different lengths")
	}
	if level == len(dims)-1 {
		return nil
	}
	for _, v := range x {
		sub, ok := v.([]any)
		if !ok {
			return errors.New("jagged array: an element where a sub-array is expected")
		}
		if err := arrCheckAnyEmpty(sub, dims, level+1); err != nil {
			return err
		}
	}
	return nil
}

func (c ArrayCodec) anyLevelEnc(e *arrEnc, x []any, dims []ArrayDimension, level int) error {
	if len(x) != int(dims[level].Length) {
		return errors.New("jagged array: sub-arrays of different lengths")
	}
	if level == len(dims)-1 {
		for _, v := range x {
			if _, ok := v.([]any); ok {
				return errors.New("jagged array: a sub-array where an element is expected")
			}
			if err := e.elem(v); err != nil {
				return err
			}
		}
		return nil
	}
	for _, v := range x {
		sub, ok := v.([]any)
		if !ok {
			return errors.New("jagged array: an element where a sub-array is expected")
		}
		if err := c.anyLevelEnc(e, sub, dims, level+1); err != nil {
			return err
		}
	}
	return nil
}

// encodeReflect encodes other slices: []T, [][]T and so on. A slice
// element is a sub-array unless the element type encodes it: with fewer
// levels tried when the elements at the deepest level are unsupported.
func (c ArrayCodec) encodeReflect(m *Map, f Format, v any, buf []byte) ([]byte, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice || rv.Type().Elem().Kind() == reflect.Uint8 {
		return buf, unsupportedValue(v, f)
	}
	if et := rv.Type().Elem(); et.Kind() == reflect.Interface && et.NumMethod() == 0 {
		return c.encodeAny(m, f, rv.Convert(reflect.TypeFor[[]any]()).Interface().([]any), buf)
	}
	depth := 0
	for typ := rv.Type(); typ.Kind() == reflect.Slice && typ.Elem().Kind() != reflect.Uint8 && depth < arrMaxDim; typ = typ.Elem() {
		depth++
	}
	var first error
	for d := depth; d >= 1; d-- {
		out, err := c.encodeDepth(m, f, rv, d, buf)
		if err == nil {
			return out, nil
		}
		if first == nil {
			first = err
		}
		if !isUnsupported(err) {
			break
		}
	}
	return buf, first
}

// encodeDepth encodes rv as a d-dimensional array.
func (c ArrayCodec) encodeDepth(m *Map, f Format, rv reflect.Value, d int, buf []byte) ([]byte, error) {
	var dims [arrMaxDim]ArrayDimension
	n := 1
	cur := rv
	for i := range d {
		l := cur.Len()
		if l > math.MaxInt32 {
			return buf, fmt.Errorf("%d elements is too many", l)
		}
		dims[i] = ArrayDimension{Length: int32(l), LowerBound: 1}
		n *= l
		if n > math.MaxInt32 {
			return buf, errors.New("too many elements")
		}
		if l > 0 && i < d-1 {
			cur = cur.Index(0)
		}
	}
	if n == 0 {
		if err := arrCheckReflect(nil, rv, dims[:d], 0); err != nil {
			return buf, err
		}
		return c.arrEmpty(f, buf), nil
	}
	e := c.begin(m, f, buf, dims[:d])
	if err := arrCheckReflect(&e, rv, dims[:d], 0); err != nil {
		return buf, c.encodeError(f, err)
	}
	return e.end(), nil
}

// arrCheckReflect checks that rv is rectangular and, with e, writes its
// elements.
func arrCheckReflect(e *arrEnc, rv reflect.Value, dims []ArrayDimension, level int) error {
	if rv.Len() != int(dims[level].Length) {
		return errors.New("jagged array: sub-arrays of different lengths")
	}
	if level == len(dims)-1 {
		if e == nil {
			return nil
		}
		for i := range rv.Len() {
			if err := e.elem(rv.Index(i).Interface()); err != nil {
				return err
			}
		}
		return nil
	}
	for i := range rv.Len() {
		if err := arrCheckReflect(e, rv.Index(i), dims, level+1); err != nil {
			return err
		}
	}
	return nil
}
