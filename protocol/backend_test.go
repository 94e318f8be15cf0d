package protocol

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// authKindFor returns the AuthKind under which a Backend decodes m, for
// messages of type 'p'.
func authKindFor(m Message) AuthKind {
	switch m.(type) {
	case *SASLInitialResponse:
		return AuthSASLInitial
	case *SASLResponse:
		return AuthSASLResponse
	case *GSSResponse:
		return AuthGSS
	}
	return AuthPassword
}

func encodeAll(t testing.TB, msgs ...Message) []byte {
	t.Helper()
	var buf []byte
	for _, m := range msgs {
		var err error
		if buf, err = m.Encode(buf); err != nil {
			t.Fatalf("Encode %T: %v", m, err)
		}
	}
	return buf
}

// equateEmptyLists treats a nil and an empty list as equal, as a message
// decoded into a reused value may hold either for a zero count. A nil []byte
// (NULL) and an empty one stay distinct.
var equateEmptyLists = cmp.Options{
	cmp.FilterValues(func(x, y []int16) bool { return len(x) == 0 && len(y) == 0 }, cmp.Ignore()),
	cmp.FilterValues(func(x, y []uint32) bool { return len(x) == 0 && len(y) == 0 }, cmp.Ignore()),
	cmp.FilterValues(func(x, y [][]byte) bool { return len(x) == 0 && len(y) == 0 }, cmp.Ignore()),
	cmp.FilterValues(func(x, y []StartupParameter) bool { return len(x) == 0 && len(y) == 0 }, cmp.Ignore()),
}

// Every sample reaches a Backend intact, untyped ones through
// ReceiveStartupMessage and typed ones through Receive.
func TestBackendReceivesEverySample(t *testing.T) {
	var stream []byte
	var startup, typed []messageCase
	for _, tc := range frontendSamples {
		if tc.untyped {
			startup = append(startup, tc)
		}
	}
	for _, tc := range startup {
		stream = encodeAll(t, tc.msg)
		b := NewBackend(bytes.NewReader(stream), io.Discard)
		got, err := b.ReceiveStartupMessage()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.msg, got); diff != "" {
			t.Errorf("%s: (-sent +received):\n%s", tc.name, diff)
		}
	}

	stream = nil
	for _, tc := range frontendSamples {
		if !tc.untyped {
			typed = append(typed, tc)
		}
	}
	for _, tc := range typed {
		stream = append(stream, encodeAll(t, tc.msg)...)
	}
	b := NewBackend(iotestOneByteAtATime(bytes.NewReader(stream), 3), io.Discard)
	for _, tc := range typed {
		b.SetAuthType(authKindFor(tc.msg))
		got, err := b.Receive()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.msg, got, equateEmptyLists); diff != "" {
			t.Errorf("%s: (-sent +received):\n%s", tc.name, diff)
		}
	}
	if _, err := b.Receive(); err != io.EOF {
		t.Fatalf("after the last message: %v, want io.EOF", err)
	}
}

func TestBackendStartupDispatch(t *testing.T) {
	startup := &StartupMessage{ProtocolVersion: ProtocolVersion30, Parameters: []StartupParameter{{Name: "user", Value: "alice"}}}
	cancel := &CancelRequest{ProcessID: 77, SecretKey: []byte{9, 8, 7, 6, 5}}
	stream := encodeAll(t, &SSLRequest{}, &GSSENCRequest{}, startup, cancel)
	b := NewBackend(bytes.NewReader(stream), io.Discard)
	for _, want := range []FrontendMessage{&SSLRequest{}, &GSSENCRequest{}, startup, cancel} {
		got, err := b.ReceiveStartupMessage()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
	if _, err := b.ReceiveStartupMessage(); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}

	for _, tc := range []struct {
		name  string
		bytes []byte
		want  error
	}{
		{"unknown request code", []byte{
			0, 0, 0, 9, // length
			0x04, 0xD2, 0x16, 0x31, // 80877105, no such request
			0,
		}, ErrMalformed},
		{"SSLRequest with a body", []byte{
			0, 0, 0, 12, // length
			0x04, 0xD2, 0x16, 0x2F, // 80877103
			0, 0, 0, 0, // unexpected
		}, ErrMalformed},
		{"length 7", []byte{0, 0, 0, 7, 0, 3, 0}, ErrMalformed},
		{"length 10001", []byte{0, 0, 0x27, 0x11, 0, 3, 0, 0}, ErrTooLarge},
		{"TLS ClientHello", []byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01}, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBackend(bytes.NewReader(tc.bytes), io.Discard)
			_, err := b.ReceiveStartupMessage()
			var pe *ProtocolError
			if !errors.As(err, &pe) || !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want a *ProtocolError wrapping %v", err, tc.want)
			}
		})
	}
	t.Run("cut short", func(t *testing.T) {
		b := NewBackend(bytes.NewReader(stream[:6]), io.Discard)
		if _, err := b.ReceiveStartupMessage(); err != io.ErrUnexpectedEOF {
			t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
		}
	})
}

