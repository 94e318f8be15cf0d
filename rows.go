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
// returns false, on Close, or on an error.
//
// Values from RawValues are only valid until the next call to Next.
type Rows struct {
	c       *Conn
	k       *call
	fields  []FieldDescription
	types   []*types.Type
	formats []types.Format
	values  [][]byte // the current row; aliases the receive buffer
	pending bool     // values holds a row Next has not returned yet
	tag     CommandTag
	err     error
	closed  bool
}

// setFields records the result columns, their types and the formats to ask
// for.
func (r *Rows) setFields(fields []FieldDescription, want QueryResultFormats) error {
	if len(want) > 1 && len(want) != len(fields) {
		return fmt.Errorf("QueryResultFormats has %d formats for %d columns", len(want), len(fields))
	}
	r.fields = fields
	r.types = make([]*types.Type, len(fields))
	r.formats = make([]types.Format, len(fields))
	for i := range fields {
		t := r.c.typeMap.TypeOrUnknown(fields[i].DataTypeOID)
		r.types[i] = t
		f := t.Codec.PreferredFormat()
		switch {
		case len(want) == 1:
			f = want[0]
		case len(want) > 1:
			f = want[i]
		}
		if f != types.TextFormat && f != types.BinaryFormat {
			return fmt.Errorf("QueryResultFormats: invalid format %d", f)
		}
		r.formats[i] = f
		r.fields[i].Format = int16(f)
	}
	return nil
}

// advance reads up to the next row (true) or the end of the results
// (false, with the rows closed).
func (r *Rows) advance() bool {
	const op = "query"
	c := r.c
	for {
		msg, err := c.receive(op)
		if err != nil {
			r.finish(err)
			return false
		}
		switch m := msg.(type) {
		case *protocol.ParseComplete, *protocol.BindComplete:
		case *protocol.DataRow:
			if len(m.Values) != len(r.fields) {
				r.finish(&ProtocolError{Op: op, Err: fmt.Errorf("DataRow with %d values for %d columns", len(m.Values), len(r.fields))})
				return false
			}
			if r.err != nil {
				continue
			}
			r.values = m.Values
			return true
		case *protocol.CommandComplete:
			r.tag = CommandTag{s: string(m.CommandTag)}
		case *protocol.EmptyQueryResponse, *protocol.PortalSuspended:
		case *protocol.ErrorResponse:
			if r.err == nil {
				r.err = pgErrorFromFields(m.Fields)
			}
		case *protocol.ReadyForQuery:
			c.setTxStatus(m.TxStatus)
			r.finish(r.err)
			return false
		default:
			if !c.handleAsync(msg) {
				r.finish(unexpected(op, msg))
				return false
			}
		}
	}
}

// finish ends the call with err (nil for success) and closes the rows.
func (r *Rows) finish(err error) {
	if r.closed {
		return
	}
	r.closed = true
	r.values = nil
	r.err = r.k.end(err)
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
// arrives in.
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

// Row is the result of QueryRow.
type Row struct {
	rows *Rows
	err  error
}

// Scan stores the first row's columns into dst, as Rows.Scan does, and
// discards the rest. It returns ErrNoRows if there was no row.
func (r *Row) Scan(dst ...any) error {
	if r.err != nil {
		return r.err
	}
	rows := r.rows
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
