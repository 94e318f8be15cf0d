package pgmoon

import (
	"context"
	"crypto/tls"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pgmoon-go/pgmoon/protocol"
	"github.com/pgmoon-go/pgmoon/types"
)

// Dialer opens the byte stream a connection runs over. *net.Dialer is one;
// so is anything that tunnels (SSH, SOCKS), an in-memory pipe, or a test
// proxy. network is "tcp" or "unix"; addr is "host:port" or a socket path.
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// SSL modes accepted in Config.SSLMode, with libpq's meanings.
const (
	SSLDisable    = "disable"     // never TLS
	SSLAllow      = "allow"       // plain text first; TLS if the server refuses it
	SSLPrefer     = "prefer"      // TLS if the server offers it, else plain text (default)
	SSLRequire    = "require"     // TLS or fail; the certificate is verified only if a root certificate file exists
	SSLVerifyCA   = "verify-ca"   // TLS, and the server's certificate chains to a trusted root
	SSLVerifyFull = "verify-full" // verify-ca, and the certificate names the host
)

// Config describes how to reach and authenticate to a server. Build one with
// ParseConfig, then adjust fields before Connect. A Config must not be
// modified while a Connect that uses it is running.
type Config struct {
	Host            string        // host name, IP address, or absolute path of a unix socket directory (default: the local socket directory if the server's socket is there, else "localhost")
	HostAddr        string        // hostaddr: numeric IP address to connect to instead of resolving Host, which still names the server for TLS and the passfile (default: none)
	Port            uint16        // TCP port, or the number in the socket file name (default: 5432)
	Database        string        // database name (default: User)
	User            string        // role name (default: the operating system user name)
	Password        string        // password for password, md5 and SCRAM authentication (default: none). Never printed.
	ApplicationName string        // application_name reported to the server (default: none)
	ConnectTimeout  time.Duration // limit on establishing the connection, on top of the context's (default: 0, none)
	SSLMode         string        // "disable", "allow", "prefer", "require", "verify-ca" or "verify-full" (default: "prefer", or "verify-full" with SSLRootCert "system")

	// TLS settings, with libpq's meanings (see buildTLSConfig's rules).
	SSLRootCert           string // PEM file of trusted roots, or "system" (default: ~/.postgresql/root.crt if it exists)
	SSLCert               string // client certificate PEM file (default: ~/.postgresql/postgresql.crt if it exists)
	SSLKey                string // client key PEM file (default: ~/.postgresql/postgresql.key)
	SSLPassword           string // decrypts an encrypted SSLKey (legacy PEM encryption). Never printed.
	DisableSNI            bool   // sslsni=0: do not send the host name in the TLS handshake (default: sent for host names, not IP addresses)
	SSLNegotiation        string // "postgres" (SSLRequest first; default) or "direct" (TLS at once with ALPN; needs sslmode require or stronger and PostgreSQL 17+)
	SSLMinProtocolVersion string // "TLSv1", "TLSv1.1", "TLSv1.2" or "TLSv1.3" (default: "TLSv1.2")
	SSLMaxProtocolVersion string // as SSLMinProtocolVersion (default: none)

	// Authentication policy, with libpq's meanings; both are checked before
	// any credential is sent.
	ChannelBinding string // "disable", "prefer" (default) or "require": SCRAM-SHA-256-PLUS bound to the TLS connection
	RequireAuth    string // require_auth: methods the server must use one of ("password,md5,scram-sha-256,gss,sspi,none"), or, each with "!", must not use (default: any)

	// Fallbacks are the further hosts of a multi-host connection string
	// (host=a,b,c port=5432,5433,5434), tried in order after Host, each
	// with its own connect_timeout, TLS handshake and authentication
	// (default: none).
	Fallbacks []*FallbackConfig

	// TargetSessionAttrs is libpq's target_session_attrs: which server a
	// multi-host connection accepts. "any" (default), "read-write",
	// "read-only", "primary", "standby" or "prefer-standby".
	TargetSessionAttrs string

	// LoadBalanceHosts is libpq's load_balance_hosts: "disable" tries the
	// hosts in order (default); "random" tries them in random order.
	LoadBalanceHosts string

	// Passfile is the password file consulted, with libpq's rules, when
	// no Password is given (default: PGPASSFILE, else ~/.pgpass).
	Passfile string

	// TCP settings of the sockets the default Dialer makes, with libpq's
	// meanings (keepalives, keepalives_idle, keepalives_interval,
	// keepalives_count, tcp_user_timeout). A zero duration or count keeps
	// the system's value.
	DisableKeepAlives  bool          // keepalives=0 (default: keepalives on)
	KeepAlivesIdle     time.Duration // idle time before the first probe
	KeepAlivesInterval time.Duration // time between probes
	KeepAlivesCount    int           // probes before the connection is dropped
	TCPUserTimeout     time.Duration // how long sent data may stay unacknowledged before the connection is dropped

	// TLSConfig, when set, is used (cloned) for every TLS handshake in
	// place of what the ssl* settings describe; sslmode then only says
	// whether TLS is tried or required. Its ServerName, if empty, is set
	// as for SNI.
	TLSConfig *tls.Config

	// RuntimeParams are extra startup parameters: server settings such as
	// search_path or DateStyle, and "options" (default: none; client_encoding
	// is UTF8 unless set here).
	RuntimeParams map[string]string

	Dialer Dialer // how the bytes travel (default: a *net.Dialer with 5-minute TCP keepalive)

	// Tracer, when set, prints every protocol message sent and received in
	// a libpq-trace-like form (default: nil, off). Passwords are redacted.
	Tracer *protocol.Tracer

	// MaxMessageSize bounds any message the server may send, in bytes;
	// larger ones close the connection with a ProtocolError before memory is
	// allocated for them (default: protocol.DefaultMaxMessageSize, 1 GiB − 1).
	MaxMessageSize int

	// Types, when set, is the type map each connection's own map falls back
	// to: register codecs on it (types.NewMap, then Register) to share them
	// between connections. It must not change while connections use it
	// (default: nil, the built-in types only).
	Types *types.Map

	// CancelWait is how long a call whose context ended waits for the server
	// to act on the CancelRequest it sent before it closes the connection
	// (default: 5s). A negative value closes the connection at once. The
	// CancelRequest itself gets max(CancelWait, 1s) to be confirmed (the
	// server closes its connection once it has signalled the backend);
	// when it was sent but not confirmed, the connection is closed too,
	// since the server could still act on it during a later call.
	CancelWait time.Duration

	// DefaultExecMode is how Query, QueryRow, Exec and SendBatch run a
	// statement unless a call says otherwise (default: ExecModeCacheStatement;
	// default_query_exec_mode in a connection string).
	DefaultExecMode QueryExecMode

	// StatementCacheCapacity is how many prepared statements
	// ExecModeCacheStatement keeps per connection; the least recently used
	// is closed when a new one needs room (default: 512; a negative value
	// disables the cache, and statements are then described on every call;
	// statement_cache_capacity in a connection string, where 0 disables).
	StatementCacheCapacity int

	// OnNotice, when set, is called with every notice the server sends on
	// the connection (a NoticeResponse: WARNING, NOTICE, INFO, DEBUG or
	// LOG from RAISE, or the server's own), from Connect on. It runs on the
	// goroutine reading the connection, while the connection is busy: it
	// must return promptly and must not call the connection's methods
	// (default: nil, notices are dropped; SimpleQuery still lists them in
	// its Results).
	OnNotice func(*Conn, *Notice)

	// OnNotification, when set, is called with every notification (LISTEN
	// and NOTIFY) that arrives during a call other than
	// WaitForNotification, such as a Query, an Exec or a COPY; SimpleQuery
	// also lists them in its Results. It runs as OnNotice does (default:
	// nil, notifications are queued for WaitForNotification, except those
	// SimpleQuery lists).
	OnNotification func(*Conn, *Notification)

	// Pool configures the pools NewPool makes with this Config; Connect
	// ignores it (pool_* keywords in a connection string).
	Pool PoolConfig

	// DescriptionCacheCapacity is how many statement descriptions
	// ExecModeCacheDescribe keeps per connection (default: 512; negative
	// disables; description_cache_capacity in a connection string, where 0
	// disables).
	DescriptionCacheCapacity int
}

