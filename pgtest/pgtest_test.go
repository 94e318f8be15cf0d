package pgtest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/internal/leakcheck"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnvVar) != "" {
		os.Exit(runChild())
	}
	if os.Getenv(bouncerChildEnvVar) != "" {
		os.Exit(runBouncerChild())
	}
	code := pgtest.Main(m)
	code = leakcheck.After(code) // no goroutine outlives the server (see internal/leakcheck)
	os.Exit(code)
}

// query runs sql on a new connection to dsn and returns the first column of
// each row of its last result, with NULL as "<null>".
func query(t testing.TB, dsn, sql string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgmoon.ConnectString(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	results, err := conn.SimpleQuery(ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var col []string
	for _, row := range results[len(results)-1].Rows {
		if row[0] == nil {
			col = append(col, "<null>")
		} else {
			col = append(col, string(row[0]))
		}
	}
	return col
}

// queryOne is query for a single-row, single-column result.
func queryOne(t testing.TB, dsn, sql string) string {
	t.Helper()
	col := query(t, dsn, sql)
	if len(col) != 1 {
		t.Fatalf("%s: got %d rows, want 1", sql, len(col))
	}
	return col[0]
}

// clearBackendEnv makes Start choose the local backend whatever the
// environment of the test run says.
func clearBackendEnv(t *testing.T) {
	t.Setenv(pgtest.EnvDSN, "")
	t.Setenv(pgtest.EnvBackend, "")
}

func TestReachable(t *testing.T) {
	t.Parallel()
	s := pgtest.Default(t)
	if s.Backend() == pgtest.BackendExternal {
		// An external server is reached as PGMOON_TEST_DSN says, unchanged.
		if s.DSN() != os.Getenv(pgtest.EnvDSN) || queryOne(t, s.DSN(), "select 1") != "1" {
			t.Errorf("external server: DSN %q, want %s unchanged and answering", s.DSN(), pgtest.EnvDSN)
		}
		return
	}
	tests := []struct {
		name, dsn, wantAddr string
	}{
		{"tcp", s.DSN(), "127.0.0.1/32"},
		{"unix socket", s.SocketDSN(), "<null>"}, // no server address over a socket
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := queryOne(t, tt.dsn, "select current_user"); got != "postgres" {
				t.Errorf("current_user = %q, want postgres", got)
			}
			if got := queryOne(t, tt.dsn, "select inet_server_addr()::text"); got != tt.wantAddr {
				t.Errorf("inet_server_addr() = %q, want %q", got, tt.wantAddr)
			}
		})
	}
	want := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.Port())
	if s.DSN() != want {
		t.Errorf("DSN() = %q, want %q", s.DSN(), want)
	}
	if s.Host() != "127.0.0.1" {
		t.Errorf("Host() = %q, want 127.0.0.1", s.Host())
	}
	sock := filepath.Join(s.SocketDir(), ".s.PGSQL."+strconv.Itoa(s.Port()))
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Type() != os.ModeSocket {
		t.Errorf("no unix socket at %s (err %v)", sock, err)
	}
}

