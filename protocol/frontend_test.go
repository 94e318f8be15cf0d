package protocol

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFrontendReceiveEverySample feeds every backend sample through one
// Frontend, in one stream, and checks each message comes out as it went in.
// Messages are compared by their encoding: the Frontend reuses slices, so
// an empty list may come back as an empty slice rather than nil, while
// NULL and empty values still encode differently.
func TestFrontendReceiveEverySample(t *testing.T) {
	var stream []byte
	for _, tc := range backendSamples {
		// Each twice, so the second decodes into a used message.
		stream = append(stream, encodeAll(t, tc.msg, tc.msg)...)
	}
	f := NewFrontend(iotestOneByteAtATime(bytes.NewReader(stream), 7), io.Discard)
	for _, tc := range backendSamples {
		want := encodeAll(t, tc.msg)
		for range 2 {
			got, err := f.Receive()
			if err != nil {
				t.Fatalf("%s: Receive: %v", tc.name, err)
			}
			if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", tc.msg) {
				t.Fatalf("%s: received %T", tc.name, got)
			}
			again, err := got.Encode(nil)
			if err != nil || !bytes.Equal(again, want) {
				t.Errorf("%s: received message encodes to %x, %v; want %x", tc.name, again, err, want)
			}
		}
	}
	if m, err := f.Receive(); err != io.EOF {
		t.Fatalf("after the last message: %T, %v; want io.EOF", m, err)
	}
}

// TestFrontendReceiveFresh checks field by field, with a new Frontend per
// sample so that nothing is reused.
func TestFrontendReceiveFresh(t *testing.T) {
	for _, tc := range backendSamples {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFrontend(bytes.NewReader(encodeAll(t, tc.msg)), io.Discard)
			got, err := f.Receive()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.msg, Message(got)); diff != "" {
				t.Errorf("(-sent +received):\n%s", diff)
			}
		})
	}
}

func TestFrontendReceiveErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stream []byte
		want   error
		typ    byte
		detail string // substring of the error text
	}{
		{"unknown type byte", []byte{
			'X', 0x00, 0x00, 0x00, 0x04, // Terminate is a frontend message
		}, ErrUnknownMessage, 'X', ""},
		{"frontend Query sent by a server", []byte{
			'Q', 0x00, 0x00, 0x00, 0x05, 0x00, // Query ""
		}, ErrUnknownMessage, 'Q', ""},
		{"unknown authentication code", []byte{
			'R', 0x00, 0x00, 0x00, 0x08, // Authentication, length 8
			0x00, 0x00, 0x00, 0x2A, // authentication code = 42
		}, ErrUnknownMessage, 'R', "authentication code 42"},
		{"authentication code 1 (Kerberos V4, never in protocol 3.0)", []byte{
			'R', 0x00, 0x00, 0x00, 0x08, // Authentication, length 8
			0x00, 0x00, 0x00, 0x01, // authentication code = 1
		}, ErrUnknownMessage, 'R', "authentication code 1"},
		{"authentication body shorter than its code", []byte{
			'R', 0x00, 0x00, 0x00, 0x06, // Authentication, length 6
			0x00, 0x00, // 2 of the 4 code bytes
		}, ErrMalformed, 'R', ""},
		{"AuthenticationOk with trailing bytes", []byte{
			'R', 0x00, 0x00, 0x00, 0x09, // Authentication, length 9
			0x00, 0x00, 0x00, 0x00, // authentication code = 0 (ok)
			0x00, // trailing
		}, ErrMalformed, 'R', "trailing"},
		{"bad transaction status", []byte{
			'Z', 0x00, 0x00, 0x00, 0x05, // ReadyForQuery, length 5
			'X', // transaction status
		}, ErrMalformed, 'Z', "transaction status"},
		{"DataRow column count larger than body", []byte{
			'D', 0x00, 0x00, 0x00, 0x0A, // DataRow, length 10
			0x00, 0x02, // column count = 2, needs >= 8 bytes
			0xFF, 0xFF, 0xFF, 0xFF, // NULL
		}, ErrMalformed, 'D', "count"},
		{"RowDescription field count larger than body", []byte{
			'T', 0x00, 0x00, 0x00, 0x06, // RowDescription, length 6
			0x10, 0x00, // field count = 4096, needs >= 77824 bytes
		}, ErrMalformed, 'T', "count"},
		{"length word -2", []byte{
			'Z', 0xFF, 0xFF, 0xFF, 0xFE, // length = -2
		}, ErrMalformed, 'Z', ""},
		{"length word 3", []byte{
			'Z', 0x00, 0x00, 0x00, 0x03, // length = 3, below its own size
		}, ErrMalformed, 'Z', ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFrontend(bytes.NewReader(tc.stream), io.Discard)
			msg, err := f.Receive()
			if msg != nil {
				t.Errorf("message %T returned with error", msg)
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) || !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want a *ProtocolError wrapping %v", err, tc.want)
			}
			if pe.Type != tc.typ {
				t.Errorf("Type = %q, want %q", pe.Type, tc.typ)
			}
			if !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("error %q does not mention %q", err, tc.detail)
			}
		})
	}
}

