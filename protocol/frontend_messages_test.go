package protocol

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// frontendSamples holds several values of every frontend message. The
// decoded form of each must equal the sample, so slices that decode as nil
// (no parameters, NULL values) are nil here and empty non-NULL values are
// non-nil empty slices.
var frontendSamples = []messageCase{
	{name: "StartupMessage", msg: &StartupMessage{ProtocolVersion: ProtocolVersion30, Parameters: []StartupParameter{
		{Name: "user", Value: "bob"}, {Name: "database", Value: "app"}, {Name: "application_name", Value: ""},
	}}, fresh: func() Message { return &StartupMessage{} }, untyped: true},
	{name: "StartupMessage/no parameters", msg: &StartupMessage{ProtocolVersion: ProtocolVersion30},
		fresh: func() Message { return &StartupMessage{} }, untyped: true},
	{name: "StartupMessage/3.2", msg: &StartupMessage{ProtocolVersion: 3<<16 | 2, Parameters: []StartupParameter{
		{Name: "user", Value: "ünïcödé"}, {Name: "options", Value: "-c search_path=a,b"}, {Name: "_pq_.x", Value: "y"},
	}}, fresh: func() Message { return &StartupMessage{} }, untyped: true},

	{name: "SSLRequest", msg: &SSLRequest{}, fresh: func() Message { return &SSLRequest{} }, untyped: true},
	{name: "GSSENCRequest", msg: &GSSENCRequest{}, fresh: func() Message { return &GSSENCRequest{} }, untyped: true},

	// The secret key runs to the end of the body and may be 4 to 256
	// bytes long, so some prefixes and extensions of a valid body are
	// valid too; TestCancelRequestKeyBounds covers the limits.
	{name: "CancelRequest/3.0", msg: &CancelRequest{ProcessID: 4242, SecretKey: []byte{1, 2, 3, 4}},
		fresh: func() Message { return &CancelRequest{} }, untyped: true, bodyPrefixOK: true},
	{name: "CancelRequest/32-byte key", msg: &CancelRequest{ProcessID: math.MaxUint32, SecretKey: bytes.Repeat([]byte{0xA5}, 32)},
		fresh: func() Message { return &CancelRequest{} }, untyped: true, bodyPrefixOK: true},
	{name: "CancelRequest/256-byte key", msg: &CancelRequest{ProcessID: 1, SecretKey: bytes.Repeat([]byte{0}, 256)},
		fresh: func() Message { return &CancelRequest{} }, untyped: true, bodyPrefixOK: true},

	{name: "PasswordMessage", msg: &PasswordMessage{Password: "secret"}, fresh: func() Message { return &PasswordMessage{} }},
	{name: "PasswordMessage/empty", msg: &PasswordMessage{Password: ""}, fresh: func() Message { return &PasswordMessage{} }},
	{name: "PasswordMessage/md5", msg: &PasswordMessage{Password: "md5" + strings.Repeat("0123456789abcdef", 2)},
		fresh: func() Message { return &PasswordMessage{} }},

	{name: "SASLInitialResponse", msg: &SASLInitialResponse{Mechanism: "SCRAM-SHA-256", Data: []byte("n,,n=,r=rOprNGfwEbeRWgbNEkqO")},
		fresh: func() Message { return &SASLInitialResponse{} }},
	{name: "SASLInitialResponse/NULL data", msg: &SASLInitialResponse{Mechanism: "SCRAM-SHA-256-PLUS", Data: nil},
		fresh: func() Message { return &SASLInitialResponse{} }},
	{name: "SASLInitialResponse/empty data", msg: &SASLInitialResponse{Mechanism: "X", Data: []byte{}},
		fresh: func() Message { return &SASLInitialResponse{} }},
	{name: "SASLInitialResponse/empty mechanism", msg: &SASLInitialResponse{Mechanism: "", Data: nil},
		fresh: func() Message { return &SASLInitialResponse{} }},

	{name: "SASLResponse", msg: &SASLResponse{Data: []byte("c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")},
		fresh: func() Message { return &SASLResponse{} }, bodyPrefixOK: true},
	{name: "SASLResponse/empty", msg: &SASLResponse{Data: []byte{}}, fresh: func() Message { return &SASLResponse{} }, bodyPrefixOK: true},

	{name: "GSSResponse", msg: &GSSResponse{Data: []byte{0x60, 0x82, 0x00, 0x01, 0x00}},
		fresh: func() Message { return &GSSResponse{} }, bodyPrefixOK: true},
	{name: "GSSResponse/empty", msg: &GSSResponse{Data: []byte{}}, fresh: func() Message { return &GSSResponse{} }, bodyPrefixOK: true},

	{name: "Query", msg: &Query{SQL: "select 1"}, fresh: func() Message { return &Query{} }},

	{name: "Parse/unnamed", msg: &Parse{Name: "", Query: "select 1"}, fresh: func() Message { return &Parse{} }},
	{name: "Parse/typed", msg: &Parse{Name: "stmt1", Query: "select $1::int, $2", ParameterOIDs: []uint32{23, 0}},
		fresh: func() Message { return &Parse{} }},
	{name: "Parse/empty query", msg: &Parse{Name: "s", Query: "", ParameterOIDs: []uint32{math.MaxUint32}},
		fresh: func() Message { return &Parse{} }},

	{name: "Bind/zero", msg: &Bind{}, fresh: func() Message { return &Bind{} }},
	{name: "Bind/per-parameter formats", msg: &Bind{
		Portal: "p1", Statement: "s1",
		ParameterFormats: []int16{0, 1, 1},
		Parameters:       [][]byte{[]byte("42"), nil, {}},
		ResultFormats:    []int16{1},
	}, fresh: func() Message { return &Bind{} }},
	{name: "Bind/one format for all", msg: &Bind{
		Statement:        "s",
		ParameterFormats: []int16{1},
		Parameters:       [][]byte{{0, 0, 0, 1}, {0, 0, 0, 2}},
		ResultFormats:    []int16{0, 1, 0},
	}, fresh: func() Message { return &Bind{} }},
	{name: "Bind/NULL only", msg: &Bind{Parameters: [][]byte{nil}}, fresh: func() Message { return &Bind{} }},
	{name: "Bind/empty value only", msg: &Bind{Parameters: [][]byte{{}}}, fresh: func() Message { return &Bind{} }},

	{name: "Describe/statement", msg: &Describe{ObjectType: ObjectStatement, Name: ""}, fresh: func() Message { return &Describe{} }},
	{name: "Describe/portal", msg: &Describe{ObjectType: ObjectPortal, Name: "portal"}, fresh: func() Message { return &Describe{} }},

	{name: "Execute/unlimited", msg: &Execute{Portal: "", MaxRows: 0}, fresh: func() Message { return &Execute{} }},
	{name: "Execute/limited", msg: &Execute{Portal: "p", MaxRows: 100}, fresh: func() Message { return &Execute{} }},
	{name: "Execute/max", msg: &Execute{Portal: "x", MaxRows: math.MaxUint32}, fresh: func() Message { return &Execute{} }},

	{name: "Close/statement", msg: &Close{ObjectType: ObjectStatement, Name: "stmt"}, fresh: func() Message { return &Close{} }},
	{name: "Close/unnamed portal", msg: &Close{ObjectType: ObjectPortal, Name: ""}, fresh: func() Message { return &Close{} }},

	{name: "Sync", msg: &Sync{}, fresh: func() Message { return &Sync{} }},
	{name: "Flush", msg: &Flush{}, fresh: func() Message { return &Flush{} }},
	{name: "Terminate", msg: &Terminate{}, fresh: func() Message { return &Terminate{} }},

	{name: "CopyData", msg: &CopyData{Data: []byte("1\tone\n")}, fresh: func() Message { return &CopyData{} }, bodyPrefixOK: true},
	{name: "CopyDone", msg: &CopyDone{}, fresh: func() Message { return &CopyDone{} }},
	{name: "CopyFail", msg: &CopyFail{Message: "aborted by user"}, fresh: func() Message { return &CopyFail{} }},
	{name: "CopyFail/empty", msg: &CopyFail{Message: ""}, fresh: func() Message { return &CopyFail{} }},

	{name: "FunctionCall/no args", msg: &FunctionCall{FunctionOID: 1598}, fresh: func() Message { return &FunctionCall{} }},
	{name: "FunctionCall/binary", msg: &FunctionCall{
		FunctionOID: 2, ArgFormats: []int16{1}, Args: [][]byte{{0, 0, 0, 5}, nil}, ResultFormat: 1,
	}, fresh: func() Message { return &FunctionCall{} }},
	{name: "FunctionCall/per-argument formats", msg: &FunctionCall{
		FunctionOID: 3, ArgFormats: []int16{0, 1}, Args: [][]byte{[]byte("a"), {}}, ResultFormat: 0,
	}, fresh: func() Message { return &FunctionCall{} }},
}