func TestMethodUsers(t *testing.T) {
	t.Parallel()
	s := pgtest.Default(t)
	if s.Backend() == pgtest.BackendExternal {
		// Only a server pgtest manages has the per-method roles.
		for _, method := range []string{pgtest.MethodTrust, pgtest.MethodPassword, pgtest.MethodMD5, pgtest.MethodSCRAMSHA256} {
			if _, err := s.User(method); err == nil || !strings.Contains(err.Error(), "pgtest-managed server") {
				t.Errorf("User(%s) on an external server: %v, want an error saying it needs a pgtest-managed server", method, err)
			}
		}
		return
	}
	// How each method's password is stored: md5 must be an MD5 hash, or the
	// server would run SCRAM for the md5 method instead.
	storedPrefix := map[string]string{
		pgtest.MethodTrust:       "<null>",
		pgtest.MethodPassword:    "SCRAM-SHA-256$",
		pgtest.MethodMD5:         "md5",
		pgtest.MethodSCRAMSHA256: "SCRAM-SHA-256$",
	}
	for _, method := range []string{pgtest.MethodTrust, pgtest.MethodPassword, pgtest.MethodMD5, pgtest.MethodSCRAMSHA256} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			u, err := s.User(method)
			if err != nil {
				t.Fatal(err)
			}
			if u.Method != method || u.Name == "" || (method != pgtest.MethodTrust) == (u.Password == "") {
				t.Fatalf("User(%q) = %+v", method, u)
			}
			stored := queryOne(t, s.DSN(), "select coalesce(rolpassword, '<null>') from pg_authid where rolname = '"+u.Name+"'")
			if !strings.HasPrefix(stored, storedPrefix[method]) {
				t.Errorf("stored password of %s = %.16q..., want prefix %q", u.Name, stored, storedPrefix[method])
			}
			if method != pgtest.MethodTrust {
				rules := query(t, s.DSN(), "select type || ' ' || coalesce(address, '-') from pg_hba_file_rules "+
					"where '"+u.Name+"' = any(user_name) and auth_method = '"+method+"' order by line_number")
				want := []string{"local -", "host 127.0.0.1", "host ::1"}
				if strings.Join(rules, ",") != strings.Join(want, ",") {
					t.Errorf("pg_hba.conf rules for %s with %s = %q, want %q", u.Name, method, rules, want)
				}
			}

			transports := []struct {
				name string
				dsn  func(password string) string
			}{
				{"tcp", func(password string) string { return s.URL(u.Name, password, "postgres") }},
				{"unix socket", func(password string) string {
					return fmt.Sprintf("host=%s port=%d user=%s password='%s' dbname=postgres sslmode=disable",
						s.SocketDir(), s.Port(), u.Name, password)
				}},
			}
			for _, tr := range transports {
				t.Run(tr.name, func(t *testing.T) {
					if got := queryOne(t, tr.dsn(u.Password), "select current_user"); got != u.Name {
						t.Errorf("current_user = %q, want %q", got, u.Name)
					}
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					for _, wrong := range []string{u.Password + "x", "0123456789abcdef0123456789abcdef"} {
						conn, err := pgmoon.ConnectString(ctx, tr.dsn(wrong))
						if method == pgtest.MethodTrust {
							if err != nil {
								t.Errorf("trust user with password %q: %v", wrong, err)
							} else {
								conn.Close(ctx)
							}
							continue
						}
						if err == nil {
							conn.Close(ctx)
							t.Errorf("connected with wrong password %q", wrong)
							continue
						}
						var pgErr *pgmoon.PgError
						if !errors.As(err, &pgErr) || pgErr.SQLState() != "28P01" {
							t.Errorf("wrong password: got %v, want SQLSTATE 28P01 (invalid_password)", err)
						}
					}
				})
			}
		})
	}
	if _, err := s.User("gss"); err == nil || !strings.Contains(err.Error(), "unknown method") {
		t.Errorf(`User("gss") error = %v, want "unknown method"`, err)
	}
}

func TestNewDatabase(t *testing.T) {
	t.Parallel()
	s := pgtest.Default(t)
	var name string
	var held *pgmoon.Conn
	t.Run("isolated", func(t *testing.T) {
		a, b := s.NewDatabase(t), s.NewDatabase(t)
		name = queryOne(t, a, "select current_database()")
		if nameB := queryOne(t, b, "select current_database()"); nameB == name {
			t.Fatalf("two NewDatabase calls gave one database, %s", name)
		}
		if !strings.HasPrefix(name, "pgtest_testnewdatabase_isolated_") {
			t.Errorf("database name %q does not say which test made it", name)
		}
		query(t, a, "create table only_in_a (x int); insert into only_in_a values (1)")
		if got := queryOne(t, a, "select count(*) from pg_class where relname = 'only_in_a'"); got != "1" {
			t.Errorf("table missing from its own database")
		}
		if got := queryOne(t, b, "select count(*) from pg_class where relname = 'only_in_a'"); got != "0" {
			t.Errorf("table of one database visible in another")
		}
		// A connection left open must not stop the drop (WITH (FORCE)).
		var err error
		held, err = pgmoon.ConnectString(context.Background(), a)
		if err != nil {
			t.Fatal(err)
		}
	})
	if name == "" {
		t.FailNow()
	}
	defer held.Close(context.Background())
	if got := queryOne(t, s.DSN(), "select count(*) from pg_database where datname = '"+name+"'"); got != "0" {
		t.Errorf("database %s still exists after its test finished", name)
	}
}

