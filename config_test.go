package pgmoon

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// pgEnvVars are the environment variables libpq (and so ParseConfig)
// reads.
func pgEnvVars() []string {
	vars := []string{"PGSERVICE", "PGSERVICEFILE", "PGSYSCONFDIR", "PGREQUIRESSL", "PGTZ", "PGGEQO", "PGDATESTYLE"}
	for _, k := range connKeywords {
		if k.env != "" {
			vars = append(vars, k.env)
		}
	}
	return vars
}

// clearPGEnv keeps the machine's environment and files out of parsing
// tests: every PG* variable is unset, HOME is an empty directory (no
// ~/.pgpass, no ~/.pg_service.conf) and PGSYSCONFDIR another (no system
// service file). It returns the home directory.
func clearPGEnv(t testing.TB) (home string) {
	t.Helper()
	for _, k := range pgEnvVars() {
		t.Setenv(k, "") // restores the old value at the end
		os.Unsetenv(k)
	}
	home = t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("PGSYSCONFDIR", t.TempDir())
	return home
}

// wantConfig is what ParseConfig makes of a string that sets nothing,
// with mod applied.
func wantConfig(home string, mod func(*Config)) *Config {
	user := osUserName()
	c := &Config{
		Host: defaultHost(5432), Port: 5432, User: user, Database: user,
		SSLMode: SSLPrefer, SSLNegotiation: SSLNegotiationPostgres,
		TargetSessionAttrs: TargetSessionAny, LoadBalanceHosts: LoadBalanceDisable,
		Passfile:      filepath.Join(home, ".pgpass"),
		RuntimeParams: map[string]string{},
	}
	if mod != nil {
		mod(c)
	}
	return c
}

