package entry

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pgmoon-go/pgmoon"
)

// Bounds of the initialization steps that could otherwise hang.
const (
	readyTimeout   = 60 * time.Second // until the temporary server accepts a connection
	connectTimeout = 10 * time.Second // one connection attempt
	stopTimeout    = 60 * time.Second // the temporary server's fast shutdown, before SIGKILL
	readyPoll      = 100 * time.Millisecond
)

// errNoPassword explains what an uninitialized container needs.
var errNoPassword = errors.New(`the database is uninitialized and no superuser password is set.
       Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a non-empty value,
       for example with "-e POSTGRES_PASSWORD=secret" on "docker run".

       Alternatively POSTGRES_HOST_AUTH_METHOD=trust lets every connection in
       without a password; it is not recommended, see
       https://www.postgresql.org/docs/current/auth-trust.html`)

// initialize creates the cluster in an empty PGDATA, as the official image
// does: initdb, network access, the database, the init scripts.
// serverArgs are postgres's arguments, which the temporary server gets too.
func initialize(ctx context.Context, env *Env, serverArgs []string) error {
	if env.Password == "" && env.HostAuthMethod != "trust" {
		return errNoPassword
	}
	major, err := serverMajor(ctx)
	if err != nil {
		return err
	}
	method := env.AuthMethod(major)
	if method == "trust" {
		fmt.Fprintln(os.Stderr, progName+": WARNING: POSTGRES_HOST_AUTH_METHOD=trust: anyone who can reach the port "+
			"connects as any user, without a password, including the superuser. Do not use it outside tests.")
	}
	if err := runInitdb(ctx, env); err != nil {
		return err
	}
	if err := appendFile(filepath.Join(env.PGData, "postgresql.conf"), ListenLine); err != nil {
		return err
	}
	if err := appendFile(filepath.Join(env.PGData, "pg_hba.conf"), HBALines(method)); err != nil {
		return err
	}

	srv, err := startTempServer(env, serverArgs)
	if err != nil {
		return err
	}
	err = setUp(ctx, env, srv)
	if serr := srv.stop(); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	fmt.Println()
	fmt.Println("PostgreSQL init process complete; ready for start up.")
	fmt.Println()
	return nil
}

// serverMajor is the major version of the image's postgres: $PG_MAJOR,
// which the image sets, or postgres --version.
func serverMajor(ctx context.Context) (int, error) {
	if v := os.Getenv("PG_MAJOR"); v != "" {
		return ParseMajor(v)
	}
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "postgres", "--version").Output()
	if err != nil {
		return 0, fmt.Errorf("postgres --version: %w", err)
	}
	return ParseMajor(string(out))
}

