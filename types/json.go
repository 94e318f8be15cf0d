package types

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"reflect"
	"strings"
)

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "json", JSONOID, JSONArrayOID, JSONCodec{})
		register(m, "jsonb", JSONBOID, JSONBArrayOID, JSONCodec{})
		register(m, "jsonpath", JSONPathOID, JSONPathArrayOID, JSONPathCodec{})
	})
}

// jsonbVersion is the only version of jsonb's and jsonpath's binary form:
// one byte before the text.
const jsonbVersion = 1

// JSONCodec is the codec of json and jsonb (json_in/json_out,
// json_recv/json_send in PostgreSQL's src/backend/utils/adt/json.c;
// jsonb_in/jsonb_out, jsonb_recv/jsonb_send in jsonb.c). Binary json is
// its text; binary jsonb is a version byte, 1, and the text. A type is
// jsonb when its OID is JSONBOID or its name is "jsonb". See
// https://www.postgresql.org/docs/current/datatype-json.html
//
// Marshal and Unmarshal convert other Go values; nil means encoding/json's.
// The default maps use encoding/json; to use another package, register a
// JSONCodec with your functions for JSONOID and JSONBOID on your Map.
//
// Decoding:
//   - *string, *[]byte, *json.RawMessage, and pointers to named string
//     or []byte types (through Map), receive the JSON text, copied;
//   - an sql.Scanner (other than *sql.Null[T]) has Scan called with a
//     []byte copy of the JSON text, the database/sql convention;
//   - *any, the natural value, receives Unmarshal's result into an any:
//     map[string]any, []any, string, float64, bool, or nil for JSON null;
//   - *sql.Null[T] and pointers to pointers are left to Map (JSON null in
//     a **T gives a pointer to a zero T; SQL NULL gives nil);
//   - any other pointer (structs, maps, slices, numbers, types with
//     UnmarshalJSON) is zeroed, then Unmarshal fills it.
//
// Encoding:
//   - string, []byte and json.RawMessage are sent as JSON text, unchecked
//     (the server validates it);
//   - a driver.Valuer is left to Map, which encodes what Value returns
//     (a string or []byte is then JSON text), as pgx and database/sql do,
//     even when the type also implements json.Marshaler;
//   - nil pointers are SQL NULL, and pointers to strings or byte slices
//     and named string or []byte types are treated as those (through
//     Map), unless they implement json.Marshaler;
//   - anything else goes through Marshal (a nil map or slice is JSON
//     null, not SQL NULL).
type JSONCodec struct {
	Marshal   func(v any) ([]byte, error)    // default json.Marshal
	Unmarshal func(data []byte, v any) error // default json.Unmarshal; data is only valid during the call
}

// PreferredFormat returns BinaryFormat.
func (JSONCodec) PreferredFormat() Format { return BinaryFormat }

func (c JSONCodec) marshal(v any) ([]byte, error) {
	if c.Marshal != nil {
		return c.Marshal(v)
	}
	return json.Marshal(v)
}

func (c JSONCodec) unmarshal(data []byte, v any) error {
	if c.Unmarshal != nil {
		return c.Unmarshal(data, v)
	}
	return json.Unmarshal(data, v)
}

// jsonIsB reports whether t is jsonb, whose binary form has a version byte.
func jsonIsB(t *Type) bool { return t.OID == JSONBOID || t.Name == "jsonb" }

// jsonText returns the JSON text of src: src itself, or after jsonb's
// version byte.
func jsonText(t *Type, f Format, src []byte) ([]byte, error) {
	if f != BinaryFormat || !jsonIsB(t) {
		return src, nil
	}
	if len(src) == 0 {
		return nil, malformed(t, f, "no version byte")
	}
	if src[0] != jsonbVersion {
		return nil, malformed(t, f, "unsupported version %d", src[0])
	}
	return src[1:], nil
}

// jsonAppendRaw appends JSON text, after jsonb's version byte in binary.
func jsonAppendRaw[T string | []byte](t *Type, f Format, buf []byte, text T) []byte {
	if f == BinaryFormat && jsonIsB(t) {
		buf = append(buf, jsonbVersion)
	}
	return append(buf, text...)
}

