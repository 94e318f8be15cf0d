package types

import (
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"slices"
)

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "record", RecordOID, RecordArrayOID, RecordCodec{})
	})
}

// compFirstUserOID is FirstGenbkiObjectId: OIDs below it are built in and
// stable, so record_recv only complains about a field type mismatch when
// both OIDs are below it.
const compFirstUserOID = 10000

// CompositeField is one field (attribute) of a composite type. Dropped
// columns are not fields: the server neither sends nor expects them.
type CompositeField struct {
	Name string
	Type *Type
}

// CompositeCodec is the codec of a composite (row) type with the given
// fields, which the catalog defines at run time. Fields go through the Map
// (Map.Scan and Map.EncodeFormat), so each field takes every Go type its
// own type handles.
//
// Go types, scanned and encoded:
//   - a struct: its exported fields, in order, are the composite's fields
//     (the counts must match; an embedded struct counts as one field);
//   - []any: one value per field, nil for NULL;
//   - map[string]any: keyed by field name (when encoding, a missing key is
//     NULL).
//
// The natural value (DecodeAny) is []any of the fields' natural values.
// The preferred format is binary when every field's type prefers it.
//
// Binary: record_send/record_recv; text: record_out/record_in, where an
// empty unquoted field is NULL, and a field is quoted when it is empty or
// has a quote, backslash, parenthesis, comma or whitespace, with quotes and
// backslashes doubled (src/backend/utils/adt/rowtypes.c).
// See https://www.postgresql.org/docs/current/rowtypes.html#ROWTYPES-IO-SYNTAX
type CompositeCodec struct {
	Fields []CompositeField
}

// PreferredFormat is binary if every field's type prefers binary.
func (c CompositeCodec) PreferredFormat() Format {
	for _, fld := range c.Fields {
		if fld.Type.Codec.PreferredFormat() != BinaryFormat {
			return TextFormat
		}
	}
	return BinaryFormat
}

// compIter reads the fields of a record in either format.
type compIter struct {
	t       *Type
	f       Format
	src     []byte
	pos     int
	n       int // fields read
	nfields int // binary: the count in the header
	buf     []byte
}

func compStart(t *Type, f Format, src []byte) (compIter, error) {
	it := compIter{t: t, f: f, src: src}
	if f == BinaryFormat {
		if len(src) < 4 {
			return it, malformed(t, f, "%d bytes, want at least 4", len(src))
		}
		n := int32(binary.BigEndian.Uint32(src))
		// Every field needs its OID and length.
		if n < 0 || int64(n) > int64(len(src)-4)/8 {
			return it, malformed(t, f, "%d fields in %d bytes", n, len(src))
		}
		it.nfields, it.pos = int(n), 4
		return it, nil
	}
	for it.pos < len(src) && compIsSpace(src[it.pos]) {
		it.pos++
	}
	if it.pos >= len(src) || src[it.pos] != '(' {
		return it, malformed(t, f, "missing left parenthesis in %q", truncate(src))
	}
	it.pos++
	return it, nil
}

// compIsSpace is C's isspace, which record_in skips around the value.
func compIsSpace(c byte) bool { return arrIsSpace(c) }

// more reports whether another field follows. In text, "()" is read as one
// NULL field, as a composite of one field prints its NULL.
func (it *compIter) more() bool {
	if it.f == BinaryFormat {
		return it.n < it.nfields
	}
	return it.n == 0 || it.pos < len(it.src) && it.src[it.pos] == ','
}

