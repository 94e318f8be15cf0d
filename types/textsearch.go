package types

import (
	"encoding/binary"
	"strconv"
)

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "tsvector", TSVectorOID, TSVectorArrayOID, TSVectorCodec{})
		register(m, "tsquery", TSQueryOID, TSQueryArrayOID, TSQueryCodec{})
	})
}

// TSVectorCodec is the codec of tsvector (tsvectorin/tsvectorout,
// tsvectorrecv/tsvectorsend in PostgreSQL's
// src/backend/utils/adt/tsvector.c). See
// https://www.postgresql.org/docs/current/datatype-textsearch.html
//
// Go types: string and []byte in the text form ("'a':1A,2 'fat'"). Values
// are encoded in text only (the server parses and sorts them); binary
// values are decoded into the text tsvectorout prints. The natural value is
// a string.
type TSVectorCodec struct{}

// PreferredFormat returns TextFormat: encoding is text only.
func (TSVectorCodec) PreferredFormat() Format { return TextFormat }

// Encode appends a string or []byte in text format.
func (TSVectorCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	return tsearchAppendText(f, v, buf)
}

func tsearchAppendText(f Format, v any, buf []byte) ([]byte, error) {
	if f == TextFormat {
		if out, ok := appendStringOrBytes(buf, v); ok {
			return out, nil
		}
	}
	return buf, unsupportedValue(v, f)
}

// tsearchAssign stores a text form into a *string or *[]byte; conv turns a
// binary value into it.
func tsearchAssign(f Format, data []byte, dst any, conv func(buf, src []byte) ([]byte, error)) error {
	switch d := dst.(type) {
	case *string:
		if f == TextFormat {
			*d = string(data)
			return nil
		}
		b, err := conv(nil, data)
		if err != nil {
			return err
		}
		*d = string(b)
	case *[]byte:
		if f == TextFormat {
			setBytes(d, data)
			return nil
		}
		b, err := conv((*d)[:0], data)
		if err != nil {
			return err
		}
		if b == nil {
			b = []byte{}
		}
		*d = b
	default:
		return unsupportedDst(dst)
	}
	return nil
}

// Decode stores the text form into a *string or *[]byte.
func (TSVectorCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	return tsearchAssign(f, src, dst, func(buf, src []byte) ([]byte, error) { return tsvectorBinaryToText(t, buf, src) })
}

// DecodeAny returns the text form as a string.
func (c TSVectorCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	var s string
	if err := c.Decode(m, t, f, src, &s); err != nil {
		return nil, err
	}
	return s, nil
}

// tsearchAppendQuoted appends a lexeme in single quotes, doubling quotes and
// backslashes as tsvectorout and tsqueryout do.
func tsearchAppendQuoted(buf, lex []byte) []byte {
	buf = append(buf, '\'')
	for _, c := range lex {
		if c == '\'' || c == '\\' {
			buf = append(buf, c)
		}
		buf = append(buf, c)
	}
	return append(buf, '\'')
}

// tsvectorBinaryToText appends the text form of src, tsvectorsend's int32
// count of lexemes, each a NUL-terminated string, a uint16 count of
// positions and the uint16 positions (weight in the top two bits).
func tsvectorBinaryToText(t *Type, buf, src []byte) ([]byte, error) {
	if len(src) < 4 {
		return buf, malformed(t, BinaryFormat, "%d bytes, want at least 4", len(src))
	}
	n := int32(binary.BigEndian.Uint32(src))
	p := src[4:]
	// Each lexeme takes at least its NUL and a position count.
	if n < 0 || int64(n) > int64(len(p)/3) {
		return buf, malformed(t, BinaryFormat, "%d lexemes in %d bytes", n, len(src))
	}
	for i := range int(n) {
		end := -1
		for j, c := range p {
			if c == 0 {
				end = j
				break
			}
		}
		if end < 0 || end+3 > len(p) {
			return buf, malformed(t, BinaryFormat, "lexeme %d truncated", i)
		}
		if i > 0 {
			buf = append(buf, ' ')
		}
		buf = tsearchAppendQuoted(buf, p[:end])
		p = p[end+1:]
		npos := int(binary.BigEndian.Uint16(p))
		p = p[2:]
		if 2*npos > len(p) {
			return buf, malformed(t, BinaryFormat, "positions of lexeme %d truncated", i)
		}
		for j := range npos {
			if j == 0 {
				buf = append(buf, ':')
			} else {
				buf = append(buf, ',')
			}
			wp := binary.BigEndian.Uint16(p[2*j:])
			buf = strconv.AppendUint(buf, uint64(wp&0x3fff), 10)
			switch wp >> 14 {
			case 3:
				buf = append(buf, 'A')
			case 2:
				buf = append(buf, 'B')
			case 1:
				buf = append(buf, 'C')
			}
		}
		p = p[2*npos:]
	}
	if len(p) != 0 {
		return buf, malformed(t, BinaryFormat, "%d bytes after the last lexeme", len(p))
	}
	return buf, nil
}

