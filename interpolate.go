package pgmoon

import (
	"fmt"
	"strconv"
	"strings"
)

// This file holds client-side interpolation for the simple-protocol exec
// mode: a lexer that finds the $n placeholders in SQL text exactly where the
// server's lexer would see parameters, and a renderer of Go values as SQL
// literals. The lexer follows "Lexical Structure" in
// https://www.postgresql.org/docs/current/sql-syntax-lexical.html and the
// rules of the server's own scanner (src/backend/parser/scan.l); where
// server versions differ, or the text is ambiguous, it refuses rather than
// guesses.

// maxPlaceholder is the highest parameter number a placeholder may have:
// the protocol's Bind message counts parameters in 16 bits.
const maxPlaceholder = 65535

// tokenKind classifies the spans the lexer reports.
type tokenKind uint8

const (
	tokCode    tokenKind = iota // an identifier, key word, number, operator or punctuation byte
	tokSpace                    // a run of white space
	tokComment                  // a -- or /* */ comment
	tokString                   // a string constant of any kind, continuation lines included
	tokIdent                    // a quoted identifier, "..." or U&"..."
	tokParam                    // a positional parameter $n
)

// A token is one span of SQL text.
type token struct {
	kind       tokenKind
	start, end int // sql[start:end]
	param      int // for tokParam: the parameter number, capped at maxPlaceholder+1
}

// A lexError is SQL text the lexer will not interpolate into.
type lexError struct {
	msg string
	pos int // byte offset where the offending construct starts
}

func (e *lexError) Error() string { return fmt.Sprintf("%s at byte offset %d", e.msg, e.pos) }

// sqlLexer splits SQL text into tokens the way PostgreSQL's scanner does,
// as far as where code ends and string constants, quoted identifiers,
// comments and parameters begin and end.
type sqlLexer struct {
	src string
	pos int
	// scs is standard_conforming_strings: when off, a backslash escapes
	// the next byte inside '...' as it does inside E'...'.
	scs bool
}

// String-constant bodies, as the server scans them.
const (
	bodyStandard = iota // '...' with standard_conforming_strings on, U&'...': '' is a quote
	bodyEscape          // E'...', and '...' with standard_conforming_strings off: '' and \x
	bodyBits            // B'...' and X'...': a quote always ends the body
)

// next returns the token at the lexer's position, or ok false at the end.
func (l *sqlLexer) next() (tok token, ok bool, err error) {
	s, i := l.src, l.pos
	if i >= len(s) {
		return token{}, false, nil
	}
	tok = token{kind: tokCode, start: i}
	c := s[i]
	var end int
	switch {
	case isSQLSpace(c):
		end = i + 1
		for end < len(s) && isSQLSpace(s[end]) {
			end++
		}
		tok.kind = tokSpace
	case c == '-' && i+1 < len(s) && s[i+1] == '-':
		// "--" starts a comment even in the middle of a run of operator
		// characters; it runs to the end of the line (\n or \r).
		end = lineEnd(s, i)
		tok.kind = tokComment
	case c == '/' && i+1 < len(s) && s[i+1] == '*':
		end, err = blockCommentEnd(s, i)
		tok.kind = tokComment
	case c == '\'':
		end, err = l.stringEnd(i, i, l.defaultBody())
		tok.kind = tokString
	case c == '"':
		end, err = quotedIdentEnd(s, i, i)
		tok.kind = tokIdent
	case c == '$':
		end, tok.kind, tok.param, err = dollarEnd(s, i)
	case isDigit(c) || (c == '.' && i+1 < len(s) && isDigit(s[i+1])):
		end, err = numberEnd(s, i)
	case isIdentStart(c):
		// A prefixed string or identifier starts only where a token
		// starts: at "ae'x'" the identifier ae is followed by '...'.
		q := byte(0)
		if i+1 < len(s) {
			q = s[i+1]
		}
		switch {
		case q == '\'' && (c == 'e' || c == 'E'):
			end, err = l.stringEnd(i, i+1, bodyEscape)
			tok.kind = tokString
		case q == '\'' && (c == 'b' || c == 'B' || c == 'x' || c == 'X'):
			end, err = l.stringEnd(i, i+1, bodyBits)
			tok.kind = tokString
		case q == '\'' && (c == 'n' || c == 'N'):
			// N'...' is NCHAR followed by an ordinary '...'.
			end, err = l.stringEnd(i, i+1, l.defaultBody())
			tok.kind = tokString
		case q == '&' && (c == 'u' || c == 'U') && i+2 < len(s) && s[i+2] == '\'':
			if !l.scs {
				// The server refuses these too: "unsafe use of string
				// constant with Unicode escapes".
				return tok, false, &lexError{"U&'...' string with standard_conforming_strings off", i}
			}
			end, err = l.stringEnd(i, i+2, bodyStandard)
			tok.kind = tokString
		case q == '&' && (c == 'u' || c == 'U') && i+2 < len(s) && s[i+2] == '"':
			end, err = quotedIdentEnd(s, i, i+2)
			tok.kind = tokIdent
		default:
			// An identifier or key word: letters, digits, _, $ and
			// non-ASCII bytes after the first, so foo$1 is one token.
			end = i + 1
			for end < len(s) && isIdentCont(s[end]) {
				end++
			}
		}
	default:
		// An operator or punctuation byte, or any other byte, one at a
		// time: a comment start inside an operator is found above.
		end = i + 1
	}
	if err != nil {
		return tok, false, err
	}
	tok.end = end
	l.pos = end
	return tok, true, nil
}

