package withpq_test

import (
	"database/sql"
	"embed"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	pgxmigrate "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/database/postgres"
	"github.com/golang-migrate/migrate/v4/source"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/pgmoon-go/pgmoon"
)

//go:embed testdata/migrate/*.sql
var migrateFS embed.FS

// migrateDrivers are golang-migrate's two PostgreSQL drivers, each given
// pgmoon's *sql.DB through WithInstance.
var migrateDrivers = []struct {
	name string
	open func(*sql.DB) (database.Driver, error)
}{
	{"postgres", func(db *sql.DB) (database.Driver, error) { return postgres.WithInstance(db, &postgres.Config{}) }},
	{"pgx5", func(db *sql.DB) (database.Driver, error) { return pgxmigrate.WithInstance(db, &pgxmigrate.Config{}) }},
}

// newMigrate returns a *migrate.Migrate of src over a new database through
// the driver; closing it (at the end of the test) closes the *sql.DB.
func newMigrate(t *testing.T, src source.Driver, open func(*sql.DB) (database.Driver, error)) (*migrate.Migrate, *sql.DB) {
	t.Helper()
	db, _ := openDB(t)
	drv, err := open(db)
	if err != nil {
		t.Fatalf("WithInstance: %v", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "postgres", drv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if srcErr, dbErr := m.Close(); srcErr != nil || dbErr != nil {
			t.Errorf("migrate Close: %v, %v", srcErr, dbErr)
		}
	})
	return m, db
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	for _, d := range migrateDrivers {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			src, err := iofs.New(migrateFS, "testdata/migrate")
			if err != nil {
				t.Fatal(err)
			}
			m, db := newMigrate(t, src, d.open)
			version := func() (uint, bool) {
				t.Helper()
				v, dirty, err := m.Version()
				if err != nil && !errors.Is(err, migrate.ErrNilVersion) {
					t.Fatal(err)
				}
				return v, dirty
			}

			if err := m.Up(); err != nil {
				t.Fatalf("Up: %v", err)
			}
			if v, dirty := version(); v != 3 || dirty {
				t.Errorf("after Up: version %d, dirty %v", v, dirty)
			}
			if err := m.Up(); !errors.Is(err, migrate.ErrNoChange) {
				t.Errorf("second Up: err = %v, want ErrNoChange", err)
			}
			var users, audits int
			var note string
			err = db.QueryRow(`select (select count(*) from users), (select count(*) from audit), (select note from users limit 1)`).
				Scan(&users, &audits, &note)
			if err != nil || users != 3 || audits != 1 || note != "a; b" {
				t.Errorf("after Up: %d users, %d audits, note %q, %v", users, audits, note, err)
			}

			if err := m.Steps(-1); err != nil {
				t.Fatalf("Steps(-1): %v", err)
			}
			if v, _ := version(); v != 2 {
				t.Errorf("after Steps(-1): version %d", v)
			}
			if err := m.Migrate(1); err != nil {
				t.Fatalf("Migrate(1): %v", err)
			}
			if err := m.Down(); err != nil {
				t.Fatalf("Down: %v", err)
			}
			if _, _, err := m.Version(); !errors.Is(err, migrate.ErrNilVersion) {
				t.Errorf("after Down: Version err = %v, want ErrNilVersion", err)
			}
			var tables int
			if err := db.QueryRow(`select count(*) from pg_tables where schemaname = 'public'`).Scan(&tables); err != nil || tables != 1 {
				t.Errorf("after Down: %d tables (want schema_migrations only), %v", tables, err)
			}
			if err := m.Up(); err != nil {
				t.Fatalf("Up again: %v", err)
			}
		})
	}
}

// A failing migration leaves the version dirty, as golang-migrate does
// with any driver; the server's error is the database.Error's OrigErr.
func TestMigrateFailure(t *testing.T) {
	t.Parallel()
	for _, d := range migrateDrivers {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			good, err := migrateFS.ReadFile("testdata/migrate/1_users.up.sql")
			if err != nil {
				t.Fatal(err)
			}
			fsys := fstest.MapFS{
				"1_users.up.sql":   {Data: good},
				"1_users.down.sql": {Data: []byte("drop table users;")},
				"2_bad.up.sql":     {Data: []byte("create table half (id int);\ninsert into users (email) values ('ada@example.com');")},
				"2_bad.down.sql":   {Data: []byte("drop table half;")},
			}
			src, err := iofs.New(fsys, ".")
			if err != nil {
				t.Fatal(err)
			}
			m, db := newMigrate(t, src, d.open)
			err = m.Up()
			var dbErr database.Error
			if !errors.As(err, &dbErr) {
				t.Fatalf("Up: err = %v (%T), want a database.Error", err, err)
			}
			pgErr, ok := dbErr.OrigErr.(*pgmoon.PgError)
			if !ok || pgErr.Code != "23505" || pgErr.ConstraintName != "users_email_key" {
				t.Errorf("OrigErr = %#v, want the unique violation", dbErr.OrigErr)
			}
			if !strings.Contains(err.Error(), "duplicate key value") {
				t.Errorf("error %q does not say what failed", err)
			}
			v, dirty, err := m.Version()
			if err != nil || v != 2 || !dirty {
				t.Errorf("after the failure: version %d, dirty %v, %v; want 2, dirty", v, dirty, err)
			}
			// The file ran as one implicit transaction: nothing of it stays.
			var half sql.NullString
			if err := db.QueryRow(`select to_regclass('half')::text`).Scan(&half); err != nil || half.Valid {
				t.Errorf("table half after the failed migration: %v, %v", half, err)
			}
			if err := m.Force(1); err != nil {
				t.Fatal(err)
			}
			if v, dirty, err := m.Version(); err != nil || v != 1 || dirty {
				t.Errorf("after Force(1): %d, %v, %v", v, dirty, err)
			}
		})
	}
}
