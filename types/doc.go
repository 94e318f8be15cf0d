// Package types converts between Go values and PostgreSQL's wire formats,
// text and binary, for every built-in type, arrays of them, ranges and
// multiranges, and the enums, domains and composites a database defines.
//
// # The registry
//
// A [Map] holds types by OID and by name; each [Type] has a [Codec] that
// encodes parameters and decodes results. [Default] is the immutable map of
// the built-in types. Each connection works on its own child map
// ([Map.NewChild]), where it registers the types it looks up in the catalog
// on first use, so connections never see each other's types and the
// built-ins never change. Share codecs between connections by registering
// them on a map of your own and setting it as pgmoon.Config.Types.
//
// # Scanning
//
// [Map.Scan] stores a value into a Go destination: a pointer to the type's
// natural Go type (see the table), or to any other type its codec converts
// to (an int4 scans into every Go integer type that can hold it, float64 and
// string, for instance). Around every codec, Map also accepts
//
//   - *any: the natural Go value, nil for NULL;
//   - pointers to pointers (**T): nil for NULL;
//   - sql.Null[T] for any T the codec scans into, and sql.Scanner (which
//     receives int64, float64, bool, string, []byte or time.Time where the
//     natural value is one of those kinds);
//   - named types (type Cents int64) through their underlying type;
//   - slices and maps, which take NULL as nil.
//
// A conversion that would lose information (an int8 of 3000000000 into
// int32, ±infinity into time.Time, a fraction into an integer) or NULL into
// a destination that cannot hold it is a [ConversionError] naming both
// types; Rows.Scan adds the column.
//
// # Encoding
//
// [Map.Encode] encodes a parameter for the type the server inferred for
// it, in binary where the codec can and in text otherwise. Besides what the
// codec knows, it accepts pointers (nil is NULL), driver.Valuer, named
// types, and a string for any type, sent in text for the server to parse.
//
// # Natural values
//
//	bool                        bool
//	int2, int4, int8            int16, int32, int64
//	oid, xid, cid               uint32
//	reg* (regclass, regtype…)   string, the name (asked for in text)
//	xid8                        uint64
//	float4, float8              float32, float64
//	numeric                     Numeric         (lossless; also string, *big.Int, *big.Rat, *big.Float, float64)
//	money                       int64 minor units (binary), string (text)
//	text, varchar, bpchar, name, "char", xml, refcursor   string
//	bytea                       []byte
//	uuid                        UUID
//	json, jsonb                 the value unmarshalled into any; raw into []byte, string, json.RawMessage
//	jsonpath, tsvector, tsquery string
//	date                        time.Time (UTC midnight), or Infinity
//	timestamp                   time.Time (UTC), or Infinity
//	timestamptz                 time.Time (in the codec's Location, time.Local by default), or Infinity
//	time, timetz                Time, TimeTZ    (time also into time.Duration)
//	interval                    Interval        (also into time.Duration when it has no months)
//	inet, cidr                  netip.Prefix    (also netip.Addr, *net.IPNet, net.IP)
//	macaddr, macaddr8           net.HardwareAddr
//	bit, varbit                 Bits
//	point, line, lseg, box, path, polygon, circle   Point, Line, Lseg, Box, Path, Polygon, Circle
//	pg_lsn                      LSN
//	tid                         TID
//	hstore                      map[string]*string
//	ranges                      Range[any]      (scan into Range[T] for any element type T)
//	multiranges                 Multirange[any]
//	arrays                      []any, nested for more dimensions (scan into []T, [][]T, Array[T])
//	enums                       string
//	composites, record          []any           (scan into structs by field position, or map[string]any)
//	domains                     their base type's value
//	other types                 their text, string
//
// # Text formats
//
// Values in text format (SimpleQuery results, or when asked for) are parsed
// as PostgreSQL prints them with its default settings: DateStyle ISO,
// IntervalStyle postgres, bytea_output hex (escape is read too) and
// extra_float_digits ≥ 1. Binary, the default for every type that has it,
// does not depend on settings.
//
// # Custom types
//
// Implement [Codec] for a type of your own or an extension's and
// [Map.Register] it under the type's OID. The built-in codecs are exported
// and composable: [ArrayType] builds an array type over any element type,
// and the range, composite, enum and domain constructors do the same for
// theirs.
//
// Every decoder bounds the lengths and counts it reads from the data before
// allocating, and returns a [MalformedError] rather than panicking on
// malformed input; the decoders are fuzzed.
package types
