package pgmoon

import (
	"context"
	"errors"
	"fmt"

	"github.com/pgmoon-go/pgmoon/protocol"
	"github.com/pgmoon-go/pgmoon/types"
)

// QueryResultFormats, given as the first argument after the SQL of Query,
// QueryRow or Exec, asks for the result columns in these formats instead of
// each type's preferred one: a single format for every column, or one per
// column. It is not a query parameter.
type QueryResultFormats []types.Format

// maxParameters is the most parameters a Bind message can carry.
const maxParameters = 65535

// Query runs one SQL statement with the extended query protocol and returns
// its rows. args are the values of $1, $2, …: each is encoded by the
// connection's type map for the type the server inferred for it, in binary
// where the type's codec can, in text otherwise; nothing is ever
// interpolated into sql.
//
// The statement is parsed and described first, so the parameter count and
// every argument's Go type are checked before any value is sent; a mistake
// returns an error naming the parameter and leaves the connection ready.
// Types the map does not know (enums, composites, domains, extension types)
// are looked up in the server's catalog on first use and remembered for the
// connection.
//
// Server errors in the statement arrive as the returned error when they
// happen before the first row, and from Rows.Err after it. The connection
// is busy until the Rows are closed (Next returning false closes them).
func (c *Conn) Query(ctx context.Context, sql string, args ...any) (*Rows, error) {
	k, err := c.begin(ctx, "query")
	if err != nil {
		return nil, err
	}
	r := &Rows{c: c, k: k}
	if err := c.startQuery(r, sql, args); err != nil {
		return nil, err
	}
	return r, nil
}

// startQuery runs the describe round trip and sends Bind/Execute. On error
// the call has ended.
func (c *Conn) startQuery(r *Rows, sql string, args []any) error {
	k := r.k
	var resultFormats QueryResultFormats
	if len(args) > 0 {
		if f, ok := args[0].(QueryResultFormats); ok {
			resultFormats, args = f, args[1:]
		}
	}
	if len(args) > maxParameters {
		k.endUnused()
		return fmt.Errorf("pgmoon: query: %d arguments; the protocol allows at most %d", len(args), maxParameters)
	}

	// Parse and describe the unnamed statement.
	// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY
	if err := c.fe.Send(&protocol.Parse{Query: sql}); err != nil {
		k.endUnused()
		return fmt.Errorf("pgmoon: query: %w", err)
	}
	paramOIDs, fields, err := c.describe()
	if err != nil {
		return endAtReady(k, err)
	}
	if len(args) != len(paramOIDs) {
		k.endUnused()
		return fmt.Errorf("pgmoon: query: the statement has %d parameters but %d arguments were given", len(paramOIDs), len(args))
	}
	if err := c.loadUnknownTypes(paramOIDs, fields); err != nil {
		return endAtReady(k, err)
	}

	bind := &c.bindMsg
	if err := c.encodeArgs(bind, paramOIDs, args); err != nil {
		k.endUnused()
		return fmt.Errorf("pgmoon: query: %w", err)
	}
	if err := r.setFields(fields, resultFormats); err != nil {
		k.endUnused()
		return fmt.Errorf("pgmoon: query: %w", err)
	}
	bind.ResultFormats = bind.ResultFormats[:0]
	for _, f := range r.formats {
		bind.ResultFormats = append(bind.ResultFormats, int16(f))
	}
	bind.ResultFormats = collapseFormats(bind.ResultFormats)
	// Parse again in the same batch as Bind: behind a pooler in
	// transaction mode, the Sync after Describe may have ended this
	// server session's claim on the unnamed statement.
	err = c.fe.Send(&protocol.Parse{Query: sql, ParameterOIDs: paramOIDs})
	if err == nil {
		err = c.fe.Send(bind)
	}
	if err == nil {
		err = c.fe.Send(&protocol.Execute{})
	}
	if err == nil {
		err = c.fe.Send(&protocol.Sync{})
	}
	if err == nil {
		err = c.fe.Flush()
	}
	if err != nil {
		return k.end(err)
	}
	// Read up to the first row, so errors of binding and of the start of
	// execution come back from Query.
	if r.advance() {
		r.pending = true
		return nil
	}
	return r.err // advance closed the rows; nil when there were none
}

