package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/pgmoon-go/pgmoon/pgtest/internal/pgbin"
)

// Files and names of a local server's temporary directory,
// <TMPDIR>/pgmoon-NNNN, which is also its unix socket directory.
const (
	tempDirPrefix = "pgmoon-"
	markerFile    = ".pgtest-owner" // says pgtest made the directory, and for which process
	logFileName   = "postgres.log"
	dataDirName   = "data"

	// maxSocketPath is the longest unix socket path every supported system
	// accepts: sun_path holds 108 bytes on Linux and 104 on macOS and the
	// BSDs, the terminating NUL included.
	maxSocketPath = 103
)

// Timeouts of a local server's life.
const (
	initdbTimeout = 2 * time.Minute // on top of ctx
	pingTimeout   = 5 * time.Second // one readiness probe
	portAttempts  = 5               // starts tried when the port was taken meanwhile
)

// stopGrace is how long Stop and Close wait after SIGINT (a fast shutdown)
// before SIGKILL; a variable for tests.
var stopGrace = 10 * time.Second

// A methodRole is a role that authenticates with one method.
type methodRole struct{ method, role string }

// The roles a local server creates, one per pg_hba.conf method. The trust
// role needs no line of its own: the catch-all lines trust everyone else.
var methodRoles = []methodRole{
	{MethodPassword, "pgmoon_password"},
	{MethodMD5, "pgmoon_md5"},
	{MethodSCRAMSHA256, "pgmoon_scram"},
	{MethodTrust, "pgmoon_trust"},
}

// baseSettings are the postgres -c flags pgtest always passes, before the
// caller's WithSetting flags (the later -c wins). Durability is traded for
// speed: the cluster is thrown away after the tests.
var baseSettings = []setting{
	{"listen_addresses", "127.0.0.1"},
	{"fsync", "off"},
	{"synchronous_commit", "off"},
	{"full_page_writes", "off"},
	{"max_connections", "100"},
}

// localBackend runs initdb and postgres found on this machine.
type localBackend struct{}

// localServer is one postgres that localBackend started.
type localServer struct {
	o       *options
	bins    pgbin.Binaries
	run     *osUser // account of the child processes; nil: this process's
	dir     string  // temporary directory; also the socket directory
	dataDir string
	logPath string
	logFile *os.File
	port    int       // the server's port, once it has one
	proc    *child    // the postmaster; nil before it is started and after Stop
	held    io.Closer // the port, held while the server is stopped; or nil

	// A standby's (StartStandby):
	upstream *Server // the primary it was copied from
	slot     string  // its replication slot on upstream
}

func (localBackend) start(ctx context.Context, o *options) (*Server, error) {
	removeStaleDirs()
	bins, err := pgbin.FindVersion(ctx, o.binDir, o.version)
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	run, err := serverUser()
	if err != nil {
		return nil, fmt.Errorf("pgtest: server user: %w", err)
	}
	l := &localServer{o: o, bins: bins, run: run}
	if err := l.makeDir(); err != nil {
		_ = l.stop() // removes what makeDir made
		return nil, fmt.Errorf("pgtest: temp dir: %w", err)
	}
	s, err := l.setUp(ctx)
	if err != nil {
		if serr := l.stop(); serr != nil {
			err = fmt.Errorf("%w\n(cleaning up: %v)", err, serr)
		}
		return nil, err
	}
	return s, nil
}

func (l *localServer) setUp(ctx context.Context) (*Server, error) {
	if err := l.initdb(ctx); err != nil {
		return nil, err
	}
	if err := l.writeHBA(); err != nil {
		return nil, fmt.Errorf("pgtest: write pg_hba.conf: %w", err)
	}
	if err := l.startOnFreePort(ctx); err != nil {
		return nil, err
	}
	s := l.server()
	var err error
	s.users, err = createRoles(ctx, s.dsn, methodRoles)
	if err != nil {
		return nil, fmt.Errorf("pgtest: create roles: %w%s", err, l.logTail(0))
	}
	return s, nil
}

