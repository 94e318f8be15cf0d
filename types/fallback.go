package types

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"reflect"
	"strings"
)

func isUnsupported(err error) bool { return errors.Is(err, ErrUnsupported) }

// scanNull stores SQL NULL into dst, or says why it cannot.
func (m *Map) scanNull(t *Type, dst any) error {
	switch d := dst.(type) {
	case *any:
		*d = nil
		return nil
	case *[]byte:
		*d = nil
		return nil
	}
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return scanError(t, dst, errors.New("destination is not a non-nil pointer"))
	}
	if _, ok := sqlNullValid(rv.Elem()); ok {
		rv.Elem().SetZero()
		return nil
	}
	if s, ok := dst.(sql.Scanner); ok {
		if err := s.Scan(nil); err != nil {
			return scanError(t, dst, err)
		}
		return nil
	}
	switch rv.Elem().Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		rv.Elem().SetZero()
		return nil
	}
	return scanError(t, dst, ErrNull)
}

// sqlNullValid reports whether v is a database/sql Null[T], returning its
// V field.
func sqlNullValid(v reflect.Value) (reflect.Value, bool) {
	typ := v.Type()
	if typ.Kind() != reflect.Struct || typ.PkgPath() != "database/sql" || !strings.HasPrefix(typ.Name(), "Null[") {
		return reflect.Value{}, false
	}
	f := v.FieldByName("V")
	if !f.IsValid() || v.FieldByName("Valid").Kind() != reflect.Bool {
		return reflect.Value{}, false
	}
	return f, true
}

// scanFallback tries the general conversions for a destination the codec
// does not know. ok is false when none applies.
func (m *Map) scanFallback(t *Type, f Format, src []byte, dst any) (err error, ok bool) {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("destination is not a non-nil pointer"), true
	}
	elem := rv.Elem()
	// sql.Null[T]: decode straight into V, so every type the codecs know
	// works (its own Scan only knows database/sql's driver values).
	if v, ok := sqlNullValid(elem); ok {
		if err := m.Scan(t, f, src, v.Addr().Interface()); err != nil {
			return err, true
		}
		elem.FieldByName("Valid").SetBool(true)
		return nil, true
	}
	if s, ok := dst.(sql.Scanner); ok {
		v, err := t.Codec.DecodeAny(m, t, f, src)
		if err != nil {
			return err, true
		}
		return s.Scan(scannerValue(v)), true
	}
	switch elem.Kind() {
	case reflect.Pointer:
		// **T: a new T, or nil for NULL (scanNull).
		p := reflect.New(elem.Type().Elem())
		if err := m.Scan(t, f, src, p.Interface()); err != nil {
			return err, true
		}
		elem.Set(p)
		return nil, true
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.String:
		// A named type: decode into its underlying type through a
		// converted pointer.
		base := basicTypes[elem.Kind()]
		if elem.Type() == base {
			return nil, false
		}
		p := rv.Convert(reflect.PointerTo(base)).Interface()
		return t.Codec.Decode(m, t, f, src, p), true
	case reflect.Slice:
		if elem.Type().Elem().Kind() == reflect.Uint8 && elem.Type() != reflect.TypeFor[[]byte]() {
			p := rv.Convert(reflect.TypeFor[*[]byte]()).Interface()
			return t.Codec.Decode(m, t, f, src, p), true
		}
	}
	return nil, false
}

var basicTypes = map[reflect.Kind]reflect.Type{
	reflect.Bool:    reflect.TypeFor[bool](),
	reflect.Int:     reflect.TypeFor[int](),
	reflect.Int8:    reflect.TypeFor[int8](),
	reflect.Int16:   reflect.TypeFor[int16](),
	reflect.Int32:   reflect.TypeFor[int32](),
	reflect.Int64:   reflect.TypeFor[int64](),
	reflect.Uint:    reflect.TypeFor[uint](),
	reflect.Uint8:   reflect.TypeFor[uint8](),
	reflect.Uint16:  reflect.TypeFor[uint16](),
	reflect.Uint32:  reflect.TypeFor[uint32](),
	reflect.Uint64:  reflect.TypeFor[uint64](),
	reflect.Float32: reflect.TypeFor[float32](),
	reflect.Float64: reflect.TypeFor[float64](),
	reflect.String:  reflect.TypeFor[string](),
}

