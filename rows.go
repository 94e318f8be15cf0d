package pgmoon

import (
	"database/sql"
	"fmt"

	"github.com/pgmoon-go/pgmoon/protocol"
	"github.com/pgmoon-go/pgmoon/types"
)

// ErrNoRows is returned by Row.Scan when the query returned no row. It is
// database/sql's sql.ErrNoRows, so either name matches with errors.Is.
var ErrNoRows = sql.ErrNoRows

// Rows is the result of Query: read it with Next and Scan, then check Err.
// The connection is busy until the rows are closed, which happens when Next
// returns false, on Close, or on an error; the rows of Pool.Query give their
// connection back to the pool then.
//
// Values from RawValues are only valid until the next call to Next; the
// slice from FieldDescriptions must not be modified.
type Rows struct {
	c *Conn
	k *call
	columns
	values  [][]byte // the current row; aliases the receive buffer
	pending bool     // values holds a row Next has not returned yet
	tag     CommandTag
	err     error
	closed  bool

	// checkFields: a RowDescription comes before the rows and says what
	// they are (a described portal, ExecModeExec, the simple protocol).
	checkFields bool
	simple      bool // simple protocol: several results may follow one another

	// multi: database/sql's multi-statement query. A RowDescription after
	// the first ends the current result set (readNextResult); the new
	// columns wait in next.
	multi    bool
	inResult bool       // multi: the current result set's RowDescription came
	next     *columns   // multi: the next result set's columns
	stmt     *statement // the description cached by ExecModeCacheDescribe that the RowDescription is checked against

	// In a batch: the results end at this statement's end, or at
	// ReadyForQuery with endAtReady (a Sync after it).
	batch      *BatchResults
	endAtReady bool
	broken     bool // read failed: the connection is unusable

	// pooled, for the Rows of Pool.Query and Pool.QueryRow, is the
	// borrowed connection, given back when the rows close.
	pooled *poolConn
}

// columns are the result columns a Rows decodes: as described, their
// types, and the format each arrives in.
type columns struct {
	fields  []FieldDescription
	types   []*types.Type
	formats []types.Format
}

// resultColumns returns st's result columns, in the formats asked for by
// want (each type's preferred one when want is nil), and sets bind's result
// formats to match.
func resultColumns(st *statement, want QueryResultFormats, bind *protocol.Bind) (columns, error) {
	if want == nil {
		bind.ResultFormats = st.bindFormats
		return columns{st.fields, st.resultTypes, st.resultFormats}, nil
	}
	n := len(st.fields)
	if len(want) > 1 && len(want) != n {
		return columns{}, fmt.Errorf("QueryResultFormats has %d formats for %d columns", len(want), n)
	}
	cols := columns{make([]FieldDescription, n), st.resultTypes, make([]types.Format, n)}
	copy(cols.fields, st.fields)
	codes := make([]int16, n)
	for i := range cols.fields {
		f := want[0]
		if len(want) > 1 {
			f = want[i]
		}
		cols.formats[i], cols.fields[i].Format, codes[i] = f, int16(f), int16(f)
	}
	bind.ResultFormats = collapseFormats(codes)
	return cols, nil
}

// adoptFields takes the result columns from a RowDescription: those of the
// cached statement when they match, else new ones, dropping the out-of-date
// cache entry.
func (r *Rows) adoptFields(fields []protocol.FieldDescription) {
	if r.fields != nil && len(r.fields) == len(fields) {
		same := true
		for i := range fields {
			if fields[i].DataTypeOID != r.fields[i].DataTypeOID || fields[i].Format != r.fields[i].Format {
				same = false
				break
			}
		}
		if same {
			return
		}
	}
	if descs := r.c.descs; r.stmt != nil && descs != nil && descs.get(r.stmt.sql) == r.stmt {
		// The table changed since the statement was described: describe
		// it again next time.
		descs.remove(r.stmt.sql)
	}
	r.stmt = nil
	r.columns = newColumns(r.c.typeMap, fields)
}

// newColumns makes the columns a RowDescription describes.
func newColumns(m *types.Map, fields []protocol.FieldDescription) columns {
	cols := columns{fieldDescriptions(fields), make([]*types.Type, len(fields)), make([]types.Format, len(fields))}
	for i, f := range cols.fields {
		cols.types[i] = m.TypeOrUnknown(f.DataTypeOID)
		cols.formats[i] = types.Format(f.Format)
	}
	return cols
}

