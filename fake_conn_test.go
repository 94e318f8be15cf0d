package pgmoon_test

// Protocol edge cases a real server will not produce, driven by pgtest's
// scripted fake backend.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/auth"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/protocol"
)

func fakeConfig(t *testing.T, f *pgtest.FakeBackend) *pgmoon.Config {
	t.Helper()
	cfg, err := pgmoon.ParseConfig(f.DSN())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func waitFake(t *testing.T, f *pgtest.FakeBackend) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.Wait(ctx); err != nil {
		t.Fatalf("fake backend: %v", err)
	}
}

func TestFakeMalformedDataRowClosesConnection(t *testing.T) {
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.Handshake(),
		pgtest.Expect(&protocol.Query{SQL: "select 1"}),
		pgtest.Send(&protocol.RowDescription{Fields: []protocol.FieldDescription{{Name: []byte("a"), DataTypeOID: 23, DataTypeSize: 4, TypeModifier: -1}}}),
		pgtest.SendRaw([]byte{
			'D', 0, 0, 0, 10, // DataRow, length 10
			0x00, 0x01, // one column
			0xFF, 0xFF, 0xFF, 0xFE, // value length = -2: malformed
		}),
		pgtest.ExpectClose(),
	})
	conn := connectConfig(t, fakeConfig(t, f))
	_, err := conn.SimpleQuery(testCtx(t), "select 1")
	var pe *pgmoon.ProtocolError
	if !errors.As(err, &pe) || !errors.Is(err, protocol.ErrMalformed) {
		t.Fatalf("err = %v, want a ProtocolError wrapping ErrMalformed", err)
	}
	if !conn.IsClosed() {
		t.Error("connection left open after a protocol violation")
	}
	if _, err := conn.SimpleQuery(testCtx(t), "select 1"); !errors.Is(err, pgmoon.ErrConnClosed) {
		t.Errorf("next call: %v", err)
	}
	waitFake(t, f)
}

func TestFakeImpossibleOrders(t *testing.T) {
	rowDesc := &protocol.RowDescription{Fields: []protocol.FieldDescription{{Name: []byte("a"), DataTypeOID: 25, DataTypeSize: -1, TypeModifier: -1}}}
	for _, tc := range []struct {
		name string
		send []protocol.BackendMessage
		want string
	}{
		{"ReadyForQuery before CommandComplete", []protocol.BackendMessage{rowDesc, &protocol.ReadyForQuery{TxStatus: 'I'}}, "ReadyForQuery before the statement completed"},
		{"DataRow without RowDescription", []protocol.BackendMessage{&protocol.DataRow{Values: [][]byte{[]byte("x")}}}, "DataRow with 1 values for 0 columns"},
		{"DataRow with too many values", []protocol.BackendMessage{rowDesc, &protocol.DataRow{Values: [][]byte{nil, nil}}}, "DataRow with 2 values for 1 columns"},
		{"ParseComplete in a simple query", []protocol.BackendMessage{&protocol.ParseComplete{}}, "unexpected ParseComplete"},
		{"CopyData outside COPY", []protocol.BackendMessage{&protocol.CopyData{Data: []byte("x")}}, "unexpected CopyData"},
		{"authentication request after startup", []protocol.BackendMessage{&protocol.AuthenticationOk{}}, "unexpected AuthenticationOk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := pgtest.NewFakeBackend(t, pgtest.Script{
				pgtest.Handshake(),
				pgtest.ExpectType(&protocol.Query{}),
				pgtest.Send(tc.send...),
				pgtest.ExpectClose(),
			})
			conn := connectConfig(t, fakeConfig(t, f))
			_, err := conn.SimpleQuery(testCtx(t), "select 1")
			var pe *pgmoon.ProtocolError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a ProtocolError saying %q", err, tc.want)
			}
			if !conn.IsClosed() {
				t.Error("connection left open")
			}
			waitFake(t, f)
		})
	}
}

func TestFakeMessageTooLarge(t *testing.T) {
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.Handshake(),
		pgtest.ExpectType(&protocol.Query{}),
		// A CopyData announcing 1 GiB - 1 bytes: refused from the header.
		pgtest.SendRaw([]byte{'d', 0x3F, 0xFF, 0xFF, 0xFF}),
		pgtest.ExpectClose(),
	})
	cfg := fakeConfig(t, f)
	cfg.MaxMessageSize = 1 << 20
	conn := connectConfig(t, cfg)
	_, err := conn.SimpleQuery(testCtx(t), "copy t to stdout")
	if !errors.Is(err, protocol.ErrTooLarge) || !conn.IsClosed() {
		t.Fatalf("err = %v, closed = %v; want ErrTooLarge and a closed connection", err, conn.IsClosed())
	}
	waitFake(t, f)
}

