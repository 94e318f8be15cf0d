package pgmoon

import (
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ParseConfig parses a connection string, in URL form
// (postgres://user:password@host:port/dbname?keyword=value, or
// postgresql://) or keyword/value form (host=localhost port=5432
// dbname=app), and completes it as libpq does: what the string leaves
// unset comes from the service it names (service=, or PGSERVICE), then
// from the environment (PGHOST, PGPORT and the other PG* variables of
// libpq), then from defaults; the password file is recorded in
// Config.Passfile for Connect to consult.
//
// The string's grammar (quoting, escapes, percent-decoding, several
// hosts), its keywords, their environment variables and their precedence
// are libpq's
// (https://www.postgresql.org/docs/current/libpq-connect.html). A keyword
// that is not a connection keyword is an error naming it, as in libpq:
// server settings are passed with options ('-c search_path=app') or
// Config.RuntimeParams. A keyword set to the empty string is set: it
// means the default for most keywords, and is invalid for enumerations
// such as sslmode; so is an environment variable set to "".
//
// Keywords, their environment variables, and what they set:
//
//	host                      PGHOST                   Host, then Fallbacks: a comma-separated list
//	hostaddr                  PGHOSTADDR               HostAddr, per host: a numeric IP address
//	port                      PGPORT                   Port, per host: one for all, or one per host
//	dbname                    PGDATABASE               Database
//	user                      PGUSER                   User
//	password                  PGPASSWORD               Password
//	passfile                  PGPASSFILE               Passfile (default ~/.pgpass)
//	service                   PGSERVICE                the settings of a service in a service file
//	servicefile               PGSERVICEFILE            the user's service file (default ~/.pg_service.conf; a keyword of libpq 19)
//	options                   PGOPTIONS                RuntimeParams["options"]
//	application_name          PGAPPNAME                ApplicationName
//	fallback_application_name                          ApplicationName, when application_name is unset or empty
//	client_encoding           PGCLIENTENCODING         RuntimeParams["client_encoding"]; "auto" is UTF8
//	connect_timeout           PGCONNECT_TIMEOUT        ConnectTimeout, seconds (1 means 2; 0 or less: none)
//	keepalives                                         DisableKeepAlives when 0
//	keepalives_idle                                    KeepAlivesIdle, seconds
//	keepalives_interval                                KeepAlivesInterval, seconds
//	keepalives_count                                   KeepAlivesCount
//	tcp_user_timeout                                   TCPUserTimeout, milliseconds
//	target_session_attrs      PGTARGETSESSIONATTRS     TargetSessionAttrs
//	load_balance_hosts        PGLOADBALANCEHOSTS       LoadBalanceHosts
//	replication                                        RuntimeParams["replication"], passed on as libpq does
//	sslmode                   PGSSLMODE                SSLMode; also requiressl, PGREQUIRESSL, and ssl=true in a URL
//	sslnegotiation            PGSSLNEGOTIATION         SSLNegotiation
//	sslrootcert               PGSSLROOTCERT            SSLRootCert
//	sslcert                   PGSSLCERT                SSLCert
//	sslkey                    PGSSLKEY                 SSLKey
//	sslpassword                                        SSLPassword
//	sslsni                    PGSSLSNI                 DisableSNI unless the value starts with "1"
//	ssl_min_protocol_version  PGSSLMINPROTOCOLVERSION  SSLMinProtocolVersion (any case)
//	ssl_max_protocol_version  PGSSLMAXPROTOCOLVERSION  SSLMaxProtocolVersion (any case)
//	channel_binding           PGCHANNELBINDING         ChannelBinding
//	require_auth              PGREQUIREAUTH            RequireAuth
//
// Accepted and without effect, as in a libpq built without GSSAPI:
// gssencmode (PGGSSENCMODE) disable or prefer; krbsrvname (PGKRBSRVNAME),
// gsslib (PGGSSLIB) and gssdelegation (PGGSSDELEGATION), which only GSSAPI
// and SSPI authentication use; sslcompression (PGSSLCOMPRESSION), which
// libpq ignores too; sslcertmode (PGSSLCERTMODE) allow, which is what
// this driver does; min_protocol_version (PGMINPROTOCOLVERSION) 3.0 and
// max_protocol_version (PGMAXPROTOCOLVERSION), since the driver speaks
// protocol 3.0.
//
// Refused with an error when set to anything but the empty string, since
// the driver cannot honour them and ignoring them would weaken the
// connection: sslcrl (PGSSLCRL) and sslcrldir (PGSSLCRLDIR), no
// revocation checks; requirepeer (PGREQUIREPEER), no check of the
// server process's user; sslcertmode disable or require; gssencmode
// require; min_protocol_version 3.2 or latest; sslkeylogfile;
// scram_client_key and scram_server_key; oauth_issuer, oauth_client_id,
// oauth_client_secret and oauth_scope.
//
// pgmoon's own keywords (no environment variable): default_query_exec_mode,
// statement_cache_capacity, description_cache_capacity and the pool_*
// keywords of PoolConfig.
//
// Besides the keywords' variables, PGSYSCONFDIR locates the system-wide
// pg_service.conf (default /etc/postgresql-common, Debian's libpq's), and
// PGTZ and PGGEQO become the startup parameters timezone and geqo unless
// set to "default", as in libpq. PGDATESTYLE is not honoured: the text
// codecs read dates as DateStyle ISO prints them.
//
// ParseConfig trusts the string: it may read any file the process can
// read and make Connect send the password to any host. For strings from
// untrusted input, use ParseConfigWithOptions.
//
// Errors are *ParseConfigError and never contain a password.
func ParseConfig(connString string) (*Config, error) {
	return ParseConfigWithOptions(connString, ParseConfigOptions{})
}

// ParseConfigOptions restricts what ParseConfigWithOptions accepts and
// reads. The zero value restricts nothing (ParseConfig).
type ParseConfigOptions struct {
	// AllowedKeywords, when not nil, are the only keywords the
	// connection string may use; any other is refused, with an error
	// naming it, before anything else is read. The parts of a URL count
	// as the keywords they set (user, password, host, port, dbname), and
	// requiressl and ssl=true as sslmode. An empty, non-nil list allows
	// no keyword at all.
	AllowedKeywords []string

	// IgnoreEnvironment keeps the PG* environment variables (and PGTZ,
	// PGGEQO) out: the string, the files and defaults make the Config.
	// HOME still locates ~/.pg_service.conf and ~/.pgpass unless
	// IgnoreFiles is set too.
	IgnoreEnvironment bool

	// IgnoreFiles reads no file: no service file (the service and
	// servicefile keywords are refused, and PGSERVICE ignored) and no
	// password file (the passfile keyword is refused, PGPASSFILE ignored,
	// and Config.Passfile left empty, so Connect reads none). Connect
	// still reads the TLS files the ssl* settings name, and libpq's
	// defaults in ~/.postgresql; allow no ssl* file keyword to keep
	// those under the application's control.
	IgnoreFiles bool
}

// ParseConfigWithOptions is ParseConfig for connection strings that come
// from untrusted input (a form, a tenant's settings, an API request):
// opts lists the keywords the string may use and whether the
// environment and files may be read.
//
// What a connection string can make the driver do, and so what an
// application that accepts one from someone else should weigh when it
// allows a keyword:
//
//   - host, hostaddr, port: connect anywhere the process can reach (a
//     probe of the internal network); and with them, any password the
//     process holds (password given in code, PGPASSWORD, the password
//     file, a service) goes to that server, in clear text if it asks for
//     password authentication (see require_auth).
//   - passfile, service, servicefile: read any file the process can read
//     and use what it holds: a password file's lines are matched with
//     wildcards, a service's password comes with the host the string
//     chooses. Errors never quote the files' contents.
//   - sslmode, sslnegotiation, channel_binding, require_auth,
//     ssl_min_protocol_version and sslrootcert: downgrade the connection's
//     protection (sslmode=disable sends everything in clear text).
//   - sslcert, sslkey, sslrootcert, sslpassword: read any file as a
//     certificate or key (a named pipe would block Connect); present the
//     process's client certificate to any server.
//   - user, dbname, options: choose the role and database, and any
//     session setting a role may set (options='-c search_path=...' puts
//     the attacker's schemas first; '-c role=...').
//   - client_encoding, default_query_exec_mode, replication: change how
//     statements and values travel.
//   - connect_timeout, keepalives*, tcp_user_timeout, pool_* and the
//     cache capacities: hold connections and memory.
//
// The environment (IgnoreEnvironment) supplies what the string does not
// set, including PGPASSWORD, PGHOST and PGSSLMODE; files (IgnoreFiles)
// supply passwords and whole services. A conservative choice for a string
// that names a database on a server the application chose itself:
// AllowedKeywords []string{"dbname", "user", "password",
// "application_name"} with both Ignore options set, and Host, Port,
// SSLMode and SSLRootCert set in code afterwards.
//
// Errors are *ParseConfigError and never contain a password.
func ParseConfigWithOptions(connString string, opts ParseConfigOptions) (*Config, error) {
	settings, err := parseConnString(connString)
	if err != nil {
		return nil, newParseConfigError(connString, err.Error(), nil)
	}
	cfg, err := completeConfig(settings, opts)
	if err != nil {
		return nil, newParseConfigError(connString, err.Error(), settings)
	}
	return cfg, nil
}

// newParseConfigError makes the error of a failed parse. Neither the
// message nor the redacted connection string shows a secret setting where
// it is one, but another setting may repeat it (a password given again by
// mistake as another keyword's value): every secret value of three bytes
// or more is hidden wherever it appears.
func newParseConfigError(connString, msg string, settings map[string]string) *ParseConfigError {
	connString = redactConnString(connString)
	for _, k := range connKeywords {
		if v := settings[k.name]; k.secret && len(v) >= 3 {
			msg = strings.ReplaceAll(msg, v, redacted)
			connString = strings.ReplaceAll(connString, v, redacted)
		}
	}
	return &ParseConfigError{ConnString: connString, Msg: msg}
}

// completeConfig applies the checks of opts, the service file, the
// environment and the defaults to the settings of a connection string,
// with libpq's precedence (conninfo_add_defaults): the string, then the
// service, then the environment, then defaults.
func completeConfig(settings map[string]string, opts ParseConfigOptions) (*Config, error) {
	if opts.AllowedKeywords != nil {
		for _, k := range connKeywords {
			if _, set := settings[k.name]; set && !slices.Contains(opts.AllowedKeywords, k.name) {
				return nil, fmt.Errorf("connection option %q is not allowed here", k.name)
			}
		}
	}
	if opts.IgnoreFiles {
		for _, k := range []string{"service", "servicefile", "passfile"} {
			if _, set := settings[k]; set {
				return nil, fmt.Errorf("connection option %q names a file, and files may not be read here", k)
			}
		}
	}
	getenv := os.LookupEnv
	if opts.IgnoreEnvironment {
		getenv = func(string) (string, bool) { return "", false }
	}
	// Where each setting came from, for messages.
	origins := make(map[string]string, len(settings))
	for k := range settings {
		origins[k] = "connection string"
	}

	if !opts.IgnoreFiles {
		name, ok := settings["service"]
		if !ok {
			name, ok = getenv("PGSERVICE")
		}
		if ok {
			if err := applyService(settings, origins, name, getenv); err != nil {
				return nil, err
			}
		}
	}

	for _, k := range connKeywords {
		if k.env == "" {
			continue
		}
		if opts.IgnoreFiles && (k.name == "passfile" || k.name == "service" || k.name == "servicefile") {
			continue
		}
		if _, set := settings[k.name]; set {
			continue
		}
		if v, ok := getenv(k.env); ok {
			settings[k.name] = v
			origins[k.name] = k.env
		}
	}
	sslModeSet := false
	if _, set := settings["sslmode"]; set {
		sslModeSet = true
	} else if v, ok := getenv("PGREQUIRESSL"); ok && strings.HasPrefix(v, "1") {
		// The deprecated PGREQUIRESSL: PGSSLMODE, when set, wins.
		settings["sslmode"], origins["sslmode"] = SSLRequire, "PGREQUIRESSL"
		sslModeSet = true
	}

	cfg, err := configFromSettings(settings, origins)
	if err != nil {
		return nil, err
	}
	if !sslModeSet && cfg.SSLRootCert == SSLRootCertSystem {
		cfg.SSLMode = SSLVerifyFull // libpq's default with the system's roots
	}
	if err := cfg.checkTLSSettings(); err != nil {
		return nil, err
	}
	if _, err := newAuthPolicy(cfg); err != nil {
		return nil, err
	}

	// libpq's startup packet also carries these (build_startup_packet),
	// unless set to "default". PGDATESTYLE is not honoured: the text
	// codecs read dates as DateStyle ISO prints them.
	for _, e := range [...]struct{ env, param string }{{"PGTZ", "timezone"}, {"PGGEQO", "geqo"}} {
		if v, ok := getenv(e.env); ok && !strings.EqualFold(v, "default") {
			if _, set := cfg.RuntimeParams[e.param]; !set {
				cfg.RuntimeParams[e.param] = v
			}
		}
	}

	if cfg.User == "" {
		if cfg.User = osUserName(); cfg.User == "" {
			return nil, fmt.Errorf("no user given and the operating system user cannot be determined")
		}
	}
	if cfg.Database == "" {
		cfg.Database = cfg.User
	}
	if opts.IgnoreFiles {
		cfg.Passfile = ""
	} else if cfg.Passfile == "" {
		cfg.Passfile = defaultPassfile()
	}
	return cfg, nil
}

// A settingError is a bad value, with where it came from.
func settingError(origins map[string]string, key, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if o := origins[key]; o != "" && o != "connection string" {
		msg += " (from " + o + ")"
	}
	return fmt.Errorf("%s", msg)
}

// notSupported refuses a libpq setting this driver cannot honour, when it
// is set to something other than empty (libpq's "not set").
func notSupported(origins map[string]string, key, why string) error {
	return settingError(origins, key, "connection option %q is not supported by pgmoon: %s", key, why)
}

// configFromSettings makes a Config of complete settings (the string's,
// the service's and the environment's), checking each value as libpq
// does, or more strictly where libpq would only fail later, when it
// connects. A keyword's empty value means what it means in libpq: for
// most, "not set" (the default); for the enumerations (sslmode,
// channel_binding, target_session_attrs...), an invalid value.
func configFromSettings(s map[string]string, origins map[string]string) (*Config, error) {
	cfg := &Config{
		SSLMode:            SSLPrefer,
		SSLNegotiation:     SSLNegotiationPostgres,
		TargetSessionAttrs: TargetSessionAny,
		LoadBalanceHosts:   LoadBalanceDisable,
		RuntimeParams:      map[string]string{},
	}
	var appName, fallbackAppName string
	var poolMin, poolMax *int32
	// In the table's order, so that the first bad value reported does not
	// depend on map order.
	for _, kw := range connKeywords {
		k := kw.name
		v, set := s[k]
		if !set {
			continue
		}
		bad := func(want string) error {
			if kw.secret {
				return settingError(origins, k, "invalid %s value", k)
			}
			return settingError(origins, k, "invalid %s value: %q%s", k, v, want)
		}
		switch k {
		case "host", "hostaddr", "port":
			// Below, together.
		case "dbname":
			cfg.Database = v
		case "user":
			cfg.User = v
		case "password":
			cfg.Password = v
		case "passfile":
			cfg.Passfile = v
		case "service", "servicefile":
			// Applied by completeConfig.
		case "options":
			if v != "" {
				cfg.RuntimeParams["options"] = v
			}
		case "application_name":
			appName = v
		case "fallback_application_name":
			fallbackAppName = v
		case "client_encoding":
			switch {
			case v == "":
			case v == "auto":
				// libpq picks the locale's encoding; Go strings are
				// UTF-8 whatever the locale.
				cfg.RuntimeParams["client_encoding"] = "UTF8"
			default:
				cfg.RuntimeParams["client_encoding"] = v
			}
		case "connect_timeout":
			n, ok := parseIntParam(v)
			if !ok {
				return nil, settingError(origins, k, "invalid integer value %q for connection option %q", v, k)
			}
			// As in libpq: zero or negative waits forever, and 1 means 2
			// since a one-second limit would trip on clock granularity.
			if n == 1 {
				n = 2
			}
			if n > 0 {
				cfg.ConnectTimeout = time.Duration(n) * time.Second
			}
		case "keepalives":
			n, ok := parseStrtol(v)
			if !ok {
				return nil, settingError(origins, k, "keepalives parameter must be an integer")
			}
			cfg.DisableKeepAlives = n == 0
		case "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout":
			n, ok := parseIntParam(v)
			if !ok {
				return nil, settingError(origins, k, "invalid integer value %q for connection option %q", v, k)
			}
			n = max(n, 0)
			switch k {
			case "keepalives_idle":
				cfg.KeepAlivesIdle = time.Duration(n) * time.Second
			case "keepalives_interval":
				cfg.KeepAlivesInterval = time.Duration(n) * time.Second
			case "keepalives_count":
				cfg.KeepAlivesCount = n
			case "tcp_user_timeout":
				cfg.TCPUserTimeout = time.Duration(n) * time.Millisecond
			}
		case "target_session_attrs":
			switch v {
			case TargetSessionAny, TargetSessionReadWrite, TargetSessionReadOnly, TargetSessionPrimary, TargetSessionStandby, TargetSessionPreferStandby:
				cfg.TargetSessionAttrs = v
			default:
				return nil, bad(": want any, read-write, read-only, primary, standby or prefer-standby")
			}
		case "load_balance_hosts":
			switch v {
			case LoadBalanceDisable, LoadBalanceRandom:
				cfg.LoadBalanceHosts = v
			default:
				return nil, bad(": want disable or random")
			}
		case "replication":
			// Passed on, as libpq does; the server then speaks the
			// replication protocol, whose commands run with SimpleQuery.
			if v != "" {
				cfg.RuntimeParams["replication"] = v
			}
		case "sslmode":
			switch v {
			case SSLDisable, SSLAllow, SSLPrefer, SSLRequire, SSLVerifyCA, SSLVerifyFull:
				cfg.SSLMode = v
			default:
				return nil, bad(": want disable, allow, prefer, require, verify-ca or verify-full")
			}
		case "sslnegotiation":
			if v != SSLNegotiationPostgres && v != SSLNegotiationDirect {
				return nil, bad(": want postgres or direct")
			}
			cfg.SSLNegotiation = v
		case "sslcompression":
			// Ignored, as by libpq since PostgreSQL 14.
		case "sslcert":
			cfg.SSLCert = v
		case "sslkey":
			cfg.SSLKey = v
		case "sslcertmode":
			switch v {
			case "allow":
				// What this driver does: send a client certificate when
				// there is one.
			case "disable", "require":
				return nil, notSupported(origins, k, "a client certificate is sent whenever one is configured (sslcertmode=allow)")
			default:
				return nil, bad(": want disable, allow or require")
			}
		case "sslpassword":
			cfg.SSLPassword = v
		case "sslrootcert":
			cfg.SSLRootCert = v
		case "sslcrl", "sslcrldir":
			if v != "" {
				return nil, notSupported(origins, k, "certificate revocation lists are not checked")
			}
		case "sslsni":
			// libpq sends SNI when the value starts with '1'.
			cfg.DisableSNI = !strings.HasPrefix(v, "1")
		case "sslkeylogfile":
			if v != "" {
				return nil, notSupported(origins, k, "TLS key logging is not implemented (use Config.TLSConfig with KeyLogWriter)")
			}
		case "ssl_min_protocol_version", "ssl_max_protocol_version":
			name := ""
			for n := range tlsVersions {
				if strings.EqualFold(n, v) {
					name = n
				}
			}
			if name == "" && v != "" {
				return nil, bad(": want TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3")
			}
			if k == "ssl_min_protocol_version" {
				cfg.SSLMinProtocolVersion = name
			} else {
				cfg.SSLMaxProtocolVersion = name
			}
		case "min_protocol_version", "max_protocol_version":
			switch v {
			case "3.0":
			case "3.2", "latest":
				if k == "min_protocol_version" {
					return nil, notSupported(origins, k, "this driver speaks protocol version 3.0")
				}
			default:
				return nil, bad(": want 3.0, 3.2 or latest")
			}
		case "requirepeer":
			if v != "" {
				return nil, notSupported(origins, k, "the server process's user is not checked")
			}
		case "require_auth":
			cfg.RequireAuth = v
		case "channel_binding":
			switch v {
			case "disable", "prefer", "require":
				cfg.ChannelBinding = v
			default:
				return nil, bad(": want disable, prefer or require")
			}
		case "gssencmode":
			switch v {
			case "disable", "prefer":
				// Without GSSAPI, prefer is disable, as in a libpq built
				// without it.
			case "require":
				return nil, settingError(origins, k, "gssencmode value \"require\" invalid when GSSAPI support is not compiled in (pgmoon has none)")
			default:
				return nil, bad(": want disable, prefer or require")
			}
		case "krbsrvname", "gsslib", "gssdelegation":
			// Only GSSAPI and SSPI authentication use them; pgmoon does
			// neither (a server asking for them is refused).
		case "scram_client_key", "scram_server_key":
			if v != "" {
				return nil, notSupported(origins, k, "SCRAM keys are derived from the password only")
			}
		case "oauth_issuer", "oauth_client_id", "oauth_client_secret", "oauth_scope":
			if v != "" {
				return nil, notSupported(origins, k, "OAuth authentication is not implemented")
			}
		case "default_query_exec_mode":
			m, err := parseExecMode(v)
			if err != nil {
				return nil, settingError(origins, k, "%v", err)
			}
			cfg.DefaultExecMode = m
		case "statement_cache_capacity", "description_cache_capacity":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 {
				return nil, bad(": want a whole number, 0 to disable")
			}
			if n == 0 {
				n = -1
			}
			if k == "statement_cache_capacity" {
				cfg.StatementCacheCapacity = n
			} else {
				cfg.DescriptionCacheCapacity = n
			}
		case "pool_max_conns", "pool_min_conns":
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
			if err != nil || n < 0 || k == "pool_max_conns" && n < 1 {
				return nil, bad(": want a whole number (at least 1 for pool_max_conns)")
			}
			m := int32(n)
			if k == "pool_max_conns" {
				cfg.Pool.MaxConns, poolMax = m, &m
			} else {
				cfg.Pool.MinConns, poolMin = m, &m
			}
		case "pool_max_conn_lifetime", "pool_max_conn_lifetime_jitter", "pool_max_conn_idle_time", "pool_health_check_period":
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil || d < 0 {
				return nil, bad(": want a duration such as 30m or 1h30m")
			}
			switch k {
			case "pool_max_conn_lifetime":
				cfg.Pool.MaxConnLifetime = d
			case "pool_max_conn_lifetime_jitter":
				cfg.Pool.MaxConnLifetimeJitter = d
			case "pool_max_conn_idle_time":
				cfg.Pool.MaxConnIdleTime = d
			case "pool_health_check_period":
				cfg.Pool.HealthCheckPeriod = d
			}
		default:
			return nil, fmt.Errorf("connection option %q is not handled (pgmoon bug)", k)
		}
	}
	cfg.ApplicationName = appName
	if cfg.ApplicationName == "" {
		cfg.ApplicationName = fallbackAppName
	}
	if poolMin != nil && poolMax != nil && *poolMin > *poolMax {
		return nil, fmt.Errorf("pool_min_conns %d is above pool_max_conns %d", *poolMin, *poolMax)
	}
	if err := cfg.setHosts(s, origins); err != nil {
		return nil, err
	}
	return cfg, nil
}

// setHosts fills Host, HostAddr, Port and Fallbacks from the host,
// hostaddr and port lists, with libpq's rules (connectOptions2):
//
//   - There are as many hosts as hostaddr entries if hostaddr is not
//     empty, else as host entries if host is not empty, else one. Given
//     both, the lists must be the same length.
//   - port is one port for every host, or one per host.
//   - An empty entry takes the default: port 5432, and, when hostaddr's
//     entry is empty too, the default host. A host whose hostaddr is set
//     may have an empty host name.
func (c *Config) setHosts(s, origins map[string]string) error {
	split := func(k string) []string {
		if v := s[k]; v != "" {
			return strings.Split(v, ",")
		}
		return nil
	}
	hosts, addrs, ports := split("host"), split("hostaddr"), split("port")
	n := 1
	switch {
	case addrs != nil:
		n = len(addrs)
		if hosts != nil && len(hosts) != n {
			return settingError(origins, "host", "could not match %d host names to %d hostaddr values", len(hosts), n)
		}
	case hosts != nil:
		n = len(hosts)
	}
	if ports != nil && len(ports) != 1 && len(ports) != n {
		return settingError(origins, "port", "could not match %d port numbers to %d hosts", len(ports), n)
	}
	for i := range n {
		var host, addr, portText string
		if hosts != nil {
			host = hosts[i]
		}
		if addrs != nil {
			addr = addrs[i]
		}
		if len(ports) == 1 {
			portText = ports[0]
		} else if ports != nil {
			portText = ports[i]
		}
		port := uint16(defaultPort)
		if portText != "" {
			p, ok := parseIntParam(portText)
			if !ok {
				return settingError(origins, "port", "invalid integer value %q for connection option \"port\"", portText)
			}
			if p < 1 || p > 65535 {
				return settingError(origins, "port", "invalid port number: %q", portText)
			}
			port = uint16(p)
		}
		if addr != "" {
			if _, err := netip.ParseAddr(addr); err != nil {
				return settingError(origins, "hostaddr", "could not parse network address %q: want a numeric IPv4 or IPv6 address", addr)
			}
			if isUnixSocketHost(host) {
				return settingError(origins, "hostaddr", "hostaddr %q given for the unix-domain socket directory %q: give a host name, or no host", addr, host)
			}
		} else if host == "" {
			host = defaultHost(port)
		}
		if i == 0 {
			c.Host, c.HostAddr, c.Port = host, addr, port
		} else {
			c.Fallbacks = append(c.Fallbacks, &FallbackConfig{Host: host, HostAddr: addr, Port: port})
		}
	}
	return nil
}

// scanCInt finds the integer at the start of s as C's strtol reads it:
// blanks, then an optional sign, then digits. start is where the sign (or
// the first digit) is, digits where the digits begin and end where they
// stop; digits == end when there are none.
func scanCInt(s string) (start, digits, end int) {
	for start < len(s) && isSpace(s[start]) {
		start++
	}
	digits = start
	if digits < len(s) && (s[digits] == '+' || s[digits] == '-') {
		digits++
	}
	end = digits
	for end < len(s) && '0' <= s[end] && s[end] <= '9' {
		end++
	}
	return start, digits, end
}

// parseIntParam reads an integer setting as libpq's pqParseIntParam does:
// blanks around it are allowed, and it must fit a C int.
func parseIntParam(s string) (int, bool) {
	i, j, k := scanCInt(s)
	if k == j {
		return 0, false
	}
	n, err := strconv.ParseInt(s[i:k], 10, 32)
	if err != nil {
		return 0, false
	}
	for k < len(s) && isSpace(s[k]) {
		k++
	}
	if k != len(s) {
		return 0, false
	}
	return int(n), true
}

// parseStrtol reads keepalives as libpq's useKeepalives does: C's strtol
// with nothing after the number (leading blanks and a sign allowed, the
// empty string is 0, an out-of-range number saturates), truncated to a C
// int.
func parseStrtol(s string) (int32, bool) {
	i, j, k := scanCInt(s)
	if k == j {
		// No digits: strtol consumes nothing, so only "" has nothing left.
		return 0, s == ""
	}
	if k != len(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(s[i:k], 10, 64)
	if err != nil { // out of range: strtol saturates
		n = 1<<63 - 1
		if j > i && s[i] == '-' {
			n = -1 << 63
		}
	}
	return int32(n), true
}