// TSQueryCodec is the codec of tsquery (tsqueryin/tsqueryout,
// tsqueryrecv/tsquerysend in PostgreSQL's src/backend/utils/adt/tsquery.c).
// See https://www.postgresql.org/docs/current/datatype-textsearch.html
//
// Go types: string and []byte in the text form ("'fat' & ( 'rat' | !'cat'
// )"). Values are encoded in text only (the server parses them); binary
// values are decoded into the text tsqueryout prints. The natural value is
// a string.
type TSQueryCodec struct{}

// PreferredFormat returns TextFormat: encoding is text only.
func (TSQueryCodec) PreferredFormat() Format { return TextFormat }

// Encode appends a string or []byte in text format.
func (TSQueryCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	return tsearchAppendText(f, v, buf)
}

// Decode stores the text form into a *string or *[]byte.
func (TSQueryCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	return tsearchAssign(f, src, dst, func(buf, src []byte) ([]byte, error) { return tsqueryBinaryToText(t, buf, src) })
}

// DecodeAny returns the text form as a string.
func (c TSQueryCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	var s string
	if err := c.Decode(m, t, f, src, &s); err != nil {
		return nil, err
	}
	return s, nil
}

// tsquery item types and operators, as in PostgreSQL's ts_type.h.
const (
	tsqueryVal = 1 // QI_VAL
	tsqueryOpr = 2 // QI_OPR

	tsqueryNot    = 1 // OP_NOT
	tsqueryAnd    = 2 // OP_AND
	tsqueryOr     = 3 // OP_OR
	tsqueryPhrase = 4 // OP_PHRASE

	// tsqueryMaxDepth bounds the nesting of a decoded tsquery (the server's
	// own limit is its stack depth).
	tsqueryMaxDepth = 1 << 14
)

// tsqueryPriority is tsearch_op_priority: NOT binds tightest, then PHRASE, AND,
// OR.
var tsqueryPriority = [5]int{tsqueryNot: 4, tsqueryAnd: 2, tsqueryOr: 1, tsqueryPhrase: 3}

// tsqueryNode is one item of a binary tsquery: an operand or an operator, whose
// operands are nodes too.
type tsqueryNode struct {
	typ, oper   byte
	weight      byte
	prefix      bool
	distance    int16
	text        []byte
	left, right int // operand nodes (NOT: left only)
}

// tsqueryParser reads tsquerysend's items: an int32 count, then in prefix
// order each operator (type 2, operator byte, int16 distance for PHRASE)
// followed by its right then left operand, and each operand (type 1,
// weight bitmap, prefix flag, NUL-terminated text).
type tsqueryParser struct {
	t     *Type
	src   []byte
	nodes []tsqueryNode
	left  int // items not read yet
}

func (p *tsqueryParser) errf(format string, args ...any) error {
	return malformed(p.t, BinaryFormat, format, args...)
}

