package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest/internal/pgbin"
)

// PgBouncer pool modes, for [WithPoolMode].
const (
	PoolModeSession     = "session"     // a server connection per client, for the client's whole session
	PoolModeTransaction = "transaction" // a server connection per transaction (pgtest's default)
	PoolModeStatement   = "statement"   // a server connection per statement; no multi-statement transactions
)

// Files of a PgBouncer's temporary directory, <TMPDIR>/pgmoon-NNNN, which
// is also its unix socket directory.
const (
	bouncerIni     = "pgbouncer.ini"
	bouncerUsers   = "userlist.txt" // auth_file: user names and plain-text passwords, mode 0600
	bouncerHBA     = "pgbouncer_hba.conf"
	bouncerLog     = "pgbouncer.log"
	bouncerPIDFile = "pgbouncer.pid" // checked by removeStaleDirs
)

// bouncerReadyTimeout bounds how long StartPgBouncer waits for PgBouncer to
// answer, on top of ctx.
const bouncerReadyTimeout = 30 * time.Second

// bouncerInstallHint says how to get the pgbouncer program.
const bouncerInstallHint = "install PgBouncer (Debian/Ubuntu: apt-get install -y pgbouncer; " +
	"Fedora/RHEL: dnf install pgbouncer; macOS: brew install pgbouncer)"

// bouncerDirs are searched for pgbouncer after PATH: Debian installs it in
// /usr/sbin, which is not in every user's PATH.
var bouncerDirs = []string{"/usr/sbin", "/usr/local/sbin", "/usr/local/bin"}

// A PgBouncerOption changes how [StartPgBouncer] configures PgBouncer.
type PgBouncerOption func(*bouncerOptions)

type bouncerOptions struct {
	poolMode        string    // pool_mode (default: transaction)
	defaultPoolSize int       // default_pool_size (default: 0, PgBouncer's: 20)
	maxClientConn   int       // max_client_conn (default: 0, PgBouncer's: 100)
	ignoreParams    []string  // ignore_startup_parameters (default: none)
	settings        []setting // further [pgbouncer] settings, in order
	users           []User    // further users of the auth_file
	logOutput       io.Writer // copy of the log (default: only the log file)
	binary          string    // path of pgbouncer (default: searched)
	readyTimeout    time.Duration
}

// WithPoolMode sets PgBouncer's pool_mode: [PoolModeSession],
// [PoolModeTransaction] (pgtest's default) or [PoolModeStatement].
func WithPoolMode(mode string) PgBouncerOption {
	return func(o *bouncerOptions) { o.poolMode = mode }
}

// WithDefaultPoolSize sets default_pool_size, the number of server
// connections per database and user (PgBouncer's default: 20).
func WithDefaultPoolSize(n int) PgBouncerOption {
	return func(o *bouncerOptions) { o.defaultPoolSize = n }
}

// WithMaxClientConn sets max_client_conn, the number of client connections
// PgBouncer accepts (PgBouncer's default: 100).
func WithMaxClientConn(n int) PgBouncerOption {
	return func(o *bouncerOptions) { o.maxClientConn = n }
}

// WithIgnoreStartupParameters adds names to ignore_startup_parameters:
// startup parameters PgBouncer accepts from clients and drops. Without
// it, PgBouncer accepts only the parameters it tracks itself
// (client_encoding, DateStyle, TimeZone, standard_conforming_strings and
// application_name, which covers what the driver sends) and refuses a
// connection that sends another, such as search_path or
// extra_float_digits.
func WithIgnoreStartupParameters(names ...string) PgBouncerOption {
	return func(o *bouncerOptions) { o.ignoreParams = append(o.ignoreParams, names...) }
}

// WithPgBouncerSetting sets name = value in the [pgbouncer] section of the
// configuration, after pgtest's own settings, for anything the other
// options do not cover (query_wait_timeout, server_reset_query, ...).
func WithPgBouncerSetting(name, value string) PgBouncerOption {
	return func(o *bouncerOptions) { o.settings = append(o.settings, setting{name, value}) }
}

// WithPgBouncerUser adds a user to PgBouncer's auth_file, for a role a
// test created on the server: it logs in to PgBouncer with scram-sha-256
// (trust if password is empty), and PgBouncer logs in to the server with
// the same password.
func WithPgBouncerUser(name, password string) PgBouncerOption {
	return func(o *bouncerOptions) {
		method := MethodSCRAMSHA256
		if password == "" {
			method = MethodTrust
		}
		o.users = append(o.users, User{Name: name, Password: password, Method: method})
	}
}

