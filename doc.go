// Package pgmoon is a pure-Go PostgreSQL driver that speaks the
// frontend/backend wire protocol (version 3.0) itself.
//
// It follows the idea of pgmoon, the Lua driver: query code stays
// procedural whatever carries the bytes. Every byte goes through a [Dialer]
// (any DialContext returning a net.Conn: *net.Dialer, a tunnel, an
// in-memory pipe, a test proxy), and every call takes a context.Context
// whose end reaches both the socket and the server.
//
// # Connecting
//
// [ParseConfig] reads a connection string in URL form
// (postgres://user:password@host:port/dbname?sslmode=disable) or libpq's
// keyword/value form (host=/var/run/postgresql dbname=app), with the PG*
// environment variables as defaults. [Connect] dials, negotiates TLS as
// sslmode says, authenticates (trust, password, md5, SCRAM-SHA-256) and
// waits for the server to be ready; the context bounds the whole handshake.
//
//	cfg, err := pgmoon.ParseConfig("postgres://app@db.internal/app?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.crt")
//	cfg.Dialer = myTunnel // optional
//	conn, err := pgmoon.Connect(ctx, cfg)
//	defer conn.Close(ctx)
//
// The string is read as libpq reads it, with its keywords, its PG*
// environment variables, pg_service.conf and the password file
// (~/.pgpass); [ParseConfigWithOptions] restricts what a string from
// untrusted input may say. Several hosts (host=a,b) are tried in turn, or
// shuffled (load_balance_hosts=random), until one matches
// target_session_attrs (read-write, primary, standby, prefer-standby...).
//
// # TLS
//
// sslmode and the ssl* settings (sslrootcert, sslcert, sslkey, sslpassword,
// sslsni, sslnegotiation, ssl_min_protocol_version,
// ssl_max_protocol_version) mean what they mean in libpq: verify-full
// checks the chain against sslrootcert (or ~/.postgresql/root.crt, or the
// system's roots with sslrootcert=system) and the host name with libpq's
// rules; require verifies the chain when a root file exists; prefer falls
// back to plain text when the server declines or the handshake fails.
// [Config.TLSConfig] replaces the ssl* settings for programmatic use.
//
// channel_binding (SCRAM-SHA-256-PLUS bound to the TLS connection) and
// require_auth (the authentication methods the server may use) are checked
// before any credential is sent.
//
// # Queries
//
// [Conn.Query], [Conn.QueryRow] and [Conn.Exec] run one statement with the
// extended protocol; arguments are bound as parameters, never put into the
// SQL. How the statement travels is its [QueryExecMode]: by default it is
// prepared on first use and kept in a per-connection LRU cache, so later
// runs take one round trip; [ExecModeCacheDescribe] uses only the unnamed
// statement, for poolers in transaction mode. A cached statement the
// server invalidates (ALTER TABLE, DISCARD ALL) is prepared again and the
// call retried once, outside transactions. [Conn.Prepare] names a statement
// for later calls.
//
// Rows are read with Next and Scan, or collected: [CollectRows] with
// [RowToStructByName] maps columns to struct fields by name, and
// [RowsSeq] is a Go iterator over rows. Every collector closes the rows,
// also when the callback panics.
//
// # Pipelining
//
// A [Batch] queues statements that [Conn.SendBatch] sends in one write;
// [BatchResults] reads their results in order, each with its own error. A
// batch is one implicit transaction unless Batch.Independent is set.
//
// # Transactions
//
// [Conn.Begin] and [Conn.BeginTx] return a [Tx] with the same query methods
// (both satisfy [Querier]); Tx.Begin nests with a savepoint, and
// [BeginFunc] commits or rolls back around a function.
//
// # database/sql
//
// Importing the package registers the driver "pgmoon" (and "postgres"
// when no other driver has it); [OpenDB] and [NewConnector] take a Config
// built in code. Queries run as Conn.Query does; several statements without
// arguments return every result set; a server error is the *PgError
// itself; driver.ErrBadConn is returned only when nothing was sent.
// sql.Conn.Raw gives a [DriverConn], whose Conn method returns the native
// connection.
//
// # Pool
//
// [NewPool] makes a [Pool] with the same query methods as a [Conn] (both,
// and [Tx], satisfy [Querier], [Copier] and [TxBeginner]); each call
// borrows a connection only while it needs one, and [Pool.Acquire] holds
// one. Connections given back in a transaction are rolled back, busy or
// broken ones closed, and idle ones a server restart killed are found
// without a round trip and replaced. Config.Pool holds its settings.
//
// # COPY
//
// [Conn.CopyFrom] streams rows from a [CopyFromSource] ([CopyFromRows],
// [CopyFromSlice], [CopyFromFunc], [CopyFromSeq]) into a table with binary
// COPY; [Conn.CopyFromReader] feeds a COPY ... FROM STDIN from an
// io.Reader, and [Conn.CopyTo] writes a COPY ... TO STDOUT to an io.Writer.
// Data moves in 64 KiB chunks, so memory stays flat; a server error stops
// the sending at once, a source error ends the COPY with CopyFail, and the
// connection stays usable after either.
//
// # Notifications, notices and server parameters
//
// [Conn.WaitForNotification] returns LISTEN/NOTIFY notifications, queued
// ones first; its context only ends the wait. [Config.OnNotification]
// receives those that arrive during other calls, and [Config.OnNotice] every
// notice. [Conn.ParameterStatus] returns the server parameters the server
// reports, kept current.
//
// # Simple queries
//
// [Conn.SimpleQuery] runs one or more statements with the simple query
// protocol and returns one [Result] per statement: columns, rows as raw text
// values (nil for NULL), the command tag, and the notices and notifications
// that arrived along the way.
//
// # Errors
//
// Three kinds are kept apart. [*PgError] is the server's error with every
// ErrorResponse field; errors.Is(err, &PgError{Code: "23505"}) matches by
// SQLSTATE. [*ProtocolError] means the server broke the protocol; the
// connection is closed. [ErrConnClosed] and [ErrConnBusy] are local state:
// nothing was sent. Connection failures are [*ConnectError], parse failures
// [*ParseConfigError]; neither ever contains the password.
//
// # Context support
//
// When a call's context ends, the driver sends a CancelRequest on a new
// connection (through the same Dialer) and waits up to Config.CancelWait for
// the server to stop the command; the call then returns an error matching
// both the context's error and the server's query_canceled, and the
// connection stays usable. If the server does not answer in time, the socket
// is interrupted and the connection closed; so it is when the server does
// not confirm the CancelRequest, which could otherwise cancel a later
// command.
//
// # Concurrency
//
// A [Conn] serves one call at a time; a second goroutine gets ErrConnBusy.
// [Conn.Close] may be called from any goroutine and interrupts a running
// call.
//
// Specification: https://www.postgresql.org/docs/current/protocol.html
package pgmoon
