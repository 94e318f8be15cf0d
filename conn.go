package pgmoon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pgmoon-go/pgmoon/auth"
	"github.com/pgmoon-go/pgmoon/protocol"
	"github.com/pgmoon-go/pgmoon/types"
)

// Conn is a single connection to a PostgreSQL server. It serves one call at
// a time: a second goroutine calling it while a call runs gets ErrConnBusy.
// Close may be called from any goroutine at any time; it interrupts a
// running call.
type Conn struct {
	cfg     *Config
	netConn net.Conn
	fe      *protocol.Frontend
	usesTLS bool
	tlsConf *tls.Config // the TLS configuration this connection was made with

	authPolicy *authPolicy // require_auth and channel_binding, during the handshake

	pid       uint32
	secretKey []byte

	busy      atomic.Bool
	closed    atomic.Bool
	closeOnce sync.Once

	mu         sync.Mutex // guards params, txStatus and closeCause for readers outside calls
	params     map[string]string
	txStatus   byte
	closeCause error // why an error closed the connection, for the calls refused after it

	// notifications received while no OnNotification was set, outside
	// WaitForNotification and SimpleQuery; WaitForNotification returns
	// them first, oldest first.
	notifications []*Notification
	// listening: a LISTEN ran in this session (its command tag was seen),
	// so notifications may arrive; a Pool undoes it with UNLISTEN * before
	// the next borrower gets the connection.
	listening bool

	typeMap    *types.Map      // this connection's types: Config.Types (or the built-ins) plus those loaded from the catalog
	unloadable map[uint32]bool // type OIDs the catalog did not have

	// Reused by every call; a Conn runs one call at a time.
	current      call
	interruptFn  func()        // current.interrupt, for context.AfterFunc
	callDone     chan struct{} // a call whose context interrupt watches has ended
	callFinished chan struct{} // interrupt has finished
	queryMsg     protocol.Query
	bindMsg      protocol.Bind
	paramBuf     []byte
	paramEnds    []int
	lastTag      string // the last command tag, reused while it repeats

	// Statements: the caches of ExecModeCacheStatement (stmts) and
	// ExecModeCacheDescribe (descs), nil when disabled; those made by
	// Prepare, by name; and the names of evicted statements to close.
	stmts      *stmtCache
	descs      *stmtCache
	prepared   map[string]*statement
	stmtSeq    uint64
	closeQueue []string

	// peeker looks at the socket of an idle connection (idleNeedsCheck);
	// made on first use, nil where it cannot look.
	peeker     *socketPeeker
	peekerMade bool
}

// ConnectString parses a connection string with ParseConfig and connects.
func ConnectString(ctx context.Context, connString string) (*Conn, error) {
	cfg, err := ParseConfig(connString)
	if err != nil {
		return nil, err
	}
	return Connect(ctx, cfg)
}

// Connect opens a connection: it dials through cfg.Dialer, negotiates TLS as
// cfg.SSLMode says, sends the startup message, authenticates, and waits for
// the server to be ready. ctx bounds the whole of it; cfg.ConnectTimeout
// bounds each host's attempt. cfg is copied; later changes to it do not
// affect the Conn.
//
// With several hosts (cfg.Fallbacks), each is tried in turn (in random
// order with LoadBalanceHosts "random"), with its own TLS handshake and
// authentication, until one accepts the connection and matches
// cfg.TargetSessionAttrs; see connectHosts.
//
// Errors are *ConnectError, wrapping a *PgError when the server refused the
// connection (wrong password, unknown database) or *auth.UnsupportedError
// for an authentication method this driver does not implement. When every
// host failed, it holds each host's error, in the order they were tried.
func Connect(ctx context.Context, cfg *Config) (*Conn, error) {
	if cfg == nil {
		return nil, errors.New("pgmoon: connect: nil Config")
	}
	cfg = cfg.Copy()
	cfg.applyDefaults()
	if err := cfg.checkTLSSettings(); err != nil {
		return nil, fmt.Errorf("pgmoon: connect: %w", err)
	}
	if err := checkNUL(cfg); err != nil {
		return nil, fmt.Errorf("pgmoon: connect: %w", err)
	}
	ap, err := newAuthPolicy(cfg)
	if err != nil {
		return nil, fmt.Errorf("pgmoon: connect: %w", err)
	}
	return connectHosts(ctx, cfg, ap)
}

