package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// psqlFormats are the format names psql's \pset format matches a value
// against (a unique prefix, ignoring case), with ours (json, json-lines)
// added. The ones marked unsupported are refused.
var psqlFormats = []struct {
	name      string
	supported bool
}{
	{"aligned", true},
	{"asciidoc", false},
	{"csv", true},
	{"html", false},
	{"json", true},
	{"json-lines", true},
	{"latex", false},
	{"troff-ms", false},
	{"unaligned", true},
	{"wrapped", false},
}

// hasPrefixFold reports whether prefix is a prefix of s, ignoring ASCII case,
// as psql's pg_strncasecmp(s, prefix, strlen(prefix)) == 0.
func hasPrefixFold(s, prefix string) bool {
	return len(prefix) <= len(s) && strings.EqualFold(s[:len(prefix)], prefix)
}

// matchFormat finds the format value names: an exact name (json is not
// ambiguous with json-lines), else a unique prefix as psql does.
func matchFormat(value string) (string, error) {
	for _, f := range psqlFormats {
		if strings.EqualFold(f.name, value) {
			return supportedFormat(f.name, f.supported)
		}
	}
	match := -1
	for i, f := range psqlFormats {
		if hasPrefixFold(f.name, value) {
			if match >= 0 {
				return "", fmt.Errorf("\\pset: ambiguous abbreviation %q matches both %q and %q",
					value, psqlFormats[match].name, f.name)
			}
			match = i
		}
	}
	if match < 0 {
		if hasPrefixFold("latex-longtable", value) {
			return supportedFormat("latex-longtable", false)
		}
		return "", errors.New("\\pset: allowed formats are aligned, csv, json, json-lines, unaligned")
	}
	return supportedFormat(psqlFormats[match].name, psqlFormats[match].supported)
}

func supportedFormat(name string, ok bool) (string, error) {
	if !ok {
		return "", fmt.Errorf("\\pset: format %q is not supported by pgmoon-cli; allowed formats are aligned, csv, json, json-lines, unaligned", name)
	}
	return name, nil
}

// parseBool is psql's ParseVariableBool: a prefix of true, false, yes or no,
// on or off (at least two letters), 1 or 0, ignoring case.
func parseBool(value string) (bool, bool) {
	n := len(value)
	switch {
	case n > 0 && hasPrefixFold("true", value):
		return true, true
	case n > 0 && hasPrefixFold("false", value):
		return false, true
	case n > 0 && hasPrefixFold("yes", value):
		return true, true
	case n > 0 && hasPrefixFold("no", value):
		return false, true
	case n >= 2 && hasPrefixFold("on", value):
		return true, true
	case n >= 2 && hasPrefixFold("off", value):
		return false, true
	case value == "1":
		return true, true
	case value == "0":
		return false, true
	}
	return false, false
}

func boolError(name, value string) error {
	return fmt.Errorf("unrecognized value %q for %q: Boolean expected", value, name)
}

// atoi is C's atoi as psql's \pset border uses it: leading blanks, a sign,
// digits up to the first non-digit, 0 when there are none.
func atoi(s string) int {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' || n > 1<<31 {
			break
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n
}

// unicodeLineStyle matches a unique prefix of single or double.
func unicodeLineStyle(value string) (string, bool) {
	switch {
	case hasPrefixFold("single", value):
		return "single", true
	case hasPrefixFold("double", value):
		return "double", true
	}
	return "", false
}

// canonical maps psql's aliases (x, vertical, t, C) to their option.
func canonical(name string) string {
	switch name {
	case "x", "vertical":
		return "expanded"
	case "t":
		return "tuples_only"
	case "C":
		return "title"
	}
	return name
}

