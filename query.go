package pgmoon

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/pgmoon-go/pgmoon/protocol"
)

// FieldDescription describes one column of a result.
// See the RowDescription message in
// https://www.postgresql.org/docs/current/protocol-message-formats.html
type FieldDescription struct {
	Name                 string
	TableOID             uint32 // 0 if the column is not a table column
	TableAttributeNumber uint16 // 0 if the column is not a table column
	DataTypeOID          uint32
	DataTypeSize         int16 // negative for variable-width types
	TypeModifier         int32
	Format               int16 // 0 text, 1 binary
}

// CommandTag is the server's summary of a completed statement, such as
// "INSERT 0 1", "UPDATE 3" or "CREATE TABLE".
type CommandTag struct{ s string }

// NewCommandTag makes a CommandTag from its text, for tests and fakes.
func NewCommandTag(s string) CommandTag { return CommandTag{s: s} }

// String returns the tag as the server sent it.
func (t CommandTag) String() string { return t.s }

// RowsAffected returns the row count in the tag: rows inserted, updated,
// deleted, merged, selected, copied, moved or fetched; 0 for tags without a
// count.
func (t CommandTag) RowsAffected() int64 {
	i := strings.LastIndexByte(t.s, ' ')
	if i < 0 {
		return 0
	}
	switch t.Command() {
	case "INSERT", "UPDATE", "DELETE", "MERGE", "SELECT", "COPY", "MOVE", "FETCH":
	default:
		return 0
	}
	n, err := strconv.ParseInt(t.s[i+1:], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// Command returns the tag without its counts: "INSERT", "CREATE TABLE".
func (t CommandTag) Command() string {
	s := t.s
	for {
		i := strings.LastIndexByte(s, ' ')
		if i < 0 {
			return s
		}
		if _, err := strconv.ParseUint(s[i+1:], 10, 64); err != nil {
			return s
		}
		s = s[:i]
	}
}

// Result is what one statement of a SimpleQuery produced. Values are raw
// text as the server sent them; a nil value is SQL NULL.
type Result struct {
	Fields     []FieldDescription // nil for statements that return no rows
	Rows       [][][]byte         // Rows[i][j] is column j of row i; nil means NULL
	CommandTag CommandTag         // empty for an empty query

	// Notices and Notifications received while this statement ran.
	Notices       []*Notice
	Notifications []*Notification

	// Err is set on the last Result when a statement failed: it holds the
	// rows the statement produced before the error, and Err is the same
	// *PgError SimpleQuery returns.
	Err error
}

// SimpleQuery runs one or more SQL statements separated by semicolons with
// the simple query protocol, the way pgmoon's query does, and returns one
// Result per statement: columns, rows as raw text values, the command tag,
// and the notices and notifications that arrived along the way. Those are
// also passed to Config.OnNotice and Config.OnNotification when set; the
// notifications listed are not queued for WaitForNotification.
//
// No parameters are sent, so nothing in sql is interpolated; it runs as one
// implicit transaction unless it contains explicit transaction commands.
// When a statement fails, SimpleQuery returns the results of the statements
// before it, plus a last Result holding the failed statement's partial rows
// with Err set, and the *PgError; the connection stays usable.
//
// An empty query (only whitespace or comments) returns one Result with an
// empty CommandTag. COPY ... FROM STDIN is refused by sending CopyFail (use
// the COPY API instead); COPY ... TO STDOUT returns each data line as a
// one-column row.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SIMPLE-QUERY
func (c *Conn) SimpleQuery(ctx context.Context, sql string) ([]*Result, error) {
	results, _, err := c.simpleCall(ctx, "simple query", sql)
	return results, err
}

// simpleCall runs sql with the simple query protocol as a call named op.
// sent reports whether sql may have reached the server; when it is false
// the connection was left as it was (closed, busy, ctx already ended, or
// sql refused before sending).
func (c *Conn) simpleCall(ctx context.Context, op, sql string) (results []*Result, sent bool, err error) {
	k, err := c.begin(ctx, op)
	if err != nil {
		return nil, false, err
	}
	if err := c.sendQuery(sql); err != nil {
		// Refused before anything was sent (a NUL byte in sql): the
		// connection is untouched.
		k.endUnused()
		return nil, false, fmt.Errorf("pgmoon: %s: %w", op, err)
	}
	results, err = c.simpleQuery(true)
	return results, true, k.end(err)
}

// sendQuery queues a Query message; simpleQuery flushes it and reads the
// results.
func (c *Conn) sendQuery(sql string) error {
	c.queryMsg.SQL = sql
	err := c.fe.Send(&c.queryMsg)
	c.queryMsg.SQL = ""
	return err
}

// simpleQuery reads the results of a Query message. Notices go to
// OnNotice; notifications to OnNotification or the queue, except that with
// list set (SimpleQuery itself) they are listed in the Results instead of
// queued.
func (c *Conn) simpleQuery(list bool) ([]*Result, error) {
	const op = "simple query"
	if err := c.fe.Flush(); err != nil {
		return nil, err
	}
	var (
		results  []*Result
		cur      *Result // statement in progress
		pending  Result  // notices and notifications not yet attached
		firstErr error
		copyOut  bool
	)
	current := func() *Result {
		if cur == nil {
			cur = &Result{Notices: pending.Notices, Notifications: pending.Notifications}
			pending = Result{}
		}
		return cur
	}
	finish := func() {
		results = append(results, current())
		cur = nil
	}
	for {
		msg, err := c.receive(op)
		if err != nil {
			return results, err
		}
		switch m := msg.(type) {
		case *protocol.RowDescription:
			r := current()
			r.Fields = fieldDescriptions(m.Fields)
		case *protocol.DataRow:
			r := current()
			if r.Fields == nil || len(m.Values) != len(r.Fields) {
				return results, &ProtocolError{Op: op, Err: fmt.Errorf("DataRow with %d values for %d columns", len(m.Values), len(r.Fields))}
			}
			r.Rows = append(r.Rows, copyRow(m.Values))
		case *protocol.CommandComplete:
			current().CommandTag = CommandTag{s: string(m.CommandTag)}
			c.noteTag(current().CommandTag.s)
			copyOut = false
			finish()
		case *protocol.EmptyQueryResponse:
			finish()
		case *protocol.ErrorResponse:
			pgErr := pgErrorFromFields(m.Fields)
			if firstErr == nil {
				firstErr = pgErr
			}
			current().Err = pgErr
			copyOut = false
			finish()
		case *protocol.NoticeResponse:
			n := c.notice(m)
			if cur != nil {
				cur.Notices = append(cur.Notices, n)
			} else {
				pending.Notices = append(pending.Notices, n)
			}
		case *protocol.NotificationResponse:
			n := newNotification(m)
			c.deliver(n, list)
			if !list {
				continue
			}
			if cur != nil {
				cur.Notifications = append(cur.Notifications, n)
			} else {
				pending.Notifications = append(pending.Notifications, n)
			}
		case *protocol.ParameterStatus:
			if !c.setParam(m.Name, m.Value) {
				return results, unexpected(op, msg)
			}
		case *protocol.CopyInResponse:
			if err := c.sendFlush(&protocol.CopyFail{Message: "COPY FROM STDIN is not supported by SimpleQuery"}); err != nil {
				return results, err
			}
		case *protocol.CopyOutResponse:
			r := current()
			r.Fields = []FieldDescription{{Name: "copy", DataTypeOID: 25, DataTypeSize: -1}}
			copyOut = true
		case *protocol.CopyData:
			if !copyOut {
				return results, unexpected(op, msg)
			}
			cur.Rows = append(cur.Rows, [][]byte{append([]byte(nil), m.Data...)})
		case *protocol.CopyDone:
			if !copyOut {
				return results, unexpected(op, msg)
			}
		case *protocol.ReadyForQuery:
			c.setTxStatus(m.TxStatus)
			if cur != nil {
				// A statement without CommandComplete: impossible from a
				// correct server.
				return results, &ProtocolError{Op: op, Err: fmt.Errorf("ReadyForQuery before the statement completed")}
			}
			if len(results) > 0 {
				last := results[len(results)-1]
				last.Notices = append(last.Notices, pending.Notices...)
				last.Notifications = append(last.Notifications, pending.Notifications...)
			}
			return results, firstErr
		default:
			return results, unexpected(op, msg)
		}
	}
}

// fieldDescriptions copies a RowDescription's fields out of the receive
// buffer.
func fieldDescriptions(fields []protocol.FieldDescription) []FieldDescription {
	out := make([]FieldDescription, len(fields))
	for i, f := range fields {
		out[i] = FieldDescription{
			Name:                 string(f.Name),
			TableOID:             f.TableOID,
			TableAttributeNumber: f.TableAttributeNumber,
			DataTypeOID:          f.DataTypeOID,
			DataTypeSize:         f.DataTypeSize,
			TypeModifier:         f.TypeModifier,
			Format:               f.Format,
		}
	}
	return out
}

// copyRow copies a DataRow's values into one allocation. NULL stays nil and
// an empty value stays a non-nil empty slice.
func copyRow(values [][]byte) [][]byte {
	n := 0
	for _, v := range values {
		n += len(v)
	}
	buf := make([]byte, 0, n)
	row := make([][]byte, len(values))
	for i, v := range values {
		if v == nil {
			continue
		}
		start := len(buf)
		buf = append(buf, v...)
		row[i] = buf[start:len(buf):len(buf)]
	}
	return row
}