func TestFrontendMessages(t *testing.T) {
	for _, tc := range frontendSamples {
		t.Run(tc.name, func(t *testing.T) { checkMessage(t, tc) })
	}
}

// Every frontend message type appears in frontendSamples.
func TestFrontendSamplesCoverEveryMessage(t *testing.T) {
	have := map[string]bool{}
	for _, tc := range frontendSamples {
		have[nameOfMessage(tc.msg)] = true
	}
	for _, m := range []FrontendMessage{
		&StartupMessage{}, &SSLRequest{}, &GSSENCRequest{}, &CancelRequest{},
		&PasswordMessage{}, &SASLInitialResponse{}, &SASLResponse{}, &GSSResponse{},
		&Query{}, &Parse{}, &Bind{}, &Describe{}, &Execute{}, &Close{}, &Sync{}, &Flush{}, &Terminate{},
		&CopyData{}, &CopyDone{}, &CopyFail{}, &FunctionCall{},
	} {
		if !have[nameOfMessage(m)] {
			t.Errorf("no sample of %s", nameOfMessage(m))
		}
	}
}

// nameOfMessage returns the type name of m, e.g. "Bind".
func nameOfMessage(m Message) string { return reflect.TypeOf(m).Elem().Name() }

// zeroMessageLike returns a new zero message of the same type as m.
func zeroMessageLike(m Message) Message {
	return reflect.New(reflect.TypeOf(m).Elem()).Interface().(Message)
}