// next returns the next field's type OID (binary only) and value: nil for
// NULL, else a non-nil slice valid until the next call.
func (it *compIter) next() (oid uint32, v []byte, err error) {
	s := it.src
	if it.f == BinaryFormat {
		if it.n >= it.nfields {
			return 0, nil, malformed(it.t, it.f, "%d fields, want more", it.nfields)
		}
		it.n++
		if len(s)-it.pos < 8 {
			return 0, nil, malformed(it.t, it.f, "field %d truncated", it.n)
		}
		oid = binary.BigEndian.Uint32(s[it.pos:])
		l := int32(binary.BigEndian.Uint32(s[it.pos+4:]))
		it.pos += 8
		if l == -1 {
			return oid, nil, nil
		}
		if l < -1 || int64(l) > int64(len(s)-it.pos) {
			return 0, nil, malformed(it.t, it.f, "field %d length %d with %d bytes left", it.n, l, len(s)-it.pos)
		}
		v = s[it.pos : it.pos+int(l) : it.pos+int(l)]
		it.pos += int(l)
		return oid, v, nil
	}
	if it.n > 0 {
		if it.pos >= len(s) || s[it.pos] != ',' {
			return 0, nil, malformed(it.t, it.f, "too few fields in %q", truncate(s))
		}
		it.pos++
	}
	it.n++
	if it.pos < len(s) && (s[it.pos] == ',' || s[it.pos] == ')') {
		return 0, nil, nil
	}
	start := it.pos
	plain := true
	inquote := false
	b := it.buf[:0]
	for {
		if it.pos >= len(s) {
			return 0, nil, malformed(it.t, it.f, "unexpected end of input in %q", truncate(s))
		}
		ch := s[it.pos]
		if !inquote && (ch == ',' || ch == ')') {
			break
		}
		if plain && (ch == '\\' || ch == '"') {
			plain = false
			b = append(b, s[start:it.pos]...)
		}
		it.pos++
		switch {
		case ch == '\\':
			if it.pos >= len(s) {
				return 0, nil, malformed(it.t, it.f, "unexpected end of input in %q", truncate(s))
			}
			b = append(b, s[it.pos])
			it.pos++
		case ch == '"':
			if !inquote {
				inquote = true
			} else if it.pos < len(s) && s[it.pos] == '"' {
				b = append(b, '"')
				it.pos++
			} else {
				inquote = false
			}
		case !plain:
			b = append(b, ch)
		}
	}
	if plain {
		return 0, s[start:it.pos:it.pos], nil
	}
	it.buf = b
	if b == nil {
		return 0, s[start:start], nil
	}
	return 0, b, nil
}

// finish checks that nothing follows the last field.
func (it *compIter) finish() error {
	s := it.src
	if it.f == BinaryFormat {
		if it.n != it.nfields {
			return malformed(it.t, it.f, "%d fields, read %d", it.nfields, it.n)
		}
		if it.pos != len(s) {
			return malformed(it.t, it.f, "%d bytes after the last field", len(s)-it.pos)
		}
		return nil
	}
	if it.pos >= len(s) || s[it.pos] != ')' {
		return malformed(it.t, it.f, "too many fields in %q", truncate(s))
	}
	it.pos++
	for it.pos < len(s) && compIsSpace(s[it.pos]) {
		it.pos++
	}
	if it.pos != len(s) {
		return malformed(it.t, it.f, "junk after right parenthesis in %q", truncate(s))
	}
	return nil
}

// each calls fn with every field of src, in order.
func (c CompositeCodec) each(t *Type, f Format, src []byte, fn func(i int, fld CompositeField, v []byte) error) error {
	it, err := compStart(t, f, src)
	if err != nil {
		return err
	}
	if f == BinaryFormat && it.nfields != len(c.Fields) {
		return malformed(t, f, "%d fields, want %d", it.nfields, len(c.Fields))
	}
	for i, fld := range c.Fields {
		oid, v, err := it.next()
		if err != nil {
			return err
		}
		if f == BinaryFormat && oid != fld.Type.OID && oid < compFirstUserOID && fld.Type.OID < compFirstUserOID {
			return malformed(t, f, "field %d has type %d, want %d", i+1, oid, fld.Type.OID)
		}
		if err := fn(i, fld, v); err != nil {
			return fmt.Errorf("field %s: %w", fld.Name, err)
		}
	}
	return it.finish()
}

func (c CompositeCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	switch d := dst.(type) {
	case *[]any:
		s := *d
		if cap(s) >= len(c.Fields) {
			s = s[:len(c.Fields)]
		} else {
			s = make([]any, len(c.Fields))
		}
		err := c.each(t, f, src, func(i int, fld CompositeField, v []byte) (err error) {
			s[i], err = m.DecodeAny(fld.Type, f, v)
			return err
		})
		if err != nil {
			return err
		}
		*d = s
		return nil
	case *map[string]any:
		mp := make(map[string]any, len(c.Fields))
		err := c.each(t, f, src, func(i int, fld CompositeField, v []byte) (err error) {
			mp[fld.Name], err = m.DecodeAny(fld.Type, f, v)
			return err
		})
		if err != nil {
			return err
		}
		*d = mp
		return nil
	}
	sv, fields, ok := compStruct(dst)
	if !ok {
		return unsupportedDst(dst)
	}
	if len(fields) != len(c.Fields) {
		return fmt.Errorf("%s has %d fields, %s has %d exported fields", typeName(t), len(c.Fields), sv.Type(), len(fields))
	}
	return c.each(t, f, src, func(i int, fld CompositeField, v []byte) error {
		return m.Scan(fld.Type, f, v, sv.Field(fields[i]).Addr().Interface())
	})
}