func TestExternalDSN(t *testing.T) {
	local := pgtest.Default(t)
	if local.Backend() == pgtest.BackendExternal {
		// The tests already run against PGMOON_TEST_DSN: a second Start
		// wraps the same server, and closing it leaves the server alone.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := pgtest.Start(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s.Backend() != pgtest.BackendExternal || s.DSN() != local.DSN() || s.Port() != local.Port() {
			t.Errorf("wrapper: backend %q, DSN %q, port %d", s.Backend(), s.DSN(), s.Port())
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if got := queryOne(t, local.DSN(), "select 1"); got != "1" {
			t.Errorf("closing the wrapper disturbed the server")
		}
		return
	}
	tests := []struct {
		name, dsn, wantHost, wantSocketDir string
	}{
		{"url", local.DSN(), "127.0.0.1", ""},
		{"keyword/value socket", local.SocketDSN(), local.SocketDir(), local.SocketDir()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(pgtest.EnvDSN, tt.dsn)
			t.Setenv(pgtest.EnvBackend, "docker") // EnvDSN wins
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := pgtest.Start(ctx, pgtest.WithBinDir(t.TempDir())) // no binaries needed
			if err != nil {
				t.Fatal(err)
			}
			if s.Backend() != "external" || s.DSN() != tt.dsn || s.Host() != tt.wantHost ||
				s.Port() != local.Port() || s.SocketDir() != tt.wantSocketDir {
				t.Errorf("wrapper: backend %q, DSN %q, host %q, port %d, socket dir %q",
					s.Backend(), s.DSN(), s.Host(), s.Port(), s.SocketDir())
			}
			_, err = s.User(pgtest.MethodMD5)
			if err == nil || !strings.Contains(err.Error(), "pgtest-managed server") {
				t.Errorf("User on an external server: got %v, want an error saying it needs a pgtest-managed server", err)
			}
			t.Run("NewDatabase", func(t *testing.T) {
				dsn := s.NewDatabase(t)
				if got := queryOne(t, dsn, "select current_database()"); !strings.HasPrefix(got, "pgtest_") {
					t.Errorf("current_database() = %q", got)
				}
			})
			trust, err := local.User(pgtest.MethodTrust)
			if err != nil {
				t.Fatal(err)
			}
			if got := queryOne(t, s.URL(trust.Name, "", "template1"), "select current_user || ' ' || current_database()"); got != trust.Name+" template1" {
				t.Errorf("URL(%s, \"\", template1) connected as %q", trust.Name, got)
			}
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if got := queryOne(t, local.DSN(), "select 1"); got != "1" {
				t.Errorf("closing the wrapper disturbed the server")
			}
		})
	}
}

func TestExternalDSNUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	t.Setenv(pgtest.EnvDSN, fmt.Sprintf("postgres://postgres:secret@127.0.0.1:%d/postgres?sslmode=disable", port))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = pgtest.Start(ctx)
	if err == nil || !strings.HasPrefix(err.Error(), "pgtest: connect to "+pgtest.EnvDSN+": ") {
		t.Fatalf("Start = %v, want a connect error", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error shows the password: %v", err)
	}
}

// TestUnknownBackend checks that Start reads PGMOON_TEST_BACKEND (the order
// of the choices is TestSelectBackend's).
func TestUnknownBackend(t *testing.T) {
	t.Setenv(pgtest.EnvDSN, "")
	t.Setenv(pgtest.EnvBackend, "podman")
	s, err := pgtest.Start(context.Background())
	if err == nil {
		s.Close()
		t.Fatal("Start succeeded")
	}
	if want := `pgtest: PGMOON_TEST_BACKEND="podman": unknown backend`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Start error = %q, want prefix %q", err, want)
	}
}

