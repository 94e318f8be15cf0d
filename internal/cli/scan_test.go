package cli

import (
	"context"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// session is the little of psql's main loop the tests need on top of a
// Scanner: \g sends the buffer, \r empties it, \set and \unset change
// variables, \echo prints; every other meta-command is ignored. Sent
// statements and \echo lines go to out as psql -e would print them.
type scanHarness struct {
	sc   Scanner
	vars map[string]string
	out  strings.Builder
	log  []Event
}

func newScanHarness() *scanHarness {
	s := &scanHarness{vars: map[string]string{}}
	s.sc.Var = func(name string) (string, bool) {
		v, ok := s.vars[name]
		return v, ok
	}
	return s
}

func (s *scanHarness) send(q string) { s.out.WriteString(q + "\n") }

func (s *scanHarness) line(l string) {
	evs := s.sc.Feed(l)
	for {
		for _, e := range evs {
			s.log = append(s.log, e)
			s.handle(e)
		}
		if !s.sc.Pending() {
			return
		}
		evs = s.sc.Next()
	}
}

func (s *scanHarness) handle(e Event) {
	if e.Kind == EventSQL {
		s.send(e.SQL)
		return
	}
	args := MetaArgs(e.Args, s.sc.Var)
	switch e.Cmd {
	case "g":
		if b := s.sc.Buffer(); b != "" {
			s.send(b)
		}
		s.sc.Reset()
	case "r":
		s.sc.Reset()
	case "set":
		if len(args) > 0 {
			s.vars[args[0]] = strings.Join(args[1:], "")
		}
	case "unset":
		if len(args) > 0 {
			delete(s.vars, args[0])
		}
	case "echo":
		s.out.WriteString(strings.Join(args, " ") + "\n")
	case "foo":
		s.sc.Discard() // an invalid command
	}
}

// run feeds script line by line and sends what is left at the end, as psql -f does.
func (s *scanHarness) run(script string) string {
	for _, l := range strings.Split(strings.TrimSuffix(script, "\n"), "\n") {
		s.line(l)
	}
	if b := s.sc.Buffer(); b != "" {
		s.send(b)
	}
	return s.out.String()
}

// scripts are compared with what psql -e sends and echoes for them.
var scripts = []struct{ name, script string }{
	{"several per line", "select 1; select 2;\nselect\n3;"},
	{"quoted semicolons", "select 'a;b'; select 'it''s;';"},
	{"E string escaped quote", "select E'a\\';b'; select 1;"},
	{"E string escaped backslash", "select E'\\\\'; select 2;"},
	{"standard string backslash", "select '\\'; select 3;"},
	{"dollar quotes", "select $$a;b$$; select $tag$ $$ ; $tag$;"},
	{"dollar nested tags", "select $a$ x $b$ y; $b$ z $a$;"},
	{"dollar in identifier", "select 1 as a$b$; select 2 as $c;"},
	{"parameter is not a quote", "select $1; select 2 $$"},
	{"nested comments", "select /* a /* nested; */ still; */ 1;"},
	{"comment across lines", "/* start\ncomment; */ select 1;\n/* open\n\nstill; */ select 2;"},
	{"parens", "select (1;\n2);\nselect 3;"},
	{"unbalanced close paren", "select 1); select 2;"},
	{"line comments", "-- leading; comment\nselect 1; -- trailing\nselect 2 -- mid; \n;"},
	{"blank lines", "   \n\n  select 1\n\n  ;\n\n"},
	{"quote across lines", "select 'multi\nline;\n\nstring';"},
	{"quoted identifiers", "select \"a;b\" from (select 1 as \"a;b\") t;"},
	{"unicode escapes", "select U&'d\\0061t;a', U&\"x;\" from (select 1 as \"x;\") s;"},
	{"bit and hex and national", "select B'101', X'1f'; select N'x;y';"},
	{"string prefixes after identifiers", "select 1 as e'x;'; select 1 as b'y;'\n;"},
	{"numbers", "select 1e5; select 1.5e-3; select .5; select 1..2; select 1x;"},
	{"backslash semicolon", "select 1 \\; select 2;"},
	{"backslash colon", "\\set x 5\nselect 1 as \\:x;"},
	{"cast is not a variable", "\\set int 5\nselect 1::int, 2:::int;"},
	{"variables", "\\set x 42\nselect :x; select :'x'; select :\"x\"; select :{?x}, :{?nope}; select :nope;"},
	{"variable with quote and backslash", "\\set v 'a''b\\\\c'\nselect :'v', :\"v\";\n\\set w 'q\"r'\nselect :\"w\";"},
	{"variable holding statements", "\\set q 'select 10; select 11'\n:q;"},
	{"variable holding an open quote", "\\set q 'select '''\n:q;';"},
	{"recursive variable", "\\set r ':r x'\nselect :r;"},
	{"variables not in quotes", "\\set x 1\nselect ':x', $$:x$$ /* :x */ -- :x\n, :x;"},
	{"variable in brackets", "\\set n 2\nselect (array[1,2,3])[1:n];"},
	{"g and r", "select 1 \\g\nselect 2 \\r\nselect 3;"},
	{"g then more SQL", "select 1 \\g \\\\ select 2;"},
	{"meta mid line keeps buffer", "select 'x' \\echo hi\n;"},
	{"meta-only line drops newline", "select 1\n\\echo hi\n, 2;"},
	{"indented meta keeps newline", "select 1\n  \\echo hi\n, 2;"},
	{"meta after statement", "select 1; \\echo x"},
	{"separator", "\\echo one \\\\ \\echo two\n\\echo three\\echo four"},
	{"separator then SQL", "\\set a 1 \\\\ select :a;"},
	{"echo args", "\\set x 7\n\\echo a 'b c' \"d e\" :x :'x' :\"x\" ':x' x'y'z\n\\echo 'a\\tb' 'it''s' '\\101' '\\x41' '\\q'\n\\echo :x:x :nope :{?x}"},
	{"echo quoted backslash", "\\echo 'a\\\\b' \\\\ select 1;"},
	{"set concatenates", "\\set a 1\n\\set b :a :a x\n\\echo :b"},
	{"begin atomic", "create function f() returns int language sql\nbegin atomic\n select 1;\n select 2;\nend;\nselect 3;"},
	{"begin atomic with case", "create or replace procedure p() language sql begin atomic select case when true then 1 end; select 2; end; select 4;"},
	{"begin outside create function", "begin; select 1; end;"},
	{"begin in parens", "create function g(x int default (select 1)) returns int language sql return 1; select 5;"},
	// true prints nothing, so psql running the command changes no output;
	// a scanner that split at \\ would send "there" with the select.
	{"whole line commands", "\\! true \\\\ there\nselect 1;"},
	{"empty statement", ";;select 1;"},
	{"help is not a meta here", "select 'help';"},
	{"double backslash alone", "\\\\ select 1;\n\\\\\\\\ select 2;"},
	{"backslash at end of line", "select 1 \\\n, 2;"},
	{"unknown command then separator", "\\foo bar \\\\ select 1;"},
	{"meta swallows the rest", "\\x select 1;\nselect 2;"},
	{"comment then meta line", "select 1 --x\n\\echo hi\n;"},
	{"empty line in parens", "select (\n\n1);"},
	{"empty line in dollar quote", "select $$\n\n$$;"},
	{"variable with backslash", "\\set m 'x \\\\echo no'\nselect :m;"},
	{"variable with comment", "\\set c 'select 1 -- c'\n:c\n;"},
	{"empty variable", "\\set e\nselect :e 1;"},
	{"variable with newline", "\\set n 'a\\nb'\nselect :'n', :\"n\";"},
	{"variable name with digits", "\\set a1 5\nselect :a1 + :a1x;"},
	{"parameter junk", "select $1abc; select 2;"},
	{"quote after number", "select 1'a;'; select 2;"},
	{"dollar after number", "select 1$a$;$a$; select 2;"},
	{"semicolon after tab", "select 1\t;\tselect 2\t;"},
	{"operator before comment", "select 1 +--c;\n2; select 3 */* c; */ 4;"},
	{"no quote continuation across lines", "select E'a'\n'\\';' ;\n';"},
	{"backslash in comments and quotes", "select 1 -- \\echo no\n, /* \\echo no */ '\\echo', $$\\echo$$, \"\\echo\";"},
	{"meta inside parens", "select (1\n\\echo mid\n);"},
	{"g inside parens", "select (1 \\g\nselect 2;"},
	{"carriage return", "select 1;\r\nselect 2\r;"},
}

// TestScannerPsql runs each script through psql -e and through a Scanner
// with the session above, and compares the statements sent.
func TestScannerPsql(t *testing.T) {
	dsn := pgtestDSN(t)
	for _, tc := range scripts {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want, _ := psqlDSN(t, dsn, tc.script+"\n", "-q", "-e", "-o", "/dev/null", "-f", "-")
			got := newScanHarness().run(tc.script)
			if got != want {
				t.Errorf("script:\n%s\ngot:\n%s\nwant (psql -e):\n%s", tc.script, got, want)
			}
		})
	}
}