func runInitdb(ctx context.Context, env *Env) error {
	args := []string{"--username=" + env.User}
	if env.Password != "" {
		f, err := os.CreateTemp("", "pgpass-")
		if err != nil {
			return fmt.Errorf("initdb password file: %w", err)
		}
		defer os.Remove(f.Name())
		_, err = f.WriteString(env.Password + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("initdb password file: %w", err)
		}
		args = append(args, "--pwfile="+f.Name())
	}
	if env.WALDir != "" {
		args = append(args, "--waldir", env.WALDir)
	}
	args = append(args, env.InitdbArgs...)
	args = append(args, "-D", env.PGData)
	cmd := exec.CommandContext(ctx, "initdb", args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	return nil
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// tempServer is the postgres that runs during initialization, reachable
// through the unix socket only.
type tempServer struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited; err is then set
	err  error
}

func startTempServer(env *Env, serverArgs []string) (*tempServer, error) {
	args := append([]string{"-D", env.PGData}, serverArgs...)
	args = append(args, "-c", "listen_addresses=", "-c", "unix_socket_directories="+SocketDir, "-p", env.Port)
	// Not CommandContext: stop ends it with a fast shutdown, not SIGKILL.
	cmd := exec.Command("postgres", args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start temporary server: %w", err)
	}
	s := &tempServer{cmd: cmd, done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

// stop asks for a fast shutdown (SIGINT) and waits for it, up to
// stopTimeout; then it kills the server.
func (s *tempServer) stop() error {
	select {
	case <-s.done:
		return fmt.Errorf("temporary server exited early: %v", s.err)
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
		if s.err != nil {
			return fmt.Errorf("stop temporary server: %w", s.err)
		}
		return nil
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("stop temporary server: no shutdown after %v; killed", stopTimeout)
	}
}

// connect opens a connection through the socket directory.
func connect(ctx context.Context, env *Env, db string) (*pgmoon.Conn, error) {
	port, err := strconv.ParseUint(env.Port, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("PGPORT: %w", err)
	}
	return pgmoon.Connect(ctx, &pgmoon.Config{
		Host:            SocketDir,
		Port:            uint16(port),
		User:            env.User,
		Password:        env.Password,
		Database:        db,
		SSLMode:         pgmoon.SSLDisable,
		ApplicationName: progName,
		ConnectTimeout:  connectTimeout,
	})
}

// waitReady connects to the postgres database as soon as the temporary
// server accepts connections.
func (s *tempServer) waitReady(ctx context.Context, env *Env) (*pgmoon.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		conn, err := connect(ctx, env, "postgres")
		if err == nil {
			return conn, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("temporary server exited during start-up: %v", s.err)
		case <-ctx.Done():
			return nil, fmt.Errorf("temporary server: not ready after %v: %w (last attempt: %v)", readyTimeout, context.Cause(ctx), err)
		case <-time.After(readyPoll):
		}
	}
}

// setUp creates POSTGRES_DB and runs the init scripts against the
// temporary server.
func setUp(ctx context.Context, env *Env, srv *tempServer) error {
	conn, err := srv.waitReady(ctx, env)
	if err != nil {
		return err
	}
	err = createDatabase(ctx, conn, env.DB)
	conn.Close(context.Background())
	if err != nil {
		return err
	}
	fmt.Println()
	return runInitFiles(ctx, env)
}

func createDatabase(ctx context.Context, conn *pgmoon.Conn, db string) error {
	if db == "postgres" {
		return nil
	}
	res, err := conn.SimpleQuery(ctx, "SELECT 1 FROM pg_database WHERE datname = "+QuoteLiteral(db))
	if err != nil {
		return fmt.Errorf("look up database %s: %w", QuoteIdent(db), err)
	}
	if len(res) == 1 && len(res[0].Rows) > 0 {
		return nil
	}
	if _, err := conn.SimpleQuery(ctx, "CREATE DATABASE "+QuoteIdent(db)); err != nil {
		return fmt.Errorf("create database %s: %w", QuoteIdent(db), err)
	}
	fmt.Println("CREATE DATABASE")
	return nil
}

// runInitFiles runs the files of /docker-entrypoint-initdb.d in name
// order: *.sh with /bin/sh, *.sql and *.sql.gz against POSTGRES_DB; it
// ignores the others.
func runInitFiles(ctx context.Context, env *Env) error {
	entries, err := os.ReadDir(InitDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		path := filepath.Join(InitDir, e.Name())
		var err error
		switch name := e.Name(); {
		case strings.HasSuffix(name, ".sh"):
			fmt.Printf("%s: running %s\n", progName, path)
			err = runShell(ctx, env, path)
		case strings.HasSuffix(name, ".sql"), strings.HasSuffix(name, ".sql.gz"):
			fmt.Printf("%s: running %s\n", progName, path)
			err = runSQLFile(ctx, env, path)
		default:
			fmt.Printf("%s: ignoring %s\n", progName, path)
		}
		if err != nil {
			return err
		}
		fmt.Println()
	}
	return nil
}

// runShell runs a script with /bin/sh, with the settings exported as the
// official image exports them (PGPASSWORD too, so that psql needs no
// prompt).
func runShell(ctx context.Context, env *Env, path string) error {
	cmd := exec.CommandContext(ctx, "/bin/sh", path)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = scriptEnv(os.Environ(), env)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// runSQLFile runs a script statement by statement on a connection of its
// own to POSTGRES_DB, stopping at the first error.
func runSQLFile(ctx context.Context, env *Env, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	conn, err := connect(ctx, env, env.DB)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer conn.Close(context.Background())
	for _, stmt := range SplitStatements(string(b)) {
		results, err := conn.SimpleQuery(ctx, stmt)
		for _, r := range results {
			for _, n := range r.Notices {
				fmt.Fprintln(os.Stderr, n.String())
			}
			if tag := r.CommandTag.String(); tag != "" && r.Err == nil {
				fmt.Println(tag)
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}
