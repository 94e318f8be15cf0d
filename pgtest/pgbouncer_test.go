package pgtest_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// bouncerServer returns a server with the per-method roles: the default
// one, unless that comes from PGMOON_TEST_DSN.
func bouncerServer(t *testing.T) *pgtest.Server {
	t.Helper()
	if s := pgtest.Default(t); s.Backend() != pgtest.BackendExternal {
		return s
	}
	return startServer(t, pgtest.WithLocal())
}

// startBouncer starts PgBouncer in front of srv and closes it when the
// test ends.
func startBouncer(t *testing.T, srv *pgtest.Server, opts ...pgtest.PgBouncerOption) *pgtest.PgBouncer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := pgtest.StartPgBouncer(ctx, srv, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	return b
}

// connect opens a connection closed when the test ends.
func connect(t *testing.T, dsn string) *pgmoon.Conn {
	t.Helper()
	return connectWith(t, dsn, nil)
}

// connectWith is connect with extra startup parameters (settings the
// server is to apply, which a connection string cannot carry as
// keywords).
func connectWith(t *testing.T, dsn string, params map[string]string) *pgmoon.Conn {
	t.Helper()
	conn, err := tryConnect(dsn, params)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func tryConnect(dsn string, params map[string]string) (*pgmoon.Conn, error) {
	cfg, err := pgmoon.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	for k, v := range params {
		cfg.RuntimeParams[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return pgmoon.Connect(ctx, cfg)
}

// value runs sql on conn and returns the first column of its only row.
func value(t *testing.T, conn *pgmoon.Conn, sql string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := conn.SimpleQuery(ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	last := res[len(res)-1]
	if len(last.Rows) != 1 {
		t.Fatalf("%s: %d rows, want 1", sql, len(last.Rows))
	}
	return string(last.Rows[0][0])
}

// pool returns PgBouncer's SHOW POOLS row for database and user.
func pool(t *testing.T, b *pgtest.PgBouncer, database, user string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := b.Show(ctx, "POOLS")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r["database"] == database && r["user"] == user {
			return r
		}
	}
	t.Fatalf("SHOW POOLS has no pool for %s/%s: %v", database, user, rows)
	return nil
}

// serverConns adds up a pool's server connections.
func serverConns(t *testing.T, p map[string]string) int {
	t.Helper()
	n := 0
	for _, col := range []string{"sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login"} {
		v, err := strconv.Atoi(p[col])
		if err != nil {
			t.Fatalf("SHOW POOLS: %s = %q", col, p[col])
		}
		n += v
	}
	return n
}

// TestPgBouncerTransactionMode checks that in transaction mode two clients
// share one server connection: both see the same backend, PgBouncer's
// pool shows two clients and one server connection, the server one
// session, and a client waits while the other holds a transaction.
func TestPgBouncerTransactionMode(t *testing.T) {
	t.Parallel()
	srv := bouncerServer(t)
	db := queryOne(t, srv.NewDatabase(t), "select current_database()")
	b := startBouncer(t, srv, pgtest.WithDefaultPoolSize(1))
	if b.PoolMode() != pgtest.PoolModeTransaction {
		t.Errorf("PoolMode = %q, want the default, transaction", b.PoolMode())
	}
	want := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", b.Port())
	if srv.Backend() == pgtest.BackendLocal && b.DSN() != want {
		t.Errorf("DSN = %q, want %q", b.DSN(), want)
	}
	if b.Host() != "127.0.0.1" || b.Port() == srv.Port() {
		t.Errorf("PgBouncer at %s:%d, server at port %d", b.Host(), b.Port(), srv.Port())
	}

	dsn := b.URL("", "", db)
	c1, c2 := connect(t, dsn), connect(t, dsn)
	pid1 := value(t, c1, "select pg_backend_pid()")
	pid2 := value(t, c2, "select pg_backend_pid()")
	if pid1 != pid2 {
		t.Errorf("the two clients ran on backends %s and %s, want one shared", pid1, pid2)
	}
	p := pool(t, b, db, "postgres")
	if p["cl_active"] != "2" || serverConns(t, p) != 1 {
		t.Errorf("SHOW POOLS: cl_active %s, %d server connections; want 2 and 1: %v", p["cl_active"], serverConns(t, p), p)
	}
	sessions := queryOne(t, srv.DSN(), "select count(*) from pg_stat_activity where datname = '"+db+"' and backend_type = 'client backend'")
	if sessions != "1" {
		t.Errorf("the server has %s sessions on %s, want 1", sessions, db)
	}

	// While c1 holds the connection in a transaction, c2 waits for it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c1.SimpleQuery(ctx, "begin; select 1"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c2.SimpleQuery(ctx, "select 1")
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for pool(t, b, db, "postgres")["cl_waiting"] != "1" {
		if time.Now().After(deadline) {
			t.Fatalf("c2 does not wait for the server connection c1 holds: %v", pool(t, b, db, "postgres"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("c2's query ran while c1 held the only server connection (%v)", err)
	default:
	}
	if _, err := c1.SimpleQuery(ctx, "commit"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("c2 after c1's commit: %v", err)
	}
}

// TestPgBouncerSessionMode checks that in session mode each client keeps
// its own server connection.
func TestPgBouncerSessionMode(t *testing.T) {
	t.Parallel()
	srv := bouncerServer(t)
	b := startBouncer(t, srv, pgtest.WithPoolMode(pgtest.PoolModeSession), pgtest.WithDefaultPoolSize(2), pgtest.WithMaxClientConn(5))
	c1, c2 := connect(t, b.DSN()), connect(t, b.DSN())
	if p1, p2 := value(t, c1, "select pg_backend_pid()"), value(t, c2, "select pg_backend_pid()"); p1 == p2 {
		t.Errorf("session mode: both clients on backend %s", p1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := b.Show(ctx, "CONFIG")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r["key"]] = r["value"]
	}
	for k, v := range map[string]string{"pool_mode": "session", "default_pool_size": "2", "max_client_conn": "5", "listen_addr": "127.0.0.1"} {
		if got[k] != v {
			t.Errorf("SHOW CONFIG: %s = %q, want %q", k, got[k], v)
		}
	}
}

// TestPgBouncerLogin checks who can log in through PgBouncer: the server's
// per-method roles with their passwords (and not with wrong ones), a user
// added with WithPgBouncerUser, and nobody else; and which startup
// parameters it accepts.
func TestPgBouncerLogin(t *testing.T) {
	t.Parallel()
	srv := bouncerServer(t)
	db := queryOne(t, srv.NewDatabase(t), "select current_database()")
	query(t, srv.URL("", "", db), "create role pgtest_bouncer_extra login password 'extra secret'")
	t.Cleanup(func() { query(t, srv.DSN(), "drop role if exists pgtest_bouncer_extra") })
	b := startBouncer(t, srv, pgtest.WithPgBouncerUser("pgtest_bouncer_extra", "extra secret"),
		pgtest.WithIgnoreStartupParameters("search_path"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	for _, method := range []string{pgtest.MethodPassword, pgtest.MethodMD5, pgtest.MethodSCRAMSHA256, pgtest.MethodTrust} {
		t.Run(method, func(t *testing.T) {
			u, err := srv.User(method)
			if err != nil {
				t.Fatal(err)
			}
			conn := connect(t, b.URL(u.Name, u.Password, db))
			if got := value(t, conn, "select current_user || ' ' || current_database()"); got != u.Name+" "+db {
				t.Errorf("through PgBouncer: %q, want %q", got, u.Name+" "+db)
			}
			if method == pgtest.MethodTrust {
				return
			}
			c, err := pgmoon.ConnectString(ctx, b.URL(u.Name, u.Password+"x", db))
			if err == nil {
				c.Close(ctx)
				t.Fatal("logged in through PgBouncer with a wrong password")
			}
			// PgBouncer 1.18 reports a failed login as a protocol
			// violation (08P01), not as PostgreSQL's invalid_password
			// (28P01); take either, with the message saying what failed.
			var pgErr *pgmoon.PgError
			if !errors.As(err, &pgErr) || (pgErr.SQLState() != "28P01" && pgErr.SQLState() != "08P01") ||
				!strings.Contains(pgErr.Message, "authentication failed") {
				t.Errorf("wrong password: %v, want an authentication failure from PgBouncer", err)
			}
			if strings.Contains(err.Error(), u.Password) {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
	t.Run("WithPgBouncerUser", func(t *testing.T) {
		conn := connect(t, b.URL("pgtest_bouncer_extra", "extra secret", db))
		if got := value(t, conn, "select current_user"); got != "pgtest_bouncer_extra" {
			t.Errorf("current_user = %q", got)
		}
	})
	t.Run("unknown user", func(t *testing.T) {
		c, err := pgmoon.ConnectString(ctx, b.URL("pgtest_nobody", "", db))
		if err == nil {
			c.Close(ctx)
			t.Error("a user PgBouncer does not know logged in")
		}
	})
	t.Run("startup parameters", func(t *testing.T) {
		conn := connectWith(t, b.URL("", "", db)+"&application_name=pgtest_app", map[string]string{"search_path": "ignored"})
		if got := value(t, conn, "select current_setting('application_name')"); got != "pgtest_app" {
			t.Errorf("application_name through PgBouncer = %q", got)
		}
		// Without WithIgnoreStartupParameters, PgBouncer refuses one it
		// does not track.
		strict := startBouncer(t, srv)
		conn = connect(t, strict.URL("", "", db)+"&application_name=pgtest_strict")
		if got := value(t, conn, "select current_setting('application_name')"); got != "pgtest_strict" {
			t.Errorf("application_name through PgBouncer without ignore_startup_parameters = %q", got)
		}
		c, err := tryConnect(strict.URL("", "", db), map[string]string{"search_path": "public"})
		if err == nil {
			c.Close(ctx)
			t.Error("PgBouncer without ignore_startup_parameters took search_path")
		} else if !strings.Contains(err.Error(), "search_path") {
			t.Errorf("search_path refused with %v, want an error naming it", err)
		}
	})
}

// TestPgBouncerClose checks that Close stops PgBouncer, closes its
// clients' connections and removes its directory. (TestRestart checks
// PgBouncer in front of a server that restarts.)
func TestPgBouncerClose(t *testing.T) {
	t.Parallel()
	srv := bouncerServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := pgtest.StartPgBouncer(ctx, srv)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got := queryOne(t, b.DSN(), "select 1"); got != "1" {
		t.Fatalf("select 1 through PgBouncer = %q", got)
	}

	pid, dir := pgtest.PgBouncerPID(b), b.SocketDir()
	held := connect(t, b.DSN())
	if pid == 0 || !processExists(pid) {
		t.Fatalf("PgBouncer pid %d not running", pid)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if processExists(pid) {
		t.Errorf("PgBouncer %d still exists after Close", pid)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close, %s: %v", dir, err)
	}
	if c, err := net.DialTimeout("tcp", net.JoinHostPort(b.Host(), strconv.Itoa(b.Port())), time.Second); err == nil {
		c.Close()
		t.Errorf("port %d still accepts connections after Close", b.Port())
	}
	if _, err := held.SimpleQuery(ctx, "select 1"); err == nil {
		t.Error("a client connection through PgBouncer still works after Close")
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if got := queryOne(t, srv.DSN(), "select 1"); got != "1" {
		t.Error("closing PgBouncer disturbed the server")
	}
}

// TestPgBouncerMissing checks the error when there is no pgbouncer.
func TestPgBouncerMissing(t *testing.T) {
	srv := pgtest.Default(t)
	ctx := context.Background()
	for name, opt := range map[string]pgtest.PgBouncerOption{
		"searched": nil,
		"named":    pgtest.WithPgBouncerBinary(filepath.Join(t.TempDir(), "pgbouncer")),
	} {
		t.Run(name, func(t *testing.T) {
			var opts []pgtest.PgBouncerOption
			if opt != nil {
				opts = append(opts, opt)
			} else {
				t.Setenv("PATH", t.TempDir())
				defer pgtest.SetPgBouncerDirs([]string{t.TempDir()})()
			}
			b, err := pgtest.StartPgBouncer(ctx, srv, opts...)
			if err == nil {
				b.Close()
				t.Fatal("StartPgBouncer succeeded without pgbouncer")
			}
			if !strings.HasPrefix(err.Error(), "pgtest: start pgbouncer: ") || !strings.Contains(err.Error(), "apt-get install -y pgbouncer") {
				t.Errorf("error %q does not say to install pgbouncer", err)
			}
		})
	}
	if _, err := pgtest.StartPgBouncer(ctx, srv, pgtest.WithPoolMode("connection")); err == nil || !strings.Contains(err.Error(), `pool mode "connection"`) {
		t.Errorf("StartPgBouncer with a bad pool mode: %v", err)
	}
}

// Child processes: TestMain runs runBouncerChild instead of the tests
// when bouncerChildEnvVar is set, so that a test can kill a test binary
// that runs PgBouncer.
const bouncerChildEnvVar = "PGTEST_BOUNCER_CHILD"

// runBouncerChild starts PgBouncer in front of the server of
// PGMOON_TEST_DSN, prints its pid and directory, and waits to be killed.
func runBouncerChild() int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := pgtest.Start(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	b, err := pgtest.StartPgBouncer(ctx, srv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("pgbouncer %d %s\n", pgtest.PgBouncerPID(b), b.SocketDir())
	select {}
}

// TestPgBouncerKilledRunLeavesNothing kills (SIGKILL) and interrupts
// (SIGINT) a test binary that runs PgBouncer: PgBouncer dies with it, and
// the next start removes its directory.
func TestPgBouncerKilledRunLeavesNothing(t *testing.T) {
	t.Parallel()
	for _, sig := range []os.Signal{os.Kill, os.Interrupt} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), bouncerChildEnvVar+"=1", pgtest.EnvDSN+"="+pgtest.Default(t).DSN())
			cmd.Stderr = os.Stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				cmd.Process.Kill()
				cmd.Wait()
			}()
			line, err := bufio.NewReader(out).ReadString('\n')
			var pid int
			var dir string
			if _, serr := fmt.Sscanf(line, "pgbouncer %d %s", &pid, &dir); err != nil || serr != nil {
				t.Fatalf("child printed %q (%v, %v)", line, err, serr)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			deadline := time.Now().Add(10 * time.Second)
			for processExists(pid) {
				if time.Now().After(deadline) {
					t.Fatalf("PgBouncer %d outlived its test binary by 10s", pid)
				}
				time.Sleep(20 * time.Millisecond)
			}
			pgtest.RemoveStaleDirs() // what the next Start or StartPgBouncer does
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("after the next start, PgBouncer's directory %s: %v", dir, err)
				os.RemoveAll(dir)
			}
		})
	}
}
