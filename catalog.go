package pgmoon

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pgmoon-go/pgmoon/types"
)

// maxTypeDepth bounds how deeply types may nest (an array of a domain of a
// composite holding a range …) when loaded from the catalog.
const maxTypeDepth = 16

// loadUnknownTypes looks up, in the server's catalog, the types of a
// statement's parameters and columns that the connection's map does not
// know, and registers them. It runs inside a call, with the connection
// ready for a query.
func (c *Conn) loadUnknownTypes(paramOIDs []uint32, fields []FieldDescription) error {
	var unknown []uint32
	add := func(oid uint32) {
		if c.mustLoad(oid) && !slices.Contains(unknown, oid) {
			unknown = append(unknown, oid)
		}
	}
	for _, oid := range paramOIDs {
		add(oid)
	}
	for i := range fields {
		add(fields[i].DataTypeOID)
	}
	if len(unknown) == 0 {
		return nil
	}
	return c.loadTypes(unknown)
}

// mustLoad reports whether oid names a type to look up in the catalog: one
// the connection's map does not have and the catalog has not already
// failed to give.
func (c *Conn) mustLoad(oid uint32) bool {
	if oid == 0 || c.unloadable[oid] {
		return false
	}
	_, known := c.typeMap.TypeForOID(oid)
	return !known
}

// catalogType is a pg_type row, with what the codecs need.
type catalogType struct {
	oid       uint32
	name      string
	typtype   byte   // b base, c composite, d domain, e enum, m multirange, p pseudo, r range
	category  byte   // typcategory: 'A' for arrays
	elem      uint32 // typelem
	base      uint32 // typbasetype, for domains
	rngSub    uint32 // the range's subtype
	mrRange   uint32 // the multirange's range type
	fieldName []string
	fieldType []uint32
}

// loadTypes fetches the pg_type rows of oids and of every type they are
// built from, then registers codecs for them, innermost first.
func (c *Conn) loadTypes(oids []uint32) error {
	rows := map[uint32]*catalogType{}
	pending := oids
	for round := 0; len(pending) > 0; round++ {
		if round > maxTypeDepth {
			return fmt.Errorf("types nest more than %d levels deep", maxTypeDepth)
		}
		fetched, err := c.fetchTypes(pending)
		if err != nil {
			return err
		}
		pending = nil
		need := func(oid uint32) {
			if rows[oid] == nil && c.mustLoad(oid) && !slices.Contains(pending, oid) {
				pending = append(pending, oid)
			}
		}
		for _, ct := range fetched {
			rows[ct.oid] = ct
		}
		for _, ct := range fetched {
			need(ct.elem)
			need(ct.base)
			need(ct.rngSub)
			need(ct.mrRange)
			for _, f := range ct.fieldType {
				need(f)
			}
		}
	}
	for _, oid := range oids {
		if _, err := c.buildType(rows, oid, 0); err != nil {
			return err
		}
	}
	return nil
}

// fetchTypes reads the catalog rows of oids with one simple query of two
// statements: the types, then the attributes of the composite ones.
func (c *Conn) fetchTypes(oids []uint32) ([]*catalogType, error) {
	var list strings.Builder
	for i, oid := range oids {
		if i > 0 {
			list.WriteByte(',')
		}
		list.WriteString(strconv.FormatUint(uint64(oid), 10))
	}
	multirange := "0"
	if c.serverMajor() >= 14 {
		multirange = "coalesce((select r.rngtypid from pg_catalog.pg_range r where r.rngmultitypid = t.oid), 0)"
	}
	sql := "select t.oid, t.typname, t.typtype, t.typcategory, t.typelem, t.typbasetype, " +
		"coalesce((select r.rngsubtype from pg_catalog.pg_range r where r.rngtypid = t.oid), 0), " + multirange +
		" from pg_catalog.pg_type t where t.oid in (" + list.String() + ");" +
		" select t.oid, a.attname, a.atttypid from pg_catalog.pg_type t" +
		" join pg_catalog.pg_attribute a on a.attrelid = t.typrelid" +
		" where t.oid in (" + list.String() + ") and t.typtype = 'c' and a.attnum > 0 and not a.attisdropped" +
		" order by t.oid, a.attnum"
	if err := c.sendQuery(sql); err != nil {
		return nil, err
	}
	results, err := c.simpleQuery(false)
	if err != nil {
		return nil, fmt.Errorf("look up types %s: %w", list.String(), err)
	}
	if len(results) != 2 {
		return nil, fmt.Errorf("look up types: %d results for 2 statements", len(results))
	}
	byOID := map[uint32]*catalogType{}
	var out []*catalogType
	for _, row := range results[0].Rows {
		if len(row) != 8 {
			return nil, fmt.Errorf("look up types: %d columns", len(row))
		}
		ct := &catalogType{
			oid:      parseOID(row[0]),
			name:     string(row[1]),
			typtype:  firstByte(row[2]),
			category: firstByte(row[3]),
			elem:     parseOID(row[4]),
			base:     parseOID(row[5]),
			rngSub:   parseOID(row[6]),
			mrRange:  parseOID(row[7]),
		}
		byOID[ct.oid] = ct
		out = append(out, ct)
	}
	for _, row := range results[1].Rows {
		if len(row) != 3 {
			return nil, fmt.Errorf("look up attributes: %d columns", len(row))
		}
		ct := byOID[parseOID(row[0])]
		if ct == nil {
			continue
		}
		ct.fieldName = append(ct.fieldName, string(row[1]))
		ct.fieldType = append(ct.fieldType, parseOID(row[2]))
	}
	for _, oid := range oids {
		if byOID[oid] == nil {
			// Not in the catalog (a dropped type): never ask again.
			c.markUnloadable(oid)
		}
	}
	return out, nil
}