// scannerValue turns a natural value into what sql.Scanner implementations
// expect: database/sql's driver value types where one fits.
func scannerValue(v any) any {
	switch x := v.(type) {
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint32:
		return int64(x)
	case float32:
		return float64(x)
	case driver.Valuer:
		if dv, err := x.Value(); err == nil {
			return dv
		}
	}
	return v
}

// maxValuerDepth bounds chains of driver.Valuer and pointers.
const maxValuerDepth = 8

// encodeFallback tries the general conversions for a value the codec does
// not know. ok is false when none applies.
func (m *Map) encodeFallback(t *Type, f Format, v any, buf []byte, depth int) (out []byte, null bool, err error, ok bool) {
	if depth > maxValuerDepth {
		return buf, false, errors.New("too many levels of pointers or driver.Valuer"), true
	}
	// v is not NULL: encodeValue checked (a nil driver.Value or pointer
	// met below is NULL through it too).
	if vr, ok := v.(driver.Valuer); ok {
		dv, err := vr.Value()
		if err != nil {
			return buf, false, err, true
		}
		return m.encodeDeeper(t, f, dv, buf, depth)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		return m.encodeDeeper(t, f, rv.Elem().Interface(), buf, depth)
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.String:
		if base := basicTypes[rv.Kind()]; rv.Type() != base {
			return m.encodeDeeper(t, f, rv.Convert(base).Interface(), buf, depth)
		}
		if s, ok := v.(string); ok && f == TextFormat {
			// Any type's text input: the server parses it.
			return append(buf, s...), false, nil, true
		}
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 && rv.Type() != reflect.TypeFor[[]byte]() {
			return m.encodeDeeper(t, f, rv.Convert(reflect.TypeFor[[]byte]()).Interface(), buf, depth)
		}
	}
	return buf, false, nil, false
}

// encodeDeeper encodes v, a conversion of the value at depth, one level
// down.
func (m *Map) encodeDeeper(t *Type, f Format, v any, buf []byte, depth int) ([]byte, bool, error, bool) {
	out, null, err := m.encodeValue(t, f, v, buf, depth+1)
	return out, null, err, true
}

// UnknownCodec handles a type without a codec of its own (an extension's
// base type, say) through its text form: it asks for text, decodes into
// *string, *[]byte or *any (a string), and encodes a string or []byte as
// the text the server parses. Binary data, which it never asks for, decodes
// only into *[]byte and *any ([]byte).
type UnknownCodec struct{}

func (UnknownCodec) PreferredFormat() Format { return TextFormat }

func (UnknownCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	if f == TextFormat {
		if out, ok := appendStringOrBytes(buf, v); ok {
			return out, nil
		}
	}
	return buf, unsupportedValue(v, f)
}

func (UnknownCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	if _, ok := dst.(*string); ok && f != TextFormat {
		return unsupportedDst(dst)
	}
	return scanText(src, dst)
}

func (UnknownCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	if f == TextFormat {
		return string(src), nil
	}
	b := make([]byte, len(src))
	copy(b, src)
	return b, nil
}

// appendStringOrBytes appends v if it is a string or a []byte, reporting
// whether it was.
func appendStringOrBytes(buf []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case string:
		return append(buf, x...), true
	case []byte:
		return append(buf, x...), true
	}
	return buf, false
}

// scanText stores text into a *string or a *[]byte.
func scanText(src []byte, dst any) error {
	switch d := dst.(type) {
	case *string:
		*d = string(src)
	case *[]byte:
		setBytes(d, src)
	default:
		return unsupportedDst(dst)
	}
	return nil
}

// setBytes copies src into *d, reusing its capacity. An empty src gives a
// non-nil empty slice, so it stays apart from NULL.
func setBytes(d *[]byte, src []byte) {
	if *d == nil {
		*d = make([]byte, len(src))
		copy(*d, src)
		return
	}
	*d = append((*d)[:0], src...)
}
