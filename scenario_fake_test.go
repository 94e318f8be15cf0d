package pgmoon_test

// Fault and bad-input scenarios of issue 12 that need a server misbehaving
// on purpose, played by pgtest's scripted fake backend. Each checks that the
// client gets a typed error naming the problem, closes the connection when
// the stream can no longer be trusted, does not panic, returns well before
// its deadline, and leaves no goroutine behind.
//
// Scenario → tests (new ones in this file unless a file is named):
//
//  1. server closes mid-DataRow      TestScenarioServerClosesMidDataRow
//     (after a whole message: TestFakeServerHangsUpMidQuery, fake_conn_test.go)
//  2. length < 4, 0xFFFFFFFF, cap    TestScenarioBadMessageLength;
//     TestFakeMessageTooLarge (fake_conn_test.go); TestReaderLimits
//     (protocol/message_test.go)
//  3. oversized / many ParameterStatus  TestScenarioParameterStatusBounds
//  4. unknown and out-of-order       TestScenarioUnknownAndOutOfOrder;
//     TestFakeImpossibleOrders, TestFakeExtendedImpossibleOrders
//     (fake_conn_test.go), TestFakeCopyToFailures (copy_fake_test.go)
//  5. malformed fields               TestScenarioMalformedFields;
//     length −2: TestFakeMalformedDataRowClosesConnection; column-count
//     mismatch: TestFakeImpossibleOrders, TestFakeExtendedImpossibleOrders
//     (fake_conn_test.go); array dims: TestArrayMalformedBinary
//     (types/array_test.go); TestDataRowRejectsBadLengths
//     (protocol/message_test.go)
//  6. outbound over the limit        TestScenarioTooManyParametersNotSent
//     (the size limit, 2 GiB − 1 per message, has no knob; see the test)
//  7. NUL in startup values          TestScenarioNULInStartupNamesField;
//     TestNULInStartupRefused (authpolicy_test.go)
//  8. bytes after 'S'                TestScenarioBytesAfterSSLAnswer;
//     TestFakeBytesAfterSSLResponse (fake_conn_test.go, require)
//  9. ErrorResponse to SSLRequest    TestScenarioErrorResponseToSSLRequest;
//     TestFakeErrorResponseToSSLRequestHidden (fake_conn_test.go)
//  10. 'N' to SSLRequest             TestScenarioTLSDeclined;
//     TestFakeTLSDeclinedUnderRequire (fake_conn_test.go), TestSSLModes
//     (conn_test.go), TestSSLModeMatrix (tls_test.go, real server)
//  11. TLS failures                  TestScenarioTLSFailures;
//     TestSSLModeMatrix (tls_test.go, real server)
//  12. auth downgrades               TestScenarioAuthDowngrades;
//     TestChannelBindingRequireSendsNoCredential,
//     TestRequireAuthFake, TestSCRAMOkBeforeFinal (authpolicy_test.go),
//     TestFakeSCRAMWithoutServerProof (fake_conn_test.go)
//  13. SCRAM tampering               TestScenarioSCRAMTampering;
//     TestSCRAMSHA256BadServerFirst, TestSCRAMSHA256BadServerFinal,
//     TestSCRAMSHA256IterationBounds (auth/scram_test.go)
//  14. async messages mid-query      TestScenarioAsyncMessagesMidRows;
//     TestFakeNoticeBetweenRows (fake_conn_test.go, SimpleQuery)
//  15. FATAL mid-pipeline and COPY   TestScenarioFatalClosesWithCause;
//     TestFakeCopyFromFailures, TestFakeCopyToFailures (copy_fake_test.go)
//  16. FATAL after CommandComplete   TestScenarioFatalAfterCommandComplete
//  17. connect deadline stalls       TestScenarioConnectStalls;
//     TestConnectContextBoundsHandshake (conn_test.go, black hole)

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/protocol"
	"github.com/pgmoon-go/pgmoon/types"
)

// callBudget is the deadline of each client call in these scenarios. A call
// that fails because of the fake must return well before it (within half):
// returning at the deadline would mean it hung until the context saved it.
const callBudget = 10 * time.Second

// within runs fn with a context of callBudget and fails the test if fn
// took half of it or more.
func within(t *testing.T, what string, fn func(ctx context.Context)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callBudget)
	defer cancel()
	start := time.Now()
	fn(ctx)
	if d := time.Since(start); d >= callBudget/2 {
		t.Errorf("%s returned after %v: it waited for its deadline (%v) instead of failing", what, d.Round(time.Millisecond), callBudget)
	}
}

// allocatedDuring reports the bytes the process allocated while fn ran.
// The fake's goroutines count too, so bounds on it should be generous.
func allocatedDuring(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// allocBound is far below every size the scenarios claim (at least 64 MiB)
// and far above what a client reading a few small messages allocates.
const allocBound = 16 << 20

// wantUsable checks that conn is open and runs the next statement; why
// is the failure message when it was closed.
func wantUsable(t *testing.T, conn *pgmoon.Conn, why string) {
	t.Helper()
	if conn.IsClosed() {
		t.Fatal(why)
	}
	within(t, "the next call", func(ctx context.Context) {
		if _, err := conn.SimpleQuery(ctx, "select 1"); err != nil {
			t.Errorf("next call: %v", err)
		}
	})
}

// wantClosedWithCause checks that conn is closed and that the next call is
// refused with ErrConnClosed naming cause.
func wantClosedWithCause(t *testing.T, conn *pgmoon.Conn, cause string) {
	t.Helper()
	if !conn.IsClosed() {
		t.Fatal("connection left open after the stream broke")
	}
	within(t, "the call after the failure", func(ctx context.Context) {
		_, err := conn.SimpleQuery(ctx, "select 1")
		if !errors.Is(err, pgmoon.ErrConnClosed) || !strings.Contains(err.Error(), cause) {
			t.Errorf("next call: %v; want ErrConnClosed naming %q", err, cause)
		}
	})
}

func textColumn(name string) *protocol.RowDescription {
	return &protocol.RowDescription{Fields: []protocol.FieldDescription{{Name: []byte(name), DataTypeOID: 25, DataTypeSize: -1, TypeModifier: -1}}}
}

// TestScenarioServerClosesMidDataRow: the server sends part of a DataRow
// and hangs up. The call (or the row iteration) fails with
// io.ErrUnexpectedEOF, and the connection is closed with that cause.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-DATAROW
func TestScenarioServerClosesMidDataRow(t *testing.T) {
	t.Run("simple query", func(t *testing.T) {
		verifyNoLeaks(t)
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.Handshake(),
			pgtest.ExpectType(&protocol.Query{}),
			pgtest.Send(textColumn("a"), &protocol.DataRow{Values: [][]byte{[]byte("one")}}),
			pgtest.SendRaw([]byte{
				'D', 0, 0, 0, 20, // DataRow, length 20: a body of 16 bytes
				0, 1, // one column
				0, 0, 0, 10, // value of 10 bytes
				'a', 'b', // ... of which 2 arrive
			}),
			pgtest.CloseConn(),
		})
		conn := connectConfig(t, fakeConfig(t, f))
		within(t, "SimpleQuery", func(ctx context.Context) {
			_, err := conn.SimpleQuery(ctx, "select a")
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("err = %v, want io.ErrUnexpectedEOF", err)
			}
		})
		waitFake(t, f)
		wantClosedWithCause(t, conn, "unexpected EOF")
	})
	t.Run("while iterating rows", func(t *testing.T) {
		verifyNoLeaks(t)
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.Handshake(),
			batchSteps(1),
			pgtest.Send(&protocol.BindComplete{}, &protocol.DataRow{Values: [][]byte{{0, 0, 0, 7}}}),
			pgtest.SendRaw([]byte{
				'D', 0, 0, 0, 14, // DataRow, length 14
				0, 1, // one column
				0, 0, 0, 4, // int4 value of 4 bytes
				0, // ... of which 1 arrives
			}),
			pgtest.CloseConn(),
		})
		conn := connectConfig(t, fakeConfig(t, f))
		within(t, "Query and Next", func(ctx context.Context) {
			rows, err := conn.Query(ctx, "select $1::int4", 1)
			if err != nil {
				t.Fatalf("Query: %v", err)
			}
			defer rows.Close()
			var got []int32
			for rows.Next() {
				var n int32
				if err := rows.Scan(&n); err != nil {
					t.Fatalf("Scan: %v", err)
				}
				got = append(got, n)
			}
			if len(got) != 1 || got[0] != 7 {
				t.Errorf("rows = %v, want the one whole row [7]", got)
			}
			if err := rows.Err(); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("rows.Err() = %v, want io.ErrUnexpectedEOF", err)
			}
		})
		waitFake(t, f)
		wantClosedWithCause(t, conn, "unexpected EOF")
	})
}