// Exact wire forms of the fixed-size messages, checked against the
// specification rather than against Decode.
func TestFrontendMessageFixedEncodings(t *testing.T) {
	for _, tc := range []struct {
		msg  Message
		want []byte
	}{
		{&SSLRequest{}, []byte{
			0, 0, 0, 8, // length
			0x04, 0xD2, 0x16, 0x2F, // 80877103
		}},
		{&GSSENCRequest{}, []byte{
			0, 0, 0, 8, // length
			0x04, 0xD2, 0x16, 0x30, // 80877104
		}},
		{&CancelRequest{ProcessID: 0x01020304, SecretKey: []byte{0xA, 0xB, 0xC, 0xD}}, []byte{
			0, 0, 0, 16, // length
			0x04, 0xD2, 0x16, 0x2E, // 80877102
			0x01, 0x02, 0x03, 0x04, // process ID
			0x0A, 0x0B, 0x0C, 0x0D, // secret key
		}},
		{&StartupMessage{ProtocolVersion: ProtocolVersion30, Parameters: []StartupParameter{{Name: "user", Value: "u"}}}, []byte{
			0, 0, 0, 16, // length
			0, 3, 0, 0, // version 3.0
			'u', 's', 'e', 'r', 0, 'u', 0, // user=u
			0, // terminator
		}},
		{&Sync{}, []byte{'S', 0, 0, 0, 4}},
		{&Flush{}, []byte{'H', 0, 0, 0, 4}},
		{&Terminate{}, []byte{'X', 0, 0, 0, 4}},
		{&CopyDone{}, []byte{'c', 0, 0, 0, 4}},
		{&SASLInitialResponse{Mechanism: "M"}, []byte{
			'p', 0, 0, 0, 10, // type, length
			'M', 0, // mechanism
			0xFF, 0xFF, 0xFF, 0xFF, // data length = -1 (none)
		}},
		{&Bind{Parameters: [][]byte{nil, {}}}, []byte{
			'B', 0, 0, 0, 20, // type, length
			0,    // portal ""
			0,    // statement ""
			0, 0, // parameter format count = 0
			0, 2, // parameter count = 2
			0xFF, 0xFF, 0xFF, 0xFF, // parameter 0 length = -1 (NULL)
			0, 0, 0, 0, // parameter 1 length = 0 (empty)
			0, 0, // result format count = 0
		}},
		{&FunctionCall{FunctionOID: 7, ResultFormat: 1}, []byte{
			'F', 0, 0, 0, 14, // type, length
			0, 0, 0, 7, // function OID
			0, 0, // argument format count
			0, 0, // argument count
			0, 1, // result format = binary
		}},
	} {
		t.Run(nameOfMessage(tc.msg), func(t *testing.T) {
			got, err := tc.msg.Encode(nil)
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("Encode = % x, %v; want % x", got, err, tc.want)
			}
		})
	}
}

