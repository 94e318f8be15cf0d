package pgmoon_test

// Differential tests: pgmoon's connection strings against libpq's own
// parser and connection setup, through the cgo helper in internal/libpq
// (installed libpq: Debian's libpq-dev). Every difference is either a bug
// to fix or listed here with its reason.

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/internal/libpq"
)

// requireLibpq fails the test (rather than skip it) when this build cannot
// call libpq.
func requireLibpq(t testing.TB) {
	t.Helper()
	if !libpq.Available {
		t.Fatal(libpq.Reason)
	}
}

// libpqMajor is the installed libpq's major version.
func libpqMajor() int { return libpq.Version() / 10000 }

// libpqKnows reports whether the installed libpq knows a keyword.
var libpqKnows = func() func(string) bool {
	var known map[string]bool
	return func(k string) bool {
		if known == nil {
			known = map[string]bool{}
			for _, o := range libpq.Options() {
				known[o.Keyword] = true
			}
		}
		return known[k]
	}
}()

// TestLibpqKeywordTable checks pgmoon's keyword table against the
// installed libpq: every keyword libpq knows is known, with the same
// environment variable, and every libpq keyword pgmoon lists as older than
// this libpq is known to it.
func TestLibpqKeywordTable(t *testing.T) {
	requireLibpq(t)
	ours := map[string]pgmoon.Keyword{}
	for _, k := range pgmoon.Keywords() {
		ours[k.Name] = k
	}
	for _, o := range libpq.Options() {
		k, ok := ours[o.Keyword]
		if !ok {
			t.Errorf("libpq %d keyword %q is missing from pgmoon's table", libpq.Version(), o.Keyword)
			continue
		}
		if k.Env != o.EnvVar {
			t.Errorf("keyword %q: environment variable %q, libpq says %q", o.Keyword, k.Env, o.EnvVar)
		}
	}
	for _, k := range ours {
		if k.Since != 0 && k.Since <= libpqMajor() && !libpqKnows(k.Name) {
			t.Errorf("keyword %q is listed as in libpq since %d, but libpq %d does not know it", k.Name, k.Since, libpq.Version())
		}
	}
}

