package types_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

// byteaAll is every byte value once.
var byteaAll = func() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}()

var byteaRTCases = []rtCase{
	{Type: "bytea", Literal: "''", Value: []byte{}},
	{Type: "bytea", Literal: "NULL", Value: nil, Want: []byte(nil)},
	{Type: "bytea", Literal: `'\x00'`, Value: []byte{0}},
	{Name: "bytea all bytes", Type: "bytea", Literal: `'\x` + hex.EncodeToString(byteaAll) + `'`, Value: byteaAll},
	{Name: "bytea 1MB", Type: "bytea", Literal: "decode(repeat('" + hex.EncodeToString(byteaAll) + "', 4096), 'hex')",
		Value: bytes.Repeat(byteaAll, 4096)},
	{Name: "bytea string", Type: "bytea", Literal: `'\x5c7830318000'`, Value: "\\x01\x80\x00", Want: []byte("\\x01\x80\x00")},
	{Name: "bytea into string", Type: "bytea", Literal: `'abc'`, Value: []byte("abc"), Want: "abc"},
	{Type: "bytea", Literal: `'é🙂'`, Value: []byte("é🙂")},
}

func TestRoundTripBytea(t *testing.T) {
	runRoundTrip(t, byteaRTCases)
}

// TestByteaEscapeOutput reads bytea with bytea_output = escape.
func TestByteaEscapeOutput(t *testing.T) {
	conn := rtConn(t)
	if _, err := conn.SimpleQuery(rtCtx(t), "set bytea_output = escape"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := conn.SimpleQuery(rtCtx(t), "reset bytea_output"); err != nil {
			t.Error(err)
		}
	})
	m := types.NewMap()
	typ := txType(t, m, types.ByteaOID)
	for _, want := range [][]byte{byteaAll, {}, []byte(`\\`), bytes.Repeat(byteaAll, 1000)} {
		res, err := conn.SimpleQuery(rtCtx(t), `select '\x`+hex.EncodeToString(want)+`'::bytea`)
		if err != nil {
			t.Fatal(err)
		}
		src := res[0].Rows[0][0]
		if len(want) > 0 && bytes.HasPrefix(src, []byte(`\x`)) {
			t.Fatalf("bytea_output is not escape: %.20q", src)
		}
		var got []byte
		if err := m.Scan(typ, types.TextFormat, src, &got); err != nil || !bytes.Equal(got, want) || got == nil {
			t.Errorf("escape %.40q: %.40x, %v", src, got, err)
		}
	}
}

func TestByteaBinaryEncodingMatchesSend(t *testing.T) {
	txCheckSend(t, []txSendCase{
		{"bytea", "''", []byte{}},
		{"bytea", `'\x` + hex.EncodeToString(byteaAll) + `'`, byteaAll},
		{"bytea", "'abc'", "abc"},
	})
}