func (l *sqlLexer) defaultBody() int {
	if l.scs {
		return bodyStandard
	}
	return bodyEscape
}

// stringEnd returns the end of the string constant starting at start whose
// opening quote is at quote. A closing quote followed by white space that
// includes a newline and another quote continues the constant, in the same
// body kind: 'a', a newline and 'b' are the constant ab, and after E'a' and
// a newline, a backslash-quote in the next part is an escaped quote.
func (l *sqlLexer) stringEnd(start, quote int, body int) (int, error) {
	s := l.src
	for i := quote + 1; i < len(s); {
		switch c := s[i]; {
		case c == '\\' && body == bodyEscape:
			i += 2 // the escaped byte, whatever it is
		case c == '\'' && body != bodyBits && i+1 < len(s) && s[i+1] == '\'':
			i += 2
		case c == '\'':
			j, ok := continuation(s, i+1)
			if !ok {
				return i + 1, nil
			}
			i = j + 1
		default:
			i++
		}
	}
	return 0, &lexError{"unterminated quoted string", start}
}

// continuation reports whether s[i:] is white space and -- comments with
// at least one newline, followed by a quote, and where that quote is.
func continuation(s string, i int) (int, bool) {
	newline := false
	for i < len(s) {
		switch c := s[i]; {
		case c == '\n' || c == '\r':
			newline = true
			i++
		case isSQLSpace(c):
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			i = lineEnd(s, i)
		case c == '\'' && newline:
			return i, true
		default:
			return 0, false
		}
	}
	return 0, false
}

// quotedIdentEnd returns the end of the quoted identifier starting at start
// whose opening double quote is at quote.
func quotedIdentEnd(s string, start, quote int) (int, error) {
	for i := quote + 1; i < len(s); i++ {
		if s[i] == '"' {
			if i+1 < len(s) && s[i+1] == '"' {
				i++
				continue
			}
			if i == quote+1 {
				return 0, &lexError{"zero-length quoted identifier", start}
			}
			return i + 1, nil
		}
	}
	return 0, &lexError{"unterminated quoted identifier", start}
}

// lineEnd returns the end of the -- comment at i: the next \n or \r, or
// the end of s.
func lineEnd(s string, i int) int {
	for ; i < len(s); i++ {
		if s[i] == '\n' || s[i] == '\r' {
			return i
		}
	}
	return i
}

// blockCommentEnd returns the end of the /* comment at i. Block comments
// nest: /* a /* b */ c */ is one comment.
func blockCommentEnd(s string, i int) (int, error) {
	depth := 1
	for j := i + 2; j+1 < len(s); {
		switch {
		case s[j] == '/' && s[j+1] == '*':
			depth++
			j += 2
		case s[j] == '*' && s[j+1] == '/':
			depth--
			j += 2
			if depth == 0 {
				return j, nil
			}
		default:
			j++
		}
	}
	return 0, &lexError{"unterminated /* comment", i}
}