func TestFrontendMessageDecodeRejects(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fresh Message
		body  []byte
	}{
		// StartupMessage
		{"StartupMessage/no terminator", &StartupMessage{}, []byte{
			0, 3, 0, 0, // version 3.0
			'u', 's', 'e', 'r', 0, 'u', 0, // user=u, then the body ends
		}},
		{"StartupMessage/empty name before the end", &StartupMessage{}, []byte{
			0, 3, 0, 0, // version 3.0
			0,                     // empty name
			'u', 's', 'e', 'r', 0, // more bytes after it
			'u', 0,
			0,
		}},
		{"StartupMessage/value without NUL", &StartupMessage{}, []byte{
			0, 3, 0, 0, // version 3.0
			'u', 's', 'e', 'r', 0, // name
			'u', // value runs to the end
		}},
		{"StartupMessage/SSLRequest code", &StartupMessage{}, []byte{
			0x04, 0xD2, 0x16, 0x2F, // 80877103 where the version goes
			0,
		}},
		{"StartupMessage/CancelRequest code", &StartupMessage{}, []byte{
			0x04, 0xD2, 0x16, 0x2E, // 80877102
			0,
		}},
		{"StartupMessage/unknown request code", &StartupMessage{}, []byte{
			0x04, 0xD2, 0xFF, 0xFF, // major 1234, reserved for request codes
			0,
		}},
		{"StartupMessage/empty", &StartupMessage{}, []byte{}},

		// Untyped requests
		{"SSLRequest/GSSENC code", &SSLRequest{}, []byte{0x04, 0xD2, 0x16, 0x30}},
		{"SSLRequest/trailing byte", &SSLRequest{}, []byte{0x04, 0xD2, 0x16, 0x2F, 0}},
		{"GSSENCRequest/SSL code", &GSSENCRequest{}, []byte{0x04, 0xD2, 0x16, 0x2F}},
		{"CancelRequest/wrong code", &CancelRequest{}, []byte{
			0x04, 0xD2, 0x16, 0x2F, // 80877103, the SSLRequest code
			0, 0, 0, 1, // process ID
			1, 2, 3, 4, // key
		}},
		{"CancelRequest/3-byte key", &CancelRequest{}, []byte{
			0x04, 0xD2, 0x16, 0x2E, // 80877102
			0, 0, 0, 1, // process ID
			1, 2, 3, // key too short
		}},
		{"CancelRequest/257-byte key", &CancelRequest{}, append([]byte{
			0x04, 0xD2, 0x16, 0x2E, // 80877102
			0, 0, 0, 1, // process ID
		}, make([]byte, 257)...)},

		// Authentication responses
		{"PasswordMessage/no NUL", &PasswordMessage{}, []byte{'p', 'w'}},
		{"PasswordMessage/bytes after NUL", &PasswordMessage{}, []byte{'p', 0, 'w', 0}},
		{"SASLInitialResponse/length -2", &SASLInitialResponse{}, []byte{
			'M', 0, // mechanism
			0xFF, 0xFF, 0xFF, 0xFE, // data length = -2
		}},
		{"SASLInitialResponse/length past the end", &SASLInitialResponse{}, []byte{
			'M', 0, // mechanism
			0x00, 0x00, 0x00, 0x05, // data length = 5
			'a', 'b', // only 2 bytes
		}},
		{"SASLInitialResponse/mechanism without NUL", &SASLInitialResponse{}, []byte{'S', 'C', 'R', 'A', 'M'}},

		// Parse
		{"Parse/negative type count", &Parse{}, []byte{
			0,      // name ""
			'x', 0, // query
			0xFF, 0xFF, // parameter type count = -1
		}},
		{"Parse/type count larger than body", &Parse{}, []byte{
			0,      // name ""
			'x', 0, // query
			0x7F, 0xFF, // parameter type count = 32767, needs 131068 bytes
			0, 0, 0, 23,
		}},
		{"Parse/short OID", &Parse{}, []byte{
			0,      // name ""
			'x', 0, // query
			0, 1, // parameter type count = 1
			0, 0, 23, // 3 bytes
		}},

		// Bind
		{"Bind/parameter length -2", &Bind{}, []byte{
			0, 0, // portal "", statement ""
			0, 0, // parameter format count = 0
			0, 1, // parameter count = 1
			0xFF, 0xFF, 0xFF, 0xFE, // parameter length = -2
			0, 0, // result format count = 0
		}},
		{"Bind/parameter format 2", &Bind{}, []byte{
			0, 0, // portal "", statement ""
			0, 1, // parameter format count = 1
			0, 2, // format code = 2
			0, 0, // parameter count = 0
			0, 0, // result format count = 0
		}},
		{"Bind/negative parameter count", &Bind{}, []byte{
			0, 0, // portal "", statement ""
			0, 0, // parameter format count = 0
			0xFF, 0xFF, // parameter count = -1
			0, 0, // result format count = 0
		}},
		{"Bind/parameter count larger than body", &Bind{}, []byte{
			0, 0, // portal "", statement ""
			0, 0, // parameter format count = 0
			0x7F, 0xFF, // parameter count = 32767, needs 131068 bytes
			0xFF, 0xFF, 0xFF, 0xFF, // one NULL
			0, 0, // result format count = 0
		}},
		{"Bind/format count larger than body", &Bind{}, []byte{
			0, 0, // portal "", statement ""
			0x40, 0x00, // parameter format count = 16384, needs 32768 bytes
			0, 0,
		}},
		{"Bind/two formats for three parameters", &Bind{}, []byte{
			0, 0, // portal "", statement ""
			0, 2, // parameter format count = 2
			0, 1, 0, 1, // binary, binary
			0, 3, // parameter count = 3
			0xFF, 0xFF, 0xFF, 0xFF, // NULL
			0xFF, 0xFF, 0xFF, 0xFF, // NULL
			0xFF, 0xFF, 0xFF, 0xFF, // NULL
			0, 0, // result format count = 0
		}},
		{"Bind/result format -1", &Bind{}, []byte{
			0, 0, // portal "", statement ""
			0, 0, // parameter format count = 0
			0, 0, // parameter count = 0
			0, 1, // result format count = 1
			0xFF, 0xFF, // result format = -1
		}},
		{"Bind/missing result formats", &Bind{}, []byte{
			0, 0, // portal "", statement ""
			0, 0, // parameter format count = 0
			0, 0, // parameter count = 0
		}},

		// Describe, Close, Execute
		{"Describe/object type X", &Describe{}, []byte{'X', 'n', 0}},
		{"Describe/lower-case s", &Describe{}, []byte{'s', 0}},
		{"Describe/name without NUL", &Describe{}, []byte{'S', 'n'}},
		{"Close/object type 0", &Close{}, []byte{0, 0}},
		{"Close/empty", &Close{}, []byte{}},
		{"Execute/short row count", &Execute{}, []byte{
			0,       // portal ""
			0, 0, 1, // 3 bytes of the row count
		}},

		// Bodiless messages
		{"Sync/body", &Sync{}, []byte{0}},
		{"Flush/body", &Flush{}, []byte{'x'}},
		{"Terminate/body", &Terminate{}, []byte{0, 0, 0, 0}},
		{"CopyDone/body", &CopyDone{}, []byte{1}},
		{"CopyFail/no NUL", &CopyFail{}, []byte{'e', 'r', 'r'}},

		// FunctionCall
		{"FunctionCall/result format 2", &FunctionCall{}, []byte{
			0, 0, 0, 1, // function OID
			0, 0, // argument format count = 0
			0, 0, // argument count = 0
			0, 2, // result format = 2
		}},
		{"FunctionCall/argument length -2", &FunctionCall{}, []byte{
			0, 0, 0, 1, // function OID
			0, 0, // argument format count = 0
			0, 1, // argument count = 1
			0xFF, 0xFF, 0xFF, 0xFE, // argument length = -2
			0, 0, // result format = text
		}},
		{"FunctionCall/argument format 256", &FunctionCall{}, []byte{
			0, 0, 0, 1, // function OID
			0, 1, // argument format count = 1
			1, 0, // argument format = 256
			0, 0, // argument count = 0
			0, 0, // result format = text
		}},
		{"FunctionCall/three formats for two arguments", &FunctionCall{}, []byte{
			0, 0, 0, 1, // function OID
			0, 3, // argument format count = 3
			0, 0, 0, 0, 0, 0, // text, text, text
			0, 2, // argument count = 2
			0, 0, 0, 0, // empty
			0, 0, 0, 0, // empty
			0, 0, // result format = text
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.fresh.Decode(tc.body)
			var pe *ProtocolError
			if !errors.As(err, &pe) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode(% x) = %v; want an ErrMalformed *ProtocolError", tc.body, err)
			}
			if pe.Message != nameOfMessage(tc.fresh) {
				t.Errorf("ProtocolError.Message = %q, want %q", pe.Message, nameOfMessage(tc.fresh))
			}
		})
	}
}