// parseCorpus is connection strings for PQconninfoParse and
// ParseConnString: both must accept or refuse each, and agree on every
// keyword's value.
var parseCorpus = []string{
	// URL: scheme, user information, hosts, ports.
	"postgres://",
	"postgresql://",
	"postgres://h",
	"postgres://h:5432",
	"postgres://h:5432/db",
	"postgres://user@h/db",
	"postgres://user:pw@h/db",
	"postgres://user:@h/db",
	"postgres://:pw@h/db",
	"postgres://@h/db",
	"postgres://u:p:q@h/db",
	"postgres://u:p@ss@h/d",
	"postgres://h?x=a@b",
	"postgres://u/x@h",
	"postgres://[::1]/d",
	"postgres://[::1]:5433/d",
	"postgres://[fe80::1%25eth0]:1/d",
	"postgres://[::1",
	"postgres://[]/d",
	"postgres://[::1]x/d",
	"postgres://[::1],[::2]:3/d",
	"postgres://a,b,c/d",
	"postgres://a:1,b:2,c:3/d",
	"postgres://a:1,b,c:3/d",
	"postgres://,/d",
	"postgres://,,:5/d",
	"postgres://h:/d",
	"postgres://h:5432:1/d",
	"postgres://h:abc/d",
	"postgres://a b/d",
	// URL: percent-encoding.
	"postgres://%2Fvar%2Frun%2Fpostgresql/d",
	"postgres://%2Ftmp:5433/d",
	"postgres://h%2Ci/d",
	"postgres://h/my%20db",
	"postgres://h/a%2Fb",
	"postgres://h/d%00",
	"postgres://h/d%zz",
	"postgres://h/d%4",
	"postgres://h/d%",
	"postgres://us%40er:p%3Aw@h/d",
	"postgres://u:p%zz@h/d",
	"postgres://u:%00@h",
	"postgres://h/d?application_name=%C3%A9t%C3%A9",
	"postgres://h/d?%68ost=x",
	"postgres://h/d?host=%zz",
	"postgres://h/d?x%=1",
	// URL: the path and query.
	"postgres:///d?host=/tmp",
	"postgres:///d?host=%2Ftmp&port=5",
	"postgres://h/d?sslmode=require",
	"postgres://h/d?sslmode=require&application_name=a%20b",
	"postgres://h/d?application_name=a+b",
	"postgres://h/d?ssl=true",
	"postgres://h/d?ssl=false",
	"postgres://h/d?ssl=true&sslmode=disable",
	"postgres://h/d?requiressl=1",
	"postgres://h/d?requiressl=0",
	"postgres://h/d?requiressl=",
	"postgres://h/d?search_path=x",
	"postgres://h/d?bad",
	"postgres://h/d?a=b=c",
	"postgres://h/d?host=x&&port=1",
	"postgres://h/d?&host=x",
	"postgres://h/d?host=x&",
	"postgres://h/d?",
	"postgres://h/d?=x",
	"postgres://h/d?host=",
	"postgres://u@h/d?user=v&dbname=e&port=7&host=i",
	"postgres://h/d?dbname=",
	"postgres://h/d?options=-c%20geqo%3Doff",
	"postgres://h/d?password=secret",
	"postgres://h/d?passfile=/x&service=s",
	"postgres://h:5432,h2:5433/d?hostaddr=1.2.3.4,5.6.7.8",
	"postgres://h/d?replication=database",
	"postgres://h/d?sslmode=verify-full&sslrootcert=system",
	"postgres://h/d?target_session_attrs=read-write&keepalives=0",
	"postgres://h/d?connect_timeout=10&client_encoding=UTF8",
	"postgresql://h/d#fragment",
	"postgres://h/d/extra",
	"POSTGRES://h/d",
	"postgres:/h/d",
	"postgres:// h/d",
	"postgres://u%20 :p @h /d ?host = x",
	"postgres://h/d?application_name=a%20b%20",
	// URL: keywords newer than some libpq, and pgmoon's own.
	"postgres://h/d?sslnegotiation=direct&sslmode=require",
	"postgres://h/d?require_auth=scram-sha-256",
	"postgres://h/d?load_balance_hosts=random",
	"postgres://h/d?default_query_exec_mode=exec",
	"postgres://h/d?pool_max_conns=5&pool_max_conn_lifetime=1h",
	// Keyword/value: blanks and quoting.
	"",
	"   ",
	"host=h",
	"host = h",
	"host= h",
	"host=",
	"host= port=5",
	"host=''",
	"host='' port=5",
	"host='a b'",
	`host='it\'s'`,
	`host='a\\b'`,
	`host=a\ b`,
	`host=a\`,
	`host='a\`,
	"host='unterminated",
	"host='x'port=5",
	"host='a''b'",
	"host=a host=b",
	"host",
	"host port=5",
	"=x",
	"host=a =b",
	"Host=h",
	"bogus=1",
	"search_path=app",
	"host=b=c",
	`host="h"`,
	"\thost=h\n port=1\r",
	"host=h\tport=1",
	"host=h\vport=1\f",
	"host=h\x01",
	`host=h port=1\ 2`,
	"host=h '",
	"host=h dbname='' user=''",
	"sslmode=disable sslmode=require",
	`options=-c\ x=y`,
	"application_name='été ☃'",
	"host=h\xa0port=1",
	// Keyword/value: every kind of keyword.
	"requiressl=1",
	"requiressl=yes",
	"ssl=true",
	"host=a,b,c port=1,2,3",
	"host=a,,b port=1,,3",
	"hostaddr=1.2.3.4,5.6.7.8 host=a,b",
	"options='-c search_path=a,b -c geqo=off'",
	"password='p w' user=u",
	`password=\'q`,
	"dbname=postgres://h/d",
	"dbname='host=other'",
	"host=h port=1 sslmode=verify-full sslrootcert=/r sslcert=/c sslkey=/k sslpassword=x",
	"keepalives=1 keepalives_idle=10 keepalives_interval=1 keepalives_count=3 tcp_user_timeout=100",
	"target_session_attrs=any load_balance_hosts=disable",
	"service=foo servicefile=/x",
	"channel_binding=require require_auth=!password",
	"gssencmode=disable krbsrvname=postgres gsslib=gssapi gssdelegation=0",
	"replication=true",
	"sslcompression=1 sslcrl=/c sslcrldir=/d requirepeer=postgres sslcertmode=allow",
	"fallback_application_name=x client_encoding=auto",
	"passfile=/x connect_timeout=5",
	"ssl_min_protocol_version=TLSv1.2 ssl_max_protocol_version=TLSv1.3",
	"statement_cache_capacity=0 description_cache_capacity=1",
}

// standIns are keywords every libpq since 10 knows and whose values
// PQconninfoParse does not check: a keyword too new for the installed
// libpq is renamed to one of these to compare the rest of the string.
var standIns = []string{"krbsrvname", "gsslib", "sslcrl", "requirepeer", "sslcompression"}

var libpqUnknown = regexp.MustCompile(`^(?:invalid connection option|invalid URI query parameter:) "([^"]*)"$`)

// libpqParse is libpq.Parse, with keywords unknown to the installed
// libpq but known to pgmoon (newer libpq keywords, pgmoon's own) renamed
// to stand-ins and named back in the result.
func libpqParse(s string) (map[string]string, error) {
	renamed := map[string]string{}
	for {
		m, err := libpq.Parse(s)
		if err == nil {
			for standIn, k := range renamed {
				if v, ok := m[standIn]; ok {
					delete(m, standIn)
					m[k] = v
				}
			}
			return m, nil
		}
		sub := libpqUnknown.FindStringSubmatch(err.Error())
		if sub == nil || !pgmoonKnows(sub[1]) {
			return nil, err
		}
		standIn := ""
		for _, c := range standIns {
			if !strings.Contains(s, c) {
				standIn = c
				break
			}
		}
		if standIn == "" {
			return nil, fmt.Errorf("no stand-in left for %q: %w", sub[1], err)
		}
		// Rename the keyword where it stands as one: at the start, after
		// a blank, '?' or '&'.
		re := regexp.MustCompile(`(^|[\s?&])` + regexp.QuoteMeta(sub[1]) + `(\s*=)`)
		renamedS := re.ReplaceAllString(s, "${1}"+standIn+"${2}")
		if renamedS == s {
			return nil, err
		}
		s = renamedS
		renamed[standIn] = sub[1]
	}
}

