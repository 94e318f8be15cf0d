package pgmoon_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/auth"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/protocol"
	"go.uber.org/goleak"
)

func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// connect opens a connection to dsn and closes it when the test ends.
func connect(t testing.TB, dsn string) *pgmoon.Conn {
	t.Helper()
	cfg, err := pgmoon.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return connectConfig(t, cfg)
}

// connectConfig opens a connection with cfg and closes it when the test ends.
func connectConfig(t testing.TB, cfg *pgmoon.Config) *pgmoon.Conn {
	t.Helper()
	conn, err := pgmoon.Connect(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// scalar runs a one-row, one-column query and returns its text value.
func scalar(t testing.TB, conn *pgmoon.Conn, sql string) string {
	t.Helper()
	res, err := conn.SimpleQuery(testCtx(t), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if len(res) != 1 || len(res[0].Rows) != 1 || len(res[0].Rows[0]) != 1 {
		t.Fatalf("%s: want one value, got %d results", sql, len(res))
	}
	return string(res[0].Rows[0][0])
}

func TestConnectAuthMethods(t *testing.T) {
	srv := pgtest.Default(t)
	for _, method := range []string{"trust", "password", "md5", "scram-sha-256"} {
		t.Run(method, func(t *testing.T) {
			u, err := srv.User(method)
			if err != nil {
				t.Fatal(err)
			}
			for _, via := range []string{"tcp", "unix"} {
				t.Run(via, func(t *testing.T) {
					cfg := userConfig(t, srv, u, via)
					conn, err := pgmoon.Connect(testCtx(t), cfg)
					if err != nil {
						t.Fatalf("connect as %s: %v", u.Name, err)
					}
					defer conn.Close(context.Background())
					if got := scalar(t, conn, "select current_user"); got != u.Name {
						t.Errorf("current_user = %q, want %q", got, u.Name)
					}
					if method == "trust" {
						return
					}
					// The server really used the method: the same user
					// with a wrong password is refused.
					bad := cfg.Copy()
					bad.Password = "wrong-" + u.Password
					_, err = pgmoon.Connect(testCtx(t), bad)
					var pgErr *pgmoon.PgError
					if !errors.As(err, &pgErr) || pgErr.SQLState() != "28P01" {
						t.Fatalf("wrong password: err = %v, want SQLSTATE 28P01", err)
					}
					if strings.Contains(err.Error(), bad.Password) {
						t.Errorf("error reveals the password: %v", err)
					}
					var ce *pgmoon.ConnectError
					if !errors.As(err, &ce) {
						t.Errorf("error %T is not a *ConnectError", err)
					}
					// No password at all is refused before anything is sent.
					none := cfg.Copy()
					none.Password = ""
					_, err = pgmoon.Connect(testCtx(t), none)
					if !errors.Is(err, auth.ErrNoPassword) || !strings.Contains(err.Error(), "no password was given") {
						t.Errorf("missing password: err = %v", err)
					}
				})
			}
		})
	}
}

// userConfig builds a Config for a pgtest user over TCP or the unix socket.
func userConfig(t testing.TB, srv *pgtest.Server, u pgtest.User, via string) *pgmoon.Config {
	t.Helper()
	dsn := srv.URL(u.Name, u.Password, "postgres")
	cfg, err := pgmoon.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if via == "unix" {
		cfg.Host = srv.SocketDir()
	}
	return cfg
}

func TestConnectUnknownDatabase(t *testing.T) {
	srv := pgtest.Default(t)
	cfg, err := pgmoon.ParseConfig(srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = "no_such_database_pgmoon"
	_, err = pgmoon.Connect(testCtx(t), cfg)
	var pgErr *pgmoon.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" || pgErr.Severity != "FATAL" {
		t.Fatalf("err = %v, want FATAL 3D000", err)
	}
}

func TestParameterStatus(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	if v := conn.ParameterStatus("server_version"); v == "" {
		t.Error("server_version not reported")
	}
	if v := conn.ParameterStatus("client_encoding"); v != "UTF8" {
		t.Errorf("client_encoding = %q, want UTF8", v)
	}
	if conn.PID() == 0 {
		t.Error("no backend PID")
	}
	if _, err := conn.SimpleQuery(testCtx(t), "set application_name = 'pgmoon-ps-test'"); err != nil {
		t.Fatal(err)
	}
	if v := conn.ParameterStatus("application_name"); v != "pgmoon-ps-test" {
		t.Errorf("application_name after SET = %q", v)
	}
	if conn.TxStatus() != 'I' {
		t.Errorf("TxStatus = %c, want I", conn.TxStatus())
	}
	if _, err := conn.SimpleQuery(testCtx(t), "begin"); err != nil {
		t.Fatal(err)
	}
	if conn.TxStatus() != 'T' {
		t.Errorf("TxStatus in a transaction = %c, want T", conn.TxStatus())
	}
}

func TestSimpleQueryMultiStatement(t *testing.T) {
	conn := connect(t, pgtest.Default(t).NewDatabase(t))
	res, err := conn.SimpleQuery(testCtx(t), `
		select 1 as one, 'x' as letter;
		create table items (id int, name text);
		insert into items values (1, 'a'), (2, null), (3, '');
		select id, name from items order by id;
		update items set name = 'z' where id > 1`)
	if err != nil {
		t.Fatal(err)
	}
	type summary struct {
		Columns []string
		Rows    [][]*string
		Tag     string
		N       int64
	}
	var got []summary
	for _, r := range res {
		s := summary{Tag: r.CommandTag.String(), N: r.CommandTag.RowsAffected()}
		for _, f := range r.Fields {
			s.Columns = append(s.Columns, f.Name)
		}
		for _, row := range r.Rows {
			var vals []*string
			for _, v := range row {
				if v == nil {
					vals = append(vals, nil)
				} else {
					s := string(v)
					vals = append(vals, &s)
				}
			}
			s.Rows = append(s.Rows, vals)
		}
		got = append(got, s)
	}
	str := func(s string) *string { return &s }
	want := []summary{
		{Columns: []string{"one", "letter"}, Rows: [][]*string{{str("1"), str("x")}}, Tag: "SELECT 1", N: 1},
		{Tag: "CREATE TABLE"},
		{Tag: "INSERT 0 3", N: 3},
		{Columns: []string{"id", "name"}, Rows: [][]*string{{str("1"), str("a")}, {str("2"), nil}, {str("3"), str("")}}, Tag: "SELECT 3", N: 3},
		{Tag: "UPDATE 2", N: 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if res[0].Fields[0].DataTypeOID != 23 || res[0].Fields[1].DataTypeOID != 25 {
		t.Errorf("column types %d, %d; want int4 (23), text (25)", res[0].Fields[0].DataTypeOID, res[0].Fields[1].DataTypeOID)
	}
	if res[3].Fields[0].TableOID == 0 {
		t.Error("table column without a table OID")
	}
}

func TestSimpleQueryErrorInSecondOfThree(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	res, err := conn.SimpleQuery(testCtx(t), "select 41 + 1 as answer; select 1/0; select 3")
	var pgErr *pgmoon.PgError
	if !errors.As(err, &pgErr) {
		t.Fatalf("err = %v, want a *PgError", err)
	}
	if pgErr.SQLState() != "22012" || pgErr.Severity != "ERROR" || pgErr.Message != "division by zero" {
		t.Errorf("PgError = %+v, want ERROR 22012 division by zero", pgErr)
	}
	if !errors.Is(err, &pgmoon.PgError{Code: "22012"}) {
		t.Error("errors.Is by SQLSTATE does not match")
	}
	if pgErr.File == "" || pgErr.Routine == "" || pgErr.Line == 0 {
		t.Errorf("server source fields lost: %+v", pgErr)
	}
	if len(res) != 2 {
		t.Fatalf("%d results, want the first statement's and the failed one", len(res))
	}
	if string(res[0].Rows[0][0]) != "42" || res[0].CommandTag.String() != "SELECT 1" || res[0].Err != nil {
		t.Errorf("first result = %+v", res[0])
	}
	if res[1].Err != err && !errors.Is(res[1].Err, pgErr) {
		t.Errorf("failed statement's result Err = %v", res[1].Err)
	}
	// The third statement never ran, and the connection is still usable.
	if got := scalar(t, conn, "select 'still usable'"); got != "still usable" {
		t.Errorf("after error: %q", got)
	}
}

func TestPgErrorFields(t *testing.T) {
	conn := connect(t, pgtest.Default(t).NewDatabase(t))
	_, err := conn.SimpleQuery(testCtx(t), `
		create table parent (id int primary key);
		create table child (pid int constraint child_parent_fk references parent(id));`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.SimpleQuery(testCtx(t), "insert into child values (7)")
	var pgErr *pgmoon.PgError
	if !errors.As(err, &pgErr) {
		t.Fatalf("err = %v", err)
	}
	if pgErr.Code != "23503" || pgErr.ConstraintName != "child_parent_fk" || pgErr.TableName != "child" ||
		pgErr.SchemaName != "public" || pgErr.Detail == "" || pgErr.SeverityUnlocalized != "ERROR" {
		t.Errorf("PgError fields: %+v", pgErr)
	}
	_, err = conn.SimpleQuery(testCtx(t), "select nonexistent_column from child")
	if !errors.As(err, &pgErr) || pgErr.Code != "42703" || pgErr.Position != 8 {
		t.Errorf("position: %+v", pgErr)
	}
}

func TestSimpleQueryNoticesAndNotifications(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	res, err := conn.SimpleQuery(testCtx(t), `
		do $$ begin raise notice 'first notice'; end $$;
		listen pgmoon_chan;
		notify pgmoon_chan, 'the payload';
		select 2`)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 4 {
		t.Fatalf("%d results, want 4", len(res))
	}
	if len(res[0].Notices) != 1 || res[0].Notices[0].Message != "first notice" || res[0].Notices[0].Severity != "NOTICE" {
		t.Errorf("notices of the DO statement: %+v", res[0].Notices)
	}
	// Notifications are delivered when the implicit transaction commits,
	// after the last statement.
	var got []pgmoon.Notification
	for _, r := range res {
		for _, n := range r.Notifications {
			got = append(got, *n)
		}
	}
	want := []pgmoon.Notification{{PID: conn.PID(), Channel: "pgmoon_chan", Payload: "the payload"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
}

func TestSimpleQueryEdgeCases(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	ctx := testCtx(t)
	t.Run("empty query", func(t *testing.T) {
		res, err := conn.SimpleQuery(ctx, "  -- only a comment\n")
		if err != nil || len(res) != 1 || res[0].CommandTag.String() != "" || res[0].Fields != nil {
			t.Fatalf("res = %+v, err = %v", res, err)
		}
	})
	t.Run("NUL byte refused before sending", func(t *testing.T) {
		_, err := conn.SimpleQuery(ctx, "select 1\x00; drop table x")
		if !errors.Is(err, protocol.ErrInvalidValue) || !strings.Contains(err.Error(), "NUL") {
			t.Fatalf("err = %v", err)
		}
		if scalar(t, conn, "select 5") != "5" {
			t.Fatal("connection unusable after a refused query")
		}
	})
	t.Run("copy from stdin is refused, connection usable", func(t *testing.T) {
		_, err := conn.SimpleQuery(ctx, "create temp table c(i int); copy c from stdin")
		var pgErr *pgmoon.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "57014" || !strings.Contains(pgErr.Message, "not supported by SimpleQuery") {
			t.Fatalf("err = %v", err)
		}
		if scalar(t, conn, "select 6") != "6" {
			t.Fatal("connection unusable after COPY FROM STDIN")
		}
	})
	t.Run("copy to stdout returns lines", func(t *testing.T) {
		res, err := conn.SimpleQuery(ctx, "copy (select g, 'v'||g from generate_series(1,3) g) to stdout")
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 || len(res[0].Rows) != 3 || string(res[0].Rows[2][0]) != "3\tv3\n" || res[0].CommandTag.RowsAffected() != 3 {
			t.Fatalf("res = %+v", res)
		}
	})
	t.Run("large row", func(t *testing.T) {
		got := scalar(t, conn, "select repeat('ab', 1000000)")
		if len(got) != 2000000 {
			t.Fatalf("len = %d", len(got))
		}
	})
	t.Run("explicit transaction failed state", func(t *testing.T) {
		_, err := conn.SimpleQuery(ctx, "begin; select 1/0")
		if err == nil || conn.TxStatus() != 'E' {
			t.Fatalf("err = %v, TxStatus = %c", err, conn.TxStatus())
		}
		_, err = conn.SimpleQuery(ctx, "select 1")
		if !errors.Is(err, &pgmoon.PgError{Code: "25P02"}) {
			t.Fatalf("in failed transaction: %v", err)
		}
		if _, err := conn.SimpleQuery(ctx, "rollback"); err != nil || conn.TxStatus() != 'I' {
			t.Fatalf("rollback: %v %c", err, conn.TxStatus())
		}
	})
}

// relayDialer sends every connection through an in-process TCP relay, so the
// test proves the driver does all its I/O through the Dialer it is given.
type relayDialer struct {
	target string
	ln     net.Listener
	dials  atomic.Int32
	bytes  atomic.Int64
	wg     sync.WaitGroup
}

func newRelay(t *testing.T, target string) *relayDialer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relayDialer{target: target, ln: ln}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			r.wg.Add(2)
			pipe := func(dst, src net.Conn) {
				defer r.wg.Done()
				io.Copy(dst, src)
				dst.Close()
				src.Close()
			}
			go pipe(up, c)
			go pipe(c, up)
		}
	}()
	t.Cleanup(func() { ln.Close(); r.wg.Wait() })
	return r
}

func (r *relayDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	r.dials.Add(1)
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", r.ln.Addr().String())
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, n: &r.bytes}, nil
}

// countingConn counts the bytes the driver reads through a dialed conn.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func TestCustomDialer(t *testing.T) {
	srv := pgtest.Default(t)
	relay := newRelay(t, fmt.Sprintf("%s:%d", srv.Host(), srv.Port()))
	cfg, err := pgmoon.ParseConfig(srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Host = "db.invalid" // only the relay knows where the server is
	cfg.Dialer = relay
	conn := connectConfig(t, cfg)
	if got := scalar(t, conn, "select 'through the relay'"); got != "through the relay" {
		t.Errorf("got %q", got)
	}
	// The cancel connection goes through the same dialer.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = conn.SimpleQuery(ctx, "select pg_sleep(20)")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if relay.dials.Load() != 2 {
		t.Errorf("%d dials through the relay, want 2 (connection and CancelRequest)", relay.dials.Load())
	}
	if relay.bytes.Load() == 0 {
		t.Error("no bytes were read through the dialed connection")
	}
	conn.Close(context.Background())
}

func TestUnixSocket(t *testing.T) {
	srv := pgtest.Default(t)
	conn := connect(t, srv.SocketDSN())
	// Over a unix socket the server sees no client address.
	res, err := conn.SimpleQuery(testCtx(t), "select inet_client_addr() is null")
	if err != nil || string(res[0].Rows[0][0]) != "t" {
		t.Fatalf("inet_client_addr over unix socket: %v %v", res, err)
	}
}

func TestContextCancelReachesServer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := pgtest.Default(t)
	conn := connect(t, srv.DSN())
	err := cancelRunningQuery(t, conn, srv.DSN())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// The server cancelled the statement (it was not merely abandoned), and
	// the connection is ready for the next call.
	if !errors.Is(err, &pgmoon.PgError{Code: "57014"}) {
		t.Errorf("err = %v, want the server's query_canceled (57014) too", err)
	}
	if conn.IsClosed() {
		t.Fatal("connection closed after a cancelled query")
	}
	if got := scalar(t, conn, "select 'next call works'"); got != "next call works" {
		t.Errorf("got %q", got)
	}
	// A context that is already done sends nothing.
	ended, cancelEnded := context.WithCancel(context.Background())
	cancelEnded()
	if _, err := conn.SimpleQuery(ended, "select 1"); !errors.Is(err, context.Canceled) {
		t.Errorf("done context: %v", err)
	}
	if got := scalar(t, conn, "select 'still fine'"); got != "still fine" {
		t.Errorf("got %q", got)
	}
}

func TestCancelWaitClosesConnection(t *testing.T) {
	srv := pgtest.Default(t)
	cfg, err := pgmoon.ParseConfig(srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.CancelWait = -1 // do not wait for the server: close at once
	conn := connectConfig(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = conn.SimpleQuery(ctx, "select pg_sleep(30)")
	if !errors.Is(err, context.DeadlineExceeded) || !conn.IsClosed() {
		t.Fatalf("err = %v, closed = %v", err, conn.IsClosed())
	}
	if _, err := conn.SimpleQuery(testCtx(t), "select 1"); !errors.Is(err, pgmoon.ErrConnClosed) {
		t.Errorf("after close: %v", err)
	}
}

func TestConnectContextBoundsHandshake(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	// A server that accepts and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = pgmoon.ConnectString(ctx, fmt.Sprintf("host=127.0.0.1 port=%d user=u sslmode=disable", port))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	(<-accepted).Close()

	// connect_timeout does the same without a context deadline.
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	cfg, _ := pgmoon.ParseConfig(fmt.Sprintf("host=127.0.0.1 port=%d user=u sslmode=disable connect_timeout=2", port))
	_, err = pgmoon.Connect(context.Background(), cfg)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("connect_timeout: err = %v", err)
	}
	(<-accepted).Close()
}

func TestBusyConnection(t *testing.T) {
	srv := pgtest.Default(t)
	watcher := connect(t, srv.DSN())
	conn := connect(t, srv.DSN())
	done := make(chan error, 1)
	go func() {
		_, err := conn.SimpleQuery(testCtx(t), "select pg_sleep(1)")
		done <- err
	}()
	// Once the server runs the first call's query, the connection is busy.
	waitFor(t, watcher, fmt.Sprintf("select count(*) from pg_stat_activity where pid = %d and state = 'active'", conn.PID()), "1")
	_, err := conn.SimpleQuery(testCtx(t), "select 1")
	if !errors.Is(err, pgmoon.ErrConnBusy) {
		t.Fatalf("second goroutine: err = %v, want ErrConnBusy", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("first goroutine: %v", err)
	}
	if scalar(t, conn, "select 1") != "1" {
		t.Fatal("connection unusable after the busy refusal")
	}
}

func TestCloseInterruptsAndTerminates(t *testing.T) {
	srv := pgtest.Default(t)
	watcher := connect(t, srv.DSN())
	conn, err := pgmoon.ConnectString(testCtx(t), srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	pid := conn.PID()
	done := make(chan error, 1)
	go func() {
		_, err := conn.SimpleQuery(testCtx(t), "select pg_sleep(30)")
		done <- err
	}()
	// Wait until the query is running on the server.
	waitFor(t, watcher, fmt.Sprintf("select count(*) from pg_stat_activity where pid = %d and state = 'active'", pid), "1")
	if err := conn.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, pgmoon.ErrConnClosed) {
		t.Fatalf("interrupted call: err = %v, want ErrConnClosed", err)
	}
	if err := conn.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := conn.SimpleQuery(testCtx(t), "select 1"); !errors.Is(err, pgmoon.ErrConnClosed) {
		t.Errorf("call after Close: %v", err)
	}

	// An idle connection's Close sends Terminate: the backend goes away.
	idle, err := pgmoon.ConnectString(testCtx(t), srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	idlePID := idle.PID()
	if err := idle.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, watcher, fmt.Sprintf("select count(*) from pg_stat_activity where pid = %d", idlePID), "0")
}

// waitFor polls sql until it returns want, for at most 10 seconds.
// cancelRunningQuery runs select pg_sleep(30) on conn, cancels its context
// once the server runs it (seen from another connection to dsn: a
// CancelRequest that arrives while the backend still reads the command is
// ignored by design), and returns the query's error.
func cancelRunningQuery(t *testing.T, conn *pgmoon.Conn, dsn string) error {
	t.Helper()
	watcher := connect(t, dsn)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := conn.SimpleQuery(ctx, "select pg_sleep(30)")
		done <- err
	}()
	waitFor(t, watcher, fmt.Sprintf("select count(*) from pg_stat_activity where pid = %d and state = 'active'", conn.PID()), "1")
	cancel()
	return <-done
}

func waitFor(t *testing.T, conn *pgmoon.Conn, sql, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := scalar(t, conn, sql)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %q, want %q", sql, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTracer(t *testing.T) {
	srv := pgtest.Default(t)
	u, err := srv.User("password")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pgmoon.ParseConfig(srv.URL(u.Name, u.Password, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	cfg.Tracer = protocol.NewTracer(&buf)
	conn := connectConfig(t, cfg)
	if _, err := conn.SimpleQuery(testCtx(t), "select 1"); err != nil {
		t.Fatal(err)
	}
	conn.Close(context.Background())
	out := buf.String()
	for _, want := range []string{
		"F\t", "\tStartupMessage\t",
		"B\t8\tAuthenticationCleartextPassword",
		"\tPasswordMessage\t (redacted)",
		"F\t13\tQuery\t \"select 1\"\n",
		"\tDataRow\t 1 \"1\"\n",
		"B\t5\tReadyForQuery\t I\n",
		"F\t4\tTerminate\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, u.Password) {
		t.Errorf("trace reveals the password")
	}
}

func TestSSLModes(t *testing.T) {
	// pgtest's server has ssl off: prefer falls back to plain text,
	// require refuses.
	srv := pgtest.Default(t)
	cfg, err := pgmoon.ParseConfig(srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.SSLMode = pgmoon.SSLPrefer
	conn := connectConfig(t, cfg)
	if conn.UsesTLS() {
		t.Error("prefer against a server without TLS reports TLS")
	}
	conn.Close(context.Background())
	cfg.SSLMode = pgmoon.SSLRequire
	_, err = pgmoon.Connect(testCtx(t), cfg)
	if err == nil || !strings.Contains(err.Error(), "does not support TLS") {
		t.Fatalf("require: err = %v", err)
	}
}
