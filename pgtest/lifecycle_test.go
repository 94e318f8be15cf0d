package pgtest_test

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dc "github.com/ory/dockertest/v3/docker"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// TestRestart checks Stop, Start and Restart against one server of each
// backend, local and Docker (skipped without an engine unless
// PGMOON_TEST_REQUIRE_DOCKER=1), in steps that share the server: a restart
// keeps the address and the cluster and ends the connections made before
// it; a restart under load is bounded and clients work again after it;
// PgBouncer in front of the server (a container's superuser has a
// password) goes on working after a restart; Stop and Start, twice, then
// Close of a stopped server.
func TestRestart(t *testing.T) {
	clearBackendEnv(t)
	for _, backend := range []string{pgtest.BackendLocal, pgtest.BackendDocker} {
		t.Run(backend, func(t *testing.T) {
			var log syncBuffer
			var client *dc.Client
			var s *pgtest.Server
			if backend == pgtest.BackendDocker {
				client = dockerEngine(t)
				s = startDocker(t, pgtest.Docker{}, pgtest.WithLogOutput(&log))
			} else {
				s = startServer(t, pgtest.WithLogOutput(&log))
			}
			t.Run("keeps address", func(t *testing.T) { testRestartKeepsAddress(t, s, client) })
			t.Run("under load", func(t *testing.T) { testRestartUnderLoad(t, s) })
			t.Run("through pgbouncer", func(t *testing.T) { testPgBouncerRestart(t, s) })
			t.Run("stop, start, close", func(t *testing.T) { testStopStartClose(t, s, client, &log) })
		})
	}
}

// postmasterStart returns the server's start time, which a restart changes.
func postmasterStart(t *testing.T, dsn string) string {
	t.Helper()
	return queryOne(t, dsn, "select pg_postmaster_start_time()::text")
}

