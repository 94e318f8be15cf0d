package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

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
	// NoExpanded prints the table unexpanded whatever \pset expanded says,
	// as psql does for \d name.
	NoExpanded bool
}

// PrintOptions are psql's \pset settings.
type PrintOptions struct {
	Format        string // aligned, unaligned, csv, json, json-lines (wrapped, html... are refused by Set). default: "aligned"
	Border        int    // 0, 1, 2; larger values print as 2. default: 1
	Expanded      string // "off", "on", "auto". default: "off"
	TuplesOnly    bool   // no title, headers or footers. default: false
	Footer        bool   // the default "(N rows)" footer. default: true
	Null          string // shown for NULL (not in json formats). default: ""
	FieldSep      string // unaligned field separator. default: "|"
	FieldSepZero  bool   // unaligned fields separated by a zero byte. default: false
	RecordSep     string // unaligned record separator. default: "\n"
	RecordSepZero bool   // unaligned records separated by a zero byte. default: false
	CSVFieldSep   string // one byte. default: ","
	Linestyle     string // ascii, old-ascii, unicode. default: "ascii"
	UnicodeBorder string // single, double. default: "single"
	UnicodeColumn string // single, double. default: "single"
	UnicodeHeader string // single, double. default: "single"
	Title         string // \pset title; empty is unset. default: ""
	// Columns is the terminal width for expanded=auto; 0 when output is not a terminal.
	// Like psql's \pset columns, which Set("columns", ...) changes. default: 0
	Columns int
	// Pager is psql's \pset pager: 0 off, 1 on, 2 always. It is accepted and
	// shown but has no effect: pgmoon-cli has no pager. default: 1
	Pager int
}

// DefaultPrintOptions are psql's defaults.
func DefaultPrintOptions() PrintOptions {
	return PrintOptions{
		Format: "aligned", Border: 1, Expanded: "off", Footer: true,
		FieldSep: "|", RecordSep: "\n", CSVFieldSep: ",", Linestyle: "ascii",
		UnicodeBorder: "single", UnicodeColumn: "single", UnicodeHeader: "single",
		Pager: 1,
	}
}

// ResultTable turns a query result into a Table, numeric columns right-aligned.
// The values are copied: the Table does not refer to r.
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

// isNumericOID reports the types psql right-aligns (int2, int4, int8, oid,
// xid, xid8, cid, float4, float8, numeric, money), as its column_type_alignment does.
func isNumericOID(oid uint32) bool {
	switch oid {
	case 20, 21, 23, 26, 28, 29, 700, 701, 790, 1700, 5069:
		return true
	}
	return false
}

// PrintTable writes t formatted as o says, byte for byte as psql 15 prints a
// query result with the same \pset settings: aligned (borders 0 to 2, the
// ascii, old-ascii and unicode line styles, expanded display, expanded=auto
// against Columns), unaligned and csv. Output goes through a buffer and the
// first write error is returned.
//
// The json and json-lines formats are pgmoon-cli's own. "json" writes a JSON
// array with one object per row, one object per line, "[\n{...},\n{...}\n]\n",
// and "[]\n" for no rows; "json-lines" writes one object per line and nothing
// for no rows. Keys are the column names in column order, duplicates kept as
// they come. Values follow t.Types: int2, int4, int8, oid, float4, float8 and
// numeric are JSON numbers, except NaN and the infinities, which are strings;
// bool's t and f are true and false; json and jsonb (OIDs 114 and 3802) are
// embedded as JSON, compacted onto one line; NULL is null whatever o.Null
// says; everything else is a string. Titles, footers, TuplesOnly and Expanded
// do not apply to them.
func PrintTable(w io.Writer, t *Table, o *PrintOptions) error {
	if t.NoExpanded && o.Expanded != "off" {
		oo := *o
		oo.Expanded = "off"
		o = &oo
	}
	bw := bufio.NewWriter(w)
	p := newPrintable(t, o)
	switch o.Format {
	case "unaligned":
		if o.Expanded == "on" {
			p.unalignedVertical(bw)
		} else {
			p.unalignedText(bw)
		}
	case "csv":
		if o.Expanded == "on" {
			p.csvVertical(bw)
		} else {
			p.csvText(bw)
		}
	case "json":
		printJSON(bw, t, false)
	case "json-lines":
		printJSON(bw, t, true)
	default:
		if o.Expanded == "on" {
			p.alignedVertical(bw)
		} else {
			p.alignedText(bw)
		}
	}
	return bw.Flush()
}

// printable is a Table prepared the way psql's printTableContent is: every
// cell a string (NULLs replaced by the null display), invalid UTF-8 dropped.
type printable struct {
	o       *PrintOptions
	title   string
	headers []string
	align   []byte
	cells   [][]string // rows of exactly len(headers) cells
	footers []string   // t.Footers, nil if none
	deflt   []string   // footers with the default "(N rows)" one, as psql's footers_with_default
	border  int
	ls      *lineStyle
}

func newPrintable(t *Table, o *PrintOptions) *printable {
	// A listing's own title wins over \pset title, as in psql's describe commands.
	title := t.Title
	if title == "" {
		title = o.Title
	}
	p := &printable{o: o, title: validUTF8(title), border: o.Border}
	if p.border > 2 {
		p.border = 2
	}
	if p.border < 0 {
		p.border = 2 // psql's border is unsigned: a negative one is large
	}
	for i, h := range t.Headers {
		p.headers = append(p.headers, validUTF8(h))
		a := byte('l')
		if i < len(t.Align) && t.Align[i] == 'r' {
			a = 'r'
		}
		p.align = append(p.align, a)
	}
	null := validUTF8(o.Null)
	for _, row := range t.Rows {
		cells := make([]string, len(t.Headers))
		for j := range cells {
			if j < len(row) && row[j] != nil {
				cells[j] = validUTF8(*row[j])
			} else {
				cells[j] = null
			}
		}
		p.cells = append(p.cells, cells)
	}
	if len(t.Footers) > 0 {
		p.footers = t.Footers
	}
	switch {
	case t.Footers != nil:
		p.deflt = p.footers
	case o.Footer && !t.NoDefaultFooter:
		if len(t.Rows) == 1 {
			p.deflt = []string{"(1 row)"}
		} else {
			p.deflt = []string{fmt.Sprintf("(%d rows)", len(t.Rows))}
		}
	}
	p.ls = o.lineStyle()
	return p
}

