package pgmoon

import (
	"errors"
	"fmt"
	"strings"
)

// A keyword is one setting a connection string may name.
type keyword struct {
	name   string
	env    string // the environment variable that supplies it when nothing else does, or ""
	secret bool   // a credential: never printed, never quoted in an error
	since  int    // the first libpq major version that knows it; 0 for pgmoon's own keywords
}

// connKeywords lists every keyword a connection string may use: libpq's
// (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS),
// including those this driver refuses when they are set (see
// configFromSettings), and pgmoon's own. A keyword not listed here is an
// error, as in libpq.
var connKeywords = []keyword{
	{name: "host", env: "PGHOST", since: 7},
	{name: "hostaddr", env: "PGHOSTADDR", since: 7},
	{name: "port", env: "PGPORT", since: 7},
	{name: "dbname", env: "PGDATABASE", since: 7},
	{name: "user", env: "PGUSER", since: 7},
	{name: "password", env: "PGPASSWORD", secret: true, since: 7},
	{name: "passfile", env: "PGPASSFILE", since: 10},
	{name: "service", env: "PGSERVICE", since: 7},
	{name: "servicefile", env: "PGSERVICEFILE", since: 19},
	{name: "options", env: "PGOPTIONS", since: 7},
	{name: "application_name", env: "PGAPPNAME", since: 9},
	{name: "fallback_application_name", since: 9},
	{name: "client_encoding", env: "PGCLIENTENCODING", since: 9},
	{name: "connect_timeout", env: "PGCONNECT_TIMEOUT", since: 7},
	{name: "keepalives", since: 9},
	{name: "keepalives_idle", since: 9},
	{name: "keepalives_interval", since: 9},
	{name: "keepalives_count", since: 9},
	{name: "tcp_user_timeout", since: 12},
	{name: "target_session_attrs", env: "PGTARGETSESSIONATTRS", since: 10},
	{name: "load_balance_hosts", env: "PGLOADBALANCEHOSTS", since: 16},
	{name: "replication", since: 9},
	{name: "sslmode", env: "PGSSLMODE", since: 7},
	{name: "sslnegotiation", env: "PGSSLNEGOTIATION", since: 17},
	{name: "sslcompression", env: "PGSSLCOMPRESSION", since: 9},
	{name: "sslcert", env: "PGSSLCERT", since: 8},
	{name: "sslkey", env: "PGSSLKEY", since: 8},
	{name: "sslcertmode", env: "PGSSLCERTMODE", since: 16},
	{name: "sslpassword", secret: true, since: 13},
	{name: "sslrootcert", env: "PGSSLROOTCERT", since: 8},
	{name: "sslcrl", env: "PGSSLCRL", since: 8},
	{name: "sslcrldir", env: "PGSSLCRLDIR", since: 14},
	{name: "sslsni", env: "PGSSLSNI", since: 14},
	{name: "sslkeylogfile", since: 18},
	{name: "ssl_min_protocol_version", env: "PGSSLMINPROTOCOLVERSION", since: 13},
	{name: "ssl_max_protocol_version", env: "PGSSLMAXPROTOCOLVERSION", since: 13},
	{name: "min_protocol_version", env: "PGMINPROTOCOLVERSION", since: 18},
	{name: "max_protocol_version", env: "PGMAXPROTOCOLVERSION", since: 18},
	{name: "requirepeer", env: "PGREQUIREPEER", since: 9},
	{name: "require_auth", env: "PGREQUIREAUTH", since: 16},
	{name: "channel_binding", env: "PGCHANNELBINDING", since: 13},
	{name: "gssencmode", env: "PGGSSENCMODE", since: 12},
	{name: "krbsrvname", env: "PGKRBSRVNAME", since: 7},
	{name: "gsslib", env: "PGGSSLIB", since: 9},
	{name: "gssdelegation", env: "PGGSSDELEGATION", since: 16},
	{name: "scram_client_key", secret: true, since: 18},
	{name: "scram_server_key", secret: true, since: 18},
	{name: "oauth_issuer", since: 18},
	{name: "oauth_client_id", since: 18},
	{name: "oauth_client_secret", secret: true, since: 18},
	{name: "oauth_scope", since: 18},

	// pgmoon's own.
	{name: "default_query_exec_mode"},
	{name: "statement_cache_capacity"},
	{name: "description_cache_capacity"},
	{name: "pool_max_conns"},
	{name: "pool_min_conns"},
	{name: "pool_max_conn_lifetime"},
	{name: "pool_max_conn_lifetime_jitter"},
	{name: "pool_max_conn_idle_time"},
	{name: "pool_health_check_period"},
}

