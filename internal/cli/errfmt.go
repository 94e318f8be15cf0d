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
// One difference from psql: for errors (ERROR, FATAL, PANIC) the default
// verbosity adds the SQLSTATE after the severity ("ERROR:  22012: division
// by zero"), as verbose does; notices and warnings are exactly psql's.
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
	if (verbose || verbosity == "default" && isError(e)) && e.Code != "" {
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
		col += caretWidth(r)
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

// caretWidth is the screen width libpq gives a character in the caret
// computation: 2 for East Asian wide and fullwidth characters (the
// printer's table), else 1 (control and combining characters count 1 there).
func caretWidth(r rune) int {
	if inRanges(r, wideRanges) {
		return 2
	}
	return 1
}
