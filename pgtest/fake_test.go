package pgtest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/protocol"
)

// These tests drive the FakeBackend with a bare protocol.Frontend, not with
// the driver, so that they test the fake alone.

// fakeRecorder is a testing.TB that keeps the fake's Errorf reports and
// Cleanup functions for the test to inspect and run; anything else goes to
// the real test.
type fakeRecorder struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func newFakeRecorder(t *testing.T) *fakeRecorder {
	r := &fakeRecorder{TB: t}
	t.Cleanup(func() { r.runCleanups() })
	return r
}

func (r *fakeRecorder) Helper() {}

func (r *fakeRecorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *fakeRecorder) Error(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprint(args...))
}

func (r *fakeRecorder) Cleanup(fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, fn)
}

// runCleanups runs the recorded cleanups, last first, and returns what was
// reported.
func (r *fakeRecorder) runCleanups() []string {
	r.mu.Lock()
	fns := r.cleanups
	r.cleanups = nil
	r.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

// fakeLockedBuffer is a bytes.Buffer safe for the fake's goroutines.
type fakeLockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *fakeLockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *fakeLockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// fakeClient is a raw protocol client of a FakeBackend.
type fakeClient struct {
	t    testing.TB
	conn net.Conn
	fe   *protocol.Frontend
}

// dialFake connects to f; the connection is closed when t ends, and every
// read and write on it must be done within 5s.
func dialFake(t testing.TB, f *pgtest.FakeBackend) *fakeClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", f.Addr(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial fake: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	return &fakeClient{t: t, conn: conn, fe: protocol.NewFrontend(conn, conn)}
}

func (c *fakeClient) send(msgs ...protocol.FrontendMessage) {
	c.t.Helper()
	for _, m := range msgs {
		if err := c.fe.Send(m); err != nil {
			c.t.Fatalf("send %T: %v", m, err)
		}
	}
	if err := c.fe.Flush(); err != nil {
		c.t.Fatalf("flush: %v", err)
	}
}

func (c *fakeClient) startup() {
	c.t.Helper()
	c.send(&protocol.StartupMessage{
		ProtocolVersion: protocol.ProtocolVersion30,
		Parameters: []protocol.StartupParameter{
			{Name: "user", Value: "fake"},
			{Name: "database", Value: "fake"},
		},
	})
}

func (c *fakeClient) receive() protocol.BackendMessage {
	c.t.Helper()
	m, err := c.fe.Receive()
	if err != nil {
		c.t.Fatalf("receive: %v", err)
	}
	return m
}

// untilReady receives messages up to and including ReadyForQuery and
// returns them summarized.
func (c *fakeClient) untilReady() []string {
	c.t.Helper()
	var got []string
	for {
		m := c.receive()
		got = append(got, summarize(m))
		if _, ok := m.(*protocol.ReadyForQuery); ok {
			return got
		}
	}
}

// summarize renders the backend messages these tests use in one line.
func summarize(m protocol.BackendMessage) string {
	switch m := m.(type) {
	case *protocol.AuthenticationOk:
		return "AuthenticationOk"
	case *protocol.BackendKeyData:
		return fmt.Sprintf("BackendKeyData %d %x", m.ProcessID, m.SecretKey)
	case *protocol.ParameterStatus:
		return "ParameterStatus " + m.Name + "=" + m.Value
	case *protocol.ReadyForQuery:
		return "ReadyForQuery " + string(m.TxStatus)
	case *protocol.RowDescription:
		var names []string
		for _, f := range m.Fields {
			names = append(names, string(f.Name))
		}
		return "RowDescription " + strings.Join(names, ",")
	case *protocol.DataRow:
		return fmt.Sprintf("DataRow %q", m.Values)
	case *protocol.CommandComplete:
		return "CommandComplete " + string(m.CommandTag)
	case *protocol.ErrorResponse:
		s := "ErrorResponse"
		for _, f := range m.Fields {
			s += " " + string(f.Code) + "=" + f.Value
		}
		return s
	}
	return fmt.Sprintf("%T", m)
}

// handshakeMessages is what Handshake() sends.
var handshakeMessages = []string{
	"AuthenticationOk",
	"BackendKeyData 4242 01020304",
	"ParameterStatus server_version=15.0",
	"ParameterStatus client_encoding=UTF8",
	"ParameterStatus standard_conforming_strings=on",
	"ReadyForQuery I",
}