func TestFrontendMessageEncodeRefuses(t *testing.T) {
	tooMany := make([][]byte, math.MaxUint16+1)
	for _, tc := range []struct {
		name string
		msg  Message
	}{
		{"StartupMessage/NUL in name", &StartupMessage{ProtocolVersion: ProtocolVersion30, Parameters: []StartupParameter{{Name: "us\x00er", Value: "u"}}}},
		{"StartupMessage/NUL in value", &StartupMessage{ProtocolVersion: ProtocolVersion30, Parameters: []StartupParameter{{Name: "user", Value: "u\x00"}}}},
		{"StartupMessage/empty name", &StartupMessage{ProtocolVersion: ProtocolVersion30, Parameters: []StartupParameter{{Name: "user", Value: "u"}, {Name: "", Value: "x"}}}},
		{"StartupMessage/request code as version", &StartupMessage{ProtocolVersion: sslRequestCode}},
		{"CancelRequest/nil key", &CancelRequest{ProcessID: 1}},
		{"CancelRequest/3-byte key", &CancelRequest{ProcessID: 1, SecretKey: []byte{1, 2, 3}}},
		{"CancelRequest/257-byte key", &CancelRequest{ProcessID: 1, SecretKey: make([]byte, 257)}},
		{"PasswordMessage/NUL", &PasswordMessage{Password: "pass\x00word"}},
		{"SASLInitialResponse/NUL in mechanism", &SASLInitialResponse{Mechanism: "SCRAM\x00", Data: []byte("x")}},
		{"Parse/NUL in name", &Parse{Name: "s\x00", Query: "select 1"}},
		{"Parse/NUL in query", &Parse{Query: "select\x001"}},
		{"Parse/too many types", &Parse{Query: "q", ParameterOIDs: make([]uint32, math.MaxUint16+1)}},
		{"Bind/NUL in portal", &Bind{Portal: "p\x00"}},
		{"Bind/NUL in statement", &Bind{Statement: "\x00"}},
		{"Bind/too many parameters", &Bind{Parameters: tooMany}},
		{"Bind/too many result formats", &Bind{ResultFormats: make([]int16, math.MaxUint16+1)}},
		{"Bind/parameter format 2", &Bind{ParameterFormats: []int16{2}, Parameters: [][]byte{nil}}},
		{"Bind/result format -1", &Bind{ResultFormats: []int16{-1}}},
		{"Bind/two formats for three parameters", &Bind{ParameterFormats: []int16{0, 1}, Parameters: [][]byte{nil, nil, nil}}},
		{"Describe/object type X", &Describe{ObjectType: 'X'}},
		{"Describe/zero object type", &Describe{}},
		{"Describe/NUL in name", &Describe{ObjectType: ObjectPortal, Name: "a\x00b"}},
		{"Execute/NUL in portal", &Execute{Portal: "\x00"}},
		{"Close/object type s", &Close{ObjectType: 's'}},
		{"Close/NUL in name", &Close{ObjectType: ObjectStatement, Name: "x\x00"}},
		{"CopyFail/NUL", &CopyFail{Message: "no\x00"}},
		{"FunctionCall/too many arguments", &FunctionCall{Args: tooMany}},
		{"FunctionCall/result format 2", &FunctionCall{ResultFormat: 2}},
		{"FunctionCall/argument format -1", &FunctionCall{ArgFormats: []int16{-1}}},
		{"FunctionCall/two formats for one argument", &FunctionCall{ArgFormats: []int16{0, 0}, Args: [][]byte{nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.msg.Encode([]byte("keep"))
			var pe *ProtocolError
			if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidValue) {
				t.Fatalf("Encode err = %v; want an ErrInvalidValue *ProtocolError", err)
			}
			if pe.Message != nameOfMessage(tc.msg) {
				t.Errorf("ProtocolError.Message = %q, want %q", pe.Message, nameOfMessage(tc.msg))
			}
			if string(out) != "keep" {
				t.Errorf("buffer after refused Encode = %q, want %q", out, "keep")
			}
		})
	}
}

