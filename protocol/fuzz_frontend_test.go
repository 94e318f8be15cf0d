package protocol

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzFrontendReceive feeds arbitrary bytes to a Frontend as if a server
// sent them. Receive must never panic; every error but the ends of stream
// must be a *ProtocolError; and every message it accepts must encode back
// to exactly the bytes it was read from.
func FuzzFrontendReceive(f *testing.F) {
	var all []byte
	for _, tc := range backendSamples {
		enc, err := tc.msg.Encode(nil)
		if err != nil {
			f.Fatalf("%s: %v", tc.name, err)
		}
		f.Add(enc)
		all = append(all, enc...)
	}
	f.Add(all)
	// A few conversations.
	f.Add(encodeAll(f,
		&AuthenticationSASL{Mechanisms: []string{"SCRAM-SHA-256"}},
		&AuthenticationSASLContinue{Data: []byte("r=abc,s=c2FsdA==,i=4096")},
		&AuthenticationSASLFinal{Data: []byte("v=c2lnbmF0dXJl")},
		&AuthenticationOk{},
		&ParameterStatus{Name: "client_encoding", Value: "UTF8"},
		&BackendKeyData{ProcessID: 99, SecretKey: []byte{1, 2, 3, 4}},
		&ReadyForQuery{TxStatus: TxIdle},
	))
	f.Add(encodeAll(f,
		&ParseComplete{},
		&ParameterDescription{ParameterOIDs: []uint32{23}},
		&RowDescription{Fields: []FieldDescription{{Name: []byte("a"), DataTypeOID: 25, DataTypeSize: -1, TypeModifier: -1}}},
		&BindComplete{},
		&DataRow{Values: [][]byte{[]byte("x")}},
		&DataRow{Values: [][]byte{nil}},
		&PortalSuspended{},
		&NoticeResponse{Fields: []ErrorField{{'S', "WARNING"}, {'M', "careful"}}},
		&NotificationResponse{ProcessID: 5, Channel: "c", Payload: "p"},
		&ErrorResponse{Fields: []ErrorField{{'S', "ERROR"}, {'C', "57014"}, {'M', "canceling statement"}}},
		&ReadyForQuery{TxStatus: TxFailed},
	))
	f.Add(encodeAll(f,
		&CopyOutResponse{OverallFormat: 0, ColumnFormats: []int16{0, 0}},
		&CopyData{Data: []byte("1\ta\n")},
		&CopyDone{},
		&CommandComplete{CommandTag: []byte("COPY 1")},
		&ReadyForQuery{TxStatus: TxActive},
	))

	f.Fuzz(func(t *testing.T, data []byte) {
		fe := NewFrontend(bytes.NewReader(data), io.Discard)
		// Keep the fuzzer from allocating what a long length word
		// announces; ErrTooLarge is exercised all the same.
		fe.SetMaxMessageSize(1 << 16)
		pos := 0
		for {
			msg, err := fe.Receive()
			if err != nil {
				if msg != nil {
					t.Fatalf("Receive returned %T with error %v", msg, err)
				}
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					return
				}
				var pe *ProtocolError
				if !errors.As(err, &pe) {
					t.Fatalf("error %v (%T) is not a *ProtocolError", err, err)
				}
				_ = pe.Error()
				return
			}
			enc, err := msg.Encode(nil)
			if err != nil {
				t.Fatalf("received %T does not encode: %v", msg, err)
			}
			if end := pos + len(enc); end > len(data) || !bytes.Equal(enc, data[pos:end]) {
				t.Fatalf("received %T encodes to %x; it was read from %x", msg, enc, data[pos:min(end, len(data))])
			}
			pos += len(enc)
		}
	})
}
