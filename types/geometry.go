package types

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// The geometric types. Their binary forms are float8s in network byte
// order (pq_sendfloat8), their text forms are built from "(x,y)" pairs;
// see https://www.postgresql.org/docs/current/datatype-geometric.html and
// the in/out/recv/send functions in src/backend/utils/adt/geo_ops.c.

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "point", PointOID, PointArrayOID, PointCodec{})
		register(m, "line", LineOID, LineArrayOID, LineCodec{})
		register(m, "lseg", LsegOID, LsegArrayOID, LsegCodec{})
		register(m, "box", BoxOID, BoxArrayOID, BoxCodec{})
		register(m, "path", PathOID, PathArrayOID, PathCodec{})
		register(m, "polygon", PolygonOID, PolygonArrayOID, PolygonCodec{})
		register(m, "circle", CircleOID, CircleArrayOID, CircleCodec{})
	})
}

// Point is a PostgreSQL point, (X,Y).
type Point struct{ X, Y float64 }

// Line is a PostgreSQL line, the infinite line A·x + B·y + C = 0; A and B
// are not both zero.
type Line struct{ A, B, C float64 }

// Lseg is a PostgreSQL lseg, the line segment from P[0] to P[1].
type Lseg struct{ P [2]Point }

// Box is a PostgreSQL box given by two opposite corners. The server stores
// the upper right corner first (P[0]) and the lower left second (P[1]),
// swapping coordinates of the corners it is given as needed.
type Box struct{ P [2]Point }

// Path is a PostgreSQL path: the points P, in order, forming an open path
// or, if Closed, a closed one. It has at least one point.
type Path struct {
	P      []Point
	Closed bool
}

// Polygon is a PostgreSQL polygon with the vertices P. It has at least one
// point.
type Polygon struct{ P []Point }

// Circle is a PostgreSQL circle with center P and radius R (not negative).
type Circle struct {
	P Point
	R float64
}

// geoMaxPoints bounds the points of a path or polygon we encode: path_recv
// and poly_recv refuse npts >= (INT_MAX - header) / sizeof(Point), with a
// header of 16 bytes for a path and 40 for a polygon.
const geoMaxPoints = (math.MaxInt32 - 40) / 16

// geoFloat reads the float8 at src[i:i+8]; the caller checked the length.
func geoFloat(src []byte, i int) float64 {
	return math.Float64frombits(binary.BigEndian.Uint64(src[i : i+8]))
}

func geoAppendFloat8(buf []byte, xs ...float64) []byte {
	for _, x := range xs {
		buf = binary.BigEndian.AppendUint64(buf, math.Float64bits(x))
	}
	return buf
}

// appendFloat8Text appends x as float8out does with the default
// extra_float_digits: the shortest digits that read back exactly, in fixed
// notation for decimal exponents from -4 to 14 and as "1e+15" outside
// them.
func appendFloat8Text(buf []byte, x float64) []byte {
	if out, ok := appendFloatSpecial(buf, x); ok {
		return out
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], x, 'e', -1, 64)
	if exp := geoExponent(e); exp >= -4 && exp < 15 {
		return strconv.AppendFloat(buf, x, 'f', -1, 64)
	}
	if math.Abs(x) >= 1<<53 && geoIsMidpoint(e, x) {
		// strconv may print a decimal exactly halfway between x and a
		// neighbour (1e+23), which reads back as x only under
		// round-half-even; the server's Ryu never does, and prints the
		// shortest digits strictly closer to x.
		for prec := 1; prec < 17; prec++ {
			e = strconv.AppendFloat(tmp[:0], x, 'e', prec, 64)
			if y, err := strconv.ParseFloat(string(e), 64); err == nil && y == x && !geoIsMidpoint(e, x) {
				break
			}
		}
		e = geoTrimZeros(e)
	}
	return append(buf, e...)
}