// readState is where read stopped.
type readState int

const (
	readRow        readState = iota // at a row
	readReady                       // at ReadyForQuery; r.err holds the statement's error, if any
	readBroken                      // the connection failed; r.err says how
	readNextResult                  // multi: at the start of another result set, whose columns are in r.next
)

// start reads up to the first row. When staleOK and the statement failed
// because the server found it out of date, it reports retry with the call
// still open; otherwise it ends the call unless a row is waiting, and
// returns the error that ended it.
func (r *Rows) start(staleOK bool) (retry bool, err error) {
	switch r.read() {
	case readRow:
		r.pending = true
		return false, nil
	case readNextResult:
		// The first result set had no rows; the call goes on.
		return false, nil
	case readReady:
		if staleOK && r.err != nil && staleStatement(r.err) {
			return true, nil
		}
	}
	r.finish(r.err)
	return false, r.err
}

// read reads up to the next row or the end of the results.
func (r *Rows) read() readState {
	const op = "query"
	c := r.c
	for {
		msg, err := c.receive(op)
		if err != nil {
			return r.fail(err)
		}
		switch m := msg.(type) {
		case *protocol.DataRow:
			if len(m.Values) != len(r.fields) {
				return r.fail(&ProtocolError{Op: op, Err: fmt.Errorf("DataRow with %d values for %d columns", len(m.Values), len(r.fields))})
			}
			if r.err != nil {
				continue
			}
			r.values = m.Values
			return readRow
		case *protocol.ParseComplete, *protocol.BindComplete, *protocol.CloseComplete, *protocol.NoData:
		case *protocol.RowDescription:
			if !r.checkFields {
				return r.fail(unexpected(op, msg))
			}
			if r.multi && r.inResult {
				cols := newColumns(c.typeMap, m.Fields)
				r.next = &cols
				return readNextResult
			}
			r.inResult = true
			r.adoptFields(m.Fields)
		case *protocol.CommandComplete:
			r.tag = c.commandTag(m.CommandTag)
			if r.batch != nil && !r.endAtReady {
				return readReady
			}
		case *protocol.EmptyQueryResponse, *protocol.PortalSuspended:
			if r.batch != nil && !r.endAtReady {
				return readReady
			}
		case *protocol.ErrorResponse:
			if r.err == nil {
				r.err = pgErrorFromFields(m.Fields)
			}
			if r.batch != nil && !r.endAtReady {
				return readReady
			}
		case *protocol.CopyInResponse:
			if !r.simple {
				return r.fail(unexpected(op, msg))
			}
			if err := c.sendFlush(&protocol.CopyFail{Message: "COPY FROM STDIN is not supported by Query"}); err != nil {
				return r.fail(err)
			}
		case *protocol.CopyOutResponse:
			if !r.simple {
				return r.fail(unexpected(op, msg))
			}
			if r.err == nil {
				r.err = fmt.Errorf("COPY TO STDOUT is not supported by Query; use SimpleQuery")
			}
		case *protocol.CopyData, *protocol.CopyDone:
			if !r.simple {
				return r.fail(unexpected(op, msg))
			}
		case *protocol.ReadyForQuery:
			c.setTxStatus(m.TxStatus)
			if r.batch != nil {
				r.batch.readies++
				if !r.endAtReady && r.err == nil {
					// The server skipped this statement after an
					// earlier one failed, and the rest with it.
					r.err = ErrBatchAborted
				}
			}
			return readReady
		default:
			if !c.handleAsync(msg) {
				return r.fail(unexpected(op, msg))
			}
		}
	}
}

// fail records a failure of the connection itself.
func (r *Rows) fail(err error) readState {
	r.err, r.broken = err, true
	return readBroken
}

// commandTag returns tag as a string, reusing the last one when it is the
// same ("SELECT 1" again and again), so that it costs no allocation.
func (c *Conn) commandTag(tag []byte) CommandTag {
	if string(tag) != c.lastTag {
		c.lastTag = string(tag)
	}
	c.noteTag(c.lastTag)
	return CommandTag{s: c.lastTag}
}

