package pgmoon

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseConfigService(t *testing.T) {
	home := clearPGEnv(t)
	dir := t.TempDir()
	userFile := filepath.Join(home, ".pg_service.conf")
	sysDir := t.TempDir()
	t.Setenv("PGSYSCONFDIR", sysDir)
	sysFile := filepath.Join(sysDir, "pg_service.conf")

	writeFile(t, sysFile, 0o644, "[both]\nhost=/sys\n[sysonly]\nhost=/sysonly\n")
	writeFile(t, userFile, 0o600, strings.Join([]string{
		"# a comment",
		"  [both]  ",
		"host=/user",
		"  port=6000  ",
		"port=6001", // the first wins
		"password=svc-Secr3t",
		"",
		"[other]",
		"this line is not checked",
		"[bad]",
		"host = spaced",
		"[nested]",
		"service=both",
		"[unknown]",
		"search_path=x",
		"[noeq]",
		"host",
		"[ldap]",
		"ldap://ldap.example/dc=x?y?sub?(z)",
		"host=/fallback",
		"[both-with-suffix] trailing words",
		"user=suffixed",
	}, "\n"))

	for _, tc := range []struct {
		name, in, env string
		want          func(*Config)
		wantErr       string
	}{
		{name: "user file first", in: "service=both", want: func(c *Config) { c.Host, c.Port, c.Password = "/user", 6000, "svc-Secr3t" }},
		{name: "PGSERVICE", env: "both", in: "", want: func(c *Config) { c.Host, c.Port, c.Password = "/user", 6000, "svc-Secr3t" }},
		{name: "the string wins", in: "service=both port=1 host=/str", want: func(c *Config) { c.Host, c.Port, c.Password = "/str", 1, "svc-Secr3t" }},
		{name: "system file when the user file lacks it", in: "service=sysonly", want: func(c *Config) { c.Host = "/sysonly" }},
		{name: "a section line matches on its start", in: "service=both-with-suffix", want: func(c *Config) { c.User, c.Database = "suffixed", "suffixed" }},
		{name: "LDAP lines are skipped, the rest is the fallback", in: "service=ldap", want: func(c *Config) { c.Host = "/fallback" }},
		{name: "blanks around =", in: "service=bad", wantErr: `syntax error in service file "` + userFile + `", line 11: unknown keyword "host "`},
		{name: "nested service", in: "service=nested", wantErr: "nested service specifications not supported"},
		{name: "unknown keyword", in: "service=unknown", wantErr: `unknown keyword "search_path"`},
		{name: "no =", in: "service=noeq", wantErr: "line 17"},
		{name: "missing", in: "service=nope", wantErr: `definition of service "nope" not found (searched ` + userFile + ", " + sysFile + ")"},
		{name: "empty name", in: "service=", wantErr: `definition of service "" not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("PGSERVICE", tc.env)
			}
			cfg, err := ParseConfig(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "svc-Secr3t") {
					t.Errorf("error reveals the service's password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := wantConfig(home, tc.want)
			if diff := cmp.Diff(want, cfg); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	t.Run("PGSERVICEFILE replaces the user file and must exist", func(t *testing.T) {
		other := filepath.Join(dir, "svc")
		writeFile(t, other, 0o600, "[both]\nhost=/other\n")
		t.Setenv("PGSERVICEFILE", other)
		if cfg, err := ParseConfig("service=both"); err != nil || cfg.Host != "/other" {
			t.Errorf("got %v, %v", cfg, err)
		}
		if cfg, err := ParseConfig("service=sysonly"); err != nil || cfg.Host != "/sysonly" {
			t.Errorf("system file after PGSERVICEFILE: %v, %v", cfg, err)
		}
		// servicefile (libpq 19) wins over PGSERVICEFILE.
		if cfg, err := ParseConfig("servicefile=" + userFile + " service=both"); err != nil || cfg.Host != "/user" {
			t.Errorf("servicefile: %v, %v", cfg, err)
		}
		t.Setenv("PGSERVICEFILE", filepath.Join(dir, "absent"))
		if _, err := ParseConfig("service=both"); err == nil || !strings.Contains(err.Error(), "absent\" not found") {
			t.Errorf("absent PGSERVICEFILE: %v", err)
		}
	})

	t.Run("a line of 1023 bytes with its newline is too long, as in libpq", func(t *testing.T) {
		long := filepath.Join(dir, "long")
		writeFile(t, long, 0o600, "[s]\nhost=/"+strings.Repeat("x", 1021-len("host=/"))+"\n[t]\nhost=/"+strings.Repeat("y", 1022-len("host=/"))+"\n")
		t.Setenv("PGSERVICEFILE", long)
		if cfg, err := ParseConfig("service=s"); err != nil || len(cfg.Host) != 1021-len("host=") {
			t.Errorf("1021 bytes and a newline: %v", err)
		}
		if _, err := ParseConfig("service=t"); err == nil || !strings.Contains(err.Error(), "line 4 too long") {
			t.Errorf("1022 bytes and a newline: %v", err)
		}
	})
}
