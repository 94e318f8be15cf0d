package pgmoon

import (
	"context"
	"crypto/tls"
	"maps"
	"net"
	"net/netip"
	"os"
	"os/user"
	"path/filepath"
	"slices"
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

// Values of Config.TargetSessionAttrs (libpq's target_session_attrs).
const (
	TargetSessionAny           = "any"            // any server (default)
	TargetSessionReadWrite     = "read-write"     // one that accepts writes by default (default_transaction_read_only off, not in recovery)
	TargetSessionReadOnly      = "read-only"      // one that does not
	TargetSessionPrimary       = "primary"        // one not in hot standby
	TargetSessionStandby       = "standby"        // one in hot standby
	TargetSessionPreferStandby = "prefer-standby" // a standby if any answers, else any
)

// Values of Config.LoadBalanceHosts (libpq's load_balance_hosts).
const (
	LoadBalanceDisable = "disable" // try the hosts in the order given (default)
	LoadBalanceRandom  = "random"  // try them in random order
)

// Config describes how to reach and authenticate to a server. Build one with
// ParseConfig, then adjust fields before Connect. A Config must not be
// modified while a Connect that uses it is running.
type Config struct {
	Host            string        // host name, IP address, or absolute path (or "@name", an abstract socket) of a unix socket directory; may be empty when HostAddr is set (default: the local socket directory if the server's socket is there, else "localhost")
	HostAddr        string        // hostaddr: numeric IP address to connect to instead of resolving Host, which still names the server for TLS and the passfile (default: none)
	Port            uint16        // TCP port, or the number in the socket file name (default: 5432)
	Database        string        // database name (default: User)
	User            string        // role name (default: the operating system user name)
	Password        string        // password for password, md5 and SCRAM authentication (default: none, then the password file). Never printed.
	ApplicationName string        // application_name reported to the server (default: fallback_application_name, else none)
	ConnectTimeout  time.Duration // limit on establishing the connection to each host, on top of the context's (default: 0, none)
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
	// "read-only", "primary", "standby" or "prefer-standby" (the
	// TargetSession constants).
	TargetSessionAttrs string

	// LoadBalanceHosts is libpq's load_balance_hosts: "disable" tries the
	// hosts in order (default); "random" tries them in random order.
	LoadBalanceHosts string

	// Passfile is the password file consulted, with libpq's rules, for
	// each host tried when no Password is given (default: ParseConfig sets
	// passfile, else PGPASSFILE, else ~/.pgpass; empty: no password file).
	Passfile string

	// TCP settings of the sockets the default Dialer makes, with libpq's
	// meanings (keepalives, keepalives_idle, keepalives_interval,
	// keepalives_count, tcp_user_timeout). A zero duration or count keeps
	// the system's value.
	DisableKeepAlives  bool          // keepalives=0 (default: keepalives on)
	KeepAlivesIdle     time.Duration // idle time before the first probe (default: the system's)
	KeepAlivesInterval time.Duration // time between probes (default: the system's)
	KeepAlivesCount    int           // probes before the connection is dropped (default: the system's)
	TCPUserTimeout     time.Duration // how long sent data may stay unacknowledged before the connection is dropped (default: the system's)

	// TLSConfig, when set, is used (cloned) for every TLS handshake in
	// place of what the ssl* settings describe; sslmode then only says
	// whether TLS is tried or required. Its ServerName, if empty, is set
	// as for SNI.
	TLSConfig *tls.Config

	// RuntimeParams are extra startup parameters: server settings such as
	// search_path or DateStyle, "options" (the options keyword: "-c
	// name=value ..."), "client_encoding" and "replication" (default: from
	// the options, client_encoding and replication keywords, and
	// "timezone" and "geqo" from PGTZ and PGGEQO; client_encoding is UTF8
	// unless set here). A connection string cannot name a server setting
	// as a keyword: use options='-c search_path=app'.
	RuntimeParams map[string]string

	Dialer Dialer // how the bytes travel (default: a *net.Dialer with 5-minute TCP keepalive)

	// Tracer, when set, prints every protocol message sent and received in
	// a libpq-trace-like form (default: nil, off). Passwords are redacted.
	Tracer *protocol.Tracer

	// MaxMessageSize bounds any message the server may send, in bytes;
	// larger ones close the connection with a ProtocolError before memory is
	// allocated for them (default: protocol.DefaultMaxMessageSize, 1 GiB − 1).
	// Messages that carry no data (ParameterStatus, CommandComplete, ...)
	// are held to protocol.MaxShortMessageSize, 30000 bytes, as in libpq.
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

// defaultPort is libpq's DEF_PGPORT.
const defaultPort = 5432

// applyDefaults fills in what a hand-built Config left empty.
func (c *Config) applyDefaults() {
	if c.Port == 0 {
		c.Port = defaultPort
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
	if c.TargetSessionAttrs == "" {
		c.TargetSessionAttrs = TargetSessionAny
	}
	if c.LoadBalanceHosts == "" {
		c.LoadBalanceHosts = LoadBalanceDisable
	}
	if c.User == "" {
		c.User = osUserName()
	}
	if c.Host == "" && c.HostAddr == "" {
		c.Host = defaultHost(c.Port)
	}
	for _, f := range c.Fallbacks {
		if f.Port == 0 {
			f.Port = defaultPort
		}
		if f.Host == "" && f.HostAddr == "" {
			f.Host = defaultHost(f.Port)
		}
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

// currentUser is user.Current, a variable for tests.
var currentUser = user.Current

// osUserName is libpq's default user name: the operating system's name
// for the effective user.
func osUserName() string {
	if u, err := currentUser(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// defaultSocketDirs are the directories where a local server's socket is
// usually found; the first one holding the port's socket is the default
// host, and each matches "localhost" in the password file.
var defaultSocketDirs = []string{"/var/run/postgresql", "/run/postgresql", "/tmp"}

// defaultHost mirrors libpq's default of a local unix socket: it picks the
// first usual socket directory where the server's socket exists, else TCP
// on localhost. (libpq uses the one directory it was compiled with, which
// differs between builds.)
func defaultHost(port uint16) string {
	for _, dir := range defaultSocketDirs {
		if _, err := os.Stat(socketPath(dir, port)); err == nil {
			return dir
		}
	}
	return "localhost"
}

func isDefaultSocketDir(host string) bool { return slices.Contains(defaultSocketDirs, host) }

func socketPath(dir string, port uint16) string {
	if strings.HasPrefix(dir, "@") {
		return dir + "/.s.PGSQL." + strconv.Itoa(int(port)) // abstract: not a file path
	}
	return filepath.Join(dir, ".s.PGSQL."+strconv.Itoa(int(port)))
}

// isUnixSocketHost reports whether a host names a unix socket directory:
// an absolute path, or "@name" for Linux's abstract namespace (as in libpq).
func isUnixSocketHost(host string) bool {
	return strings.HasPrefix(host, "/") || strings.HasPrefix(host, "@")
}

// network returns the network and address Dial should use for the first
// host: HostAddr if set, else Host.
func (c *Config) network() (network, addr string) {
	port := strconv.Itoa(int(c.Port))
	if c.HostAddr != "" {
		return "tcp", net.JoinHostPort(c.HostAddr, port)
	}
	if isUnixSocketHost(c.Host) {
		return "unix", socketPath(c.Host, c.Port)
	}
	return "tcp", net.JoinHostPort(c.Host, port)
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

// String returns the configuration as a connection URL, safe to log: the
// password is replaced by "xxxxx" and the sslpassword left out. Every
// host, with its hostaddr and port, is written, and every setting that
// differs from its default, so that ParseConfig reads the URL back to an
// equivalent Config (with the password "xxxxx"). Runtime parameters other
// than options, client_encoding and replication are written into options
// as -c name=value.
func (c *Config) String() string {
	var b strings.Builder
	b.WriteString(shortURIPrefix)
	if c.User != "" || c.Password != "" {
		b.WriteString(escapeURLComponent(c.User, ""))
		if c.Password != "" {
			b.WriteString(":" + redacted)
		}
		b.WriteByte('@')
	}
	type entry struct {
		host, addr string
		port       uint16
	}
	entries := []entry{{c.Host, c.HostAddr, c.Port}}
	for _, f := range c.Fallbacks {
		entries = append(entries, entry{f.Host, f.HostAddr, f.Port})
	}
	var addrs []string
	anyAddr := false
	for i, e := range entries {
		if i > 0 {
			b.WriteByte(',')
		}
		if a, err := netip.ParseAddr(e.host); err == nil && a.Is6() {
			b.WriteString("[" + escapeURLComponent(e.host, ":") + "]")
		} else {
			b.WriteString(escapeURLComponent(e.host, ""))
		}
		if e.port != 0 {
			b.WriteString(":" + strconv.Itoa(int(e.port)))
		}
		addrs = append(addrs, e.addr)
		anyAddr = anyAddr || e.addr != ""
	}
	b.WriteByte('/')
	b.WriteString(escapeURLComponent(c.Database, ""))

	q := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			q[k] = v
		}
	}
	if anyAddr {
		set("hostaddr", strings.Join(addrs, ","))
	}
	set("sslmode", c.SSLMode)
	set("sslrootcert", c.SSLRootCert)
	set("sslcert", c.SSLCert)
	set("sslkey", c.SSLKey)
	set("ssl_min_protocol_version", c.SSLMinProtocolVersion)
	set("ssl_max_protocol_version", c.SSLMaxProtocolVersion)
	if c.SSLNegotiation == SSLNegotiationDirect {
		set("sslnegotiation", c.SSLNegotiation)
	}
	if c.DisableSNI {
		set("sslsni", "0")
	}
	set("channel_binding", c.ChannelBinding)
	set("require_auth", c.RequireAuth)
	set("application_name", c.ApplicationName)
	if c.TargetSessionAttrs != TargetSessionAny {
		set("target_session_attrs", c.TargetSessionAttrs)
	}
	if c.LoadBalanceHosts != LoadBalanceDisable {
		set("load_balance_hosts", c.LoadBalanceHosts)
	}
	if c.Passfile != defaultPassfile() {
		set("passfile", c.Passfile)
	}
	if c.ConnectTimeout > 0 {
		set("connect_timeout", strconv.Itoa(int(c.ConnectTimeout/time.Second)))
	}
	if c.DisableKeepAlives {
		set("keepalives", "0")
	}
	for _, d := range []struct {
		name string
		d    time.Duration
		unit time.Duration
	}{
		{"keepalives_idle", c.KeepAlivesIdle, time.Second},
		{"keepalives_interval", c.KeepAlivesInterval, time.Second},
		{"tcp_user_timeout", c.TCPUserTimeout, time.Millisecond},
	} {
		if d.d > 0 {
			set(d.name, strconv.FormatInt(int64(d.d/d.unit), 10))
		}
	}
	if c.KeepAlivesCount > 0 {
		set("keepalives_count", strconv.Itoa(c.KeepAlivesCount))
	}
	if c.DefaultExecMode != ExecModeCacheStatement {
		set("default_query_exec_mode", c.DefaultExecMode.String())
	}
	for _, kv := range []struct {
		name string
		n    int
	}{{"statement_cache_capacity", c.StatementCacheCapacity}, {"description_cache_capacity", c.DescriptionCacheCapacity}} {
		switch {
		case kv.n < 0:
			set(kv.name, "0")
		case kv.n > 0:
			set(kv.name, strconv.Itoa(kv.n))
		}
	}
	if c.Pool.MaxConns > 0 {
		set("pool_max_conns", strconv.Itoa(int(c.Pool.MaxConns)))
	}
	if c.Pool.MinConns > 0 {
		set("pool_min_conns", strconv.Itoa(int(c.Pool.MinConns)))
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{
		{"pool_max_conn_lifetime", c.Pool.MaxConnLifetime},
		{"pool_max_conn_lifetime_jitter", c.Pool.MaxConnLifetimeJitter},
		{"pool_max_conn_idle_time", c.Pool.MaxConnIdleTime},
		{"pool_health_check_period", c.Pool.HealthCheckPeriod},
	} {
		if d.d > 0 {
			set(d.name, d.d.String())
		}
	}
	options := c.RuntimeParams["options"]
	for _, k := range slices.Sorted(maps.Keys(c.RuntimeParams)) {
		switch k {
		case "options":
		case "client_encoding", "replication":
			set(k, c.RuntimeParams[k])
		default:
			if options != "" {
				options += " "
			}
			options += "-c " + escapeOption(k+"="+c.RuntimeParams[k])
		}
	}
	set("options", options)

	for i, k := range slices.Sorted(maps.Keys(q)) {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(k + "=" + escapeURLComponent(q[k], ""))
	}
	return b.String()
}

// escapeURLComponent percent-encodes every byte of s but RFC 3986's
// unreserved characters and those in keep. (url.QueryEscape would write
// a space as '+', which libpq does not decode.)
func escapeURLComponent(s, keep string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// escapeOption escapes one argument of the options setting as the server
// splits it (pg_split_opts): a backslash before blanks and backslashes.
func escapeOption(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isSpace(s[i]) || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