// compStruct returns the struct dst points to and the indexes of its
// exported fields; false for anything else, and for structs Map handles
// otherwise (sql.Null[T], sql.Scanner).
func compStruct(dst any) (reflect.Value, []int, bool) {
	if _, ok := dst.(sql.Scanner); ok {
		return reflect.Value{}, nil, false
	}
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, nil, false
	}
	sv := rv.Elem()
	if _, ok := sqlNullValid(sv); ok {
		return reflect.Value{}, nil, false
	}
	return sv, compExported(sv.Type()), true
}

// compExported returns the indexes of the exported fields of st.
func compExported(st reflect.Type) []int {
	var idx []int
	for i := range st.NumField() {
		if st.Field(i).IsExported() {
			idx = append(idx, i)
		}
	}
	return idx
}

func (c CompositeCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	var s []any
	if err := c.Decode(m, t, f, src, &s); err != nil {
		return nil, err
	}
	return s, nil
}

func (c CompositeCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	types := func(i int) *Type { return c.Fields[i].Type }
	switch x := v.(type) {
	case []any:
		if len(x) != len(c.Fields) {
			return buf, fmt.Errorf("%d values for %d fields", len(x), len(c.Fields))
		}
		return compEncode(m, f, buf, len(x), types, func(i int) any { return x[i] })
	case map[string]any:
		for k := range x {
			if !slices.ContainsFunc(c.Fields, func(fld CompositeField) bool { return fld.Name == k }) {
				return buf, fmt.Errorf("%s has no field %q", typeName(t), k)
			}
		}
		return compEncode(m, f, buf, len(c.Fields), types, func(i int) any { return x[c.Fields[i].Name] })
	case driver.Valuer:
		return buf, unsupportedValue(v, f)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Struct {
		return buf, unsupportedValue(v, f)
	}
	if _, ok := sqlNullValid(rv); ok {
		return buf, unsupportedValue(v, f)
	}
	fields := compExported(rv.Type())
	if len(fields) != len(c.Fields) {
		return buf, fmt.Errorf("%s has %d fields, %s has %d exported fields", typeName(t), len(c.Fields), rv.Type(), len(fields))
	}
	return compEncode(m, f, buf, len(fields), types, func(i int) any { return rv.Field(fields[i]).Interface() })
}

// compEncode writes a record of n fields, the i-th of type typ(i) and
// value get(i).
func compEncode(m *Map, f Format, buf []byte, n int, typ func(int) *Type, get func(int) any) ([]byte, error) {
	out := buf
	if f == BinaryFormat {
		out = binary.BigEndian.AppendUint32(out, uint32(n))
		for i := range n {
			ft := typ(i)
			out = binary.BigEndian.AppendUint32(out, ft.OID)
			lenAt := len(out)
			out = append(out, 0, 0, 0, 0)
			o, null, err := m.EncodeFormat(ft, BinaryFormat, get(i), out)
			if err != nil {
				if isUnsupported(err) {
					return buf, fmt.Errorf("%w: field %d in binary: %w", ErrUnsupported, i+1, err)
				}
				return buf, fmt.Errorf("field %d: %w", i+1, err)
			}
			out = o
			if null {
				binary.BigEndian.PutUint32(out[lenAt:], math.MaxUint32)
				continue
			}
			l := len(out) - lenAt - 4
			if l > math.MaxInt32 {
				return buf, fmt.Errorf("field %d too long", i+1)
			}
			binary.BigEndian.PutUint32(out[lenAt:], uint32(l))
		}
		return out, nil
	}
	out = append(out, '(')
	for i := range n {
		if i > 0 {
			out = append(out, ',')
		}
		at := len(out)
		o, null, err := m.EncodeFormat(typ(i), TextFormat, get(i), out)
		if err != nil {
			return buf, fmt.Errorf("field %d: %w", i+1, err)
		}
		out = o
		if !null {
			out = compQuote(out, at)
		}
	}
	return append(out, ')'), nil
}

// compQuote quotes the text field buf[start:] in place when record_in
// would misread it bare, doubling its quotes and backslashes (record_out).
func compQuote(buf []byte, start int) []byte {
	return quoteInPlace(buf, start, len(buf) == start, &compSpecial, 0)
}

// compSpecial marks the bytes that make record_out quote a field, besides
// quotes and backslashes: parentheses, commas and whitespace.
var compSpecial = func() (t [256]bool) {
	for ch := range 256 {
		c := byte(ch)
		t[ch] = c == '(' || c == ')' || c == ',' || compIsSpace(c)
	}
	return t
}()

// RecordCodec is the codec of record, the anonymous row type of row(...)
// and of composite results whose type the query does not name. Each
// binary field carries its type's OID, decoded through the Map (a type the
// Map does not know gives []byte, except unknown, a string); a text record
// does not say its fields' types, so each field is its text, a string.
// NULL fields are nil. A text "()" is one NULL field.
//
// Go types, scanned: []any, or a struct whose exported fields take the
// fields in order (in text, only string and []byte fields). The natural
// value is []any. PostgreSQL cannot read an anonymous record ("input of
// anonymous composite types is not implemented"), so it has no encoding.
//
// Binary: record_send; text: record_out (src/backend/utils/adt/rowtypes.c).
// See https://www.postgresql.org/docs/current/rowtypes.html#ROWTYPES-IO-SYNTAX
type RecordCodec struct{}

// PreferredFormat is binary, which carries the fields' types.
func (RecordCodec) PreferredFormat() Format { return BinaryFormat }

func (RecordCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	return buf, unsupportedValue(v, f)
}

// compUnknown is the type of a text record's fields and of binary fields
// of type unknown, whose binary form is their text.
var compUnknown = &Type{Name: "unknown", OID: UnknownOID, Codec: UnknownCodec{}}

// fieldType returns the type and format to decode a record field with.
func (RecordCodec) fieldType(m *Map, f Format, oid uint32) (*Type, Format) {
	if f != BinaryFormat {
		return compUnknown, TextFormat
	}
	if t, ok := m.TypeForOID(oid); ok {
		return t, f
	}
	if oid == UnknownOID {
		return compUnknown, TextFormat
	}
	return m.TypeOrUnknown(oid), f
}

// each calls fn with every field of src, in order.
func (c RecordCodec) each(m *Map, t *Type, f Format, src []byte, fn func(i int, ft *Type, ff Format, v []byte) error) error {
	it, err := compStart(t, f, src)
	if err != nil {
		return err
	}
	for i := 0; it.more(); i++ {
		oid, v, err := it.next()
		if err != nil {
			return err
		}
		ft, ff := c.fieldType(m, f, oid)
		if err := fn(i, ft, ff, v); err != nil {
			return fmt.Errorf("field %d: %w", i+1, err)
		}
	}
	return it.finish()
}

func (c RecordCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	if d, ok := dst.(*[]any); ok {
		s := (*d)[:0]
		err := c.each(m, t, f, src, func(i int, ft *Type, ff Format, v []byte) error {
			x, err := c.field(m, ft, ff, v)
			s = append(s, x)
			return err
		})
		if err != nil {
			return err
		}
		if s == nil {
			s = []any{}
		}
		*d = s
		return nil
	}
	sv, fields, ok := compStruct(dst)
	if !ok {
		return unsupportedDst(dst)
	}
	n := 0
	err := c.each(m, t, f, src, func(i int, ft *Type, ff Format, v []byte) error {
		n++
		if i >= len(fields) {
			return fmt.Errorf("more fields than %s has exported fields (%d)", sv.Type(), len(fields))
		}
		return m.Scan(ft, ff, v, sv.Field(fields[i]).Addr().Interface())
	})
	if err != nil {
		return err
	}
	if n != len(fields) {
		return fmt.Errorf("record has %d fields, %s has %d exported fields", n, sv.Type(), len(fields))
	}
	return nil
}

// field decodes one field to its natural value; a binary value of a type
// whose codec cannot read binary is kept as bytes.
func (RecordCodec) field(m *Map, ft *Type, ff Format, v []byte) (any, error) {
	x, err := m.DecodeAny(ft, ff, v)
	if err != nil && isUnsupported(err) && ff == BinaryFormat {
		return append([]byte{}, v...), nil
	}
	return x, err
}

func (c RecordCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	var s []any
	if err := c.Decode(m, t, f, src, &s); err != nil {
		return nil, err
	}
	return s, nil
}
