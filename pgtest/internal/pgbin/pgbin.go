// Package pgbin finds the programs of a PostgreSQL installation on this
// machine. pgtest's local backend runs them; the image builder copies them.
package pgbin

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// InstallHint says what to do when no server binaries are found.
const InstallHint = "install the PostgreSQL server (Debian/Ubuntu: apt-get install postgresql; " +
	"Fedora/RHEL: dnf install postgresql-server; macOS: brew install postgresql), " +
	"or set PGMOON_TEST_DSN to the connection string of an existing server"

// Binaries are the server programs of one PostgreSQL installation.
type Binaries struct {
	Dir      string // the bin directory
	Initdb   string // path of initdb
	Postgres string // path of postgres
}

// binDirGlobs are where packages put versioned installations; the highest
// version found wins.
var binDirGlobs = []string{
	"/usr/lib/postgresql/*/bin", // Debian, Ubuntu
	"/usr/pgsql-*/bin",          // PGDG RPMs
}

// Find looks for initdb and postgres side by side: in dir only if it
// is set, otherwise in PATH, then in pg_config --bindir, then in the
// well-known installation directories.
func Find(ctx context.Context, dir string) (Binaries, error) {
	return FindVersion(ctx, dir, "")
}

// FindVersion is Find restricted to one major version ("15", "9.6"), as
// postgres --version reports it; "" accepts any.
func FindVersion(ctx context.Context, dir, major string) (Binaries, error) {
	if dir != "" {
		b, missing := binariesIn(dir)
		if missing != nil {
			return Binaries{}, fmt.Errorf("find binaries: %s not found in %s (WithBinDir); %s",
				strings.Join(missing, " and "), dir, InstallHint)
		}
		if major != "" {
			if v, err := MajorVersion(ctx, b.Postgres); err != nil || v != major {
				return Binaries{}, fmt.Errorf("find binaries: %s is not PostgreSQL %s (version %q, %v)", b.Postgres, major, v, err)
			}
		}
		return b, nil
	}
	for _, d := range candidateDirs(ctx) {
		b, missing := binariesIn(d)
		if missing != nil {
			continue
		}
		if major != "" {
			if v, err := MajorVersion(ctx, b.Postgres); err != nil || v != major {
				continue
			}
		}
		return b, nil
	}
	what := "initdb and postgres"
	if major != "" {
		what += " of PostgreSQL " + major
	}
	return Binaries{}, fmt.Errorf("find binaries: no %s in PATH, "+
		"pg_config --bindir, %s or /usr/local/pgsql/bin; %s", what, strings.Join(binDirGlobs, ", "), InstallHint)
}

// Installed returns the installations found on this machine by major
// version, the first found for each version.
func Installed(ctx context.Context) map[string]Binaries {
	found := make(map[string]Binaries)
	for _, d := range candidateDirs(ctx) {
		b, missing := binariesIn(d)
		if missing != nil {
			continue
		}
		v, err := MajorVersion(ctx, b.Postgres)
		if err != nil {
			continue
		}
		if _, ok := found[v]; !ok {
			found[v] = b
		}
	}
	return found
}

// candidateDirs lists, in order of preference, the directories that may hold
// an installation: PATH's initdb, pg_config --bindir, the versioned package
// directories (highest version first), then a source build's.
func candidateDirs(ctx context.Context) []string {
	var candidates []string
	if p, err := exec.LookPath("initdb"); err == nil {
		candidates = append(candidates, filepath.Dir(p))
	}
	if d := pgConfigBinDir(ctx); d != "" {
		candidates = append(candidates, d)
	}
	for _, g := range binDirGlobs {
		candidates = append(candidates, globByVersion(g)...)
	}
	return append(candidates, "/usr/local/pgsql/bin") // built from source
}

// MajorVersion runs postgres --version and returns the major version:
// "15" for "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)", "9.6"
// for 9.6.24.
func MajorVersion(ctx context.Context, postgres string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, postgres, "--version")
	cmd.Env = CleanEnv()
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", postgres, err)
	}
	_, major, err := ParseVersion(string(out))
	return major, err
}

// ParseVersion reads postgres --version output: "postgres (PostgreSQL)
// 15.4 (Debian 15.4-1.pgdg120+1)" gives "15.4" and "15"; "postgres
// (PostgreSQL) 9.6.24" gives "9.6.24" and "9.6"; "17beta1" gives "17".
func ParseVersion(out string) (version, major string, err error) {
	_, rest, ok := strings.Cut(out, "(PostgreSQL)")
	if !ok {
		return "", "", fmt.Errorf("no \"(PostgreSQL)\" in %q", out)
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return "", "", fmt.Errorf("no version number in %q", out)
	}
	version = fields[0]
	end := 0
	for end < len(version) && (version[end] == '.' || version[end] >= '0' && version[end] <= '9') {
		end++
	}
	nums := strings.Split(version[:end], ".")
	first, err := strconv.Atoi(nums[0])
	if err != nil || first == 0 {
		return "", "", fmt.Errorf("no version number in %q", out)
	}
	major = nums[0]
	if first < 10 {
		if len(nums) < 2 || nums[1] == "" {
			return "", "", fmt.Errorf("no minor version in %q", out)
		}
		major += "." + nums[1]
	}
	return version, major, nil
}

