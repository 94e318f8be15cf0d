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