func TestFrontendReceiveEOF(t *testing.T) {
	enc := encodeAll(t, &ReadyForQuery{TxStatus: TxIdle})
	f := NewFrontend(bytes.NewReader(enc[:len(enc)-1]), io.Discard)
	if _, err := f.Receive(); err != io.ErrUnexpectedEOF {
		t.Fatalf("cut message: %v, want io.ErrUnexpectedEOF", err)
	}
	f = NewFrontend(bytes.NewReader(nil), io.Discard)
	if _, err := f.Receive(); err != io.EOF {
		t.Fatalf("empty stream: %v, want io.EOF", err)
	}
	boom := errors.New("boom")
	f = NewFrontend(errReaderFE{boom}, io.Discard)
	if _, err := f.Receive(); err != boom {
		t.Fatalf("failing reader: %v, want %v", err, boom)
	}
}

type errReaderFE struct{ err error }

func (r errReaderFE) Read([]byte) (int, error) { return 0, r.err }

func TestFrontendSetMaxMessageSize(t *testing.T) {
	enc := encodeAll(t, &CommandComplete{CommandTag: []byte("SELECT 12345")})
	f := NewFrontend(bytes.NewReader(enc), io.Discard)
	f.SetMaxMessageSize(8)
	if _, err := f.Receive(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	f = NewFrontend(bytes.NewReader(enc), io.Discard)
	f.SetMaxMessageSize(13) // exactly the body
	if _, err := f.Receive(); err != nil {
		t.Fatal(err)
	}
}

// repeatReader returns data over and over, as an endless stream.
type repeatReader struct {
	data []byte
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.data[r.off:])
		n += c
		r.off = (r.off + c) % len(r.data)
	}
	return n, nil
}

