package protocol

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzBackendReceive feeds arbitrary bytes to a Backend. With startup set,
// it first reads one startup-phase message with ReceiveStartupMessage; then
// it calls Receive until an error, decoding 'p' messages as auth%4 says.
//
// It must never panic; every error is io.EOF, io.ErrUnexpectedEOF or a
// *ProtocolError; and every message received re-encodes to exactly the
// bytes it was read from, and decodes back to itself.
func FuzzBackendReceive(f *testing.F) {
	for _, tc := range frontendSamples {
		enc, err := tc.msg.Encode(nil)
		if err != nil {
			f.Fatalf("%s: %v", tc.name, err)
		}
		if tc.untyped {
			f.Add(true, uint8(AuthPassword), enc)
			// A startup message followed by the first typed one.
			f.Add(true, uint8(AuthPassword), append(enc, 'Q', 0, 0, 0, 5, 0))
			continue
		}
		f.Add(false, uint8(authKindFor(tc.msg)), enc)
	}
	// A whole extended-query cycle in one stream.
	var cycle []byte
	for _, m := range []Message{
		&Parse{Name: "s", Query: "select $1", ParameterOIDs: []uint32{23}},
		&Bind{Statement: "s", ParameterFormats: []int16{1}, Parameters: [][]byte{{0, 0, 0, 1}}, ResultFormats: []int16{1}},
		&Describe{ObjectType: ObjectPortal},
		&Execute{},
		&Close{ObjectType: ObjectStatement, Name: "s"},
		&Sync{},
	} {
		cycle, _ = m.Encode(cycle)
	}
	f.Add(false, uint8(AuthPassword), cycle)
	f.Add(false, uint8(AuthPassword), []byte{'Z', 0, 0, 0, 5, 'I'})
	f.Add(true, uint8(AuthPassword), []byte{0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x31})

	f.Fuzz(func(t *testing.T, startup bool, auth uint8, data []byte) {
		kind := AuthKind(auth % 4)
		b := NewBackend(bytes.NewReader(data), io.Discard)
		b.SetMaxMessageSize(1 << 16)
		b.SetAuthType(kind)
		b.Trace(NewTracer(io.Discard))
		// A second Reader over the same bytes yields, in step, the frame
		// each received message was decoded from.
		frames := NewReader(bytes.NewReader(data))
		frames.SetMaxMessageSize(1 << 16)

		if startup {
			msg, err := b.ReceiveStartupMessage()
			if err != nil {
				checkReceiveError(t, err)
				return
			}
			body, err := frames.NextUntyped()
			if err != nil {
				t.Fatalf("reference reader: %v", err)
			}
			checkReencode(t, msg, append(appendInt32(nil, int32(len(body)+4)), body...), true)
		}
		for {
			msg, err := b.Receive()
			if err != nil {
				checkReceiveError(t, err)
				return
			}
			typ, body, err := frames.Next()
			if err != nil {
				t.Fatalf("reference reader: %v", err)
			}
			frame := append([]byte{typ}, appendInt32(nil, int32(len(body)+4))...)
			checkReencode(t, msg, append(frame, body...), false)
		}
	})
}

func checkReceiveError(t *testing.T, err error) {
	t.Helper()
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return
	}
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *ProtocolError", err, err)
	}
	if pe.Err != ErrMalformed && pe.Err != ErrTooLarge && pe.Err != ErrUnknownMessage {
		t.Fatalf("receive error %v has cause %v", err, pe.Err)
	}
	_ = pe.Error()
}

// checkReencode requires msg to encode to frame and to decode from it again.
func checkReencode(t *testing.T, msg FrontendMessage, frame []byte, untyped bool) {
	t.Helper()
	enc, err := msg.Encode(nil)
	if err != nil {
		t.Fatalf("re-encoding %T %+v: %v", msg, msg, err)
	}
	if !bytes.Equal(enc, frame) {
		t.Fatalf("%T re-encodes to\n% x\nread from\n% x", msg, enc, frame)
	}
	again := zeroMessageLike(msg)
	head := 5 // type byte and length word
	if untyped {
		head = 4
	}
	if err := again.Decode(enc[head:]); err != nil {
		t.Fatalf("decoding the re-encoded %T: %v", msg, err)
	}
	if diff := cmp.Diff(msg, again, equateEmptyLists); diff != "" {
		t.Fatalf("%T changed in a second round trip (-first +second):\n%s", msg, diff)
	}
}