// Set applies "\pset name value" (hasValue false for "\pset name") as psql 15
// does, and returns the confirmation psql prints, such as
// "Border style is 2.", without a newline. Without a value, expanded,
// tuples_only, footer and pager toggle, fieldsep_zero and recordsep_zero
// turn on, title is unset and the other options are only shown. Like psql,
// setting tuples_only or footer to a value confirms nothing (msg is "").
// On error o is unchanged and the error text is psql's.
//
// Formats psql has but pgmoon-cli does not print (wrapped, html, asciidoc,
// latex, latex-longtable, troff-ms) are refused, and so are numericlocale,
// tableattr and pager_min_lines. "columns" sets Columns, the width
// expanded=auto compares with. "pager" is accepted and has no effect.
func (o *PrintOptions) Set(name, value string, hasValue bool) (msg string, err error) {
	typed := name // psql's errors name the option as typed
	name = canonical(name)
	switch name {
	case "format":
		if hasValue {
			f, err := matchFormat(value)
			if err != nil {
				return "", err
			}
			o.Format = f
		}
	case "border":
		if hasValue {
			o.Border = int(uint16(atoi(value)))
		}
	case "expanded":
		switch {
		case hasValue && strings.EqualFold(value, "auto"):
			o.Expanded = "auto"
		case hasValue:
			b, ok := parseBool(value)
			if !ok {
				return "", fmt.Errorf("unrecognized value %q for %q\nAvailable values are: on, off, auto.", value, typed)
			}
			o.Expanded = onOff(b)
		case o.Expanded == "off":
			o.Expanded = "on"
		default:
			o.Expanded = "off"
		}
	case "csv_fieldsep":
		if hasValue {
			if len(value) != 1 {
				return "", errors.New("\\pset: csv_fieldsep must be a single one-byte character")
			}
			if value[0] == '"' || value[0] == '\n' || value[0] == '\r' {
				return "", errors.New("\\pset: csv_fieldsep cannot be a double quote, a newline, or a carriage return")
			}
			o.CSVFieldSep = value
		}
	case "fieldsep":
		if hasValue {
			o.FieldSep, o.FieldSepZero = value, false
		}
	case "fieldsep_zero":
		o.FieldSep, o.FieldSepZero = "", true
	case "recordsep":
		if hasValue {
			o.RecordSep, o.RecordSepZero = value, false
		}
	case "recordsep_zero":
		o.RecordSep, o.RecordSepZero = "", true
	case "footer", "tuples_only":
		p := &o.Footer
		if name == "tuples_only" {
			p = &o.TuplesOnly
		}
		if hasValue {
			b, ok := parseBool(value)
			if !ok {
				return "", boolError(typed, value)
			}
			*p = b
			return "", nil // psql confirms only the toggle
		}
		*p = !*p
	case "linestyle":
		if hasValue {
			switch {
			case hasPrefixFold("ascii", value):
				o.Linestyle = "ascii"
			case hasPrefixFold("old-ascii", value):
				o.Linestyle = "old-ascii"
			case hasPrefixFold("unicode", value):
				o.Linestyle = "unicode"
			default:
				return "", errors.New("\\pset: allowed line styles are ascii, old-ascii, unicode")
			}
		}
	case "unicode_border_linestyle", "unicode_column_linestyle", "unicode_header_linestyle":
		if hasValue {
			s, ok := unicodeLineStyle(value)
			if !ok {
				what := strings.TrimSuffix(strings.TrimPrefix(name, "unicode_"), "_linestyle")
				return "", fmt.Errorf("\\pset: allowed Unicode %s line styles are single, double", what)
			}
			switch name {
			case "unicode_border_linestyle":
				o.UnicodeBorder = s
			case "unicode_column_linestyle":
				o.UnicodeColumn = s
			default:
				o.UnicodeHeader = s
			}
		}
	case "null":
		if hasValue {
			o.Null = value
		}
	case "title":
		o.Title = ""
		if hasValue {
			o.Title = value
		}
	case "columns":
		if hasValue {
			o.Columns = atoi(value)
		}
	case "pager":
		switch {
		case hasValue && strings.EqualFold(value, "always"):
			o.Pager = 2
		case hasValue:
			b, ok := parseBool(value)
			if !ok {
				return "", fmt.Errorf("unrecognized value %q for %q\nAvailable values are: on, off, always.", value, name)
			}
			o.Pager = 0
			if b {
				o.Pager = 1
			}
		case o.Pager == 1:
			o.Pager = 0
		default:
			o.Pager = 1
		}
	default:
		return o.Show(name)
	}
	return o.Show(name)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// Show returns psql's description of option name, such as
// "Output format is csv.", as psql prints it after \pset (psql's printPsetInfo).
func (o *PrintOptions) Show(name string) (string, error) {
	switch canonical(name) {
	case "border":
		return fmt.Sprintf("Border style is %d.", o.Border), nil
	case "columns":
		if o.Columns == 0 {
			return "Target width is unset.", nil
		}
		return fmt.Sprintf("Target width is %d.", o.Columns), nil
	case "expanded":
		switch o.Expanded {
		case "on":
			return "Expanded display is on.", nil
		case "auto":
			return "Expanded display is used automatically.", nil
		}
		return "Expanded display is off.", nil
	case "csv_fieldsep":
		return fmt.Sprintf("Field separator for CSV is \"%s\".", o.CSVFieldSep), nil
	case "fieldsep":
		if o.FieldSepZero {
			return "Field separator is zero byte.", nil
		}
		return fmt.Sprintf("Field separator is \"%s\".", o.FieldSep), nil
	case "fieldsep_zero":
		return "Field separator is zero byte.", nil
	case "footer":
		return "Default footer is " + onOff(o.Footer) + ".", nil
	case "format":
		return "Output format is " + o.Format + ".", nil
	case "linestyle":
		return "Line style is " + o.Linestyle + ".", nil
	case "null":
		return fmt.Sprintf("Null display is \"%s\".", o.Null), nil
	case "pager":
		switch o.Pager {
		case 1:
			return "Pager is used for long output.", nil
		case 2:
			return "Pager is always used.", nil
		}
		return "Pager usage is off.", nil
	case "recordsep":
		switch {
		case o.RecordSepZero:
			return "Record separator is zero byte.", nil
		case o.RecordSep == "\n":
			return "Record separator is <newline>.", nil
		}
		return fmt.Sprintf("Record separator is \"%s\".", o.RecordSep), nil
	case "recordsep_zero":
		return "Record separator is zero byte.", nil
	case "title":
		if o.Title == "" {
			return "Title is unset.", nil
		}
		return fmt.Sprintf("Title is \"%s\".", o.Title), nil
	case "tuples_only":
		return "Tuples only is " + onOff(o.TuplesOnly) + ".", nil
	case "unicode_border_linestyle":
		return fmt.Sprintf("Unicode border line style is \"%s\".", o.UnicodeBorder), nil
	case "unicode_column_linestyle":
		return fmt.Sprintf("Unicode column line style is \"%s\".", o.UnicodeColumn), nil
	case "unicode_header_linestyle":
		return fmt.Sprintf("Unicode header line style is \"%s\".", o.UnicodeHeader), nil
	case "numericlocale", "tableattr", "pager_min_lines":
		return "", fmt.Errorf("\\pset: option %q is not supported by pgmoon-cli", name)
	}
	return "", fmt.Errorf("\\pset: unknown option: %s", name)
}

// quoteSetting is psql's pset_quoted_string: in single quotes, with newline
// as \n and a quote as \'.
func quoteSetting(s string) string {
	s = strings.ReplaceAll(s, "\n", `\n`)
	s = strings.ReplaceAll(s, "'", `\'`)
	return "'" + s + "'"
}

// ShowAll is what a bare \pset prints: one "name value" line per option, as
// psql 15 lists them, leaving out the options pgmoon-cli does not have
// (numericlocale, pager_min_lines, tableattr). Lines end in newlines.
func (o *PrintOptions) ShowAll() string {
	var b strings.Builder
	line := func(name, value string) { fmt.Fprintf(&b, "%-24s %s\n", name, value) }
	line("border", strconv.Itoa(o.Border))
	line("columns", strconv.Itoa(o.Columns))
	line("csv_fieldsep", quoteSetting(o.CSVFieldSep))
	line("expanded", o.Expanded)
	line("fieldsep", quoteSetting(o.FieldSep))
	line("fieldsep_zero", onOff(o.FieldSepZero))
	line("footer", onOff(o.Footer))
	line("format", o.Format)
	line("linestyle", o.Linestyle)
	line("null", quoteSetting(o.Null))
	line("pager", strconv.Itoa(o.Pager))
	line("recordsep", quoteSetting(o.RecordSep))
	line("recordsep_zero", onOff(o.RecordSepZero))
	title := ""
	if o.Title != "" {
		title = quoteSetting(o.Title)
	}
	line("title", title)
	line("tuples_only", onOff(o.TuplesOnly))
	line("unicode_border_linestyle", o.UnicodeBorder)
	line("unicode_column_linestyle", o.UnicodeColumn)
	line("unicode_header_linestyle", o.UnicodeHeader)
	return b.String()
}
