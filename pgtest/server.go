package pgtest

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest/internal/pgbin"
)

// Environment variables that choose where [Start] gets its server.
const (
	// EnvDSN names an existing server to use instead of starting one, as a
	// URL or keyword/value connection string. Its role should be allowed to
	// create databases. When set, it takes precedence over everything else.
	EnvDSN = "PGMOON_TEST_DSN"

	// EnvBackend selects how a server is started when EnvDSN is unset:
	// "local" runs initdb and postgres from this machine, "docker" runs
	// a container. Unset, Start uses local binaries if it finds them and
	// Docker otherwise.
	EnvBackend = "PGMOON_TEST_BACKEND"
)

// Backends, as [Server.Backend] reports them and EnvBackend names them.
const (
	BackendLocal    = "local"    // initdb and postgres from this machine
	BackendDocker   = "docker"   // a container started through dockertest
	BackendExternal = "external" // the server named by PGMOON_TEST_DSN
)

// Authentication methods accepted by [Server.User]. Each names a pg_hba.conf
// method that a pgtest-managed server assigns to one role of its own.
const (
	MethodTrust       = "trust"
	MethodPassword    = "password"
	MethodMD5         = "md5"
	MethodSCRAMSHA256 = "scram-sha-256"

	// With WithTLS only:
	MethodCert      = "cert"      // a client certificate whose CN is the role (see Server.ClientCert), over TLS only
	MethodHostSSL   = "hostssl"   // scram-sha-256, over TLS only
	MethodHostNoSSL = "hostnossl" // scram-sha-256, over plain TCP only
)

// A User is a login role that a pgtest-managed server authenticates with one
// particular method.
type User struct {
	Name     string // role name, e.g. "pgmoon_md5"
	Password string // plain-text password ("" for the trust user)
	Method   string // pg_hba.conf method: "trust", "password", "md5" or "scram-sha-256"
}

// A Server is a PostgreSQL server for tests: either one that pgtest started
// and owns, or an existing one named by PGMOON_TEST_DSN. Its methods are safe
// for concurrent use.
type Server struct {
	backend   string // BackendLocal, BackendDocker or BackendExternal
	dsn       string // superuser connection string
	socketDSN string // the same over the unix socket, or ""
	host      string
	port      int
	socketDir string
	users     map[string]User // by method; nil unless pgtest manages the server
	stop      func() error    // stops and removes the server; nil if not ours
	local     *localServer    // the process of a local server; nil otherwise
	docker    *dockerServer   // the container of a Docker server; nil otherwise
	container string          // id of the Docker container, or ""
	tls       *tlsFiles       // set up by WithTLS; nil otherwise
	major     int             // server major version, e.g. 15
	closeOnce sync.Once
	closeErr  error

	// life serializes Stop, Start, Promote and Close of a server pgtest
	// manages; closed is set under it by Close.
	life   sync.Mutex
	closed bool
}

// A backend provides a server.
type backend interface {
	start(ctx context.Context, o *options) (*Server, error)
}

// A choice holds what selectBackend reads, so tests can vary it.
type choice struct {
	dsn, backend string  // EnvDSN and EnvBackend
	docker       *Docker // WithDocker, or nil
	binDir       string  // WithBinDir
	version      string  // WithVersion
	// localErr and dockerErr report why a backend is not available; they
	// are called only when the choice is automatic.
	localErr  func() error
	dockerErr func() error
}