func pgmoonKnows(k string) bool {
	for _, kw := range pgmoon.Keywords() {
		if kw.Name == k {
			return true
		}
	}
	return false
}

func TestLibpqParseCorpus(t *testing.T) {
	requireLibpq(t)
	if len(parseCorpus) < 100 {
		t.Fatalf("the corpus has %d strings; keep at least 100", len(parseCorpus))
	}
	for _, s := range parseCorpus {
		t.Run(fmt.Sprintf("%q", s), func(t *testing.T) { compareParse(t, s) })
	}
}

// uriSpacesChanged reports whether libpq's answer for s depends on its
// version: libpq 18 drops spaces around a URI's parts and refuses them
// inside (conninfo_uri_decode); older ones keep them. pgmoon does as 18.
func uriSpacesChanged(s string) bool {
	return libpqMajor() < 18 && (strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")) && strings.Contains(s, " ")
}

func compareParse(t *testing.T, s string) {
	t.Helper()
	if uriSpacesChanged(s) {
		t.Logf("not compared: libpq %d keeps spaces in URIs, libpq 18 and pgmoon do not", libpq.Version())
		return
	}
	ours, ourErr := pgmoon.ParseConnString(s)
	theirs, theirErr := libpqParse(s)
	switch {
	case ourErr != nil && theirErr != nil:
		// Both refuse; an unknown keyword is named by both.
		if sub := libpqUnknown.FindStringSubmatch(theirErr.Error()); sub != nil && !strings.Contains(ourErr.Error(), strconv.Quote(sub[1])) {
			t.Errorf("libpq: %v; pgmoon names another keyword: %v", theirErr, ourErr)
		}
	case ourErr != nil:
		t.Errorf("pgmoon refuses what libpq accepts as %v: %v", theirs, ourErr)
	case theirErr != nil:
		t.Errorf("pgmoon accepts as %v what libpq refuses: %v", ours, theirErr)
	default:
		if diff := cmp.Diff(theirs, ours); diff != "" {
			t.Errorf("(-libpq +pgmoon):\n%s", diff)
		}
	}
}

// FuzzLibpqParse runs fuzzed strings through both parsers, which must
// agree as in TestLibpqParseCorpus. Strings with a NUL byte, which libpq
// cannot be given (C strings end there), must be refused by pgmoon;
// strings naming a keyword this libpq does not know but pgmoon does are
// compared only in that pgmoon must not panic.
func FuzzLibpqParse(f *testing.F) {
	requireLibpq(f)
	for _, s := range parseCorpus {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ours, ourErr := pgmoon.ParseConnString(s)
		if strings.IndexByte(s, 0) >= 0 {
			if ourErr == nil {
				t.Fatalf("a string with a NUL byte was accepted: %v", ours)
			}
			return
		}
		if uriSpacesChanged(s) {
			return
		}
		theirs, theirErr := libpq.Parse(s)
		if theirErr != nil {
			if sub := libpqUnknown.FindStringSubmatch(theirErr.Error()); sub != nil && pgmoonKnows(sub[1]) {
				return
			}
		}
		switch {
		case (ourErr == nil) != (theirErr == nil):
			t.Fatalf("%q: pgmoon %v, %v; libpq %v, %v", s, ours, ourErr, theirs, theirErr)
		case ourErr == nil && !maps.Equal(ours, theirs):
			t.Fatalf("%q: pgmoon %v; libpq %v", s, ours, theirs)
		}
	})
}

// An effCase is a connection string with an environment and files, whose
// effective settings (after the service file, the environment, the
// password file and defaults) are compared with what libpq's
// PQconnectdb makes of it. Hosts are socket directories that do not exist
// or 127.0.0.1:1, so that every connection attempt fails at once.
type effCase struct {
	name  string
	conn  string
	env   map[string]string // "{dir}" is replaced by the case's directory
	files map[string]string // path under {dir} → contents ("0644:" prefix: that mode, else 0600)
	// known lists the comparisons (see compareEffective) in which pgmoon
	// differs from libpq on purpose, with the reason; the test fails if
	// they do not differ, so that the list stays true.
	known map[string]string
	// minLibpq marks cases whose keywords or values need a libpq at
	// least this recent; with an older one, old replaces known (default:
	// libpq refuses the keyword, {"accept": whyOldLibpq}).
	minLibpq int
	old      map[string]string
	// knownFor, when set, gives known for the installed libpq's build.
	knownFor func(libpqBuild) map[string]string
}