func TestParseConfig(t *testing.T) {
	home := clearPGEnv(t)
	for _, tc := range []struct {
		name string
		in   string
		mod  func(*Config)
	}{
		{"empty", "", nil},
		{
			"url full",
			"postgres://app:s3cret@db.internal:6543/appdb?sslmode=disable&application_name=web&connect_timeout=10&options=-c%20search_path%3Dapp",
			func(c *Config) {
				c.Host, c.Port, c.Database, c.User, c.Password = "db.internal", 6543, "appdb", "app", "s3cret"
				c.ApplicationName, c.SSLMode, c.ConnectTimeout = "web", "disable", 10*time.Second
				c.RuntimeParams = map[string]string{"options": "-c search_path=app"}
			},
		},
		{
			"postgresql scheme, user only",
			"postgresql://bob@localhost",
			func(c *Config) { c.Host, c.User, c.Database = "localhost", "bob", "bob" },
		},
		{
			"percent-encoding, + is not a space",
			"postgres://us%40er:p%3Aa%2Fs+s@h/my%20db",
			func(c *Config) { c.Host, c.User, c.Password, c.Database = "h", "us@er", "p:a/s+s", "my db" },
		},
		{
			"ipv6",
			"postgres://u@[::1]:5433/d",
			func(c *Config) { c.Host, c.Port, c.User, c.Database = "::1", 5433, "u", "d" },
		},
		{
			"unix socket percent-encoded host",
			"postgres://u@%2Fvar%2Frun%2Fpostgresql/d",
			func(c *Config) { c.Host, c.User, c.Database = "/var/run/postgresql", "u", "d" },
		},
		{
			"query overrides the URL's parts",
			"postgres://u@ignored:1/d?host=/tmp/sock&port=5555&user=v&dbname=e",
			func(c *Config) { c.Host, c.Port, c.User, c.Database = "/tmp/sock", 5555, "v", "e" },
		},
		{
			"keyword/value with quoting",
			`host=localhost  port = 5433 dbname='my db' user=u password='it\'s \\ ok' application_name=x options='-c geqo=off'`,
			func(c *Config) {
				c.Host, c.Port, c.Database, c.User, c.Password, c.ApplicationName = "localhost", 5433, "my db", "u", `it's \ ok`, "x"
				c.RuntimeParams = map[string]string{"options": "-c geqo=off"}
			},
		},
		{
			"empty quoted value and escapes unquoted",
			`host=/tmp user=u password='' dbname=a\ b`,
			func(c *Config) { c.Host, c.User, c.Database = "/tmp", "u", "a b" },
		},
		{
			"repeated keyword: the last wins",
			"host=a host=b port=1 port=2",
			func(c *Config) { c.Host, c.Port = "b", 2 },
		},
		{
			"fallback_application_name only when application_name is unset or empty",
			"host=h user=u application_name='' fallback_application_name=fb",
			func(c *Config) { c.Host, c.User, c.Database, c.ApplicationName = "h", "u", "u", "fb" },
		},
		{
			"connect_timeout 1 means 2, blanks allowed",
			"host=h connect_timeout=' 1 '",
			func(c *Config) { c.Host, c.ConnectTimeout = "h", 2*time.Second },
		},
		{
			"connect_timeout 0 and negative mean none",
			"host=h connect_timeout=-5",
			func(c *Config) { c.Host = "h" },
		},
		{
			"multiple hosts, one port each",
			"host=a,b,/tmp port=5432,5433,5434",
			func(c *Config) {
				c.Host = "a"
				c.Fallbacks = []*FallbackConfig{{Host: "b", Port: 5433}, {Host: "/tmp", Port: 5434}}
			},
		},
		{
			"multiple hosts, one port for all, empty entries take defaults",
			"host=a,,c port=7",
			func(c *Config) {
				c.Host, c.Port = "a", 7
				c.Fallbacks = []*FallbackConfig{{Host: defaultHost(7), Port: 7}, {Host: "c", Port: 7}}
			},
		},
		{
			"URL with hosts and ports, an empty port",
			"postgres://a:1,[::1],b:3/d",
			func(c *Config) {
				c.Host, c.Port, c.Database = "a", 1, "d"
				c.Fallbacks = []*FallbackConfig{{Host: "::1", Port: 5432}, {Host: "b", Port: 3}}
			},
		},
		{
			"hostaddr list, a host name may be empty",
			"hostaddr=10.0.0.1,,fe80::1%eth0 host=,b,c",
			func(c *Config) {
				c.Host, c.HostAddr = "", "10.0.0.1"
				c.Fallbacks = []*FallbackConfig{{Host: "b", Port: 5432}, {Host: "c", HostAddr: "fe80::1%eth0", Port: 5432}}
			},
		},
		{
			"target_session_attrs, load_balance_hosts, passfile",
			"host=a,b target_session_attrs=prefer-standby load_balance_hosts=random passfile=/etc/pgpass",
			func(c *Config) {
				c.Host, c.Fallbacks = "a", []*FallbackConfig{{Host: "b", Port: 5432}}
				c.TargetSessionAttrs, c.LoadBalanceHosts, c.Passfile = "prefer-standby", "random", "/etc/pgpass"
			},
		},
		{
			"keepalives",
			"host=h keepalives=0 keepalives_idle=30 keepalives_interval=' 5' keepalives_count=3 tcp_user_timeout=1500",
			func(c *Config) {
				c.Host, c.DisableKeepAlives = "h", true
				c.KeepAlivesIdle, c.KeepAlivesInterval, c.KeepAlivesCount, c.TCPUserTimeout = 30*time.Second, 5*time.Second, 3, 1500*time.Millisecond
			},
		},
		{
			"keepalives: an empty value is 0 (off), negative durations are 0",
			"host=h keepalives='' keepalives_idle=-3",
			func(c *Config) { c.Host, c.DisableKeepAlives = "h", true },
		},
		{
			"pool",
			"host=h pool_max_conns=10 pool_min_conns=2 pool_max_conn_lifetime=1h pool_max_conn_lifetime_jitter=5m pool_max_conn_idle_time=10m pool_health_check_period=30s",
			func(c *Config) {
				c.Host = "h"
				c.Pool = PoolConfig{MaxConns: 10, MinConns: 2, MaxConnLifetime: time.Hour, MaxConnLifetimeJitter: 5 * time.Minute,
					MaxConnIdleTime: 10 * time.Minute, HealthCheckPeriod: 30 * time.Second}
			},
		},
		{
			"runtime parameters: options, client_encoding, replication",
			`host=h options='-c search_path=app\,public -c statement_timeout=5s' client_encoding=LATIN1 replication=database`,
			func(c *Config) {
				c.Host = "h"
				c.RuntimeParams = map[string]string{"options": "-c search_path=app,public -c statement_timeout=5s", "client_encoding": "LATIN1", "replication": "database"}
			},
		},
		{
			"client_encoding auto is UTF8; empty values send nothing",
			"host=h client_encoding=auto options='' replication=''",
			func(c *Config) { c.Host, c.RuntimeParams = "h", map[string]string{"client_encoding": "UTF8"} },
		},
		{
			"requiressl=1 is sslmode=require; other values prefer",
			"host=h requiressl=1",
			func(c *Config) { c.Host, c.SSLMode = "h", SSLRequire },
		},
		{
			"ssl=true in a URL is sslmode=require",
			"postgres://h/d?ssl=true",
			func(c *Config) { c.Host, c.Database, c.SSLMode = "h", "d", SSLRequire },
		},
		{
			"sslsni: only a value starting with 1 sends SNI, as in libpq",
			"host=h sslsni=yes",
			func(c *Config) { c.Host, c.DisableSNI = "h", true },
		},
		{
			"TLS versions are matched without case",
			"host=h ssl_min_protocol_version=tlsv1.3 ssl_max_protocol_version=",
			func(c *Config) { c.Host, c.SSLMinProtocolVersion = "h", "TLSv1.3" },
		},
		{
			"settings libpq has and pgmoon accepts and ignores",
			"host=h gssencmode=prefer krbsrvname=x gsslib=gssapi gssdelegation=1 sslcompression=1 sslcertmode=allow sslcrl='' requirepeer='' min_protocol_version=3.0 max_protocol_version=latest",
			func(c *Config) { c.Host = "h" },
		},
		{
			"abstract unix socket",
			"host=@pg port=5",
			func(c *Config) { c.Host, c.Port = "@pg", 5 },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantConfig(home, tc.mod), cfg); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseConfigDriverKeywords(t *testing.T) {
	clearPGEnv(t)
	cfg, err := ParseConfig("host=h default_query_exec_mode=simple_protocol statement_cache_capacity=0 description_cache_capacity=7")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DefaultExecMode != ExecModeSimpleProtocol || cfg.StatementCacheCapacity != -1 || cfg.DescriptionCacheCapacity != 7 {
		t.Errorf("mode %v, statement cache %d, description cache %d", cfg.DefaultExecMode, cfg.StatementCacheCapacity, cfg.DescriptionCacheCapacity)
	}
}

// TestParseConfigPrecedence checks libpq's order: the string, then the
// service, then the environment, then defaults; a keyword the string
// sets to the empty value is set (the environment does not fill it).
func TestParseConfigPrecedence(t *testing.T) {
	home := clearPGEnv(t)
	svc := filepath.Join(t.TempDir(), "services")
	writeFile(t, svc, 0o600, "[s]\nhost=/svc\nport=7000\nuser=svcuser\napplication_name=svcapp\n")
	t.Setenv("PGSERVICEFILE", svc)
	t.Setenv("PGHOST", "envhost")
	t.Setenv("PGPORT", "7777")
	t.Setenv("PGUSER", "envuser")
	t.Setenv("PGPASSWORD", "envpw")
	t.Setenv("PGDATABASE", "envdb")
	t.Setenv("PGAPPNAME", "envapp")
	t.Setenv("PGSSLMODE", "require")

	cfg, err := ParseConfig("service=s dbname=strdb application_name=")
	if err != nil {
		t.Fatal(err)
	}
	want := wantConfig(home, func(c *Config) {
		c.Host, c.Port = "/svc", 7000 // service over environment
		c.User, c.Database = "svcuser", "strdb"
		c.Password = "envpw"   // environment where the string and service say nothing
		c.SSLMode = SSLRequire // from the environment
		c.ApplicationName = "" // set empty by the string: neither the service nor PGAPPNAME fill it
	})
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// PGREQUIRESSL only when sslmode is set nowhere; PGSSLMODE wins.
	t.Setenv("PGREQUIRESSL", "1")
	if cfg, err := ParseConfig(""); err != nil || cfg.SSLMode != SSLRequire {
		t.Errorf("PGREQUIRESSL with PGSSLMODE=require: %v %v", cfg, err)
	}
	os.Unsetenv("PGSSLMODE")
	if cfg, err := ParseConfig(""); err != nil || cfg.SSLMode != SSLRequire {
		t.Errorf("PGREQUIRESSL=1 alone: %v %v", cfg, err)
	}
	if cfg, err := ParseConfig("sslmode=allow"); err != nil || cfg.SSLMode != SSLAllow {
		t.Errorf("PGREQUIRESSL=1 and sslmode=allow: %v %v", cfg, err)
	}
	t.Setenv("PGREQUIRESSL", "0")
	if cfg, err := ParseConfig("sslrootcert=system"); err != nil || cfg.SSLMode != SSLVerifyFull {
		t.Errorf("sslrootcert=system defaults to verify-full: %v %v", cfg, err)
	}

	// A variable set to the empty string is set, as in libpq.
	t.Setenv("PGSSLMODE", "")
	if _, err := ParseConfig(""); err == nil || !strings.Contains(err.Error(), `invalid sslmode value: ""`) ||
		!strings.Contains(err.Error(), "(from PGSSLMODE)") {
		t.Errorf("PGSSLMODE empty: %v", err)
	}
	os.Unsetenv("PGSSLMODE")

	// PGTZ and PGGEQO are startup parameters unless "default".
	t.Setenv("PGTZ", "Europe/Paris")
	t.Setenv("PGGEQO", "DEFAULT")
	cfg, err = ParseConfig("host=h")
	if err != nil || cfg.RuntimeParams["timezone"] != "Europe/Paris" || len(cfg.RuntimeParams) != 1 {
		t.Errorf("PGTZ/PGGEQO: %v %v", cfg.RuntimeParams, err)
	}
}

func TestParseConfigEnvironmentVariables(t *testing.T) {
	home := clearPGEnv(t)
	for env, value := range map[string]string{
		"PGHOSTADDR": "10.1.1.1", "PGCLIENTENCODING": "SQL_ASCII", "PGOPTIONS": "-c x.y=1",
		"PGCONNECT_TIMEOUT": "3", "PGTARGETSESSIONATTRS": "read-only", "PGLOADBALANCEHOSTS": "random",
		"PGSSLCERT": "/c", "PGSSLKEY": "/k", "PGSSLROOTCERT": "/r", "PGSSLSNI": "0", "PGSSLNEGOTIATION": "direct",
		"PGSSLMODE": "verify-ca", "PGSSLMINPROTOCOLVERSION": "TLSv1.3", "PGCHANNELBINDING": "require",
		"PGREQUIREAUTH": "scram-sha-256", "PGPASSFILE": "/p", "PGGSSENCMODE": "disable",
	} {
		t.Setenv(env, value)
	}
	cfg, err := ParseConfig("")
	if err != nil {
		t.Fatal(err)
	}
	want := wantConfig(home, func(c *Config) {
		c.Host, c.HostAddr = "", "10.1.1.1"
		c.RuntimeParams = map[string]string{"client_encoding": "SQL_ASCII", "options": "-c x.y=1"}
		c.ConnectTimeout, c.TargetSessionAttrs, c.LoadBalanceHosts = 3*time.Second, "read-only", "random"
		c.SSLCert, c.SSLKey, c.SSLRootCert, c.DisableSNI, c.SSLNegotiation = "/c", "/k", "/r", true, "direct"
		c.SSLMode, c.SSLMinProtocolVersion, c.ChannelBinding, c.RequireAuth, c.Passfile = "verify-ca", "TLSv1.3", "require", "scram-sha-256", "/p"
	})
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func writeFile(t testing.TB, path string, mode os.FileMode, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // not subject to the umask
		t.Fatal(err)
	}
}

func TestParseConfigErrors(t *testing.T) {
	clearPGEnv(t)
	const pw = "Sekr3tPassw0rd"
	for _, tc := range []struct {
		in      string
		wantMsg string
	}{
		{"postgres://u:" + pw + "@h:notaport/d", `invalid integer value "notaport" for connection option "port"`},
		{"postgres://u:" + pw + "@h:0/d", `invalid port number: "0"`},
		{"postgres://u:" + pw + "@h:65536/d", `invalid port number: "65536"`},
		{"postgres://u:" + pw + "@[::1/d", `matching "]"`},
		{"postgres://u:" + pw + "@[]/d", "IPv6 host address may not be empty"},
		{"postgres://u:" + pw + "@[::1]x/d", `unexpected character 'x'`},
		{"postgres://u:" + pw + "@h/d?sslmode=bogus", `invalid sslmode value: "bogus"`},
		{"postgres://u:" + pw + "@h/d?sslmode=", `invalid sslmode value: ""`},
		{"postgres://u:" + pw + "@h/d?sslrootcert=system&sslmode=require", `weak sslmode "require" may not be used with sslrootcert=system`},
		{"postgres://u:" + pw + "@h/d?sslnegotiation=direct", `weak sslmode "prefer" may not be used with sslnegotiation=direct`},
		{"postgres://u:" + pw + "@h/d?sslnegotiation=tls", `invalid sslnegotiation value: "tls"`},
		{"postgres://u:" + pw + "@h/d?ssl_min_protocol_version=SSLv3", `invalid ssl_min_protocol_version value: "SSLv3"`},
		{"postgres://u:" + pw + "@h/d?ssl_min_protocol_version=TLSv1.3&ssl_max_protocol_version=TLSv1.2", "invalid SSL protocol version range"},
		{"postgres://u:" + pw + "@h/d?channel_binding=", `invalid channel_binding value: ""`},
		{"postgres://u:" + pw + "@h/d?target_session_attrs=master", `invalid target_session_attrs value: "master"`},
		{"postgres://u:" + pw + "@h/d?load_balance_hosts=", `invalid load_balance_hosts value: ""`},
		{"postgres://u:" + pw + "@h/d?gssencmode=require", `gssencmode value "require" invalid when GSSAPI support is not compiled in`},
		{"postgres://u:" + pw + "@h/d?gssencmode=always", `invalid gssencmode value: "always"`},
		{"postgres://u:" + pw + "@h/d?sslcrl=x", `connection option "sslcrl" is not supported`},
		{"postgres://u:" + pw + "@h/d?sslcrldir=x", `connection option "sslcrldir" is not supported`},
		{"postgres://u:" + pw + "@h/d?requirepeer=postgres", `connection option "requirepeer" is not supported`},
		{"postgres://u:" + pw + "@h/d?sslcertmode=require", `connection option "sslcertmode" is not supported`},
		{"postgres://u:" + pw + "@h/d?sslcertmode=maybe", `invalid sslcertmode value: "maybe"`},
		{"postgres://u:" + pw + "@h/d?min_protocol_version=3.2", `connection option "min_protocol_version" is not supported`},
		{"postgres://u:" + pw + "@h/d?oauth_issuer=x", `connection option "oauth_issuer" is not supported`},
		{"postgres://u:" + pw + "@h/d?search_path=app", `invalid URI query parameter: "search_path"`},
		{"postgres://u:" + pw + "@h/d?ssl=false", `invalid URI query parameter: "ssl"`},
		{"postgres://u:" + pw + "@h/d?bad", `missing key/value separator "=" in URI query parameter: "bad"`},
		{"postgres://u:" + pw + "@h/d?a=b=c", `extra key/value separator "=" in URI query parameter: "a"`},
		{"postgres://u:" + pw + "@h/d?host=a&&port=1", `missing key/value separator "=" in URI query parameter: ""`},
		{"postgres://u:%zz" + pw + "@h/d", "invalid percent-encoded token in password"},
		{"postgres://u:" + pw + "@h/d%00", "forbidden value %00 in percent-encoded value in dbname"},
		{"postgres://u:" + pw + "@h/d?password=" + pw + "%0", "invalid percent-encoded token in password"},
		{"host=h password=" + pw + " port", `missing "=" after "port"`},
		{"host=h password='" + pw, "unterminated quoted string"},
		{"host=h password=" + pw + " connect_timeout=soon", `invalid integer value "soon" for connection option "connect_timeout"`},
		{"host=h password=" + pw + " connect_timeout=", `invalid integer value "" for connection option "connect_timeout"`},
		{"host=h password=" + pw + " keepalives=on", "keepalives parameter must be an integer"},
		{"host=h password=" + pw + " keepalives_idle=1s", `invalid integer value "1s" for connection option "keepalives_idle"`},
		{"user=u password = '" + pw + "' =x", `invalid connection option ""`},
		{"host=h password=" + pw + " search_path=app", `invalid connection option "search_path"`},
		{"host=h password=" + pw + " Host=x", `invalid connection option "Host"`},
		{"host=a,b hostaddr=1.1.1.1 password=" + pw, "could not match 2 host names to 1 hostaddr values"},
		{"host=a,b port=1,2,3 password=" + pw, "could not match 3 port numbers to 2 hosts"},
		{"hostaddr=db.internal password=" + pw, `could not parse network address "db.internal"`},
		{"host=/tmp hostaddr=10.0.0.1 password=" + pw, `hostaddr "10.0.0.1" given for the unix-domain socket directory "/tmp"`},
		{"host=h password=" + pw + " pool_max_conns=0", `invalid pool_max_conns value: "0"`},
		{"host=h password=" + pw + " pool_min_conns=5 pool_max_conns=2", "pool_min_conns 5 is above pool_max_conns 2"},
		{"host=h password=" + pw + " pool_max_conn_lifetime=1", `invalid pool_max_conn_lifetime value: "1"`},
		{"host=h password=" + pw + " default_query_exec_mode=fast", `invalid default_query_exec_mode "fast"`},
		{"host=h password=" + pw + " statement_cache_capacity=-1", `invalid statement_cache_capacity value: "-1"`},
		{"host=h password=" + pw + " require_auth=password,!md5", `negative require_auth method "md5" cannot be mixed`},
		{"host=h password=" + pw + " service=nosuch", `definition of service "nosuch" not found`},
		{"host=h password=" + pw + " servicefile=/nonexistent service=s", `service file "/nonexistent" not found`},
		{"host=h\x00 password=" + pw, "NUL byte"},
		// The password given again as another setting's value is hidden.
		{"password=" + pw + " sslmode=" + pw, `invalid sslmode value: "xxxxx"`},
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

// TestParseConfigErrorsHideFileSecrets: passwords that come from a
// service file, the environment or a password file never show in errors,
// even when another setting repeats them.
func TestParseConfigErrorsHideFileSecrets(t *testing.T) {
	home := clearPGEnv(t)
	const pw = "file-Secr3t-pw"
	writeFile(t, filepath.Join(home, ".pg_service.conf"), 0o600,
		"[repeat]\npassword="+pw+"\nsslmode="+pw+"\n[port]\npassword="+pw+"\nport=notaport\n[sslpw]\nsslpassword="+pw+"\nchannel_binding="+pw+"\n")
	for _, tc := range []struct{ in, env, want string }{
		{in: "service=repeat", want: `invalid sslmode value: "xxxxx"`},
		{in: "service=port", want: `invalid integer value "notaport"`},
		{in: "service=sslpw", want: `invalid channel_binding value: "xxxxx"`},
		{in: "host=h", env: pw, want: `invalid target_session_attrs value: "xxxxx"`},
	} {
		if tc.env != "" {
			t.Setenv("PGPASSWORD", pw)
			t.Setenv("PGTARGETSESSIONATTRS", pw)
		}
		_, err := ParseConfig(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), pw) {
			t.Errorf("%q: %v; want an error with %q and without the password", tc.in, err, tc.want)
		}
	}

	passfile := filepath.Join(t.TempDir(), "pgpass")
	writeFile(t, passfile, 0o644, "*:*:*:*:"+pw+"\n")
	cfg := &Config{Passfile: passfile, User: "u", Database: "d"}
	if _, ok, why := cfg.passfileLookup("h", 1); ok || why == nil || strings.Contains(why.Error(), pw) {
		t.Errorf("insecure password file: %v, %v", ok, why)
	}
}

func TestParseConfigWithOptions(t *testing.T) {
	home := clearPGEnv(t)
	writeFile(t, filepath.Join(home, ".pg_service.conf"), 0o600, "[s]\nhost=/svc\n")
	t.Setenv("PGPASSWORD", "env-Secr3t")
	t.Setenv("PGHOST", "envhost")
	t.Setenv("PGSERVICE", "s")

	allowed := ParseConfigOptions{AllowedKeywords: []string{"dbname", "user", "password", "application_name"}}
	for _, tc := range []struct{ in, refused string }{
		{"postgres://evil.example/app", "host"},
		{"postgres://u@:1/app", "port"},
		{"dbname=app hostaddr=10.0.0.1", "hostaddr"},
		{"dbname=app passfile=/etc/shadow", "passfile"},
		{"dbname=app service=prod", "service"},
		{"dbname=app sslmode=disable", "sslmode"},
		{"dbname=app requiressl=0", "sslmode"},
		{"postgres:///app?ssl=true", "sslmode"},
		{"dbname=app options='-c search_path=evil'", "options"},
		{"dbname=app sslkey=/home/app/.ssh/id_ed25519", "sslkey"},
	} {
		_, err := ParseConfigWithOptions(tc.in, allowed)
		if err == nil || !strings.Contains(err.Error(), `connection option "`+tc.refused+`" is not allowed here`) {
			t.Errorf("%q: %v", tc.in, err)
		}
	}
	// Unknown keywords are refused as unknown, whatever the list.
	if _, err := ParseConfigWithOptions("dbname=app bogus=1", allowed); err == nil || !strings.Contains(err.Error(), `invalid connection option "bogus"`) {
		t.Errorf("unknown keyword: %v", err)
	}

	// Allowed keywords, with the environment and the files read.
	cfg, err := ParseConfigWithOptions("postgres://u@/app?application_name=x", allowed)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "/svc" || cfg.Password != "env-Secr3t" {
		t.Errorf("environment and service not applied: %s", cfg)
	}

	// Neither environment nor files.
	strict := allowed
	strict.IgnoreEnvironment, strict.IgnoreFiles = true, true
	cfg, err = ParseConfigWithOptions("postgres://u:pw@/app", strict)
	if err != nil {
		t.Fatal(err)
	}
	want := wantConfig(home, func(c *Config) { c.User, c.Password, c.Database, c.Passfile = "u", "pw", "app", "" })
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// Files only: the environment is read, but not PGSERVICE or the
	// password file.
	files := ParseConfigOptions{IgnoreFiles: true}
	cfg, err = ParseConfigWithOptions("dbname=app", files)
	if err != nil || cfg.Host != "envhost" || cfg.Passfile != "" {
		t.Errorf("IgnoreFiles: %v, %v", cfg, err)
	}
	for _, k := range []string{"service=s", "servicefile=/x", "passfile=/x"} {
		if _, err := ParseConfigWithOptions(k, files); err == nil || !strings.Contains(err.Error(), "files may not be read here") {
			t.Errorf("%s with IgnoreFiles: %v", k, err)
		}
	}
	// The environment only: PGSERVICE is not read, the home file is.
	cfg, err = ParseConfigWithOptions("service=s", ParseConfigOptions{IgnoreEnvironment: true})
	if err != nil || cfg.Host != "/svc" || cfg.Password != "" {
		t.Errorf("IgnoreEnvironment: %v, %v", cfg, err)
	}
	if cfg, err := ParseConfigWithOptions("", ParseConfigOptions{IgnoreEnvironment: true}); err != nil || cfg.Host != defaultHost(5432) {
		t.Errorf("IgnoreEnvironment without service: %v, %v", cfg, err)
	}
	// An empty, non-nil list allows only the empty string.
	if _, err := ParseConfigWithOptions("dbname=x", ParseConfigOptions{AllowedKeywords: []string{}}); err == nil {
		t.Error("empty allow-list accepted dbname")
	}
}

func TestConfigStringRoundTrip(t *testing.T) {
	home := clearPGEnv(t)
	for _, in := range []string{
		"postgres://u:hunter2@h:5/d?options=-c%20search_path%3Dx",
		"host=a,/tmp/s,::1,,c port=1,2,3,4,5 hostaddr=10.0.0.1,,,,fe80::1%eth0 user='a:b@c' dbname='x/y?z' password=hunter2",
		"hostaddr=10.0.0.1 port=6 target_session_attrs=read-write load_balance_hosts=random passfile=/p",
		"host=h keepalives=0 keepalives_idle=30 keepalives_interval=5 keepalives_count=3 tcp_user_timeout=1500 connect_timeout=7",
		"host=h pool_max_conns=10 pool_min_conns=2 pool_max_conn_lifetime=1h pool_max_conn_lifetime_jitter=5m pool_max_conn_idle_time=10m pool_health_check_period=30s",
		"host=h sslmode=verify-full sslrootcert=/r sslcert=/c sslkey=/k sslpassword=kp-Secr3t sslsni=0 sslnegotiation=direct ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=TLSv1.3 channel_binding=require require_auth=scram-sha-256",
		"host=h application_name='a b' client_encoding=LATIN1 replication=database default_query_exec_mode=exec statement_cache_capacity=0 description_cache_capacity=9",
		"host=@abstract",
	} {
		cfg, err := ParseConfig(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		s := cfg.String()
		if strings.Contains(s, "hunter2") || strings.Contains(s, "Secr3t") {
			t.Errorf("String() reveals a secret: %s", s)
		}
		back, err := ParseConfig(s)
		if err != nil {
			t.Fatalf("String() %q does not parse: %v", s, err)
		}
		if cfg.Password != "" {
			cfg.Password = redacted
		}
		cfg.SSLPassword = ""
		if diff := cmp.Diff(cfg, back); diff != "" {
			t.Errorf("%q\n-> %s\n(-parsed +round trip):\n%s", in, s, diff)
		}
	}

	// Runtime parameters set in code travel in options.
	cfg := wantConfig(home, func(c *Config) {
		c.Host = "h"
		c.RuntimeParams = map[string]string{"options": "-c geqo=off", "search_path": `a b\c`, "DateStyle": "ISO"}
	})
	back, err := ParseConfig(cfg.String())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := back.RuntimeParams["options"], `-c geqo=off -c DateStyle=ISO -c search_path=a\ b\\c`; got != want {
		t.Errorf("options %q, want %q", got, want)
	}
}

func TestConfigStringRedacts(t *testing.T) {
	clearPGEnv(t)
	cfg, err := ParseConfig("postgres://u:hunter2@h:5/d?sslpassword=kp")
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.String(); strings.Contains(s, "hunter2") || strings.Contains(s, "kp") || !strings.HasPrefix(s, "postgres://u:xxxxx@h:5/d?") {
		t.Errorf("String() = %s", s)
	}
}

func TestParseIntParam(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"5", 5, true}, {" 5 ", 5, true}, {"\t+7\n", 7, true}, {"-3", -3, true}, {"2147483647", 2147483647, true},
		{"2147483648", 0, false}, {"", 0, false}, {" ", 0, false}, {"5s", 0, false}, {"0x10", 0, false}, {"- 1", 0, false},
	} {
		if got, ok := parseIntParam(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("parseIntParam(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		in   string
		want int32
		ok   bool
	}{
		{"", 0, true}, {"1", 1, true}, {" 0", 0, true}, {"-1", -1, true}, {"4294967296", 0, true}, {"99999999999999999999", -1, true},
		{"1 ", 0, false}, {" ", 0, false}, {"on", 0, false},
	} {
		if got, ok := parseStrtol(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("parseStrtol(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
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
		"host=a,b,c hostaddr=1.1.1.1,,2.2.2.2 port=1,2,3 target_session_attrs=standby",
		"keepalives=0 keepalives_idle=1 pool_max_conns=3 options='-c x=y'",
	} {
		f.Add(s)
	}
	clearPGEnv(f)
	const pw = "Zq9SecretZq9"
	f.Fuzz(func(t *testing.T, s string) {
		// The password is placed where the grammar makes it a password.
		for _, in := range []string{
			"postgres://u:" + pw + "@" + s, "postgresql://u:" + pw + "@h/d?" + s, "password=" + pw + " " + s,
			"password='" + pw + "' " + s, "sslpassword=" + pw + " " + s, "postgres://h/d?sslpassword=" + pw + "&" + s,
		} {
			cfg, err := ParseConfig(in)
			if err != nil {
				if strings.Contains(err.Error(), pw) {
					t.Fatalf("error for %q reveals the password: %v", in, err)
				}
				continue
			}
			s := cfg.String()
			if strings.Contains(s, pw) {
				t.Fatalf("String() for %q reveals the password", in)
			}
			// String() reads back to the same Config, the secrets aside.
			back, err := ParseConfig(s)
			if err != nil {
				t.Fatalf("%q: String() %q does not parse: %v", in, s, err)
			}
			if cfg.Password != "" {
				cfg.Password = redacted
			}
			cfg.SSLPassword = ""
			if diff := cmp.Diff(cfg, back); diff != "" {
				t.Fatalf("%q: String() %q reads back differently (-parsed +read back):\n%s", in, s, diff)
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

// TestVerifyFullNeedsHostName: a host given by hostaddr alone has no name
// to check the certificate against, so verify-full refuses it rather than
// skip the check.
func TestVerifyFullNeedsHostName(t *testing.T) {
	clearPGEnv(t)
	cfg, err := ParseConfig("hostaddr=127.0.0.1 sslmode=verify-full sslrootcert=system")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := buildTLSConfig(cfg); err == nil || !strings.Contains(err.Error(), "host name must be specified") {
		t.Errorf("buildTLSConfig: %v", err)
	}
	cfg.Host = "db.example"
	if _, err := buildTLSConfig(cfg); err != nil {
		t.Errorf("with a host name: %v", err)
	}
}

func TestConfigNetwork(t *testing.T) {
	for _, tc := range []struct {
		cfg           Config
		network, addr string
	}{
		{Config{Host: "h", Port: 5}, "tcp", "h:5"},
		{Config{Host: "::1", Port: 5}, "tcp", "[::1]:5"},
		{Config{Host: "h", HostAddr: "10.0.0.1", Port: 5}, "tcp", "10.0.0.1:5"},
		{Config{HostAddr: "fe80::1%eth0", Port: 5}, "tcp", "[fe80::1%eth0]:5"},
		{Config{Host: "/tmp", Port: 5}, "unix", "/tmp/.s.PGSQL.5"},
		{Config{Host: "@pg", Port: 5}, "unix", "@pg/.s.PGSQL.5"},
	} {
		if n, a := tc.cfg.network(); n != tc.network || a != tc.addr {
			t.Errorf("%+v: %s %s, want %s %s", tc.cfg, n, a, tc.network, tc.addr)
		}
	}
}

func TestApplyDefaultsFallbacks(t *testing.T) {
	c := &Config{User: "u", HostAddr: "10.0.0.1", Fallbacks: []*FallbackConfig{{}, {HostAddr: "10.0.0.2"}}}
	c.applyDefaults()
	if c.Host != "" || c.Port != 5432 || c.TargetSessionAttrs != "any" || c.LoadBalanceHosts != "disable" {
		t.Errorf("first host: %+v", c)
	}
	if f := c.Fallbacks[0]; f.Host != defaultHost(5432) || f.Port != 5432 {
		t.Errorf("empty fallback: %+v", f)
	}
	if f := c.Fallbacks[1]; f.Host != "" || f.Port != 5432 {
		t.Errorf("hostaddr fallback: %+v", f)
	}
}
