package pgmoon

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// The password file, libpq's ~/.pgpass
// (https://www.postgresql.org/docs/current/libpq-pgpass.html): lines of
//
//	hostname:port:database:username:password
//
// where a field of just "*" matches anything, a backslash makes the next
// character (':' or '\') literal, and lines starting with '#' are
// comments. The first line that matches wins.

// passfileName is the password file in the home directory.
const passfileName = ".pgpass"

// maxPassfileLine bounds one line of a password file; a longer line ends
// the search (no password), rather than taking unbounded memory.
const maxPassfileLine = 1 << 20

// Why a password file was ignored. libpq prints these as warnings on
// stderr; pgmoon prints nothing, and passfileLookup returns them.
var (
	errPassfileNotPlain = errors.New("is not a plain file")
	errPassfileInsecure = errors.New("has group or world access; permissions should be u=rw (0600) or less")
)

// defaultPassfile is ~/.pgpass, or "" if there is no home directory.
func defaultPassfile() string {
	home := homeDir()
	if home == "" {
		return ""
	}
	return filepath.Join(home, passfileName)
}

// homeDir is libpq's home directory: $HOME, else the user database's
// entry for the current user, else "".
func homeDir() string {
	if h := os.Getenv("HOME"); h != "" {
		return h
	}
	if u, err := currentUser(); err == nil {
		return u.HomeDir
	}
	return ""
}

// passfilePassword returns the password c.Passfile holds for a connection
// to host and port as c.User to c.Database, as libpq does before each
// host it tries:
//
//   - Only when no password is given: ok is false when c.Password is set,
//     or c.Passfile, c.Database or c.User is empty.
//   - host is the Host of the entry being tried: a host name, an IP
//     address or a socket directory. As in libpq, pass its HostAddr when
//     Host is empty (libpq matches on the host name, and on the address
//     only in its absence). An empty host, or one of the default socket
//     directories (/var/run/postgresql, /run/postgresql, /tmp), matches
//     "localhost" in the file. port 0 stands for 5432.
//   - A file that does not exist, cannot be read, is not a plain file, or
//     (except on Windows) can be read or written by group or others is
//     ignored: no password. libpq prints a warning for the last two; this
//     driver prints nothing (passfileLookup says why).
func (c *Config) passfilePassword(host string, port uint16) (password string, ok bool) {
	password, ok, _ = c.passfileLookup(host, port)
	return password, ok
}

// passfileLookup is passfilePassword, with the reason the file was
// ignored when it was (errPassfileNotPlain or errPassfileInsecure wrapped
// with the file's name); a missing or unreadable file is no reason: libpq
// is silent about those.
func (c *Config) passfileLookup(host string, port uint16) (password string, ok bool, ignored error) {
	if c.Password != "" || c.Passfile == "" || c.Database == "" || c.User == "" {
		return "", false, nil
	}
	if host == "" || isDefaultSocketDir(host) {
		host = "localhost"
	}
	if port == 0 {
		port = 5432
	}
	fi, err := os.Stat(c.Passfile)
	if err != nil {
		return "", false, nil
	}
	if runtime.GOOS != "windows" {
		if !fi.Mode().IsRegular() {
			return "", false, fmt.Errorf("password file %q %w", c.Passfile, errPassfileNotPlain)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return "", false, fmt.Errorf("password file %q %w", c.Passfile, errPassfileInsecure)
		}
	}
	f, err := os.Open(c.Passfile)
	if err != nil {
		return "", false, nil
	}
	defer f.Close()
	pw, ok := searchPassfile(f, [4]string{host, strconv.Itoa(int(port)), c.Database, c.User})
	return pw, ok, nil
}

// searchPassfile returns the password of the first line whose four fields
// match keys (host, port, database, user).
func searchPassfile(f fs.File, keys [4]string) (string, bool) {
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 256), maxPassfileLine)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.IndexByte(line, 0); i >= 0 {
			line = line[:i] // libpq reads C strings
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			continue
		}
		rest, ok := line, true
		for _, k := range keys {
			if rest, ok = matchPassfileField(rest, k); !ok {
				break
			}
		}
		if ok {
			return unescapePassword(rest), true
		}
	}
	return "", false
}

// matchPassfileField matches the first field of line against token and
// returns what follows the field's ':'. A field of exactly "*" matches
// anything; otherwise a backslash takes the next character literally.
func matchPassfileField(line, token string) (rest string, ok bool) {
	if strings.HasPrefix(line, "*:") {
		return line[2:], true
	}
	i, j := 0, 0
	for i < len(line) {
		escaped := false
		if line[i] == '\\' {
			i++
			escaped = true
		}
		c := byteAt(line, i)
		if c == ':' && j == len(token) && !escaped {
			return line[i+1:], true
		}
		if j == len(token) || i >= len(line) || c != token[j] {
			return "", false
		}
		i++
		j++
	}
	return "", false
}

// unescapePassword takes the password field: up to the first ':' that is
// not escaped, with each backslash taking the next character literally (a
// backslash at the very end stays).
func unescapePassword(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && s[i] != ':'; i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
