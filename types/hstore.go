package types

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
)

// HstoreCodec is the codec of the hstore extension's type: a set of
// key/value text pairs whose values may be NULL (hstore_in/hstore_out,
// hstore_recv/hstore_send in PostgreSQL's contrib/hstore/hstore_io.c). Its
// OID is assigned by CREATE EXTENSION hstore, so it is not in the Default
// map: register it under the OID found in pg_type. See
// https://www.postgresql.org/docs/current/hstore.html
//
// Binary is an int32 count of pairs, then for each pair an int32 length
// and the key, an int32 length (-1 for NULL) and the value. Text is
// `"a"=>"1", "b"=>NULL`, with backslash escapes inside double quotes;
// decode accepts every form hstore_in does (unquoted words, any blanks,
// NULL in any case).
//
// Go types: map[string]*string (a nil pointer is a NULL value) and
// map[string]string (decoding a NULL value into it is an error), both ways,
// and named map types with those underlying types; decode also gives the
// text form into a *string. Pairs are encoded in hstore's order (by key
// length, then bytes), so the bytes are those hstore_send and hstore_out
// give. A string to
// encode is sent as hstore text, unchanged. The natural value is
// map[string]*string.
type HstoreCodec struct{}

// PreferredFormat returns BinaryFormat.
func (HstoreCodec) PreferredFormat() Format { return BinaryFormat }

var (
	hstorePtrMapType = reflect.TypeFor[map[string]*string]()
	hstoreMapType    = reflect.TypeFor[map[string]string]()
)

// Encode appends a map[string]*string or map[string]string.
func (c HstoreCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	switch x := v.(type) {
	case map[string]*string:
		return hstoreEncode(f, buf, x, func(s *string) (string, bool) {
			if s == nil {
				return "", false
			}
			return *s, true
		})
	case map[string]string:
		return hstoreEncode(f, buf, x, func(s string) (string, bool) { return s, true })
	}
	// Named map types.
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map && rv.Type() != hstorePtrMapType && rv.Type() != hstoreMapType {
		switch {
		case rv.Type().ConvertibleTo(hstorePtrMapType):
			return c.Encode(m, t, f, rv.Convert(hstorePtrMapType).Interface(), buf)
		case rv.Type().ConvertibleTo(hstoreMapType):
			return c.Encode(m, t, f, rv.Convert(hstoreMapType).Interface(), buf)
		}
	}
	return buf, unsupportedValue(v, f)
}

func hstoreEncode[V any](f Format, buf []byte, m map[string]V, value func(V) (string, bool)) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// hstore's own order (comparePairs): by length, then bytes.
	slices.SortFunc(keys, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	if f == BinaryFormat {
		if len(keys) > math.MaxInt32 {
			return buf, fmt.Errorf("hstore of %d pairs is too long", len(keys))
		}
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(keys)))
		for _, k := range keys {
			v, ok := value(m[k])
			if len(k) > math.MaxInt32 || len(v) > math.MaxInt32 {
				return buf, fmt.Errorf("hstore key or value of key %q is too long", hstoreTrunc(k))
			}
			buf = binary.BigEndian.AppendUint32(buf, uint32(len(k)))
			buf = append(buf, k...)
			if !ok {
				buf = binary.BigEndian.AppendUint32(buf, math.MaxUint32) // -1: NULL
				continue
			}
			buf = binary.BigEndian.AppendUint32(buf, uint32(len(v)))
			buf = append(buf, v...)
		}
		return buf, nil
	}
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = hstoreAppendQuoted(buf, k)
		buf = append(buf, "=>"...)
		if v, ok := value(m[k]); ok {
			buf = hstoreAppendQuoted(buf, v)
		} else {
			buf = append(buf, "NULL"...)
		}
	}
	return buf, nil
}

func hstoreTrunc(s string) string {
	if len(s) > 64 {
		return s[:64]
	}
	return s
}

// hstoreAppendQuoted appends s in double quotes, with a backslash before
// each double quote and backslash, as hstore_out writes it.
func hstoreAppendQuoted(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			buf = append(buf, '\\')
		}
		buf = append(buf, s[i])
	}
	return append(buf, '"')
}

