package pgmoon_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/protocol"
)

// channelName is a LISTEN channel unique to the test, since tests share a
// server.
func channelName(t *testing.T) string {
	r := strings.NewReplacer("/", "_", " ", "_", "-", "_")
	return strings.ToLower(r.Replace(t.Name()))
}

func TestWaitForNotification(t *testing.T) {
	dsn := pgtest.Default(t).DSN()
	listener, notifier := connect(t, dsn), connect(t, dsn)
	ctx := testCtx(t)
	ch := channelName(t)
	mustExec(t, listener, "listen "+ch)

	t.Run("from another connection", func(t *testing.T) {
		done := make(chan struct{})
		var got *pgmoon.Notification
		var err error
		go func() {
			defer close(done)
			got, err = listener.WaitForNotification(ctx)
		}()
		waitFor(t, notifier, fmt.Sprintf("select count(*) from pg_stat_activity where pid = %d and state = 'idle'", listener.PID()), "1")
		if _, err := notifier.Exec(ctx, "select pg_notify($1, $2)", ch, "hello there"); err != nil {
			t.Fatal(err)
		}
		<-done
		want := &pgmoon.Notification{PID: notifier.PID(), Channel: ch, Payload: "hello there"}
		if err != nil || !cmp.Equal(got, want) {
			t.Fatalf("WaitForNotification = %+v, %v; want %+v", got, err, want)
		}
	})

	t.Run("deadline leaves the connection usable", func(t *testing.T) {
		short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		n, err := listener.WaitForNotification(short)
		if !errors.Is(err, context.DeadlineExceeded) || n != nil {
			t.Fatalf("WaitForNotification = %v, %v; want the deadline", n, err)
		}
		if listener.IsClosed() {
			t.Fatal("connection closed by the deadline")
		}
		usable(t, listener)
		// Still listening: the next notification arrives.
		mustExec(t, notifier, "notify "+ch+", 'after the deadline'")
		n, err = listener.WaitForNotification(ctx)
		if err != nil || n.Payload != "after the deadline" {
			t.Fatalf("next = %+v, %v", n, err)
		}
	})

	t.Run("queued during queries, returned oldest first", func(t *testing.T) {
		for i := range 3 {
			mustExec(t, notifier, fmt.Sprintf("notify %s, 'queued %d'", ch, i))
		}
		// The listener receives them with its next command's answer.
		if _, err := listener.Exec(ctx, "select 1"); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			n, err := listener.WaitForNotification(ctx)
			if err != nil || n.Payload != fmt.Sprintf("queued %d", i) {
				t.Fatalf("notification %d = %+v, %v", i, n, err)
			}
		}
	})

	t.Run("busy while waiting", func(t *testing.T) {
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			for {
				_, err := listener.WaitForNotification(wctx)
				if errors.Is(err, pgmoon.ErrConnBusy) {
					// One of the Execs below had the connection.
					time.Sleep(time.Millisecond)
					continue
				}
				done <- err
				return
			}
		}()
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, err := listener.Exec(ctx, "select 1")
			if errors.Is(err, pgmoon.ErrConnBusy) {
				break
			}
			if err != nil || time.Now().After(deadline) {
				t.Fatalf("Exec while waiting: %v, want ErrConnBusy", err)
			}
			// The wait had not begun yet; Exec ran instead.
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("wait: %v", err)
		}
		usable(t, listener)
	})
}

