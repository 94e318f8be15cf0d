package pgmoon

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"strings"

	"github.com/pgmoon-go/pgmoon/protocol"
	"github.com/pgmoon-go/pgmoon/types"
)

// COPY moves rows in bulk: Conn.CopyFrom and Conn.CopyFromReader feed COPY
// ... FROM STDIN, Conn.CopyTo reads COPY ... TO STDOUT. All three run the
// COPY statement with the simple query protocol and stream the data in
// chunks, so memory stays flat whatever the size of the data.
// See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY
// and https://www.postgresql.org/docs/current/sql-copy.html

// copyChunkSize is the amount of COPY data sent per CopyData message (one
// row may make a message longer).
const copyChunkSize = 64 << 10

// maxCopyFailMessage bounds the reason sent in CopyFail.
const maxCopyFailMessage = 4096

// Identifier is an SQL name, schema-qualified when it has several parts:
// Identifier{"sales", "orders"} is "sales"."orders". Each part is quoted
// as it is, so it keeps its case and may hold any character but NUL.
type Identifier []string

// Quote returns the identifier quoted for SQL, parts joined by dots. An
// empty identifier, an empty part, a NUL byte or invalid UTF-8 is an
// error.
func (id Identifier) Quote() (string, error) {
	if len(id) == 0 {
		return "", errors.New("empty identifier")
	}
	var b strings.Builder
	for i, part := range id {
		if part == "" {
			return "", fmt.Errorf("identifier %q has an empty part", strings.Join(id, "."))
		}
		q, err := QuoteIdentifier(part)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(q)
	}
	return b.String(), nil
}

// CopyFromSource gives CopyFrom its rows, one at a time, as database/sql's
// Rows gives results: Next advances, Values returns the current row, and
// Err reports what stopped Next. CopyFromRows, CopyFromSlice, CopyFromFunc
// and CopyFromSeq make one from rows in memory, a function or an iterator.
type CopyFromSource interface {
	// Next advances to the next row, reporting false when there are no
	// more rows or on an error, which Err then returns.
	Next() bool
	// Values returns the current row: one value per column, in the order
	// of CopyFrom's columns. CopyFrom is done with the slice when Next is
	// called again, so a source may reuse it. An error stops the COPY.
	Values() ([]any, error)
	// Err returns the error that made Next report false, or nil at the end
	// of the rows.
	Err() error
}

// CopyFromRows returns a CopyFromSource over rows.
func CopyFromRows(rows [][]any) CopyFromSource {
	return CopyFromSlice(len(rows), func(i int) ([]any, error) { return rows[i], nil })
}

// CopyFromSlice returns a CopyFromSource of n rows, row i being what
// row(i) returns, for i from 0 to n-1. An error from row stops the COPY.
func CopyFromSlice(n int, row func(i int) ([]any, error)) CopyFromSource {
	return &sliceSource{n: n, row: row, i: -1}
}

type sliceSource struct {
	n   int
	row func(int) ([]any, error)
	i   int
}

func (s *sliceSource) Next() bool {
	s.i++
	return s.i < s.n
}

func (s *sliceSource) Values() ([]any, error) { return s.row(s.i) }
func (s *sliceSource) Err() error             { return nil }

// CopyFromFunc returns a CopyFromSource that calls next for each row until
// it returns a nil row (the end of the rows) or an error (which stops the
// COPY).
func CopyFromFunc(next func() (row []any, err error)) CopyFromSource {
	return &funcSource{next: next}
}

type funcSource struct {
	next func() ([]any, error)
	row  []any
	err  error
}

func (s *funcSource) Next() bool {
	if s.err != nil {
		return false
	}
	s.row, s.err = s.next()
	return s.err == nil && s.row != nil
}

func (s *funcSource) Values() ([]any, error) { return s.row, nil }
func (s *funcSource) Err() error             { return s.err }