// dollarEnd lexes what starts with the $ at i: a parameter $n, a
// dollar-quoted string $tag$...$tag$, or a lone $ (as in $x without a
// closing $, which the server reads as $ followed by the identifier x).
func dollarEnd(s string, i int) (end int, kind tokenKind, param int, err error) {
	j := i + 1
	if j < len(s) && isDigit(s[j]) {
		for ; j < len(s) && isDigit(s[j]); j++ {
			if param <= maxPlaceholder {
				param = param*10 + int(s[j]-'0')
			}
		}
		if param > maxPlaceholder {
			param = maxPlaceholder + 1
		}
		if j < len(s) && isIdentStart(s[j]) {
			// PostgreSQL 15 and later reject this ("trailing junk after
			// parameter"); older servers read $1 and an identifier, and
			// $1e'...' as $1 followed by an E'...' string.
			return 0, 0, 0, &lexError{"trailing junk after parameter", i}
		}
		return j, tokParam, param, nil
	}
	// A tag is an identifier without $; it cannot start with a digit.
	if j < len(s) && isIdentStart(s[j]) {
		for j++; j < len(s) && isIdentCont(s[j]) && s[j] != '$'; j++ {
		}
	}
	if j >= len(s) || s[j] != '$' {
		return i + 1, tokCode, 0, nil
	}
	delim := s[i : j+1]
	k := strings.Index(s[j+1:], delim)
	if k < 0 {
		return 0, 0, 0, &lexError{"unterminated dollar-quoted string", i}
	}
	return j + 1 + k + len(delim), tokString, 0, nil
}

// numberEnd returns the end of the numeric constant at i. It takes the
// digits, point and exponent, then any identifier characters that follow:
// those are 0x1F and 1_000 on PostgreSQL 16 and later, an error ("trailing
// junk after numeric literal") on 15, and a separate token on older
// servers. What could differ between them in where code ends is refused.
func numberEnd(s string, i int) (int, error) {
	j := i
	junk := false // underscores or letters: not a number before PostgreSQL 16
	digits := func() {
		for j < len(s) && (isDigit(s[j]) || s[j] == '_') {
			junk = junk || s[j] == '_'
			j++
		}
	}
	digits()
	// 1..10 is 1, .., 10 (numericfail), not 1. and .10.
	if j < len(s) && s[j] == '.' && !(j+1 < len(s) && s[j+1] == '.') {
		j++
		digits()
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		switch {
		case j+1 < len(s) && isDigit(s[j+1]):
			j++
			digits()
		case j+1 < len(s) && (s[j+1] == '+' || s[j+1] == '-'):
			if !(j+2 < len(s) && isDigit(s[j+2])) {
				// 1e-- is an error on PostgreSQL 15 and later, but 1, e
				// and a -- comment on older servers.
				return 0, &lexError{"trailing junk after numeric literal", i}
			}
			j += 2
			digits()
		}
	}
	for j < len(s) && isIdentCont(s[j]) && s[j] != '$' {
		junk = true
		j++
	}
	if junk && j < len(s) && (s[j] == '\'' || s[j] == '"' || s[j] == '$') {
		// 1e'...', 1x'...', 1ab$1 and 1_0$1: on servers before 15 the
		// letters or the underscore start a new token (E'...', X'...',
		// the identifiers ab$1 and _0$1).
		return 0, &lexError{"trailing junk after numeric literal", i}
	}
	return j, nil
}

// isSQLSpace reports white space as the server's scanner sees it. \v is
// white space from PostgreSQL 16 on; earlier servers reject it in code, so
// taking it for white space can only turn an error into the same error.
func isSQLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isIdentStart: letters, _ and every non-ASCII byte.
func isIdentStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentCont(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '$' }