func TestFakeServerHangsUpMidQuery(t *testing.T) {
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.Handshake(),
		pgtest.ExpectType(&protocol.Query{}),
		pgtest.Send(&protocol.RowDescription{Fields: []protocol.FieldDescription{{Name: []byte("a"), DataTypeOID: 25, DataTypeSize: -1}}}),
		pgtest.CloseConn(),
	})
	conn := connectConfig(t, fakeConfig(t, f))
	_, err := conn.SimpleQuery(testCtx(t), "select 1")
	if err == nil || !conn.IsClosed() {
		t.Fatalf("err = %v, closed = %v", err, conn.IsClosed())
	}
	waitFake(t, f)
}

func TestFakeUnsupportedAuthNamesMethod(t *testing.T) {
	for _, tc := range []struct {
		msg  protocol.BackendMessage
		name string
	}{
		{&protocol.AuthenticationGSS{}, "GSSAPI"},
		{&protocol.AuthenticationSSPI{}, "SSPI"},
		{&protocol.AuthenticationKerberosV5{}, "KerberosV5"},
		{&protocol.AuthenticationSCMCredential{}, "SCM credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := pgtest.NewFakeBackend(t, pgtest.Script{
				pgtest.ExpectStartup(),
				pgtest.Send(tc.msg),
				pgtest.ExpectClose(),
			})
			_, err := pgmoon.Connect(testCtx(t), fakeConfig(t, f))
			var ue *auth.UnsupportedError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.name) {
				t.Fatalf("err = %v, want an UnsupportedError naming %s", err, tc.name)
			}
			waitFake(t, f)
		})
	}
}

func TestFakePasswordMessages(t *testing.T) {
	t.Run("cleartext", func(t *testing.T) {
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.ExpectStartup(protocol.StartupParameter{Name: "user", Value: "fake"}, protocol.StartupParameter{Name: "client_encoding", Value: "UTF8"}),
			pgtest.Send(&protocol.AuthenticationCleartextPassword{}),
			pgtest.Expect(&protocol.PasswordMessage{Password: "open sesame"}),
			pgtest.Send(&protocol.AuthenticationOk{}, &protocol.ReadyForQuery{TxStatus: 'I'}),
			pgtest.ExpectType(&protocol.Terminate{}),
		})
		cfg := fakeConfig(t, f)
		cfg.Password = "open sesame"
		conn := connectConfig(t, cfg)
		conn.Close(testCtx(t))
		waitFake(t, f)
	})
	t.Run("md5", func(t *testing.T) {
		salt := [4]byte{0xde, 0xad, 0xbe, 0xef}
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.ExpectStartup(),
			pgtest.Send(&protocol.AuthenticationMD5Password{Salt: salt}),
			pgtest.Expect(&protocol.PasswordMessage{Password: auth.MD5Password("fake", "pw", salt)}),
			pgtest.Send(&protocol.ErrorResponse{Fields: []protocol.ErrorField{
				{Code: 'S', Value: "FATAL"}, {Code: 'V', Value: "FATAL"}, {Code: 'C', Value: "28P01"},
				{Code: 'M', Value: `password authentication failed for user "fake"`},
			}}),
			pgtest.ExpectClose(),
		})
		cfg := fakeConfig(t, f)
		cfg.Password = "pw"
		_, err := pgmoon.Connect(testCtx(t), cfg)
		if !errors.Is(err, &pgmoon.PgError{Code: "28P01"}) {
			t.Fatalf("err = %v", err)
		}
		waitFake(t, f)
	})
}

// A server that ends SCRAM without its final message has not proven that it
// knows the password; the client must not accept AuthenticationOk.
func TestFakeSCRAMWithoutServerProof(t *testing.T) {
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.ExpectStartup(),
		pgtest.Send(&protocol.AuthenticationSASL{Mechanisms: []string{"SCRAM-SHA-256"}}),
		pgtest.SetAuthType(protocol.AuthSASLInitial),
		pgtest.ExpectFunc(func(m protocol.FrontendMessage) error {
			r, ok := m.(*protocol.SASLInitialResponse)
			if !ok || r.Mechanism != "SCRAM-SHA-256" || !strings.HasPrefix(string(r.Data), "n,,n=,r=") {
				return fmt.Errorf("got %T %+v", m, m)
			}
			return nil
		}),
		pgtest.Send(&protocol.AuthenticationOk{}),
		pgtest.ExpectClose(),
	})
	cfg := fakeConfig(t, f)
	cfg.Password = "pw"
	_, err := pgmoon.Connect(testCtx(t), cfg)
	var pe *pgmoon.ProtocolError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "without proving its identity") {
		t.Fatalf("err = %v", err)
	}
	waitFake(t, f)
}

