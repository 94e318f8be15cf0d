package pgmoon

import (
	"context"
	"errors"
	"fmt"

	"github.com/pgmoon-go/pgmoon/protocol"
)

// Batch is a list of statements to send to the server together, in one
// write, and whose results are then read in order: a pipeline. Queue the
// statements, then give the Batch to SendBatch.
//
// By default the whole batch runs as one implicit transaction, as a
// multi-statement simple query does: if a statement fails, the statements
// before it are rolled back and those after it are not run (their results
// report ErrBatchAborted), unless the batch itself contains BEGIN and
// COMMIT. With Independent set, each statement is its own implicit
// transaction: a failure affects its own statement only.
//
// Statements that are not yet described (ExecModeCacheStatement,
// ExecModeCacheDescribe, ExecModeDescribeExec) are described first, all in
// one round trip; an error there (a statement that does not parse, an
// argument its parameter cannot take, a wrong argument count) fails the
// whole batch before any statement runs. A cached statement the server
// finds out of date is dropped from the cache but not retried within a
// batch.
type Batch struct {
	// Independent sends a Sync after every statement, so that each runs in
	// its own implicit transaction (default: false, one Sync at the end).
	Independent bool

	queued []*QueuedQuery
	// slab holds the QueuedQuery values that queued points to, a block at
	// a time: a full slab is never appended to (a new one is made), so
	// the pointers already returned by Queue stay valid.
	slab []QueuedQuery
}

// QueuedQuery is a statement in a Batch.
type QueuedQuery struct {
	SQL  string
	Args []any // parameters, after any option arguments (QueryExecMode, QueryResultFormats)
}

// Queue adds a statement with its arguments to the batch. Option arguments
// (a QueryExecMode, QueryResultFormats) may come first, as for Query.
func (b *Batch) Queue(sql string, args ...any) *QueuedQuery {
	if len(b.slab) == cap(b.slab) {
		b.slab = make([]QueuedQuery, 0, min(max(8, 2*cap(b.slab)), 512))
	}
	b.slab = append(b.slab, QueuedQuery{SQL: sql, Args: args})
	q := &b.slab[len(b.slab)-1]
	b.queued = append(b.queued, q)
	return q
}

// Len returns the number of statements queued.
func (b *Batch) Len() int { return len(b.queued) }

// ErrBatchAborted is the error of a batched statement the server did not
// run because an earlier statement in the same implicit transaction failed.
var ErrBatchAborted = errors.New("pgmoon: batch: statement not run because an earlier statement in the batch failed")

// BatchResults reads the results of a batch, one statement at a time and in
// the order they were queued: call Exec, Query or QueryRow once per
// statement, then Close. The connection is busy until Close; Close reads
// and discards what was not read. The results of Pool.SendBatch give their
// connection back to the pool when the batch ends: at Close, or at once
// when the batch fails as a whole.
type BatchResults struct {
	c       *Conn
	k       *call
	items   []batchItem
	next    int   // index of the next statement to read
	err     error // set when the batch failed as a whole: returned for every statement after
	syncs   int   // ReadyForQuery messages the batch will produce
	readies int   // ReadyForQuery messages read
	rows    Rows  // for Exec
	open    *Rows // the Rows of the statement being read, if any
	// rowSlab holds the Rows that QueryRow returns, a block at a time:
	// a full block is never appended to, so earlier Rows stay put.
	rowSlab []Row

	writeErr chan error // the background write's result, for large batches
	ended    bool

	// pooled, for the results of Pool.SendBatch, is the borrowed
	// connection, given back when the batch ends.
	pooled *poolConn
}

// batchItem is what reading one statement's results needs.
type batchItem struct {
	st          *statement // nil in ExecModeExec (a RowDescription says)
	cols        columns    // st's result columns, in the formats asked for
	checkFields bool
	simple      bool // sent with the simple protocol
	untilReady  bool // its results end at ReadyForQuery
}

// asyncWriteSize is the size above which a batch is written by another
// goroutine while this one reads: the server may fill its send buffer with
// results, and stop reading, before a large batch is written.
const asyncWriteSize = 16 << 10

