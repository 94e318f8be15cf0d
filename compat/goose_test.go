package compat_test

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/pgmoon-go/pgmoon"
)

// The SQL migrations 1, 2 and 4; migration 3 is in Go (seedUp, seedDown).
//
//go:embed testdata/goose/*.sql
var gooseFS embed.FS

const gooseDir = "testdata/goose"

// Migration 3, in Go: a user added in the migration's transaction, with
// parameters.
func seedUp(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "insert into users (email, name) values ($1, $2)", "grace@example.com", "Grace")
	return err
}

func seedDown(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "delete from users where email = $1", "grace@example.com")
	return err
}

func init() {
	// goose's global registry, used by goose.Up and friends; the
	// Provider below takes the same functions in WithGoMigrations.
	goose.AddNamedMigrationContext("00003_seed.go", seedUp, seedDown)
}

// captureLogger collects what goose's global functions print (Status).
type captureLogger struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *captureLogger) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(&l.b, format, v...)
	l.b.WriteByte('\n')
}

func (l *captureLogger) Fatalf(format string, v ...any) { l.Printf("FATAL: "+format, v...) }

// checkMigrated checks what migrations 1 to 4 leave in the database.
func checkMigrated(t *testing.T, db *sql.DB) {
	t.Helper()
	var users, audits int
	var alan, note string
	var comment sql.NullString
	var indexValid bool
	err := db.QueryRow(`select
		(select count(*) from users),
		(select count(*) from audit),
		(select name from users where email = 'alan@example.com'),
		(select note from users limit 1),
		obj_description('audit_users'::regproc, 'pg_proc'),
		(select indisvalid from pg_index where indexrelid = 'users_name'::regclass)`).
		Scan(&users, &audits, &alan, &note, &comment, &indexValid)
	if err != nil {
		t.Fatal(err)
	}
	// Two users from migration 1 and one from migration 3, which the
	// trigger of migration 2 audited.
	if users != 3 || audits != 1 || alan != "Alan 'the' Turing" || note != "a; b" ||
		comment.String != "writes audit; one row per change" || !indexValid {
		t.Errorf("after Up: users %d, audit %d, alan %q, note %q, comment %q, index valid %v",
			users, audits, alan, note, comment.String, indexValid)
	}
	// The trigger function runs.
	if _, err := db.Exec("update users set name = $1 where email = $2", "Ada L.", "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	var last string
	if err := db.QueryRow("select action from audit order by id desc limit 1").Scan(&last); err != nil || last != "update" {
		t.Errorf("last audit action = %q, %v", last, err)
	}
}

// relations lists the tables, indexes and functions of the public schema.
func relations(t *testing.T, db *sql.DB) string {
	t.Helper()
	var s string
	err := db.QueryRow(`select coalesce(string_agg(name, ',' order by name), '') from (
		select relname::text as name from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'i')
		union all
		select proname::text from pg_proc where pronamespace = 'public'::regnamespace) x`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGooseGlobalAPI runs goose's package-level functions (SetDialect,
// SetBaseFS, Up, Status, Down, DownTo): they share global state, so this
// test does not run in parallel.
func TestGooseGlobalAPI(t *testing.T) {
	db := openDB(t)
	if err := goose.SetDialect("postgres"); err != nil {
		t.Fatal(err)
	}
	goose.SetBaseFS(gooseFS)
	defer goose.SetBaseFS(nil)

	if err := goose.Up(db, gooseDir); err != nil {
		t.Fatalf("Up: %v", err)
	}
	if v, err := goose.GetDBVersion(db); err != nil || v != 4 {
		t.Errorf("version after Up = %d, %v; want 4", v, err)
	}
	checkMigrated(t, db)

	log := &captureLogger{}
	goose.SetLogger(log)
	err := goose.Status(db, gooseDir)
	goose.SetLogger(goose.NopLogger())
	if err != nil {
		t.Fatal(err)
	}
	status := log.b.String()
	for _, m := range []string{"00001_users.sql", "00002_audit_function.sql", "00003_seed.go", "00004_concurrent_index.sql"} {
		line := ""
		for l := range strings.Lines(status) {
			if strings.Contains(l, m) {
				line = l
			}
		}
		if line == "" || strings.Contains(line, "Pending") {
			t.Errorf("Status of %s: %q", m, line)
		}
	}

	if err := goose.Down(db, gooseDir); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if v, _ := goose.GetDBVersion(db); v != 3 {
		t.Errorf("version after Down = %d, want 3", v)
	}
	if r := relations(t, db); strings.Contains(r, "users_name") {
		t.Errorf("after Down, the index of migration 4 is still there: %s", r)
	}
	if err := goose.DownTo(db, gooseDir, 0); err != nil {
		t.Fatalf("DownTo(0): %v", err)
	}
	if v, _ := goose.GetDBVersion(db); v != 0 {
		t.Errorf("version after DownTo(0) = %d, want 0", v)
	}
	if r := relations(t, db); r != "goose_db_version,goose_db_version_pkey" {
		t.Errorf("after DownTo(0): %s", r)
	}

	// And up again, twice: the second finds nothing to do.
	for range 2 {
		if err := goose.Up(db, gooseDir); err != nil {
			t.Fatalf("Up again: %v", err)
		}
	}
	if v, _ := goose.GetDBVersion(db); v != 4 {
		t.Errorf("version after Up again = %d, want 4", v)
	}
}

// newGooseProvider returns a goose.Provider over db for fsys, with the Go
// migration 3 and a session lock (pg_advisory_lock).
func newGooseProvider(t *testing.T, db *sql.DB, fsys fs.FS) *goose.Provider {
	t.Helper()
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithDisableGlobalRegistry(true),
		goose.WithGoMigrations(goose.NewGoMigration(3, &goose.GoFunc{RunTx: seedUp}, &goose.GoFunc{RunTx: seedDown})),
		goose.WithSessionLocker(locker))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGooseProvider(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	sub, err := fs.Sub(gooseFS, gooseDir)
	if err != nil {
		t.Fatal(err)
	}
	p := newGooseProvider(t, db, sub)
	ctx := t.Context()

	states := func() string {
		t.Helper()
		st, err := p.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, m := range st {
			s = append(s, fmt.Sprintf("%d:%s", m.Source.Version, m.State))
		}
		return strings.Join(s, " ")
	}
	if s := states(); s != "1:pending 2:pending 3:pending 4:pending" {
		t.Errorf("Status before Up: %s", s)
	}
	res, err := p.Up(ctx)
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	if len(res) != 4 {
		t.Errorf("Up applied %d migrations, want 4", len(res))
	}
	if s := states(); s != "1:applied 2:applied 3:applied 4:applied" {
		t.Errorf("Status after Up: %s", s)
	}
	checkMigrated(t, db)
	if pending, err := p.HasPending(ctx); err != nil || pending {
		t.Errorf("HasPending = %v, %v", pending, err)
	}

	r, err := p.Down(ctx)
	if err != nil || r.Source.Version != 4 {
		t.Fatalf("Down: %v, %v", r, err)
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatalf("DownTo(0): %v", err)
	}
	if v, err := p.GetDBVersion(ctx); err != nil || v != 0 {
		t.Errorf("version after DownTo(0) = %d, %v", v, err)
	}
	if s := states(); s != "1:pending 2:pending 3:pending 4:pending" {
		t.Errorf("Status after DownTo(0): %s", s)
	}
	if r := relations(t, db); r != "goose_db_version,goose_db_version_pkey" {
		t.Errorf("after DownTo(0): %s", r)
	}
}

// TestGooseFailedMigration: a migration that fails stops Up with the
// server's error; its transaction leaves nothing behind, and the version
// stays at the last good migration.
func TestGooseFailedMigration(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	good, err := gooseFS.ReadFile(gooseDir + "/00001_users.sql")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"00001_users.sql": {Data: good},
		"00002_broken.sql": {Data: []byte(`-- +goose Up
create table half (id int);
insert into no_such_table values (1);
-- +goose Down
drop table half;
`)},
	}
	p := newGooseProvider(t, db, fsys)
	_, err = p.Up(t.Context())
	var partial *goose.PartialError
	var pgErr *pgmoon.PgError
	if !errors.As(err, &partial) || len(partial.Applied) != 1 || partial.Failed.Source.Version != 2 {
		t.Fatalf("Up: err = %v, want a PartialError failing at version 2", err)
	}
	if !errors.As(err, &pgErr) || pgErr.Code != "42P01" {
		t.Errorf("Up: err = %v, want the server's undefined_table (42P01) in its chain", err)
	}
	if v, err := p.GetDBVersion(t.Context()); err != nil || v != 1 {
		t.Errorf("version = %d, %v; want 1", v, err)
	}
	if r := relations(t, db); strings.Contains(r, "half") {
		t.Errorf("the failed migration's table is there: %s", r)
	}
}
