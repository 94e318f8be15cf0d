package pgmoon

import (
	"context"
	"io"
)

var (
	_ Querier    = (*Pool)(nil)
	_ Copier     = (*Pool)(nil)
	_ TxBeginner = (*Pool)(nil)
	_ Querier    = (*PoolConn)(nil)
	_ Copier     = (*PoolConn)(nil)
	_ TxBeginner = (*PoolConn)(nil)
)

// Query borrows a connection and runs Conn.Query on it; the connection goes
// back to the pool when the Rows are closed (Next returning false closes
// them), or at once if Query fails.
func (p *Pool) Query(ctx context.Context, sql string, args ...any) (*Rows, error) {
	pc, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	r := &Rows{}
	if err := pc.conn.query(ctx, r, sql, args); err != nil {
		pc.release()
		return nil, err
	}
	if r.closed {
		pc.release()
	} else {
		r.pooled = pc
	}
	return r, nil
}

// QueryRow borrows a connection and runs Conn.QueryRow on it; the
// connection goes back to the pool in Row.Scan, which must be called.
func (p *Pool) QueryRow(ctx context.Context, sql string, args ...any) *Row {
	row := &Row{}
	pc, err := p.acquire(ctx)
	if err != nil {
		row.err = err
		return row
	}
	if err := pc.conn.query(ctx, &row.rows, sql, args); err != nil {
		row.err = err
		pc.release()
	} else if row.rows.closed {
		pc.release()
	} else {
		row.rows.pooled = pc
	}
	return row
}

// Exec borrows a connection for Conn.Exec.
func (p *Pool) Exec(ctx context.Context, sql string, args ...any) (CommandTag, error) {
	pc, err := p.acquire(ctx)
	if err != nil {
		return CommandTag{}, err
	}
	defer pc.release()
	return pc.conn.Exec(ctx, sql, args...)
}

// SendBatch borrows a connection and sends the batch on it, as
// Conn.SendBatch does; the connection goes back to the pool at
// BatchResults.Close, which must be called, or at once when the batch fails
// as a whole.
func (p *Pool) SendBatch(ctx context.Context, b *Batch) *BatchResults {
	pc, err := p.acquire(ctx)
	if err != nil {
		return &BatchResults{err: err, ended: true}
	}
	br := pc.conn.SendBatch(ctx, b)
	if br.ended {
		pc.release()
	} else {
		br.pooled = pc
	}
	return br
}

// CopyFrom borrows a connection for Conn.CopyFrom.
func (p *Pool) CopyFrom(ctx context.Context, table Identifier, columns []string, src CopyFromSource) (int64, error) {
	pc, err := p.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer pc.release()
	return pc.conn.CopyFrom(ctx, table, columns, src)
}

// CopyFromReader borrows a connection for Conn.CopyFromReader.
func (p *Pool) CopyFromReader(ctx context.Context, r io.Reader, sql string) (int64, error) {
	pc, err := p.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer pc.release()
	return pc.conn.CopyFromReader(ctx, r, sql)
}

// CopyTo borrows a connection for Conn.CopyTo.
func (p *Pool) CopyTo(ctx context.Context, w io.Writer, sql string) (int64, error) {
	pc, err := p.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer pc.release()
	return pc.conn.CopyTo(ctx, w, sql)
}

// Begin starts a transaction on a borrowed connection, as Conn.Begin
// does; see BeginTx.
func (p *Pool) Begin(ctx context.Context) (*Tx, error) {
	return p.BeginTx(ctx, TxOptions{})
}

// BeginTx borrows a connection and starts a transaction on it with opts,
// as Conn.BeginTx does. The connection goes back to the pool when the Tx
// ends with Commit or Rollback (one of which must be called), or at once
// if BeginTx fails. BeginFunc(ctx, pool, fn) runs a function in such a
// transaction.
func (p *Pool) BeginTx(ctx context.Context, opts TxOptions) (*Tx, error) {
	if _, err := opts.beginSQL(); err != nil {
		return nil, err
	}
	pc, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := pc.conn.BeginTx(ctx, opts)
	if err != nil {
		pc.release()
		return nil, err
	}
	tx.pooled = pc
	return tx, nil
}