// interpolate replaces every placeholder $n in sql's code (never inside a
// string constant, quoted identifier, dollar-quoted string or comment) with
// the SQL literal for args[n-1], for running sql where the extended
// protocol's parameters are not available. standardConformingStrings is the
// connection's setting, which decides whether a backslash escapes inside
// '...'. The connection's client_encoding must be UTF8.
//
// Like the extended protocol, which errors when the statement's parameter
// count differs from the argument count, interpolate refuses a placeholder
// without an argument ($0, or $3 with two arguments) and an argument that
// no placeholder uses. It also refuses sql that is not valid UTF-8 or holds
// a NUL, and sql whose lexing is in doubt: an unterminated string, quoted
// identifier or comment, or a construct servers of different versions
// split differently (see numberEnd).
//
// Each literal is written with a space on both sides, so that it cannot join
// the text around it into another token or a comment ("1-$1" with -1
// becomes "1- (-1) ", never "1--1"), and in parentheses unless it is a bare
// word or unsigned number: a negative number binds as one value
// (-1::text would be -(1::text)), and a quoted literal can neither continue
// a string constant before or after it across a newline ('a'<newline>'b'
// is one constant) nor stand where the grammar takes only a constant (a
// typed literal, UESCAPE).
func interpolate(sql string, args []any, standardConformingStrings bool) (string, error) {
	if err := checkQuotable(sql); err != nil {
		return "", fmt.Errorf("interpolate: sql: %w", err)
	}
	type span struct{ start, end int }
	var small [8]span
	var lits []span // where args[i]'s literal was first written to buf; end 0 until then
	if len(args) <= len(small) {
		lits = small[:len(args)]
	} else {
		lits = make([]span, len(args))
	}
	buf := make([]byte, 0, len(sql)+16*len(args))
	copied := 0
	l := sqlLexer{src: sql, scs: standardConformingStrings}
	for {
		tok, ok, err := l.next()
		if err != nil {
			return "", fmt.Errorf("interpolate: %w", err)
		}
		if !ok {
			break
		}
		if tok.kind != tokParam {
			continue
		}
		n := tok.param
		if n < 1 || n > len(args) {
			return "", fmt.Errorf("interpolate: %s has no argument; %s given",
				sql[tok.start:tok.end], pluralWere(len(args)))
		}
		buf = append(buf, sql[copied:tok.start]...)
		copied = tok.end
		buf = append(buf, ' ')
		if lit := lits[n-1]; lit.end > 0 {
			buf = append(buf, buf[lit.start:lit.end]...)
		} else {
			start := len(buf)
			buf, err = appendLiteral(buf, args[n-1])
			if err != nil {
				return "", fmt.Errorf("interpolate: argument $%d: %w", n, err)
			}
			if literalNeedsParens(buf[start:]) {
				buf = append(buf, 0)
				copy(buf[start+1:], buf[start:])
				buf[start] = '('
				buf = append(buf, ')')
			}
			lits[n-1] = span{start, len(buf)}
		}
		buf = append(buf, ' ')
	}
	for i, lit := range lits {
		if lit.end == 0 {
			return "", fmt.Errorf("interpolate: argument $%d is not used", i+1)
		}
	}
	buf = append(buf, sql[copied:]...)
	return string(buf), nil
}

func pluralWere(n int) string {
	if n == 1 {
		return "1 was"
	}
	return strconv.Itoa(n) + " were"
}

// literalNeedsParens reports whether a rendered literal must be put in
// parentheses: all but key words (NULL, true, false) and unsigned numbers,
// which begin with a letter or digit and hold no quote.
func literalNeedsParens(lit []byte) bool {
	if len(lit) == 0 {
		return true
	}
	c := lit[0]
	if !isDigit(c) && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
		return true
	}
	for _, c := range lit {
		if c == '\'' || c == '"' {
			return true
		}
	}
	return false
}

// appendLiteral appends v as an SQL literal: NULL for nil, a nil pointer
// and a nil []byte; true or false; a decimal number for every integer
// kind; the shortest decimal for a float ('NaN'::float8, 'Infinity'::float8
// or '-Infinity'::float8 for the others, '-0'::float8 for negative zero);
// a string constant without a type of its own for a string (see
// QuoteLiteral); E'\\x...'::bytea for a []byte; a string constant
// 2006-01-02 15:04:05.999999999-07:00 for a time.Time, with " BC" for
// years before 1; a driver.Valuer's Value; and a named type's underlying
// bool, integer, float, string or []byte. Pointers are followed. Anything
// else is an error, fmt.Stringer included: interpolate never guesses at a
// value's text.
func appendLiteral(dst []byte, v any) ([]byte, error) {
	start := len(dst)
	dst, kind, err := textArg(dst, v)
	if err != nil {
		if u, ok := err.(*unsupportedArgError); ok {
			err = fmt.Errorf("cannot interpolate %v", u.t)
		}
		return dst[:start], err
	}
	switch kind {
	case argNull:
		return append(dst[:start], "NULL"...), nil
	case argBool, argNumber:
		return dst, nil
	case argFloat:
		// NaN, the infinities and -0 have no numeric spelling.
		var text [16]byte
		n := copy(text[:], dst[start:])
		dst = append(dst[:start], '\'')
		dst = append(dst, text[:n]...)
		return append(dst, "'::float8"...), nil
	case argTime:
		// Nothing to double: quote it where it is.
		dst = append(dst, 0)
		copy(dst[start+1:], dst[start:])
		dst[start] = '\''
		return append(dst, '\''), nil
	}
	// Strings and bytes are quoted from a copy of their text,
	// which textArg appended where the literal goes.
	var small [64]byte
	text := append(small[:0], dst[start:]...)
	if kind == argBytes {
		return appendByteaLiteral(dst[:start], text), nil
	}
	return appendQuoteLiteral(dst[:start], string(text))
}

// appendByteaLiteral appends b in bytea's hex format. The escape string
// form reads the same whatever standard_conforming_strings is.
func appendByteaLiteral(dst []byte, b []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, ` E'\\x`...)
	for _, c := range b {
		dst = append(dst, hex[c>>4], hex[c&15])
	}
	return append(dst, "'::bytea"...)
}