// libpqBuild is what the installed libpq was compiled with.
type libpqBuild struct {
	socketDir string // DEFAULT_PGSOCKET_DIR ("" if none: localhost)
	gssapi    bool
}

// probeLibpqBuild asks libpq for its default host and whether it has
// GSSAPI, in an environment without PG* variables.
func probeLibpqBuild(t *testing.T) libpqBuild {
	var b libpqBuild
	if c := libpq.Connect("host='' port=1 sslmode=disable gssencmode=disable"); strings.HasPrefix(c.Host, "/") {
		b.socketDir = c.Host
	}
	c := libpq.Connect("host=/nonexistent-pgmoon-dir gssencmode=require")
	b.gssapi = !strings.Contains(c.Message, "not compiled in")
	t.Logf("libpq %d: default socket directory %q, GSSAPI %v", libpq.Version(), b.socketDir, b.gssapi)
	return b
}

// Reasons for the documented differences.
const (
	whyDefaultHost    = "libpq's default host is the socket directory it was compiled with (Debian: /var/run/postgresql); pgmoon picks the first usual directory holding the port's socket, else localhost"
	whyAuto           = "client_encoding=auto is the locale's encoding in libpq; Go strings are UTF-8 whatever the locale, so pgmoon sends UTF8"
	whyTCPOnly        = "libpq checks keepalives settings only when it opens a TCP socket; pgmoon checks every setting when it parses"
	whySocketHostAddr = "pgmoon refuses hostaddr with a unix-domain socket host (libpq connects to hostaddr over TCP), rather than risk sending over TCP without the TLS that sslmode asks for"
	whyGSS            = "pgmoon has no GSSAPI: gssencmode=require cannot be met (libpq built with GSSAPI tries it)"
	whyTmpLocalhost   = "in the password file, pgmoon matches every usual socket directory (/var/run/postgresql, /run/postgresql, /tmp) as localhost; libpq only its compiled-in one (Debian: /var/run/postgresql; upstream: /tmp)"
	whyOldLibpq       = "the installed libpq is older than the keyword"
	whyCRL            = "pgmoon does not check certificate revocation lists, and refuses sslcrl rather than ignore it"
	whyHostAddrForm   = "hostaddr must be an IP address Go parses; libpq's getaddrinfo also takes inet_aton's short forms such as 1.2.3"
)

