package withpq_test

import (
	"database/sql"
	"os"
	"testing"

	"github.com/lib/pq"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openDB returns a *sql.DB of pgmoon's driver on a new empty database of
// the test's own.
func openDB(t *testing.T) (*sql.DB, string) {
	t.Helper()
	dsn := pgtest.Default(t).NewDatabase(t)
	db, err := sql.Open("pgmoon", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dsn
}

// With lib/pq linked, "postgres" is lib/pq's, whatever the order of the
// imports: programs that link it (golang-migrate's postgres driver does)
// must open pgmoon as "pgmoon" or with pgmoon.OpenDB.
func TestDriverNamesWithLibPQ(t *testing.T) {
	t.Parallel()
	_, dsn := openDB(t)
	for name, want := range map[string]any{"postgres": &pq.Driver{}, "pgmoon": &pgmoon.Driver{}} {
		db, err := sql.Open(name, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if got := db.Driver(); !sameType(got, want) {
			t.Errorf("sql.Open(%q): driver %T, want %T", name, got, want)
		}
		if err := db.Ping(); err != nil {
			t.Errorf("sql.Open(%q): Ping: %v", name, err)
		}
	}
}

func sameType(a, b any) bool {
	switch a.(type) {
	case *pq.Driver:
		_, ok := b.(*pq.Driver)
		return ok
	case *pgmoon.Driver:
		_, ok := b.(*pgmoon.Driver)
		return ok
	}
	return false
}