// hstorePair locates one pair in a string holding the pairs' bytes:
// key s[k0:k1], value s[v0:v1] unless null.
type hstorePair struct {
	k0, k1, v0, v1 int
	null           bool
}

// hstoreParseBinary checks src, hstore_send's form, and returns its pairs
// as offsets into src.
func hstoreParseBinary(t *Type, src []byte) ([]hstorePair, error) {
	if len(src) < 4 {
		return nil, malformed(t, BinaryFormat, "%d bytes, want at least 4", len(src))
	}
	n := int32(binary.BigEndian.Uint32(src))
	// Each pair takes at least two lengths.
	if n < 0 || int64(n) > int64(len(src)-4)/8 {
		return nil, malformed(t, BinaryFormat, "%d pairs in %d bytes", n, len(src))
	}
	pairs := make([]hstorePair, n)
	p := 4
	for i := range pairs {
		pr := &pairs[i]
		if len(src)-p < 4 {
			return nil, malformed(t, BinaryFormat, "pair %d truncated", i)
		}
		kl := int32(binary.BigEndian.Uint32(src[p:]))
		p += 4
		if kl < 0 {
			return nil, malformed(t, BinaryFormat, "NULL key")
		}
		if int64(kl) > int64(len(src)-p) {
			return nil, malformed(t, BinaryFormat, "key %d truncated", i)
		}
		pr.k0, pr.k1 = p, p+int(kl)
		p = pr.k1
		if len(src)-p < 4 {
			return nil, malformed(t, BinaryFormat, "pair %d truncated", i)
		}
		vl := int32(binary.BigEndian.Uint32(src[p:]))
		p += 4
		switch {
		case vl == -1:
			pr.null = true
			pr.v0, pr.v1 = p, p
		case vl < 0 || int64(vl) > int64(len(src)-p):
			return nil, malformed(t, BinaryFormat, "value %d truncated", i)
		default:
			pr.v0, pr.v1 = p, p+int(vl)
			p = pr.v1
		}
	}
	if p != len(src) {
		return nil, malformed(t, BinaryFormat, "%d bytes after the last pair", len(src)-p)
	}
	return pairs, nil
}

// hstoreIsSpace is C's isspace in the C locale, which hstore_in uses.
func hstoreIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// hstoreParseText parses src as hstore_in does (parse_hstore and get_val)
// and returns the unescaped bytes of the keys and values and the pairs as
// offsets into them.
func hstoreParseText(t *Type, src []byte) ([]byte, []hstorePair, error) {
	var (
		out   []byte
		pairs []hstorePair
		i     int
	)
	bad := func(what string) error {
		return malformed(t, TextFormat, "%s at byte %d of %q", what, i, truncate(src))
	}
	skip := func() {
		for i < len(src) && hstoreIsSpace(src[i]) {
			i++
		}
	}
	// word reads a key (isKey) or a value: a quoted string, or an
	// unquoted one ended by a blank, and '=' in a key or ',' in a value;
	// a backslash takes the next byte as it is, in both.
	word := func(isKey bool) (quoted bool, err error) {
		if src[i] == '"' {
			i++
			for {
				if i == len(src) {
					return true, bad("unterminated quoted string")
				}
				c := src[i]
				i++
				switch c {
				case '"':
					return true, nil
				case '\\':
					if i == len(src) {
						return true, bad("unterminated escape")
					}
					c = src[i]
					i++
				}
				out = append(out, c)
			}
		}
		if isKey && src[i] == '=' {
			return false, bad("'=' without a key")
		}
		// The first byte is taken whatever it is (blanks were skipped).
		for start := i; i < len(src); {
			c := src[i]
			if i > start && (hstoreIsSpace(c) || isKey && c == '=' || !isKey && c == ',') {
				break
			}
			i++
			if c == '\\' {
				if i == len(src) {
					return false, bad("unterminated escape")
				}
				c = src[i]
				i++
			}
			out = append(out, c)
		}
		return false, nil
	}
	for {
		skip()
		if i == len(src) {
			return out, pairs, nil
		}
		var pr hstorePair
		pr.k0 = len(out)
		if _, err := word(true); err != nil {
			return nil, nil, err
		}
		pr.k1 = len(out)
		skip()
		if i+1 >= len(src) || src[i] != '=' || src[i+1] != '>' {
			return nil, nil, bad("want '=>'")
		}
		i += 2
		skip()
		if i == len(src) {
			return nil, nil, bad("value missing")
		}
		pr.v0 = len(out)
		quoted, err := word(false)
		if err != nil {
			return nil, nil, err
		}
		pr.v1 = len(out)
		if !quoted && pr.v1-pr.v0 == 4 && bytes.EqualFold(out[pr.v0:pr.v1], []byte("null")) {
			pr.null = true
			out = out[:pr.v0]
			pr.v1 = pr.v0
		}
		pairs = append(pairs, pr)
		skip()
		if i == len(src) {
			return out, pairs, nil
		}
		if src[i] != ',' {
			return nil, nil, bad("want ','")
		}
		i++
	}
}