// startOnFreePort opens the server log and starts postgres on a free port,
// picking another one if something else took it meanwhile.
func (l *localServer) startOnFreePort(ctx context.Context) error {
	logFile, err := os.OpenFile(l.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("pgtest: open server log: %w", err)
	}
	l.logFile = logFile
	for attempt := 1; ; attempt++ {
		port, err := pickPort()
		if err != nil {
			return fmt.Errorf("pgtest: pick port: %w", err)
		}
		err = l.launch(ctx, port)
		if err == nil {
			l.port = port
			return nil
		}
		if !errors.Is(err, errPortTaken) || attempt == portAttempts {
			return err
		}
	}
}

// server returns the Server of a started local server, connecting as the
// superuser postgres.
func (l *localServer) server() *Server {
	return &Server{
		backend:   BackendLocal,
		dsn:       fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", l.port),
		socketDSN: fmt.Sprintf("host=%s port=%d user=postgres dbname=postgres sslmode=disable", quoteKeywordValue(l.dir), l.port),
		host:      "127.0.0.1",
		port:      l.port,
		socketDir: l.dir,
		stop:      l.stop,
		local:     l,
	}
}

// serverUser picks the account to run initdb and postgres as: nil (this
// process's) unless this process is root, which PostgreSQL refuses to run as.
func serverUser() (*osUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		return &osUser{name: name, uid: uint32(uid), gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root, which PostgreSQL refuses, and there is no " +
		"\"postgres\" or \"nobody\" OS user to run it as; create one (useradd postgres) or run the tests as another user")
}

// makeDir creates the temporary directory with a short path, so that the
// socket path fits, and one the server's account can reach.
func (l *localServer) makeDir() error {
	base := os.TempDir()
	if runtime.GOOS != "windows" {
		tooLong := len(base)+len("/"+tempDirPrefix+"1234567890/.s.PGSQL.65535") > maxSocketPath
		if tooLong || (l.run != nil && !traversableByOthers(base)) {
			base = "/tmp"
		}
	}
	dir, err := os.MkdirTemp(base, tempDirPrefix)
	if err != nil {
		return err
	}
	l.dir = dir
	l.dataDir = filepath.Join(dir, dataDirName)
	l.logPath = filepath.Join(dir, logFileName)
	if err := os.WriteFile(filepath.Join(dir, markerFile), []byte(markerContent(os.Getpid())), 0o644); err != nil {
		return err
	}
	if l.run != nil {
		if err := chownTree(dir, l.run); err != nil {
			return fmt.Errorf("give %s to OS user %s: %w", dir, l.run.name, err)
		}
	}
	return nil
}

// markerContent says who made a temporary directory; its last line is the
// process id that removeStaleDirs checks.
func markerContent(pid int) string {
	return fmt.Sprintf("made by github.com/pgmoon-go/pgmoon/pgtest for process\n%d\n", pid)
}

// traversableByOthers reports whether every directory from path up to the
// root lets other users through.
func traversableByOthers(path string) bool {
	for p := filepath.Clean(path); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if filepath.Dir(p) == p {
			return true
		}
	}
}

func chownTree(dir string, u *osUser) error {
	return filepath.WalkDir(dir, func(path string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(u.uid), int(u.gid))
	})
}