// CopyFromSeq returns a CopyFromSource over an iterator of rows; a non-nil
// error from the iterator stops the COPY. CopyFrom stops the iterator when
// it returns early (a server error, a cancelled context), so deferred
// cleanup in the iterator runs. Used outside CopyFrom, the source must be
// read to its end.
func CopyFromSeq(seq iter.Seq2[[]any, error]) CopyFromSource {
	return &seqSource{seq: seq}
}

type seqSource struct {
	seq  iter.Seq2[[]any, error]
	next func() ([]any, error, bool)
	stop func()
	row  []any
	err  error
	done bool
}

func (s *seqSource) Next() bool {
	if s.done {
		return false
	}
	if s.next == nil {
		// Pulled lazily, so that a source never read holds no coroutine.
		s.next, s.stop = iter.Pull2(s.seq)
	}
	var ok bool
	s.row, s.err, ok = s.next()
	if !ok || s.err != nil {
		s.close()
		return false
	}
	return true
}

func (s *seqSource) Values() ([]any, error) { return s.row, nil }
func (s *seqSource) Err() error             { return s.err }

func (s *seqSource) close() {
	s.done, s.row = true, nil
	if s.stop != nil {
		s.stop()
	}
}

// copyData produces COPY data: next appends the next part to buf. It
// returns io.EOF, with the last part, at the end of the data; any other
// error stops the COPY without sending what next returned with it.
type copyData interface {
	next(buf []byte) ([]byte, error)
}

// CopyFrom inserts rows into table with COPY ... FROM STDIN in binary
// format, and returns the number of rows the server inserted. columns
// names the columns that each row's values fill, in order; it may not be
// empty. The driver quotes the table and column names in the statement it
// builds.
//
// The column types are described first (one round trip, with any enum,
// composite or domain looked up in the catalog), then each value is
// encoded as the column's type by the connection's type map: anything a
// Query parameter of that type accepts, except a string for a non-text
// type, which binary COPY cannot carry. When a column's type has no binary
// form (tsvector, tsquery, an extension type without a registered codec),
// the whole COPY is sent in text format instead.
//
// Rows are streamed in chunks of about 64 KiB, so memory stays flat
// whatever the number of rows. The COPY is one statement: it inserts every
// row or none. When it fails:
//
//   - A server error (a constraint violation, a value the type rejects)
//     stops the sending at once; CopyFrom returns the *PgError and the
//     connection stays usable.
//   - An error from src, or a value that cannot be encoded (the error names
//     its row and column), ends the COPY with CopyFail, whose message is
//     the error's text; CopyFrom returns that error and the connection stays
//     usable.
//   - When ctx ends, the COPY is ended with CopyFail (or by the server
//     acting on the CancelRequest): the error matches ctx's error, and the
//     connection stays usable unless the server does not answer within
//     Config.CancelWait.
//   - A broken connection closes it, as for any call.
//
// Notices and notifications that arrive during the COPY are handled by
// Config.OnNotice and OnNotification, on a goroutine that reads the
// server's messages while this one sends.
func (c *Conn) CopyFrom(ctx context.Context, table Identifier, columns []string, src CopyFromSource) (int64, error) {
	const op = "copy from"
	if s, ok := src.(*seqSource); ok {
		defer s.close()
	}
	if src == nil {
		return 0, fmt.Errorf("pgmoon: %s: nil CopyFromSource", op)
	}
	name, cols, err := copyNames(table, columns)
	if err != nil {
		return 0, fmt.Errorf("pgmoon: %s: %w", op, err)
	}
	k, err := c.begin(ctx, op)
	if err != nil {
		return 0, err
	}
	st, err := c.describeStatement("", "select "+cols+" from "+name)
	if err != nil {
		return 0, endAtReady(k, err)
	}
	enc := &copyEncoder{m: c.typeMap, src: src, columns: columns, binary: true}
	for _, f := range st.fields {
		t := c.typeMap.TypeOrUnknown(f.DataTypeOID)
		if t.Codec.PreferredFormat() != types.BinaryFormat {
			enc.binary = false
		}
		enc.types = append(enc.types, t)
	}
	format := "text"
	if enc.binary {
		format = "binary"
	}
	return c.copyIn(k, "copy "+name+" ("+cols+") from stdin (format "+format+")", enc)
}

