package pgmoon_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// quoteErrCases are strings both quoting functions refuse, with the byte
// offset the error must name.
var quoteErrCases = []struct {
	in     string
	offset string
	reason string
}{
	{"\x00", "byte offset 0", "NUL"},
	{"ab\x00c", "byte offset 2", "NUL"},
	{"\xc0'", "byte offset 0", "invalid UTF-8"},       // overlong lead byte, then a quote
	{"a\xe3\x80'", "byte offset 1", "invalid UTF-8"},  // truncated 3-byte sequence swallowing a quote
	{"a\xe3\x80\\", "byte offset 1", "invalid UTF-8"}, // ... or a backslash
	{"\xff", "byte offset 0", "invalid UTF-8"},
	{"ok\x80", "byte offset 2", "invalid UTF-8"},       // stray continuation byte
	{"\xed\xa0\x80", "byte offset 0", "invalid UTF-8"}, // UTF-16 surrogate half
	{"\xf4\x90\x80\x80", "byte offset 0", "invalid UTF-8"},
	{"é\xc3", "byte offset 2", "invalid UTF-8"},
}

func TestQuoteLiteral(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "''"},
		{"abc", "'abc'"},
		{"it's", "'it''s'"},
		{"'", "''''"},
		{"''", "''''''"},
		{`\`, ` E'\\'`},
		{`a\b`, ` E'a\\b'`},
		{`\'`, ` E'\\'''`},
		{`'\`, ` E'''\\'`},
		{`\\'; select 1; --`, ` E'\\\\''; select 1; --'`},
		{"ünïcödé 😀", "'ünïcödé 😀'"},
		{"line\nbreak\r\ttab", "'line\nbreak\r\ttab'"},
		{`"quoted"`, `'"quoted"'`},
		{"$$ $1 -- /* */", "'$$ $1 -- /* */'"},
		{"\ufffd", "'\ufffd'"}, // U+FFFD itself is valid
	} {
		got, err := pgmoon.QuoteLiteral(c.in)
		if err != nil || got != c.want {
			t.Errorf("QuoteLiteral(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, c := range quoteErrCases {
		got, err := pgmoon.QuoteLiteral(c.in)
		if err == nil || !strings.Contains(err.Error(), c.offset) || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("QuoteLiteral(%q) = %q, %v; want an error about %s at %s", c.in, got, err, c.reason, c.offset)
		}
	}
}

func TestQuoteIdentifier(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a", `"a"`},
		{"Mixed Case", `"Mixed Case"`},
		{`x"y`, `"x""y"`},
		{`"`, `""""`},
		{`\`, `"\"`},
		{"it's", `"it's"`},
		{"ünï", `"ünï"`},
		{"a.b", `"a.b"`},
	} {
		got, err := pgmoon.QuoteIdentifier(c.in)
		if err != nil || got != c.want {
			t.Errorf("QuoteIdentifier(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, c := range quoteErrCases {
		got, err := pgmoon.QuoteIdentifier(c.in)
		if err == nil || !strings.Contains(err.Error(), c.offset) || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("QuoteIdentifier(%q) = %q, %v; want an error about %s at %s", c.in, got, err, c.reason, c.offset)
		}
	}
	if got, err := pgmoon.QuoteIdentifier(""); err == nil {
		t.Errorf(`QuoteIdentifier("") = %q, want an error`, got)
	}
}

func TestAppendQuoteLiteralAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	for _, s := range []string{"plain", "it's", `back\slash'`} {
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := pgmoon.AppendQuoteLiteral(buf[:0], s); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("appendQuoteLiteral(%q) into a buffer with room: %v allocations, want 0", s, allocs)
		}
	}
	// On error dst comes back unchanged.
	out, err := pgmoon.AppendQuoteLiteral([]byte("keep"), "bad\x00")
	if err == nil || string(out) != "keep" {
		t.Errorf("appendQuoteLiteral with NUL = %q, %v", out, err)
	}
}

// quoteCorpus is text that QuoteLiteral and QuoteIdentifier must carry to
// the server and back unchanged.
var quoteCorpus = []string{
	"", "a", "it's", "''", `\`, `\\`, `\'`, `'\`, `\''\`, `a\nb`, `\x41`, `\u0041`, `\101`,
	`'; select 'pwned'; --`, `\'; select 1; --`, `*/ select 1 /*`, "$$", "$q$ $1 $q$", "$1",
	"--", "/*", "*/", "E'", "U&'\\0041'", `"`, `""`, "line\nbreak", "cr\rlf\r\n", "tab\tff\f\v",
	"ünïcödé", "日本語", "😀", "\u00a0nbsp", "\u2028", "\ufeff", "\ufffd", "x\u0301",
	"trailing space ", " leading", strings.Repeat("'\\", 100),
	asciiExceptNUL(),
}

func asciiExceptNUL() string {
	var b strings.Builder
	for c := 1; c < 128; c++ {
		b.WriteByte(byte(c))
	}
	return b.String()
}