// CVE-2021-23222: bytes that arrive together with the server's 'S' were not
// protected by TLS and must not be processed.
func TestFakeBytesAfterSSLResponse(t *testing.T) {
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.ExpectSSLRequest(),
		pgtest.SendRaw([]byte{'S', 'Z', 0, 0, 0, 5, 'I'}),
		pgtest.ExpectClose(),
	})
	cfg := fakeConfig(t, f)
	cfg.SSLMode = pgmoon.SSLRequire
	_, err := pgmoon.Connect(testCtx(t), cfg)
	if err == nil || !strings.Contains(err.Error(), "unencrypted data after agreeing to TLS") {
		t.Fatalf("err = %v", err)
	}
	waitFake(t, f)
}

// A server that declines TLS ('N') under sslmode=require gets nothing
// more: no startup message, no user name.
func TestFakeTLSDeclinedUnderRequire(t *testing.T) {
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.ExpectSSLRequest(),
		pgtest.SendRaw([]byte{'N'}),
		pgtest.ExpectClose(),
	})
	cfg := fakeConfig(t, f)
	cfg.SSLMode = pgmoon.SSLRequire
	_, err := pgmoon.Connect(testCtx(t), cfg)
	if err == nil || !strings.Contains(err.Error(), "server does not support TLS, but sslmode requires it") {
		t.Fatalf("err = %v", err)
	}
	waitFake(t, f)
}

// CVE-2024-10977: an ErrorResponse to SSLRequest is unauthenticated; its
// text is not shown to the user.
func TestFakeErrorResponseToSSLRequestHidden(t *testing.T) {
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.ExpectSSLRequest(),
		pgtest.Send(&protocol.ErrorResponse{Fields: []protocol.ErrorField{
			{Code: 'S', Value: "FATAL"}, {Code: 'C', Value: "XX000"}, {Code: 'M', Value: "please visit evil.example"},
		}}),
		pgtest.ExpectClose(),
	})
	cfg := fakeConfig(t, f)
	cfg.SSLMode = pgmoon.SSLPrefer
	_, err := pgmoon.Connect(testCtx(t), cfg)
	if err == nil || strings.Contains(err.Error(), "evil.example") {
		t.Fatalf("err = %v; want a refusal that does not repeat the server's text", err)
	}
	waitFake(t, f)
}

// A server that stalls and ignores the CancelRequest: after CancelWait the
// connection is closed and the call returns the context's error.
func TestFakeStallAfterCancel(t *testing.T) {
	f := pgtest.NewFakeBackend(t,
		pgtest.Script{
			pgtest.Handshake(),
			pgtest.ExpectType(&protocol.Query{}),
			pgtest.ExpectClose(),
		},
		pgtest.Script{
			pgtest.ExpectCancelRequest(pgtest.FakeProcessID, pgtest.FakeSecretKey()),
		},
	)
	cfg := fakeConfig(t, f)
	cfg.CancelWait = 200 * time.Millisecond
	conn := connectConfig(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := conn.SimpleQuery(ctx, "select pg_sleep(1000)")
	if !errors.Is(err, context.DeadlineExceeded) || !conn.IsClosed() {
		t.Fatalf("err = %v, closed = %v", err, conn.IsClosed())
	}
	waitFake(t, f)
}

// Notices that arrive between DataRows are attached to the statement and
// leave its rows intact.
func TestFakeNoticeBetweenRows(t *testing.T) {
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.Handshake(),
		pgtest.ExpectType(&protocol.Query{}),
		pgtest.Send(
			&protocol.RowDescription{Fields: []protocol.FieldDescription{{Name: []byte("a"), DataTypeOID: 25, DataTypeSize: -1}}},
			&protocol.DataRow{Values: [][]byte{[]byte("one")}},
			&protocol.NoticeResponse{Fields: []protocol.ErrorField{{Code: 'S', Value: "WARNING"}, {Code: 'C', Value: "01000"}, {Code: 'M', Value: "midway"}, {Code: 'Z', Value: "future field"}}},
			&protocol.ParameterStatus{Name: "TimeZone", Value: "Europe/Paris"},
			&protocol.DataRow{Values: [][]byte{[]byte("two")}},
			&protocol.CommandComplete{CommandTag: []byte("SELECT 2")},
			&protocol.ReadyForQuery{TxStatus: 'I'},
		),
		pgtest.ExpectType(&protocol.Terminate{}),
	})
	conn := connectConfig(t, fakeConfig(t, f))
	res, err := conn.SimpleQuery(testCtx(t), "select a")
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if len(r.Rows) != 2 || string(r.Rows[0][0]) != "one" || string(r.Rows[1][0]) != "two" {
		t.Errorf("rows = %q", r.Rows)
	}
	if len(r.Notices) != 1 || r.Notices[0].Message != "midway" || r.Notices[0].Unknown['Z'] != "future field" {
		t.Errorf("notices = %+v", r.Notices)
	}
	if conn.ParameterStatus("TimeZone") != "Europe/Paris" {
		t.Errorf("TimeZone = %q", conn.ParameterStatus("TimeZone"))
	}
	conn.Close(testCtx(t))
	waitFake(t, f)
}