func (c *Conn) markUnloadable(oid uint32) {
	if c.unloadable == nil {
		c.unloadable = map[uint32]bool{}
	}
	c.unloadable[oid] = true
}

func parseOID(b []byte) uint32 {
	n, _ := strconv.ParseUint(string(b), 10, 32)
	return uint32(n)
}

func firstByte(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// buildType registers the type oid, after the types it is built from.
func (c *Conn) buildType(rows map[uint32]*catalogType, oid uint32, depth int) (*types.Type, error) {
	if t, ok := c.typeMap.TypeForOID(oid); ok {
		return t, nil
	}
	ct := rows[oid]
	if ct == nil {
		return c.typeMap.TypeOrUnknown(oid), nil
	}
	if depth > maxTypeDepth {
		return nil, fmt.Errorf("type %s nests more than %d levels deep", ct.name, maxTypeDepth)
	}
	sub := func(oid uint32) (*types.Type, error) { return c.buildType(rows, oid, depth+1) }
	var t *types.Type
	switch {
	case ct.typtype == 'e':
		t = &types.Type{Name: ct.name, OID: oid, Codec: types.EnumCodec{}}
	case ct.typtype == 'd':
		base, err := sub(ct.base)
		if err != nil {
			return nil, err
		}
		t = types.DomainType(ct.name, oid, base)
	case ct.typtype == 'c':
		fields := make([]types.CompositeField, len(ct.fieldType))
		for i, ft := range ct.fieldType {
			ftyp, err := sub(ft)
			if err != nil {
				return nil, err
			}
			fields[i] = types.CompositeField{Name: ct.fieldName[i], Type: ftyp}
		}
		t = &types.Type{Name: ct.name, OID: oid, Codec: types.CompositeCodec{Fields: fields}}
	case ct.typtype == 'r':
		elem, err := sub(ct.rngSub)
		if err != nil {
			return nil, err
		}
		t = &types.Type{Name: ct.name, OID: oid, Codec: types.RangeCodec{Elem: elem}}
	case ct.typtype == 'm':
		rng, err := sub(ct.mrRange)
		if err != nil {
			return nil, err
		}
		t = &types.Type{Name: ct.name, OID: oid, Codec: types.MultirangeCodec{Range: rng}}
	case ct.category == 'A' && ct.elem != 0:
		elem, err := sub(ct.elem)
		if err != nil {
			return nil, err
		}
		t = types.ArrayType(oid, elem)
		t.Name = ct.name
	case ct.name == "hstore":
		t = &types.Type{Name: ct.name, OID: oid, Codec: types.HstoreCodec{}}
	default:
		// A base type without a codec (an extension's): its text form.
		t = &types.Type{Name: ct.name, OID: oid, Codec: types.UnknownCodec{}}
	}
	c.typeMap.Register(t)
	return t, nil
}

// serverMajor is the server's major version from server_version, or 0.
func (c *Conn) serverMajor() int {
	v := c.ParameterStatus("server_version")
	n := 0
	for _, ch := range v {
		if ch < '0' || ch > '9' {
			break
		}
		n = n*10 + int(ch-'0')
	}
	return n
}