// geoExponent returns the decimal exponent of a number in 'e' form.
func geoExponent(e []byte) int {
	i := len(e) - 1
	for i > 0 && e[i] != 'e' {
		i--
	}
	exp := 0
	for _, c := range e[i+2:] {
		exp = exp*10 + int(c-'0')
	}
	if e[i+1] == '-' {
		return -exp
	}
	return exp
}

// geoTrimZeros removes the trailing zeros of the mantissa of a number in
// 'e' form: "9.90e+22" becomes "9.9e+22", "1.0e+23" "1e+23".
func geoTrimZeros(e []byte) []byte {
	i := 0
	for i < len(e) && e[i] != 'e' {
		i++
	}
	j := i
	for j > 0 && e[j-1] == '0' {
		j--
	}
	if j > 0 && e[j-1] == '.' {
		j--
	}
	return append(e[:j], e[i:]...)
}

// geoIsMidpoint reports whether the decimal e ('e' form) is exactly halfway
// between x and one of its neighbouring float64s.
func geoIsMidpoint(e []byte, x float64) bool {
	// e as d × 10^q.
	d := new(big.Int)
	nd := 0
	i := 0
	for ; i < len(e) && e[i] != 'e'; i++ {
		if c := e[i]; c >= '0' && c <= '9' {
			d.Mul(d, big.NewInt(10))
			d.Add(d, big.NewInt(int64(c-'0')))
			nd++
		}
	}
	d.Abs(d)
	q := geoExponent(e) - (nd - 1)
	// |x| = m × 2^p with m a 53-bit integer; its neighbours' midpoints
	// are (2m ± 1) × 2^(p-1), or (4m - 1) × 2^(p-2) below a power of two.
	fr, exp := math.Frexp(math.Abs(x))
	m := int64(fr * (1 << 53))
	p := exp - 53
	for _, c := range []struct{ n, p int64 }{{2*m + 1, int64(p - 1)}, {2*m - 1, int64(p - 1)}, {4*m - 1, int64(p - 2)}} {
		if c.n == 4*m-1 && m != 1<<52 {
			continue
		}
		l := new(big.Int).Set(d)
		r := big.NewInt(c.n)
		if q >= 0 {
			l.Mul(l, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(q)), nil))
		} else {
			r.Mul(r, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-q)), nil))
		}
		if c.p >= 0 {
			r.Lsh(r, uint(c.p))
		} else {
			l.Lsh(l, uint(-c.p))
		}
		if l.Cmp(r) == 0 {
			return true
		}
	}
	return false
}

func geoAppendPoint(buf []byte, p Point) []byte {
	buf = append(buf, '(')
	buf = appendFloat8Text(buf, p.X)
	buf = append(buf, ',')
	buf = appendFloat8Text(buf, p.Y)
	return append(buf, ')')
}

func geoAppendPoints(buf []byte, ps []Point) []byte {
	for i, p := range ps {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = geoAppendPoint(buf, p)
	}
	return buf
}

// geoParser reads the text forms the geometric out functions print,
// allowing white space between tokens as their in functions do.
type geoParser struct {
	s   []byte
	pos int
	ok  bool
}

func geoNewParser(s []byte) *geoParser { return &geoParser{s: s, ok: true} }

func (p *geoParser) space() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			p.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (p *geoParser) peek() byte {
	p.space()
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *geoParser) expect(c byte) {
	if p.ok && p.peek() == c {
		p.pos++
		return
	}
	p.ok = false
}

// float reads a float8 as float8in would: digits, signs, exponents, NaN,
// Infinity; out-of-range values are refused.
func (p *geoParser) float() float64 {
	if !p.ok {
		return 0
	}
	p.space()
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == ',' || c == ')' || c == '(' || c == ']' || c == '>' || c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '_' {
			break
		}
		p.pos++
	}
	if start == p.pos {
		p.ok = false
		return 0
	}
	x, err := strconv.ParseFloat(string(p.s[start:p.pos]), 64)
	if err != nil {
		p.ok = false
		return 0
	}
	return x
}