var keywordsByName = func() map[string]*keyword {
	m := make(map[string]*keyword, len(connKeywords))
	for i := range connKeywords {
		m[connKeywords[i].name] = &connKeywords[i]
	}
	return m
}()

// isSecretKeyword reports whether a keyword's value is a credential.
func isSecretKeyword(name string) bool {
	k := keywordsByName[name]
	return k != nil && k.secret
}

// The two prefixes of libpq's URI form; anything else is keyword/value.
const (
	uriPrefix      = "postgresql://"
	shortURIPrefix = "postgres://"
)

func uriPrefixLen(s string) int {
	switch {
	case strings.HasPrefix(s, uriPrefix):
		return len(uriPrefix)
	case strings.HasPrefix(s, shortURIPrefix):
		return len(shortURIPrefix)
	}
	return 0
}

// parseConnString parses a connection string in either form into its
// keywords and values, as libpq's PQconninfoParse does: only what the
// string says (the parts of a URL under their keywords: user, password,
// host, port, dbname), nothing from the environment, a service file or
// defaults, and no check of the values. A later setting of a keyword
// replaces an earlier one; requiressl and (in a URL) ssl=true are stored
// as the sslmode they mean. A keyword that is not a connection keyword is
// an error naming it.
func parseConnString(s string) (map[string]string, error) {
	if strings.IndexByte(s, 0) >= 0 {
		// libpq takes a C string, which ends at the first NUL.
		return nil, fmt.Errorf("connection string contains a NUL byte")
	}
	if n := uriPrefixLen(s); n > 0 {
		return parseURL(s[n:])
	}
	return parseKeywordValue(s)
}

// storeSetting records keyword=value in m the way libpq's
// conninfo_storeval does: requiressl becomes sslmode ("1…" is require,
// anything else prefer), and an unknown keyword is an error.
func storeSetting(m map[string]string, key, value string, inURL bool) error {
	if key == "requiressl" {
		key = "sslmode"
		if strings.HasPrefix(value, "1") {
			value = SSLRequire
		} else {
			value = SSLPrefer
		}
	}
	if keywordsByName[key] == nil {
		if inURL {
			return fmt.Errorf("invalid URI query parameter: %q", key)
		}
		return fmt.Errorf("invalid connection option %q", key)
	}
	m[key] = value
	return nil
}

// parseKeywordValue parses "key=value key2='quoted value'" as libpq's
// conninfo_parse does: blanks around '=' are allowed; a value is either a
// run of non-blank characters or single-quoted; a backslash takes the next
// character literally in both (and is dropped at the end of an unquoted
// value); a quoted value need not be followed by a blank. Note that
// "host= port=5" gives host the value "port=5": blanks after '=' are
// skipped.
func parseKeywordValue(s string) (map[string]string, error) {
	out := make(map[string]string)
	err := scanKeywordValue(s, func(key string, value string, _, _ int) error {
		return storeSetting(out, key, value, false)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// unterminatedError is scanKeywordValue's error for an unterminated quoted
// value.
type unterminatedError struct {
	key   string
	start int // where the value starts, at its quote
}

func (*unterminatedError) Error() string {
	return "unterminated quoted string in connection info string"
}

// scanKeywordValue calls f for each keyword and value of a keyword/value
// string, with the value's extent in s (from its first character, quote
// included, to just after its last).
func scanKeywordValue(s string, f func(key, value string, start, end int) error) error {
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return nil
		}
		start := i
		for i < len(s) && s[i] != '=' && !isSpace(s[i]) {
			i++
		}
		key := s[start:i]
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) || s[i] != '=' {
			return fmt.Errorf("missing \"=\" after %q in connection info string", key)
		}
		i++ // '='
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		vstart := i
		var val strings.Builder
		if i < len(s) && s[i] == '\'' {
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				i++
				if c == '\\' {
					if i < len(s) {
						val.WriteByte(s[i])
						i++
					}
					continue
				}
				if c == '\'' {
					closed = true
					break
				}
				val.WriteByte(c)
			}
			if !closed {
				return &unterminatedError{key: key, start: vstart}
			}
		} else {
			for i < len(s) && !isSpace(s[i]) {
				c := s[i]
				i++
				if c == '\\' {
					if i < len(s) {
						val.WriteByte(s[i])
						i++
					}
					continue
				}
				val.WriteByte(c)
			}
		}
		if err := f(key, val.String(), vstart, i); err != nil {
			return err
		}
	}
}

