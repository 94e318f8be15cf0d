package pgtest

import (
	"io"
	"time"
)

// An Option changes how [Start] and [Main] bring up a server.
type Option func(*options)

type options struct {
	binDir       string        // directory holding initdb and postgres (default: searched)
	settings     []setting     // extra -c flags, in order (default: none)
	logOutput    io.Writer     // copy of the server log (default: only the log file)
	startTimeout time.Duration // readiness limit on top of ctx (default: 60s)
}

type setting struct{ name, value string }

const defaultStartTimeout = 60 * time.Second

// WithBinDir makes the local backend take initdb and postgres from dir only,
// instead of searching PATH, pg_config --bindir and /usr/lib/postgresql/*/bin.
func WithBinDir(dir string) Option {
	return func(o *options) { o.binDir = dir }
}

// WithSetting passes a server configuration parameter on the postgres command
// line (-c name=value) of a server pgtest starts. It overrides pgtest's own
// settings of the same name (such as max_connections=100); of two
// WithSetting calls for one name, the later wins. An external server
// (PGMOON_TEST_DSN) is used as it is.
func WithSetting(name, value string) Option {
	return func(o *options) { o.settings = append(o.settings, setting{name, value}) }
}

// WithLogOutput copies the server's log (and initdb's output) to w as well as
// to the log file in the server's temporary directory. w is written from
// another goroutine for as long as the server runs, so it must be safe for
// concurrent use and outlive the server: os.Stderr or a buffer guarded by a
// mutex, not a writer calling t.Log, which panics once the test is over.
func WithLogOutput(w io.Writer) Option {
	return func(o *options) { o.logOutput = w }
}

// WithStartTimeout bounds how long [Start] waits for a local server to accept
// connections (default 60s). The context passed to Start can end it sooner.
func WithStartTimeout(d time.Duration) Option {
	return func(o *options) { o.startTimeout = d }
}
