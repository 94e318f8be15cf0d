package protocol

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// backendSamples holds several values of every message a server sends. They
// seed FuzzFrontendReceive and the Frontend tests as well.
//
// Samples use nil for an empty list (Decode leaves a fresh message's nil
// slice nil) and []byte{} for an empty string held as bytes (a decoded
// empty C string is a non-nil empty slice). FunctionCallResponse and
// DataRow keep nil (NULL) and []byte{} (empty value) apart on the wire.
var backendSamples = []messageCase{
	// Authentication.
	{name: "AuthenticationOk", msg: &AuthenticationOk{}, fresh: func() Message { return &AuthenticationOk{} }},
	{name: "AuthenticationKerberosV5", msg: &AuthenticationKerberosV5{}, fresh: func() Message { return &AuthenticationKerberosV5{} }},
	{name: "AuthenticationCleartextPassword", msg: &AuthenticationCleartextPassword{},
		fresh: func() Message { return &AuthenticationCleartextPassword{} }},
	{name: "AuthenticationMD5Password", msg: &AuthenticationMD5Password{Salt: [4]byte{0x9a, 0x00, 0x7f, 0xff}},
		fresh: func() Message { return &AuthenticationMD5Password{} }},
	{name: "AuthenticationMD5Password/zero salt", msg: &AuthenticationMD5Password{},
		fresh: func() Message { return &AuthenticationMD5Password{} }},
	{name: "AuthenticationSCMCredential", msg: &AuthenticationSCMCredential{},
		fresh: func() Message { return &AuthenticationSCMCredential{} }},
	{name: "AuthenticationGSS", msg: &AuthenticationGSS{}, fresh: func() Message { return &AuthenticationGSS{} }},
	{name: "AuthenticationGSSContinue", msg: &AuthenticationGSSContinue{Data: []byte{0x60, 0x82, 0x00, 0x00, 0x06}},
		fresh: func() Message { return &AuthenticationGSSContinue{} }, bodyPrefixOK: true},
	{name: "AuthenticationGSSContinue/empty", msg: &AuthenticationGSSContinue{Data: []byte{}},
		fresh: func() Message { return &AuthenticationGSSContinue{} }, bodyPrefixOK: true},
	{name: "AuthenticationSSPI", msg: &AuthenticationSSPI{}, fresh: func() Message { return &AuthenticationSSPI{} }},
	{name: "AuthenticationSASL", msg: &AuthenticationSASL{Mechanisms: []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}},
		fresh: func() Message { return &AuthenticationSASL{} }},
	{name: "AuthenticationSASL/one", msg: &AuthenticationSASL{Mechanisms: []string{"SCRAM-SHA-256"}},
		fresh: func() Message { return &AuthenticationSASL{} }},
	{name: "AuthenticationSASL/none", msg: &AuthenticationSASL{Mechanisms: nil},
		fresh: func() Message { return &AuthenticationSASL{} }},
	{name: "AuthenticationSASLContinue",
		msg:   &AuthenticationSASLContinue{Data: []byte("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")},
		fresh: func() Message { return &AuthenticationSASLContinue{} }, bodyPrefixOK: true},
	{name: "AuthenticationSASLContinue/empty", msg: &AuthenticationSASLContinue{Data: []byte{}},
		fresh: func() Message { return &AuthenticationSASLContinue{} }, bodyPrefixOK: true},
	{name: "AuthenticationSASLFinal", msg: &AuthenticationSASLFinal{Data: []byte("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")},
		fresh: func() Message { return &AuthenticationSASLFinal{} }, bodyPrefixOK: true},

	// Startup.
	// The secret key runs to the end of the body, so a prefix or an
	// extension of a body of the right size is itself a valid body.
	{name: "BackendKeyData/3.0", msg: &BackendKeyData{ProcessID: 4242, SecretKey: []byte{0xde, 0xad, 0xbe, 0xef}},
		fresh: func() Message { return &BackendKeyData{} }, bodyPrefixOK: true},
	{name: "BackendKeyData/32 bytes", msg: &BackendKeyData{ProcessID: 1 << 31, SecretKey: bytes.Repeat([]byte{0xa5}, 32)},
		fresh: func() Message { return &BackendKeyData{} }, bodyPrefixOK: true},
	{name: "BackendKeyData/256 bytes", msg: &BackendKeyData{ProcessID: 7, SecretKey: bytes.Repeat([]byte{0x01}, 256)},
		fresh: func() Message { return &BackendKeyData{} }, bodyPrefixOK: true},
	{name: "ParameterStatus", msg: &ParameterStatus{Name: "server_version", Value: "17.2"},
		fresh: func() Message { return &ParameterStatus{} }},
	{name: "ParameterStatus/empty value", msg: &ParameterStatus{Name: "application_name", Value: ""},
		fresh: func() Message { return &ParameterStatus{} }},
	{name: "NegotiateProtocolVersion", msg: &NegotiateProtocolVersion{NewestMinorProtocol: 0,
		UnrecognizedOptions: []string{"_pq_.compression", "_pq_.x"}},
		fresh: func() Message { return &NegotiateProtocolVersion{} }},
	{name: "NegotiateProtocolVersion/no options", msg: &NegotiateProtocolVersion{NewestMinorProtocol: 2},
		fresh: func() Message { return &NegotiateProtocolVersion{} }},
	{name: "NegotiateProtocolVersion/empty option", msg: &NegotiateProtocolVersion{UnrecognizedOptions: []string{""}},
		fresh: func() Message { return &NegotiateProtocolVersion{} }},
	{name: "ReadyForQuery/T", msg: &ReadyForQuery{TxStatus: TxActive}, fresh: func() Message { return &ReadyForQuery{} }},
	{name: "ReadyForQuery/I", msg: &ReadyForQuery{TxStatus: TxIdle}, fresh: func() Message { return &ReadyForQuery{} }},

	// Query results.
	{name: "RowDescription", msg: &RowDescription{Fields: []FieldDescription{
		{Name: []byte("id"), TableOID: 16384, TableAttributeNumber: 1, DataTypeOID: 23, DataTypeSize: 4, TypeModifier: -1, Format: 1},
		{Name: []byte("name"), TableOID: 16384, TableAttributeNumber: 2, DataTypeOID: 1043, DataTypeSize: -1, TypeModifier: 68},
	}}, fresh: func() Message { return &RowDescription{} }},
	{name: "RowDescription/unnamed expression", msg: &RowDescription{Fields: []FieldDescription{
		{Name: []byte{}, DataTypeOID: 25, DataTypeSize: -1, TypeModifier: -1},
	}}, fresh: func() Message { return &RowDescription{} }},
	{name: "RowDescription/none", msg: &RowDescription{}, fresh: func() Message { return &RowDescription{} }},
	{name: "DataRow", msg: &DataRow{Values: [][]byte{[]byte("1"), nil, {}}}, fresh: func() Message { return &DataRow{} }},
	{name: "DataRow/none", msg: &DataRow{}, fresh: func() Message { return &DataRow{} }},
	{name: "CommandComplete", msg: &CommandComplete{CommandTag: []byte("SELECT 1")}, fresh: func() Message { return &CommandComplete{} }},
	{name: "CommandComplete/insert", msg: &CommandComplete{CommandTag: []byte("INSERT 0 3")},
		fresh: func() Message { return &CommandComplete{} }},
	{name: "CommandComplete/empty tag", msg: &CommandComplete{CommandTag: []byte{}}, fresh: func() Message { return &CommandComplete{} }},
	{name: "EmptyQueryResponse", msg: &EmptyQueryResponse{}, fresh: func() Message { return &EmptyQueryResponse{} }},

	// Errors and notices.
	{name: "ErrorResponse", msg: &ErrorResponse{Fields: []ErrorField{
		{Code: 'S', Value: "ERROR"},
		{Code: 'V', Value: "ERROR"},
		{Code: 'C', Value: "42P01"},
		{Code: 'M', Value: `relation "nope" does not exist`},
		{Code: 'P', Value: "15"},
		{Code: 'F', Value: "parse_relation.c"},
		{Code: 'L', Value: "1449"},
		{Code: 'R', Value: "parserOpenTable"},
	}}, fresh: func() Message { return &ErrorResponse{} }},
	{name: "ErrorResponse/unknown field kept", msg: &ErrorResponse{Fields: []ErrorField{
		{Code: 'S', Value: "FATAL"},
		{Code: 'z', Value: "from a future server"},
		{Code: 0xff, Value: ""},
	}}, fresh: func() Message { return &ErrorResponse{} }},
	{name: "ErrorResponse/no fields", msg: &ErrorResponse{}, fresh: func() Message { return &ErrorResponse{} }},
	{name: "NoticeResponse", msg: &NoticeResponse{Fields: []ErrorField{
		{Code: 'S', Value: "NOTICE"},
		{Code: 'C', Value: "00000"},
		{Code: 'M', Value: "table \"t\" does not exist, skipping"},
	}}, fresh: func() Message { return &NoticeResponse{} }},
	{name: "NoticeResponse/no fields", msg: &NoticeResponse{}, fresh: func() Message { return &NoticeResponse{} }},
	{name: "NotificationResponse", msg: &NotificationResponse{ProcessID: 31337, Channel: "jobs", Payload: `{"id":7}`},
		fresh: func() Message { return &NotificationResponse{} }},
	{name: "NotificationResponse/no payload", msg: &NotificationResponse{ProcessID: 1, Channel: "ping"},
		fresh: func() Message { return &NotificationResponse{} }},

	// Extended query.
	{name: "ParseComplete", msg: &ParseComplete{}, fresh: func() Message { return &ParseComplete{} }},
	{name: "BindComplete", msg: &BindComplete{}, fresh: func() Message { return &BindComplete{} }},
	{name: "CloseComplete", msg: &CloseComplete{}, fresh: func() Message { return &CloseComplete{} }},
	{name: "NoData", msg: &NoData{}, fresh: func() Message { return &NoData{} }},
	{name: "PortalSuspended", msg: &PortalSuspended{}, fresh: func() Message { return &PortalSuspended{} }},
	{name: "ParameterDescription", msg: &ParameterDescription{ParameterOIDs: []uint32{23, 25, 0xFFFFFFFF}},
		fresh: func() Message { return &ParameterDescription{} }},
	{name: "ParameterDescription/none", msg: &ParameterDescription{}, fresh: func() Message { return &ParameterDescription{} }},

	// COPY.
	{name: "CopyInResponse", msg: &CopyInResponse{OverallFormat: 0, ColumnFormats: []int16{0, 0, 0}},
		fresh: func() Message { return &CopyInResponse{} }},
	{name: "CopyInResponse/binary", msg: &CopyInResponse{OverallFormat: 1, ColumnFormats: []int16{1, 1}},
		fresh: func() Message { return &CopyInResponse{} }},
	{name: "CopyOutResponse", msg: &CopyOutResponse{OverallFormat: 0, ColumnFormats: []int16{0}},
		fresh: func() Message { return &CopyOutResponse{} }},
	{name: "CopyOutResponse/no columns", msg: &CopyOutResponse{}, fresh: func() Message { return &CopyOutResponse{} }},
	{name: "CopyBothResponse", msg: &CopyBothResponse{OverallFormat: 1, ColumnFormats: []int16{1, 0}},
		fresh: func() Message { return &CopyBothResponse{} }},
	{name: "CopyBothResponse/no columns", msg: &CopyBothResponse{}, fresh: func() Message { return &CopyBothResponse{} }},
	{name: "CopyData", msg: &CopyData{Data: []byte("1\tone\n")}, fresh: func() Message { return &CopyData{} }, bodyPrefixOK: true},
	{name: "CopyDone", msg: &CopyDone{}, fresh: func() Message { return &CopyDone{} }},

	// Function call.
	{name: "FunctionCallResponse", msg: &FunctionCallResponse{Result: []byte("42")},
		fresh: func() Message { return &FunctionCallResponse{} }},
	{name: "FunctionCallResponse/NULL", msg: &FunctionCallResponse{Result: nil},
		fresh: func() Message { return &FunctionCallResponse{} }},
	{name: "FunctionCallResponse/empty", msg: &FunctionCallResponse{Result: []byte{}},
		fresh: func() Message { return &FunctionCallResponse{} }},
}