// noteTag records what a command tag says about the session: whether a
// LISTEN ran (see Conn.listening).
func (c *Conn) noteTag(tag string) {
	if tag == "LISTEN" {
		c.listening = true
	}
}

// advance reads up to the next row (true) or the end of the results
// (false, with the rows closed).
func (r *Rows) advance() bool {
	if r.read() == readRow {
		return true
	}
	r.finish(r.err)
	return false
}

// finish ends the call with err (nil for success) and closes the rows.
func (r *Rows) finish(err error) {
	if r.closed {
		return
	}
	r.closed = true
	r.values = nil
	r.stmt = nil
	if r.batch != nil {
		r.err = r.batch.rowsDone(err, r.broken)
		return
	}
	r.err = r.k.end(err)
	if pc := r.pooled; pc != nil {
		r.pooled = nil
		pc.release()
	}
}

// Next advances to the next row, reporting false at the end of the rows or
// on an error (see Err); the rows are then closed.
func (r *Rows) Next() bool {
	if r.closed {
		return false
	}
	if r.pending {
		r.pending = false
		return true
	}
	return r.advance()
}

// Scan stores the current row's columns into dst, one destination per
// column; a nil destination skips its column. Destinations are what the
// connection's type map accepts for the column's type: the natural Go type
// and pointers to it, *any, sql.Scanner, sql.Null[T], and more (see the
// types package). An impossible or lossy conversion, or NULL into a
// destination that cannot hold it, is an error naming the column and both
// types.
func (r *Rows) Scan(dst ...any) error {
	if r.values == nil {
		if r.err != nil {
			return r.err
		}
		return fmt.Errorf("pgmoon: scan: no current row (call Next first)")
	}
	if len(dst) != len(r.values) {
		return fmt.Errorf("pgmoon: scan: %d destinations for %d columns", len(dst), len(r.values))
	}
	m := r.c.typeMap
	for i, d := range dst {
		if d == nil {
			continue
		}
		if err := m.Scan(r.types[i], r.formats[i], r.values[i], d); err != nil {
			return fmt.Errorf("pgmoon: scan column %d (%q): %w", i, r.fields[i].Name, err)
		}
	}
	return nil
}

// Values returns the current row's columns as their types' natural Go
// values (nil for NULL).
func (r *Rows) Values() ([]any, error) {
	if r.values == nil {
		return nil, fmt.Errorf("pgmoon: values: no current row (call Next first)")
	}
	out := make([]any, len(r.values))
	m := r.c.typeMap
	for i, v := range r.values {
		x, err := m.DecodeAny(r.types[i], r.formats[i], v)
		if err != nil {
			return nil, fmt.Errorf("pgmoon: values: column %d (%q): %w", i, r.fields[i].Name, err)
		}
		out[i] = x
	}
	return out, nil
}

// RawValues returns the current row's columns as the server sent them, in
// the formats of FieldDescriptions; nil is NULL. They are only valid until
// the next call to Next.
func (r *Rows) RawValues() [][]byte { return r.values }

// FieldDescriptions describes the result columns, with the format each
// arrives in. The slice must not be modified.
func (r *Rows) FieldDescriptions() []FieldDescription { return r.fields }

// CommandTag is the statement's command tag, once the rows are read.
func (r *Rows) CommandTag() CommandTag { return r.tag }

// Err returns the error that ended the rows, if any: a server error
// (*PgError), a broken connection, or the context's end.
func (r *Rows) Err() error { return r.err }

// Close discards the rest of the rows and releases the connection. It is
// safe to call more than once, and returns Err.
func (r *Rows) Close() error {
	for !r.closed {
		r.pending = false
		r.advance()
	}
	return r.err
}

// Row is the result of QueryRow. The Row of Pool.QueryRow holds its
// connection until Scan.
type Row struct {
	rows Rows
	err  error
}

// Scan stores the first row's columns into dst, as Rows.Scan does, and
// discards the rest. It returns ErrNoRows if there was no row.
func (r *Row) Scan(dst ...any) error {
	if r.err != nil {
		return r.err
	}
	rows := &r.rows
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return ErrNoRows
	}
	err := rows.Scan(dst...)
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}
