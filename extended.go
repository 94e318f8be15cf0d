package pgmoon

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pgmoon-go/pgmoon/protocol"
	"github.com/pgmoon-go/pgmoon/types"
)

// QueryResultFormats, given as an option argument (after the SQL of Query,
// QueryRow or Exec, before any parameter), asks for the result columns in
// these formats instead of each type's preferred one: a single format for
// every column, or one per column. It is not a query parameter. The simple
// protocol and ExecModeExec always return text and ignore it.
type QueryResultFormats []types.Format

// maxParameters is the most parameters a Bind message can carry.
const maxParameters = 65535

// Query runs one SQL statement and returns its rows. args are the values of
// $1, $2, …, preceded by any option arguments (a QueryExecMode,
// QueryResultFormats). How the statement travels depends on the exec mode
// (Config.DefaultExecMode, ExecModeCacheStatement unless set): by default
// it is prepared once per connection and then runs in one round trip, its
// arguments encoded by the connection's type map for the types the server
// described, in binary where the type's codec can; nothing is interpolated
// into sql.
//
// When the statement's parameter types are known before sending (every
// mode but ExecModeExec and ExecModeSimpleProtocol), a wrong number of
// arguments or an argument the parameter's type cannot take is an error
// naming the parameter, returned before the statement runs; the connection
// stays ready. Types the map does not know (enums, composites, domains,
// extension types) are looked up in the server's catalog the first time a
// described statement uses them, and remembered for the connection.
//
// sql may also be the name given to Prepare, which runs that statement.
//
// Server errors in the statement arrive as the returned error when they
// happen before the first row, and from Rows.Err after it. The connection
// is busy until the Rows are closed (Next returning false closes them).
func (c *Conn) Query(ctx context.Context, sql string, args ...any) (*Rows, error) {
	r := &Rows{}
	if err := c.query(ctx, r, sql, args); err != nil {
		return nil, err
	}
	return r, nil
}

// QueryRow runs Query and returns the first row for scanning; the rest are
// discarded. Its Scan returns ErrNoRows when there is no row.
//
// QueryRow is small enough to be inlined, so that a Row scanned at once, as
// in c.QueryRow(ctx, sql, args...).Scan(&v), lives on the caller's stack.
func (c *Conn) QueryRow(ctx context.Context, sql string, args ...any) *Row {
	row := &Row{}
	c.queryRow(ctx, row, sql, args)
	return row
}

// queryRow is QueryRow's work, kept out of line so that QueryRow stays
// small enough to inline.
//
//go:noinline
func (c *Conn) queryRow(ctx context.Context, row *Row, sql string, args []any) {
	row.err = c.query(ctx, &row.rows, sql, args)
}

// Exec runs one SQL statement, as Query does, and returns its command tag,
// discarding any rows.
func (c *Conn) Exec(ctx context.Context, sql string, args ...any) (CommandTag, error) {
	var r Rows
	if err := c.query(ctx, &r, sql, args); err != nil {
		return CommandTag{}, err
	}
	for r.Next() {
	}
	return r.tag, r.err
}

// query claims the connection and starts sql into r.
func (c *Conn) query(ctx context.Context, r *Rows, sql string, args []any) error {
	return c.queryFor(ctx, r, sql, args, false, false)
}

// queryFor is query, and what database/sql's queries need: sqlValues asks
// for the result formats its values are made from; multi runs sql, which
// has no arguments, with the simple protocol as several statements whose
// result sets r reads one after the other (see Rows.multi).
func (c *Conn) queryFor(ctx context.Context, r *Rows, sql string, args []any, sqlValues, multi bool) error {
	opts, args, err := c.splitOptions(args)
	if err != nil {
		return fmt.Errorf("pgmoon: query: %w", err)
	}
	if err := checkQuery(sql, args); err != nil {
		return fmt.Errorf("pgmoon: query: %w", err)
	}
	opts.sqlValues = sqlValues
	if multi {
		opts.mode = ExecModeSimpleProtocol
	}
	k, err := c.begin(ctx, "query")
	if err != nil {
		return err
	}
	*r = Rows{c: c, k: k, multi: multi}
	return c.run(r, sql, args, opts)
}

// checkQuery refuses what no message can carry: a NUL byte in sql (which
// ends a string on the wire) and more arguments than Bind can hold.
func checkQuery(sql string, args []any) error {
	if i := strings.IndexByte(sql, 0); i >= 0 {
		return fmt.Errorf("the SQL contains a NUL byte at offset %d", i)
	}
	if len(args) > maxParameters {
		return fmt.Errorf("%d arguments; the protocol allows at most %d", len(args), maxParameters)
	}
	return nil
}

