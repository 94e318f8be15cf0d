package pgmoon

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pgmoon-go/pgmoon/protocol"
)

// escapePassfileField escapes ':' and '\' as a password file line needs
// (https://www.postgresql.org/docs/current/libpq-pgpass.html).
func escapePassfileField(s string) string {
	return strings.NewReplacer(`\`, `\\`, `:`, `\:`).Replace(s)
}

// passfileSafe reports whether s can be written into one line of a
// password file at all: libpq reads C strings, one per line.
func passfileSafe(s string) bool { return !strings.ContainsAny(s, "\x00\r\n") }

// searchPassfileString runs searchPassfile over an in-memory file.
func searchPassfileString(t *testing.T, data string, keys [4]string) (string, bool) {
	t.Helper()
	f, err := fstest.MapFS{"pgpass": {Data: []byte(data)}}.Open("pgpass")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return searchPassfile(f, keys)
}

// FuzzPassfile searches an arbitrary password file. It must never panic;
// a line written for the keys with every field escaped, put first, must
// yield exactly its password (whatever follows); a line of four "*" must
// match any keys; and the same line commented out must change nothing.
func FuzzPassfile(f *testing.F) {
	f.Add("h:5432:d:u:pw\n", "h", uint16(5432), "d", "u", "pw")
	f.Add("*:*:*:*:x\n", "h", uint16(1), "d", "u", `a\:b\\c`)
	f.Add("# comment\nh\\:x:1:d:u:p\\\\w\n", "h:x", uint16(1), "d", "u", "p:w")
	f.Add("h:1:d:u:trailing\\", "h", uint16(1), "d", "u", "")
	f.Add("h:1:d:u\n:::::\n\\", `\`, uint16(0), "*", ":", `\`)
	f.Add("", "#", uint16(1), "d", "u", "pw")
	f.Add("h:1:d:u:p\x00w\nh:1:d:u:q\r\n", "h", uint16(1), "d", "u", "pw")
	f.Fuzz(func(t *testing.T, data, host string, port uint16, db, user, password string) {
		keys := [4]string{host, strconv.Itoa(int(port)), db, user}
		got, found := searchPassfileString(t, data, keys)
		if found && strings.ContainsAny(got, "\n") {
			t.Fatalf("password %q spans lines", got)
		}
		if !passfileSafe(host) || !passfileSafe(db) || !passfileSafe(user) || !passfileSafe(password) {
			return
		}
		var line strings.Builder
		for _, k := range keys {
			line.WriteString(escapePassfileField(k) + ":")
		}
		line.WriteString(escapePassfileField(password))
		if strings.HasPrefix(line.String(), "#") {
			// A host starting with '#' would make a comment line.
			s := line.String()
			line.Reset()
			line.WriteString(`\` + s)
		}
		first, ok := searchPassfileString(t, line.String()+"\n"+data, keys)
		if !ok || first != password {
			t.Fatalf("line %q first in the file: got %q (found %v), want %q", line.String(), first, ok, password)
		}
		any, ok := searchPassfileString(t, "*:*:*:*:"+escapePassfileField(password)+"\n"+data, keys)
		if !ok || any != password {
			t.Fatalf("wildcard line: got %q (found %v), want %q", any, ok, password)
		}
		again, foundAgain := searchPassfileString(t, "#"+line.String()+"\n"+data, keys)
		if again != got || foundAgain != found {
			t.Fatalf("a comment line changed the result: %q (found %v), without it %q (found %v)", again, foundAgain, got, found)
		}
	})
}

// FuzzServiceFile reads an arbitrary connection service file
// (https://www.postgresql.org/docs/current/libpq-pgservice.html). It must
// never panic, never set a setting the connection string already has,
// and set only known keywords; and a section written for two settings,
// put first, must yield them exactly when the file reads without error.
func FuzzServiceFile(f *testing.F) {
	f.Add("[svc]\nhost=h\nport=5\n", "svc", "h2", "d")
	f.Add("# c\n[other]\nhost=x\n[svc]\n  dbname = d \nldap://x\n[svc]\nhost=y\n", "svc", "a b", " c")
	f.Add("[svc]\nservice=x\n", "svc", "", "")
	f.Add("[svc]\nbogus=1\n", "svc", "=", "x=y")
	f.Add("[svc\nhost=1\n[svc]x\nuser\n", "svc", "", "")
	f.Add("[sv]\x00\n[svc]\r\nhost=\x00x\n"+strings.Repeat("x", 1100)+"\n", "svc", "v", "w")
	dir, err := os.MkdirTemp("", "pgmoon-fuzz-service-")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "pg_service.conf")
	read := func(t *testing.T, data, name string) (map[string]string, bool, error) {
		t.Helper()
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		settings := map[string]string{"password": "preset"}
		origins := map[string]string{"password": "connection string"}
		found, err := readServiceFile(path, name, settings, origins)
		if settings["password"] != "preset" || origins["password"] != "connection string" {
			t.Fatalf("the service file overrode a setting of the connection string: %q", settings["password"])
		}
		for k := range settings {
			if keywordsByName[k] == nil {
				t.Fatalf("unknown keyword %q set", k)
			}
			if origins[k] == "" {
				t.Fatalf("setting %q has no origin", k)
			}
		}
		return settings, found, err
	}
	f.Fuzz(func(t *testing.T, data, name, host, dbname string) {
		settings, found, err := read(t, data, name)
		if err == nil && !found && len(settings) != 1 {
			t.Fatalf("service %q not found, yet settings %v", name, settings)
		}
		if err != nil && strings.Contains(err.Error(), "preset") {
			t.Fatalf("error reveals a setting: %v", err)
		}
		// A section written for the settings, in front of the file.
		clean := func(s string) bool {
			return !strings.ContainsAny(s, "\x00\r\n[]") && strings.TrimFunc(s, isSpaceRune) == s
		}
		if !clean(name) || name == "" || name[0] == '#' || !clean(host) || !clean(dbname) {
			return
		}
		section := "[" + name + "]\nhost=" + host + "\ndbname=" + dbname + "\n"
		if len(section) > maxServiceLine {
			return
		}
		settings, found, err = read(t, section+data, name)
		if err != nil {
			return // what follows may break the section
		}
		if !found || settings["host"] != host || settings["dbname"] != dbname {
			t.Fatalf("section %q: found %v, settings %v", section, found, settings)
		}
	})
}

// FuzzRequireAuth parses require_auth
// (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-REQUIRE-AUTH).
// It must never panic; what it accepts must allow only known methods, and
// the allowed set written back as a list must parse to the same set.
func FuzzRequireAuth(f *testing.F) {
	for _, s := range []string{"", "password", "!md5,!password", "scram-sha-256,none", "!none", "md5,!md5", "md5,md5", "x", ",", "!"} {
		f.Add(s)
	}
	known := []string{authPassword, authMD5, authGSS, authSSPI, authSCRAMSHA256, authNone}
	f.Fuzz(func(t *testing.T, s string) {
		allowed, err := parseRequireAuth(s)
		if err != nil {
			if allowed != nil {
				t.Fatalf("%q: error %v with methods %v", s, err, allowed)
			}
			return
		}
		if s == "" {
			if allowed != nil {
				t.Fatalf("empty require_auth allows %v, want everything (nil)", allowed)
			}
			return
		}
		var list []string
		for m, ok := range allowed {
			if !ok || !slices.Contains(known, m) {
				t.Fatalf("%q: allows %q (%v)", s, m, ok)
			}
			list = append(list, m)
		}
		if len(list) == 0 {
			return // every method negated: nothing is allowed
		}
		slices.Sort(list)
		back, err := parseRequireAuth(strings.Join(list, ","))
		if err != nil || len(back) != len(allowed) {
			t.Fatalf("%q allows %v; written back as %q it reads %v, %v", s, list, strings.Join(list, ","), back, err)
		}
	})
}

// FuzzPgErrorFields turns arbitrary ErrorResponse fields
// (https://www.postgresql.org/docs/current/protocol-error-fields.html) into
// a *PgError. Every field must land in its place (the last of a code
// wins), unknown codes in Unknown, and Error must name the message and the
// SQLSTATE.
func FuzzPgErrorFields(f *testing.F) {
	body, _ := (&protocol.ErrorResponse{Fields: []protocol.ErrorField{
		{Code: 'S', Value: "ERROR"}, {Code: 'C', Value: "42P01"}, {Code: 'M', Value: "no such table"},
		{Code: 'P', Value: "15"}, {Code: 'L', Value: "-7"}, {Code: 'Z', Value: "future"},
	}}).Encode(nil)
	f.Add(body[5:])
	f.Add([]byte("P99999999999\x00p-1\x00L\x00\x00"))
	f.Fuzz(func(t *testing.T, body []byte) {
		var msg protocol.ErrorResponse
		if msg.Decode(body) != nil {
			return
		}
		e := pgErrorFromFields(msg.Fields)
		last := map[byte]string{}
		for _, fl := range msg.Fields {
			last[fl.Code] = fl.Value
		}
		strs := map[byte]string{'S': e.Severity, 'V': e.SeverityUnlocalized, 'C': e.Code, 'M': e.Message,
			'D': e.Detail, 'H': e.Hint, 'q': e.InternalQuery, 'W': e.Where, 's': e.SchemaName,
			't': e.TableName, 'c': e.ColumnName, 'd': e.DataTypeName, 'n': e.ConstraintName,
			'F': e.File, 'R': e.Routine}
		ints := map[byte]int32{'P': e.Position, 'p': e.InternalPosition, 'L': e.Line}
		for code, v := range last {
			if s, ok := strs[code]; ok {
				if s != v {
					t.Fatalf("field %q = %q, want %q", code, s, v)
				}
			} else if n, ok := ints[code]; ok {
				want, err := strconv.ParseInt(v, 10, 32)
				if err != nil {
					want = 0
				}
				if n != int32(want) {
					t.Fatalf("field %q = %d from %q", code, n, v)
				}
			} else if e.Unknown[code] != v {
				t.Fatalf("unknown field %q = %q, want %q", code, e.Unknown[code], v)
			}
		}
		if len(e.Unknown) > len(last) {
			t.Fatalf("Unknown %v has fields that were not sent", e.Unknown)
		}
		if s := e.Error(); !strings.Contains(s, e.Message) || !strings.Contains(s, e.Code) {
			t.Fatalf("Error() = %q lacks the message or the code", s)
		}
	})
}