// TestScenarioBadMessageLength sends message headers whose length word is
// impossible (below 4, or 0xFFFFFFFF) or larger than the client accepts.
// Each is a *ProtocolError from the header alone: the client neither waits
// for the claimed bytes nor allocates them.
// See https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-MESSAGE-CONCEPTS
func TestScenarioBadMessageLength(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []byte
		max    int // Config.MaxMessageSize; 0 for the default, 1 GiB − 1
		want   error
	}{
		{"length 0", []byte{'D', 0, 0, 0, 0}, 0, protocol.ErrMalformed},
		{"length 3", []byte{'D', 0, 0, 0, 3}, 0, protocol.ErrMalformed},
		{"length 0xFFFFFFFF", []byte{'D', 0xFF, 0xFF, 0xFF, 0xFF}, 0, protocol.ErrMalformed},
		{"length 2 GiB - 1, over the default cap", []byte{'D', 0x7F, 0xFF, 0xFF, 0xFF}, 0, protocol.ErrTooLarge},
		{"length 64 MiB, over a 64 KiB cap", []byte{'D', 0x04, 0, 0, 0}, 64 << 10, protocol.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			verifyNoLeaks(t)
			f := pgtest.NewFakeBackend(t, pgtest.Script{
				pgtest.Handshake(),
				pgtest.ExpectType(&protocol.Query{}),
				pgtest.Send(textColumn("a")),
				pgtest.SendRaw(tc.header), // and nothing more: a client that waits for the body hangs
				pgtest.ExpectClose(),
			})
			cfg := fakeConfig(t, f)
			cfg.MaxMessageSize = tc.max
			conn := connectConfig(t, cfg)
			var err error
			alloc := allocatedDuring(func() {
				within(t, "SimpleQuery", func(ctx context.Context) { _, err = conn.SimpleQuery(ctx, "select a") })
			})
			var pe *pgmoon.ProtocolError
			if !errors.As(err, &pe) || !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want a ProtocolError wrapping %v", err, tc.want)
			}
			if alloc > allocBound {
				t.Errorf("the call allocated %d bytes: the claimed length was believed", alloc)
			}
			waitFake(t, f)
			wantClosedWithCause(t, conn, "protocol violation")
		})
	}
}

