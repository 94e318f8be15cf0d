// Package cli is pgmoon-cli: psql's options, meta-commands, prompt and
// output formats over the pgmoon driver's public API.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/auth"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

// Version is pgmoon-cli's version.
const Version = "0.1.0"

// Main runs pgmoon-cli with the arguments after the program name and
// returns the exit status.
func Main(ctx context.Context, args []string, env Env) int {
	opts, err := ParseArgs(args)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: error: %v\n%s: hint: Try \"%s --help\" for more information.\n", progName, err, progName, progName)
		return ExitFatal
	}
	if opts.Help {
		io.WriteString(env.Stdout, Usage)
		return ExitOK
	}
	if opts.Version {
		fmt.Fprintf(env.Stdout, "%s (pgmoon-go) %s\n", progName, Version)
		return ExitOK
	}
	s := newSession(env, opts)
	defer s.close()
	s.interactive = env.Term != nil && len(opts.Actions) == 0 && !opts.List
	for _, v := range opts.Vars {
		if v[1] == "\x00unset" {
			delete(s.vars, v[0])
			continue
		}
		if err := s.assignVar(v[0], v[1]); err != nil {
			fmt.Fprintf(env.Stderr, "%s: error: %v\n", progName, err)
			return ExitFatal
		}
	}
	if opts.Quiet {
		s.vars["QUIET"] = "on"
	}
	if opts.Echo != "" {
		s.vars["ECHO"] = opts.Echo
	}
	if opts.EchoHidden {
		s.vars["ECHO_HIDDEN"] = "on"
	}
	for _, p := range opts.PSet {
		value, has := p[1], true
		if value == "\x00toggle" {
			value, has = "", false
		}
		if _, err := s.print.Set(p[0], value, has); err != nil {
			fmt.Fprintf(env.Stderr, "%s: error: %v\n", progName, err)
			return ExitFatal
		}
	}
	if opts.Ephemeral {
		srv, err := pgtest.Start(ctx)
		if err != nil {
			fmt.Fprintf(env.Stderr, "%s: error: could not start a throwaway server: %v\n", progName, err)
			return ExitFatal
		}
		s.closers = append(s.closers, func() { srv.Close() })
		if !opts.Quiet && s.interactive {
			fmt.Fprintf(env.Stderr, "Started a throwaway PostgreSQL %d server (%s); it is removed when you quit.\n", srv.MajorVersion(), srv.Backend())
		}
		opts.DBName, opts.Host, opts.Port, opts.User = srv.DSN(), "", "", ""
	}
	cfg, err := buildConfig(opts)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: error: %v\n", progName, err)
		return ExitConnection
	}
	conn, err := s.connect(ctx, cfg, opts)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: error: %v\n", progName, err)
		return ExitConnection
	}
	s.conn, s.cfg = conn, cfg
	s.setConnVars()
	if opts.Output != "" {
		if err := s.setOutput(opts.Output); err != nil {
			fmt.Fprintf(env.Stderr, "%s: error: %s: %v\n", progName, opts.Output, unwrapPathError(err))
			return ExitFatal
		}
	}
	switch {
	case opts.List:
		s.runMeta(ctx, "l", "")
		if s.failed {
			return ExitFatal
		}
		return ExitOK
	case len(opts.Actions) > 0:
		return s.runActions(ctx)
	case s.interactive:
		return s.REPL(ctx)
	default:
		s.source = ""
		return s.runReader(ctx, s.stdin())
	}
}

// isConnString reports whether a dbname argument is a connection string:
// a URL or keyword=value pairs, as libpq decides.
func isConnString(s string) bool {
	return strings.HasPrefix(s, "postgresql://") || strings.HasPrefix(s, "postgres://") || strings.Contains(s, "=")
}

// kvQuote quotes a keyword/value connection string value.
func kvQuote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// buildConfig makes the connection settings from the options as psql does:
// a connection string given as the database name wins over -h, -p and -U,
// which win over the PG* variables, the service file and the defaults.
func buildConfig(o *Options) (*pgmoon.Config, error) {
	var kv []string
	add := func(k, v string) {
		if v != "" {
			kv = append(kv, k+"="+kvQuote(v))
		}
	}
	add("fallback_application_name", progName)
	dsn := ""
	switch {
	case strings.HasPrefix(o.DBName, "postgresql://") || strings.HasPrefix(o.DBName, "postgres://"):
		u, err := url.Parse(o.DBName)
		if err != nil {
			return pgmoon.ParseConfig(o.DBName)
		}
		q := u.Query()
		if u.Hostname() == "" && q.Get("host") == "" && q.Get("hostaddr") == "" && o.Host != "" {
			q.Set("host", o.Host)
		}
		if u.Port() == "" && q.Get("port") == "" && o.Port != "" {
			q.Set("port", o.Port)
		}
		if u.User == nil && q.Get("user") == "" && o.User != "" {
			q.Set("user", o.User)
		}
		if q.Get("application_name") == "" && q.Get("fallback_application_name") == "" {
			q.Set("fallback_application_name", progName)
		}
		u.RawQuery = q.Encode()
		dsn = u.String()
	case isConnString(o.DBName):
		add("host", o.Host)
		add("port", o.Port)
		add("user", o.User)
		dsn = strings.Join(kv, " ") + " " + o.DBName
	default:
		add("host", o.Host)
		add("port", o.Port)
		add("user", o.User)
		add("dbname", o.DBName)
		dsn = strings.Join(kv, " ")
	}
	cfg, err := pgmoon.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if o.Password != "" {
		cfg.Password = o.Password
	}
	return cfg, nil
}

// connect connects, asking for a password on the terminal when the server
// wants one and none was found (or first, with -W), unless -w.
func (s *Session) connect(ctx context.Context, cfg *pgmoon.Config, o *Options) (*pgmoon.Conn, error) {
	cfg.OnNotice = func(_ *pgmoon.Conn, n *pgmoon.Notice) {
		s.printServerMessage((*pgmoon.PgError)(n), "")
	}
	ask := func() error {
		if s.env.ReadPassword == nil {
			return errors.New("no terminal to ask for a password on")
		}
		pw, err := s.env.ReadPassword(fmt.Sprintf("Password for user %s: ", cfg.User))
		if err != nil {
			return err
		}
		cfg.Password = pw
		return nil
	}
	if o.ForcePassword && cfg.Password == "" {
		if err := ask(); err != nil {
			return nil, err
		}
	}
	conn, err := pgmoon.Connect(ctx, cfg)
	if err != nil && errors.Is(err, auth.ErrNoPassword) && !o.NoPassword && s.env.ReadPassword != nil {
		if aerr := ask(); aerr != nil {
			return nil, aerr
		}
		conn, err = pgmoon.Connect(ctx, cfg)
	}
	return conn, err
}