// describeSteps answers a Parse/Describe/Sync of a statement with one int4
// parameter and one int4 column.
func describeSteps() pgtest.Step {
	return pgtest.Group("describe",
		pgtest.ExpectType(&protocol.Parse{}),
		pgtest.ExpectType(&protocol.Describe{}),
		pgtest.ExpectType(&protocol.Sync{}),
		pgtest.Send(&protocol.ParseComplete{},
			&protocol.ParameterDescription{ParameterOIDs: []uint32{23}},
			&protocol.RowDescription{Fields: []protocol.FieldDescription{{Name: []byte("n"), DataTypeOID: 23, DataTypeSize: 4, TypeModifier: -1, Format: 1}}},
			&protocol.ReadyForQuery{TxStatus: 'I'}),
	)
}

// batchSteps takes n executions of "select $1::int4" sent in one go with
// the extended protocol: the describe round trip (describeSteps), then n
// Bind/Execute pairs and the Sync after them.
func batchSteps(n int) pgtest.Step {
	steps := []pgtest.Step{describeSteps()}
	for range n {
		steps = append(steps, pgtest.ExpectType(&protocol.Bind{}), pgtest.ExpectType(&protocol.Execute{}))
	}
	steps = append(steps, pgtest.ExpectType(&protocol.Sync{}))
	return pgtest.Group(fmt.Sprintf("%d extended executions", n), steps...)
}

func TestFakeExtendedImpossibleOrders(t *testing.T) {
	for _, tc := range []struct {
		name string
		send []protocol.BackendMessage
		want string
	}{
		// A cached named statement gets no RowDescription on Execute.
		{"RowDescription without Describe", []protocol.BackendMessage{&protocol.BindComplete{}, &protocol.RowDescription{}}, "unexpected RowDescription"},
		{"DataRow with too few values", []protocol.BackendMessage{&protocol.BindComplete{}, &protocol.DataRow{Values: [][]byte{}}}, "DataRow with 0 values for 1 columns"},
		{"CopyData", []protocol.BackendMessage{&protocol.BindComplete{}, &protocol.CopyData{}}, "unexpected CopyData"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := pgtest.NewFakeBackend(t, pgtest.Script{
				pgtest.Handshake(),
				batchSteps(1),
				pgtest.Send(tc.send...),
				pgtest.ExpectClose(),
			})
			conn := connectConfig(t, fakeConfig(t, f))
			var n int32
			err := conn.QueryRow(testCtx(t), "select $1::int4", 1).Scan(&n)
			var pe *pgmoon.ProtocolError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a ProtocolError saying %q", err, tc.want)
			}
			if !conn.IsClosed() {
				t.Error("connection left open")
			}
			waitFake(t, f)
		})
	}
}

// TestFakeBatchServerHangsUp: the server answers the first of three
// batched statements and hangs up. Every later result reports the broken
// connection; nothing hangs.
func TestFakeBatchServerHangsUp(t *testing.T) {
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.Handshake(),
		batchSteps(3),
		pgtest.Send(&protocol.BindComplete{}, &protocol.DataRow{Values: [][]byte{{0, 0, 0, 7}}}, &protocol.CommandComplete{CommandTag: []byte("SELECT 1")}),
		pgtest.CloseConn(),
	})
	conn := connectConfig(t, fakeConfig(t, f))
	b := &pgmoon.Batch{}
	for i := range 3 {
		b.Queue("select $1::int4", i)
	}
	br := conn.SendBatch(testCtx(t), b)
	var n int32
	if err := br.QueryRow().Scan(&n); err != nil || n != 7 {
		t.Fatalf("first: %d %v", n, err)
	}
	_, err2 := br.Exec()
	_, err3 := br.Exec()
	errClose := br.Close()
	for i, err := range []error{err2, err3, errClose} {
		if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("result %d: %v, want the broken connection", i+2, err)
		}
	}
	if !conn.IsClosed() {
		t.Error("connection left open")
	}
	waitFake(t, f)
}