// WithPgBouncerLogOutput copies PgBouncer's log to w, as well as to the log
// file in its directory. As for [WithLogOutput], w is written from another
// goroutine while PgBouncer runs and must be safe for concurrent use.
func WithPgBouncerLogOutput(w io.Writer) PgBouncerOption {
	return func(o *bouncerOptions) { o.logOutput = w }
}

// WithPgBouncerBinary runs the pgbouncer program at path instead of the one
// found in PATH or /usr/sbin.
func WithPgBouncerBinary(path string) PgBouncerOption {
	return func(o *bouncerOptions) { o.binary = path }
}

// A PgBouncer is a PgBouncer process that [StartPgBouncer] runs in front of
// a server, for tests. Its methods are safe for concurrent use.
type PgBouncer struct {
	srv       *Server
	host      string
	port      int
	dir       string // temporary directory: configuration, auth_file, log, socket
	superuser User   // the server's superuser, as its DSN connects
	database  string // the server's default database, as its DSN names it
	run       *osUser
	logFile   *os.File
	proc      *child
	closeOnce sync.Once
	closeErr  error
	poolMode  string // pool_mode
}

// StartPgBouncer runs PgBouncer in front of srv and returns once it answers
// on its admin console. PgBouncer listens on 127.0.0.1 and a free port (and
// a unix socket in its temporary directory), in pool_mode transaction
// unless [WithPoolMode] says otherwise, and forwards every database name
// to the same database of srv over TCP (or srv's unix socket, for an
// external server reached through one).
//
// Who can log in: the superuser of [Server.DSN], as srv's DSN does (a local
// server's postgres without a password, a container's superuser with its
// password), and, on a server pgtest started, the roles of [Server.User]
// for password, md5, scram-sha-256 and trust, each with its method and
// password, PgBouncer logging in to the server with the same password; and
// the users of [WithPgBouncerUser]. Nobody else. The superuser is also an
// admin of the console (the database "pgbouncer"; see [PgBouncer.Show]).
//
// pgtest sets server_login_retry to 1s (PgBouncer's default is 15s), so
// that PgBouncer reconnects soon after its server restarts. When the test
// binary runs as root, which PgBouncer refuses, PgBouncer runs as the OS
// user local servers run as ("postgres" or "nobody").
//
// The caller owns the PgBouncer: [PgBouncer.Close] stops it and removes its
// directory; it does not touch srv. On Linux PgBouncer dies with the test
// binary, and the next Start or StartPgBouncer removes the directories that
// killed test binaries left behind.
//
// The pgbouncer program is looked for in PATH, then /usr/sbin; without it,
// StartPgBouncer fails and says what to install.
func StartPgBouncer(ctx context.Context, srv *Server, opts ...PgBouncerOption) (*PgBouncer, error) {
	o := &bouncerOptions{poolMode: PoolModeTransaction, readyTimeout: bouncerReadyTimeout}
	for _, opt := range opts {
		opt(o)
	}
	if !slices.Contains([]string{PoolModeSession, PoolModeTransaction, PoolModeStatement}, o.poolMode) {
		return nil, fmt.Errorf("pgtest: start pgbouncer: pool mode %q (want session, transaction or statement)", o.poolMode)
	}
	path, err := findPgBouncer(o.binary)
	if err != nil {
		return nil, err
	}
	cfg, err := pgmoon.ParseConfig(srv.DSN())
	if err != nil {
		return nil, fmt.Errorf("pgtest: start pgbouncer: the server's DSN: %w", err)
	}
	removeStaleDirs()
	run, err := serverUser()
	if err != nil {
		return nil, fmt.Errorf("pgtest: start pgbouncer: %w", err)
	}
	b := &PgBouncer{
		srv:       srv,
		host:      "127.0.0.1",
		superuser: User{Name: cfg.User, Password: cfg.Password, Method: MethodTrust},
		database:  cfg.Database,
		run:       run,
		poolMode:  o.poolMode,
	}
	if b.superuser.Password != "" {
		b.superuser.Method = MethodSCRAMSHA256
	}
	if err := b.setUp(ctx, o, path); err != nil {
		if cerr := b.Close(); cerr != nil {
			err = fmt.Errorf("%w\n(cleaning up: %v)", err, cerr)
		}
		return nil, err
	}
	return b, nil
}

