package cli

import (
	"io"
	"reflect"
	"strings"
	"testing"
)

// FuzzCopyArgs parses \copy's arguments
// (https://www.postgresql.org/docs/current/app-psql.html#APP-PSQL-META-COMMANDS-COPY).
// It must never panic; what it accepts must split args into the target
// before FROM or TO, the file and the options after it; and writing that
// split back as a \copy line must parse to the same thing.
func FuzzCopyArgs(f *testing.F) {
	for _, s := range []string{
		"t from stdin", "t (a, b) to 'out file.csv' with (format csv)", "(select 1) to stdout",
		"t from program 'gzip -dc x.gz'", "t to pstdout csv header", "\"T\" from 'it''s'", "t from",
		"t from program x", "t to stdin", "(select ')' ) to stdout", "t from '", "(", "from x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, args string) {
		spec, err := parseCopyArgs(args)
		if err != nil {
			if spec != nil {
				t.Fatalf("%q: spec %+v with error %v", args, spec, err)
			}
			return
		}
		if spec.target == "" || !strings.Contains(args, spec.target) || !strings.HasSuffix(strings.TrimSpace(args), spec.options) {
			t.Fatalf("%q: target %q, options %q", args, spec.target, spec.options)
		}
		dir := "to"
		if spec.from {
			dir = "from"
		}
		file := "'" + strings.ReplaceAll(spec.file, "'", "''") + "'"
		switch spec.file {
		case "stdin", "stdout", "pstdin", "pstdout":
			if !spec.program {
				file = spec.file
			}
		}
		if spec.program {
			file = "program " + file
		}
		line := spec.target + " " + dir + " " + file + " " + spec.options
		back, err := parseCopyArgs(line)
		if err != nil {
			t.Fatalf("%q parsed to %+v; written back as %q: %v", args, *spec, line, err)
		}
		if *back != *spec {
			t.Fatalf("%q parsed to %+v; written back as %q it parses to %+v", args, *spec, line, *back)
		}
	})
}

// FuzzDecodeKey decodes terminal input into keys as the line editor
// does (nextKey over decodeKey). Each key must take at least one byte and
// never more than there is, and the keys must not depend on how the input
// was split into reads: decoding the bytes as they arrive (waiting on
// partial sequences) gives the keys decoding them all at once gives. (It
// found "\r\n" split between two reads taken as two Enters.)
func FuzzDecodeKey(f *testing.F) {
	f.Add([]byte("ab\x1b[A\x1b[1;5D\x1bOH\x1b[3~\r\n\x7f\xc3\xa9"), []byte{1, 2, 3})
	f.Add([]byte("\x1b"), []byte{})
	f.Add([]byte("\x1b[12"), []byte{2})
	f.Add([]byte("\x1bO"), []byte{1})
	f.Add([]byte("\xe2\x82"), []byte{1})
	f.Add([]byte("\r"), []byte{0})
	f.Add([]byte("0\r\n"), []byte{1})
	f.Add([]byte("\r\r\n\n"), []byte{0, 0, 0})
	// feed adds b to e's pending input and takes every key it completes.
	feed := func(t *testing.T, e *lineEditor, b []byte) []key {
		e.pending = append(e.pending, b...)
		var keys []key
		for {
			before := len(e.pending)
			k, ok := e.nextKey()
			if !ok {
				if e.readErr != nil && len(e.pending) > 0 {
					t.Fatalf("%q left at the end of input: the editor would wait forever", e.pending)
				}
				return keys
			}
			if len(e.pending) >= before {
				t.Fatalf("a key took no input (%q left)", e.pending)
			}
			keys = append(keys, k)
		}
	}
	f.Fuzz(func(t *testing.T, input, splits []byte) {
		all := &lineEditor{readErr: io.EOF}
		whole := feed(t, all, input)

		e := &lineEditor{}
		var got []key
		rest := input
		for _, s := range splits {
			if len(rest) == 0 {
				break
			}
			n := min(1+int(s%8), len(rest))
			got = append(got, feed(t, e, rest[:n])...)
			rest = rest[n:]
		}
		e.readErr = io.EOF
		got = append(got, feed(t, e, rest)...)
		if !reflect.DeepEqual(got, whole) {
			t.Fatalf("%q split by %v: keys %v, all at once %v", input, splits, got, whole)
		}
	})
}

