package pgmoon_test

import (
	"context"
	"errors"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/protocol"
)

// pipeDialer connects to an in-memory server: each DialContext returns
// the client end of a net.Pipe whose server end serve runs on.
type pipeDialer struct {
	serve func(server net.Conn)
	done  chan struct{} // closed when the first connection's server returns
}

func (d *pipeDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	client, server := net.Pipe()
	go func() {
		defer close(d.done)
		defer server.Close()
		d.serve(server)
	}()
	return client, nil
}

// fuzzServerSession plays a server that completes the startup
// (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP)
// without authentication, waits for the client's first query (a Query or
// a Sync ending an extended-protocol batch), answers it with reply, and
// closes the connection.
func fuzzServerSession(server net.Conn, reply []byte) {
	server.SetDeadline(time.Now().Add(10 * time.Second))
	be := protocol.NewBackend(server, server)
	if _, err := be.ReceiveStartupMessage(); err != nil {
		return
	}
	var hello []byte
	for _, m := range []protocol.BackendMessage{
		&protocol.AuthenticationOk{},
		&protocol.ParameterStatus{Name: "server_version", Value: "15.0"},
		&protocol.BackendKeyData{ProcessID: 7, SecretKey: []byte{1, 2, 3, 4}},
		&protocol.ReadyForQuery{TxStatus: protocol.TxIdle},
	} {
		hello, _ = m.Encode(hello)
	}
	if _, err := server.Write(hello); err != nil {
		return
	}
	for {
		msg, err := be.Receive()
		if err != nil {
			return
		}
		switch msg.(type) {
		case *protocol.Query, *protocol.Sync:
			server.Write(reply)
			return
		case *protocol.Terminate:
			return
		}
	}
}

// FuzzConnServerBytes answers the driver's first query, simple or
// extended, with arbitrary bytes from the server and then closes the
// connection. Whatever the bytes, the call must not panic, must return
// promptly, must fail with a documented error kind (a *PgError, a
// *ProtocolError, a *ConnectError or ErrConnClosed, or the end of the
// stream) or succeed, must leave the connection closed after a protocol
// violation, and must leave no goroutine behind once closed.
func FuzzConnServerBytes(f *testing.F) {
	enc := func(msgs ...protocol.BackendMessage) []byte {
		var b []byte
		for _, m := range msgs {
			var err error
			if b, err = m.Encode(b); err != nil {
				f.Fatal(err)
			}
		}
		return b
	}
	field := protocol.FieldDescription{Name: []byte("a"), DataTypeOID: 23, DataTypeSize: 4, TypeModifier: -1}
	rows := enc(&protocol.RowDescription{Fields: []protocol.FieldDescription{field}},
		&protocol.DataRow{Values: [][]byte{[]byte("1")}},
		&protocol.CommandComplete{CommandTag: []byte("SELECT 1")}, &protocol.ReadyForQuery{TxStatus: protocol.TxIdle})
	f.Add(false, rows)
	f.Add(false, enc(&protocol.ErrorResponse{Fields: []protocol.ErrorField{{Code: 'S', Value: "ERROR"}, {Code: 'C', Value: "42601"}, {Code: 'M', Value: "syntax"}}}, &protocol.ReadyForQuery{TxStatus: protocol.TxIdle}))
	f.Add(false, enc(&protocol.NoticeResponse{Fields: []protocol.ErrorField{{Code: 'M', Value: "n"}}}, &protocol.NotificationResponse{ProcessID: 1, Channel: "c"}, &protocol.EmptyQueryResponse{}, &protocol.ReadyForQuery{TxStatus: protocol.TxActive}))
	f.Add(false, []byte{'D', 0, 0, 0, 10, 0, 1, 0xFF, 0xFF, 0xFF, 0xFE}) // value length -2
	f.Add(false, []byte{'Z', 0xFF, 0xFF, 0xFF, 0xFF})                    // length -1
	f.Add(true, enc(&protocol.ParseComplete{}, &protocol.ParameterDescription{ParameterOIDs: []uint32{23}},
		&protocol.RowDescription{Fields: []protocol.FieldDescription{field}}, &protocol.ReadyForQuery{TxStatus: protocol.TxIdle}))
	f.Add(true, enc(&protocol.ParseComplete{}, &protocol.ParameterDescription{ParameterOIDs: []uint32{23, 23, 23}}, &protocol.NoData{}, &protocol.ReadyForQuery{TxStatus: protocol.TxIdle}))
	f.Add(true, enc(&protocol.CopyInResponse{ColumnFormats: []int16{0}}, &protocol.CopyOutResponse{}, &protocol.CopyData{Data: []byte("x")}))
	f.Fuzz(func(t *testing.T, extended bool, reply []byte) {
		before := runtime.NumGoroutine()
		d := &pipeDialer{done: make(chan struct{}), serve: func(server net.Conn) { fuzzServerSession(server, reply) }}
		cfg, err := pgmoon.ParseConfig("host=fuzz port=1 user=u dbname=d sslmode=disable connect_timeout=10")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Dialer = d
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		conn, err := pgmoon.Connect(ctx, cfg)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		if extended {
			var rows *pgmoon.Rows
			rows, err = conn.Query(ctx, "select $1::int", 1)
			if err == nil {
				for rows.Next() {
					var v any
					_ = rows.Scan(&v)
				}
				rows.Close()
				err = rows.Err()
			}
		} else {
			_, err = conn.SimpleQuery(ctx, "select 1")
		}
		if took := time.Since(start); took > 9*time.Second {
			t.Fatalf("the query took %v: it waited on a closed connection", took)
		}
		var pgErr *pgmoon.PgError
		var protoErr *pgmoon.ProtocolError
		var connectErr *pgmoon.ConnectError
		switch {
		case err == nil, errors.As(err, &pgErr), errors.As(err, &connectErr), errors.Is(err, pgmoon.ErrConnClosed):
		case errors.As(err, &protoErr):
			if !conn.IsClosed() {
				t.Fatalf("protocol violation %v left the connection open", err)
			}
		default:
			t.Logf("error %v (%T)", err, err) // the end of the stream, in whatever words
		}
		conn.Close(ctx)
		select {
		case <-d.done:
		case <-time.After(10 * time.Second):
			t.Fatal("the server's side never finished")
		}
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				t.Fatalf("%d goroutines left after Close (%d before):\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
			}
			time.Sleep(time.Millisecond)
		}
	})
}