func TestFeedEvents(t *testing.T) {
	sql := func(s string) Event { return Event{Kind: EventSQL, SQL: s} }
	meta := func(cmd, args string) Event { return Event{Kind: EventMeta, Cmd: cmd, Args: args} }
	tests := []struct {
		name   string
		lines  []string
		events []Event
		buffer string
		states string // State() after each line
	}{
		{"split", []string{"select 1; select 2", ";"}, []Event{sql("select 1;"), sql("select 2\n;")}, "", "-="},
		{"rest stays", []string{"select 1; select"}, []Event{sql("select 1;")}, "select", "-"},
		{"quote", []string{"select 'a", "b';"}, []Event{sql("select 'a\nb';")}, "", "'="},
		{"ident", []string{`select "a`, `b" from t`}, nil, "select \"a\nb\" from t", `"-`},
		{"dollar", []string{"select $f$", "x;", "$f$;"}, []Event{sql("select $f$\nx;\n$f$;")}, "", "$$="},
		{"comment", []string{"select /* /*", "*/", "*/ 1;"}, []Event{sql("select /* /*\n*/\n*/ 1;")}, "", "**="},
		{"parens", []string{"select (", "1;", ");"}, []Event{sql("select (\n1;\n);")}, "", "((="},
		{"begin atomic", []string{"create procedure p() begin atomic", "select 1;", "end;"},
			[]Event{sql("create procedure p() begin atomic\nselect 1;\nend;")}, "", "--="},
		{"E string", []string{"select E'\\'", "';"}, []Event{sql("select E'\\'\n';")}, "", "'="},
		{"E backslash at end of line", []string{"select E'x\\", "';"}, []Event{sql("select E'x\\\n';")}, "", "'="},
		{"meta", []string{`\dt+ foo*`}, []Event{meta("dt+", "foo*")}, "", "="},
		{"meta question", []string{`\?`}, []Event{meta("?", "")}, "", "="},
		{"meta after SQL", []string{`select 1; select 2 \g out.txt`}, []Event{sql("select 1;"), meta("g", "out.txt")}, "select 2 ", "-"},
		{"meta pipe", []string{`\g |cat \\ x`}, []Event{meta("g", `|cat \\ x`)}, "", "="},
		{"meta args stop at backslash", []string{`\pset border 2\x \\ select 1;`},
			[]Event{meta("pset", "border 2"), meta("x", ""), sql("select 1;")}, "", "="},
		{"meta quoted backslash", []string{`\echo 'a\\b' "c\d" \\`}, []Event{meta("echo", `'a\\b' "c\d"`)}, "", "="},
		{"COPY is whole line", []string{`\COPY t to stdout \x`}, []Event{meta("COPY", `t to stdout \x`)}, "", "="},
		{"copy is whole line", []string{`\copy t from 'f' \\ x`}, []Event{meta("copy", `t from 'f' \\ x`)}, "", "="},
		{"shell is whole line", []string{`\! ls \x`}, []Event{meta("!", `ls \x`)}, "", "="},
		{"sf+ is whole line", []string{`\sf+ f(int) \x`}, []Event{meta("sf+", `f(int) \x`)}, "", "="},
		{"help is whole line", []string{`\h select \x`}, []Event{meta("h", `select \x`)}, "", "="},
		{"empty command name", []string{`\`}, []Event{meta("", "")}, "", "="},
		{"meta only line", []string{"select 1", `\x`, "from t;"}, []Event{meta("x", ""), sql("select 1\nfrom t;")}, "", "--="},
		{"comment only line", []string{"-- hi"}, nil, "", "="},
		{"whitespace dropped", []string{"  ", "\t select 1;  "}, []Event{sql("select 1;")}, "", "=="},
		{"empty line in quote", []string{"select '", "", "';"}, []Event{sql("select '\n\n';")}, "", "''="},
		{"empty line outside", []string{"select 1", "", ";"}, []Event{sql("select 1\n;")}, "", "--="},
		{"backslash semicolon", []string{`select 1\; select 2;`}, []Event{sql("select 1; select 2;")}, "", "="},
		{"U& ident", []string{`select U&"a`}, nil, `select U&"a`, `"`},
		{"X string", []string{`select x'1`}, nil, `select x'1`, `'`},
		{"N string", []string{`select n'a;`}, nil, `select n'a;`, `'`},
		{"identifier ending in E", []string{`select fooe'a;'`}, nil, `select fooe'a;'`, `-`},
		{"unterminated dollar tag", []string{`select $a b;`}, []Event{sql("select $a b;")}, "", "="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s Scanner
			var evs []Event
			var states []byte
			for _, l := range tc.lines {
				evs = append(evs, s.Feed(l)...)
				for s.Pending() {
					evs = append(evs, s.Next()...)
				}
				states = append(states, s.State())
			}
			if !reflect.DeepEqual(evs, tc.events) {
				t.Errorf("events:\n got %+v\nwant %+v", evs, tc.events)
			}
			if s.Buffer() != tc.buffer {
				t.Errorf("buffer %q, want %q", s.Buffer(), tc.buffer)
			}
			if string(states) != tc.states {
				t.Errorf("states %q, want %q", states, tc.states)
			}
		})
	}
}

// TestFeedStopsAtMeta checks that the rest of a line waits for Next, so the
// session can empty the buffer (\g) before the next statement is lexed.
func TestFeedStopsAtMeta(t *testing.T) {
	var s Scanner
	evs := s.Feed(`select 1 \g \\ select 2; select 3`)
	if want := []Event{{Kind: EventMeta, Cmd: "g"}}; !reflect.DeepEqual(evs, want) {
		t.Fatalf("Feed = %+v, want %+v", evs, want)
	}
	if !s.Pending() || s.Buffer() != "select 1 " {
		t.Fatalf("Pending %v, Buffer %q", s.Pending(), s.Buffer())
	}
	s.Reset()
	evs = s.Next()
	if want := []Event{{Kind: EventSQL, SQL: "select 2;"}}; !reflect.DeepEqual(evs, want) {
		t.Fatalf("Next = %+v, want %+v", evs, want)
	}
	if s.Pending() || s.Buffer() != "select 3" {
		t.Fatalf("Pending %v, Buffer %q", s.Pending(), s.Buffer())
	}
	// A Feed while text is pending lexes it first.
	s.Reset()
	evs = s.Feed(`\x \\ select 4;`)
	evs = append(evs, s.Feed("select 5;")...)
	want := []Event{{Kind: EventMeta, Cmd: "x"}, {Kind: EventSQL, SQL: "select 4;"}, {Kind: EventSQL, SQL: "select 5;"}}
	if !reflect.DeepEqual(evs, want) {
		t.Fatalf("events %+v, want %+v", evs, want)
	}
}

func TestSetBuffer(t *testing.T) {
	var s Scanner
	s.Feed("select 'a")
	if evs := s.SetBuffer("select (1,\n2"); evs != nil || s.State() != '(' || s.Buffer() != "select (1,\n2" {
		t.Errorf("SetBuffer: %+v, state %c, buffer %q", evs, s.State(), s.Buffer())
	}
	evs := s.SetBuffer("select 1; select -- c\n 2 \\x\n")
	want := []Event{{Kind: EventSQL, SQL: "select 1;"}, {Kind: EventMeta, Cmd: "x"}}
	if !reflect.DeepEqual(evs, want) || s.Buffer() != "select -- c\n 2 " || s.Pending() {
		t.Errorf("SetBuffer: %+v, buffer %q, pending %v", evs, s.Buffer(), s.Pending())
	}
}

func TestVariables(t *testing.T) {
	vars := map[string]string{"x": "42", "q": "it's", "b": `a\b`, "i": `we"ird`, "stmt": "select 1; select", "self": ":self"}
	s := Scanner{Var: func(n string) (string, bool) { v, ok := vars[n]; return v, ok }}
	evs := s.Feed(`select :x, :'q', :'b', :"i", :{?x}, :{?no}, :no, ':x', "x:x", 1::x, :self; :stmt 2;`)
	want := []Event{
		{Kind: EventSQL, SQL: `select 42, 'it''s',  E'a\\b', "we""ird", TRUE, FALSE, :no, ':x', "x:x", 1::x, :self;`},
		{Kind: EventSQL, SQL: "select 1;"},
		{Kind: EventSQL, SQL: "select 2;"},
	}
	if !reflect.DeepEqual(evs, want) {
		t.Errorf("got  %+v\nwant %+v", evs, want)
	}
}

func TestMetaArgs(t *testing.T) {
	vars := map[string]string{"x": "42", "q": "it's", "sp": "a b"}
	get := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	tests := []struct {
		args string
		want []string
	}{
		{"", nil},
		{"  a   b\tc ", []string{"a", "b", "c"}},
		{"'a b' 'it''s' ''", []string{"a b", "it's", ""}},
		{`'a\nb' '\t' '\101' '\x41g' '\q' '\\'`, []string{"a\nb", "\t", "A", "Ag", "q", `\`}},
		{`"Quoted Name" "a""b"`, []string{`"Quoted Name"`, `"a""b"`}},
		{`x'y z'w`, []string{"xy zw"}},
		{`:x :'q' :"q" :nope :{?x} :{?nope} a:x: :sp`, []string{"42", "'it''s'", `"it's"`, ":nope", "TRUE", "FALSE", "a42:", "a b"}},
		{"a `echo hi` b", []string{"a", "`echo hi`", "b"}},
		{`a \\ b`, []string{"a"}},
		{`a\b c`, []string{"a"}},
		{`'a\'b' c`, []string{"a'b", "c"}},
		{`'unterminated`, []string{"unterminated"}},
		{`"unterminated`, []string{`"unterminated`}},
		{`'\0'x`, []string{"\x00x"}},
	}
	for _, tc := range tests {
		if got := MetaArgs(tc.args, get); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("MetaArgs(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

var promptRE = regexp.MustCompile(`<P[12](.)>`)

// TestStatePsql runs each script through an interactive psql on a
// pseudo-terminal (script(1)) with PROMPT1 and PROMPT2 showing %R, and
// compares the prompt before each line with State after the line before.
func TestStatePsql(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Fatalf("this test runs psql on a terminal with script(1): %v (apt-get install -y bsdutils)", err)
	}
	dsn := pgtestDSN(t)
	extra := []struct{ name, script string }{
		{"states", "select (\n'a\nb'\n)\n/* x\n*/ $$\n$$;\nselect \"x\n\" from t\n;"},
		{"begin atomic prompt", "create procedure p() language sql\nbegin atomic\nselect 1;\nend;"},
		{"nested parens", "select ((\n1)\n, 2)\n;"},
		{"E string over lines", "select E'\\'\n'\n;"},
		{"E string backslash at end of line", "select E'x\\\n';\nselect 2;"},
		{"comment only", "-- c\n/* c\n*/\n;"},
	}
	for _, tc := range append(extra, scripts...) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lines := strings.Split(tc.script, "\n")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			// stty -icrnl: the terminal passes \r through, as a file would.
			cmd := exec.CommandContext(ctx, "script", "-qec",
				"stty -icrnl; "+psqlPath+" -X -n -P pager=off -v PROMPT1='<P1%R>' -v PROMPT2='<P2%R>' -d '"+dsn+"'", "/dev/null")
			// No pager (less would read the script as keystrokes) and a
			// scratch directory for anything psql writes.
			cmd.Env = []string{"LC_ALL=C.UTF-8", "TERM=dumb", "PATH=/usr/bin:/bin", "PGCLIENTENCODING=UTF8", "PAGER=cat"}
			cmd.Dir = t.TempDir()
			cmd.Stdin = strings.NewReader(tc.script + "\n\\q\n")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("psql: %v\n%s", err, out)
			}
			var want []byte
			for _, m := range promptRE.FindAllSubmatch(out, -1) {
				want = append(want, m[1][0])
			}
			s := newScanHarness()
			got := []byte{s.sc.State()}
			for _, l := range lines {
				s.line(l)
				got = append(got, s.sc.State())
			}
			// A script ending inside a quote has "\\q" read as text and one more prompt.
			if len(want) > len(got) {
				want = want[:len(got)]
			}
			if string(got) != string(want) {
				t.Errorf("script:\n%s\nstates %q, psql prompts %q", tc.script, got, want)
			}
		})
	}
}

// fuzzFeed feeds input line by line, draining Pending, and returns the
// events and the final buffer.
func fuzzFeed(t *testing.T, s *Scanner, input string) []Event {
	var evs []Event
	for _, l := range strings.Split(input, "\n") {
		evs = append(evs, s.Feed(l)...)
		for s.Pending() {
			evs = append(evs, s.Next()...)
		}
		if st := s.State(); !strings.ContainsRune("=-'\"$*(", rune(st)) {
			t.Fatalf("State() = %q", st)
		}
	}
	return evs
}

func dropSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && isSpace(byte(r)) {
			return -1
		}
		return r
	}, s)
}

