package pgmoon

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pgmoon-go/pgmoon/types"
)

// The database/sql driver: import _ "github.com/pgmoon-go/pgmoon" and
// sql.Open("pgmoon", connString), or OpenDB(cfg) for a Config built in
// code. See https://pkg.go.dev/database/sql/driver for the interfaces.

func init() {
	sql.Register("pgmoon", &Driver{})
	// "postgres" too, unless another driver (lib/pq) has it already:
	// Register panics on a name taken.
	if !slices.Contains(sql.Drivers(), "postgres") {
		sql.Register("postgres", &Driver{})
	}
}

// Driver is the database/sql driver, registered as "pgmoon" (and as
// "postgres" when no other driver has that name when this package is
// initialised; lib/pq, imported as well, keeps it). Its data source names
// are connection strings, as ParseConfig reads them.
type Driver struct{}

var (
	_ driver.Driver        = (*Driver)(nil)
	_ driver.DriverContext = (*Driver)(nil)
)

// Open connects with the connection string name. database/sql calls
// OpenConnector instead, which parses name once.
func (d *Driver) Open(name string) (driver.Conn, error) {
	c, err := d.OpenConnector(name)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

// OpenConnector parses the connection string name (see ParseConfig).
func (d *Driver) OpenConnector(name string) (driver.Connector, error) {
	cfg, err := ParseConfig(name)
	if err != nil {
		return nil, err
	}
	return &connector{cfg: cfg, driver: d}, nil
}

// NewConnector returns a driver.Connector that connects with cfg (copied),
// for sql.OpenDB: the way to use a Config built in code (a custom Dialer,
// TLSConfig, OnNotice...) with database/sql.
func NewConnector(cfg *Config) driver.Connector {
	return &connector{cfg: cfg.Copy(), driver: &Driver{}}
}

// OpenDB returns a *sql.DB whose connections are made with cfg (copied).
// It is sql.OpenDB(NewConnector(cfg)); it does not connect.
func OpenDB(cfg *Config) *sql.DB {
	return sql.OpenDB(NewConnector(cfg))
}

type connector struct {
	cfg    *Config
	driver *Driver
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := Connect(ctx, c.cfg)
	if err != nil {
		return nil, err
	}
	return &DriverConn{c: conn, lastUse: time.Now()}, nil
}

func (c *connector) Driver() driver.Driver { return c.driver }

// DriverConn is the driver.Conn of database/sql connections. Reach it, and
// the *Conn under it, through sql.Conn.Raw, for what database/sql has no
// method for (COPY, LISTEN/NOTIFY, batches):
//
//	err := sqlConn.Raw(func(driverConn any) error {
//		conn := driverConn.(*pgmoon.DriverConn).Conn()
//		_, err := conn.CopyFrom(ctx, pgmoon.Identifier{"t"}, cols, src)
//		return err
//	})
//
// Leave the connection as you found it: idle, outside a transaction.
type DriverConn struct {
	c       *Conn
	args    []any     // reused for each call's arguments
	lastUse time.Time // when a call last ended, for ResetSession's check
	rows    *sqlRows  // reused by the next query once closed
}

var (
	_ driver.Conn               = (*DriverConn)(nil)
	_ driver.ConnPrepareContext = (*DriverConn)(nil)
	_ driver.ConnBeginTx        = (*DriverConn)(nil)
	_ driver.QueryerContext     = (*DriverConn)(nil)
	_ driver.ExecerContext      = (*DriverConn)(nil)
	_ driver.Pinger             = (*DriverConn)(nil)
	_ driver.SessionResetter    = (*DriverConn)(nil)
	_ driver.Validator          = (*DriverConn)(nil)
	_ driver.NamedValueChecker  = (*DriverConn)(nil)
)

// Conn returns the connection under the database/sql one.
func (dc *DriverConn) Conn() *Conn { return dc.c }

// Close closes the connection.
func (dc *DriverConn) Close() error { return dc.c.Close(context.Background()) }

// IsValid reports whether the connection may be used again: false once it
// is closed (after a fatal error, for instance), so that database/sql
// drops it.
func (dc *DriverConn) IsValid() bool { return !dc.c.IsClosed() }

// ResetSession runs before database/sql hands out the connection again.
// A closed connection, one left in a transaction or busy, or one the
// server ended while it was idle — found by reading for a moment, sending
// nothing, when it was idle for over a second or something arrived on it
// — is driver.ErrBadConn, and database/sql takes another.
func (dc *DriverConn) ResetSession(ctx context.Context) error {
	c := dc.c
	if c.IsClosed() || c.TxStatus() != 'I' || c.busy.Load() {
		return driver.ErrBadConn
	}
	if c.idleNeedsCheck(time.Since(dc.lastUse)) {
		if err := c.checkIdle(liveCheckWait); err != nil {
			return driver.ErrBadConn
		}
	}
	return nil
}

// CheckNamedValue accepts every argument as it is: the connection's type
// map encodes it for its parameter's type (arrays, JSON, your own codecs,
// driver.Valuer, ...), or says why it cannot. Named arguments are
// refused: PostgreSQL numbers its parameters ($1, $2, ...).
func (dc *DriverConn) CheckNamedValue(nv *driver.NamedValue) error {
	if nv.Name != "" {
		return fmt.Errorf("pgmoon: named argument %q: PostgreSQL parameters are numbered ($1, $2, ...); pass the values in order", nv.Name)
	}
	if _, ok := nv.Value.(sql.Out); ok {
		return errors.New("pgmoon: sql.Out arguments are not supported")
	}
	return nil
}

// argList returns the arguments' values in order, in a slice reused from
// call to call.
func (dc *DriverConn) argList(nvs []driver.NamedValue) []any {
	args := dc.args[:0]
	for _, nv := range nvs {
		args = append(args, nv.Value)
	}
	dc.args = args
	return args
}

// clearArgs drops the references to the last call's arguments.
func (dc *DriverConn) clearArgs() {
	clear(dc.args)
	dc.lastUse = time.Now()
}

// QueryContext runs a query. With no arguments, several statements
// separated by semicolons run with the simple protocol and their result
// sets come one after the other (Rows.NextResultSet); otherwise the query
// runs as Conn.Query does.
func (dc *DriverConn) QueryContext(ctx context.Context, query string, nvs []driver.NamedValue) (driver.Rows, error) {
	if dc.c.IsClosed() {
		return nil, driver.ErrBadConn // nothing was sent: database/sql may retry elsewhere
	}
	args := dc.argList(nvs)
	defer dc.clearArgs()
	multi := len(args) == 0 && multiStatement(query, dc.c.ParameterStatus("standard_conforming_strings") != "off")
	// database/sql closes a connection's Rows before it runs anything else
	// on the connection, and never touches closed ones: they are reused.
	r := dc.rows
	if r == nil || !r.r.closed {
		r = &sqlRows{dc: dc}
		dc.rows = r
	}
	r.ended = false
	if err := dc.c.queryFor(ctx, &r.r, query, args, true, multi); err != nil {
		return nil, sqlError(err)
	}
	return r, nil
}

// ExecContext runs a statement and returns the rows it affected. With no
// arguments, several statements separated by semicolons run with the
// simple protocol (migrations, schema files); the result is the last
// one's.
func (dc *DriverConn) ExecContext(ctx context.Context, query string, nvs []driver.NamedValue) (driver.Result, error) {
	if dc.c.IsClosed() {
		return nil, driver.ErrBadConn
	}
	args := dc.argList(nvs)
	defer dc.clearArgs()
	if len(args) == 0 && multiStatement(query, dc.c.ParameterStatus("standard_conforming_strings") != "off") {
		results, err := dc.c.SimpleQuery(ctx, query)
		if err != nil {
			return nil, sqlError(err)
		}
		var tag CommandTag
		if len(results) > 0 {
			tag = results[len(results)-1].CommandTag
		}
		return driver.RowsAffected(tag.RowsAffected()), nil
	}
	tag, err := dc.c.Exec(ctx, query, args...)
	if err != nil {
		return nil, sqlError(err)
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

// Ping checks the server answers (Conn.Ping).
func (dc *DriverConn) Ping(ctx context.Context) error {
	if dc.c.IsClosed() {
		return driver.ErrBadConn
	}
	defer dc.clearArgs()
	return sqlError(dc.c.Ping(ctx))
}

// Prepare is PrepareContext with context.Background.
func (dc *DriverConn) Prepare(query string) (driver.Stmt, error) {
	return dc.PrepareContext(context.Background(), query)
}

// PrepareContext describes query (one round trip, unless the connection's
// statement cache has it), so that a statement that does not parse fails
// here, and database/sql checks the argument count. The statement is kept
// in the connection's statement cache (ExecModeCacheStatement), where
// every later run of the same SQL on the connection finds it, through the
// Stmt or not; with an exec mode that keeps no statements, it is described
// afresh each time it runs.
func (dc *DriverConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if dc.c.IsClosed() {
		return nil, driver.ErrBadConn
	}
	defer dc.clearArgs()
	n, err := dc.c.describeForPrepare(ctx, query)
	if err != nil {
		return nil, sqlError(err)
	}
	return &sqlStmt{dc: dc, query: query, numInput: n}, nil
}

// Begin is BeginTx with the server's default options.
func (dc *DriverConn) Begin() (driver.Tx, error) {
	return dc.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx starts a transaction with database/sql's isolation level (read
// uncommitted, read committed, repeatable read, serializable; the others
// are refused) and read-only option.
func (dc *DriverConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if dc.c.IsClosed() {
		return nil, driver.ErrBadConn
	}
	defer dc.clearArgs()
	var o TxOptions
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault:
	case sql.LevelReadUncommitted:
		o.IsoLevel = ReadUncommitted
	case sql.LevelReadCommitted:
		o.IsoLevel = ReadCommitted
	case sql.LevelRepeatableRead:
		o.IsoLevel = RepeatableRead
	case sql.LevelSerializable:
		o.IsoLevel = Serializable
	default:
		return nil, fmt.Errorf("pgmoon: begin: isolation level %v is not supported by PostgreSQL", sql.IsolationLevel(opts.Isolation))
	}
	if opts.ReadOnly {
		o.AccessMode = ReadOnly
	}
	tx, err := dc.c.BeginTx(ctx, o)
	if err != nil {
		return nil, sqlError(err)
	}
	return &sqlTx{tx: tx, dc: dc}, nil
}

// sqlError is err as database/sql callers look at it: a server error is
// returned as the *PgError itself (tools such as GORM look at its fields),
// unless the call's context ended, whose error it then wraps too, or the
// outcome is unknown (ErrResultUnknown, which must stay visible).
// It is never driver.ErrBadConn: database/sql retries only calls refused
// before anything was sent, whose methods return ErrBadConn themselves.
func sqlError(err error) error {
	if err == nil {
		return nil
	}
	var pgErr *PgError
	if errors.As(err, &pgErr) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrResultUnknown) {
		return pgErr
	}
	return err
}

type sqlTx struct {
	tx *Tx
	dc *DriverConn
}

// Commit commits; a transaction that had failed is rolled back by the
// server and ErrTxCommitRollback returned.
func (t *sqlTx) Commit() error {
	defer t.dc.clearArgs()
	return sqlError(t.tx.Commit(context.Background()))
}

func (t *sqlTx) Rollback() error {
	defer t.dc.clearArgs()
	return sqlError(t.tx.Rollback(context.Background()))
}

// describeForPrepare describes sql for PrepareContext and returns its
// number of parameters. In ExecModeCacheStatement the statement is put in
// the cache, where later runs find it.
func (c *Conn) describeForPrepare(ctx context.Context, sql string) (int, error) {
	if st := c.prepared[sql]; st != nil {
		return len(st.paramOIDs), nil
	}
	if c.cfg.DefaultExecMode == ExecModeCacheStatement && c.stmts != nil {
		if st := c.stmts.get(sql); st != nil {
			return len(st.paramOIDs), nil
		}
	}
	if err := checkQuery(sql, nil); err != nil {
		return 0, fmt.Errorf("pgmoon: prepare: %w", err)
	}
	k, err := c.begin(ctx, "prepare")
	if err != nil {
		return 0, err
	}
	name := ""
	cache := c.cfg.DefaultExecMode == ExecModeCacheStatement && c.stmts != nil
	if cache {
		name = c.newStatementName()
	}
	st, err := c.describeStatement(name, sql)
	if err != nil {
		return 0, endAtReady(k, err)
	}
	if cache {
		c.closeLater(c.stmts.put(st))
	}
	k.endUnused()
	return len(st.paramOIDs), nil
}

// sqlStmt is a prepared statement of database/sql: the SQL, run through
// the connection's statement cache.
type sqlStmt struct {
	dc       *DriverConn
	query    string
	numInput int
}

var (
	_ driver.Stmt              = (*sqlStmt)(nil)
	_ driver.StmtQueryContext  = (*sqlStmt)(nil)
	_ driver.StmtExecContext   = (*sqlStmt)(nil)
	_ driver.NamedValueChecker = (*sqlStmt)(nil)
)

// Close does nothing: the statement stays in the connection's cache, which
// closes it on the server when it needs the room.
func (s *sqlStmt) Close() error { return nil }

func (s *sqlStmt) NumInput() int { return s.numInput }

func (s *sqlStmt) CheckNamedValue(nv *driver.NamedValue) error { return s.dc.CheckNamedValue(nv) }

func (s *sqlStmt) QueryContext(ctx context.Context, nvs []driver.NamedValue) (driver.Rows, error) {
	return s.dc.QueryContext(ctx, s.query, nvs)
}

func (s *sqlStmt) ExecContext(ctx context.Context, nvs []driver.NamedValue) (driver.Result, error) {
	return s.dc.ExecContext(ctx, s.query, nvs)
}

func (s *sqlStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), namedValues(args))
}