// describe sends Describe and Sync after a Parse and reads the statement's
// parameter types and result columns, up to ReadyForQuery.
func (c *Conn) describe() (paramOIDs []uint32, fields []FieldDescription, err error) {
	const op = "query"
	err = c.fe.Send(&protocol.Describe{ObjectType: protocol.ObjectStatement})
	if err == nil {
		err = c.fe.Send(&protocol.Sync{})
	}
	if err == nil {
		err = c.fe.Flush()
	}
	if err != nil {
		return nil, nil, err
	}
	var pgErr error
	for {
		msg, err := c.receive(op)
		if err != nil {
			return nil, nil, err
		}
		switch m := msg.(type) {
		case *protocol.ParseComplete:
		case *protocol.ParameterDescription:
			paramOIDs = append([]uint32(nil), m.ParameterOIDs...)
		case *protocol.RowDescription:
			fields = fieldDescriptions(m.Fields)
		case *protocol.NoData:
		case *protocol.ErrorResponse:
			pgErr = pgErrorFromFields(m.Fields)
		case *protocol.ReadyForQuery:
			c.setTxStatus(m.TxStatus)
			if pgErr != nil {
				return nil, nil, pgErr
			}
			return paramOIDs, fields, nil
		default:
			if !c.handleAsync(msg) {
				return nil, nil, unexpected(op, msg)
			}
		}
	}
}

// handleAsync handles a message the server may send at any time. It
// reports false for any other message.
func (c *Conn) handleAsync(msg protocol.BackendMessage) bool {
	switch m := msg.(type) {
	case *protocol.ParameterStatus:
		c.setParam(m.Name, m.Value)
	case *protocol.NoticeResponse, *protocol.NotificationResponse:
		// Delivered by the session API (issue 7); dropped here.
	default:
		return false
	}
	return true
}

// encodeArgs fills bind's parameters with args encoded for paramOIDs.
func (c *Conn) encodeArgs(bind *protocol.Bind, paramOIDs []uint32, args []any) error {
	buf := c.paramBuf[:0]
	if buf == nil {
		// Non-nil, so an empty value stays apart from NULL (a nil
		// parameter).
		buf = make([]byte, 0, 128)
	}
	ends := c.paramEnds[:0]
	bind.ParameterFormats = bind.ParameterFormats[:0]
	for i, arg := range args {
		t := c.typeMap.TypeOrUnknown(paramOIDs[i])
		var (
			f    types.Format
			null bool
			err  error
		)
		buf, f, null, err = c.typeMap.Encode(t, arg, buf)
		if err != nil {
			return fmt.Errorf("parameter $%d: %w", i+1, err)
		}
		if null {
			ends = append(ends, -1)
		} else {
			ends = append(ends, len(buf))
		}
		bind.ParameterFormats = append(bind.ParameterFormats, int16(f))
	}
	c.paramBuf, c.paramEnds = buf, ends
	if cap(bind.Parameters) < len(args) {
		bind.Parameters = make([][]byte, len(args))
	}
	bind.Parameters = bind.Parameters[:len(args)]
	start := 0
	for i, end := range ends {
		if end < 0 {
			bind.Parameters[i] = nil
			continue
		}
		bind.Parameters[i] = buf[start:end:end]
		start = end
	}
	bind.ParameterFormats = collapseFormats(bind.ParameterFormats)
	return nil
}

// collapseFormats shortens a list of format codes that are all the same to
// that one code, which Bind applies to every parameter or column.
func collapseFormats(codes []int16) []int16 {
	for _, c := range codes {
		if c != codes[0] {
			return codes
		}
	}
	return codes[:min(len(codes), 1)]
}

// endAtReady ends the call for an error met between round trips. A server
// error leaves the connection ready for the next statement (the statement
// failed to parse, or a catalog look-up failed); anything else ends the
// call as an error does.
func endAtReady(k *call, err error) error {
	var pgErr *PgError
	if errors.As(err, &pgErr) && !isFatal(err) {
		k.endUnused()
		return fmt.Errorf("pgmoon: query: %w", err)
	}
	return k.end(err)
}

// Exec runs one SQL statement, as Query does, and returns its command tag,
// discarding any rows.
func (c *Conn) Exec(ctx context.Context, sql string, args ...any) (CommandTag, error) {
	rows, err := c.Query(ctx, sql, args...)
	if err != nil {
		return CommandTag{}, err
	}
	for rows.Next() {
	}
	return rows.CommandTag(), rows.Err()
}

// QueryRow runs Query and returns the first row for scanning; the rest are
// discarded. Its Scan returns ErrNoRows when there is no row.
func (c *Conn) QueryRow(ctx context.Context, sql string, args ...any) *Row {
	rows, err := c.Query(ctx, sql, args...)
	return &Row{rows: rows, err: err}
}

// TypeMap returns the connection's type map: the built-in types, those of
// Config.Types, and those the connection looked up in the catalog. Register
// a codec on it for a type of your own; it is used by this connection only.
// It must not be changed while a call runs.
func (c *Conn) TypeMap() *types.Map { return c.typeMap }
