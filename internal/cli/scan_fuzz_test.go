package cli

import (
	"strings"
	"testing"
)

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
