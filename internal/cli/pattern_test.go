package cli

import (
	"reflect"
	"strings"
	"testing"
)

func TestParsePattern(t *testing.T) {
	tests := []struct {
		pat     string
		max     int
		db      string
		schema  string // "-" for none
		name    string
		errText string
	}{
		{pat: "t", max: 3, schema: "-", name: "t"},
		{pat: "Foo", max: 3, schema: "-", name: "foo"},
		{pat: `"Foo"`, max: 3, schema: "-", name: "Foo"},
		{pat: "a*b?", max: 3, schema: "-", name: "a.*b."},
		{pat: "s.t", max: 3, schema: "s", name: "t"},
		{pat: "*.t", max: 3, schema: ".*", name: "t"},
		{pat: "s.", max: 3, schema: "s", name: ""},
		{pat: `"a.b"`, max: 3, schema: "-", name: `a\.b`},
		{pat: `"a?*|"`, max: 3, schema: "-", name: `a\?\*\|`},
		{pat: `"a""b"`, max: 3, schema: "-", name: `a"b`},
		{pat: "(t|ab)", max: 3, schema: "-", name: "(t|ab)"},
		{pat: "ab$", max: 3, schema: "-", name: `ab\$`},
		{pat: "int[]", max: 3, schema: "-", name: `int\[]`},
		{pat: "[ab]", max: 3, schema: "-", name: "[ab]"},
		{pat: "Db.S.T", max: 3, db: "db", schema: "s", name: "t"},
		{pat: `"My Db".s.t`, max: 3, db: "My Db", schema: "s", name: "t"},
		{pat: "a.b", max: 2, errText: "cross-database references are not implemented: a.b"},
		{pat: "a.b.c.d", max: 3, errText: "improper qualified name (too many dotted names): a.b.c.d"},
		{pat: "a.b", max: 1, errText: "improper qualified name (too many dotted names): a.b"},
		{pat: "é", max: 1, schema: "-", name: "é"},
	}
	for _, tt := range tests {
		t.Run(tt.pat, func(t *testing.T) {
			p, err := parsePattern(tt.pat, tt.max)
			if tt.errText != "" {
				if err == nil || err.Error() != tt.errText {
					t.Fatalf("err = %v, want %q", err, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			schema := "-"
			if p.hasSch {
				schema = p.schema
			}
			if p.db != tt.db || schema != tt.schema || p.name != tt.name {
				t.Errorf("got db=%q schema=%q name=%q, want db=%q schema=%q name=%q", p.db, schema, p.name, tt.db, tt.schema, tt.name)
			}
		})
	}
}

func TestPatternConditions(t *testing.T) {
	tests := []struct {
		pat  string
		want []string
	}{
		{"t", []string{"c.relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default", "vis(c)"}},
		{"*", []string{"vis(c)"}},
		{"*.*", nil},
		{"s.*", []string{"n.nspname OPERATOR(pg_catalog.~) '^(s)$' COLLATE pg_catalog.default"}},
		{`"a.b"`, []string{`c.relname OPERATOR(pg_catalog.~) E'^(a\\.b)$' COLLATE pg_catalog.default`, "vis(c)"}},
		{"it's", []string{"c.relname OPERATOR(pg_catalog.~) '^(it''s)$' COLLATE pg_catalog.default", "vis(c)"}},
	}
	for _, tt := range tests {
		p, err := parsePattern(tt.pat, 3)
		if err != nil {
			t.Fatal(err)
		}
		got := p.conditions("n.nspname", "c.relname", "", "vis(c)")
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.pat, got, tt.want)
		}
	}
	p, _ := parsePattern("int", 3)
	got := p.conditions("n.nspname", "f(t)", "t.typname", "")
	want := []string{"(f(t) OPERATOR(pg_catalog.~) '^(int)$' COLLATE pg_catalog.default OR t.typname OPERATOR(pg_catalog.~) '^(int)$' COLLATE pg_catalog.default)"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("alt: got %q, want %q", got, want)
	}
}

// FuzzParsePattern checks that any pattern either parses or gets one of
// psql's two messages, and that every condition quotes its regular
// expression as one SQL literal.
func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{"t", `"Foo"`, "s.t", "a.b.c", "a.b.c.d", `"a""b".*`, "int[]", `x\y'z`, "é?", `"unterminated`} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, pat string, maxParts int) {
		maxParts = 1 + (maxParts%3+3)%3
		p, err := parsePattern(pat, maxParts)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "improper qualified name") && !strings.HasPrefix(err.Error(), "cross-database references") {
				t.Fatalf("unexpected error %q", err)
			}
			return
		}
		for _, c := range p.conditions("n.nspname", "c.relname", "", "vis") {
			if c == "vis" {
				continue
			}
			at := strings.Index(c, "OPERATOR(pg_catalog.~) ")
			lit := strings.TrimSuffix(c[at+len("OPERATOR(pg_catalog.~) "):], " COLLATE pg_catalog.default")
			lit = strings.TrimPrefix(lit, "E")
			if len(lit) < 2 || lit[0] != '\'' || lit[len(lit)-1] != '\'' ||
				strings.Contains(strings.ReplaceAll(lit[1:len(lit)-1], "''", ""), "'") {
				t.Fatalf("condition %q: bad literal %q", c, lit)
			}
		}
	})
}