// A notification sent while the listener runs a long query arrives with
// that query's answer: OnNotification sees it before the query returns.
func TestNotificationDuringLongQuery(t *testing.T) {
	dsn := pgtest.Default(t).DSN()
	ctx := testCtx(t)
	cfg, err := pgmoon.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []pgmoon.Notification
	cfg.OnNotification = func(c *pgmoon.Conn, n *pgmoon.Notification) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, *n)
	}
	listener := connectConfig(t, cfg)
	notifier := connect(t, dsn)
	ch := channelName(t)
	mustExec(t, listener, "listen "+ch)

	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"Query", func() error {
			rows, err := listener.Query(ctx, "select pg_sleep(0.3), g from generate_series(1, 3) g")
			if err != nil {
				return err
			}
			n := 0
			for rows.Next() {
				n++
			}
			if n != 3 {
				return fmt.Errorf("%d rows", n)
			}
			return rows.Err()
		}},
		{"Exec", func() error {
			_, err := listener.Exec(ctx, "select pg_sleep(1)")
			return err
		}},
		{"SimpleQuery", func() error {
			res, err := listener.SimpleQuery(ctx, "select pg_sleep(1)")
			if err == nil && len(res[0].Notifications) != 1 {
				err = fmt.Errorf("SimpleQuery listed %d notifications, want 1", len(res[0].Notifications))
			}
			return err
		}},
		{"CopyTo", func() error {
			_, err := listener.CopyTo(ctx, &lineCounter{}, "copy (select pg_sleep(1)) to stdout")
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			done := make(chan error, 1)
			go func() { done <- tc.run() }()
			waitFor(t, notifier, fmt.Sprintf("select count(*) from pg_stat_activity where pid = %d and query like '%%pg_sleep%%' and state = 'active' and wait_event = 'PgSleep'", listener.PID()), "1")
			mustExec(t, notifier, "notify "+ch+", 'during "+tc.name+"'")
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			want := []pgmoon.Notification{{PID: notifier.PID(), Channel: ch, Payload: "during " + tc.name}}
			if diff := cmp.Diff(want, seen); diff != "" {
				t.Errorf("OnNotification by the time %s returned (-want +got):\n%s", tc.name, diff)
			}
		})
	}
	// Delivered to the callback, so not queued as well.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if n, err := listener.WaitForNotification(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitForNotification = %+v, %v; want nothing queued", n, err)
	}
}

// Without OnNotification, what arrives during a query is kept for
// WaitForNotification; what SimpleQuery lists in its results is not.
func TestNotificationQueue(t *testing.T) {
	dsn := pgtest.Default(t).DSN()
	ctx := testCtx(t)
	listener, notifier := connect(t, dsn), connect(t, dsn)
	ch := channelName(t)
	mustExec(t, listener, "listen "+ch)
	mustExec(t, notifier, "notify "+ch+", 'one'")
	res, err := listener.SimpleQuery(ctx, "select 1")
	if err != nil || len(res[0].Notifications) != 1 || res[0].Notifications[0].Payload != "one" {
		t.Fatalf("SimpleQuery = %+v, %v", res, err)
	}
	mustExec(t, notifier, "notify "+ch+", 'two'")
	if _, err := listener.Exec(ctx, "select 1"); err != nil {
		t.Fatal(err)
	}
	n, err := listener.WaitForNotification(ctx)
	if err != nil || n.Payload != "two" {
		t.Fatalf("WaitForNotification = %+v, %v; want 'two' (the one SimpleQuery returned is not queued)", n, err)
	}
}

// The server ending the session while the listener waits (pg_terminate_backend)
// is returned, never swallowed, and closes the connection.
func TestWaitForNotificationTerminated(t *testing.T) {
	dsn := pgtest.Default(t).DSN()
	listener, admin := connect(t, dsn), connect(t, dsn)
	mustExec(t, listener, "listen "+channelName(t))
	done := make(chan error, 1)
	go func() {
		_, err := listener.WaitForNotification(testCtx(t))
		done <- err
	}()
	waitFor(t, admin, fmt.Sprintf("select count(*) from pg_stat_activity where pid = %d and state = 'idle'", listener.PID()), "1")
	scalar(t, admin, fmt.Sprintf("select pg_terminate_backend(%d)", listener.PID()))
	err := <-done
	var pgErr *pgmoon.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57P01" || pgErr.SeverityUnlocalized != "FATAL" {
		t.Fatalf("err = %v, want the FATAL admin_shutdown", err)
	}
	if !listener.IsClosed() {
		t.Error("connection not closed")
	}
	if _, err := listener.Exec(testCtx(t), "select 1"); !errors.Is(err, pgmoon.ErrConnClosed) {
		t.Errorf("after: %v", err)
	}
}