func TestBackendMessageRoundTrip(t *testing.T) {
	for _, tc := range backendSamples {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := tc.msg.(BackendMessage); !ok {
				t.Fatalf("%T is not a BackendMessage", tc.msg)
			}
			checkMessage(t, tc)
		})
	}
}

// TestBackendSamplesCoverEveryMessage guards against a backend message type
// without a sample: every message type a Frontend keeps must have one.
func TestBackendSamplesCoverEveryMessage(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range backendSamples {
		seen[reflect.TypeOf(tc.msg).Elem().Name()] = true
	}
	ft := reflect.TypeFor[Frontend]()
	n := 0
	for i := range ft.NumField() {
		typ := ft.Field(i).Type
		if typ.Kind() != reflect.Struct || !reflect.PointerTo(typ).Implements(reflect.TypeFor[BackendMessage]()) {
			continue
		}
		n++
		if !seen[typ.Name()] {
			t.Errorf("no sample of %s", typ.Name())
		}
	}
	if n != 34 {
		t.Errorf("Frontend keeps %d backend message types, want 34", n)
	}
}

func TestBackendMessageDecodeRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  Message
		body []byte
	}{
		{"AuthenticationOk with the cleartext code", &AuthenticationOk{}, []byte{
			0x00, 0x00, 0x00, 0x03, // authentication code = 3 (cleartext password)
		}},
		{"AuthenticationOk with a negative code", &AuthenticationOk{}, []byte{
			0xFF, 0xFF, 0xFF, 0xFF, // authentication code = -1
		}},
		{"AuthenticationSASL with the SASLContinue code", &AuthenticationSASL{}, []byte{
			0x00, 0x00, 0x00, 0x0B, // authentication code = 11 (SASLContinue)
			0x00, // end of list
		}},
		{"AuthenticationOk with a short code", &AuthenticationOk{}, []byte{
			0x00, 0x00, 0x00, // authentication code cut short
		}},
		{"AuthenticationMD5Password with a short salt", &AuthenticationMD5Password{}, []byte{
			0x00, 0x00, 0x00, 0x05, // authentication code = 5
			0x01, 0x02, 0x03, // salt: 3 of 4 bytes
		}},
		{"AuthenticationSASL without the list terminator", &AuthenticationSASL{}, []byte{
			0x00, 0x00, 0x00, 0x0A, // authentication code = 10
			'S', 'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-', '2', '5', '6', 0x00, // mechanism
		}},
		{"AuthenticationSASL with a name cut short", &AuthenticationSASL{}, []byte{
			0x00, 0x00, 0x00, 0x0A, // authentication code = 10
			'S', 'C', 'R', 'A', 'M', // mechanism without NUL
		}},
		{"AuthenticationSASL with bytes after the terminator", &AuthenticationSASL{}, []byte{
			0x00, 0x00, 0x00, 0x0A, // authentication code = 10
			0x00,      // end of list
			'X', 0x00, // trailing
		}},
		{"BackendKeyData with a 3-byte key", &BackendKeyData{}, []byte{
			0x00, 0x00, 0x10, 0x92, // process ID = 4242
			0x01, 0x02, 0x03, // secret key: 3 bytes, below 4
		}},
		{"BackendKeyData with a 257-byte key", &BackendKeyData{}, append([]byte{
			0x00, 0x00, 0x10, 0x92, // process ID = 4242
		}, bytes.Repeat([]byte{0x01}, 257)...)}, // secret key: 257 bytes, above 256
		{"ParameterStatus without the value", &ParameterStatus{}, []byte{
			'T', 'i', 'm', 'e', 'Z', 'o', 'n', 'e', 0x00, // name
		}},
		{"RowDescription field count larger than body", &RowDescription{}, []byte{
			0x00, 0x02, // field count = 2, needs >= 38 bytes
			'a', 0x00, // name
			0x00, 0x00, 0x00, 0x00, // table OID
			0x00, 0x00, // attribute number
			0x00, 0x00, 0x00, 0x17, // data type OID = 23
			0x00, 0x04, // data type size = 4
			0xFF, 0xFF, 0xFF, 0xFF, // type modifier = -1
			0x00, 0x00, // format = text
		}},
		{"RowDescription negative field count", &RowDescription{}, []byte{
			0xFF, 0xFF, // field count = -1
		}},
		{"RowDescription maximal field count", &RowDescription{}, []byte{
			0x7F, 0xFF, // field count = 32767, needs >= 622573 bytes
			0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		}},
		{"RowDescription format 2", &RowDescription{}, []byte{
			0x00, 0x01, // field count = 1
			'a', 0x00, // name
			0x00, 0x00, 0x00, 0x00, // table OID
			0x00, 0x00, // attribute number
			0x00, 0x00, 0x00, 0x17, // data type OID = 23
			0x00, 0x04, // data type size = 4
			0xFF, 0xFF, 0xFF, 0xFF, // type modifier = -1
			0x00, 0x02, // format = 2
		}},
		{"CommandComplete without NUL", &CommandComplete{}, []byte{
			'S', 'E', 'L', 'E', 'C', 'T', // tag without NUL
		}},
		{"EmptyQueryResponse with a body", &EmptyQueryResponse{}, []byte{
			0x00, // unexpected byte
		}},
		{"ParseComplete with a body", &ParseComplete{}, []byte{0x00}},
		{"BindComplete with a body", &BindComplete{}, []byte{0x00}},
		{"CloseComplete with a body", &CloseComplete{}, []byte{0x00}},
		{"NoData with a body", &NoData{}, []byte{0x00}},
		{"PortalSuspended with a body", &PortalSuspended{}, []byte{0x00}},
		{"ErrorResponse without the list terminator", &ErrorResponse{}, []byte{
			'S', 'E', 'R', 'R', 'O', 'R', 0x00, // severity
		}},
		{"ErrorResponse with a value cut short", &ErrorResponse{}, []byte{
			'M', 'o', 'o', 'p', 's', // message without NUL
		}},
		{"ErrorResponse empty body", &ErrorResponse{}, []byte{}},
		{"NoticeResponse with bytes after the terminator", &NoticeResponse{}, []byte{
			'S', 'N', 'O', 'T', 'I', 'C', 'E', 0x00, // severity
			0x00, // end of list
			0x00, // trailing
		}},
		{"NotificationResponse without the payload", &NotificationResponse{}, []byte{
			0x00, 0x00, 0x00, 0x01, // process ID = 1
			'c', 0x00, // channel
		}},
		{"ParameterDescription count larger than body", &ParameterDescription{}, []byte{
			0x00, 0x03, // parameter count = 3, needs 12 bytes
			0x00, 0x00, 0x00, 0x17, // OID 23
			0x00, 0x00, 0x00, 0x19, // OID 25
		}},
		{"ParameterDescription maximal count", &ParameterDescription{}, []byte{
			0xFF, 0xFF, // parameter count = 65535, needs 262140 bytes
			0x00, 0x00, 0x00, 0x17, // OID 23
		}},
		{"ParameterDescription count smaller than body", &ParameterDescription{}, []byte{
			0x00, 0x01, // parameter count = 1
			0x00, 0x00, 0x00, 0x17, // OID 23
			0x00, 0x00, 0x00, 0x19, // OID 25, not announced
		}},
		{"CopyInResponse overall format 2", &CopyInResponse{}, []byte{
			0x02,       // overall format = 2
			0x00, 0x00, // column count = 0
		}},
		{"CopyOutResponse column format -1", &CopyOutResponse{}, []byte{
			0x00,       // overall format = text
			0x00, 0x01, // column count = 1
			0xFF, 0xFF, // column format = -1
		}},
		{"CopyBothResponse column count larger than body", &CopyBothResponse{}, []byte{
			0x00,       // overall format = text
			0x7F, 0xFF, // column count = 32767, needs 65534 bytes
			0x00, 0x00, // column format = text
		}},
		{"CopyBothResponse column count with high bit set larger than body", &CopyBothResponse{}, []byte{
			0x00,       // overall format = text
			0x80, 0x00, // column count = 32768 (unsigned), needs 65536 bytes
		}},
		{"NegotiateProtocolVersion negative option count", &NegotiateProtocolVersion{}, []byte{
			0x00, 0x00, 0x00, 0x00, // newest minor version = 0
			0xFF, 0xFF, 0xFF, 0xFE, // option count = -2
		}},
		{"NegotiateProtocolVersion option count larger than body", &NegotiateProtocolVersion{}, []byte{
			0x00, 0x00, 0x00, 0x00, // newest minor version = 0
			0x7F, 0xFF, 0xFF, 0xFF, // option count = 2147483647
			'a', 0x00, // option
		}},
		{"NegotiateProtocolVersion fewer options than counted", &NegotiateProtocolVersion{}, []byte{
			0x00, 0x00, 0x00, 0x00, // newest minor version = 0
			0x00, 0x00, 0x00, 0x02, // option count = 2
			'a', 0x00, // option
			'b', 0x00, // option
			'c', 0x00, // one more, not counted
		}},
		{"FunctionCallResponse length -2", &FunctionCallResponse{}, []byte{
			0xFF, 0xFF, 0xFF, 0xFE, // length = -2
		}},
		{"FunctionCallResponse longer than body", &FunctionCallResponse{}, []byte{
			0x00, 0x00, 0x00, 0x08, // length = 8
			'4', '2',
		}},
		{"ReadyForQuery bad transaction status", &ReadyForQuery{}, []byte{
			'X', // transaction status
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.msg.Decode(tc.body)
			var pe *ProtocolError
			if !errors.As(err, &pe) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want an ErrMalformed *ProtocolError", err)
			}
			if pe.Message == "" {
				t.Errorf("error %v does not name the message", err)
			}
		})
	}
}

