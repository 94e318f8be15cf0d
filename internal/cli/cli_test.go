package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// runCLI runs pgmoon-cli in-process with the given standard input.
func runCLI(t *testing.T, stdin string, args ...string) runResult {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Interrupts: make(chan struct{})}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	code := Main(ctx, args, env)
	return runResult{out.String(), errb.String(), code}
}

// sameAsPsql runs both programs and compares standard output, standard
// error (with the program name replaced) and the exit status. Each gets a
// fresh database of its own in place of the argument "DSN".
func sameAsPsql(t *testing.T, stdin string, args ...string) runResult {
	t.Helper()
	withDB := func() []string {
		a := slices.Clone(args)
		for i := range a {
			if a[i] == "DSN" {
				a[i] = pgtest.Default(t).NewDatabase(t)
			}
		}
		return a
	}
	want := psqlExec(t, stdin, withDB()...)
	want.stderr = strings.ReplaceAll(want.stderr, "psql:", progName+":")
	got := runCLI(t, stdin, withDB()...)
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(runResult{})); diff != "" {
		t.Errorf("pgmoon-cli %q with input %q differs from psql (-psql +pgmoon-cli):\n%s", args, stdin, diff)
	}
	return got
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExitStatuses checks psql's exit statuses: 0, 1 for a failed -c, 2
// for a bad connection, 3 for a script stopped by ON_ERROR_STOP.
func TestExitStatuses(t *testing.T) {
	dsn := pgtest.Default(t).NewDatabase(t)
	bad := writeFile(t, "bad.sql", "select 1;\nselect 1/0;\nselect 2;\n")
	v := "VERBOSITY=verbose"
	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
	}{
		{"-c ok", "", []string{"DSN", "-c", "select 1"}, 0},
		{"-c error", "", []string{"DSN", "-v", v, "-c", "select 1/0"}, 1},
		{"-c error then ok", "", []string{"DSN", "-v", v, "-c", "select 1/0", "-c", "select 2"}, 0},
		{"-c error ON_ERROR_STOP", "", []string{"DSN", "-v", v, "-v", "ON_ERROR_STOP=1", "-c", "select 1/0", "-c", "select 2"}, 1},
		{"-f error", "", []string{"DSN", "-v", v, "-f", bad}, 0},
		{"-f error ON_ERROR_STOP", "", []string{"DSN", "-v", v, "-v", "ON_ERROR_STOP=1", "-f", bad}, 3},
		{"stdin error", "select 1/0;\nselect 3;\n", []string{"DSN", "-v", v}, 0},
		{"stdin error ON_ERROR_STOP", "select 1/0;\nselect 3;\n", []string{"DSN", "-v", v, "-v", "ON_ERROR_STOP=on"}, 3},
		{"-f - ON_ERROR_STOP", "select 5;\nselect 1/0;\nselect 3;\n", []string{"DSN", "-v", v, "-v", "ON_ERROR_STOP=1", "-f", "-"}, 3},
		{"-c then -f", "", []string{"DSN", "-v", v, "-c", "select 1", "-f", bad}, 0},
		{"single transaction error", "", []string{"DSN", "-v", v, "-1", "-v", "ON_ERROR_STOP=1", "-c", "create table st(a int)", "-c", "select 1/0"}, 1},
		{"unknown meta-command", "", []string{"DSN", "-c", `\nosuch`}, 1},
		{"\\q in script", "select 1;\n\\q\nselect 2;\n", []string{"DSN"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := sameAsPsql(t, c.stdin, c.args...)
			if got.code != c.code {
				t.Errorf("exit status %d, want %d", got.code, c.code)
			}
		})
	}
	t.Run("single transaction rolled back", func(t *testing.T) {
		runCLI(t, "", dsn, "-1", "-v", "ON_ERROR_STOP=1", "-c", "create table st(a int)", "-c", "select 1/0")
		got := runCLI(t, "", dsn, "-At", "-c", `select count(*) from pg_class where relname = 'st'`)
		if got.stdout != "0\n" {
			t.Errorf("-1 with a failing command left the table: %q", got.stdout)
		}
	})
	t.Run("bad connection", func(t *testing.T) {
		// A port nothing listens on: both fail with status 2.
		got := runCLI(t, "", "-h", "127.0.0.1", "-p", "1", "-c", "select 1")
		want := psqlExec(t, "", "-h", "127.0.0.1", "-p", "1", "-c", "select 1")
		if got.code != 2 || want.code != 2 {
			t.Errorf("exit status %d (psql %d), want 2; stderr %q", got.code, want.code, got.stderr)
		}
		if !strings.HasPrefix(got.stderr, progName+": error: ") {
			t.Errorf("stderr %q does not start like psql's", got.stderr)
		}
	})
}