// copyNames quotes the table and column names for CopyFrom's statements.
func copyNames(table Identifier, columns []string) (name, cols string, err error) {
	if name, err = table.Quote(); err != nil {
		return "", "", fmt.Errorf("table name: %w", err)
	}
	if len(columns) == 0 {
		return "", "", errors.New("no columns given; name the columns the row values fill")
	}
	var b strings.Builder
	for i, col := range columns {
		q, err := QuoteIdentifier(col)
		if err != nil {
			return "", "", fmt.Errorf("column %d: %w", i+1, err)
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(q)
	}
	return name, b.String(), nil
}

// CopyFromReader runs sql, a COPY ... FROM STDIN statement written by the
// caller (text, CSV or binary format, with whatever options it sets), and
// streams r to the server as its data, in chunks of 64 KiB, until r returns
// io.EOF. It returns the number of rows the server inserted.
//
// A server error stops the sending at once and is returned as a *PgError;
// an error from r ends the COPY with CopyFail and is returned; the end of
// ctx ends it too. In each case the connection stays usable, as for
// CopyFrom. A statement that does not start COPY FROM STDIN is an error,
// after it has run.
func (c *Conn) CopyFromReader(ctx context.Context, r io.Reader, sql string) (int64, error) {
	const op = "copy from"
	if r == nil {
		return 0, fmt.Errorf("pgmoon: %s: nil io.Reader", op)
	}
	k, err := c.begin(ctx, op)
	if err != nil {
		return 0, err
	}
	return c.copyIn(k, sql, &readerData{r: r})
}

// readerData is the COPY data read from an io.Reader.
type readerData struct{ r io.Reader }

func (d *readerData) next(buf []byte) ([]byte, error) {
	buf = slices.Grow(buf, copyChunkSize)
	n, err := d.r.Read(buf[len(buf) : len(buf)+copyChunkSize])
	buf = buf[:len(buf)+n]
	switch {
	case err == io.EOF:
		return buf, io.EOF
	case err != nil:
		return buf, fmt.Errorf("reading the data: %w", err)
	}
	return buf, nil
}

// copyIn runs sql, which should start COPY FROM STDIN, and sends it the
// data d produces. The call ends with it.
func (c *Conn) copyIn(k *call, sql string, d copyData) (int64, error) {
	op := k.op
	if err := c.sendQuery(sql); err != nil {
		k.endUnused()
		return 0, fmt.Errorf("pgmoon: %s: %w", op, err)
	}
	if err := c.fe.Flush(); err != nil {
		return 0, k.end(err)
	}
	if started, err := c.awaitCopyIn(k); !started {
		return 0, err
	}

	// The server may fail the COPY at any time (a constraint violation at
	// row 500,000): a reader goroutine watches for its answer while this
	// one sends, so that the sending stops at once.
	rd := &copyInReader{c: c, op: op, done: make(chan struct{})}
	go rd.run()

	var (
		buf      = make([]byte, 0, copyChunkSize+copyChunkSize/4)
		localErr error // from d, or the context's end: sent as CopyFail
		ctxEnded bool  // localErr is the context's
		writeErr error
		complete bool // all the data was produced
	)
	for !rd.finished() {
		if err := k.ctx.Err(); err != nil {
			localErr, ctxEnded = err, true
			break
		}
		var err error
		buf, err = d.next(buf[:0])
		if err != nil && err != io.EOF {
			localErr = err
			break
		}
		if len(buf) > 0 {
			if writeErr = c.sendCopyData(buf); writeErr != nil {
				break
			}
		}
		if cap(buf) > 4*copyChunkSize {
			buf = make([]byte, 0, copyChunkSize+copyChunkSize/4) // one large row: do not keep its buffer
		}
		if err == io.EOF {
			complete = true
			break
		}
	}
	sentFail, sentDone := false, false
	if writeErr == nil && !rd.finished() {
		var end protocol.FrontendMessage = &protocol.CopyDone{}
		if complete {
			sentDone = true
		} else {
			end = &protocol.CopyFail{Message: copyFailMessage(localErr)}
			sentFail = true
		}
		writeErr = c.sendFlush(end)
	}
	<-rd.done
	if rd.err == nil && rd.pgErr == nil && !sentDone {
		rd.err = &ProtocolError{Op: op, Err: errors.New("CommandComplete before the COPY data ended")}
	}

	if writeErr != nil {
		// Part of a message may have been written: the connection
		// cannot be used again. The server's reason, if it gave one, is
		// the better error (the failed write follows from it).
		err := fmt.Errorf("writing COPY data: %w", writeErr)
		if serverErr := rd.failure(); serverErr != nil {
			err = serverErr
		}
		c.closeNetConn(err)
		return 0, k.end(err)
	}
	if rd.err != nil {
		return 0, k.end(rd.err)
	}
	if rd.pgErr != nil && isFatal(rd.pgErr) {
		return 0, k.end(rd.pgErr)
	}
	if _, err := c.readToReady(op); err != nil {
		return 0, k.end(err)
	}
	switch {
	case sentFail && ctxEnded:
		return 0, k.end(fmt.Errorf("%w (%w)", localErr, rd.pgErr))
	case sentFail:
		// The server's answer only repeats our reason.
		k.endUnused()
		return 0, fmt.Errorf("pgmoon: %s: %w", op, localErr)
	case rd.pgErr != nil:
		return 0, k.end(rd.pgErr)
	}
	return rd.tag.RowsAffected(), k.end(nil)
}

// sendCopyData sends data in one CopyData message.
func (c *Conn) sendCopyData(data []byte) error {
	return c.sendFlush(&protocol.CopyData{Data: data})
}

// copyFailMessage is the reason sent in CopyFail for err, which the server
// puts in its error message: without NUL bytes (it is a C string) and of
// bounded length.
func copyFailMessage(err error) string {
	s := strings.ToValidUTF8(strings.ReplaceAll(err.Error(), "\x00", " "), "?")
	if len(s) > maxCopyFailMessage {
		s = strings.ToValidUTF8(s[:maxCopyFailMessage], "") + "…"
	}
	return s
}

// errNotCopy is the error of a COPY call whose statement did not start the
// kind of COPY the call runs.
func errNotCopy(want string) error {
	return fmt.Errorf("the statement did not start COPY %s (it ran to its end)", want)
}

// awaitCopyIn reads the answer to a COPY FROM STDIN statement up to its
// CopyInResponse. When there is none (the statement failed, or was not a
// COPY FROM STDIN), it reads to ReadyForQuery, ends the call and returns
// the error.
func (c *Conn) awaitCopyIn(k *call) (started bool, err error) {
	for {
		msg, err := c.receive(k.op)
		if err != nil {
			return false, k.end(err)
		}
		switch m := msg.(type) {
		case *protocol.CopyInResponse:
			return true, nil
		case *protocol.ErrorResponse:
			pgErr := pgErrorFromFields(m.Fields)
			if isFatal(pgErr) {
				return false, k.end(pgErr)
			}
			if _, err := c.readToReady(k.op); err != nil {
				return false, k.end(err)
			}
			return false, k.end(pgErr)
		case *protocol.ReadyForQuery:
			c.setTxStatus(m.TxStatus)
			k.endUnused()
			return false, fmt.Errorf("pgmoon: %s: %w", k.op, errNotCopy("FROM STDIN"))
		default:
			if c.handleAsync(msg) {
				continue
			}
			// Something else runs: let it finish, refusing any COPY in
			// it, and report what happened.
			var s skipper
			err := s.skip(c, k.op, msg)
			if err == nil {
				err = s.toReady(c, k.op)
			}
			if err != nil {
				return false, k.end(err)
			}
			if s.pgErr != nil {
				return false, k.end(s.pgErr)
			}
			k.endUnused()
			return false, fmt.Errorf("pgmoon: %s: %w", k.op, errNotCopy("FROM STDIN"))
		}
	}
}

// readToReady reads and discards the rest of a simple query's answer up to
// ReadyForQuery, answering any COPY FROM STDIN in it with CopyFail. It
// returns the first server error as pgErr, and err when the connection
// failed.
func (c *Conn) readToReady(op string) (pgErr *PgError, err error) {
	var s skipper
	err = s.toReady(c, op)
	return s.pgErr, err
}

// skipper disposes of the messages of a simple query's answer that a call
// does not want (rows, command tags, COPY data), keeping the first server
// error. A COPY FROM STDIN is refused with CopyFail, and the server's
// ErrorResponse that answers it is not kept: it is our own reason.
type skipper struct {
	pgErr   *PgError
	refused bool // CopyFail sent; the next ErrorResponse answers it
}

// toReady skips the messages up to ReadyForQuery, which it reads too.
func (s *skipper) toReady(c *Conn, op string) error {
	for {
		msg, err := c.receive(op)
		if err != nil {
			return err
		}
		if m, ok := msg.(*protocol.ReadyForQuery); ok {
			c.setTxStatus(m.TxStatus)
			return nil
		}
		if err := s.skip(c, op, msg); err != nil {
			return err
		}
	}
}

// skip disposes of msg, one of the messages a simple query's answer holds
// before ReadyForQuery. A FATAL error, a failure to send CopyFail and a
// message that has no place there are returned.
func (s *skipper) skip(c *Conn, op string, msg protocol.BackendMessage) error {
	switch m := msg.(type) {
	case *protocol.ErrorResponse:
		pgErr := pgErrorFromFields(m.Fields)
		switch {
		case isFatal(pgErr):
			return pgErr
		case s.refused:
			s.refused = false
		case s.pgErr == nil:
			s.pgErr = pgErr
		}
		return nil
	case *protocol.CopyInResponse:
		s.refused = true
		return c.sendFlush(&protocol.CopyFail{Message: "pgmoon: " + op + ": unexpected COPY FROM STDIN"})
	case *protocol.RowDescription, *protocol.DataRow, *protocol.CommandComplete, *protocol.EmptyQueryResponse,
		*protocol.CopyOutResponse, *protocol.CopyData, *protocol.CopyDone:
		return nil
	}
	if c.handleAsync(msg) {
		return nil
	}
	return unexpected(op, msg)
}

// copyInReader reads the server's messages during COPY FROM STDIN, on its
// own goroutine, until the server ends the COPY: CommandComplete, or an
// ErrorResponse. Notices, notifications and parameter changes are handled
// on the way.
type copyInReader struct {
	c    *Conn
	op   string
	done chan struct{} // closed when run returns; the fields below are then set

	tag   CommandTag
	pgErr *PgError
	err   error // the connection failed or broke the protocol
}

func (r *copyInReader) run() {
	defer close(r.done)
	for {
		msg, err := r.c.receive(r.op)
		if err != nil {
			r.err = err
			return
		}
		switch m := msg.(type) {
		case *protocol.CommandComplete:
			r.tag = CommandTag{s: string(m.CommandTag)}
			return
		case *protocol.ErrorResponse:
			r.pgErr = pgErrorFromFields(m.Fields)
			return
		default:
			if !r.c.handleAsync(msg) {
				r.err = unexpected(r.op, msg)
				return
			}
		}
	}
}

// failure is the server's error or the connection's, once run has
// returned.
func (r *copyInReader) failure() error {
	if r.pgErr != nil {
		return r.pgErr
	}
	return r.err
}

// finished reports whether the server has ended the COPY.
func (r *copyInReader) finished() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// copyEncoder encodes the rows of a CopyFromSource as COPY data, in binary
// format or, when a column's type has no binary form, in text format.
// See https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
// (binary format) and #id-1.9.3.55.9.2 (text format).
type copyEncoder struct {
	m       *types.Map
	src     CopyFromSource
	columns []string
	types   []*types.Type
	binary  bool
	rows    int64 // rows encoded
	started bool  // the binary header is written
	scratch []byte
}

// copyBinaryHeader is the signature "PGCOPY\n\377\r\n\0", the flags field
// (no OIDs) and the length of the header extension (none).
var copyBinaryHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

func (e *copyEncoder) next(buf []byte) ([]byte, error) {
	if e.binary && !e.started {
		buf = append(buf, copyBinaryHeader...)
		e.started = true
	}
	for len(buf) < copyChunkSize {
		if !e.src.Next() {
			if err := e.src.Err(); err != nil {
				return buf, fmt.Errorf("row source: %w", err)
			}
			if e.binary {
				buf = append(buf, 0xFF, 0xFF) // the trailer: a field count of -1
			}
			return buf, io.EOF
		}
		vals, err := e.src.Values()
		if err != nil {
			return buf, fmt.Errorf("row source: row %d: %w", e.rows+1, err)
		}
		if buf, err = e.encodeRow(buf, vals); err != nil {
			return buf, err
		}
		e.rows++
	}
	return buf, nil
}

// encodeRow appends one row.
func (e *copyEncoder) encodeRow(buf []byte, vals []any) ([]byte, error) {
	if len(vals) != len(e.types) {
		return buf, fmt.Errorf("row %d has %d values for %d columns", e.rows+1, len(vals), len(e.types))
	}
	if e.binary {
		buf = binary.BigEndian.AppendUint16(buf, uint16(len(vals)))
	}
	for i, v := range vals {
		var err error
		if e.binary {
			buf, err = e.binaryValue(buf, i, v)
		} else {
			if i > 0 {
				buf = append(buf, '\t')
			}
			buf, err = e.textValue(buf, i, v)
		}
		if err != nil {
			return buf, fmt.Errorf("row %d, column %q: %w", e.rows+1, e.columns[i], err)
		}
	}
	if !e.binary {
		buf = append(buf, '\n')
	}
	return buf, nil
}

// binaryValue appends a field: its length (-1 for NULL) and its bytes.
func (e *copyEncoder) binaryValue(buf []byte, i int, v any) ([]byte, error) {
	at := len(buf)
	buf = append(buf, 0, 0, 0, 0)
	out, null, err := e.m.EncodeFormat(e.types[i], types.BinaryFormat, v, buf)
	if err != nil {
		if _, ok := v.(string); ok && errors.Is(err, types.ErrUnsupported) {
			err = fmt.Errorf("%w (binary COPY cannot send a string for the server to parse; pass a value of the column's Go type)", err)
		}
		return buf[:at], err
	}
	if null {
		binary.BigEndian.PutUint32(out[at:], math.MaxUint32)
		return out[:at+4], nil
	}
	n := len(out) - at - 4
	if n > math.MaxInt32 {
		return buf[:at], fmt.Errorf("value of %d bytes is too large for COPY", n)
	}
	binary.BigEndian.PutUint32(out[at:], uint32(n))
	return out, nil
}

// textValue appends a value in COPY's text format: \N for NULL, and the
// type's text form with backslash, newline, carriage return and tab
// escaped.
func (e *copyEncoder) textValue(buf []byte, i int, v any) ([]byte, error) {
	at := len(buf)
	out, null, err := e.m.EncodeFormat(e.types[i], types.TextFormat, v, buf)
	if err != nil {
		return buf[:at], err
	}
	if null {
		return append(out[:at], '\\', 'N'), nil
	}
	if !needsCopyEscape(out[at:]) {
		return out, nil
	}
	e.scratch = append(e.scratch[:0], out[at:]...)
	out = out[:at]
	for _, b := range e.scratch {
		switch b {
		case '\\':
			out = append(out, '\\', '\\')
		case '\n':
			out = append(out, '\\', 'n')
		case '\r':
			out = append(out, '\\', 'r')
		case '\t':
			out = append(out, '\\', 't')
		default:
			out = append(out, b)
		}
	}
	return out, nil
}

func needsCopyEscape(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c == '\n' || c == '\r' || c == '\t' {
			return true
		}
	}
	return false
}