// findPgBouncer returns the path of the pgbouncer program.
func findPgBouncer(path string) (string, error) {
	if path != "" {
		p, err := exec.LookPath(path)
		if err != nil {
			return "", fmt.Errorf("pgtest: start pgbouncer: %w; %s", err, bouncerInstallHint)
		}
		return p, nil
	}
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p, nil
	}
	for _, d := range bouncerDirs {
		if p, err := exec.LookPath(filepath.Join(d, "pgbouncer")); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("pgtest: start pgbouncer: pgbouncer not found in PATH or %s; %s",
		strings.Join(bouncerDirs, ", "), bouncerInstallHint)
}

func (b *PgBouncer) setUp(ctx context.Context, o *bouncerOptions, path string) error {
	dir, err := b.makeDir()
	if err != nil {
		return fmt.Errorf("pgtest: start pgbouncer: temp dir: %w", err)
	}
	b.dir = dir
	users := b.users(o)
	if err := b.writeFile(bouncerUsers, authFile(users)); err != nil {
		return fmt.Errorf("pgtest: start pgbouncer: write auth_file: %w", err)
	}
	if err := b.writeFile(bouncerHBA, bouncerHBAFile(users)); err != nil {
		return fmt.Errorf("pgtest: start pgbouncer: write hba file: %w", err)
	}
	b.logFile, err = os.OpenFile(filepath.Join(dir, bouncerLog), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("pgtest: start pgbouncer: open log: %w", err)
	}
	for attempt := 1; ; attempt++ {
		port, err := pickPort()
		if err != nil {
			return fmt.Errorf("pgtest: start pgbouncer: pick port: %w", err)
		}
		if err := b.writeFile(bouncerIni, b.config(o, port)); err != nil {
			return fmt.Errorf("pgtest: start pgbouncer: write configuration: %w", err)
		}
		err = b.launch(ctx, o, path, port)
		if err == nil {
			b.port = port
			return nil
		}
		if !errors.Is(err, errPortTaken) || attempt == portAttempts {
			return err
		}
	}
}

// makeDir creates the temporary directory, marked like a local server's
// so that removeStaleDirs removes it once this process is gone, and owned
// by the account PgBouncer runs as.
func (b *PgBouncer) makeDir() (string, error) {
	l := &localServer{run: b.run}
	if err := l.makeDir(); err != nil {
		if l.dir != "" {
			os.RemoveAll(l.dir)
		}
		return "", err
	}
	return l.dir, nil
}

// writeFile writes a file into the directory, readable by PgBouncer's
// account alone (the auth_file holds passwords).
func (b *PgBouncer) writeFile(name, content string) error {
	path := filepath.Join(b.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return err
	}
	if b.run != nil {
		return os.Lchown(path, int(b.run.uid), int(b.run.gid))
	}
	return nil
}

// users returns who may log in: the superuser, the server's per-method
// roles and WithPgBouncerUser's users.
func (b *PgBouncer) users(o *bouncerOptions) []User {
	users := []User{b.superuser}
	for _, m := range []string{MethodPassword, MethodMD5, MethodSCRAMSHA256, MethodTrust} {
		if u, ok := b.srv.users[m]; ok {
			users = append(users, u)
		}
	}
	return append(users, o.users...)
}

// authFile formats PgBouncer's auth_file: "name" "password" per line,
// with plain-text passwords, which PgBouncer needs to log in to the server
// with any method.
func authFile(users []User) string {
	var sb strings.Builder
	for _, u := range users {
		fmt.Fprintf(&sb, "%s %s\n", bouncerQuote(u.Name), bouncerQuote(u.Password))
	}
	return sb.String()
}

// bouncerQuote double-quotes a field of the auth_file or hba file,
// doubling double quotes.
func bouncerQuote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// bouncerHBAFile gives each user its method, on the socket and over
// loopback. Others have no line, so PgBouncer refuses them.
func bouncerHBAFile(users []User) string {
	var sb strings.Builder
	sb.WriteString("# Written by pgtest (github.com/pgmoon-go/pgmoon/pgtest).\n")
	for _, u := range users {
		method := u.Method
		if method == MethodPassword {
			method = "password"
		}
		name := bouncerQuote(u.Name)
		fmt.Fprintf(&sb, "local\tall\t%s\t\t%s\n", name, method)
		fmt.Fprintf(&sb, "host\tall\t%s\t127.0.0.1/32\t%s\n", name, method)
	}
	return sb.String()
}