// The largest counts the 16-bit count words allow (65535, unsigned as the
// server reads them) encode and decode.
func TestFrontendMessageMaxCounts(t *testing.T) {
	params := make([][]byte, math.MaxUint16)
	formats := make([]int16, math.MaxUint16)
	for _, m := range []Message{
		&Bind{ParameterFormats: formats, Parameters: params, ResultFormats: formats},
		&Parse{ParameterOIDs: make([]uint32, math.MaxUint16)},
		&FunctionCall{ArgFormats: formats, Args: params},
	} {
		enc, err := m.Encode(nil)
		if err != nil {
			t.Fatalf("%s: Encode: %v", nameOfMessage(m), err)
		}
		if err := zeroMessageLike(m).Decode(enc[5:]); err != nil {
			t.Fatalf("%s: Decode: %v", nameOfMessage(m), err)
		}
	}
}

// The secret key of a CancelRequest may be 4 to 256 bytes long.
func TestCancelRequestKeyBounds(t *testing.T) {
	head := []byte{
		0x04, 0xD2, 0x16, 0x2E, // 80877102
		0, 0, 0, 9, // process ID
	}
	for n := 0; n <= 300; n++ {
		body := append(append([]byte(nil), head...), bytes.Repeat([]byte{7}, n)...)
		var m CancelRequest
		err := m.Decode(body)
		if ok := n >= 4 && n <= 256; ok != (err == nil) {
			t.Errorf("key of %d bytes: Decode err = %v", n, err)
		}
		_, err = (&CancelRequest{ProcessID: 9, SecretKey: body[8:]}).Encode(nil)
		if ok := n >= 4 && n <= 256; ok != (err == nil) {
			t.Errorf("key of %d bytes: Encode err = %v", n, err)
		}
	}
	for k := 0; k < len(head); k++ {
		if err := new(CancelRequest).Decode(head[:k]); !errors.Is(err, ErrMalformed) {
			t.Errorf("body prefix of %d bytes: err = %v", k, err)
		}
	}
}