// TestScenarioParameterStatusBounds: ParameterStatus messages during
// startup that are too large for the client, and a flood of them. libpq
// believes a length over 30000 bytes only for the message types that carry
// data (RowDescription, DataRow, CopyData, ErrorResponse, NoticeResponse,
// NotificationResponse, FunctionCallResponse) and calls anything else a
// lost synchronization; pgx bounds only the whole message. pgmoon does as
// libpq (and allows ParameterDescription too, whose 65535 parameters need
// 262 KB): a 1 MB ParameterStatus is refused from its header, whatever
// MaxMessageSize says. A flood of ParameterStatus for the same parameter
// costs nothing (each replaces the last); one naming ever new parameters is
// refused once the connection holds maxServerParameters of them.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-ASYNC
func TestScenarioParameterStatusBounds(t *testing.T) {
	t.Run("over MaxMessageSize during startup", func(t *testing.T) {
		verifyNoLeaks(t)
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.ExpectStartup(),
			pgtest.Send(&protocol.AuthenticationOk{}),
			pgtest.SendRaw([]byte{'S', 0x10, 0, 0, 0}), // ParameterStatus of 256 MiB, body never sent
			pgtest.ExpectClose(),
		})
		cfg := fakeConfig(t, f)
		cfg.MaxMessageSize = 1 << 20
		var err error
		alloc := allocatedDuring(func() {
			within(t, "Connect", func(ctx context.Context) { _, err = pgmoon.Connect(ctx, cfg) })
		})
		var ce *pgmoon.ConnectError
		var pe *pgmoon.ProtocolError
		if !errors.As(err, &ce) || !errors.As(err, &pe) || !errors.Is(err, protocol.ErrTooLarge) {
			t.Errorf("err = %v, want a ConnectError wrapping a ProtocolError and ErrTooLarge", err)
		}
		if alloc > allocBound {
			t.Errorf("Connect allocated %d bytes", alloc)
		}
		waitFake(t, f)
	})
	t.Run("1 MB under the default MaxMessageSize", func(t *testing.T) {
		verifyNoLeaks(t)
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.ExpectStartup(),
			pgtest.Send(&protocol.AuthenticationOk{}),
			pgtest.SendRaw([]byte{'S', 0, 0x10, 0, 0}), // ParameterStatus of 1 MiB, body never sent
			pgtest.ExpectClose(),
		})
		var err error
		within(t, "Connect", func(ctx context.Context) { _, err = pgmoon.Connect(ctx, fakeConfig(t, f)) })
		var pe *pgmoon.ProtocolError
		if !errors.As(err, &pe) || !errors.Is(err, protocol.ErrTooLarge) || !strings.Contains(err.Error(), "ParameterStatus") {
			t.Errorf("err = %v, want a ProtocolError wrapping ErrTooLarge naming ParameterStatus", err)
		}
		waitFake(t, f)
	})
	t.Run("long messages that carry data are not limited", func(t *testing.T) {
		verifyNoLeaks(t)
		long := strings.Repeat("x", 2*protocol.MaxShortMessageSize)
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.Handshake(),
			pgtest.ExpectType(&protocol.Query{}),
			pgtest.Send(
				&protocol.NoticeResponse{Fields: []protocol.ErrorField{{Code: 'S', Value: "NOTICE"}, {Code: 'C', Value: "00000"}, {Code: 'M', Value: long}}},
				textColumn(long[:1000]),
				&protocol.DataRow{Values: [][]byte{[]byte(long)}},
				&protocol.CommandComplete{CommandTag: []byte("SELECT 1")},
				&protocol.ReadyForQuery{TxStatus: 'I'},
			),
			pgtest.ExpectType(&protocol.Terminate{}),
		})
		conn := connectConfig(t, fakeConfig(t, f))
		within(t, "SimpleQuery", func(ctx context.Context) {
			res, err := conn.SimpleQuery(ctx, "select a")
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 1 || len(res[0].Rows) != 1 || string(res[0].Rows[0][0]) != long || len(res[0].Notices) != 1 {
				t.Errorf("the long row or notice did not come through")
			}
		})
		conn.Close(context.Background())
		waitFake(t, f)
	})
	t.Run("100000 updates of one parameter", func(t *testing.T) {
		verifyNoLeaks(t)
		const n = 100000
		flood := make([]protocol.BackendMessage, 0, n+1)
		for i := range n {
			flood = append(flood, &protocol.ParameterStatus{Name: "TimeZone", Value: fmt.Sprintf("Etc/GMT+%d", i%12)})
		}
		flood = append(flood, &protocol.ReadyForQuery{TxStatus: protocol.TxIdle})
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.ExpectStartup(),
			pgtest.Send(&protocol.AuthenticationOk{}, &protocol.BackendKeyData{ProcessID: 1, SecretKey: []byte{1, 2, 3, 4}}),
			pgtest.Send(flood...),
			pgtest.ExpectType(&protocol.Terminate{}),
		})
		var conn *pgmoon.Conn
		within(t, "Connect", func(ctx context.Context) {
			var err error
			if conn, err = pgmoon.Connect(ctx, fakeConfig(t, f)); err != nil {
				t.Fatalf("Connect: %v", err)
			}
		})
		if got := len(conn.ParameterStatuses()); got != 1 {
			t.Errorf("%d parameters kept, want 1", got)
		}
		if got := conn.ParameterStatus("TimeZone"); got != fmt.Sprintf("Etc/GMT+%d", (n-1)%12) {
			t.Errorf("TimeZone = %q, want the last value", got)
		}
		conn.Close(context.Background())
		waitFake(t, f)
	})
	t.Run("ever new parameter names", func(t *testing.T) {
		verifyNoLeaks(t)
		var flood []protocol.BackendMessage
		for i := range pgmoon.MaxServerParameters + 1 {
			flood = append(flood, &protocol.ParameterStatus{Name: fmt.Sprintf("p%d", i), Value: "x"})
		}
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.ExpectStartup(),
			pgtest.Send(&protocol.AuthenticationOk{}),
			pgtest.Send(flood...),
			pgtest.ExpectClose(),
		})
		var err error
		within(t, "Connect", func(ctx context.Context) { _, err = pgmoon.Connect(ctx, fakeConfig(t, f)) })
		var pe *pgmoon.ProtocolError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "parameters") {
			t.Errorf("err = %v, want a ProtocolError about too many parameters", err)
		}
		waitFake(t, f)
	})
}

// TestScenarioUnknownAndOutOfOrder: a message type no server sends, and
// messages that cannot arrive where they do. Each is a *ProtocolError that
// names the message, and the connection is closed.
// See https://www.postgresql.org/docs/current/protocol-flow.html
func TestScenarioUnknownAndOutOfOrder(t *testing.T) {
	t.Run("unknown type byte", func(t *testing.T) {
		verifyNoLeaks(t)
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.Handshake(),
			pgtest.ExpectType(&protocol.Query{}),
			pgtest.SendRaw([]byte{'j', 0, 0, 0, 5, 0}), // type 'j': no such backend message
			pgtest.ExpectClose(),
		})
		conn := connectConfig(t, fakeConfig(t, f))
		within(t, "SimpleQuery", func(ctx context.Context) {
			_, err := conn.SimpleQuery(ctx, "select 1")
			var pe *pgmoon.ProtocolError
			if !errors.As(err, &pe) || !errors.Is(err, protocol.ErrUnknownMessage) {
				t.Errorf("err = %v, want a ProtocolError wrapping ErrUnknownMessage", err)
			}
		})
		waitFake(t, f)
		wantClosedWithCause(t, conn, "protocol violation")
	})
	t.Run("ReadyForQuery with unknown status", func(t *testing.T) {
		verifyNoLeaks(t)
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.Handshake(),
			pgtest.ExpectType(&protocol.Query{}),
			pgtest.Send(&protocol.EmptyQueryResponse{}),
			pgtest.SendRaw([]byte{'Z', 0, 0, 0, 5, 'X'}), // status 'X': neither I, T nor E
			pgtest.ExpectClose(),
		})
		conn := connectConfig(t, fakeConfig(t, f))
		within(t, "SimpleQuery", func(ctx context.Context) {
			_, err := conn.SimpleQuery(ctx, "")
			var pe *pgmoon.ProtocolError
			if !errors.As(err, &pe) || !errors.Is(err, protocol.ErrMalformed) || !strings.Contains(err.Error(), "transaction status") {
				t.Errorf("err = %v, want a malformed ReadyForQuery", err)
			}
		})
		waitFake(t, f)
		wantClosedWithCause(t, conn, "protocol violation")
	})
	t.Run("BindComplete before ParseComplete", func(t *testing.T) {
		verifyNoLeaks(t)
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.Handshake(),
			pgtest.ExpectType(&protocol.Parse{}),
			pgtest.ExpectType(&protocol.Describe{}),
			pgtest.ExpectType(&protocol.Sync{}),
			pgtest.Send(&protocol.BindComplete{}, &protocol.ParseComplete{}),
			pgtest.ExpectClose(),
		})
		conn := connectConfig(t, fakeConfig(t, f))
		within(t, "QueryRow", func(ctx context.Context) {
			var n int32
			err := conn.QueryRow(ctx, "select $1::int4", 1).Scan(&n)
			var pe *pgmoon.ProtocolError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), "unexpected BindComplete") {
				t.Errorf("err = %v, want a ProtocolError naming BindComplete", err)
			}
		})
		waitFake(t, f)
		wantClosedWithCause(t, conn, "BindComplete")
	})
	t.Run("CommandComplete with no query running", func(t *testing.T) {
		verifyNoLeaks(t)
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.Handshake(),
			pgtest.Send(&protocol.CommandComplete{CommandTag: []byte("SELECT 1")}),
			pgtest.ExpectClose(),
		})
		conn := connectConfig(t, fakeConfig(t, f))
		within(t, "WaitForNotification", func(ctx context.Context) {
			_, err := conn.WaitForNotification(ctx)
			var pe *pgmoon.ProtocolError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), "unexpected CommandComplete") {
				t.Errorf("err = %v, want a ProtocolError naming CommandComplete", err)
			}
		})
		waitFake(t, f)
		wantClosedWithCause(t, conn, "CommandComplete")
	})
}