// connectHost makes a connection to cfg's (only) host, trying TLS and
// plain text as cfg.SSLMode says, within cfg.ConnectTimeout.
func connectHost(ctx context.Context, cfg *Config, ap *authPolicy) (*Conn, error) {
	if cfg.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.ConnectTimeout)
		defer cancel()
	}
	var tlsConf *tls.Config
	if cfg.SSLMode != SSLDisable {
		var err error
		if tlsConf, err = buildTLSConfig(cfg); err != nil {
			return nil, &ConnectError{Addr: cfg.address(), Err: err}
		}
	}
	if network, _ := cfg.network(); network == "unix" {
		// As in libpq, sslmode is ignored for unix-domain sockets: the
		// server never offers TLS on them, and the socket is local.
		return connectOnce(ctx, cfg, ap, nil, tlsNever)
	}
	switch cfg.SSLMode {
	case SSLDisable:
		return connectOnce(ctx, cfg, ap, nil, tlsNever)
	case SSLAllow:
		c, err := connectOnce(ctx, cfg, ap, tlsConf, tlsNever)
		var pgErr *PgError
		if err != nil && errors.As(err, &pgErr) && ctx.Err() == nil {
			// The server refused the plain-text connection: try again
			// with TLS, as libpq does under allow.
			return connectOnce(ctx, cfg, ap, tlsConf, tlsRequired)
		}
		return c, err
	case SSLPrefer:
		c, err := connectOnce(ctx, cfg, ap, tlsConf, tlsPreferred)
		var hsErr *tlsHandshakeError
		if err != nil && errors.As(err, &hsErr) && ctx.Err() == nil {
			// The TLS handshake failed: prefer settles for plain text,
			// on a new connection, as libpq does.
			return connectOnce(ctx, cfg, ap, nil, tlsNever)
		}
		return c, err
	default: // require, verify-ca, verify-full
		return connectOnce(ctx, cfg, ap, tlsConf, tlsRequired)
	}
}

// A tlsHandshakeError is a failed TLS handshake (including a server
// certificate that failed verification).
type tlsHandshakeError struct{ err error }

func (e *tlsHandshakeError) Error() string { return "TLS handshake: " + e.err.Error() }
func (e *tlsHandshakeError) Unwrap() error { return e.err }

type tlsPolicy int

const (
	tlsNever tlsPolicy = iota
	tlsPreferred
	tlsRequired
)

// connectOnce makes one connection attempt; tlsConf is the TLS
// configuration under any policy but tlsNever.
func connectOnce(ctx context.Context, cfg *Config, ap *authPolicy, tlsConf *tls.Config, policy tlsPolicy) (*Conn, error) {
	network, addr := cfg.network()
	nc, err := cfg.dialer().DialContext(ctx, network, addr)
	if err != nil {
		return nil, &ConnectError{Addr: cfg.address(), Err: err}
	}
	c := &Conn{cfg: cfg, netConn: nc, params: make(map[string]string), tlsConf: tlsConf, authPolicy: ap}
	if cfg.Types != nil {
		c.typeMap = cfg.Types.NewChild()
	} else {
		c.typeMap = types.NewMap()
	}
	c.stmts = newStmtCache(cfg.StatementCacheCapacity)
	c.descs = newStmtCache(cfg.DescriptionCacheCapacity)
	c.setFrontend(nc)

	// The context bounds the handshake: when it ends (deadline or
	// cancellation) the socket's deadline is moved to the past, which
	// unblocks any read or write at once. Using the context alone, rather
	// than also copying its deadline to the socket, guarantees ctx.Err() is
	// set whenever the handshake fails for that reason.
	interrupted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		_ = c.netConn.SetDeadline(time.Unix(1, 0))
		c.mu.Unlock()
		close(interrupted)
	})
	err = c.handshake(ctx, policy)
	if !stop() && err == nil {
		<-interrupted
		err = ctx.Err()
	}
	if err != nil {
		c.closeNetConn(nil)
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%w)", ctxErr, err)
		}
		return nil, &ConnectError{Addr: cfg.address(), Err: err}
	}
	_ = c.netConn.SetDeadline(time.Time{})
	return c, nil
}

func (c *Conn) setFrontend(nc net.Conn) {
	c.fe = protocol.NewFrontend(nc, &callWriter{c: c, nc: nc})
	if c.cfg.MaxMessageSize > 0 {
		c.fe.SetMaxMessageSize(c.cfg.MaxMessageSize)
	}
	if c.cfg.Tracer != nil {
		c.fe.Trace(c.cfg.Tracer)
	}
}