func waitFake(t testing.TB, f *pgtest.FakeBackend) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return f.Wait(ctx)
}

func TestFakeHandshakeAndQuery(t *testing.T) {
	t.Parallel()
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.Handshake([2]string{"server_version", "16.2"}, [2]string{"TimeZone", "UTC"}),
		pgtest.Expect(&protocol.Query{SQL: "select 1"}),
		pgtest.Send(
			&protocol.RowDescription{Fields: []protocol.FieldDescription{
				{Name: []byte("?column?"), DataTypeOID: 23, DataTypeSize: 4, TypeModifier: -1},
			}},
			&protocol.DataRow{Values: [][]byte{[]byte("1")}},
			&protocol.CommandComplete{CommandTag: []byte("SELECT 1")},
			&protocol.ReadyForQuery{TxStatus: protocol.TxIdle},
		),
		pgtest.Expect(&protocol.Terminate{}),
		pgtest.ExpectClose(),
	})
	var trace fakeLockedBuffer
	f.Trace(&trace)

	wantDSN := "host=127.0.0.1 port=" + strconv.Itoa(f.Port()) + " user=fake dbname=fake sslmode=disable"
	if f.DSN() != wantDSN {
		t.Errorf("DSN() = %q, want %q", f.DSN(), wantDSN)
	}
	if want := net.JoinHostPort(f.Host(), strconv.Itoa(f.Port())); f.Addr() != want {
		t.Errorf("Addr() = %q, want %q", f.Addr(), want)
	}

	c := dialFake(t, f)
	c.startup()
	want := []string{
		"AuthenticationOk",
		"BackendKeyData 4242 01020304",
		"ParameterStatus server_version=16.2",
		"ParameterStatus client_encoding=UTF8",
		"ParameterStatus standard_conforming_strings=on",
		"ParameterStatus TimeZone=UTC",
		"ReadyForQuery I",
	}
	if diff := cmp.Diff(want, c.untilReady()); diff != "" {
		t.Errorf("handshake (-want +got):\n%s", diff)
	}
	c.send(&protocol.Query{SQL: "select 1"})
	want = []string{"RowDescription ?column?", `DataRow ["1"]`, "CommandComplete SELECT 1", "ReadyForQuery I"}
	if diff := cmp.Diff(want, c.untilReady()); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	c.send(&protocol.Terminate{})
	c.conn.Close()

	if err := waitFake(t, f); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	for _, line := range []string{"F\t", "\tStartupMessage\t", "\tQuery\t", "B\t", "\tDataRow\t", "\tTerminate"} {
		if !strings.Contains(trace.String(), line) {
			t.Errorf("trace has no %q:\n%s", line, trace.String())
		}
	}
}