// TestScenarioMalformedFields: DataRow and RowDescription whose counts and
// lengths contradict their message, and a binary array value claiming
// dimensions far beyond its bytes. Message-level faults are ProtocolErrors
// that close the connection; a malformed value is the Scan's error (the
// stream is intact) and the connection stays usable. Nothing allocates what
// the bytes claim.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html
func TestScenarioMalformedFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  []byte
	}{
		{"DataRow value past the end of the message", []byte{
			'D', 0, 0, 0, 12, // DataRow, length 12
			0, 1, // one column
			0x10, 0, 0, 0, // value of 256 MiB
			'x', 'y', // the message ends here
		}},
		{"RowDescription claiming 65535 columns in 6 bytes", []byte{
			'T', 0, 0, 0, 10, // RowDescription, length 10
			0xFF, 0xFF, // 65535 columns
			'a', 0, 0, 0, // one name, then nothing
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			verifyNoLeaks(t)
			f := pgtest.NewFakeBackend(t, pgtest.Script{
				pgtest.Handshake(),
				pgtest.ExpectType(&protocol.Query{}),
				pgtest.Send(textColumn("a")),
				pgtest.SendRaw(tc.raw),
				pgtest.ExpectClose(),
			})
			conn := connectConfig(t, fakeConfig(t, f))
			var err error
			alloc := allocatedDuring(func() {
				within(t, "SimpleQuery", func(ctx context.Context) { _, err = conn.SimpleQuery(ctx, "select a") })
			})
			var pe *pgmoon.ProtocolError
			if !errors.As(err, &pe) || !errors.Is(err, protocol.ErrMalformed) {
				t.Errorf("err = %v, want a ProtocolError wrapping ErrMalformed", err)
			}
			if alloc > allocBound {
				t.Errorf("the call allocated %d bytes", alloc)
			}
			waitFake(t, f)
			wantClosedWithCause(t, conn, "protocol violation")
		})
	}

	t.Run("binary int4[] claiming 2^28 x 4 elements", func(t *testing.T) {
		verifyNoLeaks(t)
		hugeArray := []byte{
			0, 0, 0, 2, // 2 dimensions
			0, 0, 0, 0, // no NULLs
			0, 0, 0, 23, // element type int4
			0x10, 0, 0, 0, 0, 0, 0, 1, // dimension 1: 2^28 elements from 1
			0, 0, 0, 4, 0, 0, 0, 1, // dimension 2: 4 elements from 1 (2^30 in all: 4 GiB of int32)
			0, 0, 0, 4, 0, 0, 0, 1, // one element: 1, and the value ends
		}
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.Handshake(),
			pgtest.ExpectType(&protocol.Parse{}),
			pgtest.ExpectType(&protocol.Describe{}),
			pgtest.ExpectType(&protocol.Sync{}),
			pgtest.Send(&protocol.ParseComplete{}, &protocol.ParameterDescription{},
				&protocol.RowDescription{Fields: []protocol.FieldDescription{{Name: []byte("a"), DataTypeOID: 1007, DataTypeSize: -1, TypeModifier: -1, Format: 1}}},
				&protocol.ReadyForQuery{TxStatus: 'I'}),
			pgtest.ExpectType(&protocol.Bind{}),
			pgtest.ExpectType(&protocol.Execute{}),
			pgtest.ExpectType(&protocol.Sync{}),
			pgtest.Send(&protocol.BindComplete{}, &protocol.DataRow{Values: [][]byte{hugeArray}},
				&protocol.CommandComplete{CommandTag: []byte("SELECT 1")}, &protocol.ReadyForQuery{TxStatus: 'I'}),
			pgtest.Expect(&protocol.Query{SQL: "select 1"}),
			pgtest.Send(&protocol.EmptyQueryResponse{}, &protocol.ReadyForQuery{TxStatus: 'I'}),
			pgtest.ExpectType(&protocol.Terminate{}),
		})
		conn := connectConfig(t, fakeConfig(t, f))
		var err error
		alloc := allocatedDuring(func() {
			within(t, "QueryRow", func(ctx context.Context) {
				var a []int32
				err = conn.QueryRow(ctx, "select a").Scan(&a)
			})
		})
		var me *types.MalformedError
		if !errors.As(err, &me) || !strings.Contains(err.Error(), "_int4") {
			t.Errorf("Scan err = %v, want a types.MalformedError for the _int4 value", err)
		}
		if alloc > allocBound {
			t.Errorf("the scan allocated %d bytes: the dimensions were believed", alloc)
		}
		wantUsable(t, conn, "a malformed value closed the connection; the stream was intact")
		conn.Close(context.Background())
		waitFake(t, f)
	})
}

// TestScenarioTooManyParametersNotSent: a query with more parameters than
// Bind's 16-bit count can carry is refused before anything is written (the
// fake's next expected message is the following query's), and the
// connection stays usable.
//
// The other outbound limit, a message of at most 2 GiB − 1 bytes (its
// int32 length word, checked by the encoder's finishMessage and
// appendValue; the server itself accepts 1 GiB − 1), has no knob and
// cannot be reached without allocating over 2 GiB, so no test reaches it.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-BIND
func TestScenarioTooManyParametersNotSent(t *testing.T) {
	verifyNoLeaks(t)
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.Handshake(),
		pgtest.Expect(&protocol.Query{SQL: "select 1"}), // nothing before it
		pgtest.Send(&protocol.EmptyQueryResponse{}, &protocol.ReadyForQuery{TxStatus: 'I'}),
		pgtest.ExpectType(&protocol.Terminate{}),
	})
	conn := connectConfig(t, fakeConfig(t, f))
	args := make([]any, 65536)
	for i := range args {
		args[i] = i
	}
	var sql strings.Builder
	sql.WriteString("select 0")
	for i := range args {
		fmt.Fprintf(&sql, "+$%d::int4", i+1)
	}
	within(t, "Exec", func(ctx context.Context) {
		_, err := conn.Exec(ctx, sql.String(), args...)
		if err == nil || !strings.Contains(err.Error(), "65536 arguments") || !strings.Contains(err.Error(), "65535") {
			t.Errorf("Exec: %v, want a refusal naming 65536 arguments and the limit", err)
		}
	})
	within(t, "Query", func(ctx context.Context) {
		rows, err := conn.Query(ctx, sql.String(), args...)
		if err == nil {
			rows.Close()
			t.Errorf("Query with 65536 arguments: no error")
		}
	})
	wantUsable(t, conn, "refusing a query closed the connection")
	conn.Close(context.Background())
	waitFake(t, f)
}