func (s *sqlStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), namedValues(args))
}

func namedValues(args []driver.Value) []driver.NamedValue {
	nvs := make([]driver.NamedValue, len(args))
	for i, a := range args {
		nvs[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return nvs
}

// sqlRows are the rows of a database/sql query: a Rows whose values become
// driver.Values (see sqlValue).
type sqlRows struct {
	dc      *DriverConn
	r       Rows
	names   []string // Columns, for the fields named in namesOf
	namesOf []FieldDescription
	ended   bool // the current result set has no more rows (multi)
}

var (
	_ driver.Rows                           = (*sqlRows)(nil)
	_ driver.RowsNextResultSet              = (*sqlRows)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*sqlRows)(nil)
	_ driver.RowsColumnTypeLength           = (*sqlRows)(nil)
	_ driver.RowsColumnTypeNullable         = (*sqlRows)(nil)
	_ driver.RowsColumnTypePrecisionScale   = (*sqlRows)(nil)
	_ driver.RowsColumnTypeScanType         = (*sqlRows)(nil)
)

// Columns returns the column names. The slice is remade only when the
// columns change: a statement's fields are shared by its runs.
func (s *sqlRows) Columns() []string {
	fields := s.r.fields
	if len(fields) == len(s.namesOf) && (len(fields) == 0 || &fields[0] == &s.namesOf[0]) {
		return s.names
	}
	s.names = make([]string, len(fields))
	for i, f := range fields {
		s.names[i] = f.Name
	}
	s.namesOf = fields
	return s.names
}

// Next reads the next row into dest. A []byte in dest is the caller's.
func (s *sqlRows) Next(dest []driver.Value) error {
	r := &s.r
	if r.closed || s.ended {
		return io.EOF
	}
	if r.pending {
		r.pending = false
	} else {
		switch r.read() {
		case readRow:
		case readNextResult:
			s.ended = true
			return io.EOF
		default:
			r.finish(r.err)
			if r.err != nil {
				return sqlError(r.err)
			}
			return io.EOF
		}
	}
	for i, raw := range r.values {
		v, err := sqlValue(r.c.typeMap, r.types[i], r.formats[i], raw)
		if err != nil {
			return fmt.Errorf("pgmoon: column %d (%q): %w", i, r.fields[i].Name, err)
		}
		dest[i] = v
	}
	return nil
}

// HasNextResultSet reports whether another statement of a multi-statement
// query returns rows.
func (s *sqlRows) HasNextResultSet() bool {
	r := &s.r
	if r.closed || !r.multi {
		return false
	}
	if r.next != nil {
		return true
	}
	// Read past the rest of this result set.
	for {
		switch r.read() {
		case readRow:
			continue
		case readNextResult:
			s.ended = true
			return true
		default:
			r.finish(r.err)
			return false
		}
	}
}

// NextResultSet moves to the next result set.
func (s *sqlRows) NextResultSet() error {
	if !s.HasNextResultSet() {
		if s.r.err != nil {
			return sqlError(s.r.err)
		}
		return io.EOF
	}
	r := &s.r
	r.columns, r.next = *r.next, nil
	s.ended = false
	return nil
}

// Close discards the rest of the rows (every result set) and releases the
// connection.
func (s *sqlRows) Close() error {
	r := &s.r
	for !r.closed {
		r.pending = false
		switch r.read() {
		case readRow, readNextResult:
		default:
			r.finish(r.err)
		}
	}
	r.next = nil
	s.dc.lastUse = time.Now()
	return sqlError(r.err)
}

func (s *sqlRows) ColumnTypeDatabaseTypeName(i int) string {
	t := s.r.types[i]
	if t.Name == "" {
		return strconv.FormatUint(uint64(t.OID), 10)
	}
	return strings.ToUpper(t.Name)
}

func (s *sqlRows) ColumnTypeLength(i int) (int64, bool) {
	f := s.r.fields[i]
	switch f.DataTypeOID {
	case types.TextOID, types.ByteaOID, types.JSONOID, types.JSONBOID, types.XMLOID:
		return math.MaxInt64, true
	case types.VarcharOID, types.BPCharOID:
		if f.TypeModifier < 4 {
			return math.MaxInt64, true
		}
		return int64(f.TypeModifier - 4), true
	}
	return 0, false
}

// ColumnTypeNullable: a RowDescription does not say.
func (s *sqlRows) ColumnTypeNullable(i int) (nullable, ok bool) { return false, false }

func (s *sqlRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	f := s.r.fields[i]
	if f.DataTypeOID != types.NumericOID {
		return 0, 0, false
	}
	if f.TypeModifier < 4 {
		return math.MaxInt64, math.MaxInt64, true // numeric without a precision
	}
	m := f.TypeModifier - 4
	return int64(m >> 16 & 0xffff), int64(m & 0xffff), true
}

// ColumnTypeScanType is the type of the values Next gives the column.
func (s *sqlRows) ColumnTypeScanType(i int) reflect.Type {
	switch sqlKindOf(s.r.types[i].OID) {
	case sqlBool:
		return reflect.TypeFor[bool]()
	case sqlInt:
		return reflect.TypeFor[int64]()
	case sqlFloat:
		return reflect.TypeFor[float64]()
	case sqlBytes, sqlJSON:
		return reflect.TypeFor[[]byte]()
	case sqlTime:
		return reflect.TypeFor[time.Time]()
	}
	return reflect.TypeFor[string]()
}

// How a column's values become driver.Values.
type sqlKind int

const (
	sqlString sqlKind = iota // text: string
	sqlBool                  // bool
	sqlInt                   // int64
	sqlFloat                 // float64
	sqlBytes                 // bytea: []byte
	sqlJSON                  // json, jsonb: []byte of the text
	sqlTime                  // date, timestamp, timestamptz: time.Time ("infinity" and "-infinity" as strings)
)

func sqlKindOf(oid uint32) sqlKind {
	switch oid {
	case types.BoolOID:
		return sqlBool
	case types.Int2OID, types.Int4OID, types.Int8OID, types.OIDOID:
		return sqlInt
	case types.Float4OID, types.Float8OID:
		return sqlFloat
	case types.ByteaOID:
		return sqlBytes
	case types.JSONOID, types.JSONBOID:
		return sqlJSON
	case types.DateOID, types.TimestampOID, types.TimestamptzOID:
		return sqlTime
	}
	return sqlString
}

// sqlResultFormat is the format asked for a column whose values become
// database/sql values: binary for the types that become numbers, bytes and
// times, text for the rest, whose text form is the value (a string), as
// lib/pq and pgx's stdlib give it: arrays as "{1,2}", numeric as
// "12.50", UUIDs, intervals, ranges, enums... in PostgreSQL's own spelling,
// which Scanners such as pq.Array parse.
func sqlResultFormat(oid uint32) types.Format {
	switch sqlKindOf(oid) {
	case sqlBool, sqlInt, sqlFloat, sqlBytes, sqlTime:
		return types.BinaryFormat
	}
	return types.TextFormat
}

// sqlValue converts a column's value, as sqlResultFormat asked for it or as
// text (the simple protocol, ExecModeExec), to a driver.Value.
func sqlValue(m *types.Map, t *types.Type, f types.Format, raw []byte) (driver.Value, error) {
	if raw == nil {
		return nil, nil
	}
	kind := sqlKindOf(t.OID)
	if f == types.BinaryFormat {
		switch kind {
		case sqlBool:
			if len(raw) == 1 {
				return raw[0] != 0, nil
			}
		case sqlInt:
			switch len(raw) {
			case 2:
				return int64(int16(binary.BigEndian.Uint16(raw))), nil
			case 4:
				if t.OID == types.OIDOID {
					return int64(binary.BigEndian.Uint32(raw)), nil
				}
				return int64(int32(binary.BigEndian.Uint32(raw))), nil
			case 8:
				return int64(binary.BigEndian.Uint64(raw)), nil
			}
		case sqlFloat:
			switch len(raw) {
			case 4:
				return float64(math.Float32frombits(binary.BigEndian.Uint32(raw))), nil
			case 8:
				return math.Float64frombits(binary.BigEndian.Uint64(raw)), nil
			}
		case sqlBytes:
			return slices.Clone(raw), nil
		}
	} else {
		switch kind {
		case sqlString:
			return string(raw), nil
		case sqlJSON:
			return slices.Clone(raw), nil
		case sqlBool:
			if len(raw) == 1 {
				return raw[0] == 't', nil
			}
		case sqlInt:
			if n, ok := parseInt64(raw); ok {
				return n, nil
			}
		case sqlFloat:
			return strconv.ParseFloat(string(raw), 64)
		}
	}
	// Times, bytea in text form, and the unusual: through the codec.
	v, err := m.DecodeAny(t, f, raw)
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case time.Time, []byte, string, int64, float64, bool:
		return v, nil // already boxed: returned as it is
	case types.Infinity:
		return x.String(), nil // an infinite date or timestamp: "infinity", "-infinity"
	}
	if kind == sqlString {
		// A text-like value asked for in binary (a QueryResultFormats
		// option): its text form.
		out, _, err := m.EncodeFormat(t, types.TextFormat, v, nil)
		return string(out), err
	}
	return nil, fmt.Errorf("cannot make a database/sql value of %s value %v", t.Name, v)
}

// parseInt64 parses a base-10 integer without allocating.
func parseInt64(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	neg := b[0] == '-'
	if neg || b[0] == '+' {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return -int64(n), true
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

// multiStatement reports whether sql holds more than one statement: a
// semicolon outside quotes, identifiers and comments, followed by more
// than blanks and comments. Queries without a semicolon are not lexed.
func multiStatement(sql string, standardConformingStrings bool) bool {
	if !strings.Contains(sql, ";") {
		return false
	}
	l := sqlLexer{src: sql, scs: standardConformingStrings}
	ended := false // a statement ended at a semicolon
	for {
		tok, ok, err := l.next()
		if err != nil || !ok {
			return false // the server says what is wrong
		}
		switch tok.kind {
		case tokSpace, tokComment:
			continue
		case tokCode:
			text := sql[tok.start:tok.end]
			for _, c := range []byte(text) {
				switch {
				case c == ';':
					ended = true
				case isSQLSpace(c):
				default:
					if ended {
						return true
					}
				}
			}
			continue
		}
		if ended {
			return true
		}
	}
}