func (c *Conn) handshake(ctx context.Context, policy tlsPolicy) error {
	if policy != tlsNever {
		if err := c.negotiateTLS(ctx, policy); err != nil {
			return err
		}
	}
	params := []protocol.StartupParameter{
		{Name: "user", Value: c.cfg.User},
		{Name: "database", Value: c.cfg.Database},
	}
	if c.cfg.ApplicationName != "" {
		params = append(params, protocol.StartupParameter{Name: "application_name", Value: c.cfg.ApplicationName})
	}
	if _, ok := c.cfg.RuntimeParams["client_encoding"]; !ok {
		// Text results are Go strings, which are UTF-8.
		params = append(params, protocol.StartupParameter{Name: "client_encoding", Value: "UTF8"})
	}
	keys := make([]string, 0, len(c.cfg.RuntimeParams))
	for k := range c.cfg.RuntimeParams {
		if k != "user" && k != "database" && k != "application_name" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		params = append(params, protocol.StartupParameter{Name: k, Value: c.cfg.RuntimeParams[k]})
	}
	if err := c.send(&protocol.StartupMessage{ProtocolVersion: protocol.ProtocolVersion30, Parameters: params}); err != nil {
		return err
	}
	if err := c.fe.Flush(); err != nil {
		return err
	}
	if err := c.authenticate(); err != nil {
		return err
	}
	return c.awaitReady()
}

// negotiateTLS sends SSLRequest and upgrades the connection when the server
// agrees.
func (c *Conn) negotiateTLS(ctx context.Context, policy tlsPolicy) error {
	tc, err := c.openTLS(ctx, c.netConn, c.fe, policy)
	if err != nil || tc == nil {
		return err
	}
	c.mu.Lock()
	c.netConn = tc
	c.mu.Unlock()
	c.usesTLS = true
	c.setFrontend(tc)
	return nil
}

// openTLS starts TLS on nc as sslnegotiation says: at once (direct), or
// after SSLRequest (postgres). It returns nil when the server declines and
// policy allows plain text.
func (c *Conn) openTLS(ctx context.Context, nc net.Conn, fe *protocol.Frontend, policy tlsPolicy) (*tls.Conn, error) {
	if c.cfg.SSLNegotiation == SSLNegotiationDirect {
		return c.startTLS(ctx, nc)
	}
	return c.requestTLS(ctx, nc, fe, policy)
}

// requestTLS sends SSLRequest through fe, which reads and writes nc, and
// returns the TLS connection over nc when the server agrees, or nil when it
// declines and policy allows plain text. Both the main connection and the
// CancelRequest connection go through it.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SSL
func (c *Conn) requestTLS(ctx context.Context, nc net.Conn, fe *protocol.Frontend, policy tlsPolicy) (*tls.Conn, error) {
	if err := fe.Send(&protocol.SSLRequest{}); err != nil {
		return nil, err
	}
	if err := fe.Flush(); err != nil {
		return nil, err
	}
	b, err := fe.ReadByte()
	if err != nil {
		return nil, fmt.Errorf("reading the answer to SSLRequest: %w", err)
	}
	switch b {
	case 'S':
		// Bytes that arrived with the 'S' were not protected by TLS and
		// could have been injected by a man in the middle (CVE-2021-23222).
		if fe.Buffered() > 0 {
			return nil, &ProtocolError{Op: "connect", Err: errors.New("server sent unencrypted data after agreeing to TLS")}
		}
		return c.startTLS(ctx, nc)
	case 'N':
		if policy == tlsRequired {
			return nil, errors.New("server does not support TLS, but sslmode requires it")
		}
		return nil, nil
	case 'E':
		// The server answered with an ErrorResponse, which only servers
		// too old to know SSLRequest do. Its text is not shown: it came
		// before any authentication and could be forged (CVE-2024-10977).
		return nil, errors.New("server rejected the TLS request (answered with an error message)")
	default:
		return nil, &ProtocolError{Op: "connect", Err: fmt.Errorf("invalid answer %q to SSLRequest", b)}
	}
}

// startTLS runs the TLS handshake over nc. With sslnegotiation=direct the
// server must have chosen the "postgresql" ALPN protocol, which tells it is
// PostgreSQL speaking TLS and not another service.
func (c *Conn) startTLS(ctx context.Context, nc net.Conn) (*tls.Conn, error) {
	tc := tls.Client(nc, c.tlsConf)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, &tlsHandshakeError{err}
	}
	if c.cfg.SSLNegotiation == SSLNegotiationDirect && tc.ConnectionState().NegotiatedProtocol != alpnProtocol {
		return nil, errors.New("server did not select the \"postgresql\" ALPN protocol in a direct TLS connection")
	}
	return tc, nil
}

