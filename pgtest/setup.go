package pgtest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// finishSetUp does what every backend's server needs once it answers:
// learn its version (and check it against WithVersion), give a container
// the per-method roles, and set up TLS. Files go into the server through
// SQL (see writeFileSQL), so the same code serves a local server and a
// container on a remote engine.
func (s *Server) finishSetUp(ctx context.Context, o *options) error {
	v, err := queryValue(ctx, s.dsn, "SHOW server_version_num")
	if err != nil {
		return fmt.Errorf("pgtest: server version: %w", err)
	}
	num, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("pgtest: server version: server_version_num is %q", v)
	}
	s.major = num / 10000
	if major := majorString(num); o.version != "" && major != o.version {
		return fmt.Errorf("pgtest: the %s server is PostgreSQL %s, not %s (WithVersion)", s.backend, major, o.version)
	}
	if s.backend == BackendExternal {
		if o.tls {
			if err := ping(ctx, withSettings(s.dsn, [2]string{"sslmode", "require"})); err != nil {
				return fmt.Errorf("pgtest: WithTLS: %s does not accept TLS connections: %w", EnvDSN, err)
			}
		}
		return nil
	}

	var stmts []string
	var hbaPrefix string
	if s.backend == BackendDocker {
		s.users, err = createRoles(ctx, s.dsn, methodRoles)
		if err != nil {
			return fmt.Errorf("pgtest: create roles: %w", err)
		}
		hbaPrefix += roleHBA("all")
	}
	if o.tls {
		dir := s.socketDir
		if s.docker != nil {
			dir = s.docker.dir
		}
		files, err := newTLSFiles(dir)
		if err != nil {
			return fmt.Errorf("pgtest: WithTLS: %w", err)
		}
		s.tls = files
		tlsUsers, err := createRoles(ctx, s.dsn, tlsRoles)
		if err != nil {
			return fmt.Errorf("pgtest: WithTLS: create roles: %w", err)
		}
		for m, u := range tlsUsers {
			s.users[m] = u
		}
		hbaPrefix += tlsRoleHBA()
		stmts = append(stmts,
			writeFileSQL(tlsCertName, files.serverCert), // in the data directory
			writeFileSQL(tlsKeyName, files.serverKey),
			writeFileSQL(tlsCAName, files.caPEM),
			"ALTER SYSTEM SET ssl_cert_file = "+quoteLiteral(tlsCertName),
			"ALTER SYSTEM SET ssl_key_file = "+quoteLiteral(tlsKeyName),
			"ALTER SYSTEM SET ssl_ca_file = "+quoteLiteral(tlsCAName),
			"ALTER SYSTEM SET ssl = on",
		)
	}
	if hbaPrefix != "" {
		hba, err := queryRow(ctx, s.dsn, "SELECT current_setting('hba_file'), pg_read_file(current_setting('hba_file'))")
		if err != nil {
			return fmt.Errorf("pgtest: read pg_hba.conf: %w", err)
		}
		stmts = append(stmts, writeFileSQL(hba[0], []byte(hbaPrefix+hba[1])))
	}
	if len(stmts) == 0 {
		return nil
	}
	if err := reloadWith(ctx, s.dsn, stmts...); err != nil {
		return fmt.Errorf("pgtest: configure server: %w", err)
	}
	if o.tls {
		s.dsn = withSettings(s.dsn, [2]string{"sslmode", "require"})
		if err := ping(ctx, s.dsn); err != nil {
			return fmt.Errorf("pgtest: WithTLS: connect with sslmode=require: %w", err)
		}
	}
	return nil
}

// The roles WithTLS adds, with their pg_hba.conf lines: a client
// certificate (CN = role name) over TLS, and SCRAM only over TLS or only
// without it.
var tlsRoles = []methodRole{
	{MethodCert, "pgmoon_cert"},
	{MethodHostSSL, "pgmoon_hostssl"},
	{MethodHostNoSSL, "pgmoon_hostnossl"},
}

// tlsRoleHBA returns the pg_hba.conf lines of tlsRoles.
func tlsRoleHBA() string {
	return "# Added by pgtest (WithTLS): TLS-only and plain-only roles.\n" +
		"hostssl\tall\tpgmoon_cert\tall\tcert\n" +
		"host\tall\tpgmoon_cert\tall\treject\n" +
		"local\tall\tpgmoon_cert\t\treject\n" +
		"hostssl\tall\tpgmoon_hostssl\tall\tscram-sha-256\n" +
		"host\tall\tpgmoon_hostssl\tall\treject\n" +
		"local\tall\tpgmoon_hostssl\t\treject\n" +
		"hostnossl\tall\tpgmoon_hostnossl\tall\tscram-sha-256\n" +
		"host\tall\tpgmoon_hostnossl\tall\treject\n"
}

// majorString formats server_version_num's major version: "15" for 150018,
// "9.6" for 90624.
func majorString(num int) string {
	if num >= 100000 {
		return strconv.Itoa(num / 10000)
	}
	return fmt.Sprintf("%d.%d", num/10000, num/100%100)
}

// roleHBA returns the pg_hba.conf lines that give each per-method role its
// method, on the unix socket and from address.
func roleHBA(address string) string {
	var b strings.Builder
	b.WriteString("# Added by pgtest (github.com/pgmoon-go/pgmoon/pgtest): one role per method.\n")
	for _, r := range methodRoles {
		fmt.Fprintf(&b, "local\tall\t%s\t\t%s\n", r.role, r.method)
		fmt.Fprintf(&b, "host\tall\t%s\t%s\t%s\n", r.role, address, r.method)
	}
	return b.String()
}

// writeFileSQL returns a statement that makes the server write data to
// path (relative to the data directory, or absolute), as the server's
// account and readable by it alone: the server's key file must be. COPY TO
// FILE and lo_export would leave the file readable by all, so a COPY runs
// a shell (any image has /bin/sh; postgres needs it) whose builtins write
// the file: umask, then printf %b of the content with every byte that is
// not plainly safe as a \0NNN escape.
func writeFileSQL(path string, data []byte) string {
	var b strings.Builder
	for _, c := range data {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(" ./+=-_,:", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "\\0%03o", c)
		}
	}
	shell := "umask 077; printf '%b' '" + b.String() + "' > " + shellQuote(path)
	return "COPY (SELECT 1 WHERE false) TO PROGRAM " + quoteLiteral(shell)
}

// shellQuote quotes s as one word for /bin/sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// reloadWith runs stmts, has the server reload its configuration files,
// and waits until new sessions see the reload.
func reloadWith(ctx context.Context, dsn string, stmts ...string) error {
	before, err := queryValue(ctx, dsn, "SELECT pg_conf_load_time()::text")
	if err != nil {
		return err
	}
	if err := runSQL(ctx, dsn, append(stmts, "SELECT pg_reload_conf()")...); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	check := "SELECT pg_conf_load_time() > " + quoteLiteral(before) + "::timestamptz"
	for {
		got, err := queryValue(ctx, dsn, check)
		if err != nil {
			return fmt.Errorf("wait for reload: %w", err)
		}
		if got == "t" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for reload: %w", context.Cause(ctx))
		case <-time.After(20 * time.Millisecond):
		}
	}
}
