package pgmoon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Transaction errors.
var (
	// ErrTxClosed is returned by every call on a Tx that was already
	// committed or rolled back, including one that ended because an outer
	// transaction ended. Rollback returns it too, which makes
	//
	//	defer tx.Rollback(ctx)
	//
	// harmless after a successful Commit.
	ErrTxClosed = errors.New("pgmoon: transaction already committed or rolled back")

	// ErrTxCommitRollback is returned by Commit when the transaction had
	// failed: a statement in it raised an error, so the server answered
	// COMMIT by rolling everything back. For a nested transaction it means
	// that Commit rolled back to the savepoint instead, for the same
	// reason; the outer transaction goes on.
	ErrTxCommitRollback = errors.New("pgmoon: commit: the transaction had failed, so it was rolled back")

	// ErrTxInProgress is returned by Conn.Begin and Conn.BeginTx when the
	// connection is already inside a transaction block (TxStatus is 'T' or
	// 'E'). Nothing is sent; use Tx.Begin for a nested transaction.
	ErrTxInProgress = errors.New("pgmoon: begin: the connection is already in a transaction")
)

// TxIsoLevel is a transaction isolation level, spelled as SQL spells it.
// See https://www.postgresql.org/docs/current/transaction-iso.html
type TxIsoLevel string

// The isolation levels of SET TRANSACTION / BEGIN.
const (
	Serializable   TxIsoLevel = "serializable"
	RepeatableRead TxIsoLevel = "repeatable read"
	ReadCommitted  TxIsoLevel = "read committed"
	// ReadUncommitted is accepted by PostgreSQL, which runs it as
	// ReadCommitted.
	ReadUncommitted TxIsoLevel = "read uncommitted"
)

// TxAccessMode says whether a transaction may write.
type TxAccessMode string

// The access modes of BEGIN.
const (
	ReadWrite TxAccessMode = "read write"
	// ReadOnly refuses writes to tables that are not temporary, with
	// SQLSTATE 25006 (read_only_sql_transaction).
	ReadOnly TxAccessMode = "read only"
)

// TxDeferrableMode says whether a transaction may wait before it starts so
// that it then runs without the risk of a serialization failure. The server
// honours it only for a Serializable, ReadOnly transaction.
type TxDeferrableMode string

// The deferrable modes of BEGIN.
const (
	Deferrable    TxDeferrableMode = "deferrable"
	NotDeferrable TxDeferrableMode = "not deferrable"
)

// TxOptions chooses how Conn.BeginTx starts a transaction. A zero field adds
// nothing to BEGIN, so the server's default applies (its
// default_transaction_isolation, default_transaction_read_only and
// default_transaction_deferrable settings).
// See https://www.postgresql.org/docs/current/sql-begin.html and
// https://www.postgresql.org/docs/current/sql-set-transaction.html
type TxOptions struct {
	IsoLevel       TxIsoLevel
	AccessMode     TxAccessMode
	DeferrableMode TxDeferrableMode

	// BeginQuery, when not empty, is sent instead of the BEGIN the other
	// fields would make, with the simple query protocol, so it may hold
	// several statements ("begin isolation level serializable; set local
	// lock_timeout = '2s'"). It must leave the connection in a transaction
	// block. Setting it together with another field is an error, so that
	// no option is silently ignored.
	BeginQuery string
}

// beginSQL returns the statement that starts a transaction with o, or an
// error naming the first invalid option.
func (o TxOptions) beginSQL() (string, error) {
	if o.BeginQuery != "" {
		if o.IsoLevel != "" || o.AccessMode != "" || o.DeferrableMode != "" {
			return "", errors.New("pgmoon: begin: TxOptions.BeginQuery replaces the generated BEGIN; leave IsoLevel, AccessMode and DeferrableMode empty")
		}
		return o.BeginQuery, nil
	}
	var modes []string
	switch o.IsoLevel {
	case "":
	case Serializable, RepeatableRead, ReadCommitted, ReadUncommitted:
		modes = append(modes, "isolation level "+string(o.IsoLevel))
	default:
		return "", fmt.Errorf("pgmoon: begin: unknown isolation level %q (want %q, %q, %q or %q)",
			string(o.IsoLevel), Serializable, RepeatableRead, ReadCommitted, ReadUncommitted)
	}
	switch o.AccessMode {
	case "":
	case ReadWrite, ReadOnly:
		modes = append(modes, string(o.AccessMode))
	default:
		return "", fmt.Errorf("pgmoon: begin: unknown access mode %q (want %q or %q)", string(o.AccessMode), ReadWrite, ReadOnly)
	}
	switch o.DeferrableMode {
	case "":
	case Deferrable, NotDeferrable:
		modes = append(modes, string(o.DeferrableMode))
	default:
		return "", fmt.Errorf("pgmoon: begin: unknown deferrable mode %q (want %q or %q)", string(o.DeferrableMode), Deferrable, NotDeferrable)
	}
	if len(modes) == 0 {
		return "begin", nil
	}
	return "begin " + strings.Join(modes, ", "), nil
}

