package protocol

import (
	"bytes"
	"io"
	"strconv"
	"testing"
)

func BenchmarkFrontendReceive(b *testing.B) {
	row := &DataRow{}
	for i := range 10 {
		row.Values = append(row.Values, []byte("value-"+strconv.Itoa(i)))
	}
	for _, bc := range []struct {
		name string
		msg  BackendMessage
	}{
		{"DataRow10", row},
		{"CommandComplete", &CommandComplete{CommandTag: []byte("SELECT 100")}},
		{"ReadyForQuery", &ReadyForQuery{TxStatus: TxIdle}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			enc, err := bc.msg.Encode(nil)
			if err != nil {
				b.Fatal(err)
			}
			f := NewFrontend(&repeatReader{data: bytes.Repeat(enc, 64)}, io.Discard)
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.Receive(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, bc := range []struct {
		name string
		msg  Message
	}{
		{"Query", &Query{SQL: "select id, name from users where id > 10"}},
		{"Bind3", &Bind{Statement: "s1", Parameters: [][]byte{[]byte("1"), nil, []byte("three")}, ResultFormats: []int16{1}}},
		{"DataRow10", &DataRow{Values: bytes.Fields([]byte("a b c d e f g h i j"))}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf := make([]byte, 0, 1024)
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = bc.msg.Encode(buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