// FallbackConfig is one further host of a multi-host Config.
type FallbackConfig struct {
	Host     string // as Config.Host
	HostAddr string // as Config.HostAddr
	Port     uint16 // as Config.Port
}

const defaultCacheCapacity = 512

const defaultCancelWait = 5 * time.Second

// applyDefaults fills in what a hand-built Config left empty.
func (c *Config) applyDefaults() {
	if c.Port == 0 {
		c.Port = 5432
	}
	if c.SSLMode == "" {
		c.SSLMode = SSLPrefer
		if c.SSLRootCert == SSLRootCertSystem {
			c.SSLMode = SSLVerifyFull
		}
	}
	if c.SSLNegotiation == "" {
		c.SSLNegotiation = SSLNegotiationPostgres
	}
	if c.User == "" {
		c.User = osUserName()
	}
	if c.Host == "" {
		c.Host = defaultHost(c.Port)
	}
	if c.Database == "" {
		c.Database = c.User
	}
	if c.StatementCacheCapacity == 0 {
		c.StatementCacheCapacity = defaultCacheCapacity
	}
	if c.DescriptionCacheCapacity == 0 {
		c.DescriptionCacheCapacity = defaultCacheCapacity
	}
}

func osUserName() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// libpq keywords that this version does not implement yet. Naming one is an
// error rather than sending it to the server as a setting.
var unsupportedKeywords = map[string]bool{
	"hostaddr": true, "passfile": true, "service": true, "servicefile": true,
	"keepalives":      true,
	"keepalives_idle": true, "keepalives_interval": true, "keepalives_count": true,
	"tcp_user_timeout": true, "sslcrl": true, "sslcrldir": true,
	"sslcertmode": true, "requirepeer": true, "krbsrvname": true,
	"gsslib": true, "gssdelegation": true, "gssencmode": true,
	"target_session_attrs": true, "load_balance_hosts": true, "replication": true,
	"requiressl": true,
}

