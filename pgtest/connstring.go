package pgtest

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// connString is a connection string taken apart just enough to read and
// replace a few parameters (host, port, user, password, dbname) while keeping
// its form (URL or keyword/value) and every other parameter. It is not a
// second connection-string parser for the driver: the driver still parses
// what String returns.
type connString struct {
	u  *url.URL // URL form; nil for keyword/value form
	kv []kvPair // keyword/value form, in order
}

type kvPair struct{ key, value string }

func parseConnString(s string) (*connString, error) {
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		u, err := url.Parse(s)
		if err != nil {
			// url.Error repeats the whole URL, password included.
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return nil, fmt.Errorf("parse connection URL: %w", err)
		}
		return &connString{u: u}, nil
	}
	kv, err := parseKeywordValue(s)
	if err != nil {
		return nil, err
	}
	return &connString{kv: kv}, nil
}

// parseKeywordValue splits "key=value key='quoted \' value'" as libpq does.
func parseKeywordValue(s string) ([]kvPair, error) {
	var out []kvPair
	i := 0
	skipSpace := func() {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
	}
	for {
		skipSpace()
		if i == len(s) {
			return out, nil
		}
		start := i
		for i < len(s) && s[i] != '=' && !isSpace(s[i]) {
			i++
		}
		key := s[start:i]
		skipSpace()
		if i == len(s) || s[i] != '=' {
			return nil, fmt.Errorf("parse connection string: missing \"=\" after %q", key)
		}
		i++
		skipSpace()
		var val strings.Builder
		if i < len(s) && s[i] == '\'' {
			i++
			for {
				if i == len(s) {
					return nil, fmt.Errorf("parse connection string: unterminated quoted value for %q", key)
				}
				c := s[i]
				i++
				if c == '\'' {
					break
				}
				if c == '\\' && i < len(s) {
					c = s[i]
					i++
				}
				val.WriteByte(c)
			}
		} else {
			for i < len(s) && !isSpace(s[i]) {
				c := s[i]
				i++
				if c == '\\' && i < len(s) {
					c = s[i]
					i++
				}
				val.WriteByte(c)
			}
		}
		out = append(out, kvPair{key, val.String()})
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// get returns the value of a parameter, "" if absent. For a URL, a query
// parameter of the same name wins over the URL's own part, as in libpq.
func (c *connString) get(key string) string {
	if c.u == nil {
		v := ""
		for _, p := range c.kv {
			if p.key == key {
				v = p.value // the last one wins
			}
		}
		return v
	}
	q := c.u.Query()
	if q.Has(key) {
		return q.Get(key)
	}
	switch key {
	case "host":
		host := c.u.Host
		if i := strings.IndexByte(host, ','); i >= 0 {
			host = host[:i] // several hosts: report the first
		}
		if h, _, err := net.SplitHostPort(host); err == nil {
			return h
		}
		return strings.Trim(host, "[]")
	case "port":
		host := c.u.Host
		if i := strings.IndexByte(host, ','); i >= 0 {
			host = host[:i]
		}
		if _, p, err := net.SplitHostPort(host); err == nil {
			return p
		}
		return ""
	case "user":
		if c.u.User != nil {
			return c.u.User.Username()
		}
	case "password":
		if c.u.User != nil {
			p, _ := c.u.User.Password()
			return p
		}
	case "dbname":
		return strings.TrimPrefix(c.u.Path, "/")
	}
	return ""
}

// set replaces a parameter; value "" removes it. Only the keys get knows
// specially, and any other query parameter, are supported for URLs.
func (c *connString) set(key, value string) {
	if c.u == nil {
		kv := c.kv[:0:0]
		for _, p := range c.kv {
			if p.key != key {
				kv = append(kv, p)
			}
		}
		if value != "" {
			kv = append(kv, kvPair{key, value})
		}
		c.kv = kv
		return
	}
	q := c.u.Query()
	if q.Has(key) {
		if value == "" {
			q.Del(key)
		} else {
			q.Set(key, value)
		}
		c.u.RawQuery = q.Encode()
		return
	}
	switch key {
	case "user", "password":
		user, password := c.get("user"), c.get("password")
		if key == "user" {
			user = value
		} else {
			password = value
		}
		switch {
		case password != "":
			c.u.User = url.UserPassword(user, password)
		case user != "":
			c.u.User = url.User(user)
		default:
			c.u.User = nil
		}
	case "dbname":
		c.u.Path = "/" + value
		c.u.RawPath = ""
	default:
		if value != "" {
			q.Set(key, value)
			c.u.RawQuery = q.Encode()
		}
	}
}

func (c *connString) String() string {
	if c.u != nil {
		return c.u.String()
	}
	var b strings.Builder
	for i, p := range c.kv {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(quoteKeywordValue(p.value))
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
