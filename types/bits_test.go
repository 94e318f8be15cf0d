package types_test

import (
	"math"
	"strings"
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

// Tests of bit and varbit, and of the other small types of this family:
// pg_lsn and tid.

func TestBitsCodec(t *testing.T) {
	long := types.Bits{Bytes: make([]byte, 125), Len: 1000}
	for i := range long.Bytes {
		long.Bytes[i] = byte(i)
	}
	var longText strings.Builder
	for _, b := range long.Bytes {
		for j := 7; j >= 0; j-- {
			longText.WriteByte('0' + b>>j&1)
		}
	}
	netRunCodecCases(t, []netCodecCase{
		{typ: "bit", value: types.Bits{Bytes: []byte{0x80}, Len: 1}, text: "1",
			bin: []byte{
				0, 0, 0, 1, // one bit
				0x80, // the bit, then zero padding
			}},
		{typ: "bit", value: types.Bits{Bytes: []byte{0xaa}, Len: 8}, text: "10101010", bin: []byte{0, 0, 0, 8, 0xaa}},
		{typ: "varbit", value: types.Bits{Bytes: []byte{}, Len: 0}, text: "", bin: []byte{0, 0, 0, 0}},
		{typ: "varbit", value: types.Bits{Bytes: []byte{0xa0}, Len: 3}, text: "101", bin: []byte{0, 0, 0, 3, 0xa0}},
		{typ: "varbit", value: types.Bits{Bytes: []byte{0xbf}, Len: 3}, want: types.Bits{Bytes: []byte{0xa0}, Len: 3},
			text: "101", bin: []byte{0, 0, 0, 3, 0xa0}},
		{typ: "varbit", value: types.Bits{Bytes: []byte{0xff, 0x80}, Len: 9}, text: "111111111", bin: []byte{0, 0, 0, 9, 0xff, 0x80}},
		{typ: "varbit", value: long, text: longText.String(), bin: append([]byte{0, 0, 3, 0xe8}, long.Bytes...)},
	})
	netCheckMalformedText(t, "varbit", []string{"2", "10 1", "B101", "X1F", " 1"})

	m := types.NewMap()
	typ := netType(t, m, "varbit")
	for _, v := range []any{
		types.Bits{Bytes: []byte{1}, Len: 9}, types.Bits{Bytes: []byte{1, 2}, Len: 8},
		types.Bits{Bytes: nil, Len: -1}, types.Bits{Bytes: []byte{}, Len: 1}, 42,
	} {
		if buf, _, _, err := m.Encode(typ, v, nil); err == nil {
			t.Errorf("encode %#v: %x, want an error", v, buf)
		}
	}
	for _, b := range [][]byte{
		{0x80, 0, 0, 0},       // negative length
		{0, 0, 0, 9, 0xff},    // 9 bits in 1 byte
		{0, 0, 0, 1, 0x80, 0}, // 1 bit in 2 bytes
		{0x7f, 0xff, 0xff, 0xff, 0},
	} {
		var a any
		if err := m.Scan(typ, types.BinaryFormat, b, &a); err == nil {
			t.Errorf("decode %x: %#v, want an error", b, a)
		}
	}
	// A string the codec cannot parse goes to the server as text.
	buf, f, _, err := m.Encode(typ, "X1F", nil)
	if err != nil || f != types.TextFormat || string(buf) != "X1F" {
		t.Errorf("encode \"X1F\": %q %v %v", buf, f, err)
	}
	if s := (types.Bits{Bytes: []byte{0x40}, Len: 2}).String(); s != "01" {
		t.Errorf("String() = %q", s)
	}
	if s := (types.Bits{Bytes: []byte{0x40}, Len: 9}).String(); !strings.Contains(s, "invalid") {
		t.Errorf("String() of invalid Bits = %q", s)
	}
	// Decoding into a Bits reuses its memory.
	d := types.Bits{Bytes: make([]byte, 0, 8)}
	first := &d.Bytes[:1][0]
	if err := m.Scan(typ, types.BinaryFormat, []byte{0, 0, 0, 12, 0xab, 0xcd}, &d); err != nil || &d.Bytes[0] != first || d.String() != "101010111100" {
		t.Errorf("decode into Bits: %v, %v", d, err)
	}
}

func TestLSNCodec(t *testing.T) {
	netRunCodecCases(t, []netCodecCase{
		{typ: "pg_lsn", value: types.LSN(0), text: "0/0", bin: []byte{0, 0, 0, 0, 0, 0, 0, 0}},
		{typ: "pg_lsn", value: types.LSN(math.MaxUint64), text: "FFFFFFFF/FFFFFFFF", bin: []byte{255, 255, 255, 255, 255, 255, 255, 255}},
		{typ: "pg_lsn", value: uint64(0x16_B374D848), want: types.LSN(0x16_B374D848), text: "16/B374D848",
			bin: []byte{0, 0, 0, 0x16, 0xb3, 0x74, 0xd8, 0x48}},
		{typ: "pg_lsn", value: types.LSN(1<<32 | 10), text: "1/A", bin: []byte{0, 0, 0, 1, 0, 0, 0, 10}},
	})
	netCheckMalformedText(t, "pg_lsn", []string{"", "0", "/0", "0/", "000000001/0", "0/000000001", "0/0/0", "g/0", " 0/0", "0/0 ", "-1/0"})
	for s, want := range map[string]types.LSN{"00000001/0000000a": 1<<32 | 10, "ffffffff/0": 0xffffffff << 32} {
		if got, err := types.ParseLSN(s); err != nil || got != want {
			t.Errorf("ParseLSN(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if _, err := types.ParseLSN("0/1x"); err == nil {
		t.Error("ParseLSN(\"0/1x\") succeeded")
	}
	m := types.NewMap()
	typ := netType(t, m, "pg_lsn")
	var u uint64
	if err := m.Scan(typ, types.TextFormat, []byte("16/B374D848"), &u); err != nil || u != 0x16_B374D848 {
		t.Errorf("into uint64: %x, %v", u, err)
	}
	type myLSN uint64
	var ml myLSN
	if err := m.Scan(typ, types.TextFormat, []byte("1/0"), &ml); err != nil || ml != 1<<32 {
		t.Errorf("into a named uint64: %x, %v", ml, err)
	}
	if buf, _, _, err := m.Encode(typ, -1, nil); err == nil {
		t.Errorf("encode -1: %x", buf)
	}
}

func TestTIDCodec(t *testing.T) {
	netRunCodecCases(t, []netCodecCase{
		{typ: "tid", value: types.TID{}, text: "(0,0)", bin: []byte{0, 0, 0, 0, 0, 0}},
		{typ: "tid", value: types.TID{Block: 1, Offset: 2}, text: "(1,2)",
			bin: []byte{
				0, 0, 0, 1, // block
				0, 2, // offset
			}},
		{typ: "tid", value: types.TID{Block: math.MaxUint32, Offset: math.MaxUint16}, text: "(4294967295,65535)",
			bin: []byte{255, 255, 255, 255, 255, 255}},
		{typ: "tid", value: "(3,4)", want: types.TID{Block: 3, Offset: 4}, text: "(3,4)", bin: []byte{0, 0, 0, 3, 0, 4}},
	})
	netCheckMalformedText(t, "tid", []string{"", "()", "(1)", "(1,)", "(,1)", "(4294967296,0)", "(0,65536)", "(1,2", "1,2)",
		"( 1,2)", "(-1,2)", "(1,2,3)", "(1,2)x"})
	if s := (types.TID{Block: 7, Offset: 9}).String(); s != "(7,9)" {
		t.Errorf("String() = %q", s)
	}
}

var bitsFuzzTypes = []string{"bit", "varbit", "pg_lsn", "tid"}

func FuzzBitsDecode(f *testing.F) {
	for i := range bitsFuzzTypes {
		f.Add(uint8(i), true, []byte{})
		for _, s := range []string{"", "1", "10101010", "16/B374D848", "FFFFFFFF/FFFFFFFF", "(0,1)", "(4294967295,65535)"} {
			f.Add(uint8(i), false, []byte(s))
		}
	}
	f.Add(uint8(0), true, []byte{0, 0, 0, 1, 0x80})
	f.Add(uint8(1), true, []byte{0, 0, 0, 0})
	f.Add(uint8(1), true, []byte{0, 0, 0, 9, 0xff, 0xff})
	f.Add(uint8(2), true, []byte{0, 0, 0, 0x16, 0xb3, 0x74, 0xd8, 0x48})
	f.Add(uint8(3), true, []byte{0, 0, 0, 1, 0, 2})
	f.Fuzz(func(t *testing.T, kind uint8, binary bool, data []byte) {
		netFuzzDecode(t, bitsFuzzTypes, kind, binary, data, func() []any {
			return []any{new(types.Bits), new(types.LSN), new(uint64), new(types.TID), new(string)}
		})
	})
}

func BenchmarkDecodeBits(b *testing.B) {
	varbit := append([]byte{0, 0, 3, 0xe8}, make([]byte, 125)...)
	netRunBench(b, []netBench{
		{"bit64/reused", "bit", []byte{0, 0, 0, 64, 1, 2, 3, 4, 5, 6, 7, 8}, &types.Bits{Bytes: make([]byte, 0, 8)}},
		{"varbit1000/reused", "varbit", varbit, &types.Bits{Bytes: make([]byte, 0, 125)}},
		{"pg_lsn", "pg_lsn", []byte{0, 0, 0, 0x16, 0xb3, 0x74, 0xd8, 0x48}, new(types.LSN)},
		{"pg_lsn/uint64", "pg_lsn", []byte{0, 0, 0, 0x16, 0xb3, 0x74, 0xd8, 0x48}, new(uint64)},
		{"tid", "tid", []byte{0, 0, 0, 1, 0, 2}, new(types.TID)},
		{"pg_lsn/text", "pg_lsn", []byte("16/B374D848"), new(types.LSN)},
		{"tid/text", "tid", []byte("(4294967295,65535)"), new(types.TID)},
	})
}