var effCases = []effCase{
	{name: "socket directory and port", conn: "host={dir}/nosock port=5 user=u dbname=d"},
	{name: "tcp", conn: "host=127.0.0.1 port=1 user=u"},
	{name: "localhost", conn: "host=localhost port=1 user=u"},
	{name: "defaults", conn: "port=1", known: map[string]string{"host": whyDefaultHost}},
	{
		name: "environment",
		conn: "",
		env: map[string]string{"PGHOST": "{dir}/nosock", "PGPORT": "6", "PGUSER": "envuser", "PGDATABASE": "envdb",
			"PGPASSWORD": "envpw", "PGOPTIONS": "-c geqo=off", "PGAPPNAME": "envapp", "PGCLIENTENCODING": "LATIN1",
			"PGCONNECT_TIMEOUT": "1", "PGSSLMODE": "disable", "PGTARGETSESSIONATTRS": "read-only", "PGCHANNELBINDING": "disable",
			"PGSSLSNI": "0", "PGSSLMINPROTOCOLVERSION": "tlsv1.3", "PGSSLROOTCERT": "/r", "PGSSLCERT": "/c", "PGSSLKEY": "/k"},
	},
	{
		name: "the string over the environment; an empty value is set",
		conn: "host={dir}/str port=7 user=struser application_name='' options=''",
		env:  map[string]string{"PGHOST": "{dir}/env", "PGPORT": "6", "PGUSER": "envuser", "PGAPPNAME": "envapp", "PGOPTIONS": "-c x=y"},
	},
	{name: "PGHOSTADDR", conn: "port=1 user=u", env: map[string]string{"PGHOSTADDR": "127.0.0.1"}},
	{name: "PGREQUIRESSL", conn: "host={dir}/s", env: map[string]string{"PGREQUIRESSL": "1"}},
	{name: "PGSSLMODE over PGREQUIRESSL", conn: "host={dir}/s", env: map[string]string{"PGREQUIRESSL": "1", "PGSSLMODE": "allow"}},
	{name: "PGSSLMODE empty", conn: "host={dir}/s", env: map[string]string{"PGSSLMODE": ""}},
	{name: "PGSERVICE empty", conn: "host={dir}/s", env: map[string]string{"PGSERVICE": ""}},
	{name: "requiressl", conn: "host={dir}/s requiressl=1"},
	{name: "sslsni", conn: "host={dir}/s sslsni=2 ssl_min_protocol_version=TLSV1.1 ssl_max_protocol_version=tlsv1.3"},
	{name: "channel_binding empty", conn: "host={dir}/s channel_binding=''"},
	{name: "target_session_attrs invalid", conn: "host={dir}/s target_session_attrs=master"},
	{name: "port invalid", conn: "host={dir}/s port=abc"},
	{name: "port out of range", conn: "host={dir}/s port=70000"},
	{name: "port with blanks", conn: "host={dir}/s port=' 5433 '"},
	// libpq checks connect_timeout only once a connection attempt is
	// under way, hence a host that does not refuse at once.
	{name: "connect_timeout empty", conn: "host=127.0.0.1 port=1 connect_timeout=''"},
	{name: "connect_timeout", conn: "host={dir}/s connect_timeout=' 7 '"},
	{name: "keepalives on tcp", conn: "host=127.0.0.1 port=1 keepalives=0 keepalives_idle=5 keepalives_interval=2 keepalives_count=4 tcp_user_timeout=900"},
	{name: "keepalives invalid on tcp", conn: "host=127.0.0.1 port=1 keepalives=on"},
	{name: "keepalives invalid on a socket", conn: "host={dir}/s keepalives=on", known: map[string]string{"accept": whyTCPOnly}},
	{name: "client_encoding auto", conn: "host={dir}/s client_encoding=auto", known: map[string]string{"client_encoding": whyAuto}},
	{name: "fallback_application_name", conn: "host={dir}/s fallback_application_name=fb"},
	{name: "replication", conn: "host={dir}/s replication=database"},
	{name: "several hosts", conn: "host={dir}/a,{dir}/b,127.0.0.1 port=5,6,1 user=u"},
	{name: "several hosts, one port, empty entries", conn: "host={dir}/a,,127.0.0.1 port=1"},
	{name: "several hosts, the last one empty", conn: "host={dir}/a, port=1", known: map[string]string{"host": whyDefaultHost}},
	{name: "several hosts, empty port entries", conn: "host={dir}/a,127.0.0.1 port=,1"},
	{name: "host and hostaddr counts differ", conn: "host=a,b hostaddr=127.0.0.1"},
	{name: "ports and hosts counts differ", conn: "host={dir}/a,{dir}/b port=1,2,3"},
	{name: "hostaddr with empty host names", conn: "hostaddr=127.0.0.1,127.0.0.1 host=,localhost port=1"},
	{name: "hostaddr short form", conn: "hostaddr=127.1 port=1", known: map[string]string{"accept": whyHostAddrForm}},
	{name: "hostaddr with a socket host", conn: "host={dir}/s hostaddr=127.0.0.1 port=1", known: map[string]string{"accept": whySocketHostAddr}},
	{name: "URL", conn: "postgres://u:pw@127.0.0.1:1,[::1]:1/d?application_name=x&sslmode=disable"},
	{name: "URL socket", conn: "postgresql://u@%2Ftmp%2Fnosock:9/d?options=-c%20geqo%3Doff"},
	{name: "gssencmode=require", conn: "host={dir}/s gssencmode=require", knownFor: func(b libpqBuild) map[string]string {
		if b.gssapi {
			return map[string]string{"accept": whyGSS}
		}
		return nil // a libpq without GSSAPI refuses it too
	}},
	{name: "sslcrl", conn: "host={dir}/s sslcrl=/crl.pem", known: map[string]string{"accept": whyCRL}},
	{name: "sslrootcert=system", conn: "host={dir}/s sslrootcert=system", minLibpq: 16, old: map[string]string{"sslmode": whyOldLibpq}},
	{name: "require_auth", conn: "host={dir}/s require_auth=scram-sha-256", minLibpq: 16},
	{name: "load_balance_hosts", conn: "host={dir}/s load_balance_hosts=disable", minLibpq: 16},
	{name: "sslnegotiation", conn: "host={dir}/s sslnegotiation=direct sslmode=require", minLibpq: 17},

	// The service file.
	{
		name:  "PGSERVICEFILE",
		conn:  "service=s",
		env:   map[string]string{"PGSERVICEFILE": "{dir}/services"},
		files: map[string]string{"services": "[s]\nhost={dir}/svc\nport=7\nuser=svcuser\npassword=svcpw\n"},
	},
	{
		name:  "PGSERVICE, the string and the environment",
		conn:  "host={dir}/str",
		env:   map[string]string{"PGSERVICE": "s", "PGSERVICEFILE": "{dir}/services", "PGPORT": "8", "PGUSER": "envuser", "PGDATABASE": "envdb"},
		files: map[string]string{"services": "# comment\n[other]\nhost=/other\n [s] \n  port=7  \nport=9\ndbname=svcdb\n"},
	},
	{
		name:  "~/.pg_service.conf",
		conn:  "service=s user=u",
		files: map[string]string{"home/.pg_service.conf": "[s]\nhost={dir}/home\n"},
	},
	{
		name:  "the system file when the user file lacks the service",
		conn:  "service=sys",
		files: map[string]string{"home/.pg_service.conf": "[s]\nhost={dir}/home\n", "sys/pg_service.conf": "0644:[sys]\nhost={dir}/sys\nport=4\n"},
	},
	{
		name:  "the user file first",
		conn:  "service=s",
		files: map[string]string{"home/.pg_service.conf": "[s]\nhost={dir}/home\n", "sys/pg_service.conf": "0644:[s]\nhost={dir}/sys\nport=4\n"},
	},
	{name: "service not found", conn: "service=nope", files: map[string]string{"home/.pg_service.conf": "[s]\nhost=/x\n"}},
	{name: "service and no file", conn: "service=s"},
	{name: "PGSERVICEFILE absent", conn: "service=s", env: map[string]string{"PGSERVICEFILE": "{dir}/absent"}},
	{name: "nested service", conn: "service=s", files: map[string]string{"home/.pg_service.conf": "[s]\nservice=t\n"}},
	{name: "service syntax error", conn: "service=s", files: map[string]string{"home/.pg_service.conf": "[s]\nhost = x\n"}},
	{name: "service unknown keyword", conn: "service=s", files: map[string]string{"home/.pg_service.conf": "[s]\nsearch_path=x\n"}},
	{name: "service section prefix", conn: "service=s", files: map[string]string{"home/.pg_service.conf": "[s] extra\nhost={dir}/pfx\n"}},
	{name: "service errors elsewhere are not read", conn: "service=s", files: map[string]string{"home/.pg_service.conf": "[t]\nno equals\n[s]\nhost={dir}/ok\n[u]\nbad\n"}},

	// The password file.
	{
		name:  "PGPASSFILE",
		conn:  "host={dir}/sock port=5 user=alice dbname=app",
		env:   map[string]string{"PGPASSFILE": "{dir}/pgpass"},
		files: map[string]string{"pgpass": "# comment\n{dir}/sock:5:app:bob:nope\n{dir}/sock:5:app:alice:first\n*:*:*:*:fallback\n"},
	},
	{
		name:  "~/.pgpass, wildcards",
		conn:  "host=127.0.0.1 port=1 user=alice dbname=app",
		files: map[string]string{"home/.pgpass": "127.0.0.1:*:*:alice:wild\n"},
	},
	{
		name:  "passfile keyword, escapes",
		conn:  `host={dir}/a:b,{dir}/c\\d port=1 user=u passfile={dir}/pp`,
		files: map[string]string{"pp": `{dir}/a\:b:1:*:*:first` + "\n" + `{dir}/c\\d:1:*:*:p\:w\\x:ignored` + "\n"},
	},
	{
		name:  "password given: no password file",
		conn:  "host=127.0.0.1 port=1 user=u password=given",
		files: map[string]string{"home/.pgpass": "*:*:*:*:file\n"},
	},
	{
		name:  "password empty: the password file",
		conn:  "host=127.0.0.1 port=1 user=u password=''",
		files: map[string]string{"home/.pgpass": "*:*:*:*:file\n"},
	},
	{
		name:  "group-readable password file is ignored",
		conn:  "host=127.0.0.1 port=1 user=u",
		files: map[string]string{"home/.pgpass": "0640:*:*:*:*:file\n"},
	},
	{
		name:     "localhost for /var/run/postgresql",
		conn:     "host=/var/run/postgresql port=1 user=u",
		files:    map[string]string{"home/.pgpass": "localhost:1:*:*:local\n*:*:*:*:other\n"},
		knownFor: localhostUnlessDefault("/var/run/postgresql"),
	},
	{
		name:     "localhost for /tmp",
		conn:     "host=/tmp port=1 user=u",
		files:    map[string]string{"home/.pgpass": "localhost:1:*:*:local\n*:*:*:*:other\n"},
		knownFor: localhostUnlessDefault("/tmp"),
	},
	{
		name:  "per host: the last host's",
		conn:  "host={dir}/a,127.0.0.1 port=5,1 user=u",
		files: map[string]string{"home/.pgpass": "{dir}/a:5:*:*:first\n127.0.0.1:1:*:*:second\n"},
	},
	{
		name:  "hostaddr alone matches on the address",
		conn:  "hostaddr=127.0.0.1 port=1 user=u",
		files: map[string]string{"home/.pgpass": "127.0.0.1:1:*:*:byaddr\n"},
	},
	{
		name:  "hostaddr with a host name matches on the name",
		conn:  "hostaddr=127.0.0.1 host=db.example port=1 user=u",
		files: map[string]string{"home/.pgpass": "127.0.0.1:1:*:*:byaddr\ndb.example:1:*:*:byname\n"},
	},
	{
		name:  "service password over the password file",
		conn:  "service=s port=1",
		env:   map[string]string{"PGSERVICEFILE": "{dir}/services", "PGPASSFILE": "{dir}/pgpass"},
		files: map[string]string{"services": "[s]\nhost=127.0.0.1\npassword=svcpw\n", "pgpass": "*:*:*:*:filepw\n"},
	},
	{
		name:  "passfile from the service",
		conn:  "service=s port=1 user=u",
		env:   map[string]string{"PGSERVICEFILE": "{dir}/services"},
		files: map[string]string{"services": "[s]\nhost=127.0.0.1\npassfile={dir}/pp\n", "pp": "*:*:*:*:svcfile\n"},
	},
}

