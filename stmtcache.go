package pgmoon

import (
	"container/list"
	"strconv"

	"github.com/pgmoon-go/pgmoon/types"
)

// statement is a statement whose parameter and result types the connection
// knows: a prepared one (named), or the description of a SQL text run with
// the unnamed statement.
type statement struct {
	name      string // the server's name for it; "" for the unnamed statement
	sql       string
	paramOIDs []uint32
	fields    []FieldDescription // as described, Format set to what Bind asks for

	// What the connection's type map says about the types above, as of
	// mapChanges Register calls. Rows share these slices; they are
	// replaced, never changed in place.
	resolved      bool
	mapChanges    uint64
	paramTypes    []*types.Type
	resultTypes   []*types.Type
	resultFormats []types.Format
	bindFormats   []int16 // resultFormats as Bind sends them, collapsed

	// The result columns in the formats database/sql values are made from
	// (sqlResultFormat), and those formats as Bind sends them.
	sqlCols columns
	sqlBind []int16
}

// resolve looks st's types up in the connection's map, unless that was
// done since the map last changed.
func (c *Conn) resolve(st *statement) {
	changes := c.typeMap.Changes()
	if st.resolved && st.mapChanges == changes {
		return
	}
	st.paramTypes = make([]*types.Type, len(st.paramOIDs))
	for i, oid := range st.paramOIDs {
		st.paramTypes[i] = c.typeMap.TypeOrUnknown(oid)
	}
	n := len(st.fields)
	fields := make([]FieldDescription, n)
	copy(fields, st.fields)
	st.resultTypes = make([]*types.Type, n)
	st.resultFormats = make([]types.Format, n)
	bind := make([]int16, n)
	for i := range fields {
		t := c.typeMap.TypeOrUnknown(fields[i].DataTypeOID)
		f := t.Codec.PreferredFormat()
		st.resultTypes[i], st.resultFormats[i] = t, f
		fields[i].Format = int16(f)
		bind[i] = int16(f)
	}
	st.fields = fields
	st.bindFormats = collapseFormats(bind)

	sqlFields := make([]FieldDescription, n)
	sqlFormats := make([]types.Format, n)
	sqlBind := make([]int16, n)
	for i := range fields {
		f := sqlResultFormat(fields[i].DataTypeOID)
		sqlFields[i], sqlFormats[i], sqlBind[i] = fields[i], f, int16(f)
		sqlFields[i].Format = int16(f)
	}
	st.sqlCols = columns{sqlFields, st.resultTypes, sqlFormats}
	st.sqlBind = collapseFormats(sqlBind)
	st.mapChanges, st.resolved = changes, true
}

// stmtCache is a least-recently-used set of statements keyed by SQL text.
type stmtCache struct {
	capacity int
	bySQL    map[string]*list.Element
	order    list.List // most recently used first; values are *statement
}

func newStmtCache(capacity int) *stmtCache {
	if capacity <= 0 {
		return nil
	}
	return &stmtCache{capacity: capacity, bySQL: make(map[string]*list.Element)}
}

// get returns the statement for sql, or nil, and marks it used.
func (sc *stmtCache) get(sql string) *statement {
	e := sc.bySQL[sql]
	if e == nil {
		return nil
	}
	sc.order.MoveToFront(e)
	return e.Value.(*statement)
}

// put adds st and returns the statement evicted to make room, if any.
func (sc *stmtCache) put(st *statement) (evicted *statement) {
	if old := sc.bySQL[st.sql]; old != nil {
		evicted = old.Value.(*statement)
		sc.order.Remove(old)
	} else if sc.order.Len() >= sc.capacity {
		last := sc.order.Back()
		evicted = last.Value.(*statement)
		sc.order.Remove(last)
		delete(sc.bySQL, evicted.sql)
	}
	sc.bySQL[st.sql] = sc.order.PushFront(st)
	return evicted
}

// remove drops the statement for sql and returns it, or nil.
func (sc *stmtCache) remove(sql string) *statement {
	e := sc.bySQL[sql]
	if e == nil {
		return nil
	}
	sc.order.Remove(e)
	delete(sc.bySQL, sql)
	return e.Value.(*statement)
}

// clear drops every statement.
func (sc *stmtCache) clear() {
	clear(sc.bySQL)
	sc.order.Init()
}

// newStatementName returns a name no statement of this connection has had.
func (c *Conn) newStatementName() string {
	c.stmtSeq++
	return "pgmoon_" + strconv.FormatUint(c.stmtSeq, 10)
}

// closeLater queues a Close of a named statement, sent with the next
// statement the connection runs.
func (c *Conn) closeLater(st *statement) {
	if st != nil && st.name != "" {
		c.closeQueue = append(c.closeQueue, st.name)
	}
}
