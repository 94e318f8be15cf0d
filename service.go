package pgmoon

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// The connection service file, libpq's pg_service.conf
// (https://www.postgresql.org/docs/current/libpq-pgservice.html): an
// INI-style file whose sections, [name], hold keyword=value lines of
// connection settings for the service of that name.

// serviceFileName is the user's service file in the home directory.
const serviceFileName = ".pg_service.conf"

// defaultSysconfDir is where the system-wide pg_service.conf is looked for
// when PGSYSCONFDIR is not set. libpq compiles its own in (pg_config
// --sysconfdir), which differs between builds; this is the one of
// Debian's and Ubuntu's libpq.
const defaultSysconfDir = "/etc/postgresql-common"

// maxServiceLine is libpq's limit on a service file line, newline
// included (its buffer is 1024 bytes).
const maxServiceLine = 1023

// serviceSource says where the settings of a service came from, for
// messages.
func serviceSource(name, file string) string {
	return fmt.Sprintf("service %q in %s", name, file)
}

// applyService looks service name up and stores each of its settings
// that settings does not have yet (the connection string's own win; the
// first line of a keyword in the section wins), recording their origin.
//
// As libpq does, it reads the user's file first: servicefile if given,
// else $PGSERVICEFILE if set (both must exist), else ~/.pg_service.conf if
// it exists; if the service is not there, the system-wide
// pg_service.conf in $PGSYSCONFDIR (default: defaultSysconfDir), if it
// exists. A service found in neither is an error naming the files
// searched.
func applyService(settings, origins map[string]string, name string, getenv func(string) (string, bool)) error {
	var searched []string
	userFile, explicit := settings["servicefile"]
	if !explicit {
		userFile, explicit = getenv("PGSERVICEFILE")
	}
	if !explicit {
		if home := homeDir(); home != "" {
			userFile = filepath.Join(home, serviceFileName)
			if _, err := os.Stat(userFile); err != nil {
				searched = append(searched, userFile+" (absent)")
				userFile = ""
			}
		}
	}
	if userFile != "" || explicit {
		found, err := readServiceFile(userFile, name, settings, origins)
		if err != nil || found {
			return err
		}
		searched = append(searched, userFile)
	}
	dir, ok := getenv("PGSYSCONFDIR")
	if !ok {
		dir = defaultSysconfDir
	}
	sysFile := dir + "/pg_service.conf" // as libpq writes it, also for an empty PGSYSCONFDIR
	if _, err := os.Stat(sysFile); err != nil {
		searched = append(searched, sysFile+" (absent)")
	} else {
		found, err := readServiceFile(sysFile, name, settings, origins)
		if err != nil || found {
			return err
		}
		searched = append(searched, sysFile)
	}
	return fmt.Errorf("definition of service %q not found (searched %s)", name, strings.Join(searched, ", "))
}

// readServiceFile reads one service file with libpq's rules: lines are
// trimmed of blanks; blank lines and lines starting with '#' are skipped;
// a line starting with '[' opens a section, and the section of the service
// is the one whose line starts with "[name]"; in it every line is
// keyword=value, split at the first '=' and taken as is (no quoting, no
// blanks around '='), where keyword is a connection keyword other than
// service and servicefile. The section ends at the next '['. A line
// starting with "ldap://" is an LDAP lookup in libpq; this driver does no
// LDAP, so it skips it as libpq does when the LDAP server cannot be
// reached, and later lines serve as fallback.
func readServiceFile(path, name string, settings, origins map[string]string) (found bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("service file %q not found", path)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	source := serviceSource(name, path)
	for lineNo := 1; ; lineNo++ {
		line, err := readServiceLine(r)
		if errors.Is(err, io.EOF) && line == "" {
			return found, nil
		}
		if errors.Is(err, errServiceLineTooLong) {
			return false, fmt.Errorf("line %d too long in service file %q", lineNo, path)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return false, fmt.Errorf("service file %q: %w", path, err)
		}
		if i := strings.IndexByte(line, 0); i >= 0 {
			line = line[:i] // libpq reads C strings
		}
		line = strings.TrimRightFunc(line, isSpaceRune)
		line = strings.TrimLeftFunc(line, isSpaceRune)
		if line == "" || line[0] == '#' {
			continue
		}
		if line[0] == '[' {
			if found {
				return true, nil
			}
			found = strings.HasPrefix(line[1:], name) && byteAt(line, len(name)+1) == ']'
			continue
		}
		if !found {
			continue
		}
		if strings.HasPrefix(line, "ldap") {
			if strings.HasPrefix(line, "ldap://") {
				continue
			}
			return false, fmt.Errorf("invalid LDAP URL in service file %q, line %d: scheme must be ldap://", path, lineNo)
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return false, fmt.Errorf("syntax error in service file %q, line %d", path, lineNo)
		}
		if key == "service" || key == "servicefile" {
			return false, fmt.Errorf("nested %s specifications not supported in service file %q, line %d", key, path, lineNo)
		}
		if keywordsByName[key] == nil {
			return false, fmt.Errorf("syntax error in service file %q, line %d: unknown keyword %q", path, lineNo, key)
		}
		if _, set := settings[key]; !set {
			settings[key] = value
			origins[key] = source
		}
	}
}

var errServiceLineTooLong = errors.New("line too long")

// readServiceLine reads one line, its newline included, refusing lines of
// maxServiceLine bytes or more as libpq does.
func readServiceLine(r *bufio.Reader) (string, error) {
	var b []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			return string(b), err
		}
		b = append(b, c)
		if len(b) >= maxServiceLine {
			return "", errServiceLineTooLong
		}
		if c == '\n' {
			return string(b), nil
		}
	}
}

func isSpaceRune(r rune) bool { return r < 0x80 && isSpace(byte(r)) }
