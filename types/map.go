package types

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// Map is a registry of types by OID and by name. The built-in types live in
// the immutable Default map; NewMap returns a map that adds to it, so each
// connection can learn its own types (enums, composites, extension types)
// without touching what others see.
//
// A Map may be read by many goroutines at once, but Register must not run
// concurrently with any other use of the same Map. A connection registers
// on its own Map only while it runs a call.
type Map struct {
	parent *Map
	byOID  map[uint32]*Type
	byName map[string]*Type
	frozen bool
	// overrides is set once a built-in OID is registered on this map: the
	// arrays and ranges built on it must then look their element up.
	overrides bool
	// changes counts Register calls on this map.
	changes uint64
}

// firstNormalOID is the first OID assigned to objects users create;
// built-in types sit below it.
const firstNormalOID = 16384

var (
	defaultOnce sync.Once
	defaultMap  *Map

	// Registration functions of the built-in codec families, run once by
	// Default: base types first, then types built from them (ranges,
	// multiranges), then an array type for every registered type that has
	// an array OID in arrayOIDs.
	builtinBase    []func(*Map)
	builtinDerived []func(*Map)
	// arrayOIDs maps an element type's OID to its array type's OID and
	// the array's text delimiter (',' except box's ';').
	arrayOIDs = map[uint32]uint32{}
)

// Default returns the immutable map of PostgreSQL's built-in types.
// Register on it panics; use NewMap for a map of your own.
func Default() *Map {
	defaultOnce.Do(func() {
		m := &Map{byOID: map[uint32]*Type{}, byName: map[string]*Type{}}
		for _, f := range builtinBase {
			f(m)
		}
		for _, f := range builtinDerived {
			f(m)
		}
		var elems []*Type
		for _, t := range m.byOID {
			if _, ok := arrayOIDs[t.OID]; ok {
				elems = append(elems, t)
			}
		}
		for _, t := range elems {
			m.Register(ArrayType(arrayOIDs[t.OID], t))
		}
		m.frozen = true
		defaultMap = m
	})
	return defaultMap
}

// NewMap returns an empty map that falls back to Default.
func NewMap() *Map { return Default().NewChild() }

// NewChild returns an empty map that falls back to m for what it does not
// hold itself.
func (m *Map) NewChild() *Map {
	return &Map{parent: m, byOID: map[uint32]*Type{}, byName: map[string]*Type{}}
}

// Register adds t, replacing a type of the same OID or name in m (a parent's
// entry is shadowed, not changed). Registering a codec for a built-in OID
// replaces the built-in behaviour for this map and its children.
func (m *Map) Register(t *Type) {
	if m.frozen {
		panic("types: Register on the Default map; use NewMap")
	}
	if t == nil || t.Codec == nil {
		panic("types: Register of a Type without a Codec")
	}
	if m.parent != nil && t.OID < firstNormalOID {
		// Not while Default itself is being built (it has no parent).
		if _, builtin := Default().byOID[t.OID]; builtin {
			m.overrides = true
		}
	}
	m.byOID[t.OID] = t
	if t.Name != "" {
		m.byName[t.Name] = t
	}
	m.changes++
}

// Changes counts the Register calls made on m itself (not its parents),
// so that a cache of types looked up in m can tell when to look again.
func (m *Map) Changes() uint64 { return m.changes }

// TypeForOID returns the type registered for oid in m or its parents.
func (m *Map) TypeForOID(oid uint32) (*Type, bool) {
	for ; m != nil; m = m.parent {
		if t, ok := m.byOID[oid]; ok {
			return t, true
		}
	}
	return nil, false
}

// current returns the type this map has for t's OID, so that a codec
// registered over a built-in type also serves the arrays and ranges built on
// it. Without any such registration in the chain it is t, at no cost.
func (m *Map) current(t *Type) *Type {
	for p := m; p != nil; p = p.parent {
		if p.overrides {
			if got, ok := m.TypeForOID(t.OID); ok {
				return got
			}
			return t
		}
	}
	return t
}

// TypeForName returns the type registered under name in m or its parents.
// Array types are also found as "name[]".
func (m *Map) TypeForName(name string) (*Type, bool) {
	if elem, ok := strings.CutSuffix(name, "[]"); ok {
		name = "_" + elem
	}
	for p := m; p != nil; p = p.parent {
		if t, ok := p.byName[name]; ok {
			return t, true
		}
	}
	return nil, false
}

