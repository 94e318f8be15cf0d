package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// psetStep is one \pset command: psql is its text after "\pset ", name and
// value what pgmoon-cli's command parser hands to Set.
type psetStep struct {
	psql     string
	name     string
	value    string
	hasValue bool
}

func step(name string, value ...string) psetStep {
	if len(value) == 0 {
		return psetStep{psql: name, name: name}
	}
	return psetStep{psql: name + " " + value[0], name: name, value: value[0], hasValue: true}
}

// psetSequences are run one sequence per psql, each step as a -c command.
var psetSequences = [][]psetStep{
	{step("border", "2"), step("border"), step("border", "abc"), step("border", "-1"), step("border", "3"), step("border", "1x"), step("border", " 2")},
	{step("x"), step("x"), step("x"), step("expanded", "auto"), step("expanded"), step("x", "off"), step("vertical", "on"), step("expanded", "foo"), step("x", "1"), step("expanded", "yes"), step("x", "auto"), step("x")},
	{step("expanded", "o"), step("expanded", "of"), step("expanded", "AUTO"), step("expanded", "TRUE"), step("expanded", "n")},
	{step("format", "csv"), step("format", "u"), step("format", "CSV"), step("format", "a"), step("format", "al"), step("format"), step("format", "unaligned"),
		{psql: "format ''", name: "format", value: "", hasValue: true}, step("format", "c"), step("format", "Aligned")},
	{step("null", "(null)"), step("null"), step("null", "NULL"), {psql: "null ''", name: "null", value: "", hasValue: true}, step("null")},
	{step("fieldsep", ";"), step("fieldsep"), step("fieldsep_zero"), step("fieldsep"), step("fieldsep", "x"), step("fieldsep_zero", "off"), step("fieldsep")},
	{step("recordsep"), step("recordsep", "x"), step("recordsep_zero"), step("recordsep"), step("recordsep", "ab"), step("recordsep_zero", "no")},
	{step("csv_fieldsep", ";"), step("csv_fieldsep", "ab"), {psql: `csv_fieldsep '"'`, name: "csv_fieldsep", value: `"`, hasValue: true}, step("csv_fieldsep"), step("csv_fieldsep", "|")},
	{step("tuples_only"), step("t"), step("tuples_only", "on"), step("t"), step("tuples_only", "of"), step("tuples_only", "maybe"), step("t", "maybe"), step("tuples_only")},
	{step("footer"), step("footer", "off"), step("footer"), step("footer", "bogus"), step("footer", "1"), step("footer")},
	{step("title", "hello"), step("title"), step("C", "hi"), step("title"), step("C"), step("C")},
	{step("linestyle", "u"), step("linestyle"), step("linestyle", "old"), step("linestyle", "foo"), step("linestyle", "ASCII"), step("linestyle", "unicode")},
	{step("unicode_border_linestyle", "d"), step("unicode_column_linestyle"), step("unicode_header_linestyle", "x"), step("unicode_header_linestyle", "SINGLE"),
		step("unicode_column_linestyle", "do"), step("unicode_border_linestyle", "bogus"), step("unicode_column_linestyle", "bogus"), step("unicode_header_linestyle", "double")},
	{step("pager"), step("pager"), step("pager", "always"), step("pager"), step("pager", "foo"), step("pager", "off"), step("pager", "on")},
	{step("bogus"), step("bogus", "1"), step("columns", "80"), step("columns"), step("columns", "0")},
}

// psqlPset runs the steps with psql (not quiet, so it confirms each) and
// returns its stdout and stderr.
func psqlPset(t *testing.T, dsn string, steps []psetStep, extra ...string) (string, string) {
	t.Helper()
	args := []string{"-d", dsn}
	for _, s := range steps {
		args = append(args, "-c", `\pset `+s.psql)
	}
	for _, e := range extra {
		args = append(args, "-c", e)
	}
	r := psqlExec(t, "", args...) // psql exits 1 after a failed \pset; the output is what counts
	return r.stdout, r.stderr
}

// TestSetMatchesPsql compares Set's confirmations and errors with psql's
// output and error text for the same \pset commands.
func TestSetMatchesPsql(t *testing.T) {
	connectTest(t)
	dsn := os.Getenv("PGMOON_TEST_DSN_FOR_PSQL")
	for _, seq := range psetSequences {
		var names []string
		for _, s := range seq {
			names = append(names, s.psql)
		}
		t.Run(strings.Join(names, ";"), func(t *testing.T) {
			wantOut, wantErr := psqlPset(t, dsn, seq, `\pset`)
			o := DefaultPrintOptions()
			var out, errs strings.Builder
			for _, s := range seq {
				msg, err := o.Set(s.name, s.value, s.hasValue)
				if err != nil {
					errs.WriteString(err.Error() + "\n")
					continue
				}
				if msg != "" {
					out.WriteString(msg + "\n")
				}
			}
			out.WriteString(o.ShowAll())
			if diff := cmp.Diff(filterShowAll(wantOut), out.String()); diff != "" {
				t.Errorf("stdout -psql +ours:\n%s", diff)
			}
			if diff := cmp.Diff(wantErr, errs.String()); diff != "" {
				t.Errorf("errors -psql +ours:\n%s", diff)
			}
		})
	}
}

