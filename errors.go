package pgmoon

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pgmoon-go/pgmoon/protocol"
)

// Local-state errors: the connection cannot take the call at all. Nothing was
// sent to the server.
var (
	// ErrConnClosed is returned by calls on a connection that was closed,
	// by Close or after a fatal error.
	ErrConnClosed = errors.New("pgmoon: connection closed")
	// ErrConnBusy is returned when a connection is used while a call on it
	// is still running: on another goroutine, or a Query whose Rows were
	// not closed yet. A Conn serves one call at a time; use a Pool for
	// concurrent work.
	ErrConnBusy = errors.New("pgmoon: connection busy with another call (one running on another goroutine, or a Query whose Rows are still open: read them to the end or call Rows.Close first)")
)

// ErrResultUnknown is matched (errors.Is) by the error of a call whose
// connection was lost after some of the call's messages may have reached
// the server and before the server said the call was over (its last
// ReadyForQuery): a read or write failed, the server closed the
// connection, the call's context ended and the socket had to be closed,
// Close was called from another goroutine, or the server broke the
// protocol. The server may have carried the command
// out, or part of it (an INSERT in autocommit, a COMMIT), or not; only
// looking at the data can tell. The error also wraps its cause (the I/O
// error, the context's error, a *ProtocolError, or the *PgError of a FATAL
// during Tx.Commit), and the connection is closed.
//
// pgmoon never sends such a call again: not Conn, not Pool, not the
// database/sql driver (which returns driver.ErrBadConn, the signal for
// database/sql to retry on another connection, only when nothing was
// sent). Retrying is the application's decision, safe only for an
// idempotent command.
//
// A call the server answered with an ErrorResponse is not unknown: the
// statement failed (severity ERROR, the connection stays usable), or its
// transaction was rolled back as the backend ended (FATAL, say 57P01 from
// pg_terminate_backend; the connection is closed). Nor is a call refused
// before anything was written: ErrConnClosed, ErrConnBusy, a value that
// cannot be encoded, a context that had ended already.
var ErrResultUnknown = errors.New("pgmoon: connection lost after the command was sent; the server may or may not have carried it out")

// resultUnknownError is a call's error that also matches ErrResultUnknown.
type resultUnknownError struct{ err error }

func (e *resultUnknownError) Error() string {
	return e.err.Error() + " (connection lost after the command was sent: the server may or may not have carried it out)"
}

func (e *resultUnknownError) Unwrap() []error { return []error{e.err, ErrResultUnknown} }

// resultUnknown wraps err so that it matches ErrResultUnknown too.
func resultUnknown(err error) error {
	if errors.Is(err, ErrResultUnknown) {
		return err
	}
	return &resultUnknownError{err}
}

// PgError is an error reported by the server in an ErrorResponse. Every field
// the server sent is kept; see
// https://www.postgresql.org/docs/current/protocol-error-fields.html
//
// errors.Is(err, &PgError{Code: "23505"}) matches any PgError with that
// SQLSTATE.
type PgError struct {
	Severity            string // S: localized severity (ERROR, FATAL, PANIC, or a notice level)
	SeverityUnlocalized string // V: severity, never localized (PostgreSQL 9.6+)
	Code                string // C: SQLSTATE code
	Message             string // M: primary message
	Detail              string // D: optional detail
	Hint                string // H: optional hint
	Position            int32  // P: 1-based character position in the query, 0 if absent
	InternalPosition    int32  // p: position in InternalQuery, 0 if absent
	InternalQuery       string // q: text of an internally generated command
	Where               string // W: context (call stack)
	SchemaName          string // s
	TableName           string // t
	ColumnName          string // c
	DataTypeName        string // d
	ConstraintName      string // n
	File                string // F: server source file
	Line                int32  // L: server source line
	Routine             string // R: server source routine
	// Unknown holds fields whose codes this version does not know, so that
	// nothing the server said is lost.
	Unknown map[byte]string
}

// Error formats the error as "SEVERITY: message (SQLSTATE code)".
func (e *PgError) Error() string {
	sev := e.Severity
	if sev == "" {
		sev = e.SeverityUnlocalized
	}
	return sev + ": " + e.Message + " (SQLSTATE " + e.Code + ")"
}

// SQLState returns the five-character SQLSTATE code.
func (e *PgError) SQLState() string { return e.Code }

