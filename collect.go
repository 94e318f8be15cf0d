package pgmoon

import (
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"strings"
	"sync"
)

// ErrTooManyRows is returned by CollectExactlyOneRow when the query returned
// more than one row.
var ErrTooManyRows = errors.New("pgmoon: more than one row")

// CollectableRow is the current row of a result, as a RowToFunc sees it: its
// columns, and the ways to read them. *Rows implements it. A function given
// a row must not keep it, or its RawValues, after returning, and must not
// move the rows on (Next, Close).
type CollectableRow interface {
	FieldDescriptions() []FieldDescription
	Scan(dst ...any) error
	Values() ([]any, error)
	RawValues() [][]byte
}

var _ CollectableRow = (*Rows)(nil)

// RowToFunc turns the current row into a T. The RowTo functions of this
// package are RowToFuncs; so is any function of this shape that reads the
// row with Scan, Values or RawValues.
type RowToFunc[T any] func(row CollectableRow) (T, error)

// CollectRows reads every row, turns each into a T with fn and returns them
// in order; no rows is an empty, non-nil slice. The rows are closed when it
// returns, whatever happens, even if fn panics. The first error ends the
// collection: fn's error as it is, or the error that ended the rows
// (rows.Err); the slice is then nil.
func CollectRows[T any](rows *Rows, fn RowToFunc[T]) ([]T, error) {
	s, err := AppendRows([]T{}, rows, fn)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// AppendRows is CollectRows appending to s. On an error it returns s with
// the rows that were turned into Ts before it, and the error.
func AppendRows[T any, S ~[]T](s S, rows *Rows, fn RowToFunc[T]) (S, error) {
	defer rows.Close()
	for rows.Next() {
		v, err := fn(rows)
		if err != nil {
			return s, err
		}
		s = append(s, v)
	}
	return s, rows.Err()
}

// CollectOneRow turns the first row into a T with fn and discards the rest.
// It returns ErrNoRows when there is no row, and an error that ends the
// statement while the rest is discarded (such as a constraint checked at the
// end), as QueryRow's Scan does. The rows are always closed.
func CollectOneRow[T any](rows *Rows, fn RowToFunc[T]) (T, error) {
	return collectFirst(rows, fn, false)
}

// CollectExactlyOneRow is CollectOneRow for a query that must return one
// row: it returns ErrNoRows when there is none and ErrTooManyRows when there
// are more.
func CollectExactlyOneRow[T any](rows *Rows, fn RowToFunc[T]) (T, error) {
	return collectFirst(rows, fn, true)
}

// collectFirst turns the first row into a T with fn; with exactlyOne, a
// second row is ErrTooManyRows. The rest is discarded, and an error that
// ends the statement meanwhile is returned.
func collectFirst[T any](rows *Rows, fn RowToFunc[T], exactlyOne bool) (T, error) {
	defer rows.Close()
	var zero T
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return zero, err
		}
		return zero, ErrNoRows
	}
	v, err := fn(rows)
	if err != nil {
		return zero, err
	}
	if exactlyOne && rows.Next() {
		return zero, ErrTooManyRows
	}
	if err := rows.Close(); err != nil {
		return zero, err
	}
	return v, nil
}

