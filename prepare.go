package pgmoon

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/pgmoon-go/pgmoon/protocol"
)

// StatementDescription describes a prepared statement: its parameter types
// (as type OIDs) and result columns.
type StatementDescription struct {
	Name      string
	SQL       string
	ParamOIDs []uint32
	Fields    []FieldDescription // nil for a statement that returns no rows
}

// Prepare creates a prepared statement called name on the server and
// returns its description. Query, QueryRow, Exec and SendBatch then run it
// when given name in place of SQL, in one round trip, with arguments checked
// against its parameter types before anything is sent.
//
// Preparing the same name with the same sql again returns the existing
// description; with different sql it is an error (Deallocate first).
// Names starting with "pgmoon_" are kept for the statement cache.
// Statements prepared here are not subject to the statement cache's
// eviction: they last until Deallocate, DeallocateAll or the end of the
// connection.
func (c *Conn) Prepare(ctx context.Context, name, sql string) (*StatementDescription, error) {
	if name == "" {
		return nil, fmt.Errorf("pgmoon: prepare: empty statement name")
	}
	if strings.HasPrefix(name, "pgmoon_") {
		return nil, fmt.Errorf("pgmoon: prepare: statement names starting with \"pgmoon_\" are kept for the statement cache")
	}
	if i := strings.IndexByte(sql, 0); i >= 0 {
		return nil, fmt.Errorf("pgmoon: prepare: the SQL contains a NUL byte at offset %d", i)
	}
	k, err := c.begin(ctx, "prepare")
	if err != nil {
		return nil, err
	}
	if st := c.prepared[name]; st != nil {
		k.endUnused()
		if st.sql != sql {
			return nil, fmt.Errorf("pgmoon: prepare: statement %q is already prepared with different SQL", name)
		}
		return st.description(), nil
	}
	if err := c.sendCloses(); err != nil {
		return nil, k.end(err)
	}
	st, err := c.describeStatement(name, sql)
	if err != nil {
		return nil, endAtReady(k, err)
	}
	if c.prepared == nil {
		c.prepared = make(map[string]*statement)
	}
	c.prepared[name] = st
	k.endUnused()
	return st.description(), nil
}

// Deallocate removes the prepared statement called name, made by Prepare,
// from the server and the connection. Deallocating a name that is not
// prepared is not an error.
func (c *Conn) Deallocate(ctx context.Context, name string) error {
	k, err := c.begin(ctx, "deallocate")
	if err != nil {
		return err
	}
	err = c.sendCloses()
	if err == nil {
		err = c.fe.Send(&protocol.Close{ObjectType: protocol.ObjectStatement, Name: name})
	}
	if err != nil {
		k.endUnused()
		return fmt.Errorf("pgmoon: deallocate: %w", err)
	}
	delete(c.prepared, name)
	err = c.fe.Send(&protocol.Sync{})
	if err == nil {
		err = c.fe.Flush()
	}
	if err == nil {
		// CloseComplete, then ReadyForQuery.
		err = c.readDescribe(&statement{})
	}
	return k.end(err)
}

// DeallocateAll removes every prepared statement of the session: those of
// Prepare and those of the statement cache.
func (c *Conn) DeallocateAll(ctx context.Context) error {
	k, err := c.begin(ctx, "deallocate")
	if err != nil {
		return err
	}
	clear(c.closeQueue)
	c.closeQueue = c.closeQueue[:0]
	if err := c.sendQuery("deallocate all"); err != nil {
		k.endUnused()
		return fmt.Errorf("pgmoon: deallocate: %w", err)
	}
	clear(c.prepared)
	if c.stmts != nil {
		c.stmts.clear()
	}
	_, err = c.simpleQuery(false)
	return k.end(err)
}

func (st *statement) description() *StatementDescription {
	return &StatementDescription{
		Name:      st.name,
		SQL:       st.sql,
		ParamOIDs: slices.Clone(st.paramOIDs),
		Fields:    slices.Clone(st.fields),
	}
}