// Notices that arrive between DataRows of the extended protocol reach
// OnNotice and leave the rows intact.
func TestNoticesBetweenRows(t *testing.T) {
	cfg, err := pgmoon.ParseConfig(pgtest.Default(t).DSN())
	if err != nil {
		t.Fatal(err)
	}
	var notices []*pgmoon.Notice
	cfg.OnNotice = func(_ *pgmoon.Conn, n *pgmoon.Notice) { notices = append(notices, n) }
	conn := connectConfig(t, cfg)
	ctx := testCtx(t)
	mustExec(t, conn, `create function pg_temp.noisy(i int) returns text language plpgsql as $$
		begin raise warning 'row % seen', i using hint = 'just a hint'; return 'value ' || i; end $$`)
	rows, err := conn.Query(ctx, "select g, pg_temp.noisy(g), repeat('x', g) from generate_series(1, 1000) g")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
		var (
			g     int32
			v, xs string
		)
		if err := rows.Scan(&g, &v, &xs); err != nil {
			t.Fatal(err)
		}
		if g != int32(n) || v != fmt.Sprintf("value %d", n) || len(xs) != n {
			t.Fatalf("row %d = %d, %q, %d x", n, g, v, len(xs))
		}
	}
	if err := rows.Err(); err != nil || n != 1000 {
		t.Fatalf("%d rows, %v", n, err)
	}
	if len(notices) != 1000 {
		t.Fatalf("%d notices, want 1000", len(notices))
	}
	first := notices[0]
	if first.Message != "row 1 seen" || first.SeverityUnlocalized != "WARNING" || first.Code != "01000" || first.Hint != "just a hint" || notices[999].Message != "row 1000 seen" {
		t.Errorf("notices: first %+v, last %q", first, notices[999].Message)
	}
}

func TestParameterStatusChanges(t *testing.T) {
	srv := pgtest.Default(t)
	conn := connect(t, srv.DSN())
	ctx := testCtx(t)
	all := conn.ParameterStatuses()
	for name, want := range map[string]string{
		"client_encoding":             "UTF8",
		"standard_conforming_strings": "on",
		"integer_datetimes":           "on",
		"server_encoding":             "UTF8",
	} {
		if all[name] != want {
			t.Errorf("%s = %q, want %q", name, all[name], want)
		}
	}
	if srv.MajorVersion() >= 14 && all["in_hot_standby"] != "off" {
		t.Errorf("in_hot_standby = %q", all["in_hot_standby"])
	}
	if !strings.HasPrefix(all["server_version"], fmt.Sprint(srv.MajorVersion())) {
		t.Errorf("server_version = %q", all["server_version"])
	}
	all["TimeZone"] = "changed in the copy"
	if conn.ParameterStatus("TimeZone") == "changed in the copy" {
		t.Error("ParameterStatuses returned the connection's own map")
	}

	// Changes are reported as they happen, through every kind of call.
	if _, err := conn.Exec(ctx, "set timezone = 'Asia/Tokyo'"); err != nil {
		t.Fatal(err)
	}
	if got := conn.ParameterStatus("TimeZone"); got != "Asia/Tokyo" {
		t.Errorf("after SET: TimeZone = %q", got)
	}
	if _, err := conn.SimpleQuery(ctx, "set application_name = reporter"); err != nil {
		t.Fatal(err)
	}
	if got := conn.ParameterStatus("application_name"); got != "reporter" {
		t.Errorf("application_name = %q", got)
	}
	// A SET undone by a rollback is reported back.
	err := pgmoon.BeginFunc(ctx, conn, func(tx *pgmoon.Tx) error {
		if _, err := tx.Exec(ctx, "set timezone = 'America/Lima'"); err != nil {
			return err
		}
		if got := conn.ParameterStatus("TimeZone"); got != "America/Lima" {
			t.Errorf("in the transaction: TimeZone = %q", got)
		}
		return errors.New("roll back")
	})
	if err == nil || err.Error() != "roll back" {
		t.Fatal(err)
	}
	if got := conn.ParameterStatus("TimeZone"); got != "Asia/Tokyo" {
		t.Errorf("after rollback: TimeZone = %q, want Asia/Tokyo", got)
	}
}