// Querier runs statements: *Conn, *Tx, *Pool and *PoolConn are one, so
// code written against it runs the same inside a transaction and outside,
// on one connection or on a pool.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (*Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) *Row
	Exec(ctx context.Context, sql string, args ...any) (CommandTag, error)
	SendBatch(ctx context.Context, b *Batch) *BatchResults
}

var (
	_ Querier = (*Conn)(nil)
	_ Querier = (*Tx)(nil)
)

// Copier moves rows in bulk with COPY: *Conn, *Tx, *Pool and *PoolConn are
// one.
type Copier interface {
	CopyFrom(ctx context.Context, table Identifier, columns []string, src CopyFromSource) (int64, error)
	CopyFromReader(ctx context.Context, r io.Reader, sql string) (int64, error)
	CopyTo(ctx context.Context, w io.Writer, sql string) (int64, error)
}

var (
	_ Copier = (*Conn)(nil)
	_ Copier = (*Tx)(nil)
)

// TxBeginner starts a transaction: a *Conn, a *Pool and a *PoolConn start
// one with BEGIN, a *Tx starts a nested one with SAVEPOINT. BeginFunc takes
// any of them.
type TxBeginner interface {
	Begin(ctx context.Context) (*Tx, error)
}

var (
	_ TxBeginner = (*Conn)(nil)
	_ TxBeginner = (*Tx)(nil)
)

// TxOptionsBeginner starts a top-level transaction with options: a *Conn,
// a *Pool and a *PoolConn are one. BeginTxFunc takes any of them.
type TxOptionsBeginner interface {
	BeginTx(ctx context.Context, opts TxOptions) (*Tx, error)
}

var (
	_ TxOptionsBeginner = (*Conn)(nil)
	_ TxOptionsBeginner = (*Pool)(nil)
	_ TxOptionsBeginner = (*PoolConn)(nil)
)

// Tx is a transaction on a Conn, from Conn.Begin or Conn.BeginTx, or a
// nested transaction (a savepoint) from Tx.Begin. Statements run through
// its Query, QueryRow and Exec, which are the Conn's once the Tx is checked
// to be open. A connection has one transaction state, so every statement
// on it runs in the innermost open transaction, whichever Tx (or the Conn
// itself) it goes through. Commit or Rollback ends the Tx; after that
// every call on it returns ErrTxClosed.
//
// The usual shape rolls back on every early return and panic, and is
// harmless once Commit has succeeded:
//
//	tx, err := conn.Begin(ctx)
//	if err != nil {
//		return err
//	}
//	defer tx.Rollback(ctx)
//	// ... tx.Exec, tx.Query ...
//	return tx.Commit(ctx)
//
// BeginFunc does the same for a function.
//
// The server reports where the connection stands after every command, and
// Conn.TxStatus returns it: 'I' idle (no transaction), 'T' in a transaction
// block, 'E' in a failed transaction block, where the server refuses every
// statement until the transaction (or the savepoint) is rolled back. Commit
// in state 'E' rolls back and returns ErrTxCommitRollback.
//
// A nested transaction is a savepoint named pgmoon_sp_<depth>: Commit
// releases it, keeping its work in the outer transaction, and Rollback
// undoes its work only. Ending an outer transaction ends the nested ones
// still open, which then return ErrTxClosed. A Tx has at most one open
// nested transaction at a time.
// See https://www.postgresql.org/docs/current/sql-begin.html and
// https://www.postgresql.org/docs/current/sql-savepoint.html
//
// A Tx serves one goroutine at a time, like its Conn; a Commit or Rollback
// that finds the connection busy with another call closes the connection.
type Tx struct {
	conn      *Conn
	parent    *Tx    // nil at top level
	savepoint string // "" at top level
	depth     int    // 0 at top level

	mu *sync.Mutex // the root's; guards done and child in the whole tree

	done  bool
	child *Tx // the open nested transaction

	// pooled, for a Tx from Pool.Begin or Pool.BeginTx, is the borrowed
	// connection, given back when the Tx ends.
	pooled *poolConn
}

// Begin starts a transaction with the server's default options. See
// BeginTx.
func (c *Conn) Begin(ctx context.Context) (*Tx, error) {
	return c.BeginTx(ctx, TxOptions{})
}