// TypeOrUnknown returns the type registered for oid, or a type whose codec
// handles any value as text: decoded text is a string, and binary data, which
// it never asks for, is []byte.
func (m *Map) TypeOrUnknown(oid uint32) *Type {
	if t, ok := m.TypeForOID(oid); ok {
		return t
	}
	return &Type{OID: oid, Codec: UnknownCodec{}}
}

// Scan stores src, a value of type t in format f, into dst, a non-nil
// pointer. A nil src is SQL NULL.
//
// Besides what t's codec handles, Scan accepts *any (the codec's natural
// value), sql.Scanner, *sql.Null[T], pointers to pointers (nil for NULL),
// and pointers to named types whose underlying type the codec handles.
func (m *Map) Scan(t *Type, f Format, src []byte, dst any) error {
	if src == nil {
		return m.scanNull(t, dst)
	}
	if p, ok := dst.(*any); ok {
		v, err := t.Codec.DecodeAny(m, t, f, src)
		if err != nil {
			return scanError(t, dst, err)
		}
		*p = v
		return nil
	}
	err := t.Codec.Decode(m, t, f, src, dst)
	if err == nil {
		return nil
	}
	if isUnsupported(err) {
		if err2, ok := m.scanFallback(t, f, src, dst); ok {
			if err2 == nil {
				return nil
			}
			err = err2
		}
	}
	return scanError(t, dst, err)
}

// DecodeAny returns src, a value of type t in format f, as t's natural Go
// value; nil for SQL NULL.
func (m *Map) DecodeAny(t *Type, f Format, src []byte) (any, error) {
	if src == nil {
		return nil, nil
	}
	v, err := t.Codec.DecodeAny(m, t, f, src)
	if err != nil {
		return nil, scanError(t, (*any)(nil), err)
	}
	return v, nil
}

// Encode appends v encoded as type t to buf, in t's preferred format if the
// codec can encode v in it, else in the other. null reports SQL NULL (v nil,
// a nil pointer, or a driver.Valuer returning nil), in which case buf is
// returned unchanged.
//
// Besides what t's codec handles, Encode accepts pointers, driver.Valuer,
// named types whose underlying type the codec handles, and a string for any
// type, sent in text format for the server to parse.
func (m *Map) Encode(t *Type, v any, buf []byte) (out []byte, f Format, null bool, err error) {
	pref := t.Codec.PreferredFormat()
	out, null, err = m.EncodeFormat(t, pref, v, buf)
	if err == nil || !isUnsupported(err) {
		return out, pref, null, err
	}
	other := TextFormat
	if pref == TextFormat {
		other = BinaryFormat
	}
	out, null, err2 := m.EncodeFormat(t, other, v, buf)
	if err2 == nil {
		return out, other, null, nil
	}
	return buf, pref, false, err
}

// EncodeFormat is Encode in a given format; containers use it to encode
// their elements in their own format.
//
// nil, a nil pointer, a nil map and a nil slice are NULL (a non-nil empty
// slice is an empty value); codecs never see them.
func (m *Map) EncodeFormat(t *Type, f Format, v any, buf []byte) (out []byte, null bool, err error) {
	out, null, err = m.encodeValue(t, f, v, buf, 0)
	if err != nil {
		return buf, false, encodeError(t, v, err)
	}
	return out, null, nil
}

// encodeValue encodes v through t's codec and, when the codec does not know
// v's Go type, through the general conversions, which call it again with
// depth+1. An unsupported error from a deeper level gives way to this
// level's, which names the Go type the caller gave.
func (m *Map) encodeValue(t *Type, f Format, v any, buf []byte, depth int) ([]byte, bool, error) {
	if isNull(v) {
		return buf, true, nil
	}
	out, err := t.Codec.Encode(m, t, f, v, buf)
	if err == nil {
		return out, false, nil
	}
	if isUnsupported(err) {
		if out, null, err2, ok := m.encodeFallback(t, f, v, buf, depth); ok {
			if err2 == nil {
				return out, null, nil
			}
			if !isUnsupported(err2) {
				err = err2
			}
		}
	}
	return buf, false, err
}

// isNull reports whether v is nil, a nil pointer, a nil map or a nil slice.
func isNull(v any) bool {
	if v == nil {
		return true
	}
	switch x := v.(type) {
	case int, int16, int32, int64, float64, string, bool:
		return false
	case []byte:
		return x == nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice:
		return rv.IsNil()
	}
	return false
}

func (m *Map) String() string {
	n := 0
	for p := m; p != nil; p = p.parent {
		n += len(p.byOID)
	}
	return fmt.Sprintf("types.Map(%d types)", n)
}
