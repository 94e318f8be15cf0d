package types

import (
	"errors"
	"fmt"
	"reflect"
)

// Format is a wire format code: text or binary.
// See https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-FORMAT-CODES
type Format int16

// The two formats of the protocol.
const (
	TextFormat   Format = 0
	BinaryFormat Format = 1
)

func (f Format) String() string {
	switch f {
	case TextFormat:
		return "text"
	case BinaryFormat:
		return "binary"
	}
	return fmt.Sprintf("format(%d)", int16(f))
}

// A Codec converts between Go values and the wire formats of one kind of
// PostgreSQL type. The built-in codecs cover every built-in type; users
// implement Codec for their own or an extension's types and Register it on
// a Map.
//
// A codec sees only non-NULL values: Map handles SQL NULL, nil pointers,
// driver.Valuer, sql.Scanner, sql.Null[T], pointers to pointers and named
// types (type Cents int64) around it. When a codec does not know the Go type
// it is given, it returns an error wrapping ErrUnsupported and Map tries
// those general conversions.
type Codec interface {
	// PreferredFormat is the format asked for in results, and tried first
	// for parameters. A codec without a binary form returns TextFormat.
	PreferredFormat() Format

	// Encode appends v, encoded in format f, to buf. v is neither nil nor
	// a nil pointer.
	Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error)

	// Decode stores src, a non-NULL value in format f, into dst, a
	// non-nil pointer. src is only valid during the call: anything kept
	// must be copied.
	Decode(m *Map, t *Type, f Format, src []byte, dst any) error

	// DecodeAny returns src, a non-NULL value in format f, as the codec's
	// natural Go value (the value a *any destination receives). The
	// result must not alias src.
	DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error)
}

// Type is a PostgreSQL type known to a Map: its name, OID and codec.
type Type struct {
	Name  string
	OID   uint32
	Codec Codec
}

// ErrUnsupported is wrapped by a codec's error when it cannot handle a Go
// type or a format; Map then tries its general conversions.
var ErrUnsupported = errors.New("unsupported")

// ErrNull is wrapped by the error for SQL NULL scanned into a destination
// that cannot hold it (use a pointer, sql.Null[T] or *any).
var ErrNull = errors.New("NULL")

// MalformedError is malformed data: bytes that are not a valid value of
// the type in the format the server said it used.
type MalformedError struct {
	Type   string // the PostgreSQL type
	Format Format
	Msg    string
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("malformed %s %s value: %s", e.Type, e.Format, e.Msg)
}

// malformed returns a *MalformedError for t.
func malformed(t *Type, f Format, format string, args ...any) error {
	return &MalformedError{Type: t.Name, Format: f, Msg: fmt.Sprintf(format, args...)}
}

// ConversionError is a value that cannot be stored in the Go destination
// (Scan) or sent as the PostgreSQL type (Encode): an impossible or lossy
// conversion, NULL into a non-nullable destination, or malformed data. It
// names both types; the caller adds the column or parameter.
type ConversionError struct {
	Scan   bool   // true for a scan, false for an encode
	PGType string // the PostgreSQL type name, or "oid N" if unnamed
	GoType string // the Go type, as %T prints it
	Err    error
}

func (e *ConversionError) Error() string {
	if e.Scan {
		if errors.Is(e.Err, ErrNull) {
			return fmt.Sprintf("cannot scan NULL %s into %s (use a pointer, sql.Null or *any)", e.PGType, e.GoType)
		}
		return fmt.Sprintf("cannot scan %s into %s: %v", e.PGType, e.GoType, e.Err)
	}
	return fmt.Sprintf("cannot encode %s as %s: %v", e.GoType, e.PGType, e.Err)
}

func (e *ConversionError) Unwrap() error { return e.Err }

// typeName is t's name for messages.
func typeName(t *Type) string {
	if t.Name != "" {
		return t.Name
	}
	return fmt.Sprintf("oid %d", t.OID)
}

// scanError wraps err in a ConversionError for t and dst, unless it already
// is one for the same pair. An element's error inside a container's thus
// reads "cannot scan _int8 into *[]int32: cannot scan int8 into *int32: …".
func scanError(t *Type, dst any, err error) error {
	var ce *ConversionError
	if errors.As(err, &ce) && ce.Scan && ce.PGType == typeName(t) && ce.GoType == goTypeName(dst) {
		return err
	}
	return &ConversionError{Scan: true, PGType: typeName(t), GoType: goTypeName(dst), Err: err}
}

func encodeError(t *Type, v any, err error) error {
	var ce *ConversionError
	if errors.As(err, &ce) && !ce.Scan && ce.PGType == typeName(t) && ce.GoType == goTypeName(v) {
		return err
	}
	return &ConversionError{PGType: typeName(t), GoType: goTypeName(v), Err: err}
}

func goTypeName(v any) string {
	if v == nil {
		return "nil"
	}
	return reflect.TypeOf(v).String()
}

// unsupportedDst is the error a codec returns for a destination type it
// does not know.
func unsupportedDst(dst any) error {
	return fmt.Errorf("%w destination %T", ErrUnsupported, dst)
}

// unsupportedValue is the error a codec returns for a Go value it cannot
// encode in format f.
func unsupportedValue(v any, f Format) error {
	return fmt.Errorf("%w Go type %T in %s format", ErrUnsupported, v, f)
}

// outOfRange is the error for a value that does not fit its destination.
func outOfRange(v any, dst any) error {
	return fmt.Errorf("value %v out of range for %T", v, dst)
}

// Infinity marks the infinite values of date, timestamp, timestamptz and
// numeric, which no Go time.Time or number can hold.
type Infinity int8

// Values of Infinity.
const (
	NegativeInfinity Infinity = -1
	Finite           Infinity = 0
	PositiveInfinity Infinity = 1
)

func (i Infinity) String() string {
	switch i {
	case NegativeInfinity:
		return "-infinity"
	case PositiveInfinity:
		return "infinity"
	}
	return "finite"
}