// SendBatch sends every statement of b to the server in one write and
// returns the results to read. Errors that happen before anything runs
// (the connection is busy or closed, a statement fails to parse, bad
// arguments) are returned by every BatchResults method.
func (c *Conn) SendBatch(ctx context.Context, b *Batch) *BatchResults {
	br := &BatchResults{c: c}
	k, err := c.begin(ctx, "batch")
	if err != nil {
		br.err, br.ended = err, true
		return br
	}
	br.k = k
	if err := c.sendBatch(br, b); err != nil {
		br.fail(err)
	}
	return br
}

func (c *Conn) sendBatch(br *BatchResults, b *Batch) error {
	n := len(b.queued)
	br.items = make([]batchItem, n)
	opts := make([]callOptions, n)
	args := make([][]any, n)
	simple := 0
	for i, q := range b.queued {
		o, a, err := c.splitOptions(q.Args)
		if err == nil {
			err = checkQuery(q.SQL, a)
		}
		if err != nil {
			return &batchError{i: i, err: err, unused: true}
		}
		opts[i], args[i] = o, a
		if o.mode == ExecModeSimpleProtocol {
			simple++
		}
	}
	if simple > 0 && simple < n {
		return &batchError{i: -1, err: errors.New("ExecModeSimpleProtocol statements cannot share a batch with extended-protocol ones"), unused: true}
	}
	if err := c.describeBatch(br, b, opts); err != nil {
		return err
	}
	if err := br.k.ctx.Err(); err != nil {
		return &batchError{i: -1, err: err, unused: true}
	}
	// Encode everything before anything is sent.
	for i, q := range b.queued {
		if err := c.queueBatchItem(br, i, q.SQL, args[i], opts[i], b.Independent); err != nil {
			c.fe.Reset()
			return &batchError{i: i, err: err, unused: true}
		}
	}
	switch {
	case simple > 0 || b.Independent:
		br.syncs = n
	default:
		br.syncs = 1
		if err := c.fe.Send(&protocol.Sync{}); err != nil {
			return err
		}
	}
	if c.fe.Pending() <= asyncWriteSize {
		return c.fe.Flush()
	}
	br.writeErr = make(chan error, 1)
	br.k.sent = true // before the background write, which then leaves it alone
	go func() {
		err := c.fe.Flush()
		if err != nil {
			// Unblock the reader: the connection cannot be trusted now.
			c.closeNetConn(fmt.Errorf("writing a batch: %w", err))
		}
		br.writeErr <- err
	}()
	return nil
}

// describeBatch describes, in one round trip, every statement of the batch
// whose description is not known yet, and caches them.
func (c *Conn) describeBatch(br *BatchResults, b *Batch, opts []callOptions) error {
	type pending struct {
		i  int
		st *statement
	}
	var todo []pending
	seen := map[string]*statement{}
	for i, q := range b.queued {
		o := opts[i]
		if st := c.prepared[q.SQL]; st != nil && o.mode != ExecModeSimpleProtocol {
			br.items[i].st = st
			continue
		}
		var cache *stmtCache
		switch o.mode {
		case ExecModeSimpleProtocol:
			br.items[i].simple = true
			continue
		case ExecModeExec:
			continue
		case ExecModeCacheStatement:
			cache = c.stmts
		case ExecModeCacheDescribe:
			cache = c.descs
		}
		named := o.mode == ExecModeCacheStatement && cache != nil
		if cache != nil {
			if st := cache.get(q.SQL); st != nil {
				br.items[i].st = st
				continue
			}
		}
		key := q.SQL
		if named {
			key = "\x00named\x00" + q.SQL
		}
		if st := seen[key]; st != nil {
			br.items[i].st = st
			continue
		}
		st := &statement{sql: q.SQL}
		if named {
			st.name = c.newStatementName()
		}
		seen[key] = st
		br.items[i].st = st
		todo = append(todo, pending{i, st})
	}
	if len(todo) == 0 {
		return nil
	}
	for _, p := range todo {
		if err := c.sendDescribe(p.st.name, p.st.sql); err != nil {
			return err
		}
	}
	if err := c.fe.Flush(); err != nil {
		return err
	}
	var failed error
	for _, p := range todo {
		err := c.readDescribe(p.st)
		var pgErr *PgError
		if err != nil && !errors.As(err, &pgErr) {
			return err
		}
		if err != nil && failed == nil {
			failed = &batchError{i: p.i, err: err}
		}
	}
	if failed != nil {
		// Statements that did parse are kept on the server under their
		// names; close them with the next statement.
		for _, p := range todo {
			c.closeLater(p.st)
		}
		return failed
	}
	for _, p := range todo {
		if err := c.loadUnknownTypes(p.st.paramOIDs, p.st.fields); err != nil {
			return err
		}
		mode := opts[p.i].mode
		switch {
		case mode == ExecModeCacheStatement && c.stmts != nil:
			c.closeLater(c.stmts.put(p.st))
		case mode == ExecModeCacheDescribe && c.descs != nil:
			c.descs.put(p.st)
		}
	}
	return nil
}

