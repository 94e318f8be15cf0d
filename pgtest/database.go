package pgtest

import (
	"context"
	"strings"
	"testing"
	"time"
)

// databaseTimeout bounds CREATE DATABASE and DROP DATABASE.
const databaseTimeout = 30 * time.Second

// NewDatabase creates an empty database with a name unique to this call and
// returns a connection string for it as the superuser, in the form of
// [Server.DSN]. When t and its subtests finish, t.Cleanup drops it, closing
// any connections still open to it (DROP DATABASE ... WITH (FORCE)). Any
// failure is fatal to t.
//
// The name starts with "pgtest_" and part of t.Name(), so a leftover database
// says which test made it. An external server's role needs CREATEDB.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := databaseName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), databaseTimeout)
	defer cancel()
	if err := runSQL(ctx, s.dsn, "CREATE DATABASE "+quoteIdent(name)); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), databaseTimeout)
		defer cancel()
		if err := s.dropDatabase(ctx, name); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return s.URL("", "", name)
}

func (s *Server) dropDatabase(ctx context.Context, name string) error {
	err := runSQL(ctx, s.dsn, "DROP DATABASE IF EXISTS "+quoteIdent(name)+" WITH (FORCE)")
	if sqlState(err) == "42601" { // syntax_error: a server before PostgreSQL 13
		err = runSQL(ctx, s.dsn, "DROP DATABASE IF EXISTS "+quoteIdent(name))
	}
	return err
}

// databaseName makes "pgtest_<words of the test name>_<random>", at most 63
// bytes of [a-z0-9_].
func databaseName(testName string) string {
	const maxStem = 63 - len("pgtest_") - len("_") - 12
	var b strings.Builder
	underscore := true // no leading or doubled underscore
	for _, r := range strings.ToLower(testName) {
		if b.Len() == maxStem {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			underscore = false
		} else if !underscore {
			b.WriteByte('_')
			underscore = true
		}
	}
	stem := strings.TrimSuffix(b.String(), "_")
	if stem == "" {
		return "pgtest_" + randomHex(6)
	}
	return "pgtest_" + stem + "_" + randomHex(6)
}