// validUTF8 drops what is not UTF-8, as psql's mbvalidate does, and cuts the
// string at a zero byte, where psql's C string ends.
func validUTF8(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "")
}

func spaces(w *bufio.Writer, n int) {
	for ; n > 0; n-- {
		w.WriteByte(' ')
	}
}

// nCells is the number of cells, psql's cell_count.
func (p *printable) nCells() int { return len(p.cells) * len(p.headers) }

// fmtLine is one display line of a formatted value and its width in columns.
type fmtLine struct {
	s string
	w int
}

// formatText splits s into display lines the way psql's pg_wcsformat does:
// a newline starts a line, a carriage return shows as \r, a tab as spaces to
// the next multiple of 8, other control characters as \xHH (ASCII) or
// \uHHHH.
func formatText(s string) []fmtLine {
	plain := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			plain = false
			break
		}
	}
	if plain {
		return []fmtLine{{s, len(s)}}
	}
	var lines []fmtLine
	var b strings.Builder
	width := 0
	for _, r := range s {
		switch {
		case r == '\n':
			lines = append(lines, fmtLine{b.String(), width})
			b.Reset()
			width = 0
		case r == '\r':
			b.WriteString(`\r`)
			width += 2
		case r == '\t':
			for {
				b.WriteByte(' ')
				width++
				if width%8 == 0 {
					break
				}
			}
		default:
			cw := runeWidth(r)
			switch {
			case cw < 0 && r < 0x80:
				fmt.Fprintf(&b, `\x%02X`, r)
				width += 4
			case cw < 0:
				fmt.Fprintf(&b, `\u%04X`, r)
				width += 6
			default:
				b.WriteRune(r)
				width += cw
			}
		}
	}
	return append(lines, fmtLine{b.String(), width})
}

// textSize is the display width and height of s, psql's pg_wcssize.
func textSize(s string) (width, height int) {
	lines := formatText(s)
	for _, l := range lines {
		width = max(width, l.w)
	}
	return width, len(lines)
}

// StringWidth is the number of terminal columns s takes on one line, as psql
// counts them: East Asian wide characters 2, combining marks 0, control
// characters as their escapes (\xHH 4, \uHHHH 6, \r 2, tabs to a multiple of 8).
// For a multi-line string it is the widest line.
func StringWidth(s string) int {
	w, _ := textSize(validUTF8(s))
	return w
}

// runeWidth is psql's ucs_wcwidth: -1 for control characters, 0 for NUL and
// combining marks, 2 for East Asian wide and fullwidth characters, else 1.
func runeWidth(r rune) int {
	switch {
	case r == 0:
		return 0
	case r < 0x20 || (r >= 0x7f && r < 0xa0) || r > 0x10ffff:
		return -1
	case inRanges(r, combiningRanges):
		return 0
	case inRanges(r, wideRanges):
		return 2
	}
	return 1
}

type runeRange struct{ lo, hi rune }