// TestScenarioNULInStartupNamesField: a NUL byte would end a startup
// value early on the wire; Connect refuses it before dialling, with an
// error naming the field and never showing the password.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-STARTUPMESSAGE
func TestScenarioNULInStartupNamesField(t *testing.T) {
	const password = "hunter2-secret"
	for _, tc := range []struct {
		field  string
		mutate func(*pgmoon.Config)
	}{
		{"user", func(c *pgmoon.Config) { c.User = "ali\x00ce" }},
		{"database", func(c *pgmoon.Config) { c.Database = "db\x00" }},
		{"application_name", func(c *pgmoon.Config) { c.ApplicationName = "\x00app" }},
		{"options", func(c *pgmoon.Config) { c.RuntimeParams = map[string]string{"options": "-c search_path=a\x00b"} }},
		{"search_path", func(c *pgmoon.Config) { c.RuntimeParams = map[string]string{"search_path": "a\x00b"} }},
		{"password", func(c *pgmoon.Config) { c.Password = password + "\x00" }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			dialed := false
			cfg := &pgmoon.Config{Host: "127.0.0.1", Port: 1, User: "u", Password: password,
				Dialer: dialerFunc(func(context.Context, string, string) (net.Conn, error) {
					dialed = true
					return nil, errors.New("no network in this test")
				})}
			tc.mutate(cfg)
			within(t, "Connect", func(ctx context.Context) {
				_, err := pgmoon.Connect(ctx, cfg)
				switch {
				case err == nil:
					t.Fatal("Connect succeeded")
				case dialed:
					t.Errorf("dialled before refusing: %v", err)
				case !strings.Contains(err.Error(), "NUL byte") || !strings.Contains(err.Error(), tc.field):
					t.Errorf("err = %v, want a NUL refusal naming %s", err, tc.field)
				case strings.Contains(err.Error(), password):
					t.Errorf("err shows the password: %v", err)
				}
			})
		})
	}
}

// rootFile writes cert's certificate as a PEM file to use as sslrootcert.
func rootFile(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "root.crt")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// tlsFixture is a fake server certificate for 127.0.0.1 and a root file
// that trusts it.
type tlsFixture struct {
	conf *tls.Config
	root string
}

func newTLSFixture(t *testing.T, names ...string) tlsFixture {
	t.Helper()
	if len(names) == 0 {
		names = []string{"127.0.0.1"}
	}
	cert, err := pgtest.NewTestCertificate("ecdsa", names...)
	if err != nil {
		t.Fatal(err)
	}
	return tlsFixture{conf: &tls.Config{Certificates: []tls.Certificate{cert}}, root: rootFile(t, cert)}
}

// TestScenarioBytesAfterSSLAnswer: bytes that arrive with the server's 'S'
// were not protected by TLS (CVE-2021-23222). Under every sslmode that
// sends SSLRequest the client refuses them, with a ProtocolError, and does
// not fall back to plain text (the fake has one script: a second
// connection would fail the test).
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SSL
func TestScenarioBytesAfterSSLAnswer(t *testing.T) {
	fx := newTLSFixture(t)
	for _, mode := range []string{"prefer", "verify-ca", "verify-full"} {
		t.Run(mode, func(t *testing.T) {
			verifyNoLeaks(t)
			f := pgtest.NewFakeBackend(t, pgtest.Script{
				pgtest.ExpectSSLRequest(),
				pgtest.SendRaw([]byte{'S', 'R', 0, 0, 0, 8, 0, 0, 0, 0}), // 'S', then AuthenticationOk in the clear
				pgtest.ExpectClose(),
			})
			cfg := fakeConfig(t, f)
			cfg.SSLMode, cfg.SSLRootCert, cfg.Password = mode, fx.root, "pw"
			within(t, "Connect", func(ctx context.Context) {
				_, err := pgmoon.Connect(ctx, cfg)
				var pe *pgmoon.ProtocolError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), "unencrypted data after agreeing to TLS") {
					t.Errorf("err = %v", err)
				}
			})
			waitFake(t, f)
		})
	}
}

// TestScenarioErrorResponseToSSLRequest: a server too old for SSLRequest
// answers it with an ErrorResponse. libpq then reports a failure (it does
// not retry in plain text, even under prefer) and, since CVE-2024-10977,
// without the server's unauthenticated text. pgmoon does the same under
// every sslmode that sends SSLRequest; under allow it sends one only after
// the server refused plain text, and the refusal stands.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SSL
func TestScenarioErrorResponseToSSLRequest(t *testing.T) {
	fx := newTLSFixture(t)
	errResp := &protocol.ErrorResponse{Fields: []protocol.ErrorField{
		{Code: 'S', Value: "FATAL"}, {Code: 'C', Value: "0A000"}, {Code: 'M', Value: "unsupported frontend protocol 1234.5679: visit evil.example"},
	}}
	hbaReject := &protocol.ErrorResponse{Fields: []protocol.ErrorField{
		{Code: 'S', Value: "FATAL"}, {Code: 'V', Value: "FATAL"}, {Code: 'C', Value: "28000"}, {Code: 'M', Value: "no pg_hba.conf entry, SSL off"},
	}}
	for _, mode := range []string{"allow", "prefer", "require", "verify-ca", "verify-full"} {
		t.Run(mode, func(t *testing.T) {
			verifyNoLeaks(t)
			var scripts []pgtest.Script
			if mode == "allow" {
				scripts = append(scripts, pgtest.Script{pgtest.ExpectStartup(), pgtest.Send(hbaReject), pgtest.ExpectClose()})
			}
			scripts = append(scripts, pgtest.Script{pgtest.ExpectSSLRequest(), pgtest.Send(errResp), pgtest.ExpectClose()})
			f := pgtest.NewFakeBackend(t, scripts...)
			cfg := fakeConfig(t, f)
			cfg.SSLMode, cfg.SSLRootCert, cfg.Password = mode, fx.root, "pw"
			within(t, "Connect", func(ctx context.Context) {
				_, err := pgmoon.Connect(ctx, cfg)
				var ce *pgmoon.ConnectError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), "rejected the TLS request") {
					t.Errorf("err = %v, want a ConnectError saying the TLS request was rejected", err)
				}
				if err != nil && strings.Contains(err.Error(), "evil.example") {
					t.Errorf("err repeats the server's unauthenticated text: %v", err)
				}
			})
			waitFake(t, f)
		})
	}
}