// TestFakeFailures checks what the fake reports, through Wait and through
// t.Errorf at cleanup, when the client does not follow the script.
func TestFakeFailures(t *testing.T) {
	t.Parallel()
	// handshake connects and reads the handshake.
	handshake := func(t testing.TB, f *pgtest.FakeBackend) *fakeClient {
		t.Helper()
		c := dialFake(t, f)
		c.startup()
		c.untilReady()
		return c
	}
	// startThenStall sends a StartupMessage and waits for the first answer,
	// so that the script is past its first step.
	startThenStall := func(t testing.TB, f *pgtest.FakeBackend) {
		t.Helper()
		c := dialFake(t, f)
		c.startup()
		c.receive()
	}
	tests := []struct {
		name    string
		timeout time.Duration // SetTimeout; 0 leaves the default
		scripts []pgtest.Script
		client  func(t testing.TB, f *pgtest.FakeBackend)
		noWait  bool     // Wait would only return at cleanup
		want    []string // each report contains the matching string
		hide    []string // no report contains these
	}{{
		name:    "value mismatch",
		scripts: []pgtest.Script{{pgtest.Handshake(), pgtest.Expect(&protocol.Query{SQL: "select 1"})}},
		client: func(t testing.TB, f *pgtest.FakeBackend) {
			handshake(t, f).send(&protocol.Query{SQL: "select 2"})
		},
		want: []string{`pgtest: fake backend: script 0, step 1 Expect(Query): got Query "select 2", want Query "select 1"`},
	}, {
		name:    "type mismatch",
		scripts: []pgtest.Script{{pgtest.Handshake(), pgtest.Expect(&protocol.Query{SQL: "select 1"})}},
		client: func(t testing.TB, f *pgtest.FakeBackend) {
			handshake(t, f).send(&protocol.Sync{})
		},
		want: []string{`step 1 Expect(Query): got Sync, want Query "select 1"`},
	}, {
		name:    "password mismatch stays redacted",
		scripts: []pgtest.Script{{pgtest.ExpectStartup(), pgtest.Expect(&protocol.PasswordMessage{Password: "s3cret"})}},
		client: func(t testing.TB, f *pgtest.FakeBackend) {
			c := dialFake(t, f)
			c.startup()
			c.send(&protocol.PasswordMessage{Password: "wr0ng"})
		},
		want: []string{"step 1 Expect(PasswordMessage): got PasswordMessage (redacted), want PasswordMessage (redacted): encodings differ from byte 4"},
		hide: []string{"s3cret", "wr0ng"},
	}, {
		name:    "ExpectType mismatch",
		scripts: []pgtest.Script{{pgtest.Handshake(), pgtest.ExpectType(&protocol.Parse{})}},
		client: func(t testing.TB, f *pgtest.FakeBackend) {
			handshake(t, f).send(&protocol.Query{SQL: "select 2"})
		},
		want: []string{`step 1 ExpectType(Parse): got Query "select 2", want Parse`},
	}, {
		name: "ExpectFunc error",
		scripts: []pgtest.Script{{pgtest.Handshake(), pgtest.ExpectFunc(func(protocol.FrontendMessage) error {
			return errors.New("no thanks")
		})}},
		client: func(t testing.TB, f *pgtest.FakeBackend) {
			handshake(t, f).send(&protocol.Query{SQL: "select 2"})
		},
		want: []string{`step 1 ExpectFunc: got Query "select 2": no thanks`},
	}, {
		name:    "startup parameter",
		scripts: []pgtest.Script{{pgtest.ExpectStartup(protocol.StartupParameter{Name: "user", Value: "alice"})}},
		client: func(t testing.TB, f *pgtest.FakeBackend) {
			dialFake(t, f).startup()
		},
		want: []string{`step 0 ExpectStartup: startup parameter user = "fake", want "alice"`},
	}, {
		name:    "cancel key",
		scripts: []pgtest.Script{{pgtest.ExpectCancelRequest(pgtest.FakeProcessID, pgtest.FakeSecretKey())}},
		client: func(t testing.TB, f *pgtest.FakeBackend) {
			dialFake(t, f).send(&protocol.CancelRequest{ProcessID: 4242, SecretKey: []byte{9, 9, 9, 9}})
		},
		want: []string{"step 0 ExpectCancelRequest(4242): got CancelRequest for process 4242 key 09090909, want process 4242 key 01020304"},
	}, {
		name:    "client closes early",
		scripts: []pgtest.Script{{pgtest.Handshake(), pgtest.Expect(&protocol.Query{SQL: "select 1"})}},
		client: func(t testing.TB, f *pgtest.FakeBackend) {
			handshake(t, f).conn.Close()
		},
		want: []string{"step 1 Expect(Query): client closed the connection: EOF"},
	}, {
		name:    "client stalls",
		timeout: 50 * time.Millisecond,
		scripts: []pgtest.Script{{pgtest.ExpectStartup()}},
		client: func(t testing.TB, f *pgtest.FakeBackend) {
			dialFake(t, f)
		},
		want: []string{"step 0 ExpectStartup: nothing from the client within 50ms: i/o timeout"},
	}, {
		name:    "malformed message",
		scripts: []pgtest.Script{{pgtest.Handshake(), pgtest.Expect(&protocol.Query{SQL: "select 1"})}},
		client: func(t testing.TB, f *pgtest.FakeBackend) {
			c := handshake(t, f)
			if _, err := c.conn.Write([]byte{
				'Q',        // Query
				0, 0, 0, 3, // length 3: less than the length word itself
			}); err != nil {
				t.Fatal(err)
			}
		},
		want: []string{"step 1 Expect(Query): client sent a malformed message: protocol: message type 'Q': malformed message: message length 3"},
	}, {
		name:    "message instead of close",
		scripts: []pgtest.Script{{pgtest.Handshake(), pgtest.ExpectClose()}},
		client: func(t testing.TB, f *pgtest.FakeBackend) {
			handshake(t, f).send(&protocol.Query{SQL: "select 2"})
		},
		want: []string{`step 1 ExpectClose: got Query "select 2", want the client to close the connection`},
	}, {
		name:    "client does not close",
		timeout: 50 * time.Millisecond,
		scripts: []pgtest.Script{{pgtest.Handshake(), pgtest.ExpectClose()}},
		client: func(t testing.TB, f *pgtest.FakeBackend) {
			handshake(t, f)
		},
		want: []string{"step 1 ExpectClose: client did not close the connection within 50ms"},
	}, {
		name: "no connection",
		scripts: []pgtest.Script{
			{pgtest.Handshake()},
			{pgtest.ExpectCancelRequest(pgtest.FakeProcessID, pgtest.FakeSecretKey())},
		},
		client: func(t testing.TB, f *pgtest.FakeBackend) {
			handshake(t, f)
		},
		noWait: true,
		want:   []string{"script 1, step 0 ExpectCancelRequest(4242): unfinished: no client connected for this script"},
	}, {
		name:    "connection without script",
		scripts: nil,
		client: func(t testing.TB, f *pgtest.FakeBackend) {
			c := dialFake(t, f)
			// The fake hangs up at once; reading to the end makes sure it
			// accepted the connection before the test ends.
			if _, err := io.ReadAll(c.conn); err != nil && !errors.Is(err, syscall.ECONNRESET) {
				t.Fatal(err)
			}
		},
		noWait: true,
		want:   []string{"pgtest: fake backend: connection 0: unexpected connection: the fake backend has 0 scripts"},
	}, {
		name: "sleep cut short with steps left",
		scripts: []pgtest.Script{{
			pgtest.ExpectStartup(),
			pgtest.Send(&protocol.AuthenticationOk{}),
			pgtest.Sleep(time.Hour),
			pgtest.Send(&protocol.ReadyForQuery{TxStatus: 'I'}),
		}},
		client: startThenStall,
		noWait: true,
		want:   []string{"step 3 Send(ReadyForQuery): unfinished when the test ended"},
	}, {
		name: "sleep that ends the script",
		scripts: []pgtest.Script{{
			pgtest.ExpectStartup(),
			pgtest.Send(&protocol.AuthenticationOk{}),
			pgtest.Sleep(time.Hour),
		}},
		client: startThenStall,
		noWait: true,
		want:   nil,
	}, {
		name:    "blocked read at the end of the test",
		scripts: []pgtest.Script{{pgtest.Handshake(), pgtest.Expect(&protocol.Query{SQL: "select 1"})}},
		client: func(t testing.TB, f *pgtest.FakeBackend) {
			handshake(t, f) // and keep the connection open
		},
		noWait: true,
		want:   []string{"step 1 Expect(Query): unfinished when the test ended"},
	}, {
		name: "group step names the inner step",
		scripts: []pgtest.Script{{pgtest.Group("Login",
			pgtest.ExpectStartup(),
			pgtest.Expect(&protocol.PasswordMessage{Password: "pw"}),
		)}},
		client: func(t testing.TB, f *pgtest.FakeBackend) {
			c := dialFake(t, f)
			c.startup()
			c.send(&protocol.Sync{})
		},
		want: []string{"script 0, step 0 Login: Expect(PasswordMessage): got Sync, want PasswordMessage (redacted)"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := newFakeRecorder(t)
			f := pgtest.NewFakeBackend(rec, tt.scripts...)
			pgtest.SetFakeCleanupGrace(f, 50*time.Millisecond)
			if tt.timeout > 0 {
				f.SetTimeout(tt.timeout)
			}
			tt.client(t, f)
			var waitErr error
			if !tt.noWait {
				waitErr = waitFake(t, f)
				var se *pgtest.ScriptError
				if !errors.As(waitErr, &se) {
					t.Errorf("Wait returned %v, want a *pgtest.ScriptError", waitErr)
				}
			}
			reports := rec.runCleanups()
			if len(reports) != len(tt.want) {
				t.Fatalf("got %d reports, want %d:\n%s", len(reports), len(tt.want), strings.Join(reports, "\n"))
			}
			for i, w := range tt.want {
				if !strings.Contains(reports[i], w) {
					t.Errorf("report %d:\n%s\ndoes not contain\n%s", i, reports[i], w)
				}
			}
			for _, h := range tt.hide {
				for _, r := range reports {
					if strings.Contains(r, h) {
						t.Errorf("report %q shows %q", r, h)
					}
				}
			}
			if waitErr != nil && len(reports) > 0 && waitErr.Error() != reports[0] {
				t.Errorf("Wait returned %q, cleanup reported %q first", waitErr, reports[0])
			}
		})
	}
}

