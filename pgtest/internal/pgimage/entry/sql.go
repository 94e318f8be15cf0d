package entry

import "strings"

// QuoteIdent quotes a name as an SQL identifier ("my ""db""").
func QuoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// QuoteLiteral quotes a string as an SQL literal for a server with
// standard_conforming_strings on (the default since PostgreSQL 9.1).
func QuoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// SplitStatements splits an SQL script at the semicolons that end
// statements, the way psql does, so that each statement runs on its own
// (CREATE DATABASE and VACUUM refuse to run inside the implicit transaction
// of a multi-statement query). Semicolons inside quotes ('…', E'…', "…"),
// dollar quotes ($tag$…$tag$), comments (-- and nested /* */) and
// parentheses do not count. Statements that are only blanks and comments are
// dropped; the others are returned with surrounding blanks trimmed and
// without the semicolon. Unterminated quotes or comments run to the end of
// the script, which then goes to the server as it is and fails there.
//
// Unlike psql, BEGIN ATOMIC … END bodies (PostgreSQL 14+) are not
// recognized: write such functions with a dollar-quoted body instead.
func SplitStatements(sql string) []string {
	var out []string
	start := 0
	hasCode := false // something other than blanks and comments since start
	depth := 0
	emit := func(end int) {
		if hasCode {
			out = append(out, strings.Trim(sql[start:end], sqlSpace))
		}
		hasCode = false
		depth = 0
	}
	n := len(sql)
	for i := 0; i < n; {
		c := sql[i]
		switch {
		case c == '-' && i+1 < n && sql[i+1] == '-':
			for i < n && sql[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < n && sql[i+1] == '*':
			level := 0
			for i < n {
				if sql[i] == '/' && i+1 < n && sql[i+1] == '*' {
					level++
					i += 2
				} else if sql[i] == '*' && i+1 < n && sql[i+1] == '/' {
					level--
					i += 2
					if level == 0 {
						break
					}
				} else {
					i++
				}
			}
			continue
		case strings.IndexByte(sqlSpace, c) >= 0:
			i++
			continue
		}
		if c == ';' && depth == 0 {
			emit(i)
			i++
			start = i
			continue
		}
		hasCode = true
		switch {
		case c == '(':
			depth++
			i++
		case c == ')':
			if depth > 0 {
				depth--
			}
			i++
		case c == '\'':
			escapes := i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e') && (i < 2 || !isIdentChar(sql[i-2]))
			i = skipQuoted(sql, i+1, '\'', escapes)
		case c == '"':
			i = skipQuoted(sql, i+1, '"', false)
		case c == '$' && (i == 0 || !isIdentChar(sql[i-1])):
			tag, ok := dollarTag(sql[i:])
			if !ok {
				i++
				break
			}
			end := strings.Index(sql[i+len(tag):], tag)
			if end < 0 {
				i = n
			} else {
				i += len(tag) + end + len(tag)
			}
		case isIdentChar(c):
			for i < n && isIdentChar(sql[i]) {
				i++
			}
		default:
			i++
		}
	}
	emit(n)
	return out
}

// sqlSpace are the characters PostgreSQL's scanner takes for blanks.
const sqlSpace = " \t\n\r\f\v"

// skipQuoted returns the index after the quote that closes a string or
// identifier whose content starts at i; a doubled quote is part of the
// content, and so is a backslash-escaped character when escapes is set.
func skipQuoted(s string, i int, quote byte, escapes bool) int {
	for i < len(s) {
		switch {
		case escapes && s[i] == '\\':
			i += 2
		case s[i] == quote:
			if i+1 < len(s) && s[i+1] == quote {
				i += 2
				continue
			}
			return i + 1
		default:
			i++
		}
	}
	return len(s)
}

// dollarTag returns the opening dollar quote at the start of s ("$$",
// "$body$"), if there is one.
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		c := s[j]
		if c == '$' {
			return s[:j+1], true
		}
		if !isIdentChar(c) || (j == 1 && c >= '0' && c <= '9') {
			return "", false
		}
	}
	return "", false
}

// isIdentChar reports whether c may appear in an unquoted identifier
// (bytes of non-ASCII UTF-8 characters included); $ is left out, so that
// a$b is read up to the $ only when it opens nothing.
func isIdentChar(c byte) bool {
	return c == '_' || c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}