// TestScriptsLikePsql runs scripts through both programs and compares
// every byte of their output.
func TestScriptsLikePsql(t *testing.T) {
	dir := t.TempDir()
	describeFile := filepath.Join(dir, "describe.sql")
	os.WriteFile(describeFile, []byte("create table t(a int);\n\\dt t x\n\\d nosuch\n\\d t\n"), 0o644)
	inc := filepath.Join(dir, "inc.sql")
	os.WriteFile(inc, []byte("select 'included' as what;\nselect 1/0;\n"), 0o644)
	data := filepath.Join(dir, "data.csv")
	os.WriteFile(data, []byte("1,one\n2,\"two, too\"\n3,\n"), 0o644)
	cases := []struct {
		name   string
		script string
		args   []string
	}{
		{"select and tags", "create table a(i int, t text);\ninsert into a values (1, 'x'), (2, null);\nselect * from a order by i;\nupdate a set t = 'y';\ndelete from a where i = 2;\ndrop table a;\n", nil},
		{"several results one line", "select 1 as one; select 'two' as two;select 3\n;\n", nil},
		{"multi-line statement", "select\n  1 as a,\n  'x' as b\n;\n", nil},
		{"unterminated last statement runs", "select 42 as answer", nil},
		{"echo and variables", "\\set n 3\n\\echo n is :n\nselect :n * 2 as double, :'n' as lit;\nselect 1 as :\"n\";\n", nil},
		{"unset", "\\set a 1\n\\unset a\n\\echo :a\n", nil},
		{"expanded", "\\x\nselect 1 as a, 'two' as b;\n\\x off\nselect 1 as a;\n", nil},
		{"gx", "select 1 as a, 2 as b \\gx\n", nil},
		{"g reruns", "select 7 as seven;\n\\g\n", nil},
		{"unaligned and tuples", "\\a\n\\t\nselect 1 as a, 'b' as b;\n\\a\n\\t\nselect 1;\n", nil},
		{"pset null", "\\pset null (null)\nselect null as n, 1 as one;\n", nil},
		{"notices", "do $$ begin raise notice 'hello %', 42; raise warning 'careful'; end $$;\n", nil},
		{"errors with position", "select 1 +;\nselect * from nosuch;\nselect 1;\n", []string{"-v", "VERBOSITY=verbose"}},
		{"error in transaction", "begin;\nselect 1/0;\nselect 1;\nrollback;\n", []string{"-v", "VERBOSITY=verbose"}},
		{"copy from stdin", "create table c(a int, b text);\ncopy c from stdin;\n1\tone\n2\t\\N\n\\.\nselect * from c order by a;\ncopy c to stdout;\ncopy c to stdout with (format csv, header);\n", nil},
		{"copy from stdin error", "create table c2(a int);\ncopy c2 from stdin;\n1\nx\n3\n\\.\nselect count(*) from c2;\n", []string{"-v", "VERBOSITY=verbose"}},
		{"\\copy from file", "create table d(a int, b text);\n\\copy d from '" + data + "' with (format csv)\nselect * from d order by a;\n\\copy d to '" + filepath.Join(dir, "out.csv") + "' csv\n\\copy (select a from d order by a) to stdout\n", nil},
		{"\\i", "\\i " + inc + "\nselect 'after' as a;\n", []string{"-v", "VERBOSITY=verbose"}},
		{"\\p \\r", "select 1\n\\p\n\\r\n\\p\nselect 2;\n\\p\n", nil},
		{"gset", "select 1 as x, 'hi' as y \\gset p_\n\\echo :p_x :p_y\n", nil},
		{"ROW_COUNT and ERROR", "select generate_series(1,3);\n\\echo :ROW_COUNT :ERROR\nselect 1/0;\n\\echo :ERROR :SQLSTATE\n", []string{"-v", "VERBOSITY=verbose"}},
		{"echo queries", "select 1;\n", []string{"-e"}},
		{"echo all", "select 1;\n-- comment\nselect 2;\n", []string{"-a"}},
		{"quiet", "create table q(a int);\ninsert into q values (1);\n\\x\n", []string{"-q"}},
		{"csv flag", "select 1 as a, 'x,y' as b, null as c;\n", []string{"--csv"}},
		{"-A -F", "select 1 as a, 2 as b;\n", []string{"-A", "-F", ";"}},
		{"-t -A", "select 1 as a, 2 as b;\n", []string{"-t", "-A"}},
		{"-P border=2", "select 1 as a;\n", []string{"-P", "border=2"}},
		{"invalid command", "\\nosuch\nselect 1;\n", nil},
		{"dollar quotes", "select $$a;b$$ as x, $t$ ; $t$ as y;\n", nil},
		{"describe", "create table t(a int primary key, b text not null default 'x', c numeric(10,2) check (c > 0));\ncreate index on t(b);\ncreate view v as select a from t;\n\\d t\n\\d+ t\n\\dt\n\\dv\n\\di\n\\d\n\\dn\n\\d nosuch\n\\dt nosuch extra\n", nil},
		{"describe expanded", "create table t(a int);\n\\x\n\\dt\n\\d t\n", nil},
		{"describe in a file", "", []string{"-f", describeFile}},
		{"comments", "select 1 -- trailing ; comment\n;\n/* block ; */ select 2;\n", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sameAsPsql(t, c.script, append([]string{"DSN"}, c.args...)...)
		})
	}
	t.Run("file prefix", func(t *testing.T) {
		f := writeFile(t, "s.sql", "select 1;\nselect 1/0;\n\\nosuch\ndo $$ begin raise notice 'n'; end $$;\n")
		sameAsPsql(t, "", "DSN", "-v", "VERBOSITY=verbose", "-f", f)
	})
	t.Run("-c several statements", func(t *testing.T) {
		sameAsPsql(t, "", "DSN", "-c", "select 1 as a; select 2 as b; create temp table x(a int)")
	})
	t.Run("-c meta", func(t *testing.T) {
		sameAsPsql(t, "", "DSN", "-c", `\echo hello \echo world`)
	})
	t.Run("-c copy from stdin", func(t *testing.T) {
		sameAsPsql(t, "1\n2\n\\.\n", "DSN", "-c", "create table cc(a int)", "-c", "copy cc from stdin", "-c", "table cc")
		// Two COPYs read one standard input: the second gets what follows
		// the first's \., however much the first read ahead.
		sameAsPsql(t, "1\n\\.\n2\n3\n\\.\n", "DSN", "-c", "create table cc(a int)", "-c", "copy cc from stdin", "-c", "copy cc from stdin", "-c", "table cc")
	})
}