// queueBatchItem encodes statement i's messages onto the pending batch.
func (c *Conn) queueBatchItem(br *BatchResults, i int, sql string, args []any, o callOptions, independent bool) error {
	it := &br.items[i]
	if err := c.sendCloses(); err != nil {
		return err
	}
	if it.untilReady = it.simple || independent; it.simple {
		it.checkFields = true
		if len(args) > 0 {
			var err error
			if sql, err = c.interpolate(sql, args); err != nil {
				return err
			}
		}
		return c.sendQuery(sql)
	}
	var parse *protocol.Parse
	if st := it.st; st != nil {
		cols, err := c.bindStatement(st, args, o)
		if err != nil {
			return err
		}
		it.cols = cols
		if st.name == "" {
			parse = &protocol.Parse{Query: sql, ParameterOIDs: st.paramOIDs}
			it.checkFields = true
		}
	} else {
		bind := &c.bindMsg
		bind.Portal, bind.Statement = "", ""
		bind.ResultFormats = bind.ResultFormats[:0]
		oids, err := c.encodeTextArgs(bind, args)
		if err != nil {
			return err
		}
		parse = &protocol.Parse{Query: sql, ParameterOIDs: oids}
		it.checkFields = true
	}
	err := c.queueExecute(parse, it.checkFields)
	if err == nil && independent {
		err = c.fe.Send(&protocol.Sync{})
	}
	return err
}

// batchError is the error of one statement of a batch (of the whole batch
// when i < 0) that failed before anything ran.
type batchError struct {
	i      int
	err    error
	unused bool // nothing was sent
}

func (e *batchError) Error() string {
	if e.i < 0 {
		return e.err.Error()
	}
	return fmt.Sprintf("statement %d: %v", e.i+1, e.err)
}

func (e *batchError) Unwrap() error { return e.err }

// fail ends the batch with err, which every later read returns.
func (br *BatchResults) fail(err error) {
	if br.ended {
		return
	}
	br.ended = true
	br.waitWrite()
	var be *batchError
	var pgErr *PgError
	switch {
	case errors.As(err, &be) && be.unused:
		br.k.endUnused()
		br.err = fmt.Errorf("pgmoon: batch: %w", err)
	case errors.As(err, &pgErr) && !isFatal(err):
		// Failed in the describe round trip: the connection is ready.
		br.k.endUnused()
		br.err = fmt.Errorf("pgmoon: batch: %w", err)
	default:
		br.err = br.k.end(err)
	}
	br.releasePooled()
}

// releasePooled gives a pooled batch's connection back once the batch has
// ended.
func (br *BatchResults) releasePooled() {
	if pc := br.pooled; pc != nil {
		br.pooled = nil
		pc.release()
	}
}

// waitWrite waits for a background write to finish.
func (br *BatchResults) waitWrite() error {
	if br.writeErr == nil {
		return nil
	}
	err := <-br.writeErr
	br.writeErr = nil
	return err
}