// ForEachRow scans each row into scans, as Rows.Scan does, and then calls
// fn, which reads the values through the same pointers. It returns the
// statement's command tag once the rows are read. The first error ends the
// loop: Scan's, fn's as it is, or the error that ended the rows. The rows
// are closed when it returns, even if fn panics. A nil fn only scans.
func ForEachRow(rows *Rows, scans []any, fn func() error) (CommandTag, error) {
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(scans...); err != nil {
			return CommandTag{}, err
		}
		if fn != nil {
			if err := fn(); err != nil {
				return CommandTag{}, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return CommandTag{}, err
	}
	return rows.CommandTag(), nil
}

// RowsSeq returns an iterator over the rows for a range loop:
//
//	for row, err := range pgmoon.RowsSeq(rows) {
//		if err != nil {
//			return err
//		}
//		if err := row.Scan(&id, &name); err != nil {
//			return err
//		}
//	}
//
// Each row is the *Rows itself, positioned on that row, with a nil error.
// If the rows end with an error (rows.Err), the loop gets (nil, err) once,
// after the last row. The rows are closed when the loop ends, also by
// break, return or a panic. The iterator can be used once.
func RowsSeq(rows *Rows) iter.Seq2[CollectableRow, error] {
	return func(yield func(CollectableRow, error) bool) {
		defer rows.Close()
		for rows.Next() {
			if !yield(rows, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, err)
		}
	}
}

// Seq returns an iterator over the rows turned into Ts by fn, with a nil
// error. An error from fn is passed to the loop with a zero T, and ends it;
// so does an error that ends the rows, after the last row. As with RowsSeq,
// the rows are closed when the loop ends, however it ends.
func Seq[T any](rows *Rows, fn RowToFunc[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		defer rows.Close()
		var zero T
		for rows.Next() {
			v, err := fn(rows)
			if err != nil {
				yield(zero, err)
				return
			}
			if !yield(v, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(zero, err)
		}
	}
}

// RowTo scans a row of one column into a T.
func RowTo[T any](row CollectableRow) (T, error) {
	var v T
	if err := row.Scan(&v); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// RowToAddrOf scans a row of one column into a new T and returns its
// address.
func RowToAddrOf[T any](row CollectableRow) (*T, error) {
	v := new(T)
	if err := row.Scan(v); err != nil {
		return nil, err
	}
	return v, nil
}

// RowToMap returns the row as a map from column name to the column's
// natural Go value (see Rows.Values). Of columns with the same name, the
// last one is kept.
func RowToMap(row CollectableRow) (map[string]any, error) {
	vals, err := row.Values()
	if err != nil {
		return nil, err
	}
	fields := row.FieldDescriptions()
	m := make(map[string]any, len(vals))
	for i, v := range vals {
		m[fields[i].Name] = v
	}
	return m, nil
}

// RowToStructByPos scans a row into the exported fields of a struct T, in
// the order they are declared, one column per field; the numbers must
// match. A field tagged db:"-" is skipped. An embedded struct (or pointer to
// one, allocated as needed) without a db tag contributes its own fields in
// its place; any other field, a struct too, takes one whole column.
func RowToStructByPos[T any](row CollectableRow) (T, error) {
	return rowToStruct[T](row, byPos)
}

// RowToAddrOfStructByPos is RowToStructByPos returning the address of a new
// T.
func RowToAddrOfStructByPos[T any](row CollectableRow) (*T, error) {
	return rowToAddrOfStruct[T](row, byPos)
}

// RowToStructByName scans a row into the exported fields of a struct T,
// matching columns to fields by name. Every column must match exactly one
// field and every field must get a column; otherwise the error names the
// column without a field or the field without a column.
//
// A field's name is its db tag when it has one (compared to the column
// name ignoring case), or else the field's Go name (compared ignoring case
// and underscores, so CreatedAt matches created_at). A field tagged db:"-"
// is skipped, and so are unexported fields.
//
// An embedded struct, or pointer to one, without a db tag is flattened: its
// fields are matched as if they were T's own, and an outer field hides an
// embedded one of the same name, as in Go. An embedded pointer is allocated
// when a column goes into one of its fields.
//
// Any other struct field (or pointer to a struct) takes either a whole
// column matching its own name, such as a timestamptz into a time.Time or
// a composite into a struct, or a column for each of its fields, named
// "outer.inner" (use the alias in the query: select city as "address.city"),
// recursively.
//
// The way fields map to a set of column names is worked out once per type
// and remembered.
func RowToStructByName[T any](row CollectableRow) (T, error) {
	return rowToStruct[T](row, byName)
}

// RowToAddrOfStructByName is RowToStructByName returning the address of a
// new T.
func RowToAddrOfStructByName[T any](row CollectableRow) (*T, error) {
	return rowToAddrOfStruct[T](row, byName)
}

// RowToStructByNameLax is RowToStructByName allowing fields without a
// column, which keep their zero value. A column without a field is still
// an error.
func RowToStructByNameLax[T any](row CollectableRow) (T, error) {
	return rowToStruct[T](row, byNameLax)
}

// RowToAddrOfStructByNameLax is RowToStructByNameLax returning the address
// of a new T.
func RowToAddrOfStructByNameLax[T any](row CollectableRow) (*T, error) {
	return rowToAddrOfStruct[T](row, byNameLax)
}

// rowToStruct scans row into a T, a struct, as mode says.
func rowToStruct[T any](row CollectableRow, mode planMode) (T, error) {
	var v T
	if err := scanStruct(row, &v, mode); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// rowToAddrOfStruct scans row into a new T, a struct, as mode says.
func rowToAddrOfStruct[T any](row CollectableRow, mode planMode) (*T, error) {
	v := new(T)
	if err := scanStruct(row, v, mode); err != nil {
		return nil, err
	}
	return v, nil
}

// planMode is how a struct's fields are matched to columns.
type planMode uint8

const (
	byPos planMode = iota
	byName
	byNameLax
)

func (m planMode) funcName() string {
	switch m {
	case byName:
		return "RowToStructByName"
	case byNameLax:
		return "RowToStructByNameLax"
	}
	return "RowToStructByPos"
}

// structPlan says where each column of a result goes in a struct: the
// field index path from the struct, through embedded or nested structs.
// Plans are never changed once made.
type structPlan struct {
	names []string // the column names the plan was made for; nil by position
	paths [][]int  // per column; by position, per field
}

// fits reports whether the plan was made for these columns.
func (p *structPlan) fits(fields []FieldDescription) bool {
	if p.names == nil {
		return true
	}
	if len(p.names) != len(fields) {
		return false
	}
	for i := range fields {
		if p.names[i] != fields[i].Name {
			return false
		}
	}
	return true
}

type planKey struct {
	t    reflect.Type
	mode planMode
	cols string // the column names joined by NUL, which no name contains
}

type recentKey struct {
	t    reflect.Type
	mode planMode
}

var (
	// structPlans holds every plan made, by type, mode and column names.
	structPlans sync.Map // planKey → *structPlan
	// recentPlans holds the plan last used for a type and mode, so that
	// the rows of one query find it without building a planKey.
	recentPlans sync.Map // recentKey → *structPlan
	// scanDsts recycles the destination slices given to Scan.
	scanDsts = sync.Pool{New: func() any { return new([]any) }}
)

// planFor returns the plan for struct type t and the row's columns.
func planFor(t reflect.Type, mode planMode, fields []FieldDescription) (*structPlan, error) {
	rk := recentKey{t, mode}
	if p, ok := recentPlans.Load(rk); ok && p.(*structPlan).fits(fields) {
		return p.(*structPlan), nil
	}
	key := planKey{t: t, mode: mode}
	if mode != byPos {
		var b strings.Builder
		for i := range fields {
			if i > 0 {
				b.WriteByte(0)
			}
			b.WriteString(fields[i].Name)
		}
		key.cols = b.String()
	}
	p, ok := structPlans.Load(key)
	if !ok {
		var (
			np  *structPlan
			err error
		)
		if mode == byPos {
			np = planByPos(t)
		} else {
			np, err = planByName(t, mode, fields)
		}
		if err != nil {
			return nil, err
		}
		p, _ = structPlans.LoadOrStore(key, np)
	}
	recentPlans.Store(rk, p)
	return p.(*structPlan), nil
}

// scanStruct scans the row into the struct ptr points to.
func scanStruct(row CollectableRow, ptr any, mode planMode) error {
	rv := reflect.ValueOf(ptr).Elem()
	t := rv.Type()
	if t.Kind() != reflect.Struct {
		return fmt.Errorf("pgmoon: %s: %v is not a struct", mode.funcName(), t)
	}
	fields := row.FieldDescriptions()
	plan, err := planFor(t, mode, fields)
	if err != nil {
		return err
	}
	if len(plan.paths) != len(fields) {
		return fmt.Errorf("pgmoon: %s: %v has %d fields for %d columns", mode.funcName(), t, len(plan.paths), len(fields))
	}
	buf := scanDsts.Get().(*[]any)
	dst := (*buf)[:0]
	for _, path := range plan.paths {
		f, err := fieldByPath(rv, path)
		if err != nil {
			return fmt.Errorf("pgmoon: %s: %v: %w", mode.funcName(), t, err)
		}
		dst = append(dst, f.Addr().Interface())
	}
	err = row.Scan(dst...)
	clear(dst)
	*buf = dst[:0]
	scanDsts.Put(buf)
	return err
}

// fieldByPath follows path from the struct v, allocating the nil pointers
// to structs it goes through.
func fieldByPath(v reflect.Value, path []int) (reflect.Value, error) {
	for i, x := range path {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return reflect.Value{}, fmt.Errorf("cannot allocate embedded pointer to unexported type %v", v.Type().Elem())
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, nil
}

// structOf returns the struct type t is, or points to, and whether there is
// one.
func structOf(t reflect.Type) (reflect.Type, bool) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t, t.Kind() == reflect.Struct
}

// dbTag returns a field's db tag, "" if it has none.
func dbTag(f reflect.StructField) string { return f.Tag.Get("db") }

// flattened reports whether f is an embedded struct whose fields count as
// its parent's.
func flattened(f reflect.StructField) bool {
	_, isStruct := structOf(f.Type)
	return f.Anonymous && isStruct && dbTag(f) == ""
}

// planByPos lists t's fields in order, flattening embedded structs.
func planByPos(t reflect.Type) *structPlan {
	p := &structPlan{paths: [][]int{}}
	var walk func(t reflect.Type, index []int, seen []reflect.Type)
	walk = func(t reflect.Type, index []int, seen []reflect.Type) {
		seen = append(seen, t)
		for i := range t.NumField() {
			f := t.Field(i)
			if dbTag(f) == "-" {
				continue
			}
			path := append(index[:len(index):len(index)], i)
			if flattened(f) {
				st, _ := structOf(f.Type)
				if !containsType(seen, st) {
					walk(st, path, seen)
				}
				continue
			}
			if f.IsExported() {
				p.paths = append(p.paths, path)
			}
		}
	}
	walk(t, nil, nil)
	return p
}

func containsType(ts []reflect.Type, t reflect.Type) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// fieldNode is a field a column can go into, during planByName.
type fieldNode struct {
	goName   string       // the Go path for messages, such as Address.City
	segs     []nameSeg    // what a column name must be to match
	path     []int        // the field index path from the struct
	whole    bool         // a column can go into the field itself
	children []*fieldNode // the fields of a nested or flattened struct
	column   int          // the column going into the field itself, or -1
}

// nameSeg is one part of a dotted column name: a field's db tag, compared
// ignoring case, or its Go name, compared ignoring case and underscores.
type nameSeg struct {
	name   string
	tagged bool
}

func (s nameSeg) String() string { return s.name }

// matchColumn reports whether the column name is the dotted name segs.
func matchColumn(col string, segs []nameSeg) bool {
	for i, s := range segs {
		if i > 0 {
			if !strings.HasPrefix(col, ".") {
				return false
			}
			col = col[1:]
		}
		if s.tagged {
			if len(col) < len(s.name) || !strings.EqualFold(col[:len(s.name)], s.name) {
				return false
			}
			col = col[len(s.name):]
			continue
		}
		end := strings.IndexByte(col, '.')
		if end < 0 {
			end = len(col)
		}
		if !strings.EqualFold(strings.ReplaceAll(col[:end], "_", ""), strings.ReplaceAll(s.name, "_", "")) {
			return false
		}
		col = col[end:]
	}
	return col == ""
}

var scannerType = reflect.TypeFor[sql.Scanner]()

// nameTree lists the fields of struct t that columns can go into.
func nameTree(t reflect.Type, goPrefix string, segs []nameSeg, index []int, seen []reflect.Type) []*fieldNode {
	seen = append(seen, t)
	var nodes []*fieldNode
	for i := range t.NumField() {
		f := t.Field(i)
		tag := dbTag(f)
		if tag == "-" {
			continue
		}
		path := append(index[:len(index):len(index)], i)
		st, isStruct := structOf(f.Type)
		if flattened(f) {
			if !containsType(seen, st) {
				nodes = append(nodes, &fieldNode{
					goName:   goPrefix + f.Name,
					path:     path,
					children: nameTree(st, goPrefix+f.Name+".", segs, path, seen),
					column:   -1,
				})
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		seg := nameSeg{name: f.Name}
		if tag != "" {
			seg = nameSeg{name: tag, tagged: true}
		}
		n := &fieldNode{
			goName: goPrefix + f.Name,
			segs:   append(segs[:len(segs):len(segs)], seg),
			path:   path,
			whole:  true,
			column: -1,
		}
		if isStruct && !containsType(seen, st) && !reflect.PointerTo(st).Implements(scannerType) {
			n.children = nameTree(st, n.goName+".", n.segs, path, seen)
		}
		nodes = append(nodes, n)
	}
	return nodes
}

// planByName matches the columns to t's fields.
func planByName(t reflect.Type, mode planMode, fields []FieldDescription) (*structPlan, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("pgmoon: %s: %v: %s", mode.funcName(), t, fmt.Sprintf(format, args...))
	}
	tree := nameTree(t, "", nil, nil, nil)
	var candidates []*fieldNode
	var collect func([]*fieldNode)
	collect = func(nodes []*fieldNode) {
		for _, n := range nodes {
			if n.whole {
				candidates = append(candidates, n)
			}
			collect(n.children)
		}
	}
	collect(tree)

	p := &structPlan{names: make([]string, len(fields)), paths: make([][]int, len(fields))}
	for i := range fields {
		col := fields[i].Name
		p.names[i] = col
		var best []*fieldNode
		for _, n := range candidates {
			if !matchColumn(col, n.segs) {
				continue
			}
			switch {
			case len(best) == 0 || len(n.path) < len(best[0].path):
				best = append(best[:0], n)
			case len(n.path) == len(best[0].path):
				best = append(best, n)
			}
		}
		switch {
		case len(best) == 0:
			return nil, fail("no field for column %q", col)
		case len(best) > 1:
			return nil, fail("column %q matches fields %s and %s", col, best[0].goName, best[1].goName)
		}
		n := best[0]
		if n.column >= 0 {
			return nil, fail("columns %q and %q both go into field %s", fields[n.column].Name, col, n.goName)
		}
		n.column = i
		p.paths[i] = n.path
	}

	// A struct field filled whole cannot have its fields filled too.
	var overlap func(nodes []*fieldNode, outer *fieldNode) error
	overlap = func(nodes []*fieldNode, outer *fieldNode) error {
		for _, n := range nodes {
			if n.column >= 0 && outer != nil {
				return fail("columns %q and %q both go into field %s", fields[outer.column].Name, fields[n.column].Name, outer.goName)
			}
			o := outer
			if o == nil && n.column >= 0 {
				o = n
			}
			if err := overlap(n.children, o); err != nil {
				return err
			}
		}
		return nil
	}
	if err := overlap(tree, nil); err != nil {
		return nil, err
	}
	if mode == byName {
		if n := unfilled(tree); n != nil {
			if len(n.segs) > 0 && n.segs[len(n.segs)-1].tagged {
				return nil, fail("no column %q for field %s", joinSegs(n.segs), n.goName)
			}
			return nil, fail("no column for field %s", n.goName)
		}
	}
	return p, nil
}

// unfilled returns the first field that gets no column, where a struct
// field whose fields all get one (or that has no fields) is filled.
func unfilled(nodes []*fieldNode) *fieldNode {
	for _, n := range nodes {
		if n.column >= 0 {
			continue
		}
		if !n.whole {
			// Flattened: its fields are the parent's.
			if u := unfilled(n.children); u != nil {
				return u
			}
			continue
		}
		if len(n.children) == 0 || !anyFilled(n.children) {
			return n
		}
		if u := unfilled(n.children); u != nil {
			return u
		}
	}
	return nil
}

func anyFilled(nodes []*fieldNode) bool {
	for _, n := range nodes {
		if n.column >= 0 || anyFilled(n.children) {
			return true
		}
	}
	return false
}

func joinSegs(segs []nameSeg) string {
	s := make([]string, len(segs))
	for i, x := range segs {
		s[i] = x.name
	}
	return strings.Join(s, ".")
}
