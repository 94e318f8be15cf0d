// Package entry is the entrypoint of the image that pgimage builds
// (/usr/local/bin/docker-entrypoint, a static Go program). It honours the
// environment contract of the official postgres image, so that code written
// for that image runs unchanged against a locally built one:
//
//   - POSTGRES_PASSWORD, POSTGRES_USER (default "postgres"), POSTGRES_DB
//     (default: the user), POSTGRES_INITDB_ARGS, and their _FILE variants,
//     which read the value from a file (for Docker secrets);
//   - POSTGRES_INITDB_WALDIR, POSTGRES_HOST_AUTH_METHOD, PGDATA, PGPORT;
//   - scripts in /docker-entrypoint-initdb.d run once, on an empty PGDATA.
//
// See https://hub.docker.com/_/postgres ("Environment Variables",
// "Initialization scripts"); the official docker-entrypoint.sh is the
// reference for behaviour.
//
// Differences from the official image: POSTGRES_INITDB_ARGS is split like
// shell words (quotes and backslashes) but not evaluated, so $VAR stays
// literal; *.sql files run statement by statement through this driver, not
// psql, so psql meta-commands (\connect) are not available; *.sh files run
// with /bin/sh rather than being sourced by bash; *.sql.xz and *.sql.zst are
// ignored; a --user without an /etc/passwd entry is not supported
// (no nss_wrapper).
package entry

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/pgmoon-go/pgmoon/pgtest/internal/pgbin"
)

// Paths of the official image's layout.
const (
	DefaultPGData = "/var/lib/postgresql/data"    // PGDATA when unset
	SocketDir     = "/var/run/postgresql"         // unix socket directory
	InitDir       = "/docker-entrypoint-initdb.d" // initialization scripts
	DefaultPort   = "5432"                        // PGPORT when unset
	DefaultUser   = "postgres"                    // POSTGRES_USER when unset
)

// Env is the configuration the official image reads from its environment.
type Env struct {
	Password       string   // POSTGRES_PASSWORD(_FILE) (default: none). Never printed.
	User           string   // POSTGRES_USER(_FILE) (default: "postgres")
	DB             string   // POSTGRES_DB(_FILE) (default: User)
	InitdbArgs     []string // POSTGRES_INITDB_ARGS(_FILE), split like shell words (default: none)
	WALDir         string   // POSTGRES_INITDB_WALDIR, passed as initdb --waldir (default: none)
	HostAuthMethod string   // POSTGRES_HOST_AUTH_METHOD (default: "", see AuthMethod)
	PGData         string   // PGDATA (default: /var/lib/postgresql/data)
	Port           string   // PGPORT (default: "5432")
}

// LoadEnv reads the configuration through lookup (os.LookupEnv) and, for
// the _FILE variants, readFile (os.ReadFile).
func LoadEnv(lookup func(string) (string, bool), readFile func(string) ([]byte, error)) (*Env, error) {
	e := &Env{}
	var err error
	if e.Password, err = FileEnv(lookup, readFile, "POSTGRES_PASSWORD", ""); err != nil {
		return nil, err
	}
	if e.User, err = FileEnv(lookup, readFile, "POSTGRES_USER", DefaultUser); err != nil {
		return nil, err
	}
	if e.DB, err = FileEnv(lookup, readFile, "POSTGRES_DB", e.User); err != nil {
		return nil, err
	}
	args, err := FileEnv(lookup, readFile, "POSTGRES_INITDB_ARGS", "")
	if err != nil {
		return nil, err
	}
	if e.InitdbArgs, err = SplitWords(args); err != nil {
		return nil, fmt.Errorf("POSTGRES_INITDB_ARGS: %w", err)
	}
	get := func(name, def string) string {
		if v, ok := lookup(name); ok && v != "" {
			return v
		}
		return def
	}
	e.WALDir = get("POSTGRES_INITDB_WALDIR", "")
	e.HostAuthMethod = get("POSTGRES_HOST_AUTH_METHOD", "")
	e.PGData = get("PGDATA", DefaultPGData)
	e.Port = get("PGPORT", DefaultPort)
	if n, err := strconv.ParseUint(e.Port, 10, 16); err != nil || n == 0 {
		return nil, fmt.Errorf("PGPORT: %q is not a port number", e.Port)
	}
	return e, nil
}

