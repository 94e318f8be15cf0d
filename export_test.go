package pgmoon

import (
	"net"
	"testing"
)

// Internals reached by the external tests in package pgmoon_test.

// SetPostgresqlDir replaces libpq's ~/.postgresql directory of default
// certificate files and returns a function that restores it.
func SetPostgresqlDir(dir string) (restore func()) {
	old := postgresqlDir
	postgresqlDir = func() string { return dir }
	return func() { postgresqlDir = old }
}

// WriteSelfSigned writes a self-signed certificate for cn (and localhost)
// and its unencrypted key, mode 0600, into dir as name.crt and name.key.
func WriteSelfSigned(t testing.TB, dir, name, cn string) (certPath, keyPath string) {
	return writeKeyPair(t, dir, name, cn, plainKey)
}

// ParseConnString parses a connection string into keywords and values as
// libpq's PQconninfoParse does, without environment or defaults.
var ParseConnString = parseConnString

// NetConn returns the socket under a connection, for tests that inspect
// its options.
func NetConn(c *Conn) net.Conn { return c.netConn }

// PassfilePassword is the password the connection code would take from
// c.Passfile for host and port (see passfilePassword).
func (c *Config) PassfilePassword(host string, port uint16) (string, bool) {
	return c.passfilePassword(host, port)
}

// Keyword describes one connection keyword ParseConnString knows.
type Keyword struct {
	Name, Env string
	Since     int // first libpq major version with it; 0 for pgmoon's own
}

// Keywords lists the connection keywords ParseConnString knows.
func Keywords() []Keyword {
	var out []Keyword
	for _, k := range connKeywords {
		out = append(out, Keyword{Name: k.name, Env: k.env, Since: k.since})
	}
	return out
}

// DefaultHost is the host a Config gets when the string names none.
var DefaultHost = defaultHost
