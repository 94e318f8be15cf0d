package entry

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalizeArgs(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []string
		want []string
	}{
		{"none", nil, []string{"postgres"}},
		{"postgres", []string{"postgres"}, []string{"postgres"}},
		{"postgres with options", []string{"postgres", "-c", "fsync=off"}, []string{"postgres", "-c", "fsync=off"}},
		{"options only", []string{"-c", "max_connections=42"}, []string{"postgres", "-c", "max_connections=42"}},
		{"long option", []string{"--help"}, []string{"postgres", "--help"}},
		{"other command", []string{"psql", "-c", "select 1"}, []string{"psql", "-c", "select 1"}},
		{"empty first word is not an option", []string{"", "-c"}, []string{"", "-c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, NormalizeArgs(tc.in)); diff != "" {
				t.Errorf("NormalizeArgs(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestWantHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"-c", "max_connections=42"}, false},
		{[]string{"--help"}, true},
		{[]string{"-?"}, true},
		{[]string{"-c", "x=y", "-V"}, true},
		{[]string{"--version"}, true},
		{[]string{"--describe-config"}, true},
		{[]string{"-c", "application_name=--help-me"}, false},
	} {
		if got := WantHelp(tc.args); got != tc.want {
			t.Errorf("WantHelp(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

func TestSplitWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   \t\n ", nil},
		{"--data-checksums", []string{"--data-checksums"}},
		{"  --data-checksums   -E UTF8 ", []string{"--data-checksums", "-E", "UTF8"}},
		{"--locale='en US'", []string{"--locale=en US"}},
		{`--locale="en US"`, []string{"--locale=en US"}},
		{`'a'"b"c`, []string{"abc"}},
		{`'' ""`, []string{"", ""}},
		{`'it''s'`, []string{"its"}},
		{`'a\b'`, []string{`a\b`}},                // nothing is special in single quotes
		{`"a\"b\\c\$d\e"`, []string{`a"b\c$d\e`}}, // \e keeps the backslash
		{`a\ b`, []string{"a b"}},
		{`a\'b`, []string{"a'b"}},
		{"a\\\nb", []string{"ab"}},                    // line continuation
		{"\"a\\\nb\"", []string{"ab"}},                // inside double quotes too
		{`$HOME "$HOME"`, []string{"$HOME", "$HOME"}}, // no expansion
		{`"it's" 'say "hi"'`, []string{"it's", `say "hi"`}},
	} {
		got, err := SplitWords(tc.in)
		if err != nil {
			t.Errorf("SplitWords(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("SplitWords(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestSplitWordsErrors(t *testing.T) {
	for in, want := range map[string]string{
		`--locale='en US`:   "unterminated single quote",
		`--locale="en US`:   "unterminated double quote",
		`"a\"`:              "unterminated double quote",
		`--data-checksums\`: "backslash at the end",
	} {
		_, err := SplitWords(in)
		if err == nil || err.Error() != want {
			t.Errorf("SplitWords(%q) error = %v, want %q", in, err, want)
		}
	}
}

// env is a fake environment and file system for LoadEnv.
type env struct {
	vars  map[string]string
	files map[string]string
}

func (e env) lookup(name string) (string, bool) {
	v, ok := e.vars[name]
	return v, ok
}

func (e env) readFile(name string) ([]byte, error) {
	if s, ok := e.files[name]; ok {
		return []byte(s), nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func TestLoadEnv(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  env
		want *Env
	}{
		{
			name: "defaults",
			env:  env{vars: map[string]string{"POSTGRES_PASSWORD": "pw"}},
			want: &Env{Password: "pw", User: "postgres", DB: "postgres", PGData: DefaultPGData, Port: "5432"},
		},
		{
			name: "database defaults to the user",
			env:  env{vars: map[string]string{"POSTGRES_PASSWORD": "pw", "POSTGRES_USER": "alice"}},
			want: &Env{Password: "pw", User: "alice", DB: "alice", PGData: DefaultPGData, Port: "5432"},
		},
		{
			name: "empty values count as unset",
			env:  env{vars: map[string]string{"POSTGRES_USER": "", "POSTGRES_DB": "", "PGDATA": "", "PGPORT": ""}},
			want: &Env{User: "postgres", DB: "postgres", PGData: DefaultPGData, Port: "5432"},
		},
		{
			name: "everything",
			env: env{vars: map[string]string{
				"POSTGRES_PASSWORD":         "pw",
				"POSTGRES_USER":             "alice",
				"POSTGRES_DB":               "shop",
				"POSTGRES_INITDB_ARGS":      `--data-checksums --locale="C.UTF-8"`,
				"POSTGRES_INITDB_WALDIR":    "/wal",
				"POSTGRES_HOST_AUTH_METHOD": "md5",
				"PGDATA":                    "/data",
				"PGPORT":                    "5433",
			}},
			want: &Env{
				Password: "pw", User: "alice", DB: "shop",
				InitdbArgs: []string{"--data-checksums", "--locale=C.UTF-8"},
				WALDir:     "/wal", HostAuthMethod: "md5", PGData: "/data", Port: "5433",
			},
		},
		{
			name: "_FILE variants, trailing newlines dropped",
			env: env{
				vars: map[string]string{
					"POSTGRES_PASSWORD_FILE":    "/run/secrets/pw",
					"POSTGRES_USER_FILE":        "/run/secrets/user",
					"POSTGRES_DB_FILE":          "/run/secrets/db",
					"POSTGRES_INITDB_ARGS_FILE": "/run/secrets/args",
				},
				files: map[string]string{
					"/run/secrets/pw":   "s3cret \n\n",
					"/run/secrets/user": "bob\n",
					"/run/secrets/db":   "inventory",
					"/run/secrets/args": "-E UTF8\n",
				},
			},
			want: &Env{
				Password: "s3cret ", User: "bob", DB: "inventory", InitdbArgs: []string{"-E", "UTF8"},
				PGData: DefaultPGData, Port: "5432",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadEnv(tc.env.lookup, tc.env.readFile)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("LoadEnv (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadEnvErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  env
		want string // in the error
	}{
		{
			name: "variable and file",
			env: env{
				vars:  map[string]string{"POSTGRES_PASSWORD": "pw", "POSTGRES_PASSWORD_FILE": "/run/secrets/pw"},
				files: map[string]string{"/run/secrets/pw": "other"},
			},
			want: "both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are set (but are exclusive)",
		},
		{
			name: "missing file",
			env:  env{vars: map[string]string{"POSTGRES_USER_FILE": "/run/secrets/user"}},
			want: "POSTGRES_USER_FILE: read /run/secrets/user: file does not exist",
		},
		{
			name: "bad initdb arguments",
			env:  env{vars: map[string]string{"POSTGRES_INITDB_ARGS": "--locale='en"}},
			want: "POSTGRES_INITDB_ARGS: unterminated single quote",
		},
		{
			name: "bad port",
			env:  env{vars: map[string]string{"PGPORT": "54321x"}},
			want: `PGPORT: "54321x" is not a port number`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadEnv(tc.env.lookup, tc.env.readFile)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("LoadEnv error = %v, want %q", err, tc.want)
			}
		})
	}
}

// A file's content never appears in an error: it may be the password.
func TestFileEnvReadErrorHidesNothingSecret(t *testing.T) {
	e := env{vars: map[string]string{"POSTGRES_PASSWORD_FILE": "/run/secrets/pw"}}
	readFile := func(string) ([]byte, error) {
		return []byte("hunter2"), errors.New("short read after hunter2")
	}
	_, err := FileEnv(e.lookup, readFile, "POSTGRES_PASSWORD", "")
	if err == nil {
		t.Fatal("no error")
	}
	// The reader's own message is passed on; the point is that FileEnv
	// adds nothing from the file.
	if !strings.HasPrefix(err.Error(), "POSTGRES_PASSWORD_FILE: read /run/secrets/pw: ") {
		t.Errorf("error = %q", err)
	}
}

func TestAuthMethod(t *testing.T) {
	for _, tc := range []struct {
		major  int
		env    string
		method string
	}{
		{9, "", "md5"},
		{13, "", "md5"},
		{14, "", "scram-sha-256"},
		{17, "", "scram-sha-256"},
		{17, "md5", "md5"},
		{13, "scram-sha-256", "scram-sha-256"},
		{15, "trust", "trust"},
	} {
		e := &Env{HostAuthMethod: tc.env}
		if got := e.AuthMethod(tc.major); got != tc.method {
			t.Errorf("major %d, POSTGRES_HOST_AUTH_METHOD=%q: method %q, want %q", tc.major, tc.env, got, tc.method)
		}
	}
}

func TestHBALines(t *testing.T) {
	if got, want := HBALines("scram-sha-256"), "\nhost all all all scram-sha-256\n"; got != want {
		t.Errorf("HBALines(scram-sha-256) = %q, want %q", got, want)
	}
	got := HBALines("trust")
	if !strings.HasSuffix(got, "\nhost all all all trust\n") || !strings.Contains(got, "# warning trust is enabled") {
		t.Errorf("HBALines(trust) = %q", got)
	}
}

func TestParseMajor(t *testing.T) {
	for in, want := range map[string]int{
		"15":      15,
		"9.6":     9,
		"16.2":    16,
		"17beta1": 17,
		"postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n": 15,
		"postgres (PostgreSQL) 9.6.24":                           9,
	} {
		got, err := ParseMajor(in)
		if err != nil || got != want {
			t.Errorf("ParseMajor(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "postgres (PostgreSQL)"} {
		if _, err := ParseMajor(in); err == nil {
			t.Errorf("ParseMajor(%q): no error", in)
		}
	}
}

func TestQuote(t *testing.T) {
	if got, want := QuoteIdent(`my "db"`), `"my ""db"""`; got != want {
		t.Errorf("QuoteIdent = %s, want %s", got, want)
	}
	if got, want := QuoteLiteral(`it's`), `'it''s'`; got != want {
		t.Errorf("QuoteLiteral = %s, want %s", got, want)
	}
}

func TestSplitStatements(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"blanks and comments only", "  -- nothing\n/* at all */ ;\n;", nil},
		{"one without semicolon", "select 1", []string{"select 1"}},
		{"two", "create database a; create table t (x int);\n", []string{"create database a", "create table t (x int)"}},
		{"semicolon in string", "insert into t values ('a;b'); select 2", []string{"insert into t values ('a;b')", "select 2"}},
		{"doubled quote", "select 'it''s;'; select 3", []string{"select 'it''s;'", "select 3"}},
		{"E-string escape", `select E'a\';b'; select 4`, []string{`select E'a\';b'`, "select 4"}},
		{"backslash in plain string", `select 'a\'; select 5`, []string{`select 'a\'`, "select 5"}},
		{"quoted identifier", `create table "a;b" (x int); select 6`, []string{`create table "a;b" (x int)`, "select 6"}},
		{"line comment", "select 7 -- not; here\n; select 8", []string{"select 7 -- not; here", "select 8"}},
		{"nested block comment", "select /* a /* b; */ c; */ 9; select 10", []string{"select /* a /* b; */ c; */ 9", "select 10"}},
		{
			"dollar quotes",
			"create function f() returns int as $$ select 1; $$ language sql; do $body$ begin perform 1; end $body$;",
			[]string{"create function f() returns int as $$ select 1; $$ language sql", "do $body$ begin perform 1; end $body$"},
		},
		{"dollar parameter is no quote", "prepare p as select $1; select 11", []string{"prepare p as select $1", "select 11"}},
		{"dollar inside identifier", "select a$b$ from t; select 12", []string{"select a$b$ from t", "select 12"}},
		{"parentheses", "create rule r as on insert to t do (insert into u values (1); insert into u values (2)); select 13",
			[]string{"create rule r as on insert to t do (insert into u values (1); insert into u values (2))", "select 13"}},
		{"unterminated string runs to the end", "select 'abc; select 14", []string{"select 'abc; select 14"}},
		{"comment before statement", "-- header\nselect 15;", []string{"-- header\nselect 15"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, SplitStatements(tc.in)); diff != "" {
				t.Errorf("SplitStatements(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func FuzzSplitStatements(f *testing.F) {
	for _, s := range []string{"select 1; select 2", "select 'a;b'", "$$;$$", "/* /* */", "E'\\'", `"a""b";`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, stmt := range SplitStatements(s) {
			if stmt == "" || stmt != strings.Trim(stmt, sqlSpace) {
				t.Errorf("statement %q of %q", stmt, s)
			}
			if !strings.Contains(s, stmt) {
				t.Errorf("statement %q is not part of %q", stmt, s)
			}
		}
	})
}

func TestScriptEnv(t *testing.T) {
	base := []string{
		"PATH=/bin", "POSTGRES_PASSWORD_FILE=/run/secrets/pw", "POSTGRES_USER=ignored",
		"PGDATA=/old", "HOME=/var/lib/postgresql",
	}
	e := &Env{Password: "pw", User: "alice", DB: "shop", PGData: "/data"}
	want := []string{
		"PATH=/bin", "HOME=/var/lib/postgresql",
		"POSTGRES_USER=alice", "POSTGRES_DB=shop", "POSTGRES_PASSWORD=pw", "PGDATA=/data", "PGPASSWORD=pw",
	}
	if diff := cmp.Diff(want, scriptEnv(base, e)); diff != "" {
		t.Errorf("scriptEnv (-want +got):\n%s", diff)
	}
	// A PGPASSWORD of the container's wins, as in the official image.
	got := scriptEnv(append(base, "PGPASSWORD=mine"), e)
	if n := strings.Count(strings.Join(got, "\n"), "PGPASSWORD="); n != 1 || !strings.Contains(strings.Join(got, "\n"), "PGPASSWORD=mine") {
		t.Errorf("scriptEnv with PGPASSWORD set: %q", got)
	}
}

// FuzzSplitWords checks that SplitWords never panics and that the words it
// returns, quoted again for the shell, split back into the same words.
func FuzzSplitWords(f *testing.F) {
	for _, s := range []string{`--data-checksums --locale=C`, `'a b' "c\"d" e\ f`, `""`, `"unterminated`, `a\`, "x\\\ny"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := SplitWords(s)
		if err != nil {
			return
		}
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
		again, err := SplitWords(strings.Join(quoted, " "))
		if err != nil {
			t.Fatalf("SplitWords(%q) = %q, but the quoted words do not split: %v", s, words, err)
		}
		if !slices.Equal(words, again) && !(len(words) == 0 && len(again) == 0) {
			t.Errorf("SplitWords(%q) = %q; quoted and split again: %q", s, words, again)
		}
	})
}
