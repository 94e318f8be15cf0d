package types_test

import (
	"math"
	"strings"
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

// TestRoundTripBits covers bit and varbit, and the other small fixed
// formats of this family: pg_lsn and tid.
func TestRoundTripBits(t *testing.T) {
	long := types.Bits{Bytes: make([]byte, 125), Len: 1000}
	var longText strings.Builder
	for i := range 1000 {
		if i%3 == 0 || i == 999 {
			long.Bytes[i/8] |= 0x80 >> (i % 8)
			longText.WriteByte('1')
		} else {
			longText.WriteByte('0')
		}
	}
	odd := types.Bits{Bytes: []byte{0xa0}, Len: 3}
	cases := []rtCase{
		{Type: "bit", Literal: "NULL", Value: nil, Want: (*types.Bits)(nil)},
		{Type: "bit(1)", Literal: "'1'", Value: types.Bits{Bytes: []byte{0x80}, Len: 1}},
		{Type: "bit(1)", Literal: "'0'", Value: types.Bits{Bytes: []byte{0}, Len: 1}},
		{Type: "bit(8)", Literal: "'10101010'", Value: types.Bits{Bytes: []byte{0xaa}, Len: 8}},
		{Type: "bit(8)", Literal: "'11111111'", Value: "11111111", Want: types.Bits{Bytes: []byte{0xff}, Len: 8}},
		{Name: "bit(8) hex string for the server", Type: "bit(8)", Literal: "'00011111'", Value: "X1F", Want: "00011111"},
		{Type: "varbit", Literal: "''", Value: types.Bits{Bytes: []byte{}, Len: 0}},
		{Name: "varbit empty string", Type: "varbit", Literal: "''", Value: "", Want: ""},
		{Type: "varbit", Literal: "'101'", Value: odd},
		{Name: "varbit padding bits ignored", Type: "varbit", Literal: "'101'", Value: types.Bits{Bytes: []byte{0xbf}, Len: 3}, Want: odd},
		{Type: "varbit", Literal: "'101'", Value: "101", Want: "101"},
		{Name: "varbit 1000 bits", Type: "varbit", Literal: "'" + longText.String() + "'", Value: long},
		{Name: "varbit 1000 bits text", Type: "varbit", Literal: "'" + longText.String() + "'", Value: longText.String(), Want: longText.String()},

		{Type: "pg_lsn", Literal: "NULL", Value: nil, Want: (*types.LSN)(nil)},
		{Type: "pg_lsn", Literal: "'0/0'", Value: types.LSN(0)},
		{Type: "pg_lsn", Literal: "'FFFFFFFF/FFFFFFFF'", Value: types.LSN(math.MaxUint64)},
		{Type: "pg_lsn", Literal: "'16/B374D848'", Value: uint64(0x16_B374D848), Want: uint64(0x16_B374D848)},
		{Type: "pg_lsn", Literal: "'16/B374D848'", Value: "16/b374d848", Want: "16/B374D848"},
		{Type: "pg_lsn", Literal: "'1/A'", Value: "00000001/0000000a", Want: types.LSN(1<<32 | 10)},

		{Type: "tid", Literal: "NULL", Value: nil, Want: (*types.TID)(nil)},
		{Type: "tid", Literal: "'(0,0)'", Value: types.TID{}},
		{Type: "tid", Literal: "'(4294967295,65535)'", Value: types.TID{Block: math.MaxUint32, Offset: math.MaxUint16}},
		{Type: "tid", Literal: "'(1,2)'", Value: "(1,2)", Want: "(1,2)"},
	}
	runRoundTrip(t, cases)
	netCheckSend(t, cases, nil)
}