// config returns pgbouncer.ini for port.
func (b *PgBouncer) config(o *bouncerOptions, port int) string {
	target := fmt.Sprintf("host=%s port=%d", b.srv.Host(), b.srv.Port())
	var sb strings.Builder
	sb.WriteString("; Written by pgtest (github.com/pgmoon-go/pgmoon/pgtest).\n")
	sb.WriteString("[databases]\n")
	fmt.Fprintf(&sb, "* = %s\n\n", target)
	sb.WriteString("[pgbouncer]\n")
	settings := []setting{
		{"listen_addr", b.host},
		{"listen_port", strconv.Itoa(port)},
		{"unix_socket_dir", b.dir},
		{"pidfile", filepath.Join(b.dir, bouncerPIDFile)},
		{"auth_type", "hba"},
		{"auth_hba_file", filepath.Join(b.dir, bouncerHBA)},
		{"auth_file", filepath.Join(b.dir, bouncerUsers)},
		{"admin_users", b.superuser.Name},
		{"pool_mode", o.poolMode},
		{"server_login_retry", "1"},
	}
	if o.defaultPoolSize > 0 {
		settings = append(settings, setting{"default_pool_size", strconv.Itoa(o.defaultPoolSize)})
	}
	if o.maxClientConn > 0 {
		settings = append(settings, setting{"max_client_conn", strconv.Itoa(o.maxClientConn)})
	}
	if len(o.ignoreParams) > 0 {
		settings = append(settings, setting{"ignore_startup_parameters", strings.Join(o.ignoreParams, ",")})
	}
	for _, s := range append(settings, o.settings...) {
		fmt.Fprintf(&sb, "%s = %s\n", s.name, s.value)
	}
	return sb.String()
}

// launch runs pgbouncer in the foreground as a child and waits until its
// admin console answers.
func (b *PgBouncer) launch(ctx context.Context, o *bouncerOptions, path string, port int) error {
	logStart, _ := b.logFile.Seek(0, io.SeekEnd)
	cmd := exec.Command(path, filepath.Join(b.dir, bouncerIni))
	cmd.Dir = b.dir
	cmd.Env = pgbin.CleanEnv()
	cmd.SysProcAttr = sysProcAttr(b.run)
	cmd.WaitDelay = 5 * time.Second
	var w io.Writer = b.logFile
	if o.logOutput != nil {
		w = io.MultiWriter(b.logFile, o.logOutput)
	}
	cmd.Stdout, cmd.Stderr = w, w
	proc, err := startChild(cmd)
	if err != nil {
		return fmt.Errorf("pgtest: start pgbouncer: %w", err)
	}
	b.proc = proc

	ctx, cancel := context.WithTimeout(ctx, o.readyTimeout)
	defer cancel()
	admin := b.adminURL(port)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		pctx, pcancel := context.WithTimeout(ctx, pingTimeout)
		lastErr = runSQL(pctx, admin, "SHOW VERSION")
		pcancel()
		if lastErr == nil {
			return nil
		}
		select {
		case <-proc.done:
			b.proc = nil
			log := b.readLog(logStart)
			if bytes.Contains(log, []byte("Address already in use")) {
				return fmt.Errorf("pgtest: start pgbouncer: port %d: %w", port, errPortTaken)
			}
			return fmt.Errorf("pgtest: start pgbouncer: exited during start-up (%v)%s", proc.err, outputTail("pgbouncer log", log))
		case <-ctx.Done():
			return fmt.Errorf("pgtest: wait for pgbouncer: %w (last attempt: %v)%s",
				context.Cause(ctx), lastErr, outputTail("pgbouncer log", b.readLog(logStart)))
		case <-tick.C:
		}
	}
}

// readLog returns PgBouncer's log from byte offset from on.
func (b *PgBouncer) readLog(from int64) []byte {
	data, err := os.ReadFile(filepath.Join(b.dir, bouncerLog))
	if err != nil || from > int64(len(data)) {
		return nil
	}
	return data[from:]
}

// Host returns the address PgBouncer listens on, "127.0.0.1".
func (b *PgBouncer) Host() string { return b.host }

// Port returns PgBouncer's port.
func (b *PgBouncer) Port() int { return b.port }