// FileEnv returns the value of the variable name, or the content of the
// file that name_FILE points to, or def when neither is set (an empty value
// counts as unset, as in the official image). Trailing newlines of the
// file are dropped, as shell command substitution does. Setting both is an
// error.
func FileEnv(lookup func(string) (string, bool), readFile func(string) ([]byte, error), name, def string) (string, error) {
	fileName := name + "_FILE"
	val, _ := lookup(name)
	file, _ := lookup(fileName)
	switch {
	case val != "" && file != "":
		return "", fmt.Errorf("both %s and %s are set (but are exclusive)", name, fileName)
	case file != "":
		b, err := readFile(file)
		if err != nil {
			// The path is not secret; the content would be.
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return "", fmt.Errorf("%s: read %s: %w", fileName, file, err)
		}
		return strings.TrimRight(string(b), "\n"), nil
	case val != "":
		return val, nil
	}
	return def, nil
}

// AuthMethod is the pg_hba.conf method for connections from outside:
// POSTGRES_HOST_AUTH_METHOD if set, else DefaultAuthMethod(major).
func (e *Env) AuthMethod(major int) string {
	if e.HostAuthMethod != "" {
		return e.HostAuthMethod
	}
	return DefaultAuthMethod(major)
}

// DefaultAuthMethod is the method the official image uses for a major
// version: scram-sha-256 from PostgreSQL 14 on (its default
// password_encryption), md5 before.
func DefaultAuthMethod(major int) string {
	if major >= 14 {
		return "scram-sha-256"
	}
	return "md5"
}

// HBALines returns what is appended to pg_hba.conf: one line letting every
// user reach every database from any address with method.
func HBALines(method string) string {
	var b strings.Builder
	b.WriteString("\n")
	if method == "trust" {
		b.WriteString("# warning trust is enabled for all connections\n")
		b.WriteString("# see https://www.postgresql.org/docs/current/auth-trust.html\n")
	}
	fmt.Fprintf(&b, "host all all all %s\n", method)
	return b.String()
}

// ListenLine is appended to postgresql.conf so that the server listens on
// every interface of the container.
const ListenLine = "\nlisten_addresses = '*'\n"

// ParseMajor returns the major version number of "15", "15.4", "9.6" (9)
// or the output of postgres --version ("postgres (PostgreSQL) 15.4 ...").
func ParseMajor(s string) (int, error) {
	if strings.Contains(s, "(PostgreSQL)") {
		_, major, err := pgbin.ParseVersion(s)
		if err != nil {
			return 0, err
		}
		s = major
	}
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil || n == 0 {
		return 0, fmt.Errorf("no PostgreSQL version in %q", s)
	}
	return n, nil
}

// NormalizeArgs applies the official image's rules to the container's
// command: none means "postgres"; a first argument that is an option
// ("-c", "--help") is an option of postgres.
func NormalizeArgs(args []string) []string {
	if len(args) == 0 {
		return []string{"postgres"}
	}
	if strings.HasPrefix(args[0], "-") {
		return append([]string{"postgres"}, args...)
	}
	return args
}

// WantHelp reports whether postgres's arguments ask for information only
// (--help, --version, --describe-config), in which case nothing is set up.
func WantHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-?", "--help", "--describe-config", "-V", "--version":
			return true
		}
	}
	return false
}

// SplitWords splits s into words the way a POSIX shell does, without any
// expansion: words are separated by blanks; single quotes keep everything
// literally; double quotes keep everything but a backslash before $, `, ",
// \ or a newline; an unquoted backslash keeps the next character (and
// removes a newline). "" and ” make empty words.
func SplitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			i++
			for ; ; i++ {
				if i >= len(s) {
					return nil, errors.New("unterminated double quote")
				}
				if s[i] == '"' {
					break
				}
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
					i++
					if s[i] == '\n' {
						continue
					}
				}
				cur.WriteByte(s[i])
			}
			inWord = true
		case c == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("backslash at the end")
			}
			i++
			if s[i] == '\n' {
				continue
			}
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// scriptEnv is the environment of init scripts: base with the settings
// resolved (defaults applied, _FILE variables replaced by their values).
func scriptEnv(base []string, env *Env) []string {
	set := map[string]string{
		"POSTGRES_USER":     env.User,
		"POSTGRES_DB":       env.DB,
		"POSTGRES_PASSWORD": env.Password,
		"PGDATA":            env.PGData,
	}
	var out []string
	hasPGPassword := false
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if _, ok := set[name]; ok {
			continue
		}
		switch name {
		case "POSTGRES_USER_FILE", "POSTGRES_DB_FILE", "POSTGRES_PASSWORD_FILE", "POSTGRES_INITDB_ARGS_FILE":
			continue
		case "PGPASSWORD":
			hasPGPassword = true
		}
		out = append(out, kv)
	}
	for _, name := range []string{"POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD", "PGDATA"} {
		out = append(out, name+"="+set[name])
	}
	if !hasPGPassword && env.Password != "" {
		out = append(out, "PGPASSWORD="+env.Password)
	}
	return out
}