// BeginTx starts a transaction with opts. Invalid options are refused
// before anything is sent, and so is a connection already in a transaction
// block (ErrTxInProgress): Tx.Begin makes nested transactions.
//
// When starting fails after BEGIN reached the server, the connection is
// brought back out of the transaction block (by ROLLBACK, or by closing it
// if that cannot be done) before the error is returned.
func (c *Conn) BeginTx(ctx context.Context, opts TxOptions) (*Tx, error) {
	sql, err := opts.beginSQL()
	if err != nil {
		return nil, err
	}
	if c.IsClosed() {
		return nil, fmt.Errorf("pgmoon: begin: %w", ErrConnClosed)
	}
	if s := c.TxStatus(); s != 'I' {
		return nil, fmt.Errorf("%w (transaction status %q)", ErrTxInProgress, s)
	}
	if _, sent, err := c.txCommand(ctx, "begin", sql); err != nil {
		if !sent {
			return nil, err
		}
		return nil, c.leaveFailedBegin(ctx, err)
	}
	if s := c.TxStatus(); s != 'T' {
		err := fmt.Errorf("pgmoon: begin: %q left the connection in transaction status %q, not in a transaction block", sql, s)
		return nil, c.leaveFailedBegin(ctx, err)
	}
	return &Tx{conn: c, mu: new(sync.Mutex)}, nil
}

// leaveFailedBegin makes sure a failed BeginTx does not leave the
// connection in a transaction block that no Tx owns, and returns err with
// what was done.
func (c *Conn) leaveFailedBegin(ctx context.Context, err error) error {
	if c.IsClosed() || c.TxStatus() == 'I' {
		return err
	}
	if ctx.Err() == nil {
		if _, _, rbErr := c.txCommand(ctx, "rollback", "rollback"); rbErr == nil && c.TxStatus() == 'I' {
			return fmt.Errorf("%w (rolled back)", err)
		}
	}
	return closeInstead(ctx, c, err)
}

// closeInstead closes c, whose transaction could not be ended with a
// command, so that the server rolls it back; the returned error says so.
func closeInstead(ctx context.Context, c *Conn, err error) error {
	if c.IsClosed() {
		return err
	}
	_ = c.Close(ctx)
	return fmt.Errorf("%w (the connection was closed so that the server rolls the transaction back)", err)
}

// txCommand runs one transaction-control command with the simple query
// protocol (one round trip) and returns the command tag of its last
// statement. sent reports whether the command may have reached the server;
// when it is false the connection was left as it was (closed, busy, ctx
// already ended). op names the call in errors.
func (c *Conn) txCommand(ctx context.Context, op, sql string) (tag CommandTag, sent bool, err error) {
	results, sent, err := c.simpleCall(ctx, op, sql)
	if len(results) > 0 {
		tag = results[len(results)-1].CommandTag
	}
	return tag, sent, err
}

// Begin starts a nested transaction inside tx: it sets a savepoint, which
// the returned Tx releases on Commit and rolls back to on Rollback. tx
// cannot begin a second nested transaction while one is open.
// See https://www.postgresql.org/docs/current/sql-savepoint.html
func (tx *Tx) Begin(ctx context.Context) (*Tx, error) {
	tx.mu.Lock()
	if tx.done {
		tx.mu.Unlock()
		return nil, ErrTxClosed
	}
	if tx.child != nil {
		tx.mu.Unlock()
		return nil, errors.New("pgmoon: begin: the transaction already has an open nested transaction; commit or roll it back first")
	}
	sp := &Tx{conn: tx.conn, parent: tx, depth: tx.depth + 1, mu: tx.mu}
	sp.savepoint = "pgmoon_sp_" + strconv.Itoa(sp.depth)
	tx.child = sp
	tx.mu.Unlock()

	if _, _, err := tx.conn.txCommand(ctx, "savepoint", "savepoint "+sp.savepoint); err != nil {
		tx.mu.Lock()
		sp.done = true
		if tx.child == sp {
			tx.child = nil
		}
		tx.mu.Unlock()
		return nil, err
	}
	return sp, nil
}

// claim marks tx and its open nested transactions done, reporting false if
// tx was done already. Whatever Commit or Rollback then meet, tx stays done.
func (tx *Tx) claim() bool {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.done {
		return false
	}
	for t := tx; t != nil; t = t.child {
		t.done = true
	}
	if tx.parent != nil && tx.parent.child == tx {
		tx.parent.child = nil
	}
	return true
}

func (tx *Tx) isDone() bool {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return tx.done
}