func TestMissingBinaries(t *testing.T) {
	clearBackendEnv(t)
	dir := t.TempDir()
	_, err := pgtest.Start(context.Background(), pgtest.WithBinDir(dir))
	if err == nil {
		t.Fatal("Start succeeded without binaries")
	}
	for _, want := range []string{
		"pgtest: find binaries: initdb and postgres not found in " + dir,
		"apt-get install postgresql",
		pgtest.EnvDSN,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\ndoes not say %q", err, want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the log-copying goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestStartClose(t *testing.T) {
	clearBackendEnv(t)
	var log syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := pgtest.Start(ctx, pgtest.WithLogOutput(&log), pgtest.WithSetting("work_mem", "7MB"),
		pgtest.WithSetting("max_connections", "20")) // overrides pgtest's 100
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Port() == pgtest.Default(t).Port() {
		t.Errorf("two servers on port %d", s.Port())
	}
	if got := queryOne(t, s.DSN(), "show work_mem"); got != "7MB" {
		t.Errorf("work_mem = %q, want 7MB from WithSetting", got)
	}
	if got := queryOne(t, s.DSN(), "show max_connections"); got != "20" {
		t.Errorf("max_connections = %q, want 20 from WithSetting", got)
	}
	if got := queryOne(t, s.DSN(), "show fsync"); got != "off" {
		t.Errorf("fsync = %q, want off", got)
	}
	if !strings.Contains(log.String(), "database system is ready to accept connections") {
		t.Errorf("WithLogOutput got no server log:\n%s", log.String())
	}
	pid := pgtest.PostmasterPID(s)
	if pid == 0 || !processExists(pid) {
		t.Fatalf("postmaster pid %d not running", pid)
	}

	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if processExists(pid) {
		t.Errorf("postmaster %d still exists after Close", pid)
	}
	if _, err := os.Stat(s.SocketDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp dir %s still there after Close (%v)", s.SocketDir(), err)
	}
	if c, err := net.DialTimeout("tcp", net.JoinHostPort(s.Host(), strconv.Itoa(s.Port())), time.Second); err == nil {
		c.Close()
		t.Errorf("port %d still accepts connections after Close", s.Port())
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestStartRetriesTakenPort(t *testing.T) {
	clearBackendEnv(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port
	var calls int
	restore := pgtest.SetPickPort(func() (int, error) {
		calls++
		if calls == 1 {
			return takenPort, nil
		}
		return pgtest.FreePort()
	})
	defer restore()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if calls != 2 || s.Port() == takenPort {
		t.Errorf("picked %d ports, using %d (taken: %d); want a second pick", calls, s.Port(), takenPort)
	}
	if got := queryOne(t, s.DSN(), "select 1"); got != "1" {
		t.Errorf("select 1 = %q", got)
	}
}

func TestStartFailureLog(t *testing.T) {
	clearBackendEnv(t)
	startFails(t, []string{"pgtest: start postgres: exited during start-up", "server log", "no_such_setting"},
		pgtest.WithSetting("no_such_setting", "1"))
}

// startFails checks that Start with opts fails with an error saying each of
// wants.
func startFails(t *testing.T, wants []string, opts ...pgtest.Option) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := pgtest.Start(ctx, opts...)
	if err == nil {
		s.Close()
		t.Fatal("Start succeeded")
	}
	for _, want := range wants {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\ndoes not say %q", err, want)
		}
	}
}

func TestRemoveStaleDirs(t *testing.T) {
	// A process id that no longer exists: a child that has been reaped.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid
	live := os.Getppid()

	makeDir := func(owner int, postmaster int) string {
		t.Helper()
		dir, err := os.MkdirTemp("", "pgmoon-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if owner != 0 {
			name, content := pgtest.Marker(owner)
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if postmaster != 0 {
			os.Mkdir(filepath.Join(dir, "data"), 0o700)
			pidFile := fmt.Sprintf("%d\n%s/data\n", postmaster, dir)
			if err := os.WriteFile(filepath.Join(dir, "data", "postmaster.pid"), []byte(pidFile), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	// bouncerDir makes dir look like a PgBouncer's, run by process pid.
	bouncerDir := func(dir string, pid int) string {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "pgbouncer.pid"), []byte(fmt.Sprintf("%d\n", pid)), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	tests := []struct {
		name       string
		dir        string
		wantRemove bool
	}{
		{"dead owner, dead postmaster", makeDir(dead, dead), true},
		{"dead owner, no postmaster", makeDir(dead, 0), true},
		{"dead owner, live postmaster", makeDir(dead, live), false},
		{"live owner", makeDir(live, dead), false},
		{"no marker", makeDir(0, dead), false},
		{"PgBouncer's, dead owner, dead pgbouncer", bouncerDir(makeDir(dead, 0), dead), true},
		{"PgBouncer's, dead owner, live pgbouncer", bouncerDir(makeDir(dead, 0), live), false},
	}
	pgtest.RemoveStaleDirs()
	for _, tt := range tests {
		_, err := os.Stat(tt.dir)
		if removed := errors.Is(err, os.ErrNotExist); removed != tt.wantRemove {
			t.Errorf("%s: removed = %v, want %v", tt.name, removed, tt.wantRemove)
		}
	}
}

// fatalTB records Fatal instead of stopping the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper()           {}
func (f *fatalTB) Fatal(args ...any) { f.msg = fmt.Sprint(args...) }

func TestDefaultWithoutMain(t *testing.T) {
	old := pgtest.SwapDefault(nil)
	defer pgtest.SwapDefault(old)
	f := &fatalTB{TB: t}
	if s := pgtest.Default(f); s != nil {
		t.Errorf("Default = %v, want nil", s)
	}
	if !strings.Contains(f.msg, "TestMain must call pgtest.Main") {
		t.Errorf("Fatal message %q does not say to call pgtest.Main", f.msg)
	}
}
