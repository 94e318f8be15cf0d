//go:build cgo

// Package libpq wraps the few libpq functions the differential tests of
// pgmoon's connection strings need: PQconninfoParse (what a string says),
// PQconndefaults (which keywords this libpq knows) and PQconnectdb with
// PQconninfo and the PQhost family (what libpq makes of a string once the
// environment, the service file and the password file are applied).
//
// It is for tests only: the driver never imports it. It needs cgo and
// libpq's headers and library (Debian: apt-get install libpq-dev; other
// layouts: CGO_CFLAGS=-I$(pg_config --includedir)
// CGO_LDFLAGS=-L$(pg_config --libdir)).
package libpq

/*
#cgo CFLAGS: -I/usr/include/postgresql
#cgo LDFLAGS: -lpq
#include <stdlib.h>
#include <libpq-fe.h> // missing? Debian: apt-get install libpq-dev; elsewhere set CGO_CFLAGS=-I$(pg_config --includedir)
*/
import "C"

import (
	"errors"
	"strings"
	"unsafe"
)

// Available reports whether this build can call libpq; when it cannot,
// Reason says why.
const Available = true

// Reason is empty when Available is true.
const Reason = ""

// Version is PQlibVersion: 150018 for 15.18.
func Version() int { return int(C.PQlibVersion()) }

// Option is one connection keyword as PQconndefaults describes it.
type Option struct {
	Keyword  string
	EnvVar   string // "" when the keyword has no environment variable
	Compiled string // compiled-in default, "" when none
	Debug    bool   // dispchar "D": a debug option
	Secret   bool   // dispchar "*": a password field
}

// Options lists the keywords this libpq knows, in its order.
func Options() []Option {
	opts := C.PQconndefaults()
	if opts == nil {
		return nil
	}
	defer C.PQconninfoFree(opts)
	var out []Option
	for _, o := range optionSlice(opts) {
		out = append(out, Option{
			Keyword:  C.GoString(o.keyword),
			EnvVar:   goStringOrEmpty(o.envvar),
			Compiled: goStringOrEmpty(o.compiled),
			Debug:    goStringOrEmpty(o.dispchar) == "D",
			Secret:   goStringOrEmpty(o.dispchar) == "*",
		})
	}
	return out
}

// Parse is PQconninfoParse: the keywords the string sets, with their
// values, and nothing from the environment or defaults. The error is
// libpq's message.
func Parse(conninfo string) (map[string]string, error) {
	cs := C.CString(conninfo)
	defer C.free(unsafe.Pointer(cs))
	var errmsg *C.char
	opts := C.PQconninfoParse(cs, &errmsg)
	if opts == nil {
		if errmsg == nil {
			return nil, errors.New("libpq: PQconninfoParse failed without a message (out of memory?)")
		}
		defer C.PQfreemem(unsafe.Pointer(errmsg))
		return nil, errors.New(strings.TrimRight(C.GoString(errmsg), "\n"))
	}
	defer C.PQconninfoFree(opts)
	return values(opts), nil
}

// Conn is what libpq made of a connection string by the time its
// connection attempts ended.
type Conn struct {
	// Bad is PQstatus == CONNECTION_BAD; Message is PQerrorMessage.
	Bad     bool
	Message string

	// Settings is PQconninfo: each keyword's value in the connection
	// object after defaults, the service file and the environment were
	// applied (keywords without a value are absent).
	Settings map[string]string

	// PQhost, PQport, PQdb, PQuser, PQpass and PQoptions: for the host
	// libpq was at when it stopped, the last one when every attempt
	// failed; Password includes one found in the password file.
	Host, Port, DB, User, Password, Options string
}

// Connect runs PQconnectdb on conninfo, reads what the connection object
// holds, and closes it with PQfinish. It blocks until every host was
// tried: use hosts that refuse at once (a port nothing listens on at
// 127.0.0.1, a socket directory without a socket), never a name that
// needs DNS.
func Connect(conninfo string) Conn {
	cs := C.CString(conninfo)
	defer C.free(unsafe.Pointer(cs))
	conn := C.PQconnectdb(cs)
	if conn == nil {
		return Conn{Bad: true, Message: "libpq: PQconnectdb returned NULL (out of memory)"}
	}
	defer C.PQfinish(conn)
	r := Conn{
		Bad:      C.PQstatus(conn) == C.CONNECTION_BAD,
		Message:  strings.TrimRight(C.GoString(C.PQerrorMessage(conn)), "\n"),
		Host:     goStringOrEmpty(C.PQhost(conn)),
		Port:     goStringOrEmpty(C.PQport(conn)),
		DB:       goStringOrEmpty(C.PQdb(conn)),
		User:     goStringOrEmpty(C.PQuser(conn)),
		Password: goStringOrEmpty(C.PQpass(conn)),
		Options:  goStringOrEmpty(C.PQoptions(conn)),
	}
	if opts := C.PQconninfo(conn); opts != nil {
		r.Settings = values(opts)
		C.PQconninfoFree(opts)
	}
	return r
}

func values(opts *C.PQconninfoOption) map[string]string {
	m := make(map[string]string)
	for _, o := range optionSlice(opts) {
		if o.val != nil {
			m[C.GoString(o.keyword)] = C.GoString(o.val)
		}
	}
	return m
}

// optionSlice views a PQconninfoOption array up to its terminating entry.
func optionSlice(opts *C.PQconninfoOption) []C.PQconninfoOption {
	n := 0
	for p := opts; p.keyword != nil; p = (*C.PQconninfoOption)(unsafe.Add(unsafe.Pointer(p), unsafe.Sizeof(*p))) {
		n++
	}
	return unsafe.Slice(opts, n)
}

func goStringOrEmpty(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}
