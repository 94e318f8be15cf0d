//go:build linux

package cli

// End-to-end tests of the interactive REPL: the real binary on a pty,
// driven by keys, checked by what the screen shows.

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// replRig is pgmoon-cli's REPL on a pty, connected to a database of its own.
type replRig struct {
	*ptyCLI
	dsn, db string
	su      bool // the role is a superuser: prompts end in '#'
}

// newDatabase makes a database for t and returns its DSN, name and whether
// its role is a superuser.
func newDatabase(t *testing.T) (dsn, db string, su bool) {
	t.Helper()
	dsn = pgtest.Default(t).NewDatabase(t)
	conn, err := pgmoon.ConnectString(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	return dsn, conn.Config().Database, conn.ParameterStatus("is_superuser") == "on"
}

// startREPL runs the REPL on dsn with home as $HOME ("" for a new one) and
// waits for its first prompt.
func startREPL(t *testing.T, home, dsn, db string, su bool) *replRig {
	t.Helper()
	r := &replRig{ptyCLI: startPTY(t, home, dsn), dsn: dsn, db: db, su: su}
	r.expect(`Type "help" for help.`)
	r.expectPrompt("=")
	return r
}

// prompt is the default prompt with %R%x rendered as state.
func (r *replRig) prompt(state string) string {
	if r.su {
		return r.db + state + "# "
	}
	return r.db + state + "> "
}

// expectPrompt waits for the prompt to be drawn, and for the cursor's row to
// show it alone.
func (r *replRig) expectPrompt(state string) {
	r.t.Helper()
	p := r.prompt(state)
	r.expect(p)
	r.expectRow(0, strings.TrimRight(p, " "))
}

// enter types line and Enter.
func (r *replRig) enter(line string) {
	r.t.Helper()
	r.send(line + "\r")
}

var pidPattern = regexp.MustCompile(`pid=(\d+)`)

// backendPID asks the server for the session's backend PID.
func (r *replRig) backendPID() string {
	r.t.Helper()
	r.skip()
	r.enter(`select 'pid=' || pg_backend_pid() as p;`)
	r.expect("(1 row)")
	m := pidPattern.FindAllStringSubmatch(r.screenText(), -1)
	if m == nil {
		r.t.Fatalf("no pid on the screen\n%s", r.dump())
	}
	r.expectPrompt("=")
	return m[len(m)-1][1]
}

func TestREPLMultiLineStatement(t *testing.T) {
	dsn, db, su := newDatabase(t)
	r := startREPL(t, "", dsn, db, su)
	r.enter("select 1 as a,")
	r.expectPrompt("-")
	r.expectRow(1, r.prompt("=")+"select 1 as a,")
	r.enter("'x' as b;")
	r.expect("(1 row)")
	r.expectPrompt("=")
	want := strings.Join([]string{
		r.prompt("=") + "select 1 as a,",
		r.prompt("-") + "'x' as b;",
		" a | b",
		"---+---",
		" 1 | x",
		"(1 row)",
		"",
		strings.TrimRight(r.prompt("="), " "),
	}, "\n")
	if got := r.screenText(); !strings.HasSuffix(got, want) {
		t.Fatalf("screen ends\n%s\nwant it to end\n%s", got, want)
	}
	r.send("\x04")
	if code := r.wait(); code != 0 {
		t.Fatalf("exit status %d", code)
	}
	data, err := os.ReadFile(filepath.Join(r.home, "history"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "select 1 as a,\x01'x' as b;\n"; string(data) != want {
		t.Errorf("history file = %q, want %q", data, want)
	}
}

func TestREPLCancelQuery(t *testing.T) {
	dsn, db, su := newDatabase(t)
	r := startREPL(t, "", dsn, db, su)
	pid := r.backendPID()
	r.enter("select pg_sleep(60);")
	waitFor(t, "pg_sleep to run", sleeping(t, dsn))
	r.send("\x03") // the terminal is not in raw mode while the query runs: this is SIGINT
	r.expect("Cancel request sent")
	r.expect("ERROR:  ") // the SQLSTATE may follow: pgmoon-cli's default verbosity shows it
	r.expect("canceling statement due to user request")
	r.expectPrompt("=")
	if again := r.backendPID(); again != pid {
		t.Errorf("backend PID %s after the cancel, was %s: the session reconnected", again, pid)
	}
	r.enter(`\q`)
	if code := r.wait(); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}

func TestREPLHistoryAcrossSessions(t *testing.T) {
	dsn, db, su := newDatabase(t)
	home := t.TempDir()
	r := startREPL(t, home, dsn, db, su)
	r.enter("select 1 as one;")
	r.expect("(1 row)")
	r.expectPrompt("=")
	r.enter("select 1 as one;") // a repeat of the previous entry is not kept twice
	r.expect("(1 row)")
	r.expectPrompt("=")
	r.enter("select 2")
	r.expectPrompt("-")
	r.enter("as two;")
	r.expect("(1 row)")
	r.expectPrompt("=")
	r.enter(`\x`)
	r.expect("Expanded display is on.")
	r.expectPrompt("=")
	r.send("\x04")
	r.expect(`\q`)
	if code := r.wait(); code != 0 {
		t.Fatalf("exit status %d", code)
	}
	data, err := os.ReadFile(filepath.Join(home, "history"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "select 1 as one;\nselect 2\x01as two;\n\\x\n"; string(data) != want {
		t.Fatalf("history file = %q, want %q", data, want)
	}

	r = startREPL(t, home, dsn, db, su)
	r.send(keyUpSeq)
	r.expectRow(0, r.prompt("=")+`\x`)
	r.send(keyUpSeq)
	r.expectRow(0, "as two;")
	r.expectRow(1, r.prompt("=")+"select 2")
	r.send(keyUpSeq)
	r.expectRow(0, r.prompt("=")+"select 1 as one;")
	r.send(keyDownSeq)
	r.expectRow(0, "as two;")
	r.send("\r") // the recalled two-line statement runs as one
	r.expect("(1 row)")
	r.expectPrompt("=")
	if got := r.screenText(); !strings.Contains(got, " two\n-----\n   2\n(1 row)") {
		t.Fatalf("the recalled statement's result is not on the screen:\n%s", got)
	}
	r.enter(`\q`)
	if code := r.wait(); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}

func TestREPLInterruptClearsBuffer(t *testing.T) {
	dsn, db, su := newDatabase(t)
	r := startREPL(t, "", dsn, db, su)
	r.enter("select 1 as a,")
	r.expectPrompt("-")
	r.send("'half typed'")
	r.send("\x03")
	r.expectPrompt("=")
	r.expectRow(1, r.prompt("-")+"'half typed'^C")
	r.skip()
	r.enter("select 2 as b;")
	r.expect("(1 row)")
	r.expectPrompt("=")
	if got := r.screenText(); !strings.Contains(got, " b\n---\n 2\n(1 row)") || strings.Contains(got, "ERROR") {
		t.Fatalf("the query after Ctrl-C did not run alone:\n%s", got)
	}
	// Ctrl-C on an empty line just shows a new prompt.
	r.send("\x03")
	r.expectPrompt("=")
	r.enter(`\q`)
	if code := r.wait(); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}

func TestREPLTransactionPrompt(t *testing.T) {
	dsn, db, su := newDatabase(t)
	r := startREPL(t, "", dsn, db, su)
	r.enter("begin;")
	r.expect("BEGIN")
	r.expectPrompt("=*")
	r.enter("select 1/0;")
	r.expect("ERROR:  ")
	r.expect("division by zero")
	r.expectPrompt("=!")
	r.enter("select 1;")
	r.expect("current transaction is aborted")
	r.expectPrompt("=!")
	r.enter("rollback;")
	r.expect("ROLLBACK")
	r.expectPrompt("=")
	r.enter(`\q`)
	if code := r.wait(); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}

func TestREPLQuitAndEOF(t *testing.T) {
	dsn, db, su := newDatabase(t)
	t.Run("quit", func(t *testing.T) {
		r := startREPL(t, "", dsn, db, su)
		r.enter(`\q`)
		if code := r.wait(); code != 0 {
			t.Fatalf("\\q: exit status %d", code)
		}
	})
	t.Run("ctrl-d", func(t *testing.T) {
		r := startREPL(t, "", dsn, db, su)
		r.send("\x04")
		if code := r.wait(); code != 0 {
			t.Fatalf("Ctrl-D: exit status %d", code)
		}
		if got, want := r.screenText(), r.prompt("=")+`\q`; !strings.HasSuffix(got, want) {
			t.Fatalf("screen ends\n%s\nwant %q", got, want)
		}
	})
	t.Run("ctrl-d in a statement", func(t *testing.T) {
		r := startREPL(t, "", dsn, db, su)
		r.enter("select")
		r.expectPrompt("-")
		r.send("\x04")
		if code := r.wait(); code != 0 {
			t.Fatalf("Ctrl-D: exit status %d", code)
		}
	})
}

func TestREPLCopyFromStdin(t *testing.T) {
	dsn, db, su := newDatabase(t)
	r := startREPL(t, "", dsn, db, su)
	r.enter("create table t (a int, b text);")
	r.expect("CREATE TABLE")
	r.expectPrompt("=")
	r.enter("copy t from stdin;")
	r.expect("Enter data to be copied followed by a newline.")
	r.expect("End with a backslash and a period on a line by itself, or an EOF signal.")
	r.expect(">> ")
	r.expectRow(0, ">>")
	r.enter("1\tone")
	r.expectRow(0, ">>")
	r.enter("2\ttwo")
	r.expectRow(0, ">>")
	r.enter(`\.`)
	r.expect("COPY 2")
	r.expectPrompt("=")
	r.enter("select * from t order by a;")
	r.expect("(2 rows)")
	if got := r.screenText(); !strings.Contains(got, " a |  b\n---+-----\n 1 | one\n 2 | two\n(2 rows)") {
		t.Fatalf("copied rows not on the screen:\n%s", got)
	}
	// Ctrl-D ends the data like "\."; Ctrl-C abandons the COPY.
	r.enter("copy t from stdin;")
	r.expectRow(0, ">>") // this COPY's prompt, not an earlier ">> " on the screen
	r.enter("3\tthree")
	r.expectRow(1, ">> 3    three") // the line was taken, and the next prompt is up
	r.expectRow(0, ">>")
	r.send("\x04")
	r.expect("COPY 1")
	r.expectPrompt("=")
	r.enter("copy t from stdin;")
	r.expectRow(0, ">>")
	r.enter("4\tfour")
	r.expectRow(1, ">> 4    four")
	r.expectRow(0, ">>")
	r.send("\x03")
	r.expect("canceled by user")
	r.expectPrompt("=")
	r.enter("select count(*) from t;")
	r.expect("(1 row)")
	r.expectPrompt("=")
	if got := r.screenText(); !strings.Contains(got, " count\n-------\n     3\n(1 row)") {
		t.Fatalf("want 3 rows after the interrupted COPY:\n%s", got)
	}
	// COPY data lines are not history entries.
	r.send(keyUpSeq)
	r.expectRow(0, r.prompt("=")+"select count(*) from t;")
	r.send(keyUpSeq)
	r.expectRow(0, r.prompt("=")+"copy t from stdin;")
	r.send(keyUpSeq) // the same COPY twice in a row: one entry
	r.expectRow(0, r.prompt("=")+"select * from t order by a;")
	r.send(keyUpSeq)
	r.expectRow(0, r.prompt("=")+"copy t from stdin;")
	r.send("\x15\\q\r")
	if code := r.wait(); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}

func TestREPLExpanded(t *testing.T) {
	dsn, db, su := newDatabase(t)
	r := startREPL(t, "", dsn, db, su)
	r.enter(`\x`)
	r.expect("Expanded display is on.")
	r.expectPrompt("=")
	r.enter("select 1 as a, 'x' as b;")
	r.expect("-[ RECORD 1 ]")
	r.expectPrompt("=")
	if got := r.screenText(); !strings.Contains(got, "-[ RECORD 1 ]\na | 1\nb | x\n") {
		t.Fatalf("no expanded record on the screen:\n%s", got)
	}
	r.enter(`\q`)
	if code := r.wait(); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}

// TestREPLWideCharacters: a line with double-width characters is edited in
// place and sent as typed.
func TestREPLWideCharacters(t *testing.T) {
	dsn, db, su := newDatabase(t)
	r := startREPL(t, "", dsn, db, su)
	r.send("select '日本語' as j;" + strings.Repeat(keyLeftSeq, len("' as j;")) + "\x7fX")
	r.expectRow(0, r.prompt("=")+"select '日本X' as j;")
	r.send("\r")
	r.expect("(1 row)")
	r.expectPrompt("=")
	if got := r.screenText(); !strings.Contains(got, "   j\n-------\n 日本X\n(1 row)") {
		t.Fatalf("result not on the screen:\n%s", got)
	}
	r.enter(`\q`)
	r.wait()
}

// TestREPLHistoryKeptWhenKilled: entries reach the history file as they are
// entered, not only at exit.
func TestREPLHistoryKeptWhenKilled(t *testing.T) {
	dsn, db, su := newDatabase(t)
	r := startREPL(t, "", dsn, db, su)
	r.enter("select 42 as answer;")
	r.expect("(1 row)")
	r.expectPrompt("=")
	r.cmd.Process.Kill()
	r.wait()
	data, err := os.ReadFile(filepath.Join(r.home, "history"))
	if err != nil || string(data) != "select 42 as answer;\n" {
		t.Fatalf("history file = %q, %v", data, err)
	}
}

// TestREPLCustomPrompt: PROMPT1 and PROMPT2 set with \set take effect at the next line.
func TestREPLCustomPrompt(t *testing.T) {
	dsn, db, su := newDatabase(t)
	r := startREPL(t, "", dsn, db, su)
	cfg, err := pgmoon.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	r.enter(`\set PROMPT1 '[%n %R%x] '`)
	r.expect("[" + cfg.User + " =] ")
	r.expectRow(0, "["+cfg.User+" =]")
	r.enter(`\set PROMPT2 '%l%R '`)
	r.expectRow(0, "["+cfg.User+" =]")
	r.enter("select '")
	r.expectRow(0, "2'")
	r.enter("' as q;")
	r.expect("(1 row)")
	r.expectRow(0, "["+cfg.User+" =]")
	r.enter("begin;")
	r.expect("BEGIN")
	r.expectRow(0, "["+cfg.User+" =*]")
	r.enter(`\q`)
	if code := r.wait(); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}

// TestREPLWithoutTerminal: when the terminal cannot be put in raw mode the
// REPL reads plain lines, still with prompts, history and \q at end of input.
// With no connection the prompt is "!> ".
func TestREPLWithoutTerminal(t *testing.T) {
	histFile := filepath.Join(t.TempDir(), "history")
	t.Setenv("PGMOON_HISTORY", histFile)
	var out, errb strings.Builder
	env := Env{Stdin: strings.NewReader("\\echo one\n\\echo two\n"), Stdout: &out, Stderr: &errb}
	s := newSession(env, &Options{})
	if code := s.REPL(t.Context()); code != 0 {
		t.Fatalf("exit status %d, stderr %q", code, errb.String())
	}
	want := "Type \"help\" for help.\n\n!> one\n!> two\n!> \\q\n"
	if got := out.String(); !strings.HasSuffix(got, want) {
		t.Errorf("output %q, want it to end %q", got, want)
	}
	if data, _ := os.ReadFile(histFile); string(data) != "\\echo one\n\\echo two\n" {
		t.Errorf("history file = %q", data)
	}
}

// TestREPLEphemeral is the README's first command as a newcomer types it:
// pgmoon-cli --ephemeral on a terminal starts a throwaway server, shows the
// prompt, runs a query, and removes the server on Ctrl-D.
func TestREPLEphemeral(t *testing.T) {
	for _, k := range []string{"PGMOON_TEST_DSN", "PGMOON_TEST_BACKEND", "PGMOON_TEST_IMAGE"} {
		if v, ok := os.LookupEnv(k); ok {
			// startPTY's environment is minimal; keep the suite's choice of server.
			t.Setenv(k, v)
		}
	}
	p := startPTY(t, "", "--ephemeral")
	p.expect("Type \"help\" for help.")
	p.expect("=# ")
	p.send("select 6 * 7 as answer;\r")
	p.expect("(1 row)")
	if got := p.screenText(); !strings.Contains(got, "--------\n     42\n(1 row)") {
		t.Errorf("screen:\n%s", got)
	}
	// Ctrl-D once the prompt is back (the terminal is in raw mode again).
	p.waitFor("the prompt after the result", func(s *vtScreen) bool {
		text := strings.TrimRight(s.Text(), " \n")
		_, last, _ := strings.Cut(text, "(1 row)\n\n")
		return !strings.Contains(last, "\n") && (strings.HasSuffix(last, "=#") || strings.HasSuffix(last, "=>"))
	})
	p.send("\x04")
	if code := p.wait(); code != 0 {
		t.Fatalf("exit status %d\n%s", code, p.dump())
	}
}