// Is reports whether target is a *PgError with the same SQLSTATE code.
func (e *PgError) Is(target error) bool {
	t, ok := target.(*PgError)
	return ok && t.Code != "" && t.Code == e.Code
}

// Notice is a NoticeResponse from the server: a warning or informational
// message with the same fields as PgError.
type Notice PgError

// Error-like formatting for logs: "NOTICE: message".
func (n *Notice) String() string {
	sev := n.Severity
	if sev == "" {
		sev = n.SeverityUnlocalized
	}
	return sev + ": " + n.Message
}

// Notification is an asynchronous NotificationResponse (NOTIFY).
type Notification struct {
	PID     uint32 // process ID of the notifying backend
	Channel string
	Payload string
}

// pgErrorFromFields converts ErrorResponse/NoticeResponse fields. Strings are
// copied: the fields alias a buffer that is reused.
func pgErrorFromFields(fields []protocol.ErrorField) *PgError {
	e := &PgError{}
	for _, f := range fields {
		v := strings.Clone(f.Value)
		switch f.Code {
		case 'S':
			e.Severity = v
		case 'V':
			e.SeverityUnlocalized = v
		case 'C':
			e.Code = v
		case 'M':
			e.Message = v
		case 'D':
			e.Detail = v
		case 'H':
			e.Hint = v
		case 'P':
			e.Position = atoi32(v)
		case 'p':
			e.InternalPosition = atoi32(v)
		case 'q':
			e.InternalQuery = v
		case 'W':
			e.Where = v
		case 's':
			e.SchemaName = v
		case 't':
			e.TableName = v
		case 'c':
			e.ColumnName = v
		case 'd':
			e.DataTypeName = v
		case 'n':
			e.ConstraintName = v
		case 'F':
			e.File = v
		case 'L':
			e.Line = atoi32(v)
		case 'R':
			e.Routine = v
		default:
			if e.Unknown == nil {
				e.Unknown = make(map[byte]string)
			}
			e.Unknown[f.Code] = v
		}
	}
	return e
}

func atoi32(s string) int32 {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0
	}
	return int32(n)
}

// ProtocolError reports that the server broke the protocol: a malformed
// message (Err then wraps a *protocol.ProtocolError) or a message that cannot
// arrive at this point. The connection is closed when one is returned.
type ProtocolError struct {
	Op  string // the call that was running, e.g. "simple query"
	Err error
}

func (e *ProtocolError) Error() string {
	return "pgmoon: " + e.Op + ": protocol violation: " + e.Err.Error()
}

func (e *ProtocolError) Unwrap() error { return e.Err }

func unexpected(op string, msg protocol.BackendMessage) error {
	if m, ok := msg.(*protocol.ParameterStatus); ok {
		// ParameterStatus may come at any time; handleAsync refuses one
		// only when it names a parameter beyond the limit.
		return &ProtocolError{Op: op, Err: fmt.Errorf("ParameterStatus %q: the server reported more than %d parameters", truncateName(m.Name), maxServerParameters)}
	}
	return &ProtocolError{Op: op, Err: fmt.Errorf("unexpected %s", messageName(msg))}
}

// messageName returns the protocol name of a message, e.g. "DataRow".
func messageName(msg protocol.Message) string {
	n := fmt.Sprintf("%T", msg)
	if i := strings.LastIndexByte(n, '.'); i >= 0 {
		n = n[i+1:]
	}
	return n
}

// ConnectError reports a failure to establish a connection. It never
// contains the password.
type ConnectError struct {
	Addr string // "host:port" or the unix socket path tried
	Err  error
}

func (e *ConnectError) Error() string {
	return "pgmoon: connect to " + e.Addr + ": " + e.Err.Error()
}

func (e *ConnectError) Unwrap() error { return e.Err }

// ParseConfigError reports a connection string that cannot be parsed. The
// connection string it quotes has its password redacted.
type ParseConfigError struct {
	ConnString string // redacted
	Msg        string
	Err        error
}

func (e *ParseConfigError) Error() string {
	s := "pgmoon: cannot parse connection string"
	if e.ConnString != "" {
		s += " `" + e.ConnString + "`"
	}
	s += ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *ParseConfigError) Unwrap() error { return e.Err }

// truncateName shortens a server-sent name for an error message.
func truncateName(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
