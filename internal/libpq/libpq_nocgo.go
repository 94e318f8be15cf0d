//go:build !cgo

package libpq

import "errors"

// Available reports whether this build can call libpq; when it cannot,
// Reason says why.
const Available = false

// Reason says why libpq cannot be called.
const Reason = "the differential tests against libpq need cgo (CGO_ENABLED=1, a C compiler) and libpq's headers (Debian: apt-get install libpq-dev)"

var errUnavailable = errors.New("libpq: " + Reason)

// Version is 0 without cgo.
func Version() int { return 0 }

// Option is one connection keyword as PQconndefaults describes it.
type Option struct {
	Keyword  string
	EnvVar   string
	Compiled string
	Debug    bool
	Secret   bool
}

// Options is nil without cgo.
func Options() []Option { return nil }

// Parse fails without cgo.
func Parse(string) (map[string]string, error) { return nil, errUnavailable }

// Conn is what libpq made of a connection string.
type Conn struct {
	Bad      bool
	Message  string
	Settings map[string]string

	Host, Port, DB, User, Password, Options string
}

// Connect fails without cgo.
func Connect(string) Conn { return Conn{Bad: true, Message: errUnavailable.Error()} }