func inRanges(r rune, t []runeRange) bool {
	if len(t) == 0 || r < t[0].lo || r > t[len(t)-1].hi {
		return false
	}
	lo, hi := 0, len(t)-1
	for lo <= hi {
		m := (lo + hi) / 2
		switch {
		case r < t[m].lo:
			hi = m - 1
		case r > t[m].hi:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}

// Line styles.

const (
	ruleTop = iota
	ruleMiddle
	ruleBottom
	ruleData
)

type lineRule struct{ hrule, left, mid, right string }

// lineStyle is psql's printTextFormat.
type lineStyle struct {
	name                                 string
	rule                                 [4]lineRule
	midNL, midWrap, midBlank             string
	headerNLLeft, headerNLRight          string
	nlLeft, nlRight, wrapLeft, wrapRight string
	wrapRightBorder                      bool
	oldASCII                             bool
}

var asciiStyle = lineStyle{
	name: "ascii",
	rule: [4]lineRule{
		{"-", "+", "+", "+"}, {"-", "+", "+", "+"}, {"-", "+", "+", "+"}, {"", "|", "|", "|"},
	},
	midNL: "|", midWrap: "|", midBlank: "|",
	headerNLLeft: " ", headerNLRight: "+",
	nlLeft: " ", nlRight: "+", wrapLeft: ".", wrapRight: ".",
	wrapRightBorder: true,
}

var oldASCIIStyle = lineStyle{
	name: "old-ascii",
	rule: [4]lineRule{
		{"-", "+", "+", "+"}, {"-", "+", "+", "+"}, {"-", "+", "+", "+"}, {"", "|", "|", "|"},
	},
	midNL: ":", midWrap: ";", midBlank: " ",
	headerNLLeft: "+", headerNLRight: " ",
	nlLeft: " ", nlRight: " ", wrapLeft: " ", wrapRight: " ",
	oldASCII: true,
}

// Box drawing characters indexed [vertical][horizontal], 0 single, 1 double.
var (
	boxDownRight  = [2][2]string{{"┌", "╒"}, {"╓", "╔"}}
	boxDownLeft   = [2][2]string{{"┐", "╕"}, {"╖", "╗"}}
	boxUpRight    = [2][2]string{{"└", "╘"}, {"╙", "╚"}}
	boxUpLeft     = [2][2]string{{"┘", "╛"}, {"╜", "╝"}}
	boxVertRight  = [2][2]string{{"├", "╞"}, {"╟", "╠"}}
	boxVertLeft   = [2][2]string{{"┤", "╡"}, {"╢", "╣"}}
	boxDownHoriz  = [2][2]string{{"┬", "╤"}, {"╥", "╦"}}
	boxUpHoriz    = [2][2]string{{"┴", "╧"}, {"╨", "╩"}}
	boxCross      = [2][2]string{{"┼", "╪"}, {"╫", "╬"}}
	boxHorizontal = [2]string{"─", "═"}
	boxVertical   = [2]string{"│", "║"}
)

func styleIndex(s string) int {
	if s == "double" {
		return 1
	}
	return 0
}

// unicodeStyle is psql's unicode line style for the unicode_*_linestyle settings.
func unicodeStyle(border, column, header string) *lineStyle {
	b, c, h := styleIndex(border), styleIndex(column), styleIndex(header)
	return &lineStyle{
		name: "unicode",
		rule: [4]lineRule{
			ruleTop:    {boxHorizontal[b], boxDownRight[b][b], boxDownHoriz[c][b], boxDownLeft[b][b]},
			ruleMiddle: {boxHorizontal[h], boxVertRight[b][h], boxCross[c][h], boxVertLeft[b][h]},
			ruleBottom: {boxHorizontal[b], boxUpRight[b][b], boxUpHoriz[c][b], boxUpLeft[b][b]},
			ruleData:   {"", boxVertical[b], boxVertical[c], boxVertical[b]},
		},
		midNL: boxVertical[c], midWrap: boxVertical[c], midBlank: boxVertical[c],
		headerNLLeft: " ", headerNLRight: "↵",
		nlLeft: " ", nlRight: "↵", wrapLeft: "…", wrapRight: "…",
		wrapRightBorder: true,
	}
}

func (o *PrintOptions) lineStyle() *lineStyle {
	switch o.Linestyle {
	case "old-ascii":
		return &oldASCIIStyle
	case "unicode":
		return unicodeStyle(o.UnicodeBorder, o.UnicodeColumn, o.UnicodeHeader)
	}
	return &asciiStyle
}

// Aligned format.

func (p *printable) horizontalLine(w *bufio.Writer, widths []int, pos int) {
	r := p.ls.rule[pos]
	switch p.border {
	case 1:
		w.WriteString(r.hrule)
	case 2:
		w.WriteString(r.left)
		w.WriteString(r.hrule)
	}
	for i, wd := range widths {
		for range wd {
			w.WriteString(r.hrule)
		}
		if i < len(widths)-1 {
			if p.border == 0 {
				w.WriteByte(' ')
			} else {
				w.WriteString(r.hrule)
				w.WriteString(r.mid)
				w.WriteString(r.hrule)
			}
		}
	}
	switch p.border {
	case 1:
		w.WriteString(r.hrule)
	case 2:
		w.WriteString(r.hrule)
		w.WriteString(r.right)
	}
	w.WriteByte('\n')
}

// alignedText is psql's print_aligned_text without the wrapped format.
func (p *printable) alignedText(w *bufio.Writer) {
	ncol := len(p.headers)
	ls := p.ls
	data := ls.rule[ruleData]
	tuplesOnly := p.o.TuplesOnly

	hdr := make([][]fmtLine, ncol)
	widthHeader := make([]int, ncol)
	maxWidth := make([]int, ncol)
	for i, h := range p.headers {
		hdr[i] = formatText(h)
		for _, l := range hdr[i] {
			widthHeader[i] = max(widthHeader[i], l.w)
		}
		maxWidth[i] = widthHeader[i]
	}
	cells := make([][][]fmtLine, len(p.cells))
	for r, row := range p.cells {
		cells[r] = make([][]fmtLine, ncol)
		for j, c := range row {
			cells[r][j] = formatText(c)
			for _, l := range cells[r][j] {
				maxWidth[j] = max(maxWidth[j], l.w)
			}
		}
	}

	var widthTotal int
	switch p.border {
	case 0:
		widthTotal = ncol
	case 1:
		widthTotal = ncol * 3
		if ncol > 0 {
			widthTotal--
		}
	default:
		widthTotal = ncol*3 + 1
	}
	totalHeaderWidth := widthTotal
	for i := range ncol {
		widthTotal += maxWidth[i]
		totalHeaderWidth += widthHeader[i]
	}

	if p.o.Expanded == "auto" && p.o.Columns > 0 && ncol > 1 &&
		(p.o.Columns < totalHeaderWidth || p.o.Columns < widthTotal) {
		p.alignedVertical(w)
		return
	}

	if p.title != "" && !tuplesOnly {
		tw, _ := textSize(p.title)
		if tw < widthTotal {
			spaces(w, (widthTotal-tw)/2)
		}
		w.WriteString(p.title)
		w.WriteByte('\n')
	}

	if !tuplesOnly {
		if p.border == 2 {
			p.horizontalLine(w, maxWidth, ruleTop)
		}
		done := make([]bool, ncol)
		more := ncol
		for curr := 0; more > 0; curr++ {
			if p.border == 2 {
				w.WriteString(data.left)
			}
			for i := range ncol {
				if p.border != 0 || (!ls.wrapRightBorder && i > 0) {
					if curr > 0 {
						w.WriteString(ls.headerNLLeft)
					} else {
						w.WriteByte(' ')
					}
				}
				if !done[i] {
					l := hdr[i][curr]
					nb := maxWidth[i] - l.w
					spaces(w, nb/2)
					w.WriteString(l.s)
					spaces(w, (nb+1)/2)
					if curr+1 >= len(hdr[i]) {
						more--
						done[i] = true
					}
				} else {
					spaces(w, maxWidth[i])
				}
				if p.border != 0 || ls.wrapRightBorder {
					if !done[i] {
						w.WriteString(ls.headerNLRight)
					} else {
						w.WriteByte(' ')
					}
				}
				if p.border != 0 && i < ncol-1 {
					w.WriteString(data.mid)
				}
			}
			if p.border == 2 {
				w.WriteString(data.right)
			}
			w.WriteByte('\n')
		}
		p.horizontalLine(w, maxWidth, ruleMiddle)
	}

	curr := make([]int, ncol)
	nl := make([]bool, ncol) // psql's wrap[] == PRINT_LINE_WRAP_NEWLINE
	for _, row := range cells {
		if ncol == 0 {
			break // psql prints no line for a row without cells
		}
		clear(curr)
		for more := true; more; {
			more = false
			if p.border == 2 {
				w.WriteString(data.left)
			}
			for j := range ncol {
				lines := row[j]
				finalSpaces := p.border == 2 || j < ncol-1
				if p.border != 0 {
					if nl[j] {
						w.WriteString(ls.nlLeft)
					} else {
						w.WriteByte(' ')
					}
				}
				chars := maxWidth[j]
				if curr[j] >= len(lines) {
					if finalSpaces {
						spaces(w, maxWidth[j])
					}
				} else {
					l := lines[curr[j]]
					chars = l.w
					if p.align[j] == 'r' {
						spaces(w, maxWidth[j]-chars)
					}
					w.WriteString(l.s)
					curr[j]++
					if curr[j] < len(lines) {
						more = true
					}
				}
				nl[j] = curr[j] < len(lines) && curr[j] != 0
				if p.align[j] != 'r' && (finalSpaces || nl[j]) {
					spaces(w, maxWidth[j]-chars)
				}
				if nl[j] {
					w.WriteString(ls.nlRight)
				} else if p.border == 2 || j < ncol-1 {
					w.WriteByte(' ')
				}
				if p.border != 0 && j < ncol-1 {
					switch {
					case nl[j+1]:
						w.WriteString(ls.midNL)
					case curr[j+1] >= len(row[j+1]):
						w.WriteString(ls.midBlank)
					default:
						w.WriteString(data.mid)
					}
				}
			}
			if p.border == 2 {
				w.WriteString(data.right)
			}
			w.WriteByte('\n')
		}
	}

	if p.border == 2 {
		p.horizontalLine(w, maxWidth, ruleBottom)
	}
	if !tuplesOnly {
		for _, f := range p.deflt {
			w.WriteString(f)
			w.WriteByte('\n')
		}
	}
	w.WriteByte('\n')
}

// verticalLine is psql's print_aligned_vertical_line: the rule above a
// record, with "[ RECORD n ]" in it when record > 0.
func (p *printable) verticalLine(w *bufio.Writer, record, hwidth, dwidth, pos int) {
	r := p.ls.rule[pos]
	fill := func() {
		if p.border > 0 {
			w.WriteString(r.hrule)
		} else {
			w.WriteByte(' ')
		}
	}
	switch p.border {
	case 1:
		w.WriteString(r.hrule)
	case 2:
		w.WriteString(r.left)
		w.WriteString(r.hrule)
	}
	reclen := 0
	if record > 0 {
		var s string
		if p.border == 0 {
			s = "* Record " + strconv.Itoa(record)
		} else {
			s = "[ RECORD " + strconv.Itoa(record) + " ]"
		}
		w.WriteString(s)
		reclen = len(s)
	}
	if p.border != 2 {
		reclen++
	}
	for i := reclen; i < hwidth; i++ {
		fill()
	}
	reclen -= hwidth
	if p.border > 0 {
		if reclen <= 0 {
			w.WriteString(r.hrule)
		}
		reclen--
		if reclen <= 0 {
			w.WriteString(r.mid)
		}
		reclen--
		if reclen <= 0 {
			w.WriteString(r.hrule)
		}
		reclen--
	} else {
		if reclen <= 0 {
			w.WriteByte(' ')
		}
		reclen--
	}
	reclen = max(reclen, 0)
	for i := reclen; i < dwidth; i++ {
		fill()
	}
	if p.border == 2 {
		w.WriteString(r.hrule)
		w.WriteString(r.right)
	}
	w.WriteByte('\n')
}

// alignedVertical is psql's print_aligned_vertical (expanded display)
// without the wrapped format.
func (p *printable) alignedVertical(w *bufio.Writer) {
	ls := p.ls
	data := ls.rule[ruleData]
	tuplesOnly := p.o.TuplesOnly
	ncol := len(p.headers)

	if p.nCells() == 0 {
		if !tuplesOnly {
			for _, f := range p.deflt {
				w.WriteString(f)
				w.WriteByte('\n')
			}
		}
		w.WriteByte('\n')
		return
	}

	hwidth, dwidth := 0, 0
	hmultiline, dmultiline := false, false
	hdr := make([][]fmtLine, ncol)
	for i, h := range p.headers {
		hdr[i] = formatText(h)
		for _, l := range hdr[i] {
			hwidth = max(hwidth, l.w)
		}
		if len(hdr[i]) > 1 {
			hmultiline = true
		}
	}
	cells := make([][][]fmtLine, len(p.cells))
	for r, row := range p.cells {
		cells[r] = make([][]fmtLine, ncol)
		for j, c := range row {
			cells[r][j] = formatText(c)
			for _, l := range cells[r][j] {
				dwidth = max(dwidth, l.w)
			}
			if len(cells[r][j]) > 1 {
				dmultiline = true
			}
		}
	}

	if !tuplesOnly && p.title != "" {
		w.WriteString(p.title)
		w.WriteByte('\n')
	}

	oldASCII := ls.oldASCII
	record := 1
	for r, row := range cells {
		for j, dl := range row {
			pos := ruleMiddle
			if r == 0 && j == 0 {
				pos = ruleTop
			}
			if j == 0 {
				lhwidth := hwidth
				if p.border < 2 && hmultiline && oldASCII {
					lhwidth++
				}
				if !tuplesOnly {
					p.verticalLine(w, record, lhwidth, dwidth, pos)
					record++
				} else if r != 0 || p.border == 2 {
					p.verticalLine(w, 0, lhwidth, dwidth, pos)
				}
			}
			hl := hdr[j]
			dline, hline, offset := 0, 0, 0
			dcomplete, hcomplete := false, false
			for !dcomplete || !hcomplete {
				if p.border == 2 {
					w.WriteString(data.left)
				}
				if !hcomplete {
					if p.border == 2 || (hmultiline && oldASCII) {
						if hline > 0 {
							w.WriteString(ls.headerNLLeft)
						} else {
							w.WriteByte(' ')
						}
					}
					w.WriteString(hl[hline].s)
					spaces(w, hwidth-hl[hline].w)
					if hline+1 < len(hl) {
						if p.border > 0 || (hmultiline && !oldASCII) {
							w.WriteString(ls.headerNLRight)
						}
						hline++
					} else {
						if p.border > 0 || (hmultiline && !oldASCII) {
							w.WriteByte(' ')
						}
						hcomplete = true
					}
				} else {
					sw := hwidth + p.border
					if p.border < 2 && hmultiline && oldASCII {
						sw++
					}
					if p.border == 0 && !oldASCII && hmultiline {
						sw++
					}
					spaces(w, max(sw, 1))
				}
				if p.border > 0 {
					switch {
					case offset > 0:
						// psql's offset into the data line is not reset once
						// the value is done: old-ascii shows its wrap mark.
						w.WriteString(ls.midWrap)
					case dline == 0:
						w.WriteString(data.mid)
					default:
						w.WriteString(ls.midNL)
					}
				}
				if !dcomplete {
					w.WriteByte(' ')
					w.WriteString(dl[dline].s)
					offset = len(dl[dline].s)
					sw := dwidth - dl[dline].w
					if dline+1 < len(dl) {
						offset = 0
						if p.border > 1 || (dmultiline && !oldASCII) {
							spaces(w, sw)
							w.WriteString(ls.nlRight)
						}
						dline++
					} else {
						if p.border > 1 {
							spaces(w, sw)
							w.WriteByte(' ')
						}
						dcomplete = true
					}
					if p.border == 2 {
						w.WriteString(data.right)
					}
					w.WriteByte('\n')
				} else {
					if p.border < 2 {
						w.WriteByte('\n')
					} else {
						spaces(w, dwidth+2)
						w.WriteString(data.right)
						w.WriteByte('\n')
					}
				}
			}
		}
	}

	if p.border == 2 {
		p.verticalLine(w, 0, hwidth, dwidth, ruleBottom)
	}
	if !tuplesOnly && p.footers != nil {
		if p.border < 2 {
			w.WriteByte('\n')
		}
		for _, f := range p.footers {
			w.WriteString(f)
			w.WriteByte('\n')
		}
	}
	w.WriteByte('\n')
}

// Unaligned format.

func (p *printable) fieldSep(w *bufio.Writer) {
	if p.o.FieldSepZero {
		w.WriteByte(0)
	} else {
		w.WriteString(p.o.FieldSep)
	}
}

func (p *printable) recordSep(w *bufio.Writer) {
	if p.o.RecordSepZero {
		w.WriteByte(0)
	} else {
		w.WriteString(p.o.RecordSep)
	}
}

// endRecord ends the last record: a newline, or a zero byte with recordsep_zero.
func (p *printable) endRecord(w *bufio.Writer) {
	if p.o.RecordSepZero {
		w.WriteByte(0)
	} else {
		w.WriteByte('\n')
	}
}

// unalignedText is psql's print_unaligned_text.
func (p *printable) unalignedText(w *bufio.Writer) {
	needSep := false
	if !p.o.TuplesOnly {
		if p.title != "" {
			w.WriteString(p.title)
			p.recordSep(w)
		}
		for i, h := range p.headers {
			if i > 0 {
				p.fieldSep(w)
			}
			w.WriteString(h)
		}
		needSep = true
	}
	for _, row := range p.cells {
		for j, c := range row {
			if needSep {
				p.recordSep(w)
				needSep = false
			}
			w.WriteString(c)
			if j < len(row)-1 {
				p.fieldSep(w)
			} else {
				needSep = true
			}
		}
	}
	if !p.o.TuplesOnly {
		for _, f := range p.deflt {
			if needSep {
				p.recordSep(w)
			}
			w.WriteString(f)
			needSep = true
		}
	}
	if needSep {
		p.endRecord(w)
	}
}

// unalignedVertical is psql's print_unaligned_vertical.
func (p *printable) unalignedVertical(w *bufio.Writer) {
	needSep := false
	if !p.o.TuplesOnly && p.title != "" {
		w.WriteString(p.title)
		needSep = true
	}
	for _, row := range p.cells {
		for j, c := range row {
			if needSep {
				p.recordSep(w)
				p.recordSep(w)
				needSep = false
			}
			w.WriteString(p.headers[j])
			p.fieldSep(w)
			w.WriteString(c)
			if j < len(row)-1 {
				p.recordSep(w)
			} else {
				needSep = true
			}
		}
	}
	if !p.o.TuplesOnly && p.footers != nil {
		p.recordSep(w)
		for _, f := range p.footers {
			p.recordSep(w)
			w.WriteString(f)
		}
	}
	if needSep {
		p.endRecord(w)
	}
}

// CSV format.

func (p *printable) csvSep() byte {
	if p.o.CSVFieldSep == "" {
		return ','
	}
	return p.o.CSVFieldSep[0]
}

// csvField is psql's csv_print_field: quoted when it holds the separator, a
// quote, CR or LF, is exactly \., or the separator is \ or '.'.
func csvField(w *bufio.Writer, s string, sep byte) {
	if strings.IndexByte(s, sep) >= 0 || strings.ContainsAny(s, "\r\n\"") ||
		s == `\.` || sep == '\\' || sep == '.' {
		w.WriteByte('"')
		w.WriteString(strings.ReplaceAll(s, `"`, `""`))
		w.WriteByte('"')
		return
	}
	w.WriteString(s)
}

// csvText is psql's print_csv_text: no title and no footers.
func (p *printable) csvText(w *bufio.Writer) {
	sep := p.csvSep()
	if !p.o.TuplesOnly {
		for i, h := range p.headers {
			if i > 0 {
				w.WriteByte(sep)
			}
			csvField(w, h, sep)
		}
		w.WriteByte('\n')
	}
	for _, row := range p.cells {
		for j, c := range row {
			csvField(w, c, sep)
			if j < len(row)-1 {
				w.WriteByte(sep)
			} else {
				w.WriteByte('\n')
			}
		}
	}
}

// csvVertical is psql's print_csv_vertical: one name,value line per field.
func (p *printable) csvVertical(w *bufio.Writer) {
	sep := p.csvSep()
	for _, row := range p.cells {
		for j, c := range row {
			csvField(w, p.headers[j], sep)
			w.WriteByte(sep)
			csvField(w, c, sep)
			w.WriteByte('\n')
		}
	}
}

// JSON formats: not in psql.
//
// printJSON writes t as JSON, one object per row with the column names as
// keys in column order (duplicate names are kept, one key each, as they
// come). With lines false ("json") the objects form an array, one object per
// line: "[\n{...},\n{...}\n]\n", or "[]\n" for no rows. With lines true
// ("json-lines") each object is a line of its own and no rows print nothing.
//
// Values follow t.Types: int2, int4, int8, oid, float4, float8 and numeric
// are JSON numbers (NaN and the infinities, which JSON lacks, are strings);
// bool's t and f are true and false; json and jsonb (OIDs 114, 3802) are
// embedded as JSON, compacted onto one line; NULL is null whatever \pset
// null says; everything else is a string. Titles, footers, tuples_only and
// expanded do not apply.
func printJSON(w *bufio.Writer, t *Table, lines bool) {
	if !lines {
		if len(t.Rows) == 0 {
			w.WriteString("[]\n")
			return
		}
		w.WriteString("[\n")
	}
	var buf bytes.Buffer
	for i, row := range t.Rows {
		w.WriteByte('{')
		for j, h := range t.Headers {
			if j > 0 {
				w.WriteByte(',')
			}
			jsonString(w, h)
			w.WriteByte(':')
			var v *string
			if j < len(row) {
				v = row[j]
			}
			var typ uint32
			if j < len(t.Types) {
				typ = t.Types[j]
			}
			jsonValue(w, &buf, v, typ)
		}
		w.WriteByte('}')
		if !lines && i < len(t.Rows)-1 {
			w.WriteByte(',')
		}
		w.WriteByte('\n')
	}
	if !lines {
		w.WriteString("]\n")
	}
}

func jsonValue(w *bufio.Writer, buf *bytes.Buffer, v *string, typ uint32) {
	if v == nil {
		w.WriteString("null")
		return
	}
	s := *v
	switch typ {
	case 20, 21, 23, 26, 700, 701, 1700:
		if isJSONNumber(s) {
			w.WriteString(s)
			return
		}
	case 16:
		switch s {
		case "t":
			w.WriteString("true")
			return
		case "f":
			w.WriteString("false")
			return
		}
	case 114, 3802:
		buf.Reset()
		if json.Compact(buf, []byte(s)) == nil {
			w.Write(buf.Bytes())
			return
		}
	}
	jsonString(w, s)
}

// isJSONNumber reports whether s is a number in JSON's grammar
// (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?).
func isJSONNumber(s string) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if i >= len(s) || s[i] < '1' || s[i] > '9' || digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// jsonString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func jsonString(w *bufio.Writer, s string) {
	const hex = "0123456789abcdef"
	w.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				w.WriteByte('\\')
				w.WriteByte(c)
			case c == '\n':
				w.WriteString(`\n`)
			case c == '\r':
				w.WriteString(`\r`)
			case c == '\t':
				w.WriteString(`\t`)
			case c < 0x20:
				w.WriteString(`\u00`)
				w.WriteByte(hex[c>>4])
				w.WriteByte(hex[c&0xf])
			default:
				w.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			w.WriteString(`\ufffd`)
		} else {
			w.WriteString(s[i : i+size])
		}
		i += size
	}
	w.WriteByte('"')
}