// TestScenarioTLSDeclined: a server that answers SSLRequest with 'N'.
// Under require, verify-ca and verify-full the client sends nothing more
// (no StartupMessage, so no user name, no credential); under prefer it goes
// on in plain text on the same connection.
// See https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-PROTECTION
func TestScenarioTLSDeclined(t *testing.T) {
	fx := newTLSFixture(t)
	for _, mode := range []string{"verify-ca", "verify-full"} {
		t.Run(mode, func(t *testing.T) {
			verifyNoLeaks(t)
			f := pgtest.NewFakeBackend(t, pgtest.Script{
				pgtest.ExpectSSLRequest(),
				pgtest.SendRaw([]byte{'N'}),
				pgtest.ExpectClose(),
			})
			cfg := fakeConfig(t, f)
			cfg.SSLMode, cfg.SSLRootCert, cfg.Password = mode, fx.root, "pw"
			within(t, "Connect", func(ctx context.Context) {
				_, err := pgmoon.Connect(ctx, cfg)
				var ce *pgmoon.ConnectError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), "server does not support TLS, but sslmode requires it") {
					t.Errorf("err = %v", err)
				}
			})
			waitFake(t, f)
		})
	}
	t.Run("prefer", func(t *testing.T) {
		verifyNoLeaks(t)
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.ExpectSSLRequest(),
			pgtest.SendRaw([]byte{'N'}),
			pgtest.Handshake(),
			pgtest.ExpectType(&protocol.Terminate{}),
		})
		cfg := fakeConfig(t, f)
		cfg.SSLMode = "prefer"
		within(t, "Connect", func(ctx context.Context) {
			conn, err := pgmoon.Connect(ctx, cfg)
			if err != nil {
				t.Fatalf("Connect: %v", err)
			}
			if conn.UsesTLS() {
				t.Error("UsesTLS after 'N'")
			}
			conn.Close(ctx)
		})
		waitFake(t, f)
	})
}

// TestScenarioTLSFailures: a certificate from an unknown authority
// (verify-ca), one for another host (verify-full), and a server that
// answers the ClientHello with bytes that are not TLS. Each is a
// ConnectError, the client sends nothing after the failed handshake (no
// StartupMessage, no password), and the failure of a server certificate
// check never falls back to plain text.
// See https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-CERTIFICATES
func TestScenarioTLSFailures(t *testing.T) {
	good := newTLSFixture(t)
	other := newTLSFixture(t)                   // a root that signed nothing the fake has
	wrongHost := newTLSFixture(t, "db.example") // valid chain, another name
	for _, tc := range []struct {
		name, mode, root string
		steps            []pgtest.Step
		want             string
	}{
		{"unknown authority under verify-ca", "verify-ca", other.root,
			[]pgtest.Step{pgtest.ExpectSSLRequest(), pgtest.ExpectTLSRefused(good.conf), pgtest.ExpectClose()},
			"certificate"},
		{"unknown authority under verify-full", "verify-full", other.root,
			[]pgtest.Step{pgtest.ExpectSSLRequest(), pgtest.ExpectTLSRefused(good.conf), pgtest.ExpectClose()},
			"certificate"},
		{"wrong host name under verify-full", "verify-full", wrongHost.root,
			[]pgtest.Step{pgtest.ExpectSSLRequest(), pgtest.ExpectTLSRefused(wrongHost.conf), pgtest.ExpectClose()},
			"127.0.0.1"},
		{"handshake garbage under require", "require", "",
			[]pgtest.Step{pgtest.ExpectSSLRequest(), pgtest.SendRaw([]byte{'S'}), pgtest.ExpectTLSClientHello(),
				pgtest.SendRaw([]byte("HTTP/1.1 400 Bad Request\r\n\r\n")), pgtest.ExpectClose()},
			"TLS handshake"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			verifyNoLeaks(t)
			f := pgtest.NewFakeBackend(t, pgtest.Script(tc.steps))
			cfg := fakeConfig(t, f)
			cfg.SSLMode, cfg.SSLRootCert, cfg.Password = tc.mode, tc.root, "pw-secret"
			within(t, "Connect", func(ctx context.Context) {
				_, err := pgmoon.Connect(ctx, cfg)
				var ce *pgmoon.ConnectError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), "TLS handshake") || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("err = %v, want a ConnectError from the TLS handshake naming %q", err, tc.want)
				}
				if err != nil && strings.Contains(err.Error(), cfg.Password) {
					t.Errorf("err shows the password: %v", err)
				}
			})
			waitFake(t, f)
		})
	}
}

// TestScenarioAuthDowngrades: require_auth=scram-sha-256 (alone and with
// md5) against a server that asks for a cleartext password, the pairing the
// table of TestRequireAuthFake lacks. The client closes without sending the
// password, and the error names the requirement and what the server asked.
// See https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-REQUIRE-AUTH
func TestScenarioAuthDowngrades(t *testing.T) {
	for _, tc := range []struct {
		name, requireAuth string
		request           protocol.BackendMessage
		want              string
	}{
		{"scram-sha-256 vs cleartext", "scram-sha-256", &protocol.AuthenticationCleartextPassword{},
			`requirement "scram-sha-256" failed: server requested cleartext password authentication`},
		{"scram-sha-256,md5 vs cleartext", "scram-sha-256,md5", &protocol.AuthenticationCleartextPassword{},
			"server requested cleartext password authentication"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			verifyNoLeaks(t)
			f := pgtest.NewFakeBackend(t, pgtest.Script{
				pgtest.ExpectStartup(),
				pgtest.Send(tc.request),
				pgtest.ExpectClose(), // a PasswordMessage here fails the script
			})
			cfg := fakeConfig(t, f)
			cfg.Password, cfg.RequireAuth = "pw-secret", tc.requireAuth
			within(t, "Connect", func(ctx context.Context) {
				_, err := pgmoon.Connect(ctx, cfg)
				var ce *pgmoon.ConnectError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("err = %v, want a ConnectError saying %q", err, tc.want)
				}
				if err != nil && strings.Contains(err.Error(), cfg.Password) {
					t.Errorf("err shows the password: %v", err)
				}
			})
			waitFake(t, f)
		})
	}
}

// scramServer plays the server side of SCRAM-SHA-256 far enough to tamper
// with it: it keeps the client's nonce from SASLInitialResponse so that its
// server-first-message can extend (or fail to extend) it.
// See https://www.postgresql.org/docs/current/sasl-authentication.html#SASL-SCRAM-SHA-256
type scramServer struct{ clientNonce string }

func (s *scramServer) readFirst() pgtest.Step {
	return pgtest.ExpectFunc(func(m protocol.FrontendMessage) error {
		r, ok := m.(*protocol.SASLInitialResponse)
		if !ok {
			return fmt.Errorf("got %T, want SASLInitialResponse", m)
		}
		_, nonce, found := strings.Cut(string(r.Data), ",r=")
		if !found || nonce == "" {
			return fmt.Errorf("no nonce in %q", r.Data)
		}
		s.clientNonce = nonce
		return nil
	})
}

// serverFirst sends AuthenticationSASLContinue with format applied to the
// client's nonce.
func (s *scramServer) serverFirst(format string) pgtest.Step {
	return pgtest.SendFunc("server-first-message", func() ([]protocol.BackendMessage, error) {
		data := format
		if strings.Contains(format, "%s") {
			data = fmt.Sprintf(format, s.clientNonce)
		}
		return []protocol.BackendMessage{&protocol.AuthenticationSASLContinue{Data: []byte(data)}}, nil
	})
}

