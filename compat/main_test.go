package compat_test

import (
	"database/sql"
	"os"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"

	_ "github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// pgmoonBindTypeAtStart is sqlx's bindvar type for the driver name
// "pgmoon" before TestMain registers it: what a program that does not
// call sqlx.BindDriver gets.
var pgmoonBindTypeAtStart int

func TestMain(m *testing.M) {
	pgmoonBindTypeAtStart = sqlx.BindType("pgmoon")
	// sqlx knows "postgres" takes $1, $2, ... but not "pgmoon".
	sqlx.BindDriver("pgmoon", sqlx.DOLLAR)
	goose.SetLogger(goose.NopLogger())
	os.Exit(pgtest.Main(m))
}

// openDB returns a *sql.DB of pgmoon's driver on a new empty database of
// the test's own, closed when the test ends (before the database is
// dropped).
func openDB(t *testing.T) *sql.DB {
	t.Helper()
	dsn := pgtest.Default(t).NewDatabase(t)
	db, err := sql.Open("pgmoon", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close db: %v", err)
		}
	})
	return db
}

// mustExec runs each statement on db, failing t on the first error.
func mustExec(t *testing.T, db interface {
	Exec(string, ...any) (sql.Result, error)
}, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// pgtestDSN is the connection string of a new empty database of the
// test's own.
func pgtestDSN(t *testing.T) string {
	t.Helper()
	return pgtest.Default(t).NewDatabase(t)
}