// Commit ends the transaction, keeping its work. At top level it sends
// COMMIT; if the transaction had failed, the server rolls it back instead
// and Commit returns ErrTxCommitRollback. An error the server raises at
// commit time (a deferred constraint, a serialization failure) comes back as
// a *PgError; the transaction is then rolled back too. Nested transactions
// still open are committed with it.
//
// For a nested transaction Commit releases its savepoint, so its work
// becomes part of the outer transaction (and is committed or rolled back
// with it). If a statement in it failed, Commit rolls back to the savepoint
// instead, returns ErrTxCommitRollback, and the outer transaction goes on.
//
// After Commit the Tx is done, whatever the outcome; calling it again
// returns ErrTxClosed. When COMMIT could not reach the server (ctx had
// ended, the connection was busy), the connection is closed, so that the
// server rolls the transaction back, and the error says so. When RELEASE
// SAVEPOINT fails, the nested transaction's work is left in the outer one,
// which decides its fate.
//
// When the connection is lost after COMMIT was sent and before the server
// confirmed it (the network failed, the backend was killed, the server
// shut down, or it ended the session with a FATAL error during COMMIT),
// the transaction may or may not have committed: the error matches
// ErrResultUnknown, and only the data can tell. pgmoon never sends COMMIT
// again, nor the transaction.
func (tx *Tx) Commit(ctx context.Context) error {
	if !tx.claim() {
		return ErrTxClosed
	}
	c := tx.conn
	if tx.parent == nil {
		defer tx.releasePooled()
		tag, sent, err := c.txCommand(ctx, "commit", "commit")
		if err != nil {
			if sent && c.IsClosed() && isFatal(err) {
				// Lost during COMMIT: a FATAL the server sent while
				// committing (a shutdown, pg_terminate_backend) does not
				// say whether the commit record was written first.
				return resultUnknown(err)
			}
			if c.IsClosed() || c.TxStatus() == 'I' {
				// The server ended the transaction (an error at commit
				// rolls it back), or the connection is gone.
				return err
			}
			return closeInstead(ctx, c, err)
		}
		if tag.Command() == "ROLLBACK" {
			return ErrTxCommitRollback
		}
		return nil
	}
	if c.TxStatus() == 'E' {
		// RELEASE would fail in a failed transaction block; undo the
		// savepoint's work, which is what COMMIT does to a failed
		// transaction.
		if err := tx.rollbackSavepoint(ctx, "commit"); err != nil {
			return err
		}
		return ErrTxCommitRollback
	}
	_, _, err := c.txCommand(ctx, "commit", "release savepoint "+tx.savepoint)
	return err
}

// Rollback ends the transaction, undoing its work: ROLLBACK at top level,
// ROLLBACK TO SAVEPOINT then RELEASE SAVEPOINT for a nested transaction
// (whose outer transaction goes on). Nested transactions still open are
// rolled back with it.
//
// Rollback of a Tx already ended returns ErrTxClosed, so deferring it right
// after Begin is the way to make every path that does not Commit roll back.
//
// A transaction is never left open when Rollback fails: if the command
// could not be sent or did not succeed (ctx had ended, the connection was
// busy with another call, the network failed), the connection is closed,
// so that the server rolls the whole transaction back, and the error says
// so. This holds for a nested transaction too, because its work must not
// be committed by the outer one.
func (tx *Tx) Rollback(ctx context.Context) error {
	if !tx.claim() {
		return ErrTxClosed
	}
	if tx.parent != nil {
		return tx.rollbackSavepoint(ctx, "rollback")
	}
	defer tx.releasePooled()
	c := tx.conn
	_, _, err := c.txCommand(ctx, "rollback", "rollback")
	if c.IsClosed() || c.TxStatus() == 'I' {
		return err
	}
	if err == nil {
		err = fmt.Errorf("pgmoon: rollback: transaction status %q after ROLLBACK", c.TxStatus())
	}
	return closeInstead(ctx, c, err)
}

// releasePooled gives a pooled transaction's connection back, once the
// transaction has ended.
func (tx *Tx) releasePooled() {
	if pc := tx.pooled; pc != nil {
		tx.pooled = nil
		pc.release()
	}
}

// rollbackSavepoint undoes a nested transaction's work and releases its
// savepoint, or closes the connection if that fails.
func (tx *Tx) rollbackSavepoint(ctx context.Context, op string) error {
	sp := tx.savepoint
	_, _, err := tx.conn.txCommand(ctx, op, "rollback to savepoint "+sp+"; release savepoint "+sp)
	if err != nil {
		return closeInstead(ctx, tx.conn, err)
	}
	return nil
}