// The same 'p' bytes decode as the message SetAuthType names.
func TestBackendAuthKinds(t *testing.T) {
	body := []byte("SCRAM-SHA-256\x00\x00\x00\x00\x03abc")
	raw := append([]byte{'p', 0, 0, 0, byte(len(body) + 4)}, body...)
	for _, tc := range []struct {
		kind AuthKind
		want FrontendMessage
	}{
		{AuthPassword, nil}, // not a valid password message: bytes follow the NUL
		{AuthSASLInitial, &SASLInitialResponse{Mechanism: "SCRAM-SHA-256", Data: []byte("abc")}},
		{AuthSASLResponse, &SASLResponse{Data: body}},
		{AuthGSS, &GSSResponse{Data: body}},
	} {
		b := NewBackend(bytes.NewReader(raw), io.Discard)
		b.SetAuthType(tc.kind)
		got, err := b.Receive()
		if tc.want == nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Message != "PasswordMessage" || !errors.Is(err, ErrMalformed) {
				t.Errorf("kind %d: err = %v, want a malformed PasswordMessage", tc.kind, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("kind %d: %v", tc.kind, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("kind %d: (-want +got):\n%s", tc.kind, diff)
		}
	}

	// The kind stays in effect until changed; the default is a password.
	stream := encodeAll(t, &PasswordMessage{Password: "pw"}, &SASLInitialResponse{Mechanism: "M", Data: []byte("1")},
		&SASLResponse{Data: []byte("2")}, &SASLResponse{Data: []byte("3")}, &PasswordMessage{Password: "again"})
	b := NewBackend(bytes.NewReader(stream), io.Discard)
	var kinds []string
	for i := 0; ; i++ {
		switch i {
		case 1:
			b.SetAuthType(AuthSASLInitial)
		case 2:
			b.SetAuthType(AuthSASLResponse)
		case 4:
			b.SetAuthType(AuthPassword)
		}
		m, err := b.Receive()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, nameOfMessage(m))
	}
	want := []string{"PasswordMessage", "SASLInitialResponse", "SASLResponse", "SASLResponse", "PasswordMessage"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestBackendReceiveErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		bytes    []byte
		want     error
		wantType byte
	}{
		{"unknown type", []byte{
			'Z', 0, 0, 0, 5, // ReadyForQuery is a server message
			'I',
		}, ErrUnknownMessage, 'Z'},
		{"zero type", []byte{0, 0, 0, 0, 4}, ErrUnknownMessage, 0},
		{"length 3", []byte{'S', 0, 0, 0, 3}, ErrMalformed, 'S'},
		{"negative length", []byte{'Q', 0x80, 0, 0, 0}, ErrMalformed, 'Q'},
		{"malformed body", []byte{
			'D', 0, 0, 0, 7, // Describe
			'Q', 'x', 0, // object type 'Q'
		}, ErrMalformed, 'D'},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBackend(bytes.NewReader(tc.bytes), io.Discard)
			m, err := b.Receive()
			var pe *ProtocolError
			if m != nil || !errors.As(err, &pe) || !errors.Is(err, tc.want) || pe.Type != tc.wantType {
				t.Fatalf("Receive = %v, %v; want a *ProtocolError of type %q wrapping %v", m, err, tc.wantType, tc.want)
			}
		})
	}

	t.Run("size limit", func(t *testing.T) {
		b := NewBackend(bytes.NewReader(encodeAll(t, &Query{SQL: "select 'a long enough query'"})), io.Discard)
		b.SetMaxMessageSize(16)
		if _, err := b.Receive(); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
	t.Run("cut inside a message", func(t *testing.T) {
		enc := encodeAll(t, &Query{SQL: "select 1"})
		b := NewBackend(bytes.NewReader(enc[:len(enc)-1]), io.Discard)
		if _, err := b.Receive(); err != io.ErrUnexpectedEOF {
			t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
		}
	})
	t.Run("reader error passed through", func(t *testing.T) {
		boom := errors.New("boom")
		b := NewBackend(errReader{boom}, io.Discard)
		if _, err := b.Receive(); err != boom {
			t.Fatalf("err = %v, want %v", err, boom)
		}
	})
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// Receive decodes into one value per message type: the message it returns
// is only valid until the next call.
func TestBackendReusesMessages(t *testing.T) {
	stream := encodeAll(t,
		&Bind{Parameters: [][]byte{[]byte("a"), []byte("b"), nil}},
		&Bind{Parameters: [][]byte{[]byte("c")}},
	)
	b := NewBackend(bytes.NewReader(stream), io.Discard)
	first, err := b.Receive()
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.Receive()
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Errorf("two Binds decoded into different values")
	}
	if diff := cmp.Diff(&Bind{Parameters: [][]byte{[]byte("c")}}, second); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestBackendSendBatches(t *testing.T) {
	var cw countingWriter
	b := NewBackend(bytes.NewReader(nil), &cw)
	for _, m := range []BackendMessage{
		&DataRow{Values: [][]byte{[]byte("1"), nil}},
		&CopyDone{},
		&CopyData{Data: []byte("x")},
	} {
		if err := b.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.SendRaw([]byte{'N'}); err != nil {
		t.Fatal(err)
	}
	// A message that cannot be encoded leaves the batch as it was.
	if err := b.Send(&DataRow{Values: make([][]byte, 1<<16)}); !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("oversized DataRow: err = %v, want ErrInvalidValue", err)
	}
	if err := b.Send(&ReadyForQuery{TxStatus: TxIdle}); err != nil {
		t.Fatal(err)
	}
	if cw.writes != 0 {
		t.Fatalf("%d writes before Flush", cw.writes)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil { // nothing pending: no write
		t.Fatal(err)
	}
	if cw.writes != 1 {
		t.Fatalf("%d writes, want 1", cw.writes)
	}
	want := []byte{
		'D', 0, 0, 0, 15, // DataRow
		0, 2, // 2 columns
		0, 0, 0, 1, '1', // "1"
		0xFF, 0xFF, 0xFF, 0xFF, // NULL
		'c', 0, 0, 0, 4, // CopyDone
		'd', 0, 0, 0, 5, 'x', // CopyData
		'N',                  // raw
		'Z', 0, 0, 0, 5, 'I', // ReadyForQuery
	}
	if !bytes.Equal(cw.buf.Bytes(), want) {
		t.Fatalf("wrote % x\nwant  % x", cw.buf.Bytes(), want)
	}
}

// A fake server and a client over net.Pipe: the client's messages arrive
// in order and the server's batch arrives whole.
func TestBackendOverPipe(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	deadline := time.Now().Add(10 * time.Second)
	client.SetDeadline(deadline)
	server.SetDeadline(deadline)

	done := make(chan error, 1)
	go func() {
		defer server.Close()
		done <- func() error {
			b := NewBackend(server, server)
			m, err := b.ReceiveStartupMessage()
			if err != nil {
				return err
			}
			if _, ok := m.(*SSLRequest); !ok {
				return errors.New("first message is not an SSLRequest")
			}
			b.SendRaw([]byte{'N'})
			if err := b.Flush(); err != nil {
				return err
			}
			if m, err = b.ReceiveStartupMessage(); err != nil {
				return err
			}
			if sm, ok := m.(*StartupMessage); !ok || len(sm.Parameters) != 1 || sm.Parameters[0].Value != "alice" {
				return errors.New("unexpected startup message")
			}
			b.Send(&ReadyForQuery{TxStatus: TxIdle})
			if err := b.Flush(); err != nil {
				return err
			}
			for {
				m, err := b.Receive()
				if err != nil {
					return err
				}
				switch m := m.(type) {
				case *Query:
					b.Send(&DataRow{Values: [][]byte{[]byte(m.SQL)}})
					b.Send(&ReadyForQuery{TxStatus: TxIdle})
					if err := b.Flush(); err != nil {
						return err
					}
				case *Terminate:
					return nil
				}
			}
		}()
	}()

	write := func(m Message) {
		t.Helper()
		enc, err := m.Encode(nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.Write(enc); err != nil {
			t.Fatal(err)
		}
	}
	write(&SSLRequest{})
	var one [1]byte
	if _, err := io.ReadFull(client, one[:]); err != nil || one[0] != 'N' {
		t.Fatalf("SSL answer %q, %v", one[:], err)
	}
	write(&StartupMessage{ProtocolVersion: ProtocolVersion30, Parameters: []StartupParameter{{Name: "user", Value: "alice"}}})
	r := NewReader(client)
	if typ, body, err := r.Next(); err != nil || typ != 'Z' || string(body) != "I" {
		t.Fatalf("after startup: %q %q %v", typ, body, err)
	}
	write(&Query{SQL: "select 1"})
	var got DataRow
	if typ, body, err := r.Next(); err != nil || typ != 'D' || got.Decode(body) != nil || string(got.Values[0]) != "select 1" {
		t.Fatalf("row: %q %q %v", typ, body, err)
	}
	if typ, _, err := r.Next(); err != nil || typ != 'Z' {
		t.Fatalf("after query: %q %v", typ, err)
	}
	write(&Terminate{})
	if err := <-done; err != nil {
		t.Fatalf("server: %v", err)
	}
}

func TestBackendTrace(t *testing.T) {
	stream := encodeAll(t,
		&StartupMessage{ProtocolVersion: ProtocolVersion30, Parameters: []StartupParameter{{Name: "user", Value: "bob"}}},
	)
	typed := encodeAll(t,
		&PasswordMessage{Password: "hunter2"},
		&Parse{Name: "s", Query: "select $1", ParameterOIDs: []uint32{23}},
		&Bind{Statement: "s", ParameterFormats: []int16{1}, Parameters: [][]byte{nil}},
		&Describe{ObjectType: ObjectPortal},
		&Execute{MaxRows: 10},
		&Sync{},
	)
	var out strings.Builder
	b := NewBackend(bytes.NewReader(append(stream, typed...)), io.Discard)
	b.Trace(NewTracer(&out))
	if _, err := b.ReceiveStartupMessage(); err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := b.Receive(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []BackendMessage{&CopyDone{}, &DataRow{Values: [][]byte{[]byte("7"), nil}}, &ReadyForQuery{TxStatus: TxIdle}} {
		if err := b.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	b.SendRaw([]byte("N")) // not traced
	b.Trace(nil)
	b.Send(&ReadyForQuery{TxStatus: TxFailed}) // not traced

	want := strings.Join([]string{
		"F\t18\tStartupMessage\t 196608 1 \"user\" \"bob\"",
		"F\t12\tPasswordMessage\t (redacted)",
		"F\t22\tParse\t \"s\" \"select $1\" 1 23",
		"F\t19\tBind\t \"\" \"s\" 1 1 1 NULL 0",
		"F\t6\tDescribe\t P \"\"",
		"F\t9\tExecute\t \"\" 10",
		"F\t4\tSync",
		"B\t4\tCopyDone",
		"B\t15\tDataRow\t 2 \"7\" NULL",
		"B\t5\tReadyForQuery\t I",
	}, "\n") + "\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
}
