package cli

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pgmoon-go/pgmoon"
)

// FormatError renders a server error (or notice) the way psql 15 does (the
// text libpq builds for PQerrorMessage) for the given VERBOSITY ("default",
// "verbose", "terse", "sqlstate") and SHOW_CONTEXT ("never", "errors",
// "always"); other values count as "default" and "errors". When the error
// has a position, a "LINE n:" excerpt of query (the text sent) with a caret
// follows the message; an InternalPosition is shown in InternalQuery.
//
// One difference from psql: the default verbosity adds the SQLSTATE after
// the severity ("ERROR:  22012: division by zero"), as verbose does.
//
// A severity other than ERROR, FATAL or PANIC is a notice: SHOW_CONTEXT
// "errors" hides its CONTEXT. Terse shows no CONTEXT at all. The result
// ends with a newline.
func FormatError(e *pgmoon.PgError, verbosity, showContext, query string) string {
	var b strings.Builder
	sev := e.Severity
	if sev == "" {
		sev = e.SeverityUnlocalized
	}
	if sev != "" {
		b.WriteString(sev + ":  ")
	}
	if verbosity == "sqlstate" {
		if e.Code != "" {
			b.WriteString(e.Code + "\n")
			return b.String()
		}
		verbosity = "terse"
	}
	terse := verbosity == "terse"
	verbose := verbosity == "verbose"
	if !terse && e.Code != "" { // pgmoon-cli's default shows it too
		b.WriteString(e.Code + ": ")
	}
	b.WriteString(e.Message)

	var ctxQuery string
	var ctxPos int
	switch {
	case e.Position > 0:
		if !terse {
			ctxQuery, ctxPos = query, int(e.Position)
		} else {
			b.WriteString(" at character " + strconv.Itoa(int(e.Position)))
		}
	case e.InternalPosition > 0:
		if !terse && e.InternalQuery != "" {
			ctxQuery, ctxPos = e.InternalQuery, int(e.InternalPosition)
		} else {
			b.WriteString(" at character " + strconv.Itoa(int(e.InternalPosition)))
		}
	}
	b.WriteByte('\n')
	if !terse {
		if ctxPos > 0 {
			errorPosition(&b, ctxQuery, ctxPos)
		}
		field(&b, "DETAIL", e.Detail)
		field(&b, "HINT", e.Hint)
		field(&b, "QUERY", e.InternalQuery)
		if showContext == "always" || showContext != "never" && isError(e) {
			field(&b, "CONTEXT", e.Where)
		}
	}
	if verbose {
		field(&b, "SCHEMA NAME", e.SchemaName)
		field(&b, "TABLE NAME", e.TableName)
		field(&b, "COLUMN NAME", e.ColumnName)
		field(&b, "DATATYPE NAME", e.DataTypeName)
		field(&b, "CONSTRAINT NAME", e.ConstraintName)
		if e.Routine != "" || e.File != "" || e.Line != 0 {
			b.WriteString("LOCATION:  ")
			if e.Routine != "" {
				b.WriteString(e.Routine + ", ")
			}
			if e.File != "" && e.Line != 0 {
				b.WriteString(e.File + ":" + strconv.Itoa(int(e.Line)))
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func field(b *strings.Builder, name, val string) {
	if val != "" {
		b.WriteString(name + ":  " + val + "\n")
	}
}

// isError tells an error from a notice, as libpq's result status does.
func isError(e *pgmoon.PgError) bool {
	sev := e.SeverityUnlocalized
	if sev == "" {
		sev = e.Severity
	}
	switch sev {
	case "ERROR", "FATAL", "PANIC":
		return true
	}
	return false
}

// Limits of the LINE excerpt, in screen columns (libpq's reportErrorPosition).
const (
	displaySize = 60 // widest excerpt
	minRightCut = 10 // columns kept right of the caret when cutting
)

// errorPosition writes the "LINE n: " excerpt of query around the 1-based
// character position pos and a caret line under it. Tabs show as spaces;
// East Asian wide characters take two columns.
func errorPosition(b *strings.Builder, query string, pos int) {
	loc := pos - 1
	// Per character: byte offset and screen column, up to the end of the
	// line holding loc (one extra entry for the end).
	var qidx, scr []int
	w := []byte(query)
	line, ibeg, iend := 1, 0, -1
	off, col, cno := 0, 0, 0
	for ; off < len(w); cno++ {
		qidx = append(qidx, off)
		scr = append(scr, col)
		ch := w[off]
		if ch == '\t' {
			w[off] = ' '
		} else if ch == '\r' || ch == '\n' {
			if cno < loc {
				if ch == '\r' || cno == 0 || w[qidx[cno-1]] != '\r' {
					line++
				}
				ibeg = cno + 1
			} else {
				iend = cno
				break
			}
		}
		r, n := utf8.DecodeRune(w[off:])
		col += runeWidth(r)
		off += n
	}
	if iend < 0 {
		iend = cno
		qidx = append(qidx, off)
		scr = append(scr, col)
	}
	if loc > cno {
		return
	}
	begTrunc, endTrunc := false, false
	if scr[iend]-scr[ibeg] > displaySize {
		if scr[ibeg]+displaySize >= scr[loc]+minRightCut {
			for scr[iend]-scr[ibeg] > displaySize {
				iend--
			}
			endTrunc = true
		} else {
			for scr[loc]+minRightCut < scr[iend] {
				iend--
				endTrunc = true
			}
			for scr[iend]-scr[ibeg] > displaySize {
				ibeg++
				begTrunc = true
			}
		}
	}
	prefix := "LINE " + strconv.Itoa(line) + ": "
	if begTrunc {
		prefix += "..."
	}
	b.WriteString(prefix)
	b.Write(w[qidx[ibeg]:qidx[iend]])
	if endTrunc {
		b.WriteString("...")
	}
	b.WriteByte('\n')
	b.WriteString(strings.Repeat(" ", max(0, len(prefix)+scr[loc]-scr[ibeg])))
	b.WriteString("^\n")
}

// runeWidth is the screen width libpq gives a character in the caret
// computation: 2 for East Asian wide and fullwidth characters, else 1
// (control and combining characters count 1 there too).
func runeWidth(r rune) int {
	for _, rg := range wideRanges {
		if r < rg[0] {
			return 1
		}
		if r <= rg[1] {
			return 2
		}
	}
	return 1
}

// wideRanges are the East Asian Wide (W) and Fullwidth (F) ranges of
// Unicode 14 (PostgreSQL 15's table), sorted.
var wideRanges = [][2]rune{
	{0x1100, 0x115f}, {0x231a, 0x231b}, {0x2329, 0x232a}, {0x23e9, 0x23ec},
	{0x23f0, 0x23f0}, {0x23f3, 0x23f3}, {0x25fd, 0x25fe}, {0x2614, 0x2615},
	{0x2648, 0x2653}, {0x267f, 0x267f}, {0x2693, 0x2693}, {0x26a1, 0x26a1},
	{0x26aa, 0x26ab}, {0x26bd, 0x26be}, {0x26c4, 0x26c5}, {0x26ce, 0x26ce},
	{0x26d4, 0x26d4}, {0x26ea, 0x26ea}, {0x26f2, 0x26f3}, {0x26f5, 0x26f5},
	{0x26fa, 0x26fa}, {0x26fd, 0x26fd}, {0x2705, 0x2705}, {0x270a, 0x270b},
	{0x2728, 0x2728}, {0x274c, 0x274c}, {0x274e, 0x274e}, {0x2753, 0x2755},
	{0x2757, 0x2757}, {0x2795, 0x2797}, {0x27b0, 0x27b0}, {0x27bf, 0x27bf},
	{0x2b1b, 0x2b1c}, {0x2b50, 0x2b50}, {0x2b55, 0x2b55}, {0x2e80, 0x2e99},
	{0x2e9b, 0x2ef3}, {0x2f00, 0x2fd5}, {0x2ff0, 0x2ffb}, {0x3000, 0x303e},
	{0x3041, 0x3096}, {0x3099, 0x30ff}, {0x3105, 0x312f}, {0x3131, 0x318e},
	{0x3190, 0x31e3}, {0x31f0, 0x321e}, {0x3220, 0x3247}, {0x3250, 0x4dbf},
	{0x4e00, 0xa48c}, {0xa490, 0xa4c6}, {0xa960, 0xa97c}, {0xac00, 0xd7a3},
	{0xf900, 0xfaff}, {0xfe10, 0xfe19}, {0xfe30, 0xfe52}, {0xfe54, 0xfe66},
	{0xfe68, 0xfe6b}, {0xff01, 0xff60}, {0xffe0, 0xffe6}, {0x16fe0, 0x16fe4},
	{0x16ff0, 0x16ff1}, {0x17000, 0x187f7}, {0x18800, 0x18cd5}, {0x18d00, 0x18d08},
	{0x1aff0, 0x1aff3}, {0x1aff5, 0x1affb}, {0x1affd, 0x1affe}, {0x1b000, 0x1b122},
	{0x1b150, 0x1b152}, {0x1b164, 0x1b167}, {0x1b170, 0x1b2fb}, {0x1f004, 0x1f004},
	{0x1f0cf, 0x1f0cf}, {0x1f18e, 0x1f18e}, {0x1f191, 0x1f19a}, {0x1f200, 0x1f202},
	{0x1f210, 0x1f23b}, {0x1f240, 0x1f248}, {0x1f250, 0x1f251}, {0x1f260, 0x1f265},
	{0x1f300, 0x1f320}, {0x1f32d, 0x1f335}, {0x1f337, 0x1f37c}, {0x1f37e, 0x1f393},
	{0x1f3a0, 0x1f3ca}, {0x1f3cf, 0x1f3d3}, {0x1f3e0, 0x1f3f0}, {0x1f3f4, 0x1f3f4},
	{0x1f3f8, 0x1f43e}, {0x1f440, 0x1f440}, {0x1f442, 0x1f4fc}, {0x1f4ff, 0x1f53d},
	{0x1f54b, 0x1f54e}, {0x1f550, 0x1f567}, {0x1f57a, 0x1f57a}, {0x1f595, 0x1f596},
	{0x1f5a4, 0x1f5a4}, {0x1f5fb, 0x1f64f}, {0x1f680, 0x1f6c5}, {0x1f6cc, 0x1f6cc},
	{0x1f6d0, 0x1f6d2}, {0x1f6d5, 0x1f6d7}, {0x1f6dd, 0x1f6df}, {0x1f6eb, 0x1f6ec},
	{0x1f6f4, 0x1f6fc}, {0x1f7e0, 0x1f7eb}, {0x1f7f0, 0x1f7f0}, {0x1f90c, 0x1f93a},
	{0x1f93c, 0x1f945}, {0x1f947, 0x1f9ff}, {0x1fa70, 0x1fa74}, {0x1fa78, 0x1fa7c},
	{0x1fa80, 0x1fa86}, {0x1fa90, 0x1faac}, {0x1fab0, 0x1faba}, {0x1fac0, 0x1fac5},
	{0x1fad0, 0x1fad9}, {0x1fae0, 0x1fae7}, {0x1faf0, 0x1faf6}, {0x20000, 0x2fffd},
	{0x30000, 0x3fffd},
}
