package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// psqlPath is the oracle: PostgreSQL 15's own psql. The tests run it and
// pgmoon-cli on the same input and compare their output byte for byte.
const psqlPath = "/usr/bin/psql"

type runResult struct {
	stdout, stderr string
	code           int
}

// psqlExec runs psql -X with args and stdin in a fixed environment: no PG*
// or locale variables from the caller, C.UTF-8, a UTF8 client encoding and
// no pager. A missing psql fails the test with how to install it.
func psqlExec(t testing.TB, stdin string, args ...string) runResult {
	t.Helper()
	if _, err := os.Stat(psqlPath); err != nil {
		t.Fatalf("these tests compare with PostgreSQL's psql at %s: %v (apt-get install -y postgresql-client)", psqlPath, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, psqlPath, append([]string{"-X"}, args...)...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "LC_") && !strings.HasPrefix(kv, "LANG") && !strings.HasPrefix(kv, "COLUMNS=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "LC_ALL=C.UTF-8", "PGCLIENTENCODING=UTF8", "PAGER=", "PSQL_PAGER=")
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Dir = t.TempDir() // what a script writes with a relative name lands there
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("psql: %v", err)
	}
	return runResult{out.String(), errb.String(), code}
}

// psqlDSN runs psql against dsn and returns its stdout and stderr.
func psqlDSN(t testing.TB, dsn, stdin string, args ...string) (stdout, stderr string) {
	t.Helper()
	r := psqlExec(t, stdin, append(args, "-d", dsn)...)
	return r.stdout, r.stderr
}