// TestBackendMessageDecodeReuse checks that the slices a message reuses are
// reset, not appended to, and are emptied when a later Decode fails.
func TestBackendMessageDecodeReuse(t *testing.T) {
	var m ErrorResponse
	big, _ := (&ErrorResponse{Fields: []ErrorField{{'S', "ERROR"}, {'C', "XX000"}, {'M', "a"}}}).Encode(nil)
	small, _ := (&ErrorResponse{Fields: []ErrorField{{'M', "b"}}}).Encode(nil)
	if err := m.Decode(big[5:]); err != nil {
		t.Fatal(err)
	}
	if err := m.Decode(small[5:]); err != nil {
		t.Fatal(err)
	}
	if len(m.Fields) != 1 || m.Fields[0] != (ErrorField{'M', "b"}) {
		t.Fatalf("fields after reuse = %v", m.Fields)
	}
	if err := m.Decode([]byte{'M'}); err == nil {
		t.Fatal("truncated body accepted")
	}
	if len(m.Fields) != 0 {
		t.Fatalf("fields after a failed Decode = %v", m.Fields)
	}

	var rd RowDescription
	two, _ := backendSamples[indexOfSample(t, "RowDescription")].msg.Encode(nil)
	if err := rd.Decode(two[5:]); err != nil {
		t.Fatal(err)
	}
	if err := rd.Decode([]byte{0x00, 0x01}); err == nil {
		t.Fatal("truncated RowDescription accepted")
	}
	if len(rd.Fields) != 0 {
		t.Fatalf("fields after a failed Decode = %v", rd.Fields)
	}
}