// isSpace is C's isspace in the "C" locale, which libpq's parser uses.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// parseURL parses the part of a libpq URI after "postgres://" or
// "postgresql://", as conninfo_uri_parse_options does:
//
//	[user[:password]@][host][:port][,host[:port]...][/dbname][?param=value&...]
//
// The user information is present when an '@' comes before any '/' (so
// an '@' in a password must be percent-encoded, and a query string before
// an '@' belongs to the user name). A host is an IPv6 address in square
// brackets or runs to ':', '/', '?' or ','; hosts and ports are joined
// with commas, an absent port as an empty entry. Every part and every
// parameter name and value is percent-decoded (%00 is refused; '+' is not
// a space); empty user, password, host and dbname parts are not stored.
// A query parameter replaces what the URL's other parts said.
func parseURL(rest string) (map[string]string, error) {
	out := make(map[string]string)
	store := func(key, raw string) error {
		v, err := uriDecode(raw)
		if err != nil {
			return decodeError(key, raw, err)
		}
		out[key] = v
		return nil
	}

	if i := strings.IndexAny(rest, "@/"); i >= 0 && rest[i] == '@' {
		user, password, hasPassword := strings.Cut(rest[:i], ":")
		if user != "" {
			if err := store("user", user); err != nil {
				return nil, err
			}
		}
		if hasPassword && password != "" {
			if err := store("password", password); err != nil {
				return nil, err
			}
		}
		rest = rest[i+1:]
	}

	var hosts, ports strings.Builder
	p := 0
	var term byte // what ended the last part; 0 at the end of the string
	at := func(i int) byte {
		if i < len(rest) {
			return rest[i]
		}
		return 0
	}
	for {
		if at(p) == '[' {
			end := strings.IndexByte(rest[p+1:], ']')
			if end < 0 {
				return nil, fmt.Errorf("end of string reached when looking for matching \"]\" in IPv6 host address in URI")
			}
			if end == 0 {
				return nil, fmt.Errorf("IPv6 host address may not be empty in URI")
			}
			hosts.WriteString(rest[p+1 : p+1+end])
			p += end + 2
			if c := at(p); c != 0 && c != ':' && c != '/' && c != '?' && c != ',' {
				return nil, fmt.Errorf("unexpected character %q after IPv6 host address in URI (expected \":\" or \"/\")", rune(c))
			}
		} else {
			start := p
			for c := at(p); c != 0 && c != ':' && c != '/' && c != '?' && c != ','; c = at(p) {
				p++
			}
			hosts.WriteString(rest[start:p])
		}
		term = at(p)
		if term == ':' {
			p++
			start := p
			for c := at(p); c != 0 && c != '/' && c != '?' && c != ','; c = at(p) {
				p++
			}
			ports.WriteString(rest[start:p])
			term = at(p)
		}
		if term != ',' {
			break
		}
		p++
		hosts.WriteByte(',')
		ports.WriteByte(',')
	}
	if hosts.Len() > 0 {
		if err := store("host", hosts.String()); err != nil {
			return nil, err
		}
	}
	if ports.Len() > 0 {
		if err := store("port", ports.String()); err != nil {
			return nil, err
		}
	}
	if term == '/' {
		p++
		start := p
		for c := at(p); c != 0 && c != '?'; c = at(p) {
			p++
		}
		if dbname := rest[start:p]; dbname != "" {
			if err := store("dbname", dbname); err != nil {
				return nil, err
			}
		}
		term = at(p)
	}
	if term == '?' {
		if err := parseURLQuery(rest[p+1:], out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// parseURLQuery parses a URI's parameters as conninfo_uri_parse_params
// does: every '&'-separated parameter (an empty one too, except after a
// final '&') must have exactly one '='; names and values are
// percent-decoded; ssl=true means sslmode=require (pgJDBC's spelling).
func parseURLQuery(q string, out map[string]string) error {
	for q != "" {
		param, next, _ := strings.Cut(q, "&")
		q = next
		rawKey, rawValue, ok := strings.Cut(param, "=")
		if !ok {
			return fmt.Errorf("missing key/value separator \"=\" in URI query parameter: %q", rawKey)
		}
		if strings.IndexByte(rawValue, '=') >= 0 {
			return fmt.Errorf("extra key/value separator \"=\" in URI query parameter: %q", rawKey)
		}
		key, err := uriDecode(rawKey)
		if err != nil {
			return decodeError("", rawKey, err)
		}
		value, err := uriDecode(rawValue)
		if err != nil {
			return decodeError(key, rawValue, err)
		}
		if key == "ssl" && value == "true" {
			key, value = "sslmode", SSLRequire
		}
		if err := storeSetting(out, key, value, true); err != nil {
			return err
		}
	}
	return nil
}

// uriDecode decodes one part of a URI as libpq 18's conninfo_uri_decode
// does: spaces (' ', not other blanks) before and after it are dropped,
// and one inside it is an error (%20 is a space); each %XX (hexadecimal
// digits, either case) becomes its byte; a '%' not followed by two
// hexadecimal digits, and %00, are errors.
func uriDecode(s string) (string, error) {
	s = strings.TrimLeft(s, " ")
	if i := strings.IndexByte(s, ' '); i >= 0 {
		if strings.TrimLeft(s[i:], " ") != "" {
			// The percent-encoding before the space is checked first.
			if _, err := uriDecode(s[:i]); err != nil {
				return "", err
			}
			return "", errURISpace
		}
		s = s[:i]
	}
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		hi, ok1 := unhex(byteAt(s, i+1))
		lo, ok2 := unhex(byteAt(s, i+2))
		if !ok1 || !ok2 {
			return "", errBadPercent
		}
		c := hi<<4 | lo
		if c == 0 {
			return "", errPercentNUL
		}
		b = append(b, c)
		i += 2
	}
	return string(b), nil
}

var (
	errBadPercent = fmt.Errorf("invalid percent-encoded token")
	errPercentNUL = fmt.Errorf("forbidden value %%00 in percent-encoded value")
	errURISpace   = fmt.Errorf("unexpected spaces found (use percent-encoded spaces, %%20, instead)")
)

// decodeError reports a percent-decoding failure, quoting the text unless
// it belongs to a secret.
func decodeError(key, raw string, err error) error {
	switch {
	case key == "":
		return fmt.Errorf("%w in URI query parameter name: %q", err, raw)
	case isSecretKeyword(key):
		return fmt.Errorf("%w in %s", err, key)
	}
	return fmt.Errorf("%w in %s: %q", err, key, raw)
}

func byteAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// redacted replaces secrets in connection strings and messages.
const redacted = "xxxxx"

// redactConnString hides the secrets of a connection string (password,
// sslpassword and the other credential keywords) for error messages, in
// either form, even when the string does not parse. It errs on the side of
// hiding: in a URL, everything between the first ':' of the user
// information and the last '@' before the path is hidden, whichever '@'
// libpq would take as the end of the password.
func redactConnString(s string) string {
	if n := uriPrefixLen(s); n > 0 {
		return s[:n] + redactURL(s[n:])
	}
	var b strings.Builder
	last := 0
	err := scanKeywordValue(s, func(key, _ string, start, end int) error {
		if isSecretKeyword(key) {
			b.WriteString(s[last:start])
			b.WriteString(redacted)
			last = end
		}
		return nil
	})
	var ue *unterminatedError
	switch {
	case err == nil:
		b.WriteString(s[last:])
	case errors.As(err, &ue) && isSecretKeyword(ue.key):
		b.WriteString(s[last:ue.start])
		b.WriteString(redacted)
	default:
		// The scan stopped (a keyword without '=', a quote never
		// closed): what follows may still hold a password the writer
		// meant as one, so look for it the lenient way.
		b.WriteString(redactLoosely(s[last:]))
	}
	return b.String()
}

func redactURL(rest string) string {
	authority := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority = rest[:i]
	}
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		if colon := strings.IndexByte(authority[:at], ':'); colon >= 0 {
			rest = rest[:colon+1] + redacted + rest[at:]
		}
	}
	q := strings.IndexByte(rest, '?')
	if q < 0 {
		return rest
	}
	params := strings.Split(rest[q+1:], "&")
	for i, p := range params {
		k, _, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		key, err := uriDecode(k)
		if err != nil || isSecretKeyword(key) || strings.Contains(strings.ToLower(key), "password") {
			params[i] = k + "=" + redacted
		}
	}
	return rest[:q+1] + strings.Join(params, "&")
}