// TestFrontendReceiveDataRowsDoesNotAllocate guards the steady state of a
// result set: once the Values slice has grown, Receive allocates nothing.
func TestFrontendReceiveDataRowsDoesNotAllocate(t *testing.T) {
	rows := encodeAll(t,
		&DataRow{Values: [][]byte{[]byte("1"), []byte("alice"), nil}},
		&DataRow{Values: [][]byte{[]byte("2"), []byte("bob"), []byte("2024-01-01")}},
		&DataRow{Values: [][]byte{[]byte("3"), {}, nil}},
	)
	f := NewFrontend(&repeatReader{data: rows}, io.Discard)
	for range 10 { // warm up
		if _, err := f.Receive(); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(1000, func() {
		msg, err := f.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if len(msg.(*DataRow).Values) != 3 {
			t.Fatalf("got %v", msg)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Receive, want 0", allocs)
	}
}

func TestFrontendSendBatches(t *testing.T) {
	var cw countingWriter
	f := NewFrontend(bytes.NewReader(nil), &cw)
	for _, m := range []FrontendMessage{&Query{SQL: "select 1"}, &CopyData{Data: []byte("x\n")}} {
		if err := f.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Send(&Query{SQL: "bad\x00"}); !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("NUL in query: err = %v, want ErrInvalidValue", err)
	}
	if err := f.Send(&CopyDone{}); err != nil {
		t.Fatal(err)
	}
	if cw.writes != 0 {
		t.Fatalf("%d writes before Flush", cw.writes)
	}
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	if cw.writes != 1 {
		t.Fatalf("%d writes, want 1", cw.writes)
	}
	want := encodeAll(t, &Query{SQL: "select 1"}, &CopyData{Data: []byte("x\n")}, &CopyDone{})
	if !bytes.Equal(cw.buf.Bytes(), want) {
		t.Fatalf("wrote %q, want %q", cw.buf.Bytes(), want)
	}
	if err := f.Flush(); err != nil || cw.writes != 1 {
		t.Fatalf("empty Flush: %v, %d writes", err, cw.writes)
	}
}

func TestFrontendTrace(t *testing.T) {
	server := encodeAll(t,
		&AuthenticationOk{},
		&ParameterStatus{Name: "server_version", Value: "17.2"},
		&BackendKeyData{ProcessID: 77, SecretKey: []byte{1, 2, 3, 4}},
		&ReadyForQuery{TxStatus: TxIdle},
		&RowDescription{Fields: []FieldDescription{{Name: []byte("n"), DataTypeOID: 23, DataTypeSize: 4, TypeModifier: -1}}},
		&DataRow{Values: [][]byte{[]byte("1")}},
		&CommandComplete{CommandTag: []byte("SELECT 1")},
		&ReadyForQuery{TxStatus: TxIdle},
	)
	var out bytes.Buffer
	f := NewFrontend(bytes.NewReader(server), io.Discard)
	f.Trace(NewTracer(&out))
	send := func(m FrontendMessage) {
		t.Helper()
		if err := f.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	receive := func(n int) {
		t.Helper()
		for range n {
			if _, err := f.Receive(); err != nil {
				t.Fatal(err)
			}
		}
	}
	send(&StartupMessage{ProtocolVersion: ProtocolVersion30, Parameters: []StartupParameter{{Name: "user", Value: "bob"}}})
	receive(4)
	send(&Query{SQL: "select 1"})
	receive(4)
	f.Trace(nil)
	send(&Query{SQL: "not traced"})
	want := strings.Join([]string{
		"F\t18\tStartupMessage\t 196608 1 \"user\" \"bob\"",
		"B\t8\tAuthenticationOk",
		"B\t24\tParameterStatus\t \"server_version\" \"17.2\"",
		"B\t12\tBackendKeyData\t 77 (redacted)",
		"B\t5\tReadyForQuery\t I",
		"F\t13\tQuery\t \"select 1\"",
		"B\t26\tRowDescription\t 1 \"n\" 0 0 23 4 -1 0",
		"B\t11\tDataRow\t 1 \"1\"",
		"B\t13\tCommandComplete\t \"SELECT 1\"",
		"B\t5\tReadyForQuery\t I",
	}, "\n") + "\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
}

func TestFrontendReadByte(t *testing.T) {
	t.Run("N then a message", func(t *testing.T) {
		stream := append([]byte{'N'}, encodeAll(t, &ErrorResponse{Fields: []ErrorField{{'M', "no"}}})...)
		f := NewFrontend(bytes.NewReader(stream), io.Discard)
		c, err := f.ReadByte()
		if err != nil || c != 'N' {
			t.Fatalf("ReadByte = %q, %v; want 'N'", c, err)
		}
		msg, err := f.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := msg.(*ErrorResponse); !ok {
			t.Fatalf("got %T, want *ErrorResponse", msg)
		}
	})
	t.Run("S alone", func(t *testing.T) {
		f := NewFrontend(bytes.NewReader([]byte{'S'}), io.Discard)
		if c, err := f.ReadByte(); err != nil || c != 'S' {
			t.Fatalf("ReadByte = %q, %v; want 'S'", c, err)
		}
		if n := f.Buffered(); n != 0 {
			t.Fatalf("Buffered = %d, want 0", n)
		}
	})
	// CVE-2021-23222: bytes that follow 'S' before the TLS handshake were
	// not protected by it; Buffered must reveal them.
	t.Run("S followed by injected bytes", func(t *testing.T) {
		stream := append([]byte{'S'}, encodeAll(t, &AuthenticationOk{})...)
		f := NewFrontend(bytes.NewReader(stream), io.Discard)
		if c, err := f.ReadByte(); err != nil || c != 'S' {
			t.Fatalf("ReadByte = %q, %v; want 'S'", c, err)
		}
		if n := f.Buffered(); n != 9 {
			t.Fatalf("Buffered = %d, want 9", n)
		}
	})
	t.Run("EOF", func(t *testing.T) {
		f := NewFrontend(bytes.NewReader(nil), io.Discard)
		if _, err := f.ReadByte(); err != io.EOF {
			t.Fatalf("err = %v, want io.EOF", err)
		}
	})
}
