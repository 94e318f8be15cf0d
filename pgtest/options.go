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
	docker       *Docker       // set by WithDocker: use Docker with this configuration
	local        bool          // set by WithLocal: use local binaries, whatever the environment says
	version      string        // major version wanted, "" for any
	tls          bool          // set up TLS
}

type setting struct{ name, value string }

const defaultStartTimeout = 60 * time.Second

// WithBinDir makes the local backend take initdb and postgres from dir only,
// instead of searching PATH, pg_config --bindir and /usr/lib/postgresql/*/bin.
// The Docker backend ignores it.
func WithBinDir(dir string) Option {
	return func(o *options) { o.binDir = dir }
}

// WithSetting passes a server configuration parameter on the postgres command
// line (-c name=value) of a server pgtest starts, locally or in a container.
// It overrides pgtest's own settings of the same name (such as
// max_connections=100); of two WithSetting calls for one name, the later
// wins. An external server (PGMOON_TEST_DSN) is used as it is.
func WithSetting(name, value string) Option {
	return func(o *options) { o.settings = append(o.settings, setting{name, value}) }
}

// WithLogOutput copies the server's log (and initdb's output) to w: for a
// local server as well as to the log file in the server's temporary
// directory, for a container its output stream. w is written from another
// goroutine for as long as the server runs, so it must be safe for
// concurrent use and outlive the server: os.Stderr or a buffer guarded by a
// mutex, not a writer calling t.Log, which panics once the test is over.
func WithLogOutput(w io.Writer) Option {
	return func(o *options) { o.logOutput = w }
}

// WithStartTimeout bounds how long [Start] waits for a server to accept
// connections once its process or container runs (default 60s). The
// context passed to Start can end it sooner.
func WithStartTimeout(d time.Duration) Option {
	return func(o *options) { o.startTimeout = d }
}

// WithDocker makes [Start] run the server in a Docker container configured
// by d, instead of choosing a backend (see [Start]). Only PGMOON_TEST_DSN
// overrides it. The zero Docker is the default configuration, the one
// PGMOON_TEST_BACKEND=docker uses.
func WithDocker(d Docker) Option {
	return func(o *options) { o.docker = &d }
}

// WithVersion asks for a server of one PostgreSQL major version, such as
// "15" or "17". The local backend then uses only binaries of that version
// (from /usr/lib/postgresql/15/bin and the like), the Docker backend the
// image tag of that name, and an external server must be of that version.
// [Matrix] sets it for each version it runs.
func WithVersion(major string) Option {
	return func(o *options) { o.version = major }
}

// WithTLS turns on TLS in a server pgtest starts: pgtest makes a throwaway
// certificate authority and a server certificate for 127.0.0.1, ::1 and
// localhost, installs them in the server, and sets ssl=on. [Server.DSN] then
// asks for sslmode=require, and [Server.RootCAs] and [Server.CAFile] give
// the authority to verify the server with. Plain-text connections are still
// accepted. An external server is used as it is; WithTLS then fails Start
// if that server does not offer TLS.
func WithTLS() Option {
	return func(o *options) { o.tls = true }
}

// WithLocal makes [Start] run the server from this machine's binaries
// (the local backend), whatever PGMOON_TEST_DSN and PGMOON_TEST_BACKEND
// say: for tests that need what only a local server pgtest started can do,
// such as [StartStandby], and that must run in every backend's test pass.
// Without binaries Start fails and says what to install. WithLocal and
// [WithDocker] together are an error.
func WithLocal() Option {
	return func(o *options) { o.local = true }
}