// SocketDir returns the directory of PgBouncer's unix socket, whose name
// carries [PgBouncer.Port] as a server's does.
func (b *PgBouncer) SocketDir() string { return b.dir }

// PoolMode returns the pool_mode PgBouncer runs in.
func (b *PgBouncer) PoolMode() string { return b.poolMode }

// DSN returns a URL connecting through PgBouncer as the server's superuser
// to the server's default database (both as [Server.DSN] names them), such
// as postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable.
func (b *PgBouncer) DSN() string { return b.URL("", "", "") }

// URL returns a URL connecting through PgBouncer as user with password to
// database dbname. An empty user is the superuser, with its password; an
// empty dbname is the server's default database. PgBouncer does not offer
// TLS, so the URL says sslmode=disable.
func (b *PgBouncer) URL(user, password, dbname string) string {
	if user == "" {
		user, password = b.superuser.Name, b.superuser.Password
	}
	if dbname == "" {
		dbname = b.database
	}
	return bouncerURL(b.host, b.port, user, password, dbname)
}

// AdminDSN returns a URL connecting to PgBouncer's admin console (the
// database "pgbouncer") as the superuser, which is an admin_users entry.
// The console speaks only the simple query protocol: use
// pgmoon.Conn.SimpleQuery, or [PgBouncer.Show].
func (b *PgBouncer) AdminDSN() string { return b.adminURL(b.port) }

func (b *PgBouncer) adminURL(port int) string {
	return bouncerURL(b.host, port, b.superuser.Name, b.superuser.Password, "pgbouncer")
}

func bouncerURL(host string, port int, user, password, dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		Host:     fmt.Sprintf("%s:%d", host, port),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	if password != "" {
		u.User = url.UserPassword(user, password)
	} else {
		u.User = url.User(user)
	}
	return u.String()
}

// Show runs "SHOW what" on the admin console, such as Show(ctx, "POOLS")
// or Show(ctx, "CLIENTS"), and returns its rows, each a map from column
// name to value (NULL as ""). Which columns there are depends on the
// PgBouncer version; see its documentation. For example, in transaction
// mode with WithDefaultPoolSize(1), the POOLS row of a database and user
// whose two clients have each run a query shows cl_active "2" and at most
// one server connection among sv_active, sv_idle and sv_used.
func (b *PgBouncer) Show(ctx context.Context, what string) ([]map[string]string, error) {
	if strings.ContainsAny(what, ";\x00") {
		return nil, fmt.Errorf("pgtest: pgbouncer: SHOW %q: not one command", what)
	}
	var rows []map[string]string
	err := withConn(ctx, b.AdminDSN(), func(conn *pgmoon.Conn) error {
		res, err := conn.SimpleQuery(ctx, "SHOW "+what)
		if err != nil {
			return err
		}
		if len(res) != 1 {
			return fmt.Errorf("%d results, want 1", len(res))
		}
		for _, r := range res[0].Rows {
			row := make(map[string]string, len(r))
			for i, f := range res[0].Fields {
				if i < len(r) {
					row[f.Name] = string(r[i])
				}
			}
			rows = append(rows, row)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pgtest: pgbouncer: SHOW %s: %w", what, err)
	}
	return rows, nil
}

// Close stops PgBouncer (an immediate shutdown, SIGTERM: client and server
// connections are closed; SIGKILL if it has not exited after 10 seconds)
// and removes its directory. It leaves the server alone. Close is
// idempotent: later calls return the first call's result.
func (b *PgBouncer) Close() error {
	b.closeOnce.Do(func() {
		var errs []error
		if p := b.proc; p != nil && !p.exited() {
			_ = terminate(p.cmd.Process)
			select {
			case <-p.done:
			case <-time.After(stopGrace):
				_ = killChild(p)
				select {
				case <-p.done:
				case <-time.After(stopGrace):
				}
				errs = append(errs, fmt.Errorf("pgtest: close pgbouncer: pgbouncer (pid %d) ignored SIGTERM for %v; killed it", p.cmd.Process.Pid, stopGrace))
			}
		}
		if b.logFile != nil {
			b.logFile.Close()
		}
		if b.dir != "" {
			if err := removeAll(b.dir); err != nil {
				errs = append(errs, fmt.Errorf("pgtest: close pgbouncer: remove temp dir: %w", err))
			}
		}
		b.closeErr = errors.Join(errs...)
	})
	return b.closeErr
}