// Ping borrows a connection and pings the server on it (Conn.Ping). Since
// Acquire replaces connections it finds dead, an error means that no live
// connection could be had, or that the ping itself failed.
func (p *Pool) Ping(ctx context.Context) error {
	pc, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer pc.release()
	return pc.conn.Ping(ctx)
}

// PoolConn is a connection borrowed from a Pool with Acquire. It is the
// borrower's alone until Release, which must be called (AcquireFunc calls
// it), once; after Release, Conn returns nil and the other methods return
// an error. Its query methods are the connection's.
//
// What state the connection is in when given back decides what the pool
// does with it (see Pool): an open transaction is rolled back, LISTEN is
// undone, and a connection still busy is closed.
type PoolConn struct {
	pc *poolConn
}

// Release gives the connection back to the pool. Calling it again does
// nothing.
func (c *PoolConn) Release() {
	if pc := c.pc; pc != nil {
		c.pc = nil
		pc.release()
	}
}

// Conn returns the borrowed connection, for what only a Conn does
// (WaitForNotification, Prepare, SimpleQuery, CancelRequest...), or nil
// after Release. It must not be used after Release, nor closed unless the
// connection is not wanted back (the pool then replaces it).
func (c *PoolConn) Conn() *Conn {
	if c.pc == nil {
		return nil
	}
	return c.pc.conn
}

// Query runs Conn.Query on the borrowed connection.
func (c *PoolConn) Query(ctx context.Context, sql string, args ...any) (*Rows, error) {
	if c.pc == nil {
		return nil, errReleased
	}
	return c.pc.conn.Query(ctx, sql, args...)
}

// QueryRow runs Conn.QueryRow on the borrowed connection.
func (c *PoolConn) QueryRow(ctx context.Context, sql string, args ...any) *Row {
	if c.pc == nil {
		return &Row{err: errReleased}
	}
	return c.pc.conn.QueryRow(ctx, sql, args...)
}

// Exec runs Conn.Exec on the borrowed connection.
func (c *PoolConn) Exec(ctx context.Context, sql string, args ...any) (CommandTag, error) {
	if c.pc == nil {
		return CommandTag{}, errReleased
	}
	return c.pc.conn.Exec(ctx, sql, args...)
}

// SendBatch runs Conn.SendBatch on the borrowed connection.
func (c *PoolConn) SendBatch(ctx context.Context, b *Batch) *BatchResults {
	if c.pc == nil {
		return &BatchResults{err: errReleased, ended: true}
	}
	return c.pc.conn.SendBatch(ctx, b)
}

// CopyFrom runs Conn.CopyFrom on the borrowed connection.
func (c *PoolConn) CopyFrom(ctx context.Context, table Identifier, columns []string, src CopyFromSource) (int64, error) {
	if c.pc == nil {
		return 0, errReleased
	}
	return c.pc.conn.CopyFrom(ctx, table, columns, src)
}

// CopyFromReader runs Conn.CopyFromReader on the borrowed connection.
func (c *PoolConn) CopyFromReader(ctx context.Context, r io.Reader, sql string) (int64, error) {
	if c.pc == nil {
		return 0, errReleased
	}
	return c.pc.conn.CopyFromReader(ctx, r, sql)
}

// CopyTo runs Conn.CopyTo on the borrowed connection.
func (c *PoolConn) CopyTo(ctx context.Context, w io.Writer, sql string) (int64, error) {
	if c.pc == nil {
		return 0, errReleased
	}
	return c.pc.conn.CopyTo(ctx, w, sql)
}

// Begin starts a transaction on the borrowed connection (Conn.Begin). The
// connection stays borrowed when the Tx ends.
func (c *PoolConn) Begin(ctx context.Context) (*Tx, error) {
	return c.BeginTx(ctx, TxOptions{})
}

// BeginTx starts a transaction on the borrowed connection (Conn.BeginTx).
// The connection stays borrowed when the Tx ends.
func (c *PoolConn) BeginTx(ctx context.Context, opts TxOptions) (*Tx, error) {
	if c.pc == nil {
		return nil, errReleased
	}
	return c.pc.conn.BeginTx(ctx, opts)
}

// Ping runs Conn.Ping on the borrowed connection.
func (c *PoolConn) Ping(ctx context.Context) error {
	if c.pc == nil {
		return errReleased
	}
	return c.pc.conn.Ping(ctx)
}