// FuzzHistory reads an arbitrary history file, and writes entries and
// reads them back: each entry (a newline inside one included) must come
// back unchanged, one line per entry.
func FuzzHistory(f *testing.F) {
	f.Add([]byte("select 1;\nselect\x012;\n\n"), "select 1;\nselect 2", "\\d t")
	f.Add([]byte("\x01\x01\n"), "\n", "x")
	f.Fuzz(func(t *testing.T, file []byte, a, b string) {
		for _, e := range decodeHistory(file) {
			if e == "" || strings.Contains(e, historyNewline) {
				t.Fatalf("entry %q read from %q", e, file)
			}
		}
		var entries []string
		for _, e := range []string{a, b} {
			if e != "" && !strings.Contains(e, historyNewline) {
				entries = append(entries, e)
			}
		}
		var data strings.Builder
		for _, e := range entries {
			enc := encodeHistoryEntry(e)
			if strings.Count(enc, "\n") != 1 || !strings.HasSuffix(enc, "\n") {
				t.Fatalf("entry %q written as %q, not one line", e, enc)
			}
			data.WriteString(enc)
		}
		if got := decodeHistory([]byte(data.String())); !reflect.DeepEqual(got, entries) {
			t.Fatalf("entries %q written as %q read back as %q", entries, data.String(), got)
		}
	})
}

// FuzzPset sets an arbitrary \pset option. It must never panic; a refused
// setting must leave the options unchanged (as Set promises); and Show and
// ShowAll must describe whatever state results.
func FuzzPset(f *testing.F) {
	for _, s := range [][2]string{
		{"format", "csv"}, {"format", "a"}, {"border", "-1"}, {"border", "99999999999999999999"},
		{"expanded", "auto"}, {"null", "(null)\n'"}, {"linestyle", "unicode"}, {"fieldsep_zero", "maybe"},
		{"unicode_border_linestyle", "double"}, {"columns", "12x"}, {"title", ""}, {"tableattr", "x"}, {"t", "on"},
	} {
		f.Add(s[0], s[1], true)
	}
	f.Fuzz(func(t *testing.T, name, value string, hasValue bool) {
		o := DefaultPrintOptions()
		before := o
		_, err := o.Set(name, value, hasValue)
		if err != nil {
			if !reflect.DeepEqual(o, before) {
				t.Fatalf("Set(%q, %q) failed (%v) and changed the options:\n%+v\nwas\n%+v", name, value, err, o, before)
			}
			return
		}
		_, _ = o.Show(name)
		if all := o.ShowAll(); !strings.HasSuffix(all, "\n") {
			t.Fatalf("ShowAll = %q", all)
		}
		if hasValue {
			again := o
			if _, err := again.Set(name, value, true); err != nil || !reflect.DeepEqual(again, o) {
				t.Fatalf("Set(%q, %q) a second time: %v, options changed from\n%+v\nto\n%+v", name, value, err, o, again)
			}
		}
	})
}

// FuzzPrompt expands an arbitrary prompt format
// (https://www.postgresql.org/docs/current/app-psql.html#APP-PSQL-PROMPTING).
// It must never panic, and text without '%' must come out as it is.
func FuzzPrompt(f *testing.F) {
	for _, s := range []string{"%/%R%x%# ", "%n@%m:%>%~ %p %l", "%:PROMPT:%:", "%[%033[1m%]%/%[%033[0m%]", "%", "%0", "%999", "%:x", "plain> "} {
		f.Add(s, uint8(1), "db", "x")
	}
	f.Fuzz(func(t *testing.T, format string, kind uint8, db, v string) {
		in := promptInfo{Connected: kind&8 == 0, DB: db, User: "u", Host: db, Port: "5432", TxStatus: kind,
			Var: func(name string) (string, bool) { return v, name != "" }}
		got := renderPrompt(format, promptKind(1+kind%3), in)
		_ = stripPromptMarkers(got)
		if !strings.Contains(format, "%") && got != format {
			t.Fatalf("%q renders as %q", format, got)
		}
	})
}