func (p *geoParser) point() Point {
	p.expect('(')
	x := p.float()
	p.expect(',')
	y := p.float()
	p.expect(')')
	return Point{x, y}
}

// points reads one or more comma-separated points, at most one per 5
// bytes of input.
func (p *geoParser) points() []Point {
	var ps []Point
	for p.ok {
		ps = append(ps, p.point())
		if p.peek() != ',' {
			break
		}
		p.pos++
	}
	return ps
}

// end reports whether the whole input was read.
func (p *geoParser) end() bool {
	p.space()
	return p.ok && p.pos == len(p.s)
}

// geoFPzero is FPzero of src/include/utils/geo_decls.h: |x| <= EPSILON.
func geoFPzero(x float64) bool { return math.Abs(x) <= 1e-6 }

var errGeoNoPoints = errors.New("needs at least one point")

// The codecs whose Go side is one natural value T (the geometric ones,
// BitsCodec, LSNCodec, TIDCodec) keep T's wire formats in their decode and
// encode methods. Their Encode and Decode handle a T and a *T themselves,
// the hot path, where a generic helper's indirect calls and copies would
// cost a third of the time; geoEncodeOther and geoDecodeOther do the rest.
// Their DecodeAny is geoAny.

// geoEncodeOther encodes v, which is not a T: a string is sent as is in
// text, for the server to parse, and read by decode as T's text form for
// binary.
func geoEncodeOther[T any](t *Type, f Format, v any, buf []byte,
	decode func(*Type, Format, []byte) (T, error), encode func(Format, []byte, T) ([]byte, error)) ([]byte, error) {
	s, ok := v.(string)
	if !ok {
		return buf, unsupportedValue(v, f)
	}
	if f == TextFormat {
		return append(buf, s...), nil
	}
	x, err := decode(t, TextFormat, []byte(s))
	if err != nil {
		return buf, unsupportedValue(v, f)
	}
	return encode(f, buf, x)
}

// geoDecodeOther finishes a Decode that returned err or whose dst is not a
// *T: malformed data is reported first, then a *string gets text(x), and
// any other dst is refused.
func geoDecodeOther[T any](x T, err error, dst any, text func(T) string) error {
	if err != nil {
		return err
	}
	if d, ok := dst.(*string); ok {
		*d = text(x)
		return nil
	}
	return unsupportedDst(dst)
}

// geoAny is a DecodeAny result: x, or nil and err.
func geoAny[T any](x T, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return x, nil
}

// PointCodec is the codec of point (point_in/out/recv/send): text "(x,y)",
// binary x, y. Go types: Point (the natural value), string.
type PointCodec struct{}

func (PointCodec) PreferredFormat() Format { return BinaryFormat }

func (c PointCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	if pt, ok := v.(Point); ok {
		return c.encode(f, buf, pt)
	}
	return geoEncodeOther(t, f, v, buf, c.decode, c.encode)
}

func (c PointCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	if d, ok := dst.(*Point); ok {
		pt, err := c.decode(t, f, src)
		if err == nil {
			*d = pt
		}
		return err
	}
	pt, err := c.decode(t, f, src)
	return geoDecodeOther(pt, err, dst, c.text)
}

func (c PointCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return geoAny(c.decode(t, f, src))
}

func (PointCodec) encode(f Format, buf []byte, pt Point) ([]byte, error) {
	if f == TextFormat {
		return geoAppendPoint(buf, pt), nil
	}
	return geoAppendFloat8(buf, pt.X, pt.Y), nil
}

func (PointCodec) decode(t *Type, f Format, src []byte) (Point, error) {
	if f == BinaryFormat {
		if len(src) != 16 {
			return Point{}, malformed(t, f, "%d bytes, want 16", len(src))
		}
		return Point{geoFloat(src, 0), geoFloat(src, 8)}, nil
	}
	p := geoNewParser(src)
	pt := p.point()
	if !p.end() {
		return Point{}, malformed(t, f, "%q", truncate(src))
	}
	return pt, nil
}