// selectBackend applies the order documented at Start.
func selectBackend(c choice) (backend, error) {
	if c.dsn != "" {
		return externalBackend{dsn: c.dsn}, nil
	}
	if c.docker != nil {
		return dockerBackend{d: *c.docker}, nil
	}
	switch c.backend {
	case BackendLocal:
		return localBackend{}, nil
	case BackendDocker:
		return dockerBackend{}, nil
	case "":
	default:
		return nil, fmt.Errorf("pgtest: %s=%q: unknown backend (want %s or %s)", EnvBackend, c.backend, BackendLocal, BackendDocker)
	}
	if c.binDir != "" {
		return localBackend{}, nil
	}
	localErr := c.localErr()
	if localErr == nil {
		return localBackend{}, nil
	}
	dockerErr := c.dockerErr()
	if dockerErr == nil {
		return dockerBackend{}, nil
	}
	want := "a PostgreSQL server"
	if c.version != "" {
		want = "PostgreSQL " + c.version
	}
	return nil, fmt.Errorf("pgtest: no way to start %s here:\n"+
		"\tlocal binaries: %v\n\tDocker: %v\n"+
		"Install the PostgreSQL server (Debian/Ubuntu: apt-get install postgresql; Fedora/RHEL: dnf install postgresql-server; "+
		"macOS: brew install postgresql), or install and start Docker, or set %s to the connection string of an existing server",
		want, localErr, dockerErr, EnvDSN)
}

// choiceFor reads the environment and the options for selectBackend.
func choiceFor(ctx context.Context, o *options) choice {
	return choice{
		dsn:     os.Getenv(EnvDSN),
		backend: os.Getenv(EnvBackend),
		docker:  o.docker,
		binDir:  o.binDir,
		version: o.version,
		localErr: func() error {
			_, err := pgbin.FindVersion(ctx, o.binDir, o.version)
			return err
		},
		dockerErr: func() error {
			_, err := newPool(ctx, "")
			return err
		},
	}
}

// Start provides a server. The first of these that applies decides where
// it comes from:
//
//  1. PGMOON_TEST_DSN ([EnvDSN]) is set: that existing server is used.
//  2. [WithDocker] is given: a Docker container.
//  3. PGMOON_TEST_BACKEND ([EnvBackend]) is "local" or "docker".
//  4. [WithBinDir] is given: the local backend.
//  5. PostgreSQL binaries are found on this machine (of the version asked
//     for with [WithVersion], if any): the local backend.
//  6. A Docker engine answers: the Docker backend.
//
// If none applies, the error says what to install. ctx bounds the whole
// start-up; the server itself outlives it. Call [Server.Close] when done.
//
// Every error names the step that failed ("pgtest: initdb: ...") and, for a
// server pgtest started, ends with the tail of the tool's output or the
// server log.
func Start(ctx context.Context, opts ...Option) (*Server, error) {
	o := &options{startTimeout: defaultStartTimeout}
	for _, opt := range opts {
		opt(o)
	}
	b, err := selectBackend(choiceFor(ctx, o))
	if err != nil {
		return nil, err
	}
	s, err := b.start(ctx, o)
	if err != nil {
		return nil, err
	}
	if err := s.finishSetUp(ctx, o); err != nil {
		if cerr := s.Close(); cerr != nil {
			err = fmt.Errorf("%w\n(cleaning up: %v)", err, cerr)
		}
		return nil, err
	}
	return s, nil
}

// DSN returns a URL connecting as the superuser. For a local server it is
// postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable; for an
// external one it is PGMOON_TEST_DSN unchanged.
func (s *Server) DSN() string { return s.dsn }

// SocketDSN returns a keyword/value connection string for the superuser over
// the unix socket, such as
// "host=/tmp/pgmoon-123 port=5432 user=postgres dbname=postgres sslmode=disable".
// It is "" for an external server unless PGMOON_TEST_DSN itself names a
// socket directory.
func (s *Server) SocketDSN() string { return s.socketDSN }

// Host returns the TCP host of the server ("127.0.0.1" for a local server),
// or, for an external server reached over a unix socket, its directory.
func (s *Server) Host() string { return s.host }

// Port returns the server's port; it is also the number in the unix socket's
// file name.
func (s *Server) Port() int { return s.port }

// SocketDir returns the directory holding the server's unix socket, or "" if
// it is not known (an external server reached over TCP).
func (s *Server) SocketDir() string { return s.socketDir }