// ParseConfig parses a connection string in URL form
// (postgres://user:password@host:port/dbname?param=value, or postgresql://)
// or keyword/value form (host=localhost port=5432 dbname=app), with libpq's
// quoting and percent-decoding rules. Settings missing from the string come
// from the environment (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD,
// PGAPPNAME, PGCONNECT_TIMEOUT, PGSSLMODE, PGOPTIONS, PGSSLROOTCERT,
// PGSSLCERT, PGSSLKEY, PGSSLSNI, PGSSLNEGOTIATION, PGSSLMINPROTOCOLVERSION,
// PGSSLMAXPROTOCOLVERSION, PGCHANNELBINDING, PGREQUIREAUTH), then from
// defaults.
// Keywords that are not connection settings are passed to the server as
// runtime parameters.
//
// Errors are *ParseConfigError and never contain the password.
func ParseConfig(connString string) (*Config, error) {
	settings := envSettings()
	parsed, err := parseConnString(connString)
	if err != nil {
		return nil, &ParseConfigError{ConnString: redactConnString(connString), Msg: err.Error()}
	}
	for k, v := range parsed {
		settings[k] = v
	}
	cfg, err := configFromSettings(settings)
	if err != nil {
		return nil, &ParseConfigError{ConnString: redactConnString(connString), Msg: err.Error()}
	}
	return cfg, nil
}

// parseConnString parses a connection string in either form into its
// keywords and values, as libpq's PQconninfoParse does: only what the
// string says (the parts of a URL under their keywords), nothing from the
// environment or defaults.
func parseConnString(s string) (map[string]string, error) {
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		return parseURL(s)
	}
	return parseKeywordValue(s)
}