// filterShowAll drops the lines of psql's bare \pset for the options
// pgmoon-cli does not have.
func filterShowAll(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && (f[0] == "numericlocale" || f[0] == "pager_min_lines" || f[0] == "tableattr") {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}

// TestShowMatchesPsql compares Show with the text psql prints for "\pset name"
// of an option that is only shown (or with the value it would set again).
func TestShowMatchesPsql(t *testing.T) {
	connectTest(t)
	dsn := os.Getenv("PGMOON_TEST_DSN_FOR_PSQL")
	names := []string{"border", "columns", "csv_fieldsep", "fieldsep", "format", "linestyle", "null", "recordsep",
		"title", "unicode_border_linestyle", "unicode_column_linestyle", "unicode_header_linestyle"}
	var steps []psetStep
	for _, n := range names {
		steps = append(steps, step(n))
	}
	want, _ := psqlPset(t, dsn, steps)
	o := DefaultPrintOptions()
	var got strings.Builder
	for _, n := range names {
		s, err := o.Show(n)
		if err != nil {
			t.Fatalf("Show(%q): %v", n, err)
		}
		got.WriteString(s + "\n")
	}
	if diff := cmp.Diff(want, got.String()); diff != "" {
		t.Errorf("-psql +ours:\n%s", diff)
	}
}

// TestSetFormat covers what psql cannot be the oracle for: the json formats
// and the refused ones.
func TestSetFormat(t *testing.T) {
	tests := []struct {
		value   string
		want    string // format after, or "" for an error
		wantErr string
	}{
		{"json", "json", ""},
		{"JSON", "json", ""},
		{"json-lines", "json-lines", ""},
		{"json-", "json-lines", ""},
		{"j", "", `\pset: ambiguous abbreviation "j" matches both "json" and "json-lines"`},
		{"jso", "", `\pset: ambiguous abbreviation "jso" matches both "json" and "json-lines"`},
		{"wrapped", "", `\pset: format "wrapped" is not supported by pgmoon-cli; allowed formats are aligned, csv, json, json-lines, unaligned`},
		{"w", "", `\pset: format "wrapped" is not supported by pgmoon-cli; allowed formats are aligned, csv, json, json-lines, unaligned`},
		{"html", "", `\pset: format "html" is not supported by pgmoon-cli; allowed formats are aligned, csv, json, json-lines, unaligned`},
		{"latex", "", `\pset: format "latex" is not supported by pgmoon-cli; allowed formats are aligned, csv, json, json-lines, unaligned`},
		{"latex-l", "", `\pset: format "latex-longtable" is not supported by pgmoon-cli; allowed formats are aligned, csv, json, json-lines, unaligned`},
		{"troff", "", `\pset: format "troff-ms" is not supported by pgmoon-cli; allowed formats are aligned, csv, json, json-lines, unaligned`},
		{"asciidoc", "", `\pset: format "asciidoc" is not supported by pgmoon-cli; allowed formats are aligned, csv, json, json-lines, unaligned`},
		{"xml", "", `\pset: allowed formats are aligned, csv, json, json-lines, unaligned`},
	}
	for _, tt := range tests {
		o := DefaultPrintOptions()
		o.Format = "csv"
		msg, err := o.Set("format", tt.value, true)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Set(format, %q) error = %v, want %q", tt.value, err, tt.wantErr)
			}
			if o.Format != "csv" {
				t.Errorf("Set(format, %q) failed but changed Format to %q", tt.value, o.Format)
			}
			continue
		}
		if err != nil || o.Format != tt.want || msg != "Output format is "+tt.want+"." {
			t.Errorf("Set(format, %q) = %q, %v; Format %q, want %q", tt.value, msg, err, o.Format, tt.want)
		}
	}
	o := DefaultPrintOptions()
	for _, name := range []string{"numericlocale", "tableattr", "pager_min_lines"} {
		if _, err := o.Set(name, "1", true); err == nil {
			t.Errorf("Set(%q) accepted an option pgmoon-cli does not have", name)
		}
	}
}
