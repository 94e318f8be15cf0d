package pgtest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/pgtest/internal/pgbin"
)

// startStandby starts a standby of primary and closes it when the test
// ends (before the primary, which was started first).
func startStandby(t *testing.T, primary *pgtest.Server, opts ...pgtest.Option) *pgtest.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := pgtest.StartStandby(ctx, primary, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// execErr runs sql on a new connection to dsn and returns its error.
func execErr(t *testing.T, dsn, sql string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgmoon.ConnectString(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	_, err = conn.SimpleQuery(ctx, sql)
	return err
}

// catchUp waits until standby has replayed what primary wrote.
func catchUp(t *testing.T, standby, primary *pgtest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := standby.CatchUp(ctx, primary); err != nil {
		t.Fatal(err)
	}
}

// TestStandby follows a primary and its standby through replication, the
// standby's read-only state, a stop and start of the standby ("replica
// down"), a promotion, and Close.
func TestStandby(t *testing.T) {
	t.Parallel()
	primary := startServer(t, pgtest.WithLocal(), pgtest.WithSetting("max_connections", "120"))
	if primary.Backend() != pgtest.BackendLocal {
		t.Fatalf("WithLocal gave a %s server", primary.Backend())
	}
	standby := startStandby(t, primary, pgtest.WithSetting("work_mem", "5MB"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	if standby.Port() == primary.Port() || standby.SocketDir() == primary.SocketDir() || standby.Backend() != pgtest.BackendLocal {
		t.Errorf("standby at port %d, dir %s (%s); primary at %d, %s", standby.Port(), standby.SocketDir(), standby.Backend(), primary.Port(), primary.SocketDir())
	}
	if want := strings.Replace(primary.DSN(), fmt.Sprint(primary.Port()), fmt.Sprint(standby.Port()), 1); standby.DSN() != want {
		t.Errorf("standby DSN %q, want %q", standby.DSN(), want)
	}
	if got := queryOne(t, standby.DSN(), "select pg_is_in_recovery()"); got != "t" {
		t.Errorf("standby: pg_is_in_recovery() = %s", got)
	}
	if got := queryOne(t, primary.DSN(), "select pg_is_in_recovery()"); got != "f" {
		t.Errorf("primary: pg_is_in_recovery() = %s", got)
	}
	// The primary's settings, then the standby's own.
	for setting, want := range map[string]string{"max_connections": "120", "work_mem": "5MB", "fsync": "off", "wal_retrieve_retry_interval": "100ms"} {
		if got := queryOne(t, standby.DSN(), "show "+setting); got != want {
			t.Errorf("standby: %s = %s, want %s", setting, got, want)
		}
	}
	if got := queryOne(t, primary.DSN(), "select count(*) from pg_stat_replication where state = 'streaming'"); got != "1" {
		t.Errorf("primary: %s streaming standbys, want 1", got)
	}

	// A table created and filled on the primary appears on the standby.
	query(t, primary.DSN(), "create table replicated (x int); insert into replicated select generate_series(1, 100)")
	catchUp(t, standby, primary)
	if got := queryOne(t, standby.DSN(), "select sum(x) from replicated"); got != "5050" {
		t.Errorf("standby: sum = %s, want 5050", got)
	}
	// Over the socket, and as a password user of the primary.
	if got := queryOne(t, standby.SocketDSN(), "select count(*) from replicated"); got != "100" {
		t.Errorf("standby over the socket: count = %s", got)
	}
	scram, err := standby.User(pgtest.MethodSCRAMSHA256)
	if err != nil {
		t.Fatal(err)
	}
	if got := queryOne(t, standby.URL(scram.Name, scram.Password, ""), "select current_user"); got != scram.Name {
		t.Errorf("standby as %s: current_user = %q", scram.Name, got)
	}

	// Read-only: SQLSTATE 25006, read_only_sql_transaction.
	err = execErr(t, standby.DSN(), "insert into replicated values (1)")
	var pgErr *pgmoon.PgError
	if !errors.As(err, &pgErr) || pgErr.SQLState() != "25006" {
		t.Errorf("write on the standby: %v, want SQLSTATE 25006", err)
	}

	// Replica down: the primary goes on; the standby catches up once
	// started again (the slot kept the WAL).
	if err := standby.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, primary.DSN(), "select count(*) = 0 from pg_stat_replication")
	query(t, primary.DSN(), "insert into replicated values (1000)")
	if err := standby.CatchUp(ctx, primary); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("CatchUp of a stopped standby: %v", err)
	}
	if err := standby.Start(ctx); err != nil {
		t.Fatal(err)
	}
	catchUp(t, standby, primary)
	if got := queryOne(t, standby.DSN(), "select sum(x) from replicated"); got != "6050" {
		t.Errorf("standby after its restart: sum = %s, want 6050", got)
	}
	if got := queryOne(t, standby.DSN(), "select pg_is_in_recovery()"); got != "t" {
		t.Errorf("standby after its restart: pg_is_in_recovery() = %s", got)
	}

	// The standby follows the primary through a restart of the primary.
	if err := primary.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	query(t, primary.DSN(), "insert into replicated values (2000)")
	start := time.Now()
	catchUp(t, standby, primary)
	t.Logf("caught up %v after the primary's restart", time.Since(start))
	if got := queryOne(t, standby.DSN(), "select count(*) from replicated where x = 2000"); got != "1" {
		t.Errorf("standby after the primary's restart: %s rows of 2000, want 1", got)
	}
	query(t, primary.DSN(), "delete from replicated where x = 2000")
	catchUp(t, standby, primary)
	if got := queryOne(t, standby.DSN(), "select count(*) from replicated where x = 2000"); got != "0" {
		t.Errorf("standby after the primary's restart: %s rows of 2000, want 0 (deleted)", got)
	}

	// Promotion: writable, no longer in recovery, primary untouched.
	if err := primary.Promote(ctx); err == nil || !strings.Contains(err.Error(), "not a standby") {
		t.Errorf("Promote of the primary: %v", err)
	}
	if err := standby.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	if got := queryOne(t, standby.DSN(), "select pg_is_in_recovery()"); got != "f" {
		t.Errorf("promoted: pg_is_in_recovery() = %s", got)
	}
	if err := execErr(t, standby.DSN(), "insert into replicated values (5)"); err != nil {
		t.Errorf("write on the promoted standby: %v", err)
	}
	if got := queryOne(t, primary.DSN(), "select sum(x) from replicated"); got != "6050" {
		t.Errorf("primary after the promotion: sum = %s, want 6050", got)
	}
	if err := standby.CatchUp(ctx, primary); err == nil || !strings.Contains(err.Error(), "not a standby") {
		t.Errorf("CatchUp of a promoted server: %v", err)
	}
	if err := standby.Promote(ctx); err == nil || !strings.Contains(err.Error(), "not a standby") {
		t.Errorf("second Promote: %v", err)
	}

	// Close removes the standby and its slot on the primary.
	pid, dir := pgtest.PostmasterPID(standby), standby.SocketDir()
	if got := queryOne(t, primary.DSN(), "select count(*) from pg_replication_slots"); got != "1" {
		t.Errorf("primary: %s replication slots before Close, want 1", got)
	}
	if err := standby.Close(); err != nil {
		t.Fatal(err)
	}
	if got := queryOne(t, primary.DSN(), "select count(*) from pg_replication_slots"); got != "0" {
		t.Errorf("primary: %s replication slots after the standby's Close, want 0", got)
	}
	if processExists(pid) {
		t.Errorf("standby postmaster %d runs after Close", pid)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("standby dir %s after Close: %v", dir, err)
	}
}

// TestStandbyOfTLSPrimary checks that a standby of a primary with TLS
// serves TLS with the same authority.
func TestStandbyOfTLSPrimary(t *testing.T) {
	t.Parallel()
	primary := startServer(t, pgtest.WithLocal(), pgtest.WithTLS())
	standby := startStandby(t, primary)
	if !strings.Contains(standby.DSN(), "sslmode=require") {
		t.Errorf("standby DSN %q does not require TLS", standby.DSN())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := verifyServerCert(ctx, standby, "localhost"); err != nil {
		t.Errorf("standby's certificate: %v", err)
	}
	if standby.CAFile() == primary.CAFile() || standby.CAFile() == "" {
		t.Errorf("standby CAFile %q (primary's %q), want its own copy", standby.CAFile(), primary.CAFile())
	}
	if pem, err := os.ReadFile(standby.CAFile()); err != nil || !strings.Contains(string(pem), "BEGIN CERTIFICATE") {
		t.Errorf("standby CAFile: %v", err)
	}
}

// TestStandbyErrors checks what StartStandby says when it cannot work.
func TestStandbyErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t.Run("external primary", func(t *testing.T) {
		t.Setenv(pgtest.EnvDSN, pgtest.Default(t).DSN())
		s, err := pgtest.Start(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		_, err = pgtest.StartStandby(ctx, s)
		if err == nil || !strings.HasPrefix(err.Error(), "pgtest: start standby: the primary must be a local server") ||
			!strings.Contains(err.Error(), "WithLocal") || !strings.Contains(err.Error(), "apt-get install postgresql") {
			t.Errorf("StartStandby of an external server: %v", err)
		}
		if err := s.Promote(ctx); err == nil || !strings.Contains(err.Error(), "not pgtest's") {
			t.Errorf("Promote of an external server: %v", err)
		}
	})

	clearBackendEnv(t)
	primary := startServer(t, pgtest.WithLocal())
	t.Run("no pg_basebackup", func(t *testing.T) {
		restore := pgtest.SetFindTool(func(ctx context.Context, b pgbin.Binaries, name, major string) (string, error) {
			return pgbin.FindTool(ctx, pgbin.Binaries{Dir: t.TempDir(), Postgres: "/nonexistent"}, name, "0")
		})
		defer restore()
		_, err := pgtest.StartStandby(ctx, primary)
		if err == nil || !strings.HasPrefix(err.Error(), "pgtest: start standby: find pg_basebackup: ") ||
			!strings.Contains(err.Error(), "apt-get install postgresql-client-0") {
			t.Errorf("StartStandby without pg_basebackup: %v", err)
		}
	})
	t.Run("stopped primary", func(t *testing.T) {
		if err := primary.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := primary.Start(ctx); err != nil {
				t.Fatal(err)
			}
		}()
		_, err := pgtest.StartStandby(ctx, primary)
		if err == nil || err.Error() != "pgtest: start standby: the primary is not running; Start it first" {
			t.Errorf("StartStandby of a stopped primary: %v", err)
		}
	})
	t.Run("wal_level minimal", func(t *testing.T) {
		p := startServer(t, pgtest.WithLocal(), pgtest.WithSetting("wal_level", "minimal"), pgtest.WithSetting("max_wal_senders", "0"))
		_, err := pgtest.StartStandby(ctx, p)
		if err == nil || !strings.Contains(err.Error(), "wal_level=minimal") {
			t.Errorf("StartStandby of a wal_level=minimal primary: %v", err)
		}
	})
}

func TestLastRecordEnd(t *testing.T) {
	const block = 8192
	for _, tc := range []struct{ insert, want uint64 }{
		{3 * block, 3 * block},            // not a position inserts stop at; unchanged
		{3*block + 24, 3 * block},         // past a page header: the record ended at the page boundary
		{16<<20 + 40, 16 << 20},           // past a segment's long page header
		{3*block + 32, 3 * block},         // a record's continuation ending here: its end is the first after the boundary
		{3*block + 41, 3*block + 41},      // mid-page
		{3*block + 8000, 3*block + 8000},  // mid-page
		{0x16B374D848, 0x16B374D848},      // mid-page
		{0x16B374C018, 0x16B374C000},      // 24 bytes into a page
		{0x1000000000 + 40, 0x1000000000}, // 40 bytes into a page
		{0x1000000000 + 48, 0x1000000030}, // 48 bytes into a page
	} {
		if got := pgtest.LastRecordEnd(tc.insert, block); got != tc.want {
			t.Errorf("lastRecordEnd(%X) = %X, want %X", tc.insert, got, tc.want)
		}
	}
}