// command prepares a child process: in the temporary directory (initdb fails
// if it cannot read its working directory), without the PG* environment,
// as the server's account.
func (l *localServer) command(ctx context.Context, path string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = l.dir
	cmd.Env = pgbin.CleanEnv()
	cmd.SysProcAttr = sysProcAttr(l.run)
	// Grandchildren (postgres backends, initdb's bootstrap) may hold an
	// output pipe open a little longer than their parent lives.
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

func (l *localServer) initdb(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, initdbTimeout)
	defer cancel()
	var out bytes.Buffer
	var w io.Writer = &out
	if l.o.logOutput != nil {
		w = io.MultiWriter(&out, l.o.logOutput)
	}
	cmd := l.command(ctx, l.bins.Initdb,
		"-D", l.dataDir,
		"--no-sync",
		"-U", "postgres",
		"--auth=trust",
		"-E", "UTF8",
		"--locale=C",
	)
	cmd.Stdout, cmd.Stderr = w, w
	c, err := startChild(cmd)
	if err != nil {
		return fmt.Errorf("pgtest: initdb: %w", err)
	}
	<-c.done
	if c.err != nil {
		return fmt.Errorf("pgtest: initdb: %w%s", c.err, outputTail("initdb output", out.Bytes()))
	}
	return nil
}

// writeHBA replaces initdb's pg_hba.conf: each method role authenticates
// with its method on the socket and on loopback, everyone else is trusted,
// and replication connections (pg_basebackup, a standby's WAL receiver;
// "all" does not match them) are trusted on the socket and on loopback.
func (l *localServer) writeHBA() error {
	var b strings.Builder
	b.WriteString("# Written by pgtest (github.com/pgmoon-go/pgmoon/pgtest).\n")
	b.WriteString("# TYPE\tDATABASE\tUSER\tADDRESS\tMETHOD\n")
	for _, r := range methodRoles {
		if r.method == MethodTrust {
			continue
		}
		fmt.Fprintf(&b, "local\tall\t%s\t\t%s\n", r.role, r.method)
		fmt.Fprintf(&b, "host\tall\t%s\t127.0.0.1/32\t%s\n", r.role, r.method)
		fmt.Fprintf(&b, "host\tall\t%s\t::1/128\t%s\n", r.role, r.method)
	}
	b.WriteString("local\treplication\tall\t\ttrust\n")
	b.WriteString("host\treplication\tall\t127.0.0.1/32\ttrust\n")
	b.WriteString("host\treplication\tall\t::1/128\ttrust\n")
	b.WriteString("local\tall\tall\t\ttrust\n")
	b.WriteString("host\tall\tall\t127.0.0.1/32\ttrust\n")
	b.WriteString("host\tall\tall\t::1/128\ttrust\n")
	path := filepath.Join(l.dataDir, "pg_hba.conf")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return err
	}
	if l.run != nil {
		return os.Lchown(path, int(l.run.uid), int(l.run.gid))
	}
	return nil
}

// errPortTaken reports that another process bound the port between
// freePort and postgres.
var errPortTaken = errors.New("port taken")

// pickPort is freePort; tests replace it to hand out a taken port.
var pickPort = freePort

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	return port, ln.Close()
}

// launch starts postgres on port and waits until it answers a query.
func (l *localServer) launch(ctx context.Context, port int) error {
	logStart, _ := l.logFile.Seek(0, io.SeekEnd)
	args := []string{"-D", l.dataDir, "-p", strconv.Itoa(port), "-k", l.dir}
	for _, s := range append(baseSettings[:len(baseSettings):len(baseSettings)], l.o.settings...) {
		args = append(args, "-c", s.name+"="+s.value)
	}
	// Not CommandContext's ctx: the server must outlive Start.
	cmd := l.command(context.Background(), l.bins.Postgres, args...)
	var w io.Writer = l.logFile
	if l.o.logOutput != nil {
		w = io.MultiWriter(l.logFile, l.o.logOutput)
	}
	cmd.Stdout, cmd.Stderr = w, w
	proc, err := startChild(cmd)
	if err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	l.proc = proc

	timeout := l.o.startTimeout
	if timeout <= 0 {
		timeout = defaultStartTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dsn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		if l.pidFileReady() {
			pctx, pcancel := context.WithTimeout(ctx, pingTimeout)
			lastErr = ping(pctx, dsn)
			pcancel()
			if lastErr == nil {
				return nil
			}
		}
		select {
		case <-proc.done:
			l.proc = nil
			log := l.readLog(logStart)
			if bytes.Contains(log, []byte("Address already in use")) {
				return fmt.Errorf("pgtest: start postgres: port %d: %w", port, errPortTaken)
			}
			return fmt.Errorf("pgtest: start postgres: exited during start-up (%v)%s", proc.err, outputTail("server log", log))
		case <-ctx.Done():
			why := "not ready"
			if lastErr != nil {
				why = fmt.Sprintf("last attempt: %v", lastErr)
			}
			return fmt.Errorf("pgtest: wait for postgres: %w (%s)%s", context.Cause(ctx), why, l.logTail(logStart))
		case <-tick.C:
		}
	}
}