func envSettings() map[string]string {
	s := make(map[string]string)
	for env, key := range map[string]string{
		"PGHOST": "host", "PGPORT": "port", "PGDATABASE": "dbname", "PGUSER": "user",
		"PGPASSWORD": "password", "PGAPPNAME": "application_name",
		"PGCONNECT_TIMEOUT": "connect_timeout", "PGSSLMODE": "sslmode", "PGOPTIONS": "options",
		"PGSSLROOTCERT": "sslrootcert", "PGSSLCERT": "sslcert", "PGSSLKEY": "sslkey", "PGSSLSNI": "sslsni",
		"PGSSLNEGOTIATION": "sslnegotiation", "PGSSLMINPROTOCOLVERSION": "ssl_min_protocol_version",
		"PGSSLMAXPROTOCOLVERSION": "ssl_max_protocol_version",
		"PGCHANNELBINDING":        "channel_binding", "PGREQUIREAUTH": "require_auth",
	} {
		if v, ok := os.LookupEnv(env); ok && v != "" {
			s[key] = v
		}
	}
	return s
}

func configFromSettings(s map[string]string) (*Config, error) {
	cfg := &Config{
		SSLMode:       SSLPrefer,
		Port:          5432,
		RuntimeParams: map[string]string{},
	}
	fallbackApp := ""
	sslModeSet := false
	for k, v := range s {
		switch k {
		case "host":
			if strings.Contains(v, ",") {
				return nil, fmt.Errorf("host %q: several hosts are not supported by this version", v)
			}
			cfg.Host = v
		case "port":
			if strings.Contains(v, ",") {
				return nil, fmt.Errorf("port %q: several ports are not supported by this version", v)
			}
			p, err := strconv.ParseUint(v, 10, 16)
			if err != nil || p == 0 {
				return nil, fmt.Errorf("invalid port %q", v)
			}
			cfg.Port = uint16(p)
		case "dbname":
			cfg.Database = v
		case "user":
			cfg.User = v
		case "password":
			cfg.Password = v
		case "application_name":
			cfg.ApplicationName = v
		case "fallback_application_name":
			fallbackApp = v
		case "connect_timeout":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return nil, fmt.Errorf("invalid connect_timeout %q: want a whole number of seconds", v)
			}
			// As in libpq: zero or negative waits forever, and 1 means 2
			// since a one-second limit would trip on clock granularity.
			if n == 1 {
				n = 2
			}
			if n > 0 {
				cfg.ConnectTimeout = time.Duration(n) * time.Second
			}
		case "sslmode":
			switch v {
			case SSLDisable, SSLAllow, SSLPrefer, SSLRequire, SSLVerifyCA, SSLVerifyFull:
				cfg.SSLMode = v
				sslModeSet = true
			default:
				return nil, fmt.Errorf("invalid sslmode %q: want disable, allow, prefer, require, verify-ca or verify-full", v)
			}
		case "channel_binding":
			cfg.ChannelBinding = v
		case "require_auth":
			cfg.RequireAuth = v
		case "sslrootcert":
			cfg.SSLRootCert = v
		case "sslcert":
			cfg.SSLCert = v
		case "sslkey":
			cfg.SSLKey = v
		case "sslpassword":
			cfg.SSLPassword = v
		case "sslsni":
			switch v {
			case "0":
				cfg.DisableSNI = true
			case "1":
				cfg.DisableSNI = false
			default:
				return nil, fmt.Errorf("invalid sslsni %q: want 0 or 1", v)
			}
		case "sslnegotiation":
			if v != SSLNegotiationPostgres && v != SSLNegotiationDirect {
				return nil, fmt.Errorf("invalid sslnegotiation %q: want postgres or direct", v)
			}
			cfg.SSLNegotiation = v
		case "ssl_min_protocol_version", "ssl_max_protocol_version":
			if _, ok := tlsVersions[v]; !ok && v != "" {
				return nil, fmt.Errorf("invalid %s %q: want TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3", k, v)
			}
			if k == "ssl_min_protocol_version" {
				cfg.SSLMinProtocolVersion = v
			} else {
				cfg.SSLMaxProtocolVersion = v
			}
		case "default_query_exec_mode":
			m, err := parseExecMode(v)
			if err != nil {
				return nil, err
			}
			cfg.DefaultExecMode = m
		case "statement_cache_capacity", "description_cache_capacity":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("invalid %s %q: want a whole number, 0 to disable", k, v)
			}
			if n == 0 {
				n = -1
			}
			if k == "statement_cache_capacity" {
				cfg.StatementCacheCapacity = n
			} else {
				cfg.DescriptionCacheCapacity = n
			}
		case "ssl":
			// pgjdbc-style ssl=true, which libpq also accepts in URLs.
			if v == "true" {
				cfg.SSLMode = SSLRequire
			} else {
				return nil, fmt.Errorf("invalid ssl value %q: only ssl=true is accepted", v)
			}
		default:
			if unsupportedKeywords[k] {
				return nil, fmt.Errorf("connection parameter %q is not supported by this version", k)
			}
			if k == "" {
				return nil, fmt.Errorf("empty parameter name")
			}
			cfg.RuntimeParams[k] = v
		}
	}
	if cfg.ApplicationName == "" {
		cfg.ApplicationName = fallbackApp
	}
	if !sslModeSet && cfg.SSLRootCert == SSLRootCertSystem {
		cfg.SSLMode = SSLVerifyFull // libpq's default with the system's roots
	}
	if cfg.SSLNegotiation == "" {
		cfg.SSLNegotiation = SSLNegotiationPostgres
	}
	if err := cfg.checkTLSSettings(); err != nil {
		return nil, err
	}
	if _, err := newAuthPolicy(cfg); err != nil {
		return nil, err
	}
	if cfg.User == "" {
		if cfg.User = osUserName(); cfg.User == "" {
			return nil, fmt.Errorf("no user given and the operating system user cannot be determined")
		}
	}
	if cfg.Database == "" {
		cfg.Database = cfg.User
	}
	if cfg.Host == "" {
		cfg.Host = defaultHost(cfg.Port)
	}
	return cfg, nil
}