func (PointCodec) text(pt Point) string { return string(geoAppendPoint(nil, pt)) }

// LineCodec is the codec of line (line_in/out/recv/send): text "{A,B,C}",
// binary A, B, C. Go types: Line (the natural value), string. A line with A
// and B both zero is refused, as the server refuses it.
type LineCodec struct{}

func (LineCodec) PreferredFormat() Format { return BinaryFormat }

func (c LineCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	if l, ok := v.(Line); ok {
		return c.encode(f, buf, l)
	}
	return geoEncodeOther(t, f, v, buf, c.decode, c.encode)
}

func (c LineCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	if d, ok := dst.(*Line); ok {
		l, err := c.decode(t, f, src)
		if err == nil {
			*d = l
		}
		return err
	}
	l, err := c.decode(t, f, src)
	return geoDecodeOther(l, err, dst, c.text)
}

func (c LineCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return geoAny(c.decode(t, f, src))
}

func (LineCodec) encode(f Format, buf []byte, l Line) ([]byte, error) {
	if geoFPzero(l.A) && geoFPzero(l.B) {
		return buf, errors.New("invalid line: A and B cannot both be zero")
	}
	if f == TextFormat {
		return geoAppendLine(buf, l), nil
	}
	return geoAppendFloat8(buf, l.A, l.B, l.C), nil
}

func geoAppendLine(buf []byte, l Line) []byte {
	buf = append(buf, '{')
	buf = appendFloat8Text(buf, l.A)
	buf = append(buf, ',')
	buf = appendFloat8Text(buf, l.B)
	buf = append(buf, ',')
	buf = appendFloat8Text(buf, l.C)
	return append(buf, '}')
}

func (LineCodec) decode(t *Type, f Format, src []byte) (Line, error) {
	var l Line
	if f == BinaryFormat {
		if len(src) != 24 {
			return Line{}, malformed(t, f, "%d bytes, want 24", len(src))
		}
		l = Line{geoFloat(src, 0), geoFloat(src, 8), geoFloat(src, 16)}
	} else {
		p := geoNewParser(src)
		p.expect('{')
		l.A = p.float()
		p.expect(',')
		l.B = p.float()
		p.expect(',')
		l.C = p.float()
		p.expect('}')
		if !p.end() {
			return Line{}, malformed(t, f, "%q", truncate(src))
		}
	}
	if geoFPzero(l.A) && geoFPzero(l.B) {
		return Line{}, malformed(t, f, "A and B are both zero")
	}
	return l, nil
}

func (LineCodec) text(l Line) string { return string(geoAppendLine(nil, l)) }

// LsegCodec is the codec of lseg (lseg_in/out/recv/send): text
// "[(x1,y1),(x2,y2)]", binary x1, y1, x2, y2. Go types: Lseg (the natural
// value), string.
type LsegCodec struct{}

func (LsegCodec) PreferredFormat() Format { return BinaryFormat }

func (c LsegCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	if l, ok := v.(Lseg); ok {
		return c.encode(f, buf, l)
	}
	return geoEncodeOther(t, f, v, buf, c.decode, c.encode)
}

func (c LsegCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	if d, ok := dst.(*Lseg); ok {
		l, err := c.decode(t, f, src)
		if err == nil {
			*d = l
		}
		return err
	}
	l, err := c.decode(t, f, src)
	return geoDecodeOther(l, err, dst, c.text)
}

func (c LsegCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return geoAny(c.decode(t, f, src))
}

func (LsegCodec) encode(f Format, buf []byte, l Lseg) ([]byte, error) {
	if f == TextFormat {
		return geoAppendLseg(buf, l), nil
	}
	return geoAppendFloat8(buf, l.P[0].X, l.P[0].Y, l.P[1].X, l.P[1].Y), nil
}

