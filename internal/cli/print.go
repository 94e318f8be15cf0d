package cli

import (
	"io"

	"github.com/pgmoon-go/pgmoon"
)

// Table is one thing to print: a query result or a catalog listing.
type Table struct {
	Title   string      // printed above the table (\d listings, \pset title)
	Headers []string    // column names
	Align   []byte      // per column: 'l' or 'r' (numbers are right-aligned, like psql)
	Types   []uint32    // per column type OID when known (JSON output uses it), else nil
	Rows    [][]*string // nil is SQL NULL
	// Footers replace the default "(N rows)" footer when non-nil.
	Footers []string
	// NoDefaultFooter suppresses "(N rows)" (catalog listings such as \d name).
	NoDefaultFooter bool
}

// PrintOptions are psql's \pset settings.
type PrintOptions struct {
	Format        string // aligned, unaligned, csv, json, json-lines (wrapped, html... are refused by Set)
	Border        int    // 0, 1, 2
	Expanded      string // "off", "on", "auto"
	TuplesOnly    bool
	Footer        bool
	Null          string
	FieldSep      string
	FieldSepZero  bool
	RecordSep     string
	RecordSepZero bool
	CSVFieldSep   string
	Linestyle     string // ascii, old-ascii, unicode
	UnicodeBorder string // single, double
	UnicodeColumn string
	UnicodeHeader string
	Title         string
	// Columns is the terminal width for expanded=auto; 0 when output is not a terminal.
	Columns int
}

// DefaultPrintOptions are psql's defaults.
func DefaultPrintOptions() PrintOptions {
	return PrintOptions{
		Format: "aligned", Border: 1, Expanded: "off", Footer: true,
		FieldSep: "|", RecordSep: "\n", CSVFieldSep: ",", Linestyle: "ascii",
		UnicodeBorder: "single", UnicodeColumn: "single", UnicodeHeader: "single",
	}
}

// ResultTable turns a query result into a Table, numeric columns right-aligned.
func ResultTable(r *pgmoon.Result) *Table {
	t := &Table{}
	for _, f := range r.Fields {
		t.Headers = append(t.Headers, f.Name)
		t.Types = append(t.Types, f.DataTypeOID)
		a := byte('l')
		if isNumericOID(f.DataTypeOID) {
			a = 'r'
		}
		t.Align = append(t.Align, a)
	}
	t.Rows = make([][]*string, len(r.Rows))
	for i, row := range r.Rows {
		vals := make([]*string, len(row))
		for j, v := range row {
			if v != nil {
				s := string(v)
				vals[j] = &s
			}
		}
		t.Rows[i] = vals
	}
	return t
}

// isNumericOID reports the types psql right-aligns (int2, int4, int8, oid, xid, cid, float4, float8, numeric, money).
func isNumericOID(oid uint32) bool {
	switch oid {
	case 20, 21, 23, 26, 28, 29, 700, 701, 790, 1700:
		return true
	}
	return false
}

// PrintTable writes t formatted as o says.
// PLACEHOLDER: the psql-exact implementation replaces this.
func PrintTable(w io.Writer, t *Table, o *PrintOptions) error {
	for _, row := range t.Rows {
		for j, v := range row {
			if j > 0 {
				io.WriteString(w, o.FieldSep)
			}
			if v == nil {
				io.WriteString(w, o.Null)
			} else {
				io.WriteString(w, *v)
			}
		}
		io.WriteString(w, "\n")
	}
	return nil
}

// Set applies "\pset name value" (hasValue false for "\pset name", which toggles
// booleans) and returns psql's confirmation text, such as "Border style is 2.".
// PLACEHOLDER.
func (o *PrintOptions) Set(name, value string, hasValue bool) (string, error) {
	return "", nil
}

// ShowAll is bare \pset's listing. PLACEHOLDER.
func (o *PrintOptions) ShowAll() string { return "" }