// pidFileReady reports whether postmaster.pid says the server accepts
// connections (its eighth line, since PostgreSQL 10; older servers are
// taken at their word once the file exists).
func (l *localServer) pidFileReady() bool {
	b, err := os.ReadFile(filepath.Join(l.dataDir, "postmaster.pid"))
	if err != nil {
		return false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 8 {
		return len(lines) >= 5 // written in full by an old server
	}
	return strings.TrimSpace(lines[7]) == "ready"
}

// readLog returns the server log from byte offset from on.
func (l *localServer) readLog(from int64) []byte {
	b, err := os.ReadFile(l.logPath)
	if err != nil || from > int64(len(b)) {
		return nil
	}
	return b[from:]
}

// logTail formats the end of the server log from offset from for an error.
func (l *localServer) logTail(from int64) string {
	return outputTail("server log", l.readLog(from))
}

// outputTail formats the last lines of a tool's output to end an error message.
func outputTail(what string, out []byte) string {
	const maxLines, maxBytes = 30, 8 << 10
	out = bytes.TrimRight(out, "\n")
	if len(out) == 0 {
		return " (" + what + " is empty)"
	}
	if len(out) > maxBytes {
		out = out[len(out)-maxBytes:]
		if i := bytes.IndexByte(out, '\n'); i >= 0 {
			out = out[i+1:]
		}
	}
	lines := bytes.Split(out, []byte("\n"))
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	return "\n--- " + what + " (tail) ---\n" + string(bytes.Join(lines, []byte("\n")))
}

// createRoles makes roles, one per method, with random passwords (none for
// the trust and cert roles). The md5 role's password is hashed with MD5, so
// the server can run MD5 for it; the others' with SCRAM (the password
// method accepts either).
func createRoles(ctx context.Context, dsn string, roles []methodRole) (map[string]User, error) {
	users := make(map[string]User, len(roles))
	stmts := []string{"SET password_encryption = 'scram-sha-256'"}
	var md5Stmts []string
	for _, r := range roles {
		u := User{Name: r.role, Method: r.method}
		stmt := "CREATE ROLE " + quoteIdent(r.role) + " LOGIN"
		if r.method != MethodTrust && r.method != MethodCert {
			u.Password = randomHex(16)
			stmt += " PASSWORD " + quoteLiteral(u.Password)
		}
		users[r.method] = u
		if r.method == MethodMD5 {
			md5Stmts = append(md5Stmts, stmt)
			continue
		}
		stmts = append(stmts, stmt)
	}
	if md5Stmts != nil {
		stmts = append(append(stmts, "SET password_encryption = 'md5'"), md5Stmts...)
	}
	if err := runSQL(ctx, dsn, stmts...); err != nil {
		return nil, err
	}
	return users, nil
}

// stop shuts the server down (see halt) and removes the temporary
// directory.
func (l *localServer) stop() error {
	var errs []error
	if err := l.halt(context.Background()); err != nil {
		errs = append(errs, err)
	}
	l.releasePort()
	if l.logFile != nil {
		l.logFile.Close()
	}
	if l.dir != "" {
		if err := removeAll(l.dir); err != nil {
			errs = append(errs, fmt.Errorf("pgtest: remove temp dir: %w", err))
		}
	}
	return errors.Join(errs...)
}

// halt shuts the postmaster down in fast mode (SIGINT) and waits for it to
// exit. If it has not after stopGrace, or ctx ends first, halt kills its
// process group (SIGKILL) and says so. The port is then held until resume.
func (l *localServer) halt(ctx context.Context) error {
	p := l.proc
	if p == nil {
		return nil
	}
	var err error
	if !p.exited() {
		_ = interrupt(p.cmd.Process)
		grace := time.NewTimer(stopGrace)
		defer grace.Stop()
		var why string
		select {
		case <-p.done:
		case <-grace.C:
			why = fmt.Sprintf("ignored SIGINT for %v", stopGrace)
		case <-ctx.Done():
			why = fmt.Sprintf("was still shutting down when the context ended (%v)", context.Cause(ctx))
		}
		if why != "" {
			_ = killChild(p)
			select {
			case <-p.done:
			case <-time.After(stopGrace):
			}
			err = fmt.Errorf("pgtest: stop: postgres (pid %d) %s; killed it", p.cmd.Process.Pid, why)
		}
	}
	l.proc = nil
	if l.port != 0 {
		l.held = holdPort(l.port)
	}
	return err
}

// resume starts the postmaster again on its port, unless it runs.
func (l *localServer) resume(ctx context.Context) error {
	if l.proc != nil && !l.proc.exited() {
		return nil
	}
	l.proc = nil
	l.releasePort()
	var err error
	for attempt := 1; ; attempt++ {
		err = l.launch(ctx, l.port)
		if err == nil || !errors.Is(err, errPortTaken) || attempt == portAttempts {
			break
		}
		// A client's connection may hold the port for a moment.
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgtest: start postgres: port %d: %w", l.port, context.Cause(ctx))
		case <-time.After(200 * time.Millisecond):
		}
	}
	if errors.Is(err, errPortTaken) {
		return fmt.Errorf("%w (another process took the port while the server was stopped)", err)
	}
	return err
}