// item reads one item and its operands, returning its node index.
func (p *tsqueryParser) item(depth int) (int, error) {
	if depth > tsqueryMaxDepth {
		return 0, p.errf("nested deeper than %d", tsqueryMaxDepth)
	}
	if p.left == 0 {
		return 0, p.errf("operand missing")
	}
	p.left--
	if len(p.src) < 2 {
		return 0, p.errf("item truncated")
	}
	var n tsqueryNode
	n.typ = p.src[0]
	switch n.typ {
	case tsqueryVal:
		if len(p.src) < 4 {
			return 0, p.errf("operand truncated")
		}
		n.weight, n.prefix = p.src[1], p.src[2] != 0
		if n.weight > 0xf {
			return 0, p.errf("weight bitmap %#x", n.weight)
		}
		s := p.src[3:]
		end := -1
		for j, c := range s {
			if c == 0 {
				end = j
				break
			}
		}
		if end < 0 {
			return 0, p.errf("operand text not terminated")
		}
		n.text = s[:end]
		p.src = s[end+1:]
		p.nodes = append(p.nodes, n)
		return len(p.nodes) - 1, nil
	case tsqueryOpr:
		n.oper = p.src[1]
		p.src = p.src[2:]
		switch n.oper {
		case tsqueryPhrase:
			if len(p.src) < 2 {
				return 0, p.errf("phrase distance truncated")
			}
			n.distance = int16(binary.BigEndian.Uint16(p.src))
			p.src = p.src[2:]
		case tsqueryNot, tsqueryAnd, tsqueryOr:
		default:
			return 0, p.errf("operator %d", n.oper)
		}
		i := len(p.nodes)
		p.nodes = append(p.nodes, n)
		var err error
		if n.oper == tsqueryNot {
			if p.nodes[i].left, err = p.item(depth + 1); err != nil {
				return 0, err
			}
			return i, nil
		}
		if p.nodes[i].right, err = p.item(depth + 1); err != nil {
			return 0, err
		}
		if p.nodes[i].left, err = p.item(depth + 1); err != nil {
			return 0, err
		}
		return i, nil
	}
	return 0, p.errf("item type %d", n.typ)
}

// infix appends node i as tsqueryout's infix function prints it:
// parentheses where the parent binds tighter, and around a phrase that is
// the right operand of a phrase.
func (p *tsqueryParser) infix(buf []byte, i, parentPriority int, rightPhrase bool) []byte {
	n := &p.nodes[i]
	if n.typ == tsqueryVal {
		buf = tsearchAppendQuoted(buf, n.text)
		if n.weight != 0 || n.prefix {
			buf = append(buf, ':')
			if n.prefix {
				buf = append(buf, '*')
			}
			for b, c := range [4]byte{'A', 'B', 'C', 'D'} {
				if n.weight&(8>>b) != 0 {
					buf = append(buf, c)
				}
			}
		}
		return buf
	}
	prio := tsqueryPriority[n.oper]
	paren := prio < parentPriority || n.oper == tsqueryPhrase && rightPhrase
	if n.oper == tsqueryNot {
		paren = prio < parentPriority
	}
	if paren {
		buf = append(buf, "( "...)
	}
	if n.oper == tsqueryNot {
		buf = append(buf, '!')
		buf = p.infix(buf, n.left, prio, false)
	} else {
		buf = p.infix(buf, n.left, prio, false)
		switch n.oper {
		case tsqueryOr:
			buf = append(buf, " | "...)
		case tsqueryAnd:
			buf = append(buf, " & "...)
		case tsqueryPhrase:
			if n.distance == 1 {
				buf = append(buf, " <-> "...)
			} else {
				buf = append(buf, " <"...)
				buf = strconv.AppendInt(buf, int64(n.distance), 10)
				buf = append(buf, "> "...)
			}
		}
		buf = p.infix(buf, n.right, prio, n.oper == tsqueryPhrase)
	}
	if paren {
		buf = append(buf, " )"...)
	}
	return buf
}

// tsqueryBinaryToText appends the text form of src, a binary tsquery.
func tsqueryBinaryToText(t *Type, buf, src []byte) ([]byte, error) {
	if len(src) < 4 {
		return buf, malformed(t, BinaryFormat, "%d bytes, want at least 4", len(src))
	}
	n := int32(binary.BigEndian.Uint32(src))
	// Each item takes at least two bytes.
	if n < 0 || int64(n) > int64(len(src)-4)/2 {
		return buf, malformed(t, BinaryFormat, "%d items in %d bytes", n, len(src))
	}
	if n == 0 {
		if len(src) != 4 {
			return buf, malformed(t, BinaryFormat, "%d bytes after an empty query", len(src)-4)
		}
		return buf, nil
	}
	p := tsqueryParser{t: t, src: src[4:], nodes: make([]tsqueryNode, 0, n), left: int(n)}
	root, err := p.item(0)
	if err != nil {
		return buf, err
	}
	if p.left != 0 || len(p.src) != 0 {
		return buf, p.errf("extra items after the query")
	}
	return p.infix(buf, root, -1, false), nil
}
