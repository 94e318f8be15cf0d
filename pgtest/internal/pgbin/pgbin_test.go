package pgbin

import (
	"context"
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct{ out, version, major string }{
		{"postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n", "15.18", "15"},
		{"postgres (PostgreSQL) 16.2", "16.2", "16"},
		{"postgres (PostgreSQL) 9.6.24", "9.6.24", "9.6"},
		{"postgres (PostgreSQL) 17beta1", "17beta1", "17"},
		{"postgres (PostgreSQL) 10.23 (Ubuntu 10.23-1.pgdg20.04+1)", "10.23", "10"},
	} {
		v, m, err := ParseVersion(tc.out)
		if err != nil || v != tc.version || m != tc.major {
			t.Errorf("ParseVersion(%q) = %q, %q, %v; want %q, %q", tc.out, v, m, err, tc.version, tc.major)
		}
	}
	for _, out := range []string{"", "psql 15.4", "postgres 15.1", "postgres (PostgreSQL)", "postgres (PostgreSQL) beta", "postgres (PostgreSQL) x", "postgres (PostgreSQL) 9"} {
		if _, _, err := ParseVersion(out); err == nil {
			t.Errorf("ParseVersion(%q): no error", out)
		}
	}
}

// TestInstalled checks that the installation Find picks is listed under its
// own version, and that FindVersion finds it by that version and refuses a
// version that is not installed. The machine running the tests has
// PostgreSQL installed (.ci/run installs it).
func TestInstalled(t *testing.T) {
	ctx := context.Background()
	b, err := Find(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	v, err := MajorVersion(ctx, b.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if got := Installed(ctx)[v]; got.Dir == "" {
		t.Errorf("Installed()[%q] is missing; Find found %s", v, b.Dir)
	}
	if got, err := FindVersion(ctx, "", v); err != nil || got.Postgres == "" {
		t.Errorf("FindVersion(%q) = %+v, %v", v, got, err)
	}
	if got, err := FindVersion(ctx, "", "8.0"); err == nil {
		t.Errorf("FindVersion(8.0) = %+v, want an error", got)
	}
	if got, err := FindVersion(ctx, b.Dir, "8.0"); err == nil {
		t.Errorf("FindVersion(%s, 8.0) = %+v, want an error", b.Dir, got)
	}
}

// FuzzParseVersion checks that ParseVersion never panics and that what it
// accepts is consistent: the major version is a prefix of the version.
func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n", "postgres (PostgreSQL) 9.6.24", "postgres (PostgreSQL) 17beta1", "(PostgreSQL) .", "(PostgreSQL) 9."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, out string) {
		version, major, err := ParseVersion(out)
		if err != nil {
			return
		}
		if major == "" || !strings.HasPrefix(version, major) {
			t.Errorf("ParseVersion(%q) = %q, %q", out, version, major)
		}
	})
}

// TestFindTool finds pg_ctl and pg_basebackup of the installation Find
// picks (.ci/run installs PostgreSQL, which brings both), and names the
// package to install for a program that is not there.
func TestFindTool(t *testing.T) {
	ctx := context.Background()
	b, err := Find(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	major, err := MajorVersion(ctx, b.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"pg_ctl", "pg_basebackup"} {
		path, err := FindTool(ctx, b, name, major)
		if err != nil {
			t.Fatalf("FindTool(%s): %v", name, err)
		}
		if v, err := MajorVersion(ctx, path); err != nil || v != major {
			t.Errorf("FindTool(%s) = %s, version %q (%v), want %s", name, path, v, err, major)
		}
	}
	_, err = FindTool(ctx, b, "pg_no_such_tool", major)
	if err == nil || !strings.Contains(err.Error(), "find pg_no_such_tool: no pg_no_such_tool of PostgreSQL "+major) ||
		!strings.Contains(err.Error(), "apt-get install postgresql-"+major) {
		t.Errorf("FindTool of a missing program: %v", err)
	}
	_, err = FindTool(ctx, Binaries{Dir: t.TempDir(), Postgres: "/nonexistent/postgres"}, "pg_basebackup", "8")
	if err == nil || !strings.Contains(err.Error(), "apt-get install postgresql-client-8") {
		t.Errorf("FindTool of a missing client program: %v", err)
	}
}