func TestFakeSendRaw(t *testing.T) {
	t.Parallel()
	raw := []byte{
		'R', 0, 0, 0, 8, 0, 0, 0, 0, // AuthenticationOk
		'Z', 0, 0, 0, 4, // ReadyForQuery without its status byte
		'Z', 0, 0, // a message cut inside its length word
	}
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.ExpectStartup(),
		pgtest.SendRaw(raw),
		pgtest.CloseConn(),
	})
	var trace fakeLockedBuffer
	f.Trace(&trace)
	c := dialFake(t, f)
	c.startup()
	got, err := io.ReadAll(c.conn)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if !bytes.Equal(got, raw) {
		t.Errorf("client got\n%q\nwant\n%q", got, raw)
	}
	if err := waitFake(t, f); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if want := fmt.Sprintf("B\t%d\t(raw)\t %q\n", len(raw), raw); !strings.Contains(trace.String(), want) {
		t.Errorf("trace has no %q:\n%s", want, trace.String())
	}

	// The same bytes through a Frontend: one good message, then a
	// malformed one.
	fe := protocol.NewFrontend(bytes.NewReader(got), io.Discard)
	if m, err := fe.Receive(); err != nil {
		t.Fatalf("first message: %v", err)
	} else if _, ok := m.(*protocol.AuthenticationOk); !ok {
		t.Fatalf("first message is %T, want AuthenticationOk", m)
	}
	if _, err := fe.Receive(); !errors.Is(err, protocol.ErrMalformed) {
		t.Errorf("second message: %v, want ErrMalformed", err)
	}
}