// TestScenarioSCRAMTampering: a server (or a man in the middle) that breaks
// SCRAM-SHA-256. The client refuses with an error naming the fault, sends
// no further SASL message where the exchange is already broken, never
// accepts AuthenticationOk, and never shows the password. Iteration counts
// are bounded before the key derivation runs.
// See https://www.postgresql.org/docs/current/sasl-authentication.html
func TestScenarioSCRAMTampering(t *testing.T) {
	salt := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	for _, tc := range []struct {
		name  string
		first string // server-first-message; %s is the client's nonce
		final string // server-final-message, if the client answers the first
		want  string
	}{
		{"nonce without the client's prefix", "r=AAAAAAAAAAAAAAAAAAAAAAAAserver,s=" + salt + ",i=4096", "", "nonce"},
		{"malformed server-first-message", "this is not SCRAM", "", "SCRAM"},
		{"iteration count 0", "r=%sserver,s=" + salt + ",i=0", "", "iteration"},
		{"iteration count 2^31-1", "r=%sserver,s=" + salt + ",i=2147483647", "", "iteration"},
		{"salt not base64", "r=%sserver,s=!!not*base64!!,i=4096", "", "salt"},
		{"bad server signature", "r=%sserver,s=" + salt + ",i=4096", "v=" + base64.StdEncoding.EncodeToString(make([]byte, 32)), "signature"},
		{"server error in final", "r=%sserver,s=" + salt + ",i=4096", "e=invalid-proof", "invalid-proof"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			verifyNoLeaks(t)
			s := &scramServer{}
			steps := []pgtest.Step{
				pgtest.ExpectStartup(),
				pgtest.Send(&protocol.AuthenticationSASL{Mechanisms: []string{"SCRAM-SHA-256"}}),
				pgtest.SetAuthType(protocol.AuthSASLInitial),
				s.readFirst(),
				s.serverFirst(tc.first),
			}
			if tc.final != "" {
				steps = append(steps,
					pgtest.ExpectType(&protocol.SASLResponse{}), // client-final-message: a proof, not the password
					pgtest.Send(&protocol.AuthenticationSASLFinal{Data: []byte(tc.final)}, &protocol.AuthenticationOk{}),
				)
			}
			f := pgtest.NewFakeBackend(t, pgtest.Script(append(steps, pgtest.ExpectClose())))
			cfg := fakeConfig(t, f)
			cfg.Password = "pw-secret"
			var err error
			within(t, "Connect", func(ctx context.Context) { _, err = pgmoon.Connect(ctx, cfg) })
			var ce *pgmoon.ConnectError
			if !errors.As(err, &ce) || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.want)) {
				t.Errorf("err = %v, want a ConnectError naming %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), cfg.Password) {
				t.Errorf("err shows the password: %v", err)
			}
			waitFake(t, f)
		})
	}
}

// TestScenarioAsyncMessagesMidRows: NoticeResponse, ParameterStatus and
// NotificationResponse between the DataRows of an extended-protocol query
// reach Config.OnNotice, Conn.ParameterStatus and Config.OnNotification,
// and the rows come through intact.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-ASYNC
func TestScenarioAsyncMessagesMidRows(t *testing.T) {
	verifyNoLeaks(t)
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.Handshake(),
		batchSteps(1),
		pgtest.Send(
			&protocol.BindComplete{},
			&protocol.DataRow{Values: [][]byte{{0, 0, 0, 1}}},
			&protocol.NoticeResponse{Fields: []protocol.ErrorField{{Code: 'S', Value: "NOTICE"}, {Code: 'C', Value: "00000"}, {Code: 'M', Value: "midway"}}},
			&protocol.DataRow{Values: [][]byte{{0, 0, 0, 2}}},
			&protocol.ParameterStatus{Name: "TimeZone", Value: "Asia/Tokyo"},
			&protocol.NotificationResponse{ProcessID: 99, Channel: "jobs", Payload: "42"},
			&protocol.DataRow{Values: [][]byte{{0, 0, 0, 3}}},
			&protocol.CommandComplete{CommandTag: []byte("SELECT 3")},
			&protocol.ReadyForQuery{TxStatus: 'I'},
		),
		pgtest.ExpectType(&protocol.Terminate{}),
	})
	cfg := fakeConfig(t, f)
	var notices []string
	var notes []pgmoon.Notification
	cfg.OnNotice = func(_ *pgmoon.Conn, n *pgmoon.Notice) { notices = append(notices, n.Message) }
	cfg.OnNotification = func(_ *pgmoon.Conn, n *pgmoon.Notification) { notes = append(notes, *n) }
	conn := connectConfig(t, cfg)
	within(t, "Query", func(ctx context.Context) {
		rows, err := conn.Query(ctx, "select $1::int4", 1)
		if err != nil {
			t.Fatal(err)
		}
		var got []int32
		for rows.Next() {
			var n int32
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			got = append(got, n)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != "[1 2 3]" || rows.CommandTag().String() != "SELECT 3" {
			t.Errorf("rows = %v, tag %q; want [1 2 3], SELECT 3", got, rows.CommandTag())
		}
	})
	if fmt.Sprint(notices) != "[midway]" {
		t.Errorf("notices = %q", notices)
	}
	if len(notes) != 1 || notes[0] != (pgmoon.Notification{PID: 99, Channel: "jobs", Payload: "42"}) {
		t.Errorf("notifications = %+v", notes)
	}
	if got := conn.ParameterStatus("TimeZone"); got != "Asia/Tokyo" {
		t.Errorf("TimeZone = %q", got)
	}
	conn.Close(context.Background())
	waitFake(t, f)
}