// run sends sql as opts.mode says and reads up to the first row, so that
// errors of binding and of the start of execution come back from Query. On
// error the call has ended.
func (c *Conn) run(r *Rows, sql string, args []any, o callOptions) error {
	k := r.k
	if st := c.prepared[sql]; st != nil && o.mode != ExecModeSimpleProtocol {
		retry, err := c.execStatement(r, st, args, o, false, false)
		if retry {
			// A statement the user prepared is theirs to prepare again.
			r.finish(r.err)
			return r.err
		}
		return err
	}
	switch o.mode {
	case ExecModeSimpleProtocol:
		return c.runSimple(r, sql, args)
	case ExecModeExec:
		return c.runExec(r, sql, args)
	case ExecModeCacheStatement:
		if c.stmts != nil {
			return c.runCached(r, c.stmts, true, sql, args, o)
		}
	case ExecModeCacheDescribe:
		if c.descs != nil {
			return c.runCached(r, c.descs, false, sql, args, o)
		}
	}
	st, err := c.describeStatement("", sql)
	if err != nil {
		return endAtReady(k, err)
	}
	// Parse again in the same batch as Bind: behind a pooler in
	// transaction mode, the Sync after Describe may have ended this
	// server session's claim on the unnamed statement.
	_, err = c.execStatement(r, st, args, o, true, false)
	return err
}

// runCached runs sql through a statement cache: named prepared statements,
// or descriptions of the unnamed statement. A cached statement the server
// rejects as out of date is dropped, and the call retried once when that
// is safe.
func (c *Conn) runCached(r *Rows, cache *stmtCache, named bool, sql string, args []any, o callOptions) error {
	k := r.k
	outsideTx := c.TxStatus() == 'I'
	for attempt := 0; ; attempt++ {
		st := cache.get(sql)
		fresh := st == nil
		if fresh {
			name := ""
			if named {
				name = c.newStatementName()
			}
			var err error
			if st, err = c.describeStatement(name, sql); err != nil {
				return endAtReady(k, err)
			}
			c.closeLater(cache.put(st))
		}
		retry, err := c.execStatement(r, st, args, o, !named, !named)
		if !retry {
			return err
		}
		// The server refused the cached statement; r.err says why, and
		// the connection is ready for the next message.
		c.invalidate(cache, st, r.err)
		if fresh || attempt > 0 || !outsideTx {
			r.finish(r.err)
			return r.err
		}
		*r = Rows{c: c, k: k}
	}
}

// invalidate drops a cached statement the server refused with err.
func (c *Conn) invalidate(cache *stmtCache, st *statement, err error) {
	var pgErr *PgError
	if errors.As(err, &pgErr) && pgErr.Code == "26000" && st.name != "" {
		// The statement is gone: DISCARD ALL or DEALLOCATE ALL took every
		// prepared statement of the session with it.
		cache.clear()
		return
	}
	if cache.get(st.sql) == st {
		c.closeLater(cache.remove(st.sql))
	}
}

// staleStatement reports whether err says a cached statement no longer
// matches the database: its result type changed (0A000), it no longer
// exists (26000), or the result formats sent for it no longer match its
// columns (08P01).
func staleStatement(err error) bool {
	var pgErr *PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "0A000":
		// feature_not_supported has many causes; only the plan cache's
		// "cached plan must not change result type" is ours to fix.
		return pgErr.Routine == "RevalidateCachedQuery" || pgErr.Message == "cached plan must not change result type"
	case "26000", "08P01":
		return true
	}
	return false
}

// describeStatement prepares sql under name ("" for the unnamed statement)
// and returns its description, with unknown types loaded from the catalog.
// It takes one round trip (two when types must be loaded).
func (c *Conn) describeStatement(name, sql string) (*statement, error) {
	err := c.sendDescribe(name, sql)
	if err == nil {
		err = c.fe.Flush()
	}
	if err != nil {
		return nil, err
	}
	st := &statement{name: name, sql: sql}
	if err := c.readDescribe(st); err != nil {
		return nil, err
	}
	if err := c.loadUnknownTypes(st.paramOIDs, st.fields); err != nil {
		return nil, err
	}
	return st, nil
}

// sendDescribe queues Parse, Describe and Sync for sql under name.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY
func (c *Conn) sendDescribe(name, sql string) error {
	err := c.fe.Send(&protocol.Parse{Name: name, Query: sql})
	if err == nil {
		err = c.fe.Send(&protocol.Describe{ObjectType: protocol.ObjectStatement, Name: name})
	}
	if err == nil {
		err = c.fe.Send(&protocol.Sync{})
	}
	return err
}