// localhostUnlessDefault: pgmoon matches dir as localhost in the password
// file; libpq does only if dir is its compiled-in socket directory.
func localhostUnlessDefault(dir string) func(libpqBuild) map[string]string {
	return func(b libpqBuild) map[string]string {
		if b.socketDir == dir {
			return nil
		}
		return map[string]string{"password": whyTmpLocalhost}
	}
}

// connFailure matches the lines PQconnectdb writes when it tried a host
// and nothing answered: what it makes of the settings is then all valid.
var connFailure = regexp.MustCompile(`^(connection to server (on socket|at) .* failed: (No such file or directory|Connection refused)|\tIs the server running .*)$`)

func libpqAccepted(c libpq.Conn) bool {
	if !c.Bad {
		return false // something answered: no host should
	}
	for _, line := range strings.Split(c.Message, "\n") {
		if !connFailure.MatchString(line) {
			return false
		}
	}
	return true
}

func TestLibpqEffectiveSettings(t *testing.T) {
	requireLibpq(t)
	for _, k := range pgEnvForDiff() {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	build := probeLibpqBuild(t)
	for _, tc := range effCases {
		t.Run(tc.name, func(t *testing.T) {
			// Not t.TempDir: its name holds the test's, and a comma in a
			// host list would split it.
			dir, err := os.MkdirTemp("", "pgmoon-libpq-diff")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			expand := func(s string) string { return strings.ReplaceAll(s, "{dir}", dir) }
			for _, k := range pgEnvForDiff() {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			for _, sub := range []string{"home", "sys"} {
				if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			t.Setenv("HOME", filepath.Join(dir, "home"))
			t.Setenv("PGSYSCONFDIR", filepath.Join(dir, "sys"))
			for name, content := range tc.files {
				mode := os.FileMode(0o600)
				if m, rest, ok := strings.Cut(content, ":"); ok && len(m) == 4 && strings.HasPrefix(m, "0") {
					n, _ := strconv.ParseUint(m, 8, 32)
					mode, content = os.FileMode(n), rest
				}
				path := filepath.Join(dir, name)
				if err := os.WriteFile(path, []byte(expand(content)), mode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, mode); err != nil {
					t.Fatal(err)
				}
			}
			for k, v := range tc.env {
				t.Setenv(k, expand(v))
			}
			conn := expand(tc.conn)

			lc := libpq.Connect(conn)
			cfg, err := pgmoon.ParseConfig(conn)

			known := maps.Clone(tc.known)
			if tc.knownFor != nil {
				known = tc.knownFor(build)
			}
			if tc.minLibpq > libpqMajor() {
				known = maps.Clone(tc.old)
				if known == nil {
					known = map[string]string{"accept": whyOldLibpq}
				}
			}
			if known == nil {
				known = map[string]string{}
			}
			var differ []string
			switch accepted := libpqAccepted(lc); {
			case accepted && err != nil:
				differ = append(differ, "accept")
				t.Logf("libpq accepts, pgmoon: %v", err)
			case !accepted && err == nil:
				differ = append(differ, "accept")
				t.Logf("pgmoon accepts, libpq: %s", lc.Message)
			case accepted:
				differ = compareEffective(t, lc, cfg)
			}
			for _, d := range differ {
				if known[d] == "" {
					t.Errorf("%s differs from libpq", d)
				}
			}
			for k, why := range known {
				if !slices.Contains(differ, k) {
					t.Errorf("%s does not differ from libpq, but is listed as a difference (%s)", k, why)
				}
			}
		})
	}
}

func pgEnvForDiff() []string {
	vars := []string{"PGSERVICE", "PGSERVICEFILE", "PGSYSCONFDIR", "PGREQUIRESSL", "PGTZ", "PGGEQO", "PGDATESTYLE"}
	for _, k := range pgmoon.Keywords() {
		if k.Env != "" {
			vars = append(vars, k.Env)
		}
	}
	for _, o := range libpq.Options() {
		if o.EnvVar != "" {
			vars = append(vars, o.EnvVar)
		}
	}
	return vars
}

// compareEffective compares what libpq and pgmoon made of the same
// settings, and returns the names of the comparisons that differ (each
// logged).
func compareEffective(t *testing.T, lc libpq.Conn, cfg *pgmoon.Config) (differ []string) {
	t.Helper()
	check := func(name string, libpqValue, ours any) {
		if !cmp.Equal(libpqValue, ours) {
			t.Logf("%s: libpq %q, pgmoon %q", name, libpqValue, ours)
			differ = append(differ, name)
		}
	}
	s := lc.Settings

	// Hosts: the lists entry by entry, and what PQhost and PQport say of
	// the last (the host libpq stopped at).
	type entry struct {
		host, addr string
		port       uint16
	}
	ours := []entry{{cfg.Host, cfg.HostAddr, cfg.Port}}
	for _, f := range cfg.Fallbacks {
		ours = append(ours, entry{f.Host, f.HostAddr, f.Port})
	}
	split := func(v string) []string {
		if v == "" {
			return nil
		}
		return strings.Split(v, ",")
	}
	hosts, addrs, ports := split(s["host"]), split(s["hostaddr"]), split(s["port"])
	n := max(len(hosts), len(addrs), 1)
	var theirs []entry
	for i := range n {
		var e entry
		if i < len(hosts) {
			e.host = hosts[i]
		}
		if i < len(addrs) {
			e.addr = addrs[i]
		}
		e.port = 5432
		p := ""
		if len(ports) == 1 {
			p = ports[0]
		} else if i < len(ports) {
			p = ports[i]
		}
		if p = strings.TrimSpace(p); p != "" {
			v, _ := strconv.ParseUint(p, 10, 16)
			e.port = uint16(v)
		}
		theirs = append(theirs, e)
	}
	// An entry without host or hostaddr gets each side's default host:
	// here pgmoon's stands for libpq's (the default itself is compared
	// through PQhost below when it is the last entry).
	oursListed := slices.Clone(ours)
	for i := range oursListed {
		if i < n && theirs[i].host == "" && theirs[i].addr == "" && oursListed[i].addr == "" &&
			oursListed[i].host == pgmoon.DefaultHost(oursListed[i].port) {
			oursListed[i].host = ""
		}
	}
	check("hosts", fmt.Sprint(theirs), fmt.Sprint(oursListed))
	last := ours[len(ours)-1]
	lastHost := last.host
	if lastHost == "" {
		lastHost = last.addr // PQhost gives hostaddr when there is no host name
	}
	check("host", lc.Host, lastHost)
	check("port", strings.TrimSpace(lc.Port), strconv.Itoa(int(last.port)))

	check("dbname", lc.DB, cfg.Database)
	check("user", lc.User, cfg.User)
	password := cfg.Password
	if password == "" {
		password, _ = cfg.PassfilePassword(lastHost, last.port)
	}
	check("password", lc.Password, password)
	if s["password"] == "" {
		// libpq fills in its default password file only when it needs one.
		check("passfile", s["passfile"], cfg.Passfile)
	}
	check("options", lc.Options, cfg.RuntimeParams["options"])
	appName := s["application_name"]
	if appName == "" {
		appName = s["fallback_application_name"]
	}
	check("application_name", appName, cfg.ApplicationName)
	check("client_encoding", s["client_encoding"], cfg.RuntimeParams["client_encoding"])
	check("replication", s["replication"], cfg.RuntimeParams["replication"])

	sslmode := s["sslmode"]
	check("sslmode", sslmode, cfg.SSLMode)
	check("sslrootcert", s["sslrootcert"], cfg.SSLRootCert)
	check("sslcert", s["sslcert"], cfg.SSLCert)
	check("sslkey", s["sslkey"], cfg.SSLKey)
	check("sslpassword", s["sslpassword"], cfg.SSLPassword)
	check("sslsni", strings.HasPrefix(s["sslsni"], "1"), !cfg.DisableSNI)
	minVersion := cfg.SSLMinProtocolVersion
	if minVersion == "" {
		minVersion = "TLSv1.2" // crypto/tls's minimum for clients, libpq's default
	}
	check("ssl_min_protocol_version", strings.ToLower(s["ssl_min_protocol_version"]), strings.ToLower(minVersion))
	check("ssl_max_protocol_version", strings.ToLower(s["ssl_max_protocol_version"]), strings.ToLower(cfg.SSLMaxProtocolVersion))
	channelBinding := cfg.ChannelBinding
	if channelBinding == "" {
		channelBinding = "prefer"
	}
	check("channel_binding", s["channel_binding"], channelBinding)
	check("target_session_attrs", s["target_session_attrs"], cfg.TargetSessionAttrs)
	if v, ok := s["load_balance_hosts"]; ok {
		check("load_balance_hosts", v, cfg.LoadBalanceHosts)
	}
	if v, ok := s["require_auth"]; ok {
		check("require_auth", v, cfg.RequireAuth)
	}
	if v, ok := s["sslnegotiation"]; ok {
		check("sslnegotiation", v, cfg.SSLNegotiation)
	}

	seconds := func(k string, unit time.Duration) time.Duration {
		n, _ := strconv.Atoi(strings.TrimSpace(s[k]))
		return time.Duration(max(n, 0)) * unit
	}
	timeout := seconds("connect_timeout", time.Second)
	if timeout == time.Second {
		timeout = 2 * time.Second
	}
	check("connect_timeout", timeout, cfg.ConnectTimeout)
	keepalives := true
	if v, ok := s["keepalives"]; ok {
		n, _ := strconv.Atoi(v)
		keepalives = n != 0
	}
	check("keepalives", keepalives, !cfg.DisableKeepAlives)
	check("keepalives_idle", seconds("keepalives_idle", time.Second), cfg.KeepAlivesIdle)
	check("keepalives_interval", seconds("keepalives_interval", time.Second), cfg.KeepAlivesInterval)
	check("keepalives_count", int(seconds("keepalives_count", 1)), cfg.KeepAlivesCount)
	check("tcp_user_timeout", seconds("tcp_user_timeout", time.Millisecond), cfg.TCPUserTimeout)
	return differ
}
