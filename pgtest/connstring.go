package pgtest

import "strings"

// withSettings returns dsn with settings (name, value pairs) appended so that
// they override the string's own. Both connection-string forms let a later
// setting win: in keyword/value form the last occurrence of a keyword, in
// URL form a query parameter over the URL's user, password, host and path
// (libpq's rules, which pgmoon.ParseConfig follows). An empty value clears
// a setting. pgtest thus edits a connection string without taking it apart;
// the driver parses the result as usual.
func withSettings(dsn string, settings ...[2]string) string {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		var b strings.Builder
		b.WriteString(dsn)
		for _, kv := range settings {
			b.WriteString(" " + kv[0] + "=" + quoteKeywordValue(kv[1]))
		}
		return b.String()
	}
	var b strings.Builder
	b.WriteString(dsn)
	sep := byte('?')
	if strings.IndexByte(dsn, '?') >= 0 {
		sep = '&'
	}
	for _, kv := range settings {
		b.WriteByte(sep)
		b.WriteString(escapeURLComponent(kv[0]) + "=" + escapeURLComponent(kv[1]))
		sep = '&'
	}
	return b.String()
}

// escapeURLComponent percent-encodes everything but RFC 3986's unreserved
// characters. (url.QueryEscape would turn a space into '+', which libpq's
// URL rules do not decode.)
func escapeURLComponent(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// quoteKeywordValue quotes a value for a keyword/value connection string when
// it needs it.
func quoteKeywordValue(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n\r\f\v'\\") {
		return v
	}
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(v); i++ {
		if v[i] == '\'' || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('\'')
	return b.String()
}