func TestFakeSleepThenCloseConn(t *testing.T) {
	t.Parallel()
	const stall = 100 * time.Millisecond
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.Handshake(),
		pgtest.Expect(&protocol.Query{SQL: "select 1"}),
		pgtest.Sleep(stall),
		pgtest.CloseConn(),
	})
	c := dialFake(t, f)
	c.startup()
	if diff := cmp.Diff(handshakeMessages, c.untilReady()); diff != "" {
		t.Errorf("handshake (-want +got):\n%s", diff)
	}
	start := time.Now()
	c.send(&protocol.Query{SQL: "select 1"})
	m, err := c.fe.Receive()
	if !errors.Is(err, io.EOF) {
		t.Fatalf("Receive after the server hung up: %v, %v; want io.EOF", m, err)
	}
	if d := time.Since(start); d < stall {
		t.Errorf("EOF after %v, before the %v stall ended", d, stall)
	}
	if err := waitFake(t, f); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

func TestFakeCancelRequest(t *testing.T) {
	t.Parallel()
	cancelled := make(chan struct{})
	f := pgtest.NewFakeBackend(t,
		pgtest.Script{
			pgtest.Handshake(),
			pgtest.Expect(&protocol.Query{SQL: "select pg_sleep(60)"}),
			pgtest.Do("wait for the cancel", func(ctx context.Context) error {
				select {
				case <-cancelled:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}),
			pgtest.Send(
				&protocol.ErrorResponse{Fields: []protocol.ErrorField{
					{Code: 'S', Value: "ERROR"},
					{Code: 'C', Value: "57014"},
					{Code: 'M', Value: "canceling statement due to user request"},
				}},
				&protocol.ReadyForQuery{TxStatus: protocol.TxIdle},
			),
			pgtest.Expect(&protocol.Terminate{}),
			pgtest.ExpectClose(),
		},
		pgtest.Script{
			pgtest.ExpectCancelRequest(pgtest.FakeProcessID, pgtest.FakeSecretKey()),
			pgtest.Do("signal the session", func(context.Context) error {
				close(cancelled)
				return nil
			}),
		},
	)
	var trace fakeLockedBuffer
	f.Trace(&trace)

	session := dialFake(t, f)
	session.startup()
	var pid uint32
	var key []byte
	for {
		m := session.receive()
		if k, ok := m.(*protocol.BackendKeyData); ok {
			pid, key = k.ProcessID, bytes.Clone(k.SecretKey)
		}
		if _, ok := m.(*protocol.ReadyForQuery); ok {
			break
		}
	}
	session.send(&protocol.Query{SQL: "select pg_sleep(60)"})

	canceller := dialFake(t, f)
	canceller.send(&protocol.CancelRequest{ProcessID: pid, SecretKey: key})
	if _, err := canceller.fe.Receive(); !errors.Is(err, io.EOF) {
		t.Errorf("cancel connection: %v, want io.EOF", err)
	}

	want := []string{
		"ErrorResponse S=ERROR C=57014 M=canceling statement due to user request",
		"ReadyForQuery I",
	}
	if diff := cmp.Diff(want, session.untilReady()); diff != "" {
		t.Errorf("after cancel (-want +got):\n%s", diff)
	}
	session.send(&protocol.Terminate{})
	session.conn.Close()
	if err := waitFake(t, f); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	for _, line := range []string{"conn 0\tF\t", "conn 1\tF\t16\tCancelRequest\t 4242"} {
		if !strings.Contains(trace.String(), line) {
			t.Errorf("trace has no %q:\n%s", line, trace.String())
		}
	}
}

// TestFakeSSLAndSASL runs a TLS refusal and the start of a SASL exchange
// that the server then rejects.
func TestFakeSSLAndSASL(t *testing.T) {
	t.Parallel()
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.ExpectSSLRequest(),
		pgtest.SendRaw([]byte{'N'}),
		pgtest.ExpectStartup(protocol.StartupParameter{Name: "user", Value: "fake"}),
		pgtest.Send(&protocol.AuthenticationSASL{Mechanisms: []string{"SCRAM-SHA-256"}}),
		// Expect decodes 'p' as its own type: no SetAuthType needed.
		pgtest.Expect(&protocol.SASLInitialResponse{Mechanism: "SCRAM-SHA-256", Data: []byte("n,,n=,r=abc")}),
		pgtest.Send(&protocol.AuthenticationSASLContinue{Data: []byte("r=abcdef,s=c2FsdA==,i=4096")}),
		pgtest.SetAuthType(protocol.AuthSASLResponse),
		pgtest.ExpectFunc(func(m protocol.FrontendMessage) error {
			r, ok := m.(*protocol.SASLResponse)
			if !ok {
				return fmt.Errorf("%T, want SASLResponse", m)
			}
			if !bytes.HasPrefix(r.Data, []byte("c=biws,r=abcdef,p=")) {
				return fmt.Errorf("client-final-message %q", r.Data)
			}
			return nil
		}),
		pgtest.Send(&protocol.ErrorResponse{Fields: []protocol.ErrorField{
			{Code: 'S', Value: "FATAL"},
			{Code: 'C', Value: "28P01"},
			{Code: 'M', Value: `password authentication failed for user "fake"`},
		}}),
	})
	c := dialFake(t, f)
	c.send(&protocol.SSLRequest{})
	if b, err := c.fe.ReadByte(); err != nil || b != 'N' {
		t.Fatalf("SSL answer %q, %v; want 'N'", b, err)
	}
	c.startup()
	if m, ok := c.receive().(*protocol.AuthenticationSASL); !ok || !cmp.Equal(m.Mechanisms, []string{"SCRAM-SHA-256"}) {
		t.Fatalf("got %v, want AuthenticationSASL SCRAM-SHA-256", m)
	}
	c.send(&protocol.SASLInitialResponse{Mechanism: "SCRAM-SHA-256", Data: []byte("n,,n=,r=abc")})
	if _, ok := c.receive().(*protocol.AuthenticationSASLContinue); !ok {
		t.Fatal("want AuthenticationSASLContinue")
	}
	c.send(&protocol.SASLResponse{Data: []byte("c=biws,r=abcdef,p=cHJvb2Y=")})
	if got, want := summarize(c.receive()), `ErrorResponse S=FATAL C=28P01 M=password authentication failed for user "fake"`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if _, err := c.fe.Receive(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last step: %v, want io.EOF", err)
	}
	if err := waitFake(t, f); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

func TestFakeWaitContext(t *testing.T) {
	t.Parallel()
	rec := newFakeRecorder(t)
	f := pgtest.NewFakeBackend(rec, pgtest.Script{pgtest.Handshake()})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := f.Wait(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "script 0 has no connection yet") {
		t.Errorf("Wait: %v; want DeadlineExceeded and where script 0 is", err)
	}
	if reports := rec.runCleanups(); len(reports) != 1 {
		t.Errorf("reports at cleanup: %q, want one for the script that never ran", reports)
	}
}