// Backend reports where the server comes from: [BackendLocal],
// [BackendDocker] or [BackendExternal].
func (s *Server) Backend() string { return s.backend }

// MajorVersion returns the server's major version number, such as 15 (9
// for the 9.x releases).
func (s *Server) MajorVersion() int { return s.major }

// ContainerID returns the id of the Docker container running the server,
// or "" if it does not run in one that pgtest started. It is what docker
// logs and docker exec take.
func (s *Server) ContainerID() string { return s.container }

// User returns the role that authenticates with method: one of "trust",
// "password", "md5" or "scram-sha-256". The md5 role's password is stored
// as an MD5 hash (so the server really runs MD5), the password and
// scram-sha-256 roles' as SCRAM verifiers. pg_hba.conf applies the method on
// the unix socket and over TCP (from loopback for a local server, from any
// address for a container, whose connections arrive from the engine's
// network). Only a server pgtest started has these roles.
//
// A server started [WithTLS] also has [MethodCert] (pgmoon_cert, which logs
// in over TLS with a certificate from [Server.ClientCert]), [MethodHostSSL]
// (scram-sha-256 over TLS only) and [MethodHostNoSSL] (scram-sha-256 over
// plain TCP only).
func (s *Server) User(method string) (User, error) {
	if s.users == nil {
		return User{}, fmt.Errorf("pgtest: user %q: per-method users need a pgtest-managed server "+
			"(this one comes from %s; unset it to let pgtest start one)", method, EnvDSN)
	}
	u, ok := s.users[method]
	if !ok {
		return User{}, fmt.Errorf("pgtest: user %q: unknown method (want trust, password, md5 or scram-sha-256; "+
			"with WithTLS also cert, hostssl or hostnossl)", method)
	}
	return u, nil
}

// URL returns a connection string for the server as user with password,
// to database dbname, in the form of [Server.DSN] (a URL for a local server,
// the form of PGMOON_TEST_DSN for an external one) with its other parameters.
// An empty user keeps the DSN's user, and then an empty password its
// password; a new user's empty password is left out. An empty dbname keeps
// the DSN's database.
func (s *Server) URL(user, password, dbname string) string {
	var settings [][2]string
	if user != "" {
		settings = append(settings, [2]string{"user", user}, [2]string{"password", password})
	} else if password != "" {
		settings = append(settings, [2]string{"password", password})
	}
	if dbname != "" {
		settings = append(settings, [2]string{"dbname", dbname})
	}
	return withSettings(s.dsn, settings...)
}

// Close stops the server and removes its files, if pgtest started it; for an
// external server it does nothing. It works on a running server as well as
// on one that [Server.Stop] stopped, and waits for a Stop, Start or Restart
// under way in another goroutine to end first. Close is idempotent: later
// calls return the first call's result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.life.Lock()
		defer s.life.Unlock()
		s.closed = true
		if s.stop != nil {
			s.closeErr = s.stop()
		}
	})
	return s.closeErr
}

// externalBackend wraps an existing server named by PGMOON_TEST_DSN.
type externalBackend struct{ dsn string }

func (b externalBackend) start(ctx context.Context, o *options) (*Server, error) {
	cfg, err := pgmoon.ParseConfig(b.dsn)
	if err != nil {
		return nil, fmt.Errorf("pgtest: %s: %w", EnvDSN, err)
	}
	s := &Server{backend: BackendExternal, dsn: b.dsn, host: cfg.Host, port: int(cfg.Port)}
	if isSocketDir(s.host) {
		s.socketDir = s.host
		s.socketDSN = b.dsn
	}
	if err := ping(ctx, b.dsn); err != nil {
		return nil, fmt.Errorf("pgtest: connect to %s: %w", EnvDSN, err)
	}
	return s, nil
}

// isSocketDir reports whether a libpq host names a unix socket directory.
func isSocketDir(host string) bool {
	return len(host) > 0 && (host[0] == '/' || host[0] == '@')
}
