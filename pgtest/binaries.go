package pgtest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// installHint says what to do when no server binaries are found.
const installHint = "install the PostgreSQL server (Debian/Ubuntu: apt-get install postgresql; " +
	"Fedora/RHEL: dnf install postgresql-server; macOS: brew install postgresql), " +
	"or set " + EnvDSN + " to the connection string of an existing server"

// binaries are the server programs of one PostgreSQL installation.
type binaries struct {
	dir      string
	initdb   string
	postgres string
}

// binDirGlobs are where packages put versioned installations; the highest
// version found wins.
var binDirGlobs = []string{
	"/usr/lib/postgresql/*/bin", // Debian, Ubuntu
	"/usr/pgsql-*/bin",          // PGDG RPMs
}

// findBinaries looks for initdb and postgres side by side: in dir only if it
// is set, otherwise in PATH, then in pg_config --bindir, then in the
// well-known installation directories.
func findBinaries(ctx context.Context, dir string) (binaries, error) {
	if dir != "" {
		b, missing := binariesIn(dir)
		if missing != nil {
			return binaries{}, fmt.Errorf("pgtest: find binaries: %s not found in %s (WithBinDir); %s",
				strings.Join(missing, " and "), dir, installHint)
		}
		return b, nil
	}
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
	candidates = append(candidates, "/usr/local/pgsql/bin") // built from source
	for _, d := range candidates {
		if b, missing := binariesIn(d); missing == nil {
			return b, nil
		}
	}
	return binaries{}, fmt.Errorf("pgtest: find binaries: no initdb and postgres in PATH, "+
		"pg_config --bindir, %s or /usr/local/pgsql/bin; %s", strings.Join(binDirGlobs, ", "), installHint)
}

// binariesIn returns the programs in dir, or the names of those missing.
func binariesIn(dir string) (binaries, []string) {
	b := binaries{dir: dir}
	var missing []string
	for _, p := range []struct {
		name string
		dst  *string
	}{{"initdb", &b.initdb}, {"postgres", &b.postgres}} {
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
	cmd.Env = childEnv()
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