// CopyTo runs sql, a COPY ... TO STDOUT statement (such as "copy users to
// stdout (format csv, header)" or "copy (select ...) to stdout"), and
// writes the data it produces to w as it arrives, through a 64 KiB buffer
// (flushed at the end). It returns the number of rows copied.
//
// A server error mid-stream (a failing expression at row 500,000) is
// returned as a *PgError after the rows before it were written; the
// connection stays usable. When w returns an error, CopyTo stops the
// server's COPY with a CancelRequest, discards what was already on its
// way, and returns the error; the connection stays usable when the server
// confirms the cancel within Config.CancelWait, and is closed otherwise.
// The end of ctx cancels the COPY in the same way. A statement that does
// not start COPY TO STDOUT is an error, after it has run.
func (c *Conn) CopyTo(ctx context.Context, w io.Writer, sql string) (int64, error) {
	const op = "copy to"
	if w == nil {
		return 0, fmt.Errorf("pgmoon: %s: nil io.Writer", op)
	}
	k, err := c.begin(ctx, op)
	if err != nil {
		return 0, err
	}
	if err := c.sendQuery(sql); err != nil {
		k.endUnused()
		return 0, fmt.Errorf("pgmoon: %s: %w", op, err)
	}
	if err := c.fe.Flush(); err != nil {
		return 0, k.end(err)
	}
	var (
		bw       = bufio.NewWriterSize(w, copyChunkSize)
		inCopy   bool // between CopyOutResponse and CopyDone
		copies   int  // COPY TO STDOUT statements that ran
		other    bool // a statement that is not one
		rows     int64
		s        skipper // other messages, and the first server error
		writeErr error
	)
read:
	for {
		msg, err := c.receive(op)
		if err != nil {
			if writeErr != nil {
				err = fmt.Errorf("%w (after writing failed: %v)", err, writeErr)
			}
			return 0, k.end(err)
		}
		switch m := msg.(type) {
		case *protocol.CopyOutResponse:
			inCopy = true
			copies++
		case *protocol.CopyData:
			if !inCopy {
				return 0, k.end(unexpected(op, msg))
			}
			if writeErr == nil {
				if _, writeErr = bw.Write(m.Data); writeErr != nil {
					k.abort(fmt.Errorf("writing COPY data: %w", writeErr))
				}
			}
		case *protocol.CopyDone:
			if !inCopy {
				return 0, k.end(unexpected(op, msg))
			}
			inCopy = false
		case *protocol.CommandComplete:
			if tag := (CommandTag{s: string(m.CommandTag)}); tag.Command() == "COPY" && copies > 0 {
				rows += tag.RowsAffected()
			} else {
				other = true
			}
		case *protocol.ReadyForQuery:
			c.setTxStatus(m.TxStatus)
			break read
		default:
			switch msg.(type) {
			case *protocol.ErrorResponse, *protocol.NoticeResponse, *protocol.NotificationResponse, *protocol.ParameterStatus:
			default:
				other = true // not part of a COPY TO STDOUT: let the statement finish
			}
			if err := s.skip(c, op, msg); err != nil {
				return 0, k.end(err)
			}
		}
	}
	if writeErr == nil {
		writeErr = bw.Flush()
	}
	switch {
	case writeErr != nil:
		k.endUnused()
		return 0, fmt.Errorf("pgmoon: %s: writing COPY data: %w", op, writeErr)
	case s.pgErr != nil:
		return 0, k.end(s.pgErr)
	case copies == 0 || other:
		k.endUnused()
		return 0, fmt.Errorf("pgmoon: %s: %w", op, errNotCopy("TO STDOUT"))
	}
	return rows, k.end(nil)
}
