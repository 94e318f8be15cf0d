package types

import (
	"encoding/binary"
	"fmt"
)

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "pg_lsn", PgLSNOID, PgLSNArrayOID, LSNCodec{})
	})
}

// LSN is a PostgreSQL write-ahead log location, a value of pg_lsn.
type LSN uint64

// String returns l as PostgreSQL prints it: two upper-case hexadecimal
// numbers of 32 bits each, "16/B374D848".
func (l LSN) String() string {
	return string(lsnAppend(make([]byte, 0, 17), l))
}

func lsnAppend(buf []byte, l LSN) []byte {
	buf = lsnAppendHex(buf, uint32(l>>32))
	buf = append(buf, '/')
	return lsnAppendHex(buf, uint32(l))
}

func lsnAppendHex(buf []byte, x uint32) []byte {
	const digits = "0123456789ABCDEF"
	started := false
	for shift := 28; shift >= 0; shift -= 4 {
		d := x >> shift & 15
		if d != 0 || started || shift == 0 {
			buf = append(buf, digits[d])
			started = true
		}
	}
	return buf
}

// ParseLSN parses the text form of a pg_lsn as pg_lsn_in does: one to
// eight hexadecimal digits, '/', one to eight hexadecimal digits.
func ParseLSN(s string) (LSN, error) {
	l, ok := lsnParse([]byte(s))
	if !ok {
		return 0, fmt.Errorf("invalid pg_lsn %q", s)
	}
	return l, nil
}

func lsnParse(s []byte) (LSN, bool) {
	hi, rest, ok := lsnHex(s)
	if !ok || len(rest) == 0 || rest[0] != '/' {
		return 0, false
	}
	lo, rest, ok := lsnHex(rest[1:])
	if !ok || len(rest) != 0 {
		return 0, false
	}
	return LSN(uint64(hi)<<32 | uint64(lo)), true
}

// lsnHex reads one to eight hexadecimal digits.
func lsnHex(s []byte) (uint32, []byte, bool) {
	var x uint32
	i := 0
	for ; i < len(s); i++ {
		d, ok := macHex(s[i])
		if !ok {
			break
		}
		if i == 8 {
			return 0, nil, false
		}
		x = x<<4 | uint32(d)
	}
	return x, s[i:], i > 0
}

// LSNCodec is the codec of pg_lsn (pg_lsn_in/out/recv/send in
// src/backend/utils/adt/pg_lsn.c): binary a uint64, text "16/B374D848".
// See https://www.postgresql.org/docs/current/datatype-pg-lsn.html.
//
// Go types: LSN (the natural value), uint64, string.
type LSNCodec struct{}

func (LSNCodec) PreferredFormat() Format { return BinaryFormat }

func (c LSNCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	switch x := v.(type) {
	case LSN:
		return c.encode(f, buf, x)
	case uint64:
		return c.encode(f, buf, LSN(x))
	}
	return geoEncodeOther(t, f, v, buf, c.decode, c.encode)
}

func (c LSNCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	l, err := c.decode(t, f, src)
	if err == nil {
		switch d := dst.(type) {
		case *LSN:
			*d = l
			return nil
		case *uint64:
			*d = uint64(l)
			return nil
		}
	}
	return geoDecodeOther(l, err, dst, LSN.String)
}

func (c LSNCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return geoAny(c.decode(t, f, src))
}

func (LSNCodec) encode(f Format, buf []byte, l LSN) ([]byte, error) {
	if f == TextFormat {
		return lsnAppend(buf, l), nil
	}
	return binary.BigEndian.AppendUint64(buf, uint64(l)), nil
}

func (LSNCodec) decode(t *Type, f Format, src []byte) (LSN, error) {
	if f == BinaryFormat {
		if len(src) != 8 {
			return 0, malformed(t, f, "%d bytes, want 8", len(src))
		}
		return LSN(binary.BigEndian.Uint64(src)), nil
	}
	l, ok := lsnParse(src)
	if !ok {
		return 0, malformed(t, f, "%q", truncate(src))
	}
	return l, nil
}