// defaultHost mirrors libpq's default of a local unix socket: it picks the
// first usual socket directory where the server's socket exists, else TCP
// on localhost.
func defaultHost(port uint16) string {
	for _, dir := range []string{"/var/run/postgresql", "/run/postgresql", "/tmp"} {
		if _, err := os.Stat(socketPath(dir, port)); err == nil {
			return dir
		}
	}
	return "localhost"
}

func socketPath(dir string, port uint16) string {
	return filepath.Join(dir, ".s.PGSQL."+strconv.Itoa(int(port)))
}

// isUnixSocketHost reports whether a host names a unix socket directory.
func isUnixSocketHost(host string) bool { return strings.HasPrefix(host, "/") }

// network returns the network and address Dial should use.
func (c *Config) network() (network, addr string) {
	if isUnixSocketHost(c.Host) {
		return "unix", socketPath(c.Host, c.Port)
	}
	return "tcp", net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port)))
}

// Copy returns a deep copy of c (functions and the Dialer, Tracer, Types
// and TLSConfig are shared).
func (c *Config) Copy() *Config {
	n := *c
	n.RuntimeParams = maps.Clone(c.RuntimeParams)
	if n.RuntimeParams == nil {
		n.RuntimeParams = map[string]string{}
	}
	n.Fallbacks = make([]*FallbackConfig, len(c.Fallbacks))
	for i, f := range c.Fallbacks {
		fc := *f
		n.Fallbacks[i] = &fc
	}
	if c.Fallbacks == nil {
		n.Fallbacks = nil
	}
	return &n
}

