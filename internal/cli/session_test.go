package cli

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// syncBuffer is a bytes.Buffer safe to read while pgmoon-cli writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls until cond holds; the bound only keeps a broken test from
// hanging.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startCLI runs pgmoon-cli in the background with its own interrupt channel.
func startCLI(t *testing.T, stdin string, args ...string) (out, errb *syncBuffer, interrupt chan struct{}, wait func() int) {
	out, errb = &syncBuffer{}, &syncBuffer{}
	interrupt = make(chan struct{}, 1)
	env := Env{Stdin: strings.NewReader(stdin), Stdout: out, Stderr: errb, Interrupts: interrupt}
	done := make(chan int, 1)
	go func() { done <- Main(context.Background(), args, env) }()
	return out, errb, interrupt, func() int {
		select {
		case code := <-done:
			return code
		case <-time.After(time.Minute):
			t.Fatal("pgmoon-cli did not finish")
			return -1
		}
	}
}

// sleeping reports whether a backend runs pg_sleep.
func sleeping(t *testing.T, dsn string) func() bool {
	conn, err := pgmoon.ConnectString(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return func() bool {
		var n int64
		err := conn.QueryRow(t.Context(), "select count(*) from pg_stat_activity where wait_event = 'PgSleep' and datname = current_database()").Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
}

// TestInterruptCancels presses Ctrl-C during a long query: the server
// cancels it (CancelRequest), the error is shown, and a -c ends with status
// 1 while a script ends with 3, as in psql.
func TestInterruptCancels(t *testing.T) {
	dsn := pgtest.Default(t).NewDatabase(t)
	isSleeping := sleeping(t, dsn)

	out, errb, interrupt, wait := startCLI(t, "", dsn, "-c", "select pg_sleep(60)")
	waitFor(t, "pg_sleep to run", isSleeping)
	start := time.Now()
	interrupt <- struct{}{}
	code := wait()
	if code != ExitFatal {
		t.Errorf("exit status %d, want 1", code)
	}
	want := "Cancel request sent\nERROR:  57014: canceling statement due to user request\n"
	if errb.String() != want {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
	if out.String() != "" {
		t.Errorf("stdout %q", out.String())
	}
	if time.Since(start) > 30*time.Second {
		t.Errorf("the cancel did not end the sleep")
	}

	_, errb, interrupt, wait = startCLI(t, "select pg_sleep(60);\nselect 'not reached';\n", dsn)
	waitFor(t, "pg_sleep to run", isSleeping)
	interrupt <- struct{}{}
	if code := wait(); code != ExitScript {
		t.Errorf("script exit status %d, want 3; stderr %q", code, errb.String())
	}
}

// TestWatch runs \watch until Ctrl-C.
func TestWatch(t *testing.T) {
	dsn := pgtest.Default(t).NewDatabase(t)
	out, _, interrupt, wait := startCLI(t, "select 'tick' as t \\watch 0.05\nselect 'after' as a;\n", dsn)
	waitFor(t, "three ticks", func() bool { return strings.Count(out.String(), "tick") >= 3 })
	interrupt <- struct{}{}
	if code := wait(); code != ExitOK {
		t.Errorf("exit status %d", code)
	}
	got := out.String()
	if !strings.Contains(got, "(every 0.05s)\n\n  t   \n------\n tick\n(1 row)\n\n") {
		t.Errorf("watch output:\n%s", got)
	}
	if !strings.HasSuffix(got, " after\n(1 row)\n\n") {
		t.Errorf("the script did not go on after \\watch:\n%s", got)
	}
}

// TestPasswordPrompt connects as a password-authenticated role: the
// password is asked for when the server wants it (or first, with -W), never
// with -w.
func TestPasswordPrompt(t *testing.T) {
	srv := pgtest.Default(t)
	u, err := srv.User("scram-sha-256")
	if err != nil {
		t.Fatal(err)
	}
	dsn := srv.URL(u.Name, "", "")
	t.Setenv("PGPASSWORD", "")
	t.Setenv("PGPASSFILE", "/nonexistent")
	run := func(args ...string) (runResult, []string) {
		var prompts []string
		var out, errb bytes.Buffer
		env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Interrupts: make(chan struct{}),
			ReadPassword: func(p string) (string, error) { prompts = append(prompts, p); return u.Password, nil }}
		code := Main(t.Context(), args, env)
		return runResult{out.String(), errb.String(), code}, prompts
	}
	got, prompts := run(dsn, "-At", "-c", "select current_user")
	if got.code != 0 || got.stdout != u.Name+"\n" {
		t.Errorf("got %+v", got)
	}
	if want := []string{"Password for user " + u.Name + ": "}; strings.Join(prompts, "|") != want[0] {
		t.Errorf("prompts %q, want %q", prompts, want)
	}
	got, prompts = run(dsn, "-w", "-c", "select 1")
	if got.code != ExitConnection || len(prompts) != 0 {
		t.Errorf("-w: status %d, prompts %q", got.code, prompts)
	}
	if strings.Contains(got.stderr, u.Password) {
		t.Errorf("the password is in the error: %q", got.stderr)
	}
	trust := srv.DSN()
	_, prompts = run(trust, "-W", "-c", "select 1")
	if len(prompts) != 1 {
		t.Errorf("-W: prompts %q, want one", prompts)
	}
}

// TestConnInfoAndConnect checks \conninfo and \c.
func TestConnInfoAndConnect(t *testing.T) {
	srv := pgtest.Default(t)
	dsn := srv.NewDatabase(t)
	other := srv.NewDatabase(t)
	cfg, err := pgmoon.ParseConfig(other)
	if err != nil {
		t.Fatal(err)
	}
	got := runCLI(t, "\\conninfo\n\\c "+cfg.Database+"\nselect current_database();\n\\c nosuch_db\nselect 1 as still;\n", dsn, "-At")
	c0, _ := pgmoon.ParseConfig(dsn)
	want := "You are connected to database \"" + c0.Database + "\" as user \"" + c0.User + "\" on host \"" + c0.Host + "\" at port \""
	if !strings.HasPrefix(got.stdout, want) {
		t.Errorf("\\conninfo: %q, want prefix %q", got.stdout, want)
	}
	if !strings.Contains(got.stdout, "You are now connected to database \""+cfg.Database+"\" as user \""+c0.User+"\".\n"+cfg.Database+"\n") {
		t.Errorf("\\c: %q", got.stdout)
	}
	// As psql: a script whose \c fails ends there, with status 2.
	if !strings.HasPrefix(got.stderr, "\\connect: ") || !strings.Contains(got.stderr, "nosuch_db") || strings.Contains(got.stdout, "still") || got.code != ExitConnection {
		t.Errorf("failed \\c: status %d, stderr %q, stdout %q", got.code, got.stderr, got.stdout)
	}
}

// TestEphemeral starts a throwaway server with --ephemeral, queries it and
// removes it.
func TestEphemeral(t *testing.T) {
	got := runCLI(t, "", "--ephemeral", "-At", "-c", "select current_setting('listen_addresses'), 1 + 1")
	if got.code != 0 || !strings.HasSuffix(got.stdout, "|2\n") {
		t.Fatalf("--ephemeral: %+v", got)
	}
}

// TestCopyProgress checks that \copy draws a progress bar when standard
// error is a terminal, and that the data arrives whole.
func TestCopyProgress(t *testing.T) {
	dsn := pgtest.Default(t).NewDatabase(t)
	data := writeFile(t, "big.txt", strings.Repeat("some text for the progress bar\n", 200000))
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, StderrTerminal: true, Interrupts: make(chan struct{})}
	code := Main(t.Context(), []string{dsn, "-c", "create table big(t text)", "-c", `\copy big from '` + data + `'`, "-c", "select count(*) from big"}, env)
	if code != 0 {
		t.Fatalf("exit status %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "COPY 200000\n") || !strings.Contains(out.String(), " 200000\n") {
		t.Errorf("stdout %q", out.String())
	}
	if want := `\copy from [##############################] 100% 5.9 MiB/5.9 MiB` + "\n"; !strings.HasSuffix(errb.String(), want) {
		t.Errorf("stderr does not end with the finished bar %q:\n%q", want, errb.String())
	}
}

// TestCopyNoticesInScript copies data inline in a -f script into a table
// whose trigger raises a notice per row: every notice is printed with the
// script's prefix while the data lines are still being read.
func TestCopyNoticesInScript(t *testing.T) {
	dsn := pgtest.Default(t).NewDatabase(t)
	var script strings.Builder
	script.WriteString(`create table n(a int);
create function tell() returns trigger language plpgsql as $$ begin raise notice 'row %', new.a; return new; end $$;
create trigger tell before insert on n for each row execute function tell();
copy n from stdin;
`)
	for i := range 2000 {
		script.WriteString(strconv.Itoa(i) + "\n")
	}
	script.WriteString("\\.\nselect count(*) from n;\n")
	f := writeFile(t, "notices.sql", script.String())
	got := runCLI(t, "", dsn, "-q", "-At", "-f", f)
	if got.code != 0 || got.stdout != "2000\n" {
		t.Fatalf("got %+v", got)
	}
	lines := strings.Split(strings.TrimSuffix(got.stderr, "\n"), "\n")
	if len(lines) != 2000 {
		t.Fatalf("%d notice lines, want 2000", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, progName+":"+f+":") || !strings.Contains(l, ": NOTICE:  row ") {
			t.Fatalf("notice line %q", l)
		}
	}
}