func geoAppendLseg(buf []byte, l Lseg) []byte {
	buf = append(buf, '[')
	buf = geoAppendPoints(buf, l.P[:])
	return append(buf, ']')
}

func (LsegCodec) decode(t *Type, f Format, src []byte) (Lseg, error) {
	if f == BinaryFormat {
		if len(src) != 32 {
			return Lseg{}, malformed(t, f, "%d bytes, want 32", len(src))
		}
		return Lseg{[2]Point{{geoFloat(src, 0), geoFloat(src, 8)}, {geoFloat(src, 16), geoFloat(src, 24)}}}, nil
	}
	var l Lseg
	p := geoNewParser(src)
	p.expect('[')
	l.P[0] = p.point()
	p.expect(',')
	l.P[1] = p.point()
	p.expect(']')
	if !p.end() {
		return Lseg{}, malformed(t, f, "%q", truncate(src))
	}
	return l, nil
}

func (LsegCodec) text(l Lseg) string { return string(geoAppendLseg(nil, l)) }

// BoxCodec is the codec of box (box_in/out/recv/send): text
// "(x1,y1),(x2,y2)", binary x1, y1, x2, y2 with the upper right corner
// first. Go types: Box (the natural value), string. The corners are sent as
// given; the server reorders them. In arrays, boxes are separated by ';'.
type BoxCodec struct{}

func (BoxCodec) PreferredFormat() Format { return BinaryFormat }

func (c BoxCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	if b, ok := v.(Box); ok {
		return c.encode(f, buf, b)
	}
	return geoEncodeOther(t, f, v, buf, c.decode, c.encode)
}

func (c BoxCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	if d, ok := dst.(*Box); ok {
		b, err := c.decode(t, f, src)
		if err == nil {
			*d = b
		}
		return err
	}
	b, err := c.decode(t, f, src)
	return geoDecodeOther(b, err, dst, c.text)
}

func (c BoxCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return geoAny(c.decode(t, f, src))
}

func (BoxCodec) encode(f Format, buf []byte, b Box) ([]byte, error) {
	if f == TextFormat {
		return geoAppendPoints(buf, b.P[:]), nil
	}
	return geoAppendFloat8(buf, b.P[0].X, b.P[0].Y, b.P[1].X, b.P[1].Y), nil
}

func (BoxCodec) decode(t *Type, f Format, src []byte) (Box, error) {
	if f == BinaryFormat {
		if len(src) != 32 {
			return Box{}, malformed(t, f, "%d bytes, want 32", len(src))
		}
		return Box{[2]Point{{geoFloat(src, 0), geoFloat(src, 8)}, {geoFloat(src, 16), geoFloat(src, 24)}}}, nil
	}
	var b Box
	p := geoNewParser(src)
	b.P[0] = p.point()
	p.expect(',')
	b.P[1] = p.point()
	if !p.end() {
		return Box{}, malformed(t, f, "%q", truncate(src))
	}
	return b, nil
}

func (BoxCodec) text(b Box) string { return string(geoAppendPoints(nil, b.P[:])) }

// PathCodec is the codec of path (path_in/out/recv/send): text
// "[(x1,y1),...]" when open, "((x1,y1),...)" when closed; binary a closed
// byte, an int32 point count and the points. Go types: Path (the natural
// value), string. A path has at least one point.
type PathCodec struct{}

func (PathCodec) PreferredFormat() Format { return BinaryFormat }

func (c PathCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	if pa, ok := v.(Path); ok {
		return c.encode(f, buf, pa)
	}
	return geoEncodeOther(t, f, v, buf, c.decode, c.encode)
}

func (c PathCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	if d, ok := dst.(*Path); ok {
		pa, err := c.decodeInto(t, f, src, d.P)
		if err == nil {
			*d = pa
		}
		return err
	}
	pa, err := c.decode(t, f, src)
	return geoDecodeOther(pa, err, dst, c.text)
}