// authenticate answers the server's authentication requests until
// AuthenticationOk. See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
func (c *Conn) authenticate() error {
	ap := c.authPolicy
	var sasl auth.SASLMechanism
	method := authNone // the require_auth name of what the server requested
	for {
		msg, err := c.receive("connect")
		if err != nil {
			return err
		}
		switch m := msg.(type) {
		case *protocol.AuthenticationOk:
			if sasl != nil && !sasl.Complete() {
				// A server that skips the SCRAM final message has not
				// proven it knows the password.
				return &ProtocolError{Op: "connect", Err: errors.New("server ended SASL authentication without proving its identity")}
			}
			bound := sasl != nil && sasl.Name() == "SCRAM-SHA-256-PLUS"
			return ap.checkOK(method, bound)
		case *protocol.AuthenticationCleartextPassword:
			method = authPassword
			if err := ap.checkRequest(method, "cleartext password"); err != nil {
				return err
			}
			if err := c.sendPassword("password", c.cfg.Password); err != nil {
				return err
			}
		case *protocol.AuthenticationMD5Password:
			method = authMD5
			if err := ap.checkRequest(method, "MD5 password"); err != nil {
				return err
			}
			if err := c.sendPassword("md5", auth.MD5Password(c.cfg.User, c.cfg.Password, m.Salt)); err != nil {
				return err
			}
		case *protocol.AuthenticationSASL:
			if sasl != nil {
				return unexpected("connect", msg)
			}
			method = authSCRAMSHA256
			if err := ap.checkRequest(method, "SASL"); err != nil {
				return err
			}
			if c.cfg.Password == "" {
				return errNoPassword("SASL")
			}
			sc := auth.SASLConfig{User: c.cfg.User, Password: c.cfg.Password, ChannelBinding: ap.channelBinding}
			if tc, ok := c.netConn.(*tls.Conn); ok {
				st := tc.ConnectionState()
				sc.TLS = &st
			}
			sasl, err = sc.Choose(m.Mechanisms)
			if err != nil {
				return err
			}
			first, err := sasl.Start()
			if err != nil {
				return err
			}
			if err := c.sendFlush(&protocol.SASLInitialResponse{Mechanism: sasl.Name(), Data: first}); err != nil {
				return err
			}
		case *protocol.AuthenticationSASLContinue:
			if sasl == nil {
				return unexpected("connect", msg)
			}
			resp, err := sasl.Next(m.Data)
			if err != nil {
				return err
			}
			if err := c.sendFlush(&protocol.SASLResponse{Data: resp}); err != nil {
				return err
			}
		case *protocol.AuthenticationSASLFinal:
			if sasl == nil {
				return unexpected("connect", msg)
			}
			if _, err := sasl.Next(m.Data); err != nil {
				return err
			}
		case *protocol.AuthenticationKerberosV5:
			return &auth.UnsupportedError{Method: auth.MethodName(auth.CodeKerberosV5)}
		case *protocol.AuthenticationSCMCredential:
			return &auth.UnsupportedError{Method: auth.MethodName(auth.CodeSCMCredential)}
		case *protocol.AuthenticationGSS, *protocol.AuthenticationGSSContinue:
			if err := ap.checkRequest(authGSS, "GSSAPI"); err != nil {
				return err
			}
			return &auth.UnsupportedError{Method: auth.MethodName(auth.CodeGSS)}
		case *protocol.AuthenticationSSPI:
			if err := ap.checkRequest(authSSPI, "SSPI"); err != nil {
				return err
			}
			return &auth.UnsupportedError{Method: auth.MethodName(auth.CodeSSPI)}
		case *protocol.ErrorResponse:
			return pgErrorFromFields(m.Fields)
		case *protocol.NoticeResponse:
			c.notice(m)
		case *protocol.NegotiateProtocolVersion:
			// We ask for 3.0 with no protocol options, which every 3.x
			// server supports; a server that still answers this way is
			// telling us it cannot serve 3.0.
			if m.NewestMinorProtocol != 0 || len(m.UnrecognizedOptions) > 0 {
				continue
			}
		default:
			return unexpected("connect", msg)
		}
	}
}

// errNoPassword is refused before any credential is sent; it matches
// auth.ErrNoPassword.
func errNoPassword(method string) error {
	return fmt.Errorf("server requested %s authentication, but no password was given (%w)", method, auth.ErrNoPassword)
}

// sendPassword answers a password request with payload, derived from the
// configured password, or refuses when no password is configured.
func (c *Conn) sendPassword(method, payload string) error {
	if c.cfg.Password == "" {
		return errNoPassword(method)
	}
	return c.sendFlush(&protocol.PasswordMessage{Password: payload})
}

// awaitReady reads BackendKeyData and ParameterStatus until ReadyForQuery.
func (c *Conn) awaitReady() error {
	for {
		msg, err := c.receive("connect")
		if err != nil {
			return err
		}
		switch m := msg.(type) {
		case *protocol.BackendKeyData:
			c.pid = m.ProcessID
			c.secretKey = append([]byte(nil), m.SecretKey...)
		case *protocol.ReadyForQuery:
			c.setTxStatus(m.TxStatus)
			return nil
		case *protocol.ErrorResponse:
			return pgErrorFromFields(m.Fields)
		default:
			if !c.handleAsync(msg) {
				return unexpected("connect", msg)
			}
		}
	}
}