// releasePort lets go of the port halt held.
func (l *localServer) releasePort() {
	if l.held != nil {
		l.held.Close()
		l.held = nil
	}
}

// removeAll retries os.RemoveAll briefly: killed backends may still be
// writing while they notice the postmaster is gone.
func removeAll(dir string) error {
	var err error
	for range 20 {
		if err = os.RemoveAll(dir); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return err
}

// removeStaleDirs removes, best effort, the temporary directories of local
// servers whose test binaries were killed: directories with our marker whose
// creating process is gone and whose postmaster, if any, is gone too.
func removeStaleDirs() {
	bases := []string{os.TempDir()}
	if runtime.GOOS != "windows" && filepath.Clean(os.TempDir()) != "/tmp" {
		bases = append(bases, "/tmp")
	}
	for _, base := range bases {
		dirs, _ := filepath.Glob(filepath.Join(base, tempDirPrefix+"*"))
		for _, dir := range dirs {
			if isStale(dir) {
				_ = os.RemoveAll(dir)
			}
		}
	}
}

func isStale(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, markerFile))
	if err != nil {
		return false // not ours, or not readable
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	owner, err := strconv.Atoi(lines[len(lines)-1])
	if err != nil || owner == os.Getpid() || processAlive(owner) {
		return false
	}
	// A PgBouncer's directory: stale unless PgBouncer outlived the owner.
	if b, err := os.ReadFile(filepath.Join(dir, bouncerPIDFile)); err == nil {
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && !processAlive(pid)
	}
	pidFile := filepath.Join(dir, dataDirName, "postmaster.pid")
	b, err = os.ReadFile(pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return true // the server never started or shut down cleanly
	}
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	// A negative pid is a single-user backend's; those die with initdb.
	return err == nil && !processAlive(max(pid, -pid))
}