// testRestartKeepsAddress checks that a restart keeps the server's
// address, unix socket, cluster and roles, and terminates the connections
// made before it.
func testRestartKeepsAddress(t *testing.T, s *pgtest.Server, client *dc.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dsn, socketDSN, port := s.DSN(), s.SocketDSN(), s.Port()
	md5, err := s.User(pgtest.MethodMD5)
	if err != nil {
		t.Fatal(err)
	}
	query(t, dsn, "create table kept (x int); insert into kept values (42)")
	before := postmasterStart(t, dsn)

	// An idle connection, one in a transaction, and one running a
	// long query: a fast shutdown ends all three at once.
	idle, err := pgmoon.ConnectString(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close(ctx)
	inTx, err := pgmoon.ConnectString(ctx, socketDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer inTx.Close(ctx)
	if _, err := inTx.SimpleQuery(ctx, "begin; insert into kept values (7)"); err != nil {
		t.Fatal(err)
	}
	busy, err := pgmoon.ConnectString(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close(ctx)
	busyErr := make(chan error, 1)
	go func() {
		_, err := busy.SimpleQuery(ctx, "select pg_sleep(60)")
		busyErr <- err
	}()
	waitFor(t, dsn, "select count(*) = 1 from pg_stat_activity where query = 'select pg_sleep(60)' and state = 'active'")

	start := time.Now()
	if err := s.Restart(ctx); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	took := time.Since(start)
	t.Logf("Restart took %v", took)
	if took > 30*time.Second {
		t.Errorf("Restart took %v", took)
	}
	select {
	case err := <-busyErr:
		if err == nil {
			t.Error("the query running during the restart succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Error("the query running during the restart still runs")
	}
	for name, conn := range map[string]*pgmoon.Conn{"idle": idle, "in a transaction": inTx} {
		if _, err := conn.SimpleQuery(ctx, "select 1"); err == nil {
			t.Errorf("%s connection made before the restart still works", name)
		} else if !conn.IsClosed() {
			t.Errorf("%s connection made before the restart: %v, but not closed", name, err)
		}
	}

	if s.DSN() != dsn || s.SocketDSN() != socketDSN || s.Port() != port {
		t.Errorf("address changed: DSN %q, SocketDSN %q, port %d; was %q, %q, %d",
			s.DSN(), s.SocketDSN(), s.Port(), dsn, socketDSN, port)
	}
	if after := postmasterStart(t, dsn); after == before {
		t.Errorf("postmaster start time %s unchanged: the server did not restart", after)
	}
	if got := query(t, dsn, "select x from kept order by x"); strings.Join(got, ",") != "42" {
		t.Errorf("after the restart, kept = %v, want [42] (the open transaction rolled back)", got)
	}
	if got := queryOne(t, socketDSN, "select count(*) from kept"); got != "1" {
		t.Errorf("over the socket: count = %s", got)
	}
	if got := queryOne(t, s.URL(md5.Name, md5.Password, ""), "select current_user"); got != md5.Name {
		t.Errorf("md5 user after the restart: current_user = %q", got)
	}
	if client != nil {
		c, err := client.InspectContainer(s.ContainerID())
		if err != nil {
			t.Fatal(err)
		}
		b := c.HostConfig.PortBindings[dc.Port(strconv.Itoa(port)+"/tcp")]
		if len(b) != 1 || b[0].HostIP != "127.0.0.1" || b[0].HostPort != strconv.Itoa(port) {
			t.Errorf("after the restart, port bindings = %+v, want %d on 127.0.0.1", c.HostConfig.PortBindings, port)
		}
	}
}

// waitFor polls query on dsn until it returns "t".
func waitFor(t *testing.T, dsn, query string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for queryOne(t, dsn, query) != "t" {
		if time.Now().After(deadline) {
			t.Fatalf("still not true after 30s: %s", query)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testStopStartClose checks Stop (connections refused, files kept), Stop
// and Start twice, and Close of a stopped server (nothing left). log is
// the server's WithLogOutput.
func testStopStartClose(t *testing.T, s *pgtest.Server, client *dc.Client, log *syncBuffer) {
	const ready = "database system is ready to accept connections"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	query(t, s.DSN(), "create table kept2 (x int)")
	pid := pgtest.PostmasterPID(s)
	addr := net.JoinHostPort(s.Host(), strconv.Itoa(s.Port()))
	for round := range 2 {
		readyBefore := strings.Count(log.String(), ready)
		if err := s.Stop(ctx); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if err := s.Stop(ctx); err != nil {
			t.Errorf("Stop of a stopped server: %v", err)
		}
		if pid != 0 && processExists(pid) {
			t.Errorf("postmaster %d still runs after Stop", pid)
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("round %d: %s accepts connections while stopped", round, addr)
		}
		if _, err := os.Stat(s.SocketDir()); err != nil {
			t.Errorf("Stop removed the socket directory: %v", err)
		}
		if client != nil {
			c, err := client.InspectContainer(s.ContainerID())
			if err != nil || c.State.Running {
				t.Errorf("after Stop, container: %v, running %v; want it kept, not running", err, c != nil && c.State.Running)
			}
		}
		if err := s.Start(ctx); err != nil {
			t.Fatalf("Start: %v", err)
		}
		if err := s.Start(ctx); err != nil {
			t.Errorf("Start of a running server: %v", err)
		}
		if got := queryOne(t, s.DSN(), "select count(*) from pg_class where relname = 'kept2'"); got != "1" {
			t.Errorf("round %d: table gone after Stop and Start", round)
		}
		// The log copy goes on after the restart (a line or two
		// around it may be copied twice).
		if n := strings.Count(log.String(), ready); n <= readyBefore {
			t.Errorf("round %d: WithLogOutput got no start-up after Start (%d lines %q before, %d after)", round, readyBefore, ready, n)
		}
		pid = pgtest.PostmasterPID(s)
	}

	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	dir := s.SocketDir()
	if err := s.Close(); err != nil {
		t.Fatalf("Close of a stopped server: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close, %s: %v", dir, err)
	}
	if client != nil {
		if _, err := client.InspectContainer(s.ContainerID()); !isNoSuchContainer(err) {
			t.Errorf("after Close, the container: %v, want no such container", err)
		}
	}
	for op, f := range map[string]func(context.Context) error{"start": s.Start, "stop": s.Stop, "restart": s.Restart} {
		if err := f(ctx); err == nil || err.Error() != "pgtest: "+op+": the server is closed" {
			t.Errorf("%s after Close: %v", op, err)
		}
	}
}

// testRestartUnderLoad restarts a server while clients keep connecting
// and querying: the restart is bounded, and every client works again
// afterwards.
func testRestartUnderLoad(t *testing.T, s *pgtest.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const clients = 16
	restarted := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, clients)
	for i := range clients {
		wg.Go(func() {
			// Query until the restart is over, reconnecting after
			// errors; then one last query must succeed.
			var conn *pgmoon.Conn
			defer func() {
				if conn != nil {
					conn.Close(ctx)
				}
			}()
			for done := false; ; {
				select {
				case <-restarted:
					done = true
				default:
				}
				var err error
				if conn == nil || conn.IsClosed() {
					conn, err = pgmoon.ConnectString(ctx, s.DSN())
				}
				if err == nil {
					_, err = conn.SimpleQuery(ctx, "select pg_sleep(0.01)")
				}
				if done {
					errs[i] = err
					return
				}
				if err != nil {
					if conn != nil {
						conn.Close(ctx)
						conn = nil
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	err := s.Restart(ctx)
	t.Logf("Restart under load took %v", time.Since(start))
	close(restarted)
	wg.Wait()
	if err != nil {
		t.Fatalf("Restart: %v", err)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("client %d after the restart: %v", i, err)
		}
	}
}

// TestStopStartExternal checks that a server from PGMOON_TEST_DSN is not
// stopped or started.
func TestStopStartExternal(t *testing.T) {
	t.Setenv(pgtest.EnvDSN, pgtest.Default(t).DSN())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for op, f := range map[string]func(context.Context) error{"start": s.Start, "stop": s.Stop, "restart": s.Restart} {
		err := f(ctx)
		if err == nil || !strings.HasPrefix(err.Error(), "pgtest: "+op+": the server comes from "+pgtest.EnvDSN) {
			t.Errorf("%s on an external server: %v", op, err)
		}
	}
	if got := queryOne(t, s.DSN(), "select 1"); got != "1" {
		t.Errorf("the external server does not answer after the refused calls")
	}
}

// testPgBouncerRestart runs PgBouncer in front of s: the superuser (with
// the password a container's has) and a password user log in through it,
// a wrong password does not, and PgBouncer reconnects to s after a
// restart.
func testPgBouncerRestart(t *testing.T, s *pgtest.Server) {
	b := startBouncer(t, s)
	super := queryOne(t, s.DSN(), "select current_user || ' ' || current_database()")
	if got := queryOne(t, b.DSN(), "select current_user || ' ' || current_database()"); got != super {
		t.Errorf("through PgBouncer: %q, want %q as over DSN", got, super)
	}
	u, err := s.User(pgtest.MethodMD5)
	if err != nil {
		t.Fatal(err)
	}
	if got := queryOne(t, b.URL(u.Name, u.Password, ""), "select current_user"); got != u.Name {
		t.Errorf("md5 user through PgBouncer: current_user = %q", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if c, err := pgmoon.ConnectString(ctx, b.URL(strings.Fields(super)[0], "wrong", "")); err == nil {
		c.Close(ctx)
		if s.Backend() == pgtest.BackendDocker {
			t.Error("the superuser logged in through PgBouncer with a wrong password")
		}
	} else if s.Backend() == pgtest.BackendLocal {
		t.Errorf("the trusted superuser of a local server through PgBouncer with any password: %v", err)
	}

	held := connect(t, b.DSN())
	if err := s.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if got := queryOne(t, b.DSN(), "select 2"); got != "2" {
		t.Errorf("select 2 through PgBouncer after the server's restart = %q", got)
	}
	t.Logf("first query through PgBouncer after the restart took %v", time.Since(start))
	// In transaction mode the client's connection to PgBouncer outlives
	// the server connection it used.
	if got := value(t, held, "select 3"); got != "3" {
		t.Errorf("a client connected through PgBouncer before the restart: select 3 = %q", got)
	}
}