// Decoding into a message that held more elements reuses its slices and
// leaves nothing of the earlier contents visible.
func TestFrontendMessageDecodeReuse(t *testing.T) {
	var b Bind
	first, _ := (&Bind{ParameterFormats: []int16{1, 1}, Parameters: [][]byte{[]byte("a"), []byte("b")}, ResultFormats: []int16{1}}).Encode(nil)
	second, _ := (&Bind{Parameters: [][]byte{nil}}).Encode(nil)
	if err := b.Decode(first[5:]); err != nil {
		t.Fatal(err)
	}
	params := &b.Parameters[:1][0]
	if err := b.Decode(second[5:]); err != nil {
		t.Fatal(err)
	}
	if len(b.ParameterFormats) != 0 || len(b.Parameters) != 1 || b.Parameters[0] != nil || len(b.ResultFormats) != 0 {
		t.Fatalf("after reuse: %+v", b)
	}
	if &b.Parameters[0] != params {
		t.Errorf("Parameters slice was not reused")
	}

	var s StartupMessage
	one, _ := (&StartupMessage{ProtocolVersion: ProtocolVersion30, Parameters: []StartupParameter{{"a", "1"}, {"b", "2"}}}).Encode(nil)
	two, _ := (&StartupMessage{ProtocolVersion: ProtocolVersion30, Parameters: []StartupParameter{{"c", "3"}}}).Encode(nil)
	if err := s.Decode(one[4:]); err != nil {
		t.Fatal(err)
	}
	if err := s.Decode(two[4:]); err != nil {
		t.Fatal(err)
	}
	if len(s.Parameters) != 1 || s.Parameters[0] != (StartupParameter{"c", "3"}) {
		t.Fatalf("after reuse: %+v", s.Parameters)
	}
}