// Display width tables, generated from Unicode 14.0 (the version PostgreSQL
// 15's tables come from) with Perl's Unicode::UCD.

// combiningRanges are the nonspacing and enclosing marks (general categories Mn, Me): width 0.
var combiningRanges = []runeRange{
	{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF},
	{0x05C1, 0x05C2}, {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A},
	{0x064B, 0x065F}, {0x0670, 0x0670}, {0x06D6, 0x06DC}, {0x06DF, 0x06E4},
	{0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0711, 0x0711}, {0x0730, 0x074A},
	{0x07A6, 0x07B0}, {0x07EB, 0x07F3}, {0x07FD, 0x07FD}, {0x0816, 0x0819},
	{0x081B, 0x0823}, {0x0825, 0x0827}, {0x0829, 0x082D}, {0x0859, 0x085B},
	{0x0898, 0x089F}, {0x08CA, 0x08E1}, {0x08E3, 0x0902}, {0x093A, 0x093A},
	{0x093C, 0x093C}, {0x0941, 0x0948}, {0x094D, 0x094D}, {0x0951, 0x0957},
	{0x0962, 0x0963}, {0x0981, 0x0981}, {0x09BC, 0x09BC}, {0x09C1, 0x09C4},
	{0x09CD, 0x09CD}, {0x09E2, 0x09E3}, {0x09FE, 0x09FE}, {0x0A01, 0x0A02},
	{0x0A3C, 0x0A3C}, {0x0A41, 0x0A42}, {0x0A47, 0x0A48}, {0x0A4B, 0x0A4D},
	{0x0A51, 0x0A51}, {0x0A70, 0x0A71}, {0x0A75, 0x0A75}, {0x0A81, 0x0A82},
	{0x0ABC, 0x0ABC}, {0x0AC1, 0x0AC5}, {0x0AC7, 0x0AC8}, {0x0ACD, 0x0ACD},
	{0x0AE2, 0x0AE3}, {0x0AFA, 0x0AFF}, {0x0B01, 0x0B01}, {0x0B3C, 0x0B3C},
	{0x0B3F, 0x0B3F}, {0x0B41, 0x0B44}, {0x0B4D, 0x0B4D}, {0x0B55, 0x0B56},
	{0x0B62, 0x0B63}, {0x0B82, 0x0B82}, {0x0BC0, 0x0BC0}, {0x0BCD, 0x0BCD},
	{0x0C00, 0x0C00}, {0x0C04, 0x0C04}, {0x0C3C, 0x0C3C}, {0x0C3E, 0x0C40},
	{0x0C46, 0x0C48}, {0x0C4A, 0x0C4D}, {0x0C55, 0x0C56}, {0x0C62, 0x0C63},
	{0x0C81, 0x0C81}, {0x0CBC, 0x0CBC}, {0x0CBF, 0x0CBF}, {0x0CC6, 0x0CC6},
	{0x0CCC, 0x0CCD}, {0x0CE2, 0x0CE3}, {0x0D00, 0x0D01}, {0x0D3B, 0x0D3C},
	{0x0D41, 0x0D44}, {0x0D4D, 0x0D4D}, {0x0D62, 0x0D63}, {0x0D81, 0x0D81},
	{0x0DCA, 0x0DCA}, {0x0DD2, 0x0DD4}, {0x0DD6, 0x0DD6}, {0x0E31, 0x0E31},
	{0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x0EB1, 0x0EB1}, {0x0EB4, 0x0EBC},
	{0x0EC8, 0x0ECD}, {0x0F18, 0x0F19}, {0x0F35, 0x0F35}, {0x0F37, 0x0F37},
	{0x0F39, 0x0F39}, {0x0F71, 0x0F7E}, {0x0F80, 0x0F84}, {0x0F86, 0x0F87},
	{0x0F8D, 0x0F97}, {0x0F99, 0x0FBC}, {0x0FC6, 0x0FC6}, {0x102D, 0x1030},
	{0x1032, 0x1037}, {0x1039, 0x103A}, {0x103D, 0x103E}, {0x1058, 0x1059},
	{0x105E, 0x1060}, {0x1071, 0x1074}, {0x1082, 0x1082}, {0x1085, 0x1086},
	{0x108D, 0x108D}, {0x109D, 0x109D}, {0x135D, 0x135F}, {0x1712, 0x1714},
	{0x1732, 0x1733}, {0x1752, 0x1753}, {0x1772, 0x1773}, {0x17B4, 0x17B5},
	{0x17B7, 0x17BD}, {0x17C6, 0x17C6}, {0x17C9, 0x17D3}, {0x17DD, 0x17DD},
	{0x180B, 0x180D}, {0x180F, 0x180F}, {0x1885, 0x1886}, {0x18A9, 0x18A9},
	{0x1920, 0x1922}, {0x1927, 0x1928}, {0x1932, 0x1932}, {0x1939, 0x193B},
	{0x1A17, 0x1A18}, {0x1A1B, 0x1A1B}, {0x1A56, 0x1A56}, {0x1A58, 0x1A5E},
	{0x1A60, 0x1A60}, {0x1A62, 0x1A62}, {0x1A65, 0x1A6C}, {0x1A73, 0x1A7C},
	{0x1A7F, 0x1A7F}, {0x1AB0, 0x1ACE}, {0x1B00, 0x1B03}, {0x1B34, 0x1B34},
	{0x1B36, 0x1B3A}, {0x1B3C, 0x1B3C}, {0x1B42, 0x1B42}, {0x1B6B, 0x1B73},
	{0x1B80, 0x1B81}, {0x1BA2, 0x1BA5}, {0x1BA8, 0x1BA9}, {0x1BAB, 0x1BAD},
	{0x1BE6, 0x1BE6}, {0x1BE8, 0x1BE9}, {0x1BED, 0x1BED}, {0x1BEF, 0x1BF1},
	{0x1C2C, 0x1C33}, {0x1C36, 0x1C37}, {0x1CD0, 0x1CD2}, {0x1CD4, 0x1CE0},
	{0x1CE2, 0x1CE8}, {0x1CED, 0x1CED}, {0x1CF4, 0x1CF4}, {0x1CF8, 0x1CF9},
	{0x1DC0, 0x1DFF}, {0x20D0, 0x20F0}, {0x2CEF, 0x2CF1}, {0x2D7F, 0x2D7F},
	{0x2DE0, 0x2DFF}, {0x302A, 0x302D}, {0x3099, 0x309A}, {0xA66F, 0xA672},
	{0xA674, 0xA67D}, {0xA69E, 0xA69F}, {0xA6F0, 0xA6F1}, {0xA802, 0xA802},
	{0xA806, 0xA806}, {0xA80B, 0xA80B}, {0xA825, 0xA826}, {0xA82C, 0xA82C},
	{0xA8C4, 0xA8C5}, {0xA8E0, 0xA8F1}, {0xA8FF, 0xA8FF}, {0xA926, 0xA92D},
	{0xA947, 0xA951}, {0xA980, 0xA982}, {0xA9B3, 0xA9B3}, {0xA9B6, 0xA9B9},
	{0xA9BC, 0xA9BD}, {0xA9E5, 0xA9E5}, {0xAA29, 0xAA2E}, {0xAA31, 0xAA32},
	{0xAA35, 0xAA36}, {0xAA43, 0xAA43}, {0xAA4C, 0xAA4C}, {0xAA7C, 0xAA7C},
	{0xAAB0, 0xAAB0}, {0xAAB2, 0xAAB4}, {0xAAB7, 0xAAB8}, {0xAABE, 0xAABF},
	{0xAAC1, 0xAAC1}, {0xAAEC, 0xAAED}, {0xAAF6, 0xAAF6}, {0xABE5, 0xABE5},
	{0xABE8, 0xABE8}, {0xABED, 0xABED}, {0xFB1E, 0xFB1E}, {0xFE00, 0xFE0F},
	{0xFE20, 0xFE2F}, {0x101FD, 0x101FD}, {0x102E0, 0x102E0}, {0x10376, 0x1037A},
	{0x10A01, 0x10A03}, {0x10A05, 0x10A06}, {0x10A0C, 0x10A0F}, {0x10A38, 0x10A3A},
	{0x10A3F, 0x10A3F}, {0x10AE5, 0x10AE6}, {0x10D24, 0x10D27}, {0x10EAB, 0x10EAC},
	{0x10F46, 0x10F50}, {0x10F82, 0x10F85}, {0x11001, 0x11001}, {0x11038, 0x11046},
	{0x11070, 0x11070}, {0x11073, 0x11074}, {0x1107F, 0x11081}, {0x110B3, 0x110B6},
	{0x110B9, 0x110BA}, {0x110C2, 0x110C2}, {0x11100, 0x11102}, {0x11127, 0x1112B},
	{0x1112D, 0x11134}, {0x11173, 0x11173}, {0x11180, 0x11181}, {0x111B6, 0x111BE},
	{0x111C9, 0x111CC}, {0x111CF, 0x111CF}, {0x1122F, 0x11231}, {0x11234, 0x11234},
	{0x11236, 0x11237}, {0x1123E, 0x1123E}, {0x112DF, 0x112DF}, {0x112E3, 0x112EA},
	{0x11300, 0x11301}, {0x1133B, 0x1133C}, {0x11340, 0x11340}, {0x11366, 0x1136C},
	{0x11370, 0x11374}, {0x11438, 0x1143F}, {0x11442, 0x11444}, {0x11446, 0x11446},
	{0x1145E, 0x1145E}, {0x114B3, 0x114B8}, {0x114BA, 0x114BA}, {0x114BF, 0x114C0},
	{0x114C2, 0x114C3}, {0x115B2, 0x115B5}, {0x115BC, 0x115BD}, {0x115BF, 0x115C0},
	{0x115DC, 0x115DD}, {0x11633, 0x1163A}, {0x1163D, 0x1163D}, {0x1163F, 0x11640},
	{0x116AB, 0x116AB}, {0x116AD, 0x116AD}, {0x116B0, 0x116B5}, {0x116B7, 0x116B7},
	{0x1171D, 0x1171F}, {0x11722, 0x11725}, {0x11727, 0x1172B}, {0x1182F, 0x11837},
	{0x11839, 0x1183A}, {0x1193B, 0x1193C}, {0x1193E, 0x1193E}, {0x11943, 0x11943},
	{0x119D4, 0x119D7}, {0x119DA, 0x119DB}, {0x119E0, 0x119E0}, {0x11A01, 0x11A0A},
	{0x11A33, 0x11A38}, {0x11A3B, 0x11A3E}, {0x11A47, 0x11A47}, {0x11A51, 0x11A56},
	{0x11A59, 0x11A5B}, {0x11A8A, 0x11A96}, {0x11A98, 0x11A99}, {0x11C30, 0x11C36},
	{0x11C38, 0x11C3D}, {0x11C3F, 0x11C3F}, {0x11C92, 0x11CA7}, {0x11CAA, 0x11CB0},
	{0x11CB2, 0x11CB3}, {0x11CB5, 0x11CB6}, {0x11D31, 0x11D36}, {0x11D3A, 0x11D3A},
	{0x11D3C, 0x11D3D}, {0x11D3F, 0x11D45}, {0x11D47, 0x11D47}, {0x11D90, 0x11D91},
	{0x11D95, 0x11D95}, {0x11D97, 0x11D97}, {0x11EF3, 0x11EF4}, {0x16AF0, 0x16AF4},
	{0x16B30, 0x16B36}, {0x16F4F, 0x16F4F}, {0x16F8F, 0x16F92}, {0x16FE4, 0x16FE4},
	{0x1BC9D, 0x1BC9E}, {0x1CF00, 0x1CF2D}, {0x1CF30, 0x1CF46}, {0x1D167, 0x1D169},
	{0x1D17B, 0x1D182}, {0x1D185, 0x1D18B}, {0x1D1AA, 0x1D1AD}, {0x1D242, 0x1D244},
	{0x1DA00, 0x1DA36}, {0x1DA3B, 0x1DA6C}, {0x1DA75, 0x1DA75}, {0x1DA84, 0x1DA84},
	{0x1DA9B, 0x1DA9F}, {0x1DAA1, 0x1DAAF}, {0x1E000, 0x1E006}, {0x1E008, 0x1E018},
	{0x1E01B, 0x1E021}, {0x1E023, 0x1E024}, {0x1E026, 0x1E02A}, {0x1E130, 0x1E136},
	{0x1E2AE, 0x1E2AE}, {0x1E2EC, 0x1E2EF}, {0x1E8D0, 0x1E8D6}, {0x1E944, 0x1E94A},
	{0xE0100, 0xE01EF},
}