// A notification cut in two by a stall: the wait's deadline comes between
// the halves, the connection stays usable, and the next wait returns the
// whole notification.
func TestFakeWaitForNotificationResumes(t *testing.T) {
	msg, err := (&protocol.NotificationResponse{ProcessID: 99, Channel: "jobs", Payload: "job 42 is ready"}).Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	timedOut := make(chan struct{})
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.Handshake(),
		pgtest.SendRaw(msg[:9]), // type, length and part of the process ID
		pgtest.Do("wait for the client's deadline", func(ctx context.Context) error {
			select {
			case <-timedOut:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}),
		pgtest.SendRaw(msg[9:]),
		pgtest.ExpectType(&protocol.Terminate{}),
	})
	conn := connectConfig(t, fakeConfig(t, f))
	short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if n, err := conn.WaitForNotification(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("first wait = %+v, %v; want the deadline", n, err)
	}
	if conn.IsClosed() {
		t.Fatal("closed by the deadline")
	}
	close(timedOut)
	n, err := conn.WaitForNotification(testCtx(t))
	want := &pgmoon.Notification{PID: 99, Channel: "jobs", Payload: "job 42 is ready"}
	if err != nil || !cmp.Equal(n, want) {
		t.Fatalf("second wait = %+v, %v; want %+v", n, err, want)
	}
	conn.Close(testCtx(t))
	waitFake(t, f)
}

// An ErrorResponse that is not FATAL while nothing runs leaves the server
// in an unknown state: it is returned and the connection closed.
func TestFakeWaitForNotificationError(t *testing.T) {
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.Handshake(),
		pgtest.Send(
			&protocol.ParameterStatus{Name: "TimeZone", Value: "UTC"},
			&protocol.ErrorResponse{Fields: []protocol.ErrorField{{Code: 'S', Value: "ERROR"}, {Code: 'V', Value: "ERROR"}, {Code: 'C', Value: "XX000"}, {Code: 'M', Value: "out of the blue"}}},
		),
		pgtest.ExpectClose(),
	})
	conn := connectConfig(t, fakeConfig(t, f))
	_, err := conn.WaitForNotification(testCtx(t))
	var pe *pgmoon.ProtocolError
	if !errors.As(err, &pe) || !errors.Is(err, &pgmoon.PgError{Code: "XX000"}) || !conn.IsClosed() {
		t.Fatalf("err = %v, closed = %v", err, conn.IsClosed())
	}
	if conn.ParameterStatus("TimeZone") != "UTC" {
		t.Error("ParameterStatus before the error was not applied")
	}
	waitFake(t, f)
}

// Notices sent during the handshake (as a login trigger or an old server
// might) reach OnNotice too.
func TestFakeNoticeDuringConnect(t *testing.T) {
	notice := &protocol.NoticeResponse{Fields: []protocol.ErrorField{{Code: 'S', Value: "WARNING"}, {Code: 'C', Value: "01000"}, {Code: 'M', Value: "password expires soon"}}}
	f := pgtest.NewFakeBackend(t, pgtest.Script{
		pgtest.ExpectStartup(),
		pgtest.Send(&protocol.AuthenticationOk{}, notice,
			&protocol.BackendKeyData{ProcessID: 1, SecretKey: []byte{1, 2, 3, 4}}, notice,
			&protocol.ReadyForQuery{TxStatus: 'I'}),
		pgtest.ExpectType(&protocol.Terminate{}),
	})
	cfg := fakeConfig(t, f)
	var got []string
	cfg.OnNotice = func(c *pgmoon.Conn, n *pgmoon.Notice) { got = append(got, n.String()) }
	conn := connectConfig(t, cfg)
	conn.Close(testCtx(t))
	if want := []string{"WARNING: password expires soon", "WARNING: password expires soon"}; !cmp.Equal(got, want) {
		t.Errorf("notices = %q, want %q", got, want)
	}
	waitFake(t, f)
}

// Over TLS too, a wait stopped by its context leaves the connection (and
// its TLS stream) usable.
func TestWaitForNotificationTLS(t *testing.T) {
	srv := startTLSServer(t)
	listener, notifier := connect(t, srv.DSN()), connect(t, srv.DSN())
	if !listener.UsesTLS() {
		t.Fatal("not TLS")
	}
	ch := channelName(t)
	mustExec(t, listener, "listen "+ch)
	for i := range 3 {
		short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		_, err := listener.WaitForNotification(short)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("wait %d: %v", i, err)
		}
	}
	mustExec(t, notifier, "notify "+ch+", 'over tls'")
	n, err := listener.WaitForNotification(testCtx(t))
	if err != nil || n.Payload != "over tls" {
		t.Fatalf("WaitForNotification = %+v, %v", n, err)
	}
	usable(t, listener)
}
