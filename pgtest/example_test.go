package pgtest_test

import (
	"os"
	"testing"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// A package's tests share one server per test binary: TestMain starts it and
// stops it after the last test.
func ExampleMain() {
	// In any _test.go file of the package:
	TestMain := func(m *testing.M) {
		os.Exit(pgtest.Main(m))
	}
	_ = TestMain
}

// Each test takes the shared server and a database of its own, dropped when
// the test ends, so tests can run in parallel without seeing each other's
// tables.
func ExampleServer_NewDatabase() {
	TestAccounts := func(t *testing.T) {
		t.Parallel()
		dsn := pgtest.Default(t).NewDatabase(t)

		conn, err := pgmoon.ConnectString(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(t.Context())
		if _, err := conn.SimpleQuery(t.Context(), "create table accounts (id int primary key)"); err != nil {
			t.Fatal(err)
		}
		// ...
	}
	_ = TestAccounts
}

// A test of an authentication method connects as the role the server keeps
// for it.
func ExampleServer_User() {
	TestSCRAM := func(t *testing.T) {
		s := pgtest.Default(t)
		u, err := s.User("scram-sha-256")
		if err != nil {
			t.Fatal(err)
		}
		conn, err := pgmoon.ConnectString(t.Context(), s.URL(u.Name, u.Password, "postgres"))
		if err != nil {
			t.Fatal(err)
		}
		conn.Close(t.Context())
	}
	_ = TestSCRAM
}

// A test that needs its own server in a container, with the official
// image's environment variables, a server setting and TLS.
func ExampleWithDocker() {
	TestWithContainer := func(t *testing.T) {
		s, err := pgtest.Start(t.Context(),
			pgtest.WithDocker(pgtest.Docker{
				Image:      "postgres:17",
				User:       "app",
				Database:   "shop",
				InitDBArgs: "--data-checksums",
			}),
			pgtest.WithSetting("max_connections", "50"),
			pgtest.WithTLS(),
		)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()

		conn, err := pgmoon.ConnectString(t.Context(), s.DSN()) // app@shop, sslmode=require
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(t.Context())
		// ...
	}
	_ = TestWithContainer
}

// A test that runs once per PostgreSQL major version available here, each
// against a server of its own.
func ExampleMatrix() {
	TestEveryVersion := func(t *testing.T) {
		versions, err := pgtest.Versions(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		pgtest.Matrix(t, versions, func(t *testing.T, s *pgtest.Server) {
			conn, err := pgmoon.ConnectString(t.Context(), s.DSN())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(t.Context())
			t.Logf("PostgreSQL %d", s.MajorVersion())
			// ...
		})
	}
	_ = TestEveryVersion
}

// A test of reconnection: a server of its own (restarting the shared one
// would disturb other tests), restarted while a client holds a connection.
// The old connection is terminated; the DSN works again once Restart
// returns.
func ExampleServer_Restart() {
	TestReconnect := func(t *testing.T) {
		s, err := pgtest.Start(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()

		conn, err := pgmoon.ConnectString(t.Context(), s.DSN())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(t.Context())
		if err := s.Restart(t.Context()); err != nil { // fast shutdown, then up on the same port
			t.Fatal(err)
		}
		if _, err := conn.SimpleQuery(t.Context(), "select 1"); err == nil {
			t.Fatal("a connection survived the restart")
		}
		// ... reconnect with s.DSN() ...
	}
	_ = TestReconnect
}

// A test of reads on a replica: a local primary (whatever
// PGMOON_TEST_BACKEND says), a streaming standby, a write on the primary
// read back on the standby once it has caught up, and a promotion.
func ExampleStartStandby() {
	TestReplica := func(t *testing.T) {
		ctx := t.Context()
		primary, err := pgtest.Start(ctx, pgtest.WithLocal())
		if err != nil {
			t.Fatal(err)
		}
		defer primary.Close()
		standby, err := pgtest.StartStandby(ctx, primary)
		if err != nil {
			t.Fatal(err)
		}
		defer standby.Close() // runs before primary.Close

		conn, err := pgmoon.ConnectString(ctx, primary.DSN())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.SimpleQuery(ctx, "create table t (x int); insert into t values (1)"); err != nil {
			t.Fatal(err)
		}
		if err := standby.CatchUp(ctx, primary); err != nil {
			t.Fatal(err)
		}
		// standby.DSN() now reads table t; writes there fail with
		// SQLSTATE 25006 until:
		if err := standby.Promote(ctx); err != nil {
			t.Fatal(err)
		}
	}
	_ = TestReplica
}

// A test through PgBouncer in transaction mode with one server connection,
// logging in with a password, and looking at PgBouncer's pools.
func ExampleStartPgBouncer() {
	TestThroughPgBouncer := func(t *testing.T) {
		s := pgtest.Default(t)
		b, err := pgtest.StartPgBouncer(t.Context(), s, pgtest.WithDefaultPoolSize(1))
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()

		u, err := s.User("scram-sha-256")
		if err != nil {
			t.Fatal(err)
		}
		conn, err := pgmoon.ConnectString(t.Context(), b.URL(u.Name, u.Password, ""))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(t.Context())
		// ... queries ...
		pools, err := b.Show(t.Context(), "POOLS")
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pools {
			t.Logf("%s/%s: %s clients, %s server connections active", p["database"], p["user"], p["cl_active"], p["sv_active"])
		}
	}
	_ = TestThroughPgBouncer
}