func (c PathCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return geoAny(c.decode(t, f, src))
}

func (PathCodec) encode(f Format, buf []byte, pa Path) ([]byte, error) {
	if err := geoCheckPoints(len(pa.P)); err != nil {
		return buf, err
	}
	if f == TextFormat {
		return geoAppendPath(buf, pa), nil
	}
	closed := byte(0)
	if pa.Closed {
		closed = 1
	}
	buf = append(buf, closed)
	return geoAppendPointsBinary(buf, pa.P), nil
}

func geoCheckPoints(n int) error {
	if n == 0 {
		return errGeoNoPoints
	}
	if n >= geoMaxPoints {
		return fmt.Errorf("%d points, more than the server accepts", n)
	}
	return nil
}

func geoAppendPointsBinary(buf []byte, ps []Point) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(ps)))
	for _, pt := range ps {
		buf = geoAppendFloat8(buf, pt.X, pt.Y)
	}
	return buf
}

func geoAppendPath(buf []byte, pa Path) []byte {
	open, end := byte('['), byte(']')
	if pa.Closed {
		open, end = '(', ')'
	}
	buf = append(buf, open)
	buf = geoAppendPoints(buf, pa.P)
	return append(buf, end)
}

// geoDecodePoints reads an int32 count and that many points from src,
// which must hold exactly them, appending them to ps.
func geoDecodePoints(t *Type, src []byte, ps []Point) ([]Point, error) {
	if len(src) < 4 {
		return nil, malformed(t, BinaryFormat, "%d bytes, want at least 4", len(src))
	}
	n := int64(int32(binary.BigEndian.Uint32(src)))
	if n <= 0 || int64(len(src)-4) != n*16 {
		return nil, malformed(t, BinaryFormat, "%d points in %d bytes", n, len(src)-4)
	}
	ps = ps[:0]
	for i := 4; i < len(src); i += 16 {
		ps = append(ps, Point{geoFloat(src, i), geoFloat(src, i+8)})
	}
	return ps, nil
}

func (c PathCodec) decode(t *Type, f Format, src []byte) (Path, error) {
	return c.decodeInto(t, f, src, nil)
}

// decodeInto decodes into a path reusing ps.
func (PathCodec) decodeInto(t *Type, f Format, src []byte, ps []Point) (Path, error) {
	if f == BinaryFormat {
		if len(src) < 1 {
			return Path{}, malformed(t, f, "empty")
		}
		if src[0] > 1 {
			return Path{}, malformed(t, f, "closed flag %d", src[0])
		}
		ps, err := geoDecodePoints(t, src[1:], ps)
		if err != nil {
			return Path{}, err
		}
		return Path{P: ps, Closed: src[0] == 1}, nil
	}
	p := geoNewParser(src)
	var pa Path
	switch p.peek() {
	case '[':
	case '(':
		pa.Closed = true
	default:
		return Path{}, malformed(t, f, "%q", truncate(src))
	}
	p.pos++
	pa.P = p.points()
	if pa.Closed {
		p.expect(')')
	} else {
		p.expect(']')
	}
	if !p.end() {
		return Path{}, malformed(t, f, "%q", truncate(src))
	}
	return pa, nil
}

func (PathCodec) text(pa Path) string { return string(geoAppendPath(nil, pa)) }

// PolygonCodec is the codec of polygon (poly_in/out/recv/send): text
// "((x1,y1),...)", binary an int32 point count and the points. Go types:
// Polygon (the natural value), string. A polygon has at least one point.
type PolygonCodec struct{}

func (PolygonCodec) PreferredFormat() Format { return BinaryFormat }

func (c PolygonCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	if pg, ok := v.(Polygon); ok {
		return c.encode(f, buf, pg)
	}
	return geoEncodeOther(t, f, v, buf, c.decode, c.encode)
}

