package types

import (
	"encoding/binary"
	"fmt"
	"math"
)

func init() {
	builtinBase = append(builtinBase, func(m *Map) {
		register(m, "bit", BitOID, BitArrayOID, BitsCodec{})
		register(m, "varbit", VarbitOID, VarbitArrayOID, BitsCodec{})
	})
}

// Bits is a bit string, a value of bit(n) or varbit: Len bits packed into
// Bytes, most significant bit first. Bytes holds exactly (Len+7)/8 bytes;
// the unused low bits of the last byte are zero when decoded and ignored
// when encoded.
type Bits struct {
	Bytes []byte
	Len   int32
}

// String returns the bits as '0' and '1' characters, the text form.
func (b Bits) String() string {
	if n := bitsByteLen(b.Len); b.Len < 0 || len(b.Bytes) != n {
		return fmt.Sprintf("Bits{invalid: %d bits in %d bytes}", b.Len, len(b.Bytes))
	}
	return string(bitsAppendText(nil, b))
}

func bitsByteLen(n int32) int { return int((int64(n) + 7) / 8) }

func bitsAppendText(buf []byte, b Bits) []byte {
	for i := int32(0); i < b.Len; i++ {
		buf = append(buf, '0'+b.Bytes[i/8]>>(7-i%8)&1)
	}
	return buf
}

// BitsCodec is the codec of bit and varbit. See
// https://www.postgresql.org/docs/current/datatype-bit.html.
//
// Binary format (bit_send/varbit_send, bit_recv/varbit_recv in
// src/backend/utils/adt/varbit.c): an int32 bit count, then the bits packed
// into (count+7)/8 bytes, most significant bit first. Text format
// (bit_out/varbit_out): "0101".
//
// Go types: Bits (the natural value), string of '0' and '1'. The server
// checks the length against a bit(n) type.
type BitsCodec struct{}

func (BitsCodec) PreferredFormat() Format { return BinaryFormat }

func (c BitsCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	if b, ok := v.(Bits); ok {
		return c.encode(f, buf, b)
	}
	// A string is sent as is in text, also in the B'…' and X'…' forms.
	return geoEncodeOther(t, f, v, buf, c.decode, c.encode)
}

func (c BitsCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	switch d := dst.(type) {
	case *Bits:
		b, err := c.decodeInto(t, f, src, d.Bytes)
		if err == nil {
			*d = b
		}
		return err
	case *string:
		if f == TextFormat {
			// The text, once checked, is the string.
			_, err := c.decode(t, f, src)
			if err == nil {
				*d = string(src)
			}
			return err
		}
	}
	b, err := c.decode(t, f, src)
	return geoDecodeOther(b, err, dst, c.text)
}

func (c BitsCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return geoAny(c.decode(t, f, src))
}

func (BitsCodec) encode(f Format, buf []byte, b Bits) ([]byte, error) {
	if b.Len < 0 || len(b.Bytes) != bitsByteLen(b.Len) {
		return buf, fmt.Errorf("invalid Bits: %d bits in %d bytes, want %d", b.Len, len(b.Bytes), bitsByteLen(b.Len))
	}
	if f == TextFormat {
		return bitsAppendText(buf, b), nil
	}
	buf = binary.BigEndian.AppendUint32(buf, uint32(b.Len))
	if len(b.Bytes) == 0 {
		return buf, nil
	}
	buf = append(buf, b.Bytes[:len(b.Bytes)-1]...)
	return append(buf, b.Bytes[len(b.Bytes)-1]&bitsLastMask(b.Len)), nil
}

// bitsLastMask keeps the used bits of the last byte of n bits.
func bitsLastMask(n int32) byte {
	if pad := n % 8; pad != 0 {
		return byte(0xff << (8 - pad))
	}
	return 0xff
}

// bitsParse parses '0' and '1' characters into a Bits reusing buf, which
// it leaves untouched when s is not valid.
func bitsParse(s []byte, buf []byte) (Bits, bool) {
	if len(s) > math.MaxInt32 {
		return Bits{}, false
	}
	for _, c := range s {
		if c != '0' && c != '1' {
			return Bits{}, false
		}
	}
	buf = buf[:0]
	if buf == nil {
		buf = make([]byte, 0, (len(s)+7)/8)
	}
	var x byte
	for i, c := range s {
		x |= (c - '0') << (7 - i%8)
		if i%8 == 7 {
			buf = append(buf, x)
			x = 0
		}
	}
	if len(s)%8 != 0 {
		buf = append(buf, x)
	}
	return Bits{Bytes: buf, Len: int32(len(s))}, true
}

func (c BitsCodec) decode(t *Type, f Format, src []byte) (Bits, error) {
	return c.decodeInto(t, f, src, nil)
}

// decodeInto decodes into a Bits reusing buf.
func (BitsCodec) decodeInto(t *Type, f Format, src []byte, buf []byte) (Bits, error) {
	if f == TextFormat {
		b, ok := bitsParse(src, buf)
		if !ok {
			return Bits{}, malformed(t, f, "%q", truncate(src))
		}
		return b, nil
	}
	if len(src) < 4 {
		return Bits{}, malformed(t, f, "%d bytes, want at least 4", len(src))
	}
	n := int32(binary.BigEndian.Uint32(src))
	if n < 0 || len(src)-4 != bitsByteLen(n) {
		return Bits{}, malformed(t, f, "%d bits in %d bytes", n, len(src)-4)
	}
	if buf == nil {
		buf = make([]byte, 0, len(src)-4)
	}
	buf = append(buf[:0], src[4:]...)
	if len(buf) > 0 {
		buf[len(buf)-1] &= bitsLastMask(n)
	}
	return Bits{Bytes: buf, Len: n}, nil
}

func (BitsCodec) text(b Bits) string {
	return string(bitsAppendText(make([]byte, 0, b.Len), b))
}