// readDescribe reads the answer to sendDescribe (or to Close and Sync) into
// st, up to ReadyForQuery. A server error (the statement does not parse) is returned
// as a *PgError with the connection ready.
func (c *Conn) readDescribe(st *statement) error {
	var pgErr error
	for {
		msg, err := c.receive("query")
		if err != nil {
			return err
		}
		switch m := msg.(type) {
		case *protocol.ParseComplete, *protocol.CloseComplete, *protocol.NoData:
		case *protocol.ParameterDescription:
			st.paramOIDs = append([]uint32(nil), m.ParameterOIDs...)
		case *protocol.RowDescription:
			st.fields = fieldDescriptions(m.Fields)
		case *protocol.ErrorResponse:
			if pgErr == nil {
				pgErr = pgErrorFromFields(m.Fields)
			}
		case *protocol.ReadyForQuery:
			c.setTxStatus(m.TxStatus)
			return pgErr
		default:
			if !c.handleAsync(msg) {
				return unexpected("query", msg)
			}
		}
	}
}

// execStatement binds args to st and executes it: Bind, Execute and Sync,
// after a Parse of the unnamed statement when reparse is set, with a
// Describe of the portal when describePortal is set (the result columns are
// then checked against st's). It reads up to the first row. When the server
// refused the statement as out of date (see staleStatement), it returns
// retry with the call still open at ReadyForQuery and r.err set; otherwise
// the call has ended if err is not nil.
func (c *Conn) execStatement(r *Rows, st *statement, args []any, o callOptions, reparse, describePortal bool) (retry bool, err error) {
	k := r.k
	if err := k.ctx.Err(); err != nil {
		// The context ended during a describe round trip, while the
		// server was idle and would have dropped a cancel: stop here.
		k.endUnused()
		return false, fmt.Errorf("pgmoon: %s: %w", k.op, err)
	}
	cols, err := c.bindStatement(st, args, o)
	if err != nil {
		k.endUnused()
		return false, fmt.Errorf("pgmoon: query: %w", err)
	}
	r.columns = cols
	r.checkFields = describePortal
	if describePortal {
		r.stmt = st
	}
	var parse *protocol.Parse
	if reparse {
		parse = &protocol.Parse{Query: st.sql, ParameterOIDs: st.paramOIDs}
	}
	err = c.sendCloses()
	if err == nil {
		err = c.queueExecute(parse, describePortal)
	}
	if err == nil {
		err = c.syncFlush()
	}
	if err != nil {
		return false, k.end(err)
	}
	return r.start(st.name != "" || describePortal)
}

// bindStatement checks args against st's parameters and encodes them into
// the connection's Bind message, with result formats as o asks, and
// returns the result columns to decode. It sends nothing.
func (c *Conn) bindStatement(st *statement, args []any, o callOptions) (columns, error) {
	c.resolve(st)
	if len(args) != len(st.paramOIDs) {
		return columns{}, fmt.Errorf("the statement has %d parameters but %d arguments were given", len(st.paramOIDs), len(args))
	}
	bind := &c.bindMsg
	bind.Portal, bind.Statement = "", st.name
	if err := c.encodeArgs(bind, st.paramTypes, args); err != nil {
		return columns{}, err
	}
	if o.sqlValues && o.resultFormats == nil {
		bind.ResultFormats = st.sqlBind
		return st.sqlCols, nil
	}
	return resultColumns(st, o.resultFormats, bind)
}

// queueExecute queues the run of the connection's Bind message: parse
// first, when not nil, then Bind, a Describe of the portal when
// describePortal is set, and Execute of all rows.
func (c *Conn) queueExecute(parse *protocol.Parse, describePortal bool) error {
	var err error
	if parse != nil {
		err = c.fe.Send(parse)
	}
	if err == nil {
		err = c.fe.Send(&c.bindMsg)
	}
	if err == nil && describePortal {
		err = c.fe.Send(&describeUnnamedPortal)
	}
	if err == nil {
		err = c.fe.Send(&executeUnnamed)
	}
	return err
}

// The Describe and Execute of the unnamed portal, which queueExecute sends
// for every statement: shared, so that sending them allocates nothing.
// Encoding only reads them.
var (
	describeUnnamedPortal = protocol.Describe{ObjectType: protocol.ObjectPortal}
	executeUnnamed        = protocol.Execute{}
)

// syncFlush queues Sync and writes everything queued.
func (c *Conn) syncFlush() error {
	if err := c.fe.Send(&protocol.Sync{}); err != nil {
		return err
	}
	return c.fe.Flush()
}

// sendCloses queues a Close for every statement evicted from the cache.
func (c *Conn) sendCloses() error {
	for _, name := range c.closeQueue {
		if err := c.fe.Send(&protocol.Close{ObjectType: protocol.ObjectStatement, Name: name}); err != nil {
			return err
		}
	}
	clear(c.closeQueue)
	c.closeQueue = c.closeQueue[:0]
	return nil
}