// callWriter is what the Frontend writes to: the socket, noting on the
// running call that bytes may have reached the server (call.sent), which
// decides whether a lost connection leaves the call's outcome unknown
// (ErrResultUnknown). Every write goes through the Frontend's Flush.
type callWriter struct {
	c  *Conn
	nc net.Conn
}

func (w *callWriter) Write(p []byte) (int, error) {
	if !w.c.current.sent {
		// (Only set when unset: a batch's background write finds it set
		// already, and leaves it to the call's goroutine.)
		w.c.current.sent = true
	}
	return w.nc.Write(p)
}

func (c *Conn) send(msg protocol.FrontendMessage) error { return c.fe.Send(msg) }

func (c *Conn) sendFlush(msg protocol.FrontendMessage) error {
	if err := c.fe.Send(msg); err != nil {
		return err
	}
	return c.fe.Flush()
}

// receive reads the next message; a malformed one becomes a ProtocolError
// for op. The message is valid until the next receive.
//
// A FATAL (or PANIC) ErrorResponse ends the session: the server closes the
// connection after it, before any ReadyForQuery. The caller handles the
// ErrorResponse as usual; the read error that follows wraps the *PgError
// too, so that the call's error, and the cause later calls report, say why
// the server hung up rather than only that it did.
func (c *Conn) receive(op string) (protocol.BackendMessage, error) {
	msg, err := c.fe.Receive()
	if err != nil {
		var pe *protocol.ProtocolError
		if errors.As(err, &pe) {
			return nil, &ProtocolError{Op: op, Err: err}
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if f := c.current.fatal; f != nil {
			// The server said why it ended the session before it closed
			// the connection: that is the call's error. (The caller
			// may have kept reading for ReadyForQuery, as after an
			// ERROR.)
			return nil, fmt.Errorf("%w (then the server closed the connection: %w)", f, err)
		}
		return nil, err
	}
	if m, ok := msg.(*protocol.ErrorResponse); ok && fatalSeverity(m.Fields) {
		c.current.fatal = pgErrorFromFields(m.Fields)
	}
	return msg, nil
}

// fatalSeverity reports whether ErrorResponse fields have severity FATAL
// or PANIC, after which the server ends the session.
// See https://www.postgresql.org/docs/current/protocol-error-fields.html
func fatalSeverity(fields []protocol.ErrorField) bool {
	for _, f := range fields {
		if (f.Code == 'V' || f.Code == 'S') && endsSession(f.Value) {
			return true
		}
	}
	return false
}

// endsSession reports whether an error severity is one after which the
// server ends the session.
func endsSession(severity string) bool { return severity == "FATAL" || severity == "PANIC" }

// maxServerParameters bounds how many distinct parameters a server may
// report through ParameterStatus on one connection. PostgreSQL reports
// about 15 (those marked GUC_REPORT); a server naming ever new ones would
// otherwise grow the connection's memory without end.
const maxServerParameters = 1000

// setParam records a ParameterStatus. It refuses (returns false) a new
// parameter once maxServerParameters are held; see unexpected.
func (c *Conn) setParam(name, value string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.params[name]; !ok && len(c.params) >= maxServerParameters {
		return false
	}
	c.params[strings.Clone(name)] = strings.Clone(value)
	return true
}

func (c *Conn) setTxStatus(s byte) {
	c.mu.Lock()
	c.txStatus = s
	c.mu.Unlock()
}

// ParameterStatus returns the current value of a server parameter reported
// through ParameterStatus (server_version, client_encoding, TimeZone,
// standard_conforming_strings, ...), or "" if the server did not report it.
func (c *Conn) ParameterStatus(name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.params[name]
}

// TxStatus returns the transaction status from the last ReadyForQuery:
// 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block.
func (c *Conn) TxStatus() byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.txStatus
}

// PID returns the process ID of the server backend serving this connection.
func (c *Conn) PID() uint32 { return c.pid }

// Config returns a copy of the configuration the connection was made with.
func (c *Conn) Config() *Config { return c.cfg.Copy() }

// UsesTLS reports whether the connection is encrypted.
func (c *Conn) UsesTLS() bool { return c.usesTLS }

// IsClosed reports whether the connection was closed, by Close or after a
// fatal error.
func (c *Conn) IsClosed() bool { return c.closed.Load() }

