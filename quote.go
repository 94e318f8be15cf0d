package pgmoon

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// QuoteIdentifier returns s as a quoted SQL identifier: s between double
// quotes, with each double quote in s doubled. The result names exactly s,
// case and all, wherever an identifier may appear; see "Identifiers and
// Key Words" in
// https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS
//
// QuoteIdentifier refuses, with an error naming the problem and its byte
// offset, an s that is empty (the server rejects a zero-length quoted
// identifier), that is not valid UTF-8, or that contains a NUL byte: text
// that is not what the server will read is never quoted (see
// CVE-2025-1094, where invalid multibyte sequences in quoted text opened
// SQL injection). The connection's client_encoding must be UTF8, which
// pgmoon asks for unless Config.RuntimeParams says otherwise.
//
// The server truncates identifiers longer than 63 bytes (NAMEDATALEN-1);
// QuoteIdentifier does not.
func QuoteIdentifier(s string) (string, error) {
	if s == "" {
		return "", errors.New("pgmoon: QuoteIdentifier: empty identifier")
	}
	if err := checkQuotable(s); err != nil {
		return "", fmt.Errorf("pgmoon: QuoteIdentifier: %w", err)
	}
	b := make([]byte, 0, len(s)+2+strings.Count(s, `"`))
	b = append(b, '"')
	b = appendDoubled(b, s, '"', false)
	b = append(b, '"')
	return string(b), nil
}

// QuoteLiteral returns s as an SQL string constant that the server reads
// back as exactly s whatever standard_conforming_strings is: 's' with each
// single quote doubled when s has no backslash, and otherwise an escape
// string constant " E'...'" with each backslash and single quote doubled.
// The escape form begins with a space, so that it cannot join a preceding
// identifier (ab followed by E'...' must not read as abE'...'). The constant
// has no type of its own: the server infers one from where it is used, as it
// does for a parameter. See "String Constants" and "String Constants With
// C-Style Escapes" in
// https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-CONSTANTS
//
// QuoteLiteral refuses, with an error naming the problem and its byte
// offset, an s that is not valid UTF-8 or that contains a NUL byte (which
// no text value can hold). The connection's client_encoding must be UTF8,
// which pgmoon asks for unless Config.RuntimeParams says otherwise: in a
// client-only encoding such as SJIS a quote or backslash byte can be part
// of a multibyte character (CVE-2025-1094).
func QuoteLiteral(s string) (string, error) {
	b, err := appendQuoteLiteral(make([]byte, 0, len(s)+4), s)
	if err != nil {
		return "", fmt.Errorf("pgmoon: QuoteLiteral: %w", err)
	}
	return string(b), nil
}

// appendQuoteLiteral appends QuoteLiteral(s) to dst. It allocates nothing
// when dst has room. On error it returns dst unchanged.
func appendQuoteLiteral(dst []byte, s string) ([]byte, error) {
	if err := checkQuotable(s); err != nil {
		return dst, err
	}
	if strings.IndexByte(s, '\\') < 0 {
		dst = append(dst, '\'')
		dst = appendDoubled(dst, s, '\'', false)
		return append(dst, '\''), nil
	}
	dst = append(dst, " E'"...)
	dst = appendDoubled(dst, s, '\'', true)
	return append(dst, '\''), nil
}

// appendDoubled appends s with every q doubled, and every backslash too
// when backslash is set.
func appendDoubled(dst []byte, s string, q byte, backslash bool) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == q || (backslash && c == '\\') {
			dst = append(dst, s[start:i+1]...)
			dst = append(dst, c)
			start = i + 1
		}
	}
	return append(dst, s[start:]...)
}

// checkQuotable reports the first byte of s that makes it unfit for a
// quoted identifier or literal: a NUL, or the start of a sequence that is
// not valid UTF-8 (surrogate halves and overlong forms included, which
// PostgreSQL's UTF8 verifier rejects too).
func checkQuotable(s string) error {
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0 {
			return fmt.Errorf("NUL byte at byte offset %d", i)
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return fmt.Errorf("invalid UTF-8 at byte offset %d", i)
		}
		i += size
	}
	return nil
}
