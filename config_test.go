package pgmoon

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// clearPGEnv keeps the environment of the machine out of parsing tests.
func clearPGEnv(t testing.TB) {
	t.Helper()
	for _, k := range []string{"PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD",
		"PGAPPNAME", "PGCONNECT_TIMEOUT", "PGSSLMODE", "PGOPTIONS", "PGSSLROOTCERT", "PGSSLCERT",
		"PGSSLKEY", "PGSSLSNI", "PGSSLNEGOTIATION", "PGSSLMINPROTOCOLVERSION", "PGSSLMAXPROTOCOLVERSION"} {
		t.Setenv(k, "")
	}
}

type configView struct {
	Host, Database, User, Password, ApplicationName, SSLMode string
	Port                                                     uint16
	ConnectTimeout                                           time.Duration
	RuntimeParams                                            map[string]string
}

func view(c *Config) configView {
	return configView{c.Host, c.Database, c.User, c.Password, c.ApplicationName, c.SSLMode, c.Port, c.ConnectTimeout, c.RuntimeParams}
}

func TestParseConfig(t *testing.T) {
	clearPGEnv(t)
	for _, tc := range []struct {
		name string
		in   string
		want configView
	}{
		{
			name: "url full",
			in:   "postgres://app:s3cret@db.internal:6543/appdb?sslmode=disable&application_name=web&connect_timeout=10&search_path=app",
			want: configView{Host: "db.internal", Port: 6543, Database: "appdb", User: "app", Password: "s3cret",
				ApplicationName: "web", SSLMode: "disable", ConnectTimeout: 10 * time.Second,
				RuntimeParams: map[string]string{"search_path": "app"}},
		},
		{
			name: "postgresql scheme, defaults",
			in:   "postgresql://bob@localhost",
			want: configView{Host: "localhost", Port: 5432, Database: "bob", User: "bob", SSLMode: "prefer", RuntimeParams: map[string]string{}},
		},
		{
			name: "percent-encoding, + is not a space",
			in:   "postgres://us%40er:p%3Aa%2Fs+s@h/my%20db",
			want: configView{Host: "h", Port: 5432, Database: "my db", User: "us@er", Password: "p:a/s+s", SSLMode: "prefer", RuntimeParams: map[string]string{}},
		},
		{
			name: "ipv6",
			in:   "postgres://u@[::1]:5433/d",
			want: configView{Host: "::1", Port: 5433, Database: "d", User: "u", SSLMode: "prefer", RuntimeParams: map[string]string{}},
		},
		{
			name: "unix socket percent-encoded host",
			in:   "postgres://u@%2Fvar%2Frun%2Fpostgresql/d",
			want: configView{Host: "/var/run/postgresql", Port: 5432, Database: "d", User: "u", SSLMode: "prefer", RuntimeParams: map[string]string{}},
		},
		{
			name: "unix socket host in query overrides",
			in:   "postgres://u@ignored:1/d?host=/tmp/sock&port=5555",
			want: configView{Host: "/tmp/sock", Port: 5555, Database: "d", User: "u", SSLMode: "prefer", RuntimeParams: map[string]string{}},
		},
		{
			name: "keyword/value with quoting",
			in:   `host=localhost  port = 5433 dbname='my db' user=u password='it\'s \\ ok' application_name=x options='-c geqo=off'`,
			want: configView{Host: "localhost", Port: 5433, Database: "my db", User: "u", Password: `it's \ ok`,
				ApplicationName: "x", SSLMode: "prefer", RuntimeParams: map[string]string{"options": "-c geqo=off"}},
		},
		{
			name: "keyword/value empty quoted value and escapes unquoted",
			in:   `host=/tmp user=u password='' dbname=a\ b`,
			want: configView{Host: "/tmp", Port: 5432, Database: "a b", User: "u", SSLMode: "prefer", RuntimeParams: map[string]string{}},
		},
		{
			name: "fallback_application_name only when unset",
			in:   "host=h user=u fallback_application_name=fb",
			want: configView{Host: "h", Port: 5432, Database: "u", User: "u", ApplicationName: "fb", SSLMode: "prefer", RuntimeParams: map[string]string{}},
		},
		{
			name: "connect_timeout 1 means 2, 0 means none",
			in:   "host=h user=u connect_timeout=1",
			want: configView{Host: "h", Port: 5432, Database: "u", User: "u", SSLMode: "prefer", ConnectTimeout: 2 * time.Second, RuntimeParams: map[string]string{}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, view(cfg)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseConfigEnvironment(t *testing.T) {
	clearPGEnv(t)
	t.Setenv("PGHOST", "envhost")
	t.Setenv("PGPORT", "7777")
	t.Setenv("PGUSER", "envuser")
	t.Setenv("PGPASSWORD", "envpw")
	t.Setenv("PGDATABASE", "envdb")
	t.Setenv("PGSSLMODE", "require")
	cfg, err := ParseConfig("dbname=strdb")
	if err != nil {
		t.Fatal(err)
	}
	want := configView{Host: "envhost", Port: 7777, Database: "strdb", User: "envuser", Password: "envpw", SSLMode: "require", RuntimeParams: map[string]string{}}
	if diff := cmp.Diff(want, view(cfg)); diff != "" {
		t.Errorf("string must override the environment, which overrides defaults (-want +got):\n%s", diff)
	}
}

func TestParseConfigErrors(t *testing.T) {
	clearPGEnv(t)
	const pw = "Sekr3tPassw0rd"
	for _, tc := range []struct {
		in      string
		wantMsg string
	}{
		{"postgres://u:" + pw + "@h:notaport/d", `invalid port "notaport"`},
		{"postgres://u:" + pw + "@h:0/d", `invalid port "0"`},
		{"postgres://u:" + pw + "@h1,h2/d", "several hosts"},
		{"postgres://u:" + pw + "@[::1/d", "missing ']'"},
		{"postgres://u:" + pw + "@h/d?sslmode=bogus", `invalid sslmode "bogus"`},
		{"postgres://u:" + pw + "@h/d?sslrootcert=system&sslmode=require", `weak sslmode "require" may not be used with sslrootcert=system`},
		{"postgres://u:" + pw + "@h/d?sslnegotiation=direct", `weak sslmode "prefer" may not be used with sslnegotiation=direct`},
		{"postgres://u:" + pw + "@h/d?sslnegotiation=tls", `invalid sslnegotiation "tls"`},
		{"postgres://u:" + pw + "@h/d?sslsni=yes", `invalid sslsni "yes"`},
		{"postgres://u:" + pw + "@h/d?ssl_min_protocol_version=SSLv3", `invalid ssl_min_protocol_version "SSLv3"`},
		{"postgres://u:" + pw + "@h/d?ssl_min_protocol_version=TLSv1.3&ssl_max_protocol_version=TLSv1.2", "invalid SSL protocol version range"},
		{"postgres://u:" + pw + "@h/d?sslcrl=x", `"sslcrl" is not supported`},
		{"postgres://u:" + pw + "@h/d?passfile=x", `"passfile" is not supported`},
		{"postgres://u:" + pw + "@h/d?bad", "missing '='"},
		{"postgres://u:%zz" + pw + "@h/d", "invalid percent-encoding in password"},
		{"host=h password=" + pw + " port", `missing "=" after "port"`},
		{"host=h password='" + pw, "unterminated quoted value"},
		{"host=h password=" + pw + " connect_timeout=soon", "invalid connect_timeout"},
		{"user=u password = '" + pw + "' =x", "empty keyword"},
	} {
		t.Run(tc.wantMsg, func(t *testing.T) {
			_, err := ParseConfig(tc.in)
			if err == nil {
				t.Fatalf("ParseConfig(%q) succeeded", tc.in)
			}
			var pce *ParseConfigError
			if !errors.As(err, &pce) {
				t.Fatalf("error %T is not a *ParseConfigError", err)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tc.wantMsg)
			}
			if strings.Contains(err.Error(), pw) {
				t.Errorf("error reveals the password: %q", err)
			}
		})
	}
}

func TestConfigStringRedactsPassword(t *testing.T) {
	clearPGEnv(t)
	cfg, err := ParseConfig("postgres://u:hunter2@h:5/d?search_path=x")
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.String()
	if strings.Contains(s, "hunter2") {
		t.Fatalf("String() reveals the password: %s", s)
	}
	back, err := ParseConfig(s)
	if err != nil {
		t.Fatalf("String() output does not parse: %v", err)
	}
	if back.Host != "h" || back.Port != 5 || back.User != "u" || back.RuntimeParams["search_path"] != "x" || back.Password != "xxxxx" {
		t.Errorf("String() round trip lost settings: %+v", view(back))
	}
	unix := &Config{Host: "/tmp/s", Port: 5432, User: "u", Database: "d"}
	if back, err := ParseConfig(unix.String()); err != nil || back.Host != "/tmp/s" {
		t.Errorf("unix socket String() %q round trip: %v %v", unix.String(), back, err)
	}
}

func TestRedactConnString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://u:pw@h/d", "postgres://u:xxxxx@h/d"},
		{"postgres://u:p@w@h/d?password=pw2&x=1", "postgres://u:xxxxx@h/d?password=xxxxx&x=1"},
		{"host=h password=pw user=u", "host=h password=xxxxx user=u"},
		{"host=h password = 'p w\\'x' user=u", "host=h password = xxxxx user=u"},
		{"host=h password='unterminated", "host=h password=xxxxx"},
		{"host=h mypassword=keep", "host=h mypassword=keep"},
	} {
		if got := redactConnString(tc.in); got != tc.want {
			t.Errorf("redactConnString(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCommandTag(t *testing.T) {
	for _, tc := range []struct {
		tag  string
		cmd  string
		rows int64
	}{
		{"INSERT 0 5", "INSERT", 5},
		{"UPDATE 3", "UPDATE", 3},
		{"SELECT 12", "SELECT", 12},
		{"CREATE TABLE", "CREATE TABLE", 0},
		{"COPY 1000000", "COPY", 1000000},
		{"", "", 0},
	} {
		ct := NewCommandTag(tc.tag)
		if ct.Command() != tc.cmd || ct.RowsAffected() != tc.rows {
			t.Errorf("%q: Command %q RowsAffected %d, want %q %d", tc.tag, ct.Command(), ct.RowsAffected(), tc.cmd, tc.rows)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"postgres://u:pw@h:5432/d?sslmode=disable",
		"postgresql://[::1]:1/x?a=b&c=%20",
		"host=h port=1 password='x\\'y' dbname = d",
		"postgres://%2Ftmp/d?host=/x",
		"user=u password='",
		"",
		"require_auth=!password,!md5 channel_binding=require",
		"require_auth=scram-sha-256,none",
		"sslmode=verify-full sslrootcert=system sslnegotiation=direct sslsni=0",
		"ssl_min_protocol_version=TLSv1.2&ssl_max_protocol_version=TLSv1.3&sslcert=/c&sslkey=/k&sslpassword=x",
	} {
		f.Add(s)
	}
	const pw = "Zq9SecretZq9"
	f.Fuzz(func(t *testing.T, s string) {
		// The password is placed where the grammar makes it a password.
		for _, in := range []string{"postgres://u:" + pw + "@" + s, "postgresql://u:" + pw + "@h/d?" + s, "password=" + pw + " " + s, "password='" + pw + "' " + s} {
			cfg, err := ParseConfig(in)
			if err != nil {
				if strings.Contains(err.Error(), pw) {
					t.Fatalf("error for %q reveals the password: %v", in, err)
				}
				continue
			}
			if strings.Contains(cfg.String(), pw) {
				t.Fatalf("String() for %q reveals the password", in)
			}
		}
	})
}

func TestParseConfigTLS(t *testing.T) {
	clearPGEnv(t)
	cfg, err := ParseConfig("host=db.example sslmode=verify-ca sslrootcert=/r.crt sslcert=/c.crt sslkey=/c.key " +
		"sslpassword=kp sslsni=0 sslnegotiation=direct ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=TLSv1.3")
	if err != nil {
		t.Fatal(err)
	}
	got := [...]any{cfg.SSLMode, cfg.SSLRootCert, cfg.SSLCert, cfg.SSLKey, cfg.SSLPassword, cfg.DisableSNI,
		cfg.SSLNegotiation, cfg.SSLMinProtocolVersion, cfg.SSLMaxProtocolVersion, len(cfg.RuntimeParams)}
	want := [...]any{"verify-ca", "/r.crt", "/c.crt", "/c.key", "kp", true, "direct", "TLSv1.3", "TLSv1.3", 0}
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
	if s := cfg.String(); strings.Contains(s, "kp") || !strings.Contains(s, "sslsni=0") || !strings.Contains(s, "sslrootcert=%2Fr.crt") {
		t.Errorf("String() = %q", s)
	}

	// sslrootcert=system makes verify-full the default, as in libpq.
	cfg, err = ParseConfig("host=db.example sslrootcert=system")
	if err != nil || cfg.SSLMode != SSLVerifyFull {
		t.Errorf("sslrootcert=system: sslmode %q, %v; want verify-full", cfg.SSLMode, err)
	}
	t.Setenv("PGSSLROOTCERT", "/env.crt")
	t.Setenv("PGSSLNEGOTIATION", "direct")
	cfg, err = ParseConfig("host=h sslmode=require")
	if err != nil || cfg.SSLRootCert != "/env.crt" || cfg.SSLNegotiation != "direct" {
		t.Errorf("from the environment: %v, %v", cfg, err)
	}
}