// String returns the configuration as a connection URL with the password
// replaced by "xxxxx", safe to log.
func (c *Config) String() string {
	var b strings.Builder
	b.WriteString("postgres://")
	b.WriteString(url.PathEscape(c.User))
	if c.Password != "" {
		b.WriteString(":xxxxx")
	}
	b.WriteByte('@')
	q := url.Values{}
	if isUnixSocketHost(c.Host) {
		q.Set("host", c.Host)
		b.WriteString(":" + strconv.Itoa(int(c.Port)))
	} else {
		b.WriteString(net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port))))
	}
	b.WriteByte('/')
	b.WriteString(url.PathEscape(c.Database))
	if c.SSLMode != "" {
		q.Set("sslmode", c.SSLMode)
	}
	for _, kv := range [][2]string{
		{"sslrootcert", c.SSLRootCert}, {"sslcert", c.SSLCert}, {"sslkey", c.SSLKey},
		{"ssl_min_protocol_version", c.SSLMinProtocolVersion}, {"ssl_max_protocol_version", c.SSLMaxProtocolVersion},
	} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	if c.SSLNegotiation == SSLNegotiationDirect {
		q.Set("sslnegotiation", c.SSLNegotiation)
	}
	if c.DisableSNI {
		q.Set("sslsni", "0")
	}
	if c.ChannelBinding != "" {
		q.Set("channel_binding", c.ChannelBinding)
	}
	if c.RequireAuth != "" {
		q.Set("require_auth", c.RequireAuth)
	}
	if c.ApplicationName != "" {
		q.Set("application_name", c.ApplicationName)
	}
	if c.DefaultExecMode != ExecModeCacheStatement {
		q.Set("default_query_exec_mode", c.DefaultExecMode.String())
	}
	for _, kv := range []struct {
		name string
		n    int
	}{{"statement_cache_capacity", c.StatementCacheCapacity}, {"description_cache_capacity", c.DescriptionCacheCapacity}} {
		switch {
		case kv.n < 0:
			q.Set(kv.name, "0")
		case kv.n > 0 && kv.n != defaultCacheCapacity:
			q.Set(kv.name, strconv.Itoa(kv.n))
		}
	}
	if c.ConnectTimeout > 0 {
		q.Set("connect_timeout", strconv.Itoa(int(c.ConnectTimeout/time.Second)))
	}
	keys := make([]string, 0, len(c.RuntimeParams))
	for k := range c.RuntimeParams {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		q.Set(k, c.RuntimeParams[k])
	}
	if len(q) > 0 {
		b.WriteByte('?')
		b.WriteString(q.Encode())
	}
	return b.String()
}

// parseURL parses libpq's URI form:
// postgres[ql]://[user[:password]@][host][:port][/dbname][?param=value&...]
// Every part is percent-decoded; '+' is not a space.
func parseURL(s string) (map[string]string, error) {
	out := make(map[string]string)
	rest := s[strings.Index(s, "://")+3:]
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		if err := parseURLQuery(rest[i+1:], out); err != nil {
			return nil, err
		}
		rest = rest[:i]
	}
	authority, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i+1:]
	}
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		userinfo := authority[:at]
		authority = authority[at+1:]
		u, p, hasPassword := strings.Cut(userinfo, ":")
		user, err := url.PathUnescape(u)
		if err != nil {
			return nil, fmt.Errorf("invalid percent-encoding in user name")
		}
		if user != "" {
			setOnce(out, "user", user)
		}
		if hasPassword {
			pw, err := url.PathUnescape(p)
			if err != nil {
				return nil, fmt.Errorf("invalid percent-encoding in password")
			}
			setOnce(out, "password", pw)
		}
	}
	if authority != "" {
		host, port, err := splitHostPort(authority)
		if err != nil {
			return nil, err
		}
		if host != "" {
			setOnce(out, "host", host)
		}
		if port != "" {
			setOnce(out, "port", port)
		}
	}
	if path != "" {
		db, err := url.PathUnescape(path)
		if err != nil {
			return nil, fmt.Errorf("invalid percent-encoding in database name")
		}
		setOnce(out, "dbname", db)
	}
	return out, nil
}

// setOnce sets key unless a query parameter already did: libpq lets a query
// parameter override the same setting given in the URL's other parts.
func setOnce(m map[string]string, k, v string) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

func splitHostPort(hp string) (host, port string, err error) {
	if strings.Contains(hp, ",") {
		return "", "", fmt.Errorf("several hosts are not supported by this version")
	}
	if strings.HasPrefix(hp, "[") {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return "", "", fmt.Errorf("missing ']' in IPv6 host address")
		}
		host = hp[1:end]
		rest := hp[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return "", "", fmt.Errorf("unexpected %q after IPv6 host address", rest)
			}
			port = rest[1:]
		}
	} else if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		host, port = hp[:i], hp[i+1:]
	} else {
		host = hp
	}
	if host, err = url.PathUnescape(host); err != nil {
		return "", "", fmt.Errorf("invalid percent-encoding in host")
	}
	if port, err = url.PathUnescape(port); err != nil {
		return "", "", fmt.Errorf("invalid percent-encoding in port")
	}
	return host, port, nil
}

