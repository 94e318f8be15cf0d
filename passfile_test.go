package pgmoon

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestPassfilePassword(t *testing.T) {
	clearPGEnv(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "pgpass")
	writeFile(t, path, 0o600, strings.Join([]string{
		"# comment:*:*:*:nope",
		"db.internal:5432:app:alice:first",
		"db.internal:5432:app:alice:second", // the first match wins
		`h\:x:*:*:*:colon\:and\\backslash:extra`,
		"localhost:5433:*:*:local",
		"*:5434:*:bob:any-host\r",
		`a\b:*:*:*:escaped-b`,
		"*:*:*:*:fallback",
	}, "\n"))
	cfg := &Config{Passfile: path, Database: "app", User: "alice"}
	for _, tc := range []struct {
		host, user string
		port       uint16
		want       string
	}{
		{"db.internal", "alice", 5432, "first"},
		{"DB.internal", "alice", 5432, "fallback"}, // no case folding
		{"db.internal", "alice", 5433, "fallback"},
		{"h:x", "alice", 1, `colon:and\backslash`},
		{"", "alice", 5433, "local"},                    // no host: localhost
		{"/var/run/postgresql", "alice", 5433, "local"}, // a default socket directory: localhost
		{"/tmp", "alice", 5433, "local"},
		{"/srv/sock", "alice", 5433, "fallback"},
		{"anything", "bob", 5434, "any-host"}, // the CR is stripped
		{"ab", "alice", 1, "escaped-b"},
		{"db.internal", "alice", 0, "first"}, // port 0 is 5432
	} {
		c := *cfg
		c.User = tc.user
		got, ok := c.passfilePassword(tc.host, tc.port)
		if !ok || got != tc.want {
			t.Errorf("passfilePassword(%q, %d) as %s = %q, %v; want %q", tc.host, tc.port, tc.user, got, ok, tc.want)
		}
	}

	// Only without a password, and with a file, database and user.
	for _, mod := range []func(*Config){
		func(c *Config) { c.Password = "given" },
		func(c *Config) { c.Passfile = "" },
		func(c *Config) { c.Database = "" },
		func(c *Config) { c.Passfile = filepath.Join(dir, "absent") },
	} {
		c := *cfg
		mod(&c)
		if got, ok := c.passfilePassword("db.internal", 5432); ok {
			t.Errorf("%+v: got %q", c, got)
		}
	}

	// No match at all.
	writeFile(t, path, 0o600, "other:1:2:3:4\n")
	if got, ok := cfg.passfilePassword("db.internal", 5432); ok {
		t.Errorf("no matching line: got %q", got)
	}

	// A file others may read is ignored (libpq warns on stderr; pgmoon
	// says why through passfileLookup only).
	writeFile(t, path, 0o640, "*:*:*:*:exposed\n")
	if got, ok, why := cfg.passfileLookup("h", 5432); ok || !errors.Is(why, errPassfileInsecure) {
		t.Errorf("group-readable file: %q, %v, %v", got, ok, why)
	}
	writeFile(t, path, 0o604, "*:*:*:*:exposed\n")
	if _, ok := cfg.passfilePassword("h", 5432); ok {
		t.Error("world-readable file used")
	}
	c := *cfg
	c.Passfile = dir
	if _, ok, why := c.passfileLookup("h", 5432); ok || !errors.Is(why, errPassfileNotPlain) {
		t.Errorf("directory as the password file: %v, %v", ok, why)
	}
}

func TestParseConfigPassfile(t *testing.T) {
	home := clearPGEnv(t)
	if cfg, err := ParseConfig("host=h"); err != nil || cfg.Passfile != filepath.Join(home, ".pgpass") {
		t.Errorf("default: %v, %v", cfg, err)
	}
	t.Setenv("PGPASSFILE", "/env/pgpass")
	if cfg, err := ParseConfig("host=h"); err != nil || cfg.Passfile != "/env/pgpass" {
		t.Errorf("PGPASSFILE: %v, %v", cfg, err)
	}
	if cfg, err := ParseConfig("host=h passfile=/str/pgpass"); err != nil || cfg.Passfile != "/str/pgpass" {
		t.Errorf("passfile: %v, %v", cfg, err)
	}
	if cfg, err := ParseConfig("host=h passfile="); err != nil || cfg.Passfile != filepath.Join(home, ".pgpass") {
		t.Errorf("passfile empty: %v, %v", cfg, err)
	}
}
