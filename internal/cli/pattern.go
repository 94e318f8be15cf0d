package cli

import (
	"fmt"
	"strings"
)

// This file turns psql's object name patterns into SQL conditions.
//
// A pattern is up to three dot-separated parts, database.schema.name (fewer
// for objects that are not schema-qualified). Outside double quotes, upper
// case folds to lower case, * matches any string, ? any one character, and
// other regular expression characters keep their meaning except "[]",
// which is taken literally (for array type names). Inside double quotes
// every character is literal; "" stands for one quote. A $ is always
// literal. Each part becomes an anchored regular expression ^(...)$.

// namePattern is a parsed pattern.
type namePattern struct {
	raw string
	// db is the database part as a plain name (quotes removed, case
	// folded), set when the pattern had as many parts as allowed.
	db     string
	hasDB  bool
	schema string // regular expression, "" when there is no schema part
	hasSch bool
	name   string // regular expression of the last part
}

// parsePattern splits pat into at most maxParts parts (1: name; 2: the
// first part is a database; 3: database.schema.name) and converts them. The
// errors are psql's messages.
func parsePattern(pat string, maxParts int) (*namePattern, error) {
	var parts, plain []string
	var cur, curPlain strings.Builder
	inQuotes := false
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch {
		case c == '"':
			if inQuotes && i+1 < len(pat) && pat[i+1] == '"' {
				cur.WriteByte('"')
				curPlain.WriteByte('"')
				i++
			} else {
				inQuotes = !inQuotes
			}
		case !inQuotes && c >= 'A' && c <= 'Z':
			cur.WriteByte(c + 'a' - 'A')
			curPlain.WriteByte(c + 'a' - 'A')
		case !inQuotes && c == '*':
			cur.WriteString(".*")
			curPlain.WriteByte(c)
		case !inQuotes && c == '?':
			cur.WriteByte('.')
			curPlain.WriteByte(c)
		case !inQuotes && c == '.':
			parts = append(parts, cur.String())
			plain = append(plain, curPlain.String())
			cur.Reset()
			curPlain.Reset()
		case c == '$':
			cur.WriteString(`\$`)
			curPlain.WriteByte(c)
		default:
			if inQuotes && strings.IndexByte(`|*+?()[]{}.^$\`, c) >= 0 {
				cur.WriteByte('\\')
			} else if c == '[' && i+1 < len(pat) && pat[i+1] == ']' {
				cur.WriteByte('\\')
			}
			cur.WriteByte(c)
			curPlain.WriteByte(c)
		}
	}
	parts = append(parts, cur.String())
	plain = append(plain, curPlain.String())

	if len(parts) > maxParts {
		return nil, &DescribeMessage{Text: "improper qualified name (too many dotted names): " + pat, Stderr: true, Failed: true}
	}
	p := &namePattern{raw: pat}
	if maxParts == 2 && len(parts) == 2 {
		// psql reads a database name only from a three-part name, so
		// here the "database" never matches the current one.
		return nil, crossDBError(pat)
	}
	if maxParts == 3 && len(parts) == 3 {
		p.db, p.hasDB = plain[0], true
		parts = parts[1:]
	}
	if len(parts) == 2 {
		p.schema, p.hasSch = parts[0], true
		parts = parts[1:]
	}
	p.name = parts[0]
	return p, nil
}

// crossDBError is psql's complaint about a database part that names
// another database.
func crossDBError(pat string) error {
	return &DescribeMessage{Text: "cross-database references are not implemented: " + pat, Stderr: true, Failed: true}
}

// conditions returns the SQL conditions (to be joined with AND) that
// restrict schemaCol and nameCol (and altNameCol, when not empty, as an
// alternative match for the name) to the pattern. Without a schema part,
// visibility (when not empty) is added: only objects visible on the search
// path match. A part that is just * adds no condition.
func (p *namePattern) conditions(schemaCol, nameCol, altNameCol, visibility string) []string {
	var conds []string
	if p.name != ".*" {
		re := sqlLiteral("^(" + p.name + ")$")
		if altNameCol != "" {
			conds = append(conds, fmt.Sprintf("(%s OPERATOR(pg_catalog.~) %s COLLATE pg_catalog.default OR %s OPERATOR(pg_catalog.~) %s COLLATE pg_catalog.default)",
				nameCol, re, altNameCol, re))
		} else {
			conds = append(conds, fmt.Sprintf("%s OPERATOR(pg_catalog.~) %s COLLATE pg_catalog.default", nameCol, re))
		}
	}
	if p.hasSch {
		if p.schema != ".*" && schemaCol != "" {
			conds = append(conds, fmt.Sprintf("%s OPERATOR(pg_catalog.~) %s COLLATE pg_catalog.default", schemaCol, sqlLiteral("^("+p.schema+")$")))
		}
	} else if visibility != "" {
		conds = append(conds, visibility)
	}
	return conds
}

// sqlLiteral quotes s as a string constant that reads the same whatever
// standard_conforming_strings says.
func sqlLiteral(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "E'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// typeNameAliases maps type names the grammar accepts, but that neither
// pg_type.typname nor format_type() spells that way, to format_type()'s
// spelling, so that a type pattern such as "int" or "float8[]" finds its
// type. Keys are lower case; the whole pattern must match (any case).
var typeNameAliases = map[string]string{
	"decimal":       "numeric",
	"float":         "double precision",
	"int":           "integer",
	"bool[]":        "boolean[]",
	"decimal[]":     "numeric[]",
	"float[]":       "double precision[]",
	"float4[]":      "real[]",
	"float8[]":      "double precision[]",
	"int[]":         "integer[]",
	"int2[]":        "smallint[]",
	"int4[]":        "integer[]",
	"int8[]":        "bigint[]",
	"time[]":        "time without time zone[]",
	"timetz[]":      "time with time zone[]",
	"timestamp[]":   "timestamp without time zone[]",
	"timestamptz[]": "timestamp with time zone[]",
	"varbit[]":      "bit varying[]",
	"varchar[]":     "character varying[]",
}

// mapTypeName replaces a type name alias in a type pattern.
func mapTypeName(pat string) string {
	if canon, ok := typeNameAliases[strings.ToLower(pat)]; ok {
		return canon
	}
	return pat
}
