package types

import (
	"database/sql/driver"
	"errors"
	"fmt"
)

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "uuid", UUIDOID, UUIDArrayOID, UUIDCodec{})
	})
}

// UUID is a uuid value: 16 bytes in network order. Its zero value is the
// nil UUID.
type UUID [16]byte

// ParseUUID parses s in any form uuid_in accepts: 32 hex digits of either
// case, optionally in braces, with an optional hyphen after any group of
// four digits ("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
// "{A0EEBC99-9C0B4EF8-BB6D6BB9-BD380A11}", "a0eebc999c0b4ef8bb6d6bb9bd380a11").
// See https://www.postgresql.org/docs/current/datatype-uuid.html
func ParseUUID(s string) (UUID, error) {
	u, ok := uuidParse(s)
	if !ok {
		return UUID{}, fmt.Errorf("invalid uuid %q", uuidTruncate(s))
	}
	return u, nil
}

// uuidTruncate shortens a string quoted in error messages.
func uuidTruncate(s string) string {
	if len(s) > 64 {
		return s[:64]
	}
	return s
}

// uuidParse is string_to_uuid (src/backend/utils/adt/uuid.c) without
// allocating.
func uuidParse[T string | []byte](s T) (UUID, bool) {
	var u UUID
	i := 0
	braces := len(s) > 0 && s[0] == '{'
	if braces {
		i++
	}
	for n := range 16 {
		if i+1 >= len(s) {
			return u, false
		}
		hi, lo := byteaUnhex(s[i]), byteaUnhex(s[i+1])
		if hi == 0xff || lo == 0xff {
			return u, false
		}
		u[n] = hi<<4 | lo
		i += 2
		if n%2 == 1 && n < 15 && i < len(s) && s[i] == '-' {
			i++
		}
	}
	if braces {
		if i >= len(s) || s[i] != '}' {
			return u, false
		}
		i++
	}
	return u, i == len(s)
}

// String returns u in canonical form: lower-case hex with hyphens,
// "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11".
func (u UUID) String() string {
	var b [36]byte
	return string(u.appendText(b[:0]))
}

// appendText appends the canonical form of u.
func (u UUID) appendText(buf []byte) []byte {
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			buf = append(buf, '-')
		}
		buf = append(buf, byteaHexDigits[c>>4], byteaHexDigits[c&15])
	}
	return buf
}

// AppendText implements encoding.TextAppender: the canonical form.
func (u UUID) AppendText(b []byte) ([]byte, error) { return u.appendText(b), nil }

// MarshalText implements encoding.TextMarshaler: the canonical form, so
// a UUID is a JSON string.
func (u UUID) MarshalText() ([]byte, error) { return u.appendText(make([]byte, 0, 36)), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseUUID's forms.
func (u *UUID) UnmarshalText(b []byte) error {
	v, ok := uuidParse(b)
	if !ok {
		return fmt.Errorf("invalid uuid %q", truncate(b))
	}
	*u = v
	return nil
}

// Value implements driver.Valuer: the canonical string.
func (u UUID) Value() (driver.Value, error) { return u.String(), nil }

// Scan implements sql.Scanner for database/sql and for columns of other
// types: a string or []byte in a ParseUUID form, or 16 raw bytes. NULL is
// an error wrapping ErrNull (scan into a *UUID pointer or sql.Null[UUID]).
func (u *UUID) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		return fmt.Errorf("%w into types.UUID", ErrNull)
	case string:
		v, err := ParseUUID(x)
		if err != nil {
			return err
		}
		*u = v
		return nil
	case []byte:
		if len(x) == 16 {
			copy(u[:], x)
			return nil
		}
		return u.UnmarshalText(x)
	case UUID:
		*u = x
		return nil
	case [16]byte:
		*u = x
		return nil
	}
	return fmt.Errorf("cannot scan %T into types.UUID", src)
}

// UUIDCodec is the codec of uuid (uuid_in/uuid_out, uuid_recv/uuid_send in
// PostgreSQL's src/backend/utils/adt/uuid.c). Binary is the 16 bytes; text
// is the canonical form. See
// https://www.postgresql.org/docs/current/datatype-uuid.html
//
// Go types: UUID and [16]byte both ways; string (encode parses every
// ParseUUID form, decode gives the canonical form); []byte as the 16 raw
// bytes (encode also parses a []byte in a text form). The natural value
// is a UUID.
type UUIDCodec struct{}

// PreferredFormat returns BinaryFormat.
func (UUIDCodec) PreferredFormat() Format { return BinaryFormat }

var uuidErrBytes = errors.New("want 16 bytes or a uuid text form")

// Encode appends a UUID, [16]byte, string or []byte.
func (UUIDCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	var u UUID
	switch x := v.(type) {
	case UUID:
		u = x
	case [16]byte:
		u = x
	case string:
		var err error
		if u, err = ParseUUID(x); err != nil {
			return buf, err
		}
	case []byte:
		if len(x) == 16 {
			u = UUID(x)
			break
		}
		var ok bool
		if u, ok = uuidParse(x); !ok {
			return buf, uuidErrBytes
		}
	default:
		return buf, unsupportedValue(v, f)
	}
	if f == BinaryFormat {
		return append(buf, u[:]...), nil
	}
	return u.appendText(buf), nil
}

func (UUIDCodec) decode(t *Type, f Format, src []byte) (UUID, error) {
	if f == BinaryFormat {
		if len(src) != 16 {
			return UUID{}, malformed(t, f, "%d bytes, want 16", len(src))
		}
		return UUID(src), nil
	}
	u, ok := uuidParse(src)
	if !ok {
		return u, malformed(t, f, "%q", truncate(src))
	}
	return u, nil
}

// Decode stores the value into a *UUID, *[16]byte, *string (canonical
// form) or *[]byte (16 raw bytes, reusing its capacity).
func (c UUIDCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	u, err := c.decode(t, f, src)
	if err != nil {
		return err
	}
	switch d := dst.(type) {
	case *UUID:
		*d = u
	case *[16]byte:
		*d = u
	case *string:
		*d = u.String()
	case *[]byte:
		setBytes(d, u[:])
	default:
		return unsupportedDst(dst)
	}
	return nil
}

// DecodeAny returns a UUID.
func (c UUIDCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return c.decode(t, f, src)
}
