package pgbin

import (
	"context"
	"testing"
)

func TestParseMajor(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n", "15"},
		{"postgres (PostgreSQL) 17.2\n", "17"},
		{"postgres (PostgreSQL) 18beta1\n", "18"},
		{"postgres (PostgreSQL) 9.6.24\n", "9.6"},
	} {
		got, err := ParseMajor(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseMajor(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "postgres 15.1", "postgres (PostgreSQL) x"} {
		if got, err := ParseMajor(bad); err == nil {
			t.Errorf("ParseMajor(%q) = %q, want an error", bad, got)
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
