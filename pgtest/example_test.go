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