// FuzzScanner checks that lexing never panics, that without backslash
// commands and line comments the statements and the buffer hold all the
// text but whitespace, and that each statement lexes again to itself.
func FuzzScanner(f *testing.F) {
	for _, sc := range scripts {
		f.Add(sc.script)
	}
	f.Add("select $a$ x $b$ y; $b$ z $a$;")
	f.Add("create function f() begin atomic select case when 1 then 2 end; end; x;")
	f.Fuzz(func(t *testing.T, input string) {
		vars := map[string]string{"x": "1; select 2", "q": "it's", "m": `\echo hi`, "r": ":r"}
		s := Scanner{Var: func(n string) (string, bool) { v, ok := vars[n]; return v, ok }}
		fuzzFeed(t, &s, input)
		for _, m := range []string{`\`, ":", "--"} {
			if strings.Contains(input, m) {
				return
			}
		}
		var plain Scanner
		evs := fuzzFeed(t, &plain, input)
		var all strings.Builder
		for _, e := range evs {
			if e.Kind != EventSQL {
				t.Fatalf("meta event %+v from %q", e, input)
			}
			all.WriteString(e.SQL)
			var again Scanner
			got := fuzzFeed(t, &again, e.SQL)
			if len(got) != 1 || got[0].SQL != e.SQL || again.Buffer() != "" {
				t.Fatalf("statement %q lexes again to %+v, buffer %q", e.SQL, got, again.Buffer())
			}
		}
		all.WriteString(plain.Buffer())
		if dropSpace(all.String()) != dropSpace(input) {
			t.Fatalf("input %q\nevents+buffer %q", input, all.String())
		}
	})
}

// FuzzMetaArgs checks that splitting never panics and that plain words
// split as strings.Fields does; and that Feed finds the same arguments
// after a command name.
func FuzzMetaArgs(f *testing.F) {
	for _, a := range []string{"", "a b", "'a b' 'it''s' ''", `'a\nb' '\101' '\x41g'`, `"Q N" x'y z'w`,
		`:x :'q' :"q" :{?x} a:x:`, "a `echo hi` b", `a \\ b`, `'a\'b' c`, `'\0'x`} {
		f.Add(a)
	}
	f.Fuzz(func(t *testing.T, args string) {
		vars := func(n string) (string, bool) { return "v'\"\\", n == "x" }
		got := MetaArgs(args, vars)
		if !strings.ContainsAny(args, "'\"`:\\") {
			want := strings.FieldsFunc(args, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) })
			if len(want) == 0 {
				want = nil
			}
			if strings.Join(got, "\x00") != strings.Join(want, "\x00") || len(got) != len(want) {
				t.Fatalf("MetaArgs(%q) = %q, want %q", args, got, want)
			}
		}
		if strings.ContainsAny(args, "\n") {
			return
		}
		var s Scanner
		evs := s.Feed(`\echo ` + args)
		if len(evs) != 1 || evs[0].Kind != EventMeta || evs[0].Cmd != "echo" {
			t.Fatalf("Feed(\\echo %q) = %+v", args, evs)
		}
		if !strings.HasPrefix(strings.TrimLeft(args, " \t\r\f"), evs[0].Args) {
			t.Fatalf("Args %q not a prefix of %q", evs[0].Args, args)
		}
		MetaArgs(evs[0].Args, vars)
	})
}