// wideRanges are the East Asian Wide and Fullwidth characters (W, F): width 2.
var wideRanges = []runeRange{
	{0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC},
	{0x23F0, 0x23F0}, {0x23F3, 0x23F3}, {0x25FD, 0x25FE}, {0x2614, 0x2615},
	{0x2648, 0x2653}, {0x267F, 0x267F}, {0x2693, 0x2693}, {0x26A1, 0x26A1},
	{0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5}, {0x26CE, 0x26CE},
	{0x26D4, 0x26D4}, {0x26EA, 0x26EA}, {0x26F2, 0x26F3}, {0x26F5, 0x26F5},
	{0x26FA, 0x26FA}, {0x26FD, 0x26FD}, {0x2705, 0x2705}, {0x270A, 0x270B},
	{0x2728, 0x2728}, {0x274C, 0x274C}, {0x274E, 0x274E}, {0x2753, 0x2755},
	{0x2757, 0x2757}, {0x2795, 0x2797}, {0x27B0, 0x27B0}, {0x27BF, 0x27BF},
	{0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55}, {0x2E80, 0x2E99},
	{0x2E9B, 0x2EF3}, {0x2F00, 0x2FD5}, {0x2FF0, 0x2FFB}, {0x3000, 0x303E},
	{0x3041, 0x3096}, {0x3099, 0x30FF}, {0x3105, 0x312F}, {0x3131, 0x318E},
	{0x3190, 0x31E3}, {0x31F0, 0x321E}, {0x3220, 0x3247}, {0x3250, 0x4DBF},
	{0x4E00, 0xA48C}, {0xA490, 0xA4C6}, {0xA960, 0xA97C}, {0xAC00, 0xD7A3},
	{0xF900, 0xFAFF}, {0xFE10, 0xFE19}, {0xFE30, 0xFE52}, {0xFE54, 0xFE66},
	{0xFE68, 0xFE6B}, {0xFF01, 0xFF60}, {0xFFE0, 0xFFE6}, {0x16FE0, 0x16FE4},
	{0x16FF0, 0x16FF1}, {0x17000, 0x187F7}, {0x18800, 0x18CD5}, {0x18D00, 0x18D08},
	{0x1AFF0, 0x1AFF3}, {0x1AFF5, 0x1AFFB}, {0x1AFFD, 0x1AFFE}, {0x1B000, 0x1B122},
	{0x1B150, 0x1B152}, {0x1B164, 0x1B167}, {0x1B170, 0x1B2FB}, {0x1F004, 0x1F004},
	{0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F202},
	{0x1F210, 0x1F23B}, {0x1F240, 0x1F248}, {0x1F250, 0x1F251}, {0x1F260, 0x1F265},
	{0x1F300, 0x1F320}, {0x1F32D, 0x1F335}, {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393},
	{0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3}, {0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4},
	{0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440}, {0x1F442, 0x1F4FC}, {0x1F4FF, 0x1F53D},
	{0x1F54B, 0x1F54E}, {0x1F550, 0x1F567}, {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596},
	{0x1F5A4, 0x1F5A4}, {0x1F5FB, 0x1F64F}, {0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC},
	{0x1F6D0, 0x1F6D2}, {0x1F6D5, 0x1F6D7}, {0x1F6DD, 0x1F6DF}, {0x1F6EB, 0x1F6EC},
	{0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB}, {0x1F7F0, 0x1F7F0}, {0x1F90C, 0x1F93A},
	{0x1F93C, 0x1F945}, {0x1F947, 0x1F9FF}, {0x1FA70, 0x1FA74}, {0x1FA78, 0x1FA7C},
	{0x1FA80, 0x1FA86}, {0x1FA90, 0x1FAAC}, {0x1FAB0, 0x1FABA}, {0x1FAC0, 0x1FAC5},
	{0x1FAD0, 0x1FAD9}, {0x1FAE0, 0x1FAE7}, {0x1FAF0, 0x1FAF6}, {0x20000, 0x2FFFD},
	{0x30000, 0x3FFFD},
}