// binariesIn returns the programs in dir, or the names of those missing.
func binariesIn(dir string) (Binaries, []string) {
	b := Binaries{Dir: dir}
	var missing []string
	for _, p := range []struct {
		name string
		dst  *string
	}{{"initdb", &b.Initdb}, {"postgres", &b.Postgres}} {
		path, err := exec.LookPath(filepath.Join(dir, p.name))
		if err != nil {
			missing = append(missing, p.name)
			continue
		}
		*p.dst = path
	}
	return b, missing
}

// pgConfigBinDir asks pg_config where the binaries are; "" if it cannot.
func pgConfigBinDir(ctx context.Context) string {
	path, err := exec.LookPath("pg_config")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--bindir")
	cmd.Env = CleanEnv()
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// globByVersion expands a pattern with one * standing for a version number
// ("15", "9.6") and orders the matches from the highest version down.
func globByVersion(pattern string) []string {
	matches, _ := filepath.Glob(pattern)
	star := strings.IndexByte(pattern, '*')
	prefix, suffix := pattern[:star], pattern[star+1:]
	type versioned struct {
		path string
		v    []int
	}
	var vs []versioned
	for _, m := range matches {
		if !strings.HasPrefix(m, prefix) || !strings.HasSuffix(m, suffix) {
			continue
		}
		var v []int
		for _, part := range strings.Split(m[len(prefix):len(m)-len(suffix)], ".") {
			n, err := strconv.Atoi(part)
			if err != nil {
				v = nil
				break
			}
			v = append(v, n)
		}
		if v != nil {
			vs = append(vs, versioned{m, v})
		}
	}
	slices.SortFunc(vs, func(a, b versioned) int { return slices.Compare(b.v, a.v) })
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.path
	}
	return out
}

// CleanEnv is this process's environment minus the PG* variables, which
// would point libpq-style tools elsewhere, with messages in English
// (LC_ALL=C) so that their output can be read.
func CleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_ALL=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

// FindTool looks for another program of the installation b, such as
// pg_basebackup or pg_ctl, of PostgreSQL major version major: in b.Dir,
// then next to the file b.Postgres links to, then in the versioned package
// directories of that version, then in PATH. A program of another version
// is passed over. The error says what to install.
func FindTool(ctx context.Context, b Binaries, name, major string) (string, error) {
	dirs := []string{b.Dir}
	if real, err := filepath.EvalSymlinks(b.Postgres); err == nil {
		dirs = append(dirs, filepath.Dir(real))
	}
	for _, g := range binDirGlobs {
		dirs = append(dirs, strings.Replace(g, "*", major, 1))
	}
	if p, err := exec.LookPath(name); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	var other []string
	seen := map[string]bool{}
	for _, d := range dirs {
		if d == "" || seen[d] {
			continue
		}
		seen[d] = true
		path, err := exec.LookPath(filepath.Join(d, name))
		if err != nil {
			continue
		}
		v, err := MajorVersion(ctx, path)
		if err == nil && v == major {
			return path, nil
		}
		other = append(other, fmt.Sprintf("%s is version %q (%v)", path, v, err))
	}
	where := strings.Join(slices.Compact(append([]string{b.Dir}, strings.Replace(binDirGlobs[0], "*", major, 1),
		strings.Replace(binDirGlobs[1], "*", major, 1))), ", ")
	msg := fmt.Sprintf("find %s: no %s of PostgreSQL %s in %s or PATH", name, name, major, where)
	if other != nil {
		msg += " (" + strings.Join(other, "; ") + ")"
	}
	return "", fmt.Errorf("%s; %s", msg, ToolHint(name, major))
}

// ToolHint says what to install for a PostgreSQL program other than the
// server's: Debian packages the client programs (pg_basebackup, psql)
// apart from the server (postgres, initdb, pg_ctl).
func ToolHint(name, major string) string {
	deb := "postgresql-" + major
	switch name {
	case "pg_basebackup", "psql", "pg_dump", "pg_receivewal":
		deb = "postgresql-client-" + major
	}
	return fmt.Sprintf("install PostgreSQL %s's %s (Debian/Ubuntu: apt-get install %s; "+
		"Fedora/RHEL with the PGDG repository: dnf install postgresql%s-server, which brings postgresql%s), "+
		"next to the server programs", major, name, deb, major, major)
}