func parseURLQuery(q string, out map[string]string) error {
	for _, part := range strings.Split(q, "&") {
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return fmt.Errorf("missing '=' in URL parameter %q", redactParam(part))
		}
		key, err := url.PathUnescape(k)
		if err != nil {
			return fmt.Errorf("invalid percent-encoding in URL parameter name %q", k)
		}
		val, err := url.PathUnescape(v)
		if err != nil {
			return fmt.Errorf("invalid percent-encoding in URL parameter %q", key)
		}
		out[key] = val
	}
	return nil
}

func redactParam(p string) string {
	if strings.HasPrefix(p, "password") {
		return "password=xxxxx"
	}
	return p
}

// parseKeywordValue parses "key=value key2='quoted value'" as libpq does:
// whitespace around '=' is allowed, a value is either a run of non-blank
// characters or single-quoted, and backslash escapes the next character in
// both forms.
func parseKeywordValue(s string) (map[string]string, error) {
	out := make(map[string]string)
	i := 0
	skipSpace := func() {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
	}
	for {
		skipSpace()
		if i >= len(s) {
			return out, nil
		}
		start := i
		for i < len(s) && s[i] != '=' && !isSpace(s[i]) {
			i++
		}
		key := s[start:i]
		skipSpace()
		if i >= len(s) || s[i] != '=' {
			return nil, fmt.Errorf("missing \"=\" after %q", key)
		}
		i++ // '='
		skipSpace()
		var val strings.Builder
		if i < len(s) && s[i] == '\'' {
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					val.WriteByte(s[i+1])
					i += 2
					continue
				}
				if c == '\'' {
					i++
					closed = true
					break
				}
				val.WriteByte(c)
				i++
			}
			if !closed {
				if key == "password" {
					return nil, fmt.Errorf("unterminated quoted value for %q", key)
				}
				return nil, fmt.Errorf("unterminated quoted string in value for %q", key)
			}
		} else {
			for i < len(s) && !isSpace(s[i]) {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
				i++
			}
		}
		if key == "" {
			return nil, fmt.Errorf("empty keyword before \"=\"")
		}
		out[key] = val.String()
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// redactConnString hides the password in a connection string for error
// messages, in either form, even when the string does not parse.
func redactConnString(s string) string {
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		scheme := strings.Index(s, "://") + 3
		rest := s[scheme:]
		end := len(rest)
		if q := strings.IndexByte(rest, '?'); q >= 0 {
			end = q
		}
		if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
			if colon := strings.IndexByte(rest[:at], ':'); colon >= 0 {
				rest = rest[:colon+1] + "xxxxx" + rest[at:]
			}
		}
		// password=... in the query string
		if q := strings.IndexByte(rest, '?'); q >= 0 {
			parts := strings.Split(rest[q+1:], "&")
			for i, p := range parts {
				if k, _, ok := strings.Cut(p, "="); ok && k == "password" {
					parts[i] = "password=xxxxx"
				}
			}
			rest = rest[:q+1] + strings.Join(parts, "&")
		}
		return s[:scheme] + rest
	}
	// keyword/value: find password (with optional spaces around '=') and
	// blank its value, quoted or not; if the string is too broken to find
	// the value's end, drop everything after the keyword.
	idx := 0
	for {
		j := strings.Index(s[idx:], "password")
		if j < 0 {
			return s
		}
		j += idx
		k := j + len("password")
		for k < len(s) && isSpace(s[k]) {
			k++
		}
		if k >= len(s) || s[k] != '=' || (j > 0 && !isSpace(s[j-1])) {
			idx = j + len("password")
			continue
		}
		k++
		for k < len(s) && isSpace(s[k]) {
			k++
		}
		end := k
		if end < len(s) && s[end] == '\'' {
			end++
			for end < len(s) && s[end] != '\'' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(s) {
				return s[:k] + "xxxxx"
			}
			end++
		} else {
			for end < len(s) && !isSpace(s[end]) {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			if end > len(s) {
				end = len(s)
			}
		}
		s = s[:k] + "xxxxx" + s[end:]
		idx = k + 5
	}
}