// runExec runs sql as the unnamed statement in one round trip, with every
// argument sent as text of a type the server infers (bytea for []byte),
// and text results.
func (c *Conn) runExec(r *Rows, sql string, args []any) error {
	k := r.k
	bind := &c.bindMsg
	bind.Portal, bind.Statement = "", ""
	bind.ResultFormats = bind.ResultFormats[:0]
	oids, err := c.encodeTextArgs(bind, args)
	if err != nil {
		k.endUnused()
		return fmt.Errorf("pgmoon: query: %w", err)
	}
	r.checkFields = true
	err = c.sendCloses()
	if err == nil {
		err = c.queueExecute(&protocol.Parse{Query: sql, ParameterOIDs: oids}, true)
	}
	if err == nil {
		err = c.syncFlush()
	}
	if err != nil {
		return k.end(err)
	}
	_, err = r.start(false)
	return err
}

// runSimple runs sql with the simple query protocol.
func (c *Conn) runSimple(r *Rows, sql string, args []any) error {
	k := r.k
	if len(args) > 0 {
		var err error
		if sql, err = c.interpolate(sql, args); err != nil {
			k.endUnused()
			return fmt.Errorf("pgmoon: query: %w", err)
		}
	}
	r.checkFields, r.simple = true, true
	err := c.sendCloses()
	if err == nil {
		err = c.sendQuery(sql)
	}
	if err == nil {
		err = c.fe.Flush()
	}
	if err != nil {
		return k.end(err)
	}
	_, err = r.start(false)
	return err
}

// interpolate puts args into sql for the simple protocol, lexing sql as
// the server will: with the session's standard_conforming_strings, and only
// in UTF-8, the encoding the quoting is safe for.
func (c *Conn) interpolate(sql string, args []any) (string, error) {
	if enc := c.ParameterStatus("client_encoding"); enc != "UTF8" {
		return "", fmt.Errorf("arguments can be interpolated only with client_encoding UTF8, not %q", enc)
	}
	return interpolate(sql, args, c.ParameterStatus("standard_conforming_strings") != "off")
}

// encodeArgs fills bind's parameters with args encoded for their types.
func (c *Conn) encodeArgs(bind *protocol.Bind, paramTypes []*types.Type, args []any) error {
	buf := c.paramBuf[:0]
	if buf == nil {
		// Non-nil, so an empty value stays apart from NULL (a nil
		// parameter).
		buf = make([]byte, 0, 128)
	}
	ends := c.paramEnds[:0]
	bind.ParameterFormats = bind.ParameterFormats[:0]
	for i, arg := range args {
		var (
			f    types.Format
			null bool
			err  error
		)
		buf, f, null, err = c.typeMap.Encode(paramTypes[i], arg, buf)
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
	c.setParams(bind, buf, ends)
	return nil
}

// encodeTextArgs fills bind's parameters with args rendered as text (or
// bytea for byte slices) and returns the parameter types to declare: 0, for
// the server to infer, except bytea.
func (c *Conn) encodeTextArgs(bind *protocol.Bind, args []any) ([]uint32, error) {
	buf := c.paramBuf[:0]
	if buf == nil {
		buf = make([]byte, 0, 128)
	}
	ends := c.paramEnds[:0]
	oids := make([]uint32, len(args))
	bind.ParameterFormats = bind.ParameterFormats[:0]
	for i, arg := range args {
		var (
			kind argKind
			err  error
		)
		buf, kind, err = textArg(buf, arg)
		if err != nil {
			if u, ok := err.(*unsupportedArgError); ok {
				err = fmt.Errorf("cannot send a %v without knowing the parameter's type; pass a string, or use an exec mode that describes the statement", u.t)
			}
			return nil, fmt.Errorf("parameter $%d: %w", i+1, err)
		}
		f := types.TextFormat
		switch kind {
		case argNull:
			ends = append(ends, -1)
		case argBytes:
			oids[i], f = oidBytea, types.BinaryFormat
			ends = append(ends, len(buf))
		default:
			ends = append(ends, len(buf))
		}
		bind.ParameterFormats = append(bind.ParameterFormats, int16(f))
	}
	c.setParams(bind, buf, ends)
	return oids, nil
}

// setParams points bind's parameters into buf, split at ends (-1: NULL).
func (c *Conn) setParams(bind *protocol.Bind, buf []byte, ends []int) {
	c.paramBuf, c.paramEnds = buf, ends
	if cap(bind.Parameters) < len(ends) {
		bind.Parameters = make([][]byte, len(ends))
	}
	bind.Parameters = bind.Parameters[:len(ends)]
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
		return fmt.Errorf("pgmoon: %s: %w", k.op, err)
	}
	return k.end(err)
}

// TypeMap returns the connection's type map: the built-in types, those of
// Config.Types, and those the connection looked up in the catalog. Register
// a codec on it for a type of your own; it is used by this connection only,
// and statements already described pick it up on their next run. It must
// not be changed while a call runs.
func (c *Conn) TypeMap() *types.Map { return c.typeMap }