// TestScenarioFatalClosesWithCause: a FATAL ErrorResponse in the middle
// of a pipeline (batch), of COPY FROM and of COPY TO. The call that meets
// it gets the *PgError with FATAL severity, the connection is closed, and
// later calls get ErrConnClosed naming the FATAL error.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-PIPELINING
func TestScenarioFatalClosesWithCause(t *testing.T) {
	wantFatal := func(t *testing.T, err error) {
		t.Helper()
		var pgErr *pgmoon.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "57P01" || pgErr.SeverityUnlocalized != "FATAL" {
			t.Errorf("err = %v, want the FATAL PgError 57P01", err)
		}
	}
	t.Run("batch", func(t *testing.T) {
		verifyNoLeaks(t)
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.Handshake(),
			batchSteps(3),
			pgtest.Send(&protocol.BindComplete{}, &protocol.DataRow{Values: [][]byte{{0, 0, 0, 7}}}, &protocol.CommandComplete{CommandTag: []byte("SELECT 1")},
				&protocol.BindComplete{}, fatalShutdown),
			pgtest.CloseConn(),
		})
		conn := connectConfig(t, fakeConfig(t, f))
		within(t, "SendBatch", func(ctx context.Context) {
			b := &pgmoon.Batch{}
			for i := range 3 {
				b.Queue("select $1::int4", i)
			}
			br := conn.SendBatch(ctx, b)
			var n int32
			if err := br.QueryRow().Scan(&n); err != nil || n != 7 {
				t.Errorf("first result: %d, %v", n, err)
			}
			_, err := br.Exec()
			wantFatal(t, err)
			if _, err := br.Exec(); err == nil {
				t.Error("third result: no error")
			}
			if err := br.Close(); err == nil {
				t.Error("Close: no error")
			}
		})
		waitFake(t, f)
		wantClosedWithCause(t, conn, "57P01")
	})
	t.Run("COPY FROM", func(t *testing.T) {
		verifyNoLeaks(t)
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.Handshake(),
			describeInt8Column(),
			pgtest.Expect(&protocol.Query{SQL: `copy "t" ("id") from stdin (format binary)`}),
			pgtest.Send(&protocol.CopyInResponse{OverallFormat: 1, ColumnFormats: []int16{1}}),
			pgtest.ExpectType(&protocol.CopyData{}),
			pgtest.Send(fatalShutdown),
			pgtest.CloseConn(),
		})
		conn := connectConfig(t, fakeConfig(t, f))
		within(t, "CopyFrom", func(ctx context.Context) {
			_, err := conn.CopyFrom(ctx, pgmoon.Identifier{"t"}, []string{"id"}, endless())
			wantFatal(t, err)
		})
		waitFake(t, f)
		wantClosedWithCause(t, conn, "57P01")
	})
	t.Run("COPY TO", func(t *testing.T) {
		verifyNoLeaks(t)
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.Handshake(),
			pgtest.ExpectType(&protocol.Query{}),
			pgtest.Send(&protocol.CopyOutResponse{}, &protocol.CopyData{Data: []byte("1\n")}, fatalShutdown),
			pgtest.CloseConn(),
		})
		conn := connectConfig(t, fakeConfig(t, f))
		within(t, "CopyTo", func(ctx context.Context) {
			var w lineCounter
			_, err := conn.CopyTo(ctx, &w, "copy t to stdout")
			wantFatal(t, err)
		})
		waitFake(t, f)
		wantClosedWithCause(t, conn, "57P01")
	})
}

// TestScenarioFatalAfterCommandComplete: the statement completed
// (CommandComplete arrived, and in autocommit it is committed), then the
// session died with FATAL before ReadyForQuery. The call reports the FATAL
// *PgError, not success: the caller learns the session is gone, and the
// results that arrived before it are still returned (SimpleQuery's Results
// carry the completed statement's tag). The connection is closed.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SIMPLE-QUERY
func TestScenarioFatalAfterCommandComplete(t *testing.T) {
	t.Run("SimpleQuery", func(t *testing.T) {
		verifyNoLeaks(t)
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.Handshake(),
			pgtest.Expect(&protocol.Query{SQL: "insert into t values (1)"}),
			pgtest.Send(&protocol.CommandComplete{CommandTag: []byte("INSERT 0 1")}, fatalShutdown),
			pgtest.CloseConn(),
		})
		conn := connectConfig(t, fakeConfig(t, f))
		within(t, "SimpleQuery", func(ctx context.Context) {
			res, err := conn.SimpleQuery(ctx, "insert into t values (1)")
			var pgErr *pgmoon.PgError
			if !errors.As(err, &pgErr) || pgErr.SeverityUnlocalized != "FATAL" {
				t.Errorf("err = %v, want the FATAL PgError", err)
			}
			if len(res) == 0 || res[0].CommandTag.String() != "INSERT 0 1" {
				t.Errorf("results = %+v, want the completed INSERT first", res)
			}
		})
		waitFake(t, f)
		wantClosedWithCause(t, conn, "57P01")
	})
	t.Run("Exec", func(t *testing.T) {
		verifyNoLeaks(t)
		f := pgtest.NewFakeBackend(t, pgtest.Script{
			pgtest.Handshake(),
			batchSteps(1),
			pgtest.Send(&protocol.BindComplete{}, &protocol.DataRow{Values: [][]byte{{0, 0, 0, 1}}},
				&protocol.CommandComplete{CommandTag: []byte("SELECT 1")}, fatalShutdown),
			pgtest.CloseConn(),
		})
		conn := connectConfig(t, fakeConfig(t, f))
		within(t, "Exec", func(ctx context.Context) {
			_, err := conn.Exec(ctx, "select $1::int4", 1)
			var pgErr *pgmoon.PgError
			if !errors.As(err, &pgErr) || pgErr.SeverityUnlocalized != "FATAL" {
				t.Errorf("err = %v, want the FATAL PgError", err)
			}
		})
		waitFake(t, f)
		wantClosedWithCause(t, conn, "57P01")
	})
}

// TestScenarioConnectStalls: the context's deadline during connect against
// a server that accepts and never answers, one that agrees to TLS and then
// says nothing, and one that stops after AuthenticationOk. Connect returns
// a ConnectError matching context.DeadlineExceeded soon after the
// deadline, the fake sees the socket closed, no goroutine is left, and
// prefer does not retry in plain text after its deadline.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
func TestScenarioConnectStalls(t *testing.T) {
	const deadline = 300 * time.Millisecond
	const margin = 3 * time.Second // generous: 2 CPUs shared, -race
	for _, tc := range []struct {
		name, mode string
		steps      []pgtest.Step
	}{
		{"black hole", "disable", []pgtest.Step{pgtest.ExpectStartup(), pgtest.ExpectClose()}},
		{"black hole after SSLRequest", "prefer", []pgtest.Step{pgtest.ExpectSSLRequest(), pgtest.ExpectClose()}},
		{"TLS stall under require", "require", []pgtest.Step{pgtest.ExpectSSLRequest(), pgtest.SendRaw([]byte{'S'}), pgtest.ExpectTLSClientHello(), pgtest.ExpectClose()}},
		{"TLS stall under prefer", "prefer", []pgtest.Step{pgtest.ExpectSSLRequest(), pgtest.SendRaw([]byte{'S'}), pgtest.ExpectTLSClientHello(), pgtest.ExpectClose()}},
		{"stall after AuthenticationOk", "disable", []pgtest.Step{pgtest.ExpectStartup(), pgtest.Send(&protocol.AuthenticationOk{}), pgtest.ExpectClose()}},
		{"stall after ParameterStatus", "disable", []pgtest.Step{pgtest.ExpectStartup(),
			pgtest.Send(&protocol.AuthenticationOk{}, &protocol.ParameterStatus{Name: "server_version", Value: "15.0"}), pgtest.ExpectClose()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			verifyNoLeaks(t)
			f := pgtest.NewFakeBackend(t, pgtest.Script(tc.steps))
			cfg := fakeConfig(t, f)
			cfg.SSLMode = tc.mode
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			start := time.Now()
			conn, err := pgmoon.Connect(ctx, cfg)
			took := time.Since(start)
			if err == nil {
				conn.Close(context.Background())
				t.Fatal("Connect succeeded against a stalled server")
			}
			var ce *pgmoon.ConnectError
			if !errors.As(err, &ce) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want a ConnectError matching context.DeadlineExceeded", err)
			}
			if took > deadline+margin {
				t.Errorf("Connect returned %v after its %v deadline", took-deadline, deadline)
			}
			waitFake(t, f) // ExpectClose: the client closed the socket
		})
	}
}