func TestQuoteLiteralServer(t *testing.T) {
	dsn := pgtest.Default(t).DSN()
	for _, scs := range []string{"on", "off"} {
		t.Run("standard_conforming_strings="+scs, func(t *testing.T) {
			conn := connect(t, dsn)
			if _, err := conn.SimpleQuery(testCtx(t), "set standard_conforming_strings = "+scs); err != nil {
				t.Fatal(err)
			}
			if got := conn.ParameterStatus("standard_conforming_strings"); got != scs {
				t.Fatalf("standard_conforming_strings = %q", got)
			}
			for _, s := range quoteCorpus {
				lit, err := pgmoon.QuoteLiteral(s)
				if err != nil {
					t.Fatalf("QuoteLiteral(%q): %v", s, err)
				}
				// Also right after an identifier and inside an expression.
				for _, sql := range []string{"select " + lit, "select 1 as x, 'a'||" + lit + "||'b'"} {
					res, err := conn.SimpleQuery(testCtx(t), sql)
					if err != nil {
						t.Fatalf("%s: %v", sql, err)
					}
					if len(res) != 1 || len(res[0].Rows) != 1 {
						t.Fatalf("%s: %d results", sql, len(res))
					}
					row := res[0].Rows[0]
					got := string(row[len(row)-1])
					want := s
					if len(row) == 2 {
						want = "a" + s + "b"
					}
					if got != want {
						t.Errorf("%s = %q, want %q", sql, got, want)
					}
				}
			}
		})
	}
}

func TestQuoteIdentifierServer(t *testing.T) {
	conn := connect(t, pgtest.Default(t).DSN())
	for _, s := range quoteCorpus {
		if s == "" || len(s) > 63 { // empty is refused; longer names are truncated
			continue
		}
		id, err := pgmoon.QuoteIdentifier(s)
		if err != nil {
			t.Fatalf("QuoteIdentifier(%q): %v", s, err)
		}
		sql := "select 1 as " + id
		res, err := conn.SimpleQuery(testCtx(t), sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if got := res[0].Fields[0].Name; got != s {
			t.Errorf("%s: column %q, want %q", sql, got, s)
		}
	}
}

// unquoteLiteral is a reference reader of QuoteLiteral's two forms, strict
// about everything else.
func unquoteLiteral(q string) (string, error) {
	escape := strings.HasPrefix(q, " E'")
	body, ok := strings.CutPrefix(q, " E'")
	if !ok {
		body, ok = strings.CutPrefix(q, "'")
	}
	if !ok || !strings.HasSuffix(body, "'") {
		return "", errors.New("not quoted")
	}
	body = body[:len(body)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		switch c := body[i]; c {
		case '\'':
			if i+1 >= len(body) || body[i+1] != '\'' {
				return "", errors.New("lone quote")
			}
			i++
		case '\\':
			if !escape {
				return "", errors.New("backslash outside an escape string")
			}
			if i+1 >= len(body) || body[i+1] != '\\' {
				return "", errors.New("lone backslash")
			}
			i++
		}
		b.WriteByte(body[i])
	}
	if escape && !strings.Contains(b.String(), `\`) {
		return "", errors.New("escape string without a backslash")
	}
	return b.String(), nil
}

func unquoteIdentifier(q string) (string, error) {
	if len(q) < 3 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", errors.New("not quoted")
	}
	body := q[1 : len(q)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		if body[i] == '"' {
			if i+1 >= len(body) || body[i+1] != '"' {
				return "", errors.New("lone double quote")
			}
			i++
		}
		b.WriteByte(body[i])
	}
	return b.String(), nil
}

func addQuoteSeeds(f *testing.F) {
	for _, s := range quoteCorpus {
		f.Add(s)
	}
	for _, c := range quoteErrCases {
		f.Add(c.in)
	}
}

func FuzzQuoteLiteral(f *testing.F) {
	addQuoteSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := pgmoon.QuoteLiteral(s)
		valid := utf8.ValidString(s) && !strings.Contains(s, "\x00")
		if !valid {
			if err == nil {
				t.Fatalf("QuoteLiteral(%q) = %q, want an error", s, q)
			}
			return
		}
		if err != nil {
			t.Fatalf("QuoteLiteral(%q): %v", s, err)
		}
		if strings.Contains(q, "\x00") {
			t.Fatalf("QuoteLiteral(%q) = %q holds a NUL", s, q)
		}
		back, err := unquoteLiteral(q)
		if err != nil || back != s {
			t.Fatalf("QuoteLiteral(%q) = %q, which reads back as %q, %v", s, q, back, err)
		}
		buf := make([]byte, 3, 3+len(q))
		buf2, err := pgmoon.AppendQuoteLiteral(buf, s)
		if err != nil || string(buf2[3:]) != q || string(buf2[:3]) != "\x00\x00\x00" {
			t.Fatalf("appendQuoteLiteral(%q) = %q, %v", s, buf2, err)
		}
	})
}

func FuzzQuoteIdentifier(f *testing.F) {
	addQuoteSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := pgmoon.QuoteIdentifier(s)
		valid := s != "" && utf8.ValidString(s) && !strings.Contains(s, "\x00")
		if !valid {
			if err == nil {
				t.Fatalf("QuoteIdentifier(%q) = %q, want an error", s, q)
			}
			return
		}
		if err != nil {
			t.Fatalf("QuoteIdentifier(%q): %v", s, err)
		}
		if strings.Contains(q, "\x00") {
			t.Fatalf("QuoteIdentifier(%q) = %q holds a NUL", s, q)
		}
		back, err := unquoteIdentifier(q)
		if err != nil || back != s {
			t.Fatalf("QuoteIdentifier(%q) = %q, which reads back as %q, %v", s, q, back, err)
		}
	})
}
