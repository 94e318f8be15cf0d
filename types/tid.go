package types

import (
	"encoding/binary"
	"strconv"
)

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "tid", TIDOID, TIDArrayOID, TIDCodec{})
	})
}

// TID is a tuple identifier, a value of tid: the block number and the
// item offset within the block of a row version (ctid).
type TID struct {
	Block  uint32
	Offset uint16
}

// String returns t as PostgreSQL prints it: "(0,1)".
func (t TID) String() string { return string(tidAppend(make([]byte, 0, 19), t)) }

func tidAppend(buf []byte, t TID) []byte {
	buf = append(buf, '(')
	buf = strconv.AppendUint(buf, uint64(t.Block), 10)
	buf = append(buf, ',')
	buf = strconv.AppendUint(buf, uint64(t.Offset), 10)
	return append(buf, ')')
}

// tidParse parses "(block,offset)" with decimal numbers in range.
func tidParse(s []byte) (TID, bool) {
	if len(s) < 5 || s[0] != '(' || s[len(s)-1] != ')' {
		return TID{}, false
	}
	s = s[1 : len(s)-1]
	block, rest, ok := tidNumber(s, 1<<32-1)
	if !ok || len(rest) == 0 || rest[0] != ',' {
		return TID{}, false
	}
	off, rest, ok := tidNumber(rest[1:], 1<<16-1)
	if !ok || len(rest) != 0 {
		return TID{}, false
	}
	return TID{Block: uint32(block), Offset: uint16(off)}, true
}

// tidNumber reads decimal digits up to limit.
func tidNumber(s []byte, limit uint64) (uint64, []byte, bool) {
	var n uint64
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + uint64(s[i]-'0')
		if n > limit {
			return 0, nil, false
		}
	}
	return n, s[i:], i > 0
}

// TIDCodec is the codec of tid (tidin/tidout/tidrecv/tidsend in
// src/backend/utils/adt/tid.c): binary a uint32 block number and a uint16
// offset, text "(0,1)". See
// https://www.postgresql.org/docs/current/datatype-oid.html.
//
// Go types: TID (the natural value), string.
type TIDCodec struct{}

func (TIDCodec) PreferredFormat() Format { return BinaryFormat }

func (c TIDCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	if id, ok := v.(TID); ok {
		return c.encode(f, buf, id)
	}
	return geoEncodeOther(t, f, v, buf, c.decode, c.encode)
}

func (c TIDCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	if d, ok := dst.(*TID); ok {
		id, err := c.decode(t, f, src)
		if err == nil {
			*d = id
		}
		return err
	}
	id, err := c.decode(t, f, src)
	return geoDecodeOther(id, err, dst, TID.String)
}

func (c TIDCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return geoAny(c.decode(t, f, src))
}

func (TIDCodec) encode(f Format, buf []byte, id TID) ([]byte, error) {
	if f == TextFormat {
		return tidAppend(buf, id), nil
	}
	buf = binary.BigEndian.AppendUint32(buf, id.Block)
	return binary.BigEndian.AppendUint16(buf, id.Offset), nil
}

func (TIDCodec) decode(t *Type, f Format, src []byte) (TID, error) {
	if f == BinaryFormat {
		if len(src) != 6 {
			return TID{}, malformed(t, f, "%d bytes, want 6", len(src))
		}
		return TID{Block: binary.BigEndian.Uint32(src), Offset: binary.BigEndian.Uint16(src[4:])}, nil
	}
	id, ok := tidParse(src)
	if !ok {
		return TID{}, malformed(t, f, "%q", truncate(src))
	}
	return id, nil
}