func (c PolygonCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	if d, ok := dst.(*Polygon); ok {
		pg, err := c.decodeInto(t, f, src, d.P)
		if err == nil {
			*d = pg
		}
		return err
	}
	pg, err := c.decode(t, f, src)
	return geoDecodeOther(pg, err, dst, c.text)
}

func (c PolygonCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return geoAny(c.decode(t, f, src))
}

func (PolygonCodec) encode(f Format, buf []byte, pg Polygon) ([]byte, error) {
	if err := geoCheckPoints(len(pg.P)); err != nil {
		return buf, err
	}
	if f == TextFormat {
		return geoAppendPath(buf, Path{P: pg.P, Closed: true}), nil
	}
	return geoAppendPointsBinary(buf, pg.P), nil
}

func (c PolygonCodec) decode(t *Type, f Format, src []byte) (Polygon, error) {
	return c.decodeInto(t, f, src, nil)
}

// decodeInto decodes into a polygon reusing ps.
func (PolygonCodec) decodeInto(t *Type, f Format, src []byte, ps []Point) (Polygon, error) {
	if f == BinaryFormat {
		ps, err := geoDecodePoints(t, src, ps)
		if err != nil {
			return Polygon{}, err
		}
		return Polygon{P: ps}, nil
	}
	p := geoNewParser(src)
	p.expect('(')
	pg := Polygon{P: p.points()}
	p.expect(')')
	if !p.end() {
		return Polygon{}, malformed(t, f, "%q", truncate(src))
	}
	return pg, nil
}

func (PolygonCodec) text(pg Polygon) string {
	return string(geoAppendPath(nil, Path{P: pg.P, Closed: true}))
}

// CircleCodec is the codec of circle (circle_in/out/recv/send): text
// "<(x,y),r>", binary x, y, r. Go types: Circle (the natural value),
// string. A negative radius is refused, as the server refuses it.
type CircleCodec struct{}

func (CircleCodec) PreferredFormat() Format { return BinaryFormat }

func (c CircleCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	if ci, ok := v.(Circle); ok {
		return c.encode(f, buf, ci)
	}
	return geoEncodeOther(t, f, v, buf, c.decode, c.encode)
}

func (c CircleCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	if d, ok := dst.(*Circle); ok {
		ci, err := c.decode(t, f, src)
		if err == nil {
			*d = ci
		}
		return err
	}
	ci, err := c.decode(t, f, src)
	return geoDecodeOther(ci, err, dst, c.text)
}

func (c CircleCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return geoAny(c.decode(t, f, src))
}

func (CircleCodec) encode(f Format, buf []byte, c Circle) ([]byte, error) {
	if c.R < 0 {
		return buf, fmt.Errorf("invalid circle: negative radius %v", c.R)
	}
	if f == TextFormat {
		return geoAppendCircle(buf, c), nil
	}
	return geoAppendFloat8(buf, c.P.X, c.P.Y, c.R), nil
}

func geoAppendCircle(buf []byte, c Circle) []byte {
	buf = append(buf, '<')
	buf = geoAppendPoint(buf, c.P)
	buf = append(buf, ',')
	buf = appendFloat8Text(buf, c.R)
	return append(buf, '>')
}

func (CircleCodec) decode(t *Type, f Format, src []byte) (Circle, error) {
	var c Circle
	if f == BinaryFormat {
		if len(src) != 24 {
			return Circle{}, malformed(t, f, "%d bytes, want 24", len(src))
		}
		c = Circle{Point{geoFloat(src, 0), geoFloat(src, 8)}, geoFloat(src, 16)}
	} else {
		p := geoNewParser(src)
		p.expect('<')
		c.P = p.point()
		p.expect(',')
		c.R = p.float()
		p.expect('>')
		if !p.end() {
			return Circle{}, malformed(t, f, "%q", truncate(src))
		}
	}
	if c.R < 0 {
		return Circle{}, malformed(t, f, "negative radius")
	}
	return c, nil
}

func (CircleCodec) text(c Circle) string { return string(geoAppendCircle(nil, c)) }
