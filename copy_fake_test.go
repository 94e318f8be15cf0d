package pgmoon_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/protocol"
)

// describeInt8Column answers CopyFrom's describe round trip for one int8
// column.
func describeInt8Column() pgtest.Step {
	return pgtest.Group("describe",
		pgtest.ExpectType(&protocol.Parse{}),
		pgtest.ExpectType(&protocol.Describe{}),
		pgtest.ExpectType(&protocol.Sync{}),
		pgtest.Send(&protocol.ParseComplete{}, &protocol.ParameterDescription{},
			&protocol.RowDescription{Fields: []protocol.FieldDescription{{Name: []byte("id"), DataTypeOID: 20, DataTypeSize: 8, TypeModifier: -1}}},
			&protocol.ReadyForQuery{TxStatus: 'I'}),
	)
}

// endless is a row source that never ends.
func endless() pgmoon.CopyFromSource {
	i := int64(0)
	return pgmoon.CopyFromFunc(func() ([]any, error) { i++; return []any{i}, nil })
}

var fatalShutdown = &protocol.ErrorResponse{Fields: []protocol.ErrorField{
	{Code: 'S', Value: "FATAL"}, {Code: 'V', Value: "FATAL"}, {Code: 'C', Value: "57P01"},
	{Code: 'M', Value: "terminating connection due to administrator command"}}}

// What a real server will not do mid-COPY: fail with FATAL and hang up,
// send a message that has no place in a COPY, or complete the COPY before
// the client ended it. Each is an error, the connection is closed and no
// goroutine is left behind.
func TestFakeCopyFromFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []pgtest.Step
		check func(t *testing.T, err error)
	}{
		{"FATAL and hang up while the client sends", []pgtest.Step{
			pgtest.ExpectType(&protocol.CopyData{}),
			pgtest.Send(fatalShutdown),
			pgtest.CloseConn(),
		}, func(t *testing.T, err error) {
			var pgErr *pgmoon.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "57P01" {
				t.Errorf("err = %v, want the FATAL error", err)
			}
		}},
		{"hang up without a word", []pgtest.Step{
			pgtest.ExpectType(&protocol.CopyData{}),
			pgtest.CloseConn(),
		}, func(t *testing.T, err error) {
			if err == nil || errors.Is(err, &pgmoon.PgError{}) {
				t.Errorf("err = %v", err)
			}
		}},
		{"DataRow during COPY FROM", []pgtest.Step{
			pgtest.ExpectType(&protocol.CopyData{}),
			pgtest.Send(&protocol.DataRow{Values: [][]byte{[]byte("x")}}),
			pgtest.CloseConn(),
		}, func(t *testing.T, err error) {
			var pe *pgmoon.ProtocolError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), "unexpected DataRow") {
				t.Errorf("err = %v", err)
			}
		}},
		{"CommandComplete before CopyDone", []pgtest.Step{
			pgtest.ExpectType(&protocol.CopyData{}),
			pgtest.Send(&protocol.CommandComplete{CommandTag: []byte("COPY 1")}, &protocol.ReadyForQuery{TxStatus: 'I'}),
			pgtest.CloseConn(),
		}, func(t *testing.T, err error) {
			var pe *pgmoon.ProtocolError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), "CommandComplete before the COPY data ended") {
				t.Errorf("err = %v", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			verifyNoLeaks(t)
			script := pgtest.Script{
				pgtest.Handshake(),
				describeInt8Column(),
				pgtest.Expect(&protocol.Query{SQL: `copy "t" ("id") from stdin (format binary)`}),
				pgtest.Send(&protocol.CopyInResponse{OverallFormat: 1, ColumnFormats: []int16{1}}),
			}
			f := pgtest.NewFakeBackend(t, append(script, tc.steps...))
			conn := connectConfig(t, fakeConfig(t, f))
			_, err := conn.CopyFrom(testCtx(t), pgmoon.Identifier{"t"}, []string{"id"}, endless())
			tc.check(t, err)
			if !conn.IsClosed() {
				t.Error("connection left open")
			}
			waitFake(t, f)
		})
	}
}

func TestFakeCopyToFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		send []protocol.BackendMessage
		want string
	}{
		{"CopyData before CopyOutResponse", []protocol.BackendMessage{&protocol.CopyData{Data: []byte("1\n")}}, "unexpected CopyData"},
		{"CopyDone outside COPY", []protocol.BackendMessage{&protocol.CopyOutResponse{}, &protocol.CopyDone{}, &protocol.CopyDone{}}, "unexpected CopyDone"},
		{"ParseComplete", []protocol.BackendMessage{&protocol.CopyOutResponse{}, &protocol.ParseComplete{}}, "unexpected ParseComplete"},
		{"hang up mid-COPY", []protocol.BackendMessage{&protocol.CopyOutResponse{}, &protocol.CopyData{Data: []byte("1\n")}}, "EOF"},
		{"FATAL mid-COPY", []protocol.BackendMessage{&protocol.CopyOutResponse{}, &protocol.CopyData{Data: []byte("1\n")}, fatalShutdown}, "57P01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			verifyNoLeaks(t)
			f := pgtest.NewFakeBackend(t, pgtest.Script{
				pgtest.Handshake(),
				pgtest.ExpectType(&protocol.Query{}),
				pgtest.Send(tc.send...),
				pgtest.CloseConn(),
			})
			conn := connectConfig(t, fakeConfig(t, f))
			var w lineCounter
			_, err := conn.CopyTo(testCtx(t), &w, "copy t to stdout")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			if !conn.IsClosed() {
				t.Error("connection left open")
			}
			waitFake(t, f)
		})
	}
}