func indexOfSample(t testing.TB, name string) int {
	t.Helper()
	for i, tc := range backendSamples {
		if tc.name == name {
			return i
		}
	}
	t.Fatalf("no sample %q", name)
	return -1
}

// TestParameterDescriptionUnsignedCount guards the reading of the parameter
// count as unsigned: the server allows up to 65535 parameters and writes
// the count with the high bit set above 32767.
func TestParameterDescriptionUnsignedCount(t *testing.T) {
	oids := make([]uint32, 40000)
	for i := range oids {
		oids[i] = uint32(i)
	}
	enc, err := (&ParameterDescription{ParameterOIDs: oids}).Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	if enc[5] != 0x9C || enc[6] != 0x40 { // 40000
		t.Fatalf("count word %x, want 9c40", enc[5:7])
	}
	var m ParameterDescription
	if err := m.Decode(enc[5:]); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(oids, m.ParameterOIDs); diff != "" {
		t.Errorf("OIDs (-sent +decoded):\n%s", diff)
	}
}

func TestBackendMessageEncodeRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  Message
	}{
		{"BackendKeyData with a 3-byte key", &BackendKeyData{SecretKey: []byte{1, 2, 3}}},
		{"BackendKeyData with no key", &BackendKeyData{}},
		{"BackendKeyData with a 257-byte key", &BackendKeyData{SecretKey: make([]byte, 257)}},
		{"AuthenticationSASL with an empty mechanism", &AuthenticationSASL{Mechanisms: []string{"SCRAM-SHA-256", ""}}},
		{"AuthenticationSASL with a NUL", &AuthenticationSASL{Mechanisms: []string{"SCRAM\x00"}}},
		{"ParameterStatus with a NUL in the name", &ParameterStatus{Name: "a\x00b"}},
		{"ParameterStatus with a NUL in the value", &ParameterStatus{Name: "a", Value: "\x00"}},
		{"RowDescription with a NUL in a name", &RowDescription{Fields: []FieldDescription{{Name: []byte("a\x00")}}}},
		{"RowDescription with format 2", &RowDescription{Fields: []FieldDescription{{Name: []byte("a"), Format: 2}}}},
		{"RowDescription with 65536 fields", &RowDescription{Fields: make([]FieldDescription, 65536)}},
		{"CommandComplete with a NUL", &CommandComplete{CommandTag: []byte("SELECT\x001")}},
		{"ErrorResponse with code 0", &ErrorResponse{Fields: []ErrorField{{'S', "ERROR"}, {0, "x"}}}},
		{"ErrorResponse with a NUL in a value", &ErrorResponse{Fields: []ErrorField{{'M', "a\x00"}}}},
		{"NoticeResponse with code 0", &NoticeResponse{Fields: []ErrorField{{0, "x"}}}},
		{"NotificationResponse with a NUL in the channel", &NotificationResponse{Channel: "a\x00"}},
		{"NotificationResponse with a NUL in the payload", &NotificationResponse{Channel: "a", Payload: "\x00"}},
		{"ParameterDescription with 65536 parameters", &ParameterDescription{ParameterOIDs: make([]uint32, 65536)}},
		{"CopyInResponse overall format 2", &CopyInResponse{OverallFormat: 2}},
		{"CopyOutResponse column format 2", &CopyOutResponse{ColumnFormats: []int16{0, 2}}},
		{"CopyBothResponse with 65536 columns", &CopyBothResponse{ColumnFormats: make([]int16, 65536)}},
		{"NegotiateProtocolVersion with a NUL", &NegotiateProtocolVersion{UnrecognizedOptions: []string{"_pq_.\x00"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.msg.Encode([]byte("keep"))
			if !errors.Is(err, ErrInvalidValue) {
				t.Fatalf("err = %v, want ErrInvalidValue", err)
			}
			if string(out) != "keep" {
				t.Fatalf("buffer after refused encode = %q, want %q", out, "keep")
			}
		})
	}
}