// Close sends Terminate and closes the connection. Called while another
// goroutine's call is running, it closes the socket at once, which ends that
// call with ErrConnClosed. Closing a closed connection is a no-op. ctx bounds
// the Terminate write.
func (c *Conn) Close(ctx context.Context) error {
	if !c.closed.CompareAndSwap(false, true) {
		return nil
	}
	if c.busy.CompareAndSwap(false, true) {
		// Idle: say goodbye politely. The busy flag stays set so that no
		// call can start on the closed connection.
		if dl, ok := ctx.Deadline(); ok {
			_ = c.netConn.SetWriteDeadline(dl)
		}
		stop := context.AfterFunc(ctx, func() { _ = c.netConn.SetWriteDeadline(time.Unix(1, 0)) })
		_ = c.sendFlush(&protocol.Terminate{})
		stop()
	}
	var err error
	c.closeOnce.Do(func() { err = c.netConn.Close() })
	if err != nil && errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// closeNetConn closes the socket after a fatal error; cause, when not nil,
// is what calls refused afterwards report.
func (c *Conn) closeNetConn(cause error) {
	if cause != nil {
		c.mu.Lock()
		if c.closeCause == nil && !c.closed.Load() {
			c.closeCause = cause
		}
		c.mu.Unlock()
	}
	c.closed.Store(true)
	c.closeOnce.Do(func() { _ = c.netConn.Close() })
}

// errClosed is the error of a call refused because the connection is
// closed.
func (c *Conn) errClosed(op string) error {
	c.mu.Lock()
	cause := c.closeCause
	c.mu.Unlock()
	if cause != nil {
		// %v, not %w: the earlier call's context error, say, is not
		// this call's.
		return fmt.Errorf("pgmoon: %s: %w by an earlier error: %v", op, ErrConnClosed, cause)
	}
	return fmt.Errorf("pgmoon: %s: %w", op, ErrConnClosed)
}

// CancelRequest asks the server to cancel the command this connection is
// running, over a new connection made with the same Dialer, address and TLS
// choice, as the protocol requires. It returns nil once the server has
// closed that connection, which it does after acting on the request, and an
// error when the request could not be sent or its connection ended any
// other way (including ctx ending first). Cancelling is best effort: the
// command may have finished already.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-CANCELING-REQUESTS
func (c *Conn) CancelRequest(ctx context.Context) error {
	if _, err := c.cancelRequest(ctx); err != nil {
		return fmt.Errorf("pgmoon: cancel request: %w", err)
	}
	return nil
}

// cancelRequest is CancelRequest; sent reports whether the request's bytes
// may have reached the server, which then may still act on it when err is
// not nil.
func (c *Conn) cancelRequest(ctx context.Context) (sent bool, err error) {
	if c.pid == 0 {
		return false, errors.New("server sent no BackendKeyData")
	}
	network, addr := c.cfg.network()
	nc, err := c.cfg.dialer().DialContext(ctx, network, addr)
	if err != nil {
		return false, err
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var rw net.Conn = nc
	if c.usesTLS {
		// The cancel connection is encrypted like the main one.
		tc, err := c.openTLS(ctx, nc, protocol.NewFrontend(nc, nc), tlsRequired)
		if err != nil {
			return false, err
		}
		rw = tc
	}
	msg, err := (&protocol.CancelRequest{ProcessID: c.pid, SecretKey: c.secretKey}).Encode(nil)
	if err != nil {
		return false, err
	}
	// From here on, part or all of the request may be on its way.
	if _, err := rw.Write(msg); err != nil {
		return true, fmt.Errorf("sending: %w", ctxOr(ctx, err))
	}
	// The server sends nothing back; it closes the connection once it has
	// acted on the request. A clean end of stream is the only
	// confirmation.
	var buf [64]byte
	for {
		_, err := rw.Read(buf[:])
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return true, fmt.Errorf("waiting for the server to close the connection: %w", ctxOr(ctx, err))
		}
	}
}

// ctxOr returns ctx's error if ctx has ended (err then comes from the
// deadline that ending moved to the past), and err otherwise.
func ctxOr(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return err
}

// ---- per-call context handling ----

// call is one running operation on a Conn.
type call struct {
	c     *Conn
	op    string
	ctx   context.Context
	stop  func() bool // stops watching ctx
	ended atomic.Bool // the operation has ended

	// idle: the server runs no command during this call (it waits for
	// notifications), so the end of ctx only interrupts the read; the
	// connection stays usable.
	idle bool

	// aborted, when set, is why the call stopped its own command (see
	// abort); errors name it instead of the context's.
	aborted error

	// cancelErr, set by interrupt before it signals callFinished, is why the
	// CancelRequest it sent was not confirmed: the server may still act
	// on it, so the connection must not serve another call.
	cancelErr error

	// sent: the call has written (or tried to write) bytes to the socket,
	// so the server may have acted on them; set by callWriter.
	sent bool

	// fatal is the ErrorResponse of severity FATAL or PANIC the call
	// received, if any: the server closes the connection after it, and
	// receive returns it rather than the end of stream that follows.
	fatal *PgError
}

// begin claims the connection for one operation and arranges for the end of
// ctx to reach both the server (CancelRequest) and the socket (a deadline,
// if the server does not end the command within Config.CancelWait).
func (c *Conn) begin(ctx context.Context, op string) (*call, error) {
	return c.beginCall(ctx, op, false)
}

// beginCall is begin; idle says the server will run no command during the
// call (see call.idle).
func (c *Conn) beginCall(ctx context.Context, op string, idle bool) (*call, error) {
	if c.closed.Load() {
		return nil, c.errClosed(op)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgmoon: %s: %w", op, err)
	}
	if !c.busy.CompareAndSwap(false, true) {
		if c.closed.Load() {
			return nil, c.errClosed(op)
		}
		return nil, fmt.Errorf("pgmoon: %s: %w", op, ErrConnBusy)
	}
	k := &c.current
	k.c, k.op, k.ctx, k.stop, k.cancelErr, k.idle, k.aborted, k.sent, k.fatal = c, op, ctx, nil, nil, idle, nil, false, nil
	k.ended.Store(false)
	if ctx.Done() != nil {
		c.initInterrupt()
		k.stop = context.AfterFunc(ctx, c.interruptFn)
	}
	return k, nil
}

// initInterrupt makes what interrupt needs, once per connection, so that
// watching a context costs no allocation of ours: the call is always
// &c.current.
func (c *Conn) initInterrupt() {
	if c.interruptFn == nil {
		c.interruptFn = c.current.interrupt
		c.callDone = make(chan struct{}, 1)
		c.callFinished = make(chan struct{}, 1)
	}
}

// abort stops the command the call is running as the end of its context
// would (a CancelRequest, then after Config.CancelWait a deadline on the
// socket), for a reason of the caller's own: CopyTo's writer failed. The
// call goes on reading to the end of the command; end and endUnused wait
// for the interrupt, as they do after a context ends. It does nothing when
// the context's own interrupt runs already.
func (k *call) abort(reason error) {
	if k.stop != nil && !k.stop() {
		return
	}
	k.c.initInterrupt()
	k.aborted = reason
	k.stop = func() bool { return false } // settle must wait for interrupt
	go k.c.interruptFn()
}

// cause is what interrupted the call: the reason given to abort, or the
// context's error.
func (k *call) cause() error {
	if k.aborted != nil {
		return k.aborted
	}
	return k.ctx.Err()
}

// interrupt runs when the call's context ends before the call does. It
// sends a CancelRequest and waits, within Config.CancelWait, for the call
// to end; past that, it moves the socket's deadline to the past, which
// fails the call's read or write and so closes the connection. It returns
// within max(CancelWait, 1s) (unless the Dialer ignores its context), and
// the call's end waits for it.
func (k *call) interrupt() {
	c := k.c
	defer func() { c.callFinished <- struct{}{} }()
	if k.ended.Load() {
		return // the call ended as the context did: nothing to cancel
	}
	if k.idle {
		// Nothing runs on the server: stop waiting for it. The read
		// fails with a timeout that consumed no message.
		_ = c.netConn.SetReadDeadline(time.Unix(1, 0))
		return
	}
	wait := c.cfg.CancelWait
	if wait == 0 {
		wait = defaultCancelWait
	}
	if wait > 0 {
		start := time.Now()
		cctx, cancel := context.WithTimeout(context.Background(), max(wait, time.Second))
		sent, err := c.cancelRequest(cctx)
		cancel()
		if err != nil && sent {
			// The server may act on the request at any later time; end
			// closes the connection, so there is nothing to wait for.
			k.cancelErr = err
			_ = c.netConn.SetDeadline(time.Unix(1, 0))
			return
		}
		// Confirmed, or never sent (the dial or the TLS handshake
		// failed): the connection may serve the next call.
		timer := time.NewTimer(max(wait-time.Since(start), 0))
		defer timer.Stop()
		select {
		case <-c.callDone:
			return
		case <-timer.C:
		}
	}
	_ = c.netConn.SetDeadline(time.Unix(1, 0))
}

// settle stops watching the call's context once the call has ended, and
// reports whether the context interrupted it. When it did, settle first
// waits for interrupt to finish, so that nothing of this call (a
// CancelRequest in flight, a deadline) can reach the next one:
//
//   - A CancelRequest that was sent but not confirmed closes the
//     connection: the server may still act on it, during a later call.
//   - A confirmed one cannot reach a later call, even when the command it
//     aimed at ended by itself, so it needs no extra round trip. The
//     server confirms by closing the cancel connection, and the process
//     that closes it has signalled the backend before:
//     processCancelRequest (SendCancelRequest in recent releases) returns
//     from kill(pid, SIGINT), then the process exits. So the signal is
//     pending at the backend before we can send the next command, and the
//     kernel runs its handler (StatementCancelHandler, which only sets
//     QueryCancelPending) before the backend returns from the system call
//     that reads that command.
//     Commands are read with DoingCommandRead set; ProcessInterrupts
//     drops a pending cancel while it is set, and runs after every client
//     read (secure_read calls ProcessClientReadInterrupt) and once more in
//     PostgresMain after ReadCommand, before DoingCommandRead is cleared.
//     The signal is therefore used up by the command it was meant for, or
//     dropped while the backend waits for the next one. (On Windows,
//     where signals are emulated, kill returns once the signal is queued,
//     and that last CHECK_FOR_INTERRUPTS dispatches it.) A pooler in
//     between forwards cancels on its own terms; PgBouncer guards its
//     server connections against late ones (pgbouncer/pgbouncer#717).
func (k *call) settle() (interrupted bool) {
	if k.stop == nil {
		return false
	}
	k.ended.Store(true)
	if k.stop() {
		return false
	}
	// interrupt runs: tell it the call has ended, wait for it, and take
	// back the signal if it left without reading it.
	c := k.c
	c.callDone <- struct{}{}
	<-c.callFinished
	select {
	case <-c.callDone:
	default:
	}
	if k.cancelErr != nil {
		k.c.closeNetConn(k.errCancel())
	}
	return true
}

// errCancel explains why a call whose CancelRequest went unconfirmed
// closed the connection.
func (k *call) errCancel() error {
	return fmt.Errorf("the server did not confirm the cancel request sent for a %s, which could cancel a later command (%w)", k.op, k.cancelErr)
}

// end releases the connection. err is the operation's result; a fatal one
// closes the connection, as does an unconfirmed CancelRequest (see settle),
// which leaves a successful call's result standing. When the context
// interrupted the call, the error wraps both the context's error and what
// the call saw. A fatal error that the server did not answer with an
// ErrorResponse, after the call wrote something, also matches
// ErrResultUnknown: end is reached before the call's last ReadyForQuery
// only with an error.
func (k *call) end(err error) error {
	c := k.c
	interrupted := k.settle()
	if err != nil {
		fatal := isFatal(err)
		unknown := fatal && k.sent && !answered(err)
		if errors.Is(err, net.ErrClosed) && !errors.Is(err, ErrConnClosed) {
			// Close was called while the call ran.
			err = fmt.Errorf("%w (%w)", ErrConnClosed, err)
		}
		if cause := k.cause(); interrupted && !errors.Is(err, cause) {
			err = fmt.Errorf("%w (%w)", cause, err)
		}
		if k.cancelErr != nil {
			err = fmt.Errorf("%w; connection closed: %v", err, k.errCancel())
		}
		if _, ok := err.(*ProtocolError); !ok {
			// (A ProtocolError names the call already.)
			err = fmt.Errorf("pgmoon: %s: %w", k.op, err)
		}
		if unknown {
			err = resultUnknown(err)
		}
		if fatal {
			c.closeNetConn(err)
		}
	}
	if interrupted && !c.closed.Load() {
		// The call ended at ReadyForQuery (a server error or success)
		// while interrupt was at work; it may have set a deadline after
		// the last read. The next call must not inherit it.
		_ = c.netConn.SetDeadline(time.Time{})
	}
	if !c.closed.Load() {
		c.busy.Store(false)
	}
	return err
}

// isFatal reports whether err leaves the connection unusable: anything but
// a server error of severity ERROR that is not part of a protocol
// violation (or an encode error caught before sending, which the callers
// return without a call).
func isFatal(err error) bool {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return true // even one that carries a *PgError
	}
	var pgErr *PgError
	if errors.As(err, &pgErr) {
		return endsSession(pgErr.SeverityUnlocalized) || endsSession(pgErr.Severity)
	}
	return true
}

// answered reports whether err carries the server's ErrorResponse for the
// call (and is not a protocol violation): the server said what became of
// the statement, so a connection closed after it does not leave the
// outcome unknown.
func answered(err error) bool {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return false
	}
	var pgErr *PgError
	return errors.As(err, &pgErr)
}

// endUnused releases a call that ended with the connection at
// ReadyForQuery and nothing left to read: before anything was sent, or
// between round trips.
func (k *call) endUnused() {
	c := k.c
	if k.settle() && !c.closed.Load() {
		_ = c.netConn.SetDeadline(time.Time{})
	}
	if !c.closed.Load() {
		c.busy.Store(false)
	}
}