// nextRows prepares r to read the next statement's results.
func (br *BatchResults) nextRows(r *Rows) error {
	if br.open != nil && !br.open.closed {
		return fmt.Errorf("pgmoon: batch: the previous statement's Rows are still open")
	}
	if br.err != nil {
		return br.err
	}
	if br.next >= len(br.items) {
		return fmt.Errorf("pgmoon: batch: no more statements (the batch had %d)", len(br.items))
	}
	it := &br.items[br.next]
	br.next++
	*r = Rows{c: br.c, k: br.k, columns: it.cols, batch: br, checkFields: it.checkFields, endAtReady: it.untilReady, simple: it.simple}
	if br.readies >= br.syncs {
		// The server skipped it: an earlier statement failed.
		r.closed = true
		r.err = fmt.Errorf("pgmoon: batch: statement %d: %w", br.next, ErrBatchAborted)
		return nil
	}
	br.open = r
	if r.read() == readRow {
		r.pending = true
		return nil
	}
	r.finish(r.err)
	return nil
}

// rowsDone is called when a statement's Rows end with err; it returns the
// error the Rows report.
func (br *BatchResults) rowsDone(err error, broken bool) error {
	br.open = nil
	if broken {
		br.fail(err)
		return br.err
	}
	if err != nil {
		if staleStatement(err) {
			if st := br.items[br.next-1].st; st != nil {
				cache := br.c.stmts
				if st.name == "" {
					cache = br.c.descs
				}
				if cache != nil {
					br.c.invalidate(cache, st, err)
				}
			}
		}
		if ctxErr := br.k.ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			// The context ended during the batch: the server's error is
			// most likely the cancel that followed.
			err = fmt.Errorf("%w (%w)", ctxErr, err)
		}
		return fmt.Errorf("pgmoon: batch: statement %d: %w", br.next, err)
	}
	return nil
}

// Exec reads the next statement's results and returns its command tag.
func (br *BatchResults) Exec() (CommandTag, error) {
	r := &br.rows
	if err := br.nextRows(r); err != nil {
		return CommandTag{}, err
	}
	for r.Next() {
	}
	return r.tag, r.err
}

// Query returns the next statement's rows. Read or close them before
// reading the next statement.
func (br *BatchResults) Query() (*Rows, error) {
	r := &Rows{}
	if err := br.nextRows(r); err != nil {
		return nil, err
	}
	if r.closed && r.err != nil {
		return r, r.err
	}
	return r, nil
}

// QueryRow returns the next statement's first row.
func (br *BatchResults) QueryRow() *Row {
	if len(br.rowSlab) == cap(br.rowSlab) {
		br.rowSlab = make([]Row, 0, min(max(len(br.items)-br.next, 1), 64))
	}
	br.rowSlab = append(br.rowSlab, Row{})
	row := &br.rowSlab[len(br.rowSlab)-1]
	if err := br.nextRows(&row.rows); err != nil {
		row.err = err
	} else if row.rows.closed && row.rows.err != nil {
		row.err = row.rows.err
	}
	return row
}

// Close reads and discards the results not read yet and releases the
// connection. It returns the first error among the statements it
// discarded, or what broke the connection; it is safe to call more than
// once.
func (br *BatchResults) Close() error {
	if br.ended {
		br.next = len(br.items)
		return br.err
	}
	if br.open != nil {
		br.open.Close()
	}
	var first error
	for br.next < len(br.items) && !br.ended {
		_, err := br.Exec()
		if err != nil && first == nil && !errors.Is(err, ErrBatchAborted) {
			first = err
		}
	}
	if br.ended {
		return br.err
	}
	// The final ReadyForQuery, after the last statement, unless a
	// statement already read it.
	for br.readies < br.syncs {
		r := &br.rows
		*r = Rows{c: br.c, k: br.k, batch: br, endAtReady: true}
		if st := r.read(); st == readBroken {
			br.fail(r.err)
			return br.err
		}
	}
	br.ended = true
	var err error
	if werr := br.waitWrite(); werr != nil {
		err = br.k.end(werr)
	} else if err = br.k.end(nil); err == nil {
		err = first
	}
	br.releasePooled()
	return err
}