// redactLoosely hides the value after any "password" (or "sslpassword",
// or another secret keyword) followed by '=' in text that does not parse.
func redactLoosely(s string) string {
	var b strings.Builder
	for {
		j, name := -1, ""
		for _, k := range connKeywords {
			if !k.secret {
				continue
			}
			if i := strings.Index(s, k.name); i >= 0 && (j < 0 || i < j || i == j && len(k.name) > len(name)) {
				j, name = i, k.name
			}
		}
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		k := j + len(name)
		for k < len(s) && isSpace(s[k]) {
			k++
		}
		if k >= len(s) || s[k] != '=' {
			b.WriteString(s[:j+len(name)])
			s = s[j+len(name):]
			continue
		}
		k++
		for k < len(s) && isSpace(s[k]) {
			k++
		}
		end := k
		if end < len(s) && s[end] == '\'' {
			end = len(s) // an unterminated quote runs to the end
			for e := k + 1; e < len(s); e++ {
				if s[e] == '\\' {
					e++
					continue
				}
				if s[e] == '\'' {
					end = e + 1
					break
				}
			}
		} else {
			for end < len(s) && !isSpace(s[end]) {
				end++
			}
		}
		b.WriteString(s[:k])
		b.WriteString(redacted)
		s = s[end:]
	}
}