// parse returns the pairs of src and the string their offsets index.
func (HstoreCodec) parse(t *Type, f Format, src []byte) (string, []hstorePair, error) {
	if f == BinaryFormat {
		pairs, err := hstoreParseBinary(t, src)
		if err != nil {
			return "", nil, err
		}
		return string(src), pairs, nil
	}
	b, pairs, err := hstoreParseText(t, src)
	if err != nil {
		return "", nil, err
	}
	return string(b), pairs, nil
}

// Decode stores the pairs into a new map[string]*string or
// map[string]string, or the text form into a *string.
func (c HstoreCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	switch d := dst.(type) {
	case *map[string]*string:
		s, pairs, err := c.parse(t, f, src)
		if err != nil {
			return err
		}
		*d = hstorePtrMap(s, pairs)
		return nil
	case *map[string]string:
		s, pairs, err := c.parse(t, f, src)
		if err != nil {
			return err
		}
		mp := make(map[string]string, len(pairs))
		for _, p := range pairs {
			if p.null {
				return fmt.Errorf("value of key %q is NULL (use map[string]*string)", hstoreTrunc(s[p.k0:p.k1]))
			}
			mp[s[p.k0:p.k1]] = s[p.v0:p.v1]
		}
		*d = mp
		return nil
	case *string:
		s, pairs, err := c.parse(t, f, src)
		if err != nil {
			return err
		}
		if f == TextFormat {
			*d = string(src)
		} else {
			*d = string(hstoreAppendText(nil, s, pairs))
		}
		return nil
	}
	// Pointers to named map types.
	rv := reflect.ValueOf(dst)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Map {
		switch typ := rv.Elem().Type(); {
		case typ == hstorePtrMapType || typ == hstoreMapType:
		case typ.ConvertibleTo(hstorePtrMapType):
			return c.Decode(m, t, f, src, rv.Convert(reflect.PointerTo(hstorePtrMapType)).Interface())
		case typ.ConvertibleTo(hstoreMapType):
			return c.Decode(m, t, f, src, rv.Convert(reflect.PointerTo(hstoreMapType)).Interface())
		}
	}
	return unsupportedDst(dst)
}

// hstorePtrMap builds the natural value: one string for all keys and
// values, one slab for the value pointers.
func hstorePtrMap(s string, pairs []hstorePair) map[string]*string {
	mp := make(map[string]*string, len(pairs))
	vals := make([]string, len(pairs))
	for i, p := range pairs {
		if p.null {
			mp[s[p.k0:p.k1]] = nil
			continue
		}
		vals[i] = s[p.v0:p.v1]
		mp[s[p.k0:p.k1]] = &vals[i]
	}
	return mp
}

// hstoreAppendText appends pairs in hstore_out's form, in their order.
func hstoreAppendText(buf []byte, s string, pairs []hstorePair) []byte {
	for i, p := range pairs {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = hstoreAppendQuoted(buf, s[p.k0:p.k1])
		buf = append(buf, "=>"...)
		if p.null {
			buf = append(buf, "NULL"...)
		} else {
			buf = hstoreAppendQuoted(buf, s[p.v0:p.v1])
		}
	}
	return buf
}

// DecodeAny returns a map[string]*string.
func (c HstoreCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	s, pairs, err := c.parse(t, f, src)
	if err != nil {
		return nil, err
	}
	return hstorePtrMap(s, pairs), nil
}