// Conn returns the connection the transaction runs on. The connection of
// a Tx from a Pool goes back to the pool when the Tx ends; it must not be
// used after that.
func (tx *Tx) Conn() *Conn { return tx.conn }

// Query runs a statement inside the transaction, as Conn.Query does.
func (tx *Tx) Query(ctx context.Context, sql string, args ...any) (*Rows, error) {
	if tx.isDone() {
		return nil, ErrTxClosed
	}
	return tx.conn.Query(ctx, sql, args...)
}

// QueryRow runs a statement inside the transaction, as Conn.QueryRow does.
func (tx *Tx) QueryRow(ctx context.Context, sql string, args ...any) *Row {
	if tx.isDone() {
		return &Row{err: ErrTxClosed}
	}
	return tx.conn.QueryRow(ctx, sql, args...)
}

// Exec runs a statement inside the transaction, as Conn.Exec does.
func (tx *Tx) Exec(ctx context.Context, sql string, args ...any) (CommandTag, error) {
	if tx.isDone() {
		return CommandTag{}, ErrTxClosed
	}
	return tx.conn.Exec(ctx, sql, args...)
}

// SendBatch sends a batch inside the transaction; see Conn.SendBatch.
func (tx *Tx) SendBatch(ctx context.Context, b *Batch) *BatchResults {
	if tx.isDone() {
		return &BatchResults{err: ErrTxClosed, ended: true}
	}
	return tx.conn.SendBatch(ctx, b)
}

// CopyFrom copies rows into a table inside the transaction, as
// Conn.CopyFrom does. A COPY that fails leaves the transaction failed.
func (tx *Tx) CopyFrom(ctx context.Context, table Identifier, columns []string, src CopyFromSource) (int64, error) {
	if tx.isDone() {
		return 0, ErrTxClosed
	}
	return tx.conn.CopyFrom(ctx, table, columns, src)
}

// CopyFromReader runs a COPY ... FROM STDIN inside the transaction, as
// Conn.CopyFromReader does.
func (tx *Tx) CopyFromReader(ctx context.Context, r io.Reader, sql string) (int64, error) {
	if tx.isDone() {
		return 0, ErrTxClosed
	}
	return tx.conn.CopyFromReader(ctx, r, sql)
}

// CopyTo runs a COPY ... TO STDOUT inside the transaction, as Conn.CopyTo
// does.
func (tx *Tx) CopyTo(ctx context.Context, w io.Writer, sql string) (int64, error) {
	if tx.isDone() {
		return 0, ErrTxClosed
	}
	return tx.conn.CopyTo(ctx, w, sql)
}

// BeginFunc runs fn in a transaction begun on db: a *Conn (BEGIN), a *Pool
// or *PoolConn (BEGIN on its connection; a Pool's goes back when the
// transaction ends) or a *Tx (a nested transaction, SAVEPOINT). It commits when fn returns nil and
// returns Commit's error. It rolls back when fn returns an error, and
// returns that error, joined with Rollback's if Rollback failed. It rolls
// back when fn panics too, and the panic goes on with its own stack; the
// rollback's error is then lost.
//
// fn must not commit or roll back the Tx itself, nor keep it after
// returning. If ctx has ended by the time of the rollback, the connection
// is closed instead (see Tx.Rollback).
//
// BeginFunc is a function rather than a method so that one name serves
// every TxBeginner: pgmoon.BeginFunc(ctx, conn, fn) for a transaction,
// pgmoon.BeginFunc(ctx, tx, fn) for a nested one inside tx.
func BeginFunc(ctx context.Context, db TxBeginner, fn func(*Tx) error) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	return runTx(ctx, tx, fn)
}

// BeginTxFunc is BeginFunc for a transaction begun on db with opts (see
// Conn.BeginTx); invalid options are refused before fn is called.
func BeginTxFunc(ctx context.Context, db TxOptionsBeginner, opts TxOptions, fn func(*Tx) error) error {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	return runTx(ctx, tx, fn)
}

func runTx(ctx context.Context, tx *Tx, fn func(*Tx) error) error {
	returned := false
	defer func() {
		if !returned {
			// fn panicked (or called runtime.Goexit). Roll back while
			// the panic unwinds rather than recovering and panicking
			// again, which would lose the panic's stack.
			_ = tx.Rollback(ctx)
		}
	}()
	err := fn(tx)
	returned = true
	if err != nil {
		if rbErr := tx.Rollback(ctx); rbErr != nil && !errors.Is(rbErr, ErrTxClosed) {
			return errors.Join(err, rbErr)
		}
		return err
	}
	return tx.Commit(ctx)
}