// Encode appends v as JSON text; see the type's documentation for the Go
// types.
func (c JSONCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return jsonAppendRaw(t, f, buf, x), nil
	case []byte:
		return jsonAppendRaw(t, f, buf, x), nil
	case json.RawMessage:
		return jsonAppendRaw(t, f, buf, []byte(x)), nil
	case driver.Valuer:
		return buf, unsupportedValue(v, f)
	case json.Marshaler:
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return buf, unsupportedValue(v, f)
		}
	default:
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Pointer:
			if rv.IsNil() || jsonIsTextKind(rv.Type().Elem()) {
				return buf, unsupportedValue(v, f)
			}
		case reflect.String, reflect.Slice:
			if jsonIsTextKind(rv.Type()) {
				return buf, unsupportedValue(v, f)
			}
		}
	}
	b, err := c.marshal(v)
	if err != nil {
		return buf, err
	}
	return jsonAppendRaw(t, f, buf, b), nil
}

// jsonIsTextKind reports whether typ is a string or byte slice type,
// which Map turns into string or []byte.
func jsonIsTextKind(typ reflect.Type) bool {
	switch typ.Kind() {
	case reflect.String:
		return true
	case reflect.Slice:
		return typ.Elem().Kind() == reflect.Uint8
	}
	return false
}

// Decode stores the JSON value into dst; see the type's documentation.
func (c JSONCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	text, err := jsonText(t, f, src)
	if err != nil {
		return err
	}
	switch d := dst.(type) {
	case *string:
		*d = string(text)
		return nil
	case *[]byte:
		setBytes(d, text)
		return nil
	case *json.RawMessage:
		setBytes((*[]byte)(d), text)
		return nil
	}
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return unsupportedDst(dst)
	}
	elem := rv.Elem()
	if jsonIsSQLNull(elem.Type()) {
		return unsupportedDst(dst)
	}
	if s, ok := dst.(sql.Scanner); ok {
		b := make([]byte, len(text)) // never nil: nil would be NULL
		copy(b, text)
		return s.Scan(b)
	}
	if _, ok := dst.(json.Unmarshaler); !ok {
		if elem.Kind() == reflect.Pointer || jsonIsTextKind(elem.Type()) {
			return unsupportedDst(dst)
		}
	}
	elem.SetZero()
	return c.unmarshal(text, dst)
}

// jsonIsSQLNull reports whether typ is database/sql's Null[T], which Map
// handles.
func jsonIsSQLNull(typ reflect.Type) bool {
	return typ.Kind() == reflect.Struct && typ.PkgPath() == "database/sql" && strings.HasPrefix(typ.Name(), "Null[")
}

// DecodeAny returns Unmarshal's value for an any: map[string]any, []any,
// string, float64, bool, or nil for JSON null.
func (c JSONCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	text, err := jsonText(t, f, src)
	if err != nil {
		return nil, err
	}
	var v any
	if err := c.unmarshal(text, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// JSONPathCodec is the codec of jsonpath (jsonpath_in/jsonpath_out,
// jsonpath_recv/jsonpath_send in PostgreSQL's
// src/backend/utils/adt/jsonpath.c): binary is a version byte, 1, and the
// text. See
// https://www.postgresql.org/docs/current/datatype-json.html#DATATYPE-JSONPATH
//
// Go types: string and []byte, both ways. The natural value is a string,
// as the server prints it ("$.\"a\"[*]?(@ > 1)" for '$.a[*] ? (@ > 1)').
type JSONPathCodec struct{}

// PreferredFormat returns BinaryFormat.
func (JSONPathCodec) PreferredFormat() Format { return BinaryFormat }

// Encode appends a string or []byte.
func (JSONPathCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	if f == BinaryFormat {
		switch v.(type) {
		case string, []byte:
			buf = append(buf, jsonbVersion)
		}
	}
	if out, ok := appendStringOrBytes(buf, v); ok {
		return out, nil
	}
	return buf, unsupportedValue(v, f)
}

func (JSONPathCodec) text(t *Type, f Format, src []byte) ([]byte, error) {
	if f != BinaryFormat {
		return src, nil
	}
	if len(src) == 0 {
		return nil, malformed(t, f, "no version byte")
	}
	if src[0] != jsonbVersion {
		return nil, malformed(t, f, "unsupported version %d", src[0])
	}
	return src[1:], nil
}

// Decode stores the text into a *string or *[]byte.
func (c JSONPathCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	text, err := c.text(t, f, src)
	if err != nil {
		return err
	}
	switch d := dst.(type) {
	case *string:
		*d = string(text)
	case *[]byte:
		setBytes(d, text)
	default:
		return unsupportedDst(dst)
	}
	return nil
}

// DecodeAny returns the text as a string.
func (c JSONPathCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	text, err := c.text(t, f, src)
	if err != nil {
		return nil, err
	}
	return string(text), nil
}
