package cli

// The \d family of meta-commands: catalog queries of our own whose output
// matches psql 15's. The queries need PostgreSQL 12 or later.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pgmoon-go/pgmoon"
)

// QueryFunc runs one catalog query (simple protocol) and returns its result.
type QueryFunc func(ctx context.Context, sql string) (*pgmoon.Result, error)

// DescribeMessage is a message Describe prints in place of a table, returned
// as its error. psql writes all of them to stderr (Stderr is true), and
// leaves them out when the QUIET variable is on. Failed says whether the
// command counts as failed (ON_ERROR_STOP, the exit status of psql -c):
// `Did not find any relations.` after \dt is not a failure,
// `Did not find any relation named "x".` after \d x is.
type DescribeMessage struct {
	Text   string
	Stderr bool
	Failed bool
}

func (m *DescribeMessage) Error() string { return m.Text }

// minServerVersion is the oldest server the catalog queries support.
const minServerVersion = 120000

// describeSpec is a parsed command name.
type describeSpec struct {
	base    string // "d", "df", "dn", "du", "dx", "l", "dT"
	letters string // the object-kind letters after \d (t, i, v, m, s, E) or \df (a, n, p, t, w)
	verbose bool   // +
	system  bool   // S
}

// parseDescribe parses a command name, ok false when it is not one of ours.
// As in psql, the kind letters and the modifiers S and + may come in any
// order after the command's own letters ("dtS+", "dt+S", "dSt" is not one:
// after "dS" only modifiers follow).
func parseDescribe(cmd string) (describeSpec, bool) {
	var s describeSpec
	if cmd == "l" || cmd == "l+" || cmd == "list" || cmd == "list+" {
		s.base = "l"
		s.verbose = strings.HasSuffix(cmd, "+")
		return s, true
	}
	if !strings.HasPrefix(cmd, "d") {
		return s, false
	}
	rest := cmd[1:]
	letters := ""
	switch {
	case rest == "" || rest[0] == '+' || rest[0] == 'S':
		s.base = "d"
	case strings.IndexByte("tivmsE", rest[0]) >= 0:
		s.base, letters = "d", "tivmsE"
	case rest[0] == 'f':
		s.base, letters, rest = "df", "anptw", rest[1:]
	case rest[0] == 'n' || rest[0] == 'x' || rest[0] == 'T':
		s.base, rest = "d"+rest[:1], rest[1:]
	case rest[0] == 'u' || rest[0] == 'g':
		s.base, rest = "du", rest[1:]
	default:
		return s, false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case c == 'S':
			s.system = true
		case c == '+':
			s.verbose = true
		case letters != "" && strings.IndexByte(letters, c) >= 0:
			if strings.IndexByte(s.letters, c) < 0 {
				s.letters += string(c)
			}
		default:
			return s, false
		}
	}
	return s, true
}

// describeUsesAllArgs reports whether the command consumes all its
// arguments (\df and its variants) rather than only the first.
func describeUsesAllArgs(cmd string) bool {
	s, ok := parseDescribe(cmd)
	return ok && s.base == "df"
}

// isDescribe reports whether a meta-command name (without the backslash, with
// its modifiers such as "dt+" or "dS") is handled by Describe.
func isDescribe(cmd string) bool {
	_, ok := parseDescribe(cmd)
	return ok
}

// Describe runs a \d-family command: cmd is its name with modifiers ("d",
// "dt+", "dfS"...), args its arguments (patterns). serverVersion is
// server_version_num. It returns the tables to print in order. A user-facing
// failure (such as `Did not find any relation named "x".`) is an error whose
// text is printed as it is; such messages are *DescribeMessage.
//
// Arguments are as psql's lexer returns them: double quotes stay, since
// they are part of a pattern (`"Foo"` is the name Foo, `Foo` is foo).
// When \d name fails part way (a relation dropped meanwhile), the tables
// described before the failure come with the error: print them first, as
// psql has.
//
// The first argument is the pattern. \df takes the others as patterns for
// the types of the first arguments ("-" for none); the other commands
// ignore them, and the caller should warn about them as psql does
// (`\dt: extra argument "b" ignored`); see describeUsesAllArgs.
func Describe(ctx context.Context, q QueryFunc, serverVersion int, cmd string, args []string) ([]*Table, error) {
	s, ok := parseDescribe(cmd)
	if !ok {
		return nil, fmt.Errorf("invalid command \\%s", cmd)
	}
	if serverVersion < minServerVersion {
		return nil, &DescribeMessage{Text: fmt.Sprintf("The server (version %s) is too old for \\%s: PostgreSQL 12 or later is needed.", formatServerVersion(serverVersion), cmd), Stderr: true, Failed: true}
	}
	d := &describer{ctx: ctx, q: q, version: serverVersion, s: s}
	var pattern *string
	if len(args) > 0 {
		pattern = &args[0]
	}
	switch s.base {
	case "d":
		if pattern != nil && s.letters == "" {
			return d.describeRelations(*pattern)
		}
		letters := s.letters
		if letters == "" {
			letters = "tvmsE"
		}
		return d.listRelations(letters, pattern)
	case "df":
		return d.listFunctions(pattern, args[min(1, len(args)):])
	case "dn":
		return d.listSchemas(pattern)
	case "du":
		return d.listRoles(pattern)
	case "dx":
		if s.verbose {
			return d.extensionContents(pattern)
		}
		return d.listExtensions(pattern)
	case "l":
		return d.listDatabases(pattern)
	case "dT":
		return d.listTypes(pattern)
	}
	return nil, fmt.Errorf("invalid command \\%s", cmd)
}

func formatServerVersion(v int) string {
	if v >= 100000 {
		return fmt.Sprintf("%d.%d", v/10000, v%10000)
	}
	return fmt.Sprintf("%d.%d.%d", v/10000, v/100%100, v%100)
}

// describer carries what every query of one command needs.
type describer struct {
	ctx     context.Context
	q       QueryFunc
	version int
	s       describeSpec
}

// since returns expr on servers of version v or later, else fallback (for
// catalog columns newer than PostgreSQL 12).
func (d *describer) since(v int, expr, fallback string) string {
	if d.version >= v {
		return expr
	}
	return fallback
}

// query runs sql and returns its result, a server error as it is.
func (d *describer) query(sql string) (*pgmoon.Result, error) {
	r, err := d.q(d.ctx, sql)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, errors.New("describe: no result")
	}
	if r.Err != nil {
		return nil, r.Err
	}
	return r, nil
}

// pattern parses pat and checks its database part against the current
// database.
func (d *describer) pattern(pat string, maxParts int) (*namePattern, error) {
	p, err := parsePattern(pat, maxParts)
	if err != nil {
		return nil, err
	}
	if p.hasDB {
		r, err := d.query("SELECT pg_catalog.current_database()")
		if err != nil {
			return nil, err
		}
		if len(r.Rows) != 1 || string(r.Rows[0][0]) != p.db {
			return nil, crossDBError(pat)
		}
	}
	return p, nil
}

// where joins conditions into a WHERE clause ("" for none).
func where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return "WHERE " + strings.Join(conds, "\n  AND ") + "\n"
}

// listing runs a listing query and titles its result, "(N rows)" below.
func (d *describer) listing(title, sql string) ([]*Table, error) {
	r, err := d.query(sql)
	if err != nil {
		return nil, err
	}
	t := ResultTable(r)
	t.Title = title
	return []*Table{t}, nil
}

// oidLit renders an OID for a query.
func oidLit(oid string) string { return "'" + oid + "'" }

// cell reads column j of row i as a string, "" for NULL.
func cell(r *pgmoon.Result, i, j int) string { return string(r.Rows[i][j]) }

// isNull reports whether column j of row i is NULL.
func isNull(r *pgmoon.Result, i, j int) bool { return r.Rows[i][j] == nil }

// isTrue reads a boolean column.
func isTrue(r *pgmoon.Result, i, j int) bool { return cell(r, i, j) == "t" }

// strp returns a pointer to s, for table cells.
func strp(s string) *string { return &s }

// ----- \d, \dt, \di, \dv, \dm, \ds, \dE -----

// relkindName is the Type column of relation listings.
const relkindName = `CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END`

func (d *describer) listRelations(letters string, pattern *string) ([]*Table, error) {
	has := func(c byte) bool { return strings.IndexByte(letters, c) >= 0 }
	var kinds []string
	if has('t') {
		kinds = append(kinds, "'r'", "'p'")
		if d.s.system || pattern != nil { // TOAST tables only with S or a pattern
			kinds = append(kinds, "'t'", "'s'")
		}
	}
	if has('v') {
		kinds = append(kinds, "'v'")
	}
	if has('m') {
		kinds = append(kinds, "'m'")
	}
	if has('i') {
		kinds = append(kinds, "'i'", "'I'")
	}
	if has('s') {
		kinds = append(kinds, "'S'")
	}
	if has('E') {
		kinds = append(kinds, "'f'")
	}

	var b strings.Builder
	b.WriteString("SELECT n.nspname AS \"Schema\",\n  c.relname AS \"Name\",\n  " + relkindName + " AS \"Type\",\n  pg_catalog.pg_get_userbyid(c.relowner) AS \"Owner\"")
	if has('i') {
		b.WriteString(",\n  c2.relname AS \"Table\"")
	}
	if d.s.verbose {
		b.WriteString(",\n  CASE c.relpersistence WHEN 'p' THEN 'permanent' WHEN 't' THEN 'temporary' WHEN 'u' THEN 'unlogged' END AS \"Persistence\"")
		if has('t') || has('m') || has('i') {
			b.WriteString(",\n  am.amname AS \"Access method\"")
		}
		b.WriteString(",\n  pg_catalog.pg_size_pretty(pg_catalog.pg_table_size(c.oid)) AS \"Size\"")
		b.WriteString(",\n  pg_catalog.obj_description(c.oid, 'pg_class') AS \"Description\"")
	}
	b.WriteString("\nFROM pg_catalog.pg_class c\n  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n  LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam\n")
	if has('i') {
		b.WriteString("  LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid\n  LEFT JOIN pg_catalog.pg_class c2 ON i.indrelid = c2.oid\n")
	}
	conds := []string{"c.relkind IN (" + strings.Join(kinds, ",") + ")"}
	if !d.s.system && pattern == nil {
		conds = append(conds, "n.nspname <> 'pg_catalog'", "n.nspname !~ '^pg_toast'", "n.nspname <> 'information_schema'")
	}
	if pattern != nil {
		p, err := d.pattern(*pattern, 3)
		if err != nil {
			return nil, err
		}
		conds = append(conds, p.conditions("n.nspname", "c.relname", "", "pg_catalog.pg_table_is_visible(c.oid)")...)
	} else {
		conds = append(conds, "pg_catalog.pg_table_is_visible(c.oid)")
	}
	b.WriteString(where(conds))
	b.WriteString("ORDER BY 1, 2")

	tabs, err := d.listing("List of relations", b.String())
	if err != nil {
		return nil, err
	}
	if len(tabs[0].Rows) == 0 {
		if pattern != nil {
			return nil, &DescribeMessage{Text: fmt.Sprintf("Did not find any relation named \"%s\".", *pattern), Stderr: true}
		}
		return nil, &DescribeMessage{Text: "Did not find any relations.", Stderr: true}
	}
	return tabs, nil
}

// ----- \dn -----

func (d *describer) listSchemas(pattern *string) ([]*Table, error) {
	var b strings.Builder
	b.WriteString("SELECT n.nspname AS \"Name\",\n  pg_catalog.pg_get_userbyid(n.nspowner) AS \"Owner\"")
	if d.s.verbose {
		b.WriteString(",\n  pg_catalog.array_to_string(n.nspacl, E'\\n') AS \"Access privileges\"")
		b.WriteString(",\n  pg_catalog.obj_description(n.oid, 'pg_namespace') AS \"Description\"")
	}
	b.WriteString("\nFROM pg_catalog.pg_namespace n\n")
	var conds []string
	if !d.s.system && pattern == nil {
		conds = append(conds, "n.nspname !~ '^pg_'", "n.nspname <> 'information_schema'")
	}
	if pattern != nil {
		p, err := d.pattern(*pattern, 2)
		if err != nil {
			return nil, err
		}
		conds = append(conds, p.conditions("", "n.nspname", "", "")...)
	}
	b.WriteString(where(conds))
	b.WriteString("ORDER BY 1")
	tabs, err := d.listing("List of schemas", b.String())
	if err != nil {
		return nil, err
	}
	// psql 15 also lists the publications of the schema whose name is the
	// pattern as written (so not for S2, s* or "s2").
	if t := tabs[0]; pattern != nil && d.version >= 150000 {
		r, err := d.query(`SELECT p.pubname
FROM pg_catalog.pg_publication p
  JOIN pg_catalog.pg_publication_namespace pn ON p.oid = pn.pnpubid
  JOIN pg_catalog.pg_namespace n ON n.oid = pn.pnnspid
WHERE n.nspname = ` + sqlLiteral(*pattern) + `
ORDER BY 1`)
		if err != nil {
			return nil, err
		}
		if len(r.Rows) > 0 {
			t.Footers = []string{"Publications:"}
			for i := range r.Rows {
				t.Footers = append(t.Footers, fmt.Sprintf("    \"%s\"", cell(r, i, 0)))
			}
		}
	}
	return tabs, nil
}

// ----- \du, \dg -----

func (d *describer) listRoles(pattern *string) ([]*Table, error) {
	var b strings.Builder
	b.WriteString(`SELECT r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb,
  r.rolcanlogin, r.rolconnlimit, r.rolvaliduntil,
  ARRAY(SELECT b.rolname FROM pg_catalog.pg_auth_members m
        JOIN pg_catalog.pg_roles b ON m.roleid = b.oid
        WHERE m.member = r.oid) AS memberof,
  r.rolreplication, r.rolbypassrls,
  pg_catalog.shobj_description(r.oid, 'pg_authid') AS description
FROM pg_catalog.pg_roles r
`)
	var conds []string
	if !d.s.system && pattern == nil {
		conds = append(conds, "r.rolname !~ '^pg_'")
	}
	if pattern != nil {
		p, err := d.pattern(*pattern, 1)
		if err != nil {
			return nil, err
		}
		conds = append(conds, p.conditions("", "r.rolname", "", "")...)
	}
	b.WriteString(where(conds))
	b.WriteString("ORDER BY 1")
	r, err := d.query(b.String())
	if err != nil {
		return nil, err
	}
	t := &Table{Title: "List of roles", Headers: []string{"Role name", "Attributes", "Member of"}, Footers: []string{}, NoDefaultFooter: true}
	if d.s.verbose {
		t.Headers = append(t.Headers, "Description")
	}
	t.Align = make([]byte, len(t.Headers))
	for i := range t.Align {
		t.Align[i] = 'l'
	}
	for i := range r.Rows {
		var attrs []string
		add := func(col int, want bool, name string) {
			if isTrue(r, i, col) == want {
				attrs = append(attrs, name)
			}
		}
		add(1, true, "Superuser")
		add(2, false, "No inheritance")
		add(3, true, "Create role")
		add(4, true, "Create DB")
		add(5, false, "Cannot login")
		add(9, true, "Replication")
		add(10, true, "Bypass RLS")
		text := strings.Join(attrs, ", ")
		if n, _ := strconv.Atoi(cell(r, i, 6)); n >= 0 {
			if text != "" {
				text += "\n"
			}
			switch n {
			case 0:
				text += "No connections"
			case 1:
				text += "1 connection"
			default:
				text += fmt.Sprintf("%d connections", n)
			}
		}
		if !isNull(r, i, 7) {
			if text != "" {
				text += "\n"
			}
			text += "Password valid until " + cell(r, i, 7)
		}
		row := []*string{strp(cell(r, i, 0)), strp(text), strp(cell(r, i, 8))}
		if d.s.verbose {
			row = append(row, strp(cell(r, i, 11)))
		}
		t.Rows = append(t.Rows, row)
	}
	return []*Table{t}, nil
}

// ----- \l -----

func (d *describer) listDatabases(pattern *string) ([]*Table, error) {
	var b strings.Builder
	b.WriteString(`SELECT d.datname AS "Name",
  pg_catalog.pg_get_userbyid(d.datdba) AS "Owner",
  pg_catalog.pg_encoding_to_char(d.encoding) AS "Encoding",
  d.datcollate AS "Collate",
  d.datctype AS "Ctype",
`)
	if d.version >= 150000 {
		// psql 15's columns; PostgreSQL 17 renamed daticulocale.
		fmt.Fprintf(&b, `  d.%s AS "ICU Locale",
  CASE d.datlocprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' END AS "Locale Provider",
`, d.since(170000, "datlocale", "daticulocale"))
	}
	b.WriteString(`  pg_catalog.array_to_string(d.datacl, E'\n') AS "Access privileges"`)
	if d.s.verbose {
		b.WriteString(`,
  CASE WHEN pg_catalog.has_database_privilege(d.datname, 'CONNECT')
       THEN pg_catalog.pg_size_pretty(pg_catalog.pg_database_size(d.datname))
       ELSE 'No Access' END AS "Size",
  t.spcname AS "Tablespace",
  pg_catalog.shobj_description(d.oid, 'pg_database') AS "Description"`)
	}
	b.WriteString("\nFROM pg_catalog.pg_database d\n")
	if d.s.verbose {
		b.WriteString("  JOIN pg_catalog.pg_tablespace t ON d.dattablespace = t.oid\n")
	}
	if pattern != nil {
		p, err := d.pattern(*pattern, 1)
		if err != nil {
			return nil, err
		}
		b.WriteString(where(p.conditions("", "d.datname", "", "")))
	}
	b.WriteString("ORDER BY 1")
	return d.listing("List of databases", b.String())
}

// ----- \dx, \dx+ -----

func (d *describer) listExtensions(pattern *string) ([]*Table, error) {
	var b strings.Builder
	b.WriteString(`SELECT e.extname AS "Name", e.extversion AS "Version", n.nspname AS "Schema", c.description AS "Description"
FROM pg_catalog.pg_extension e
  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
  LEFT JOIN pg_catalog.pg_description c ON c.objoid = e.oid AND c.classoid = 'pg_catalog.pg_extension'::pg_catalog.regclass
`)
	if pattern != nil {
		p, err := d.pattern(*pattern, 1)
		if err != nil {
			return nil, err
		}
		b.WriteString(where(p.conditions("", "e.extname", "", "")))
	}
	b.WriteString("ORDER BY 1")
	return d.listing("List of installed extensions", b.String())
}

func (d *describer) extensionContents(pattern *string) ([]*Table, error) {
	sql := "SELECT e.extname, e.oid FROM pg_catalog.pg_extension e\n"
	if pattern != nil {
		p, err := d.pattern(*pattern, 1)
		if err != nil {
			return nil, err
		}
		sql += where(p.conditions("", "e.extname", "", ""))
	}
	r, err := d.query(sql + "ORDER BY 1")
	if err != nil {
		return nil, err
	}
	if len(r.Rows) == 0 {
		if pattern != nil {
			return nil, &DescribeMessage{Text: fmt.Sprintf("Did not find any extension named \"%s\".", *pattern), Stderr: true, Failed: true}
		}
		return nil, &DescribeMessage{Text: "Did not find any extensions.", Stderr: true, Failed: true}
	}
	var out []*Table
	for i := range r.Rows {
		tabs, err := d.listing(fmt.Sprintf("Objects in extension \"%s\"", cell(r, i, 0)),
			`SELECT pg_catalog.pg_describe_object(classid, objid, 0) AS "Object description"
FROM pg_catalog.pg_depend
WHERE refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND refobjid = `+oidLit(cell(r, i, 1))+` AND deptype = 'e'
ORDER BY 1`)
		if err != nil {
			return nil, err
		}
		out = append(out, tabs...)
	}
	return out, nil
}

// ----- \df -----

func (d *describer) listFunctions(pattern *string, argTypes []string) ([]*Table, error) {
	has := func(c byte) bool { return strings.IndexByte(d.s.letters, c) >= 0 }
	all := d.s.letters == ""
	var b strings.Builder
	b.WriteString(`SELECT n.nspname AS "Schema",
  p.proname AS "Name",
  pg_catalog.pg_get_function_result(p.oid) AS "Result data type",
  pg_catalog.pg_get_function_arguments(p.oid) AS "Argument data types",
  CASE p.prokind WHEN 'a' THEN 'agg' WHEN 'w' THEN 'window' WHEN 'p' THEN 'proc' ELSE 'func' END AS "Type"`)
	if d.s.verbose {
		b.WriteString(`,
  CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' WHEN 'v' THEN 'volatile' END AS "Volatility",
  CASE p.proparallel WHEN 'r' THEN 'restricted' WHEN 's' THEN 'safe' WHEN 'u' THEN 'unsafe' END AS "Parallel",
  pg_catalog.pg_get_userbyid(p.proowner) AS "Owner",
  CASE WHEN p.prosecdef THEN 'definer' ELSE 'invoker' END AS "Security",
  pg_catalog.array_to_string(p.proacl, E'\n') AS "Access privileges",
  l.lanname AS "Language",
`)
		if d.version >= 140000 {
			b.WriteString(`  COALESCE(pg_catalog.pg_get_function_sqlbody(p.oid), p.prosrc) AS "Source code",`)
		} else {
			b.WriteString(`  p.prosrc AS "Source code",`)
		}
		b.WriteString(`
  pg_catalog.obj_description(p.oid, 'pg_proc') AS "Description"`)
	}
	b.WriteString("\nFROM pg_catalog.pg_proc p\n  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace\n")
	if d.s.verbose {
		b.WriteString("  LEFT JOIN pg_catalog.pg_language l ON l.oid = p.prolang\n")
	}
	if pattern == nil {
		argTypes = nil
	}
	for i := range argTypes {
		fmt.Fprintf(&b, "  LEFT JOIN pg_catalog.pg_type t%d ON t%d.oid = p.proargtypes[%d]\n", i, i, i)
		fmt.Fprintf(&b, "  LEFT JOIN pg_catalog.pg_namespace nt%d ON nt%d.oid = t%d.typnamespace\n", i, i, i)
	}
	var conds []string
	const trig = "p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype"
	switch {
	case all || (has('a') && has('n') && has('p') && has('t') && has('w')):
	case has('n'):
		if !has('a') {
			conds = append(conds, "p.prokind <> 'a'")
		}
		if !has('p') {
			conds = append(conds, "p.prokind <> 'p'")
		}
		if !has('t') {
			conds = append(conds, "p.prorettype <> 'pg_catalog.trigger'::pg_catalog.regtype")
		}
		if !has('w') {
			conds = append(conds, "p.prokind <> 'w'")
		}
	default:
		var or []string
		if has('a') {
			or = append(or, "p.prokind = 'a'")
		}
		if has('t') {
			or = append(or, trig)
		}
		if has('p') {
			or = append(or, "p.prokind = 'p'")
		}
		if has('w') {
			or = append(or, "p.prokind = 'w'")
		}
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	if pattern != nil {
		p, err := d.pattern(*pattern, 3)
		if err != nil {
			return nil, err
		}
		conds = append(conds, p.conditions("n.nspname", "p.proname", "", "pg_catalog.pg_function_is_visible(p.oid)")...)
		for i, a := range argTypes {
			if a == "-" { // no argument in this position
				conds = append(conds, fmt.Sprintf("t%d.typname IS NULL", i))
				continue
			}
			tp, err := d.pattern(mapTypeName(a), 3)
			if err != nil {
				return nil, err
			}
			conds = append(conds, tp.conditions(fmt.Sprintf("nt%d.nspname", i), fmt.Sprintf("t%d.typname", i),
				fmt.Sprintf("pg_catalog.format_type(t%d.oid, NULL)", i), fmt.Sprintf("pg_catalog.pg_type_is_visible(t%d.oid)", i))...)
		}
	} else {
		conds = append(conds, "pg_catalog.pg_function_is_visible(p.oid)")
	}
	if !d.s.system && pattern == nil {
		conds = append(conds, "n.nspname <> 'pg_catalog'", "n.nspname <> 'information_schema'")
	}
	b.WriteString(where(conds))
	b.WriteString("ORDER BY 1, 2, 4")
	return d.listing("List of functions", b.String())
}

// ----- \dT -----

func (d *describer) listTypes(pattern *string) ([]*Table, error) {
	var b strings.Builder
	b.WriteString(`SELECT n.nspname AS "Schema",
  pg_catalog.format_type(t.oid, NULL) AS "Name",
`)
	if d.s.verbose {
		b.WriteString(`  t.typname AS "Internal name",
  CASE WHEN t.typrelid != 0 THEN CAST('tuple' AS pg_catalog.text)
       WHEN t.typlen < 0 THEN CAST('var' AS pg_catalog.text)
       ELSE CAST(t.typlen AS pg_catalog.text) END AS "Size",
  pg_catalog.array_to_string(ARRAY(SELECT e.enumlabel FROM pg_catalog.pg_enum e
       WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder), E'\n') AS "Elements",
  pg_catalog.pg_get_userbyid(t.typowner) AS "Owner",
  pg_catalog.array_to_string(t.typacl, E'\n') AS "Access privileges",
`)
	}
	b.WriteString(`  pg_catalog.obj_description(t.oid, 'pg_type') AS "Description"
FROM pg_catalog.pg_type t
  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
`)
	conds := []string{"(t.typrelid = 0 OR (SELECT c.relkind = 'c' FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid))"}
	if pattern == nil || !strings.Contains(*pattern, "[]") {
		// Array types only for a pattern that names one.
		conds = append(conds, "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type el WHERE el.oid = t.typelem AND el.typarray = t.oid)")
	}
	if !d.s.system && pattern == nil {
		conds = append(conds, "n.nspname <> 'pg_catalog'", "n.nspname <> 'information_schema'")
	}
	if pattern != nil {
		p, err := d.pattern(mapTypeName(*pattern), 3)
		if err != nil {
			return nil, err
		}
		conds = append(conds, p.conditions("n.nspname", "pg_catalog.format_type(t.oid, NULL)", "t.typname", "pg_catalog.pg_type_is_visible(t.oid)")...)
	} else {
		conds = append(conds, "pg_catalog.pg_type_is_visible(t.oid)")
	}
	b.WriteString(where(conds))
	b.WriteString("ORDER BY 1, 2")
	return d.listing("List of data types", b.String())
}

// ----- \d name -----

func (d *describer) describeRelations(pat string) ([]*Table, error) {
	p, err := d.pattern(pat, 3)
	if err != nil {
		return nil, err
	}
	conds := p.conditions("n.nspname", "c.relname", "", "pg_catalog.pg_table_is_visible(c.oid)")
	r, err := d.query(`SELECT c.oid, n.nspname, c.relname
FROM pg_catalog.pg_class c
  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
` + where(conds) + "ORDER BY 2, 3")
	if err != nil {
		return nil, err
	}
	if len(r.Rows) == 0 {
		return nil, &DescribeMessage{Text: fmt.Sprintf("Did not find any relation named \"%s\".", pat), Stderr: true, Failed: true}
	}
	var out []*Table
	for i := range r.Rows {
		t, err := d.describeOne(cell(r, i, 0), cell(r, i, 1), cell(r, i, 2))
		if err != nil {
			return out, err
		}
		out = append(out, t)
	}
	return out, nil
}

// relInfo is what describeOne reads from pg_class first.
type relInfo struct {
	oid, schema, name string
	checks            int
	kind              byte
	hasIndex          bool
	hasRules          bool
	hasTriggers       bool
	rowSecurity       bool
	forceRowSecurity  bool
	isPartition       bool
	options           string
	tablespace        string
	ofType            string
	persistence       byte
	replIdent         byte
	am                *string
}

// relationTitles are the titles by relkind, permanent and unlogged.
var relationTitles = map[byte][2]string{
	'r': {"Table", "Unlogged table"},
	'p': {"Partitioned table", "Unlogged partitioned table"},
	'v': {"View", "View"},
	'm': {"Materialized view", "Unlogged materialized view"},
	'S': {"Sequence", "Unlogged sequence"},
	'i': {"Index", "Unlogged index"},
	'I': {"Partitioned index", "Unlogged partitioned index"},
	't': {"TOAST table", "TOAST table"},
	'c': {"Composite type", "Composite type"},
	'f': {"Foreign table", "Foreign table"},
}

func (d *describer) describeOne(oid, schema, name string) (*Table, error) {
	r, err := d.query(`SELECT c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers,
  c.relrowsecurity, c.relforcerowsecurity, c.relispartition,
  pg_catalog.array_to_string(c.reloptions || ARRAY(SELECT 'toast.' || x FROM pg_catalog.unnest(tc.reloptions) x), ', '),
  c.reltablespace,
  CASE WHEN c.reloftype = 0 THEN '' ELSE c.reloftype::pg_catalog.regtype::pg_catalog.text END,
  c.relpersistence, c.relreplident, am.amname
FROM pg_catalog.pg_class c
  LEFT JOIN pg_catalog.pg_class tc ON c.reltoastrelid = tc.oid
  LEFT JOIN pg_catalog.pg_am am ON c.relam = am.oid
WHERE c.oid = ` + oidLit(oid))
	if err != nil {
		return nil, err
	}
	if len(r.Rows) == 0 { // dropped since the lookup
		return nil, &DescribeMessage{Text: fmt.Sprintf("Did not find any relation with OID %s.", oid), Stderr: true, Failed: true}
	}
	ri := &relInfo{oid: oid, schema: schema, name: name}
	ri.checks, _ = strconv.Atoi(cell(r, 0, 0))
	ri.kind = cell(r, 0, 1)[0]
	ri.hasIndex = isTrue(r, 0, 2)
	ri.hasRules = isTrue(r, 0, 3)
	ri.hasTriggers = isTrue(r, 0, 4)
	ri.rowSecurity = isTrue(r, 0, 5)
	ri.forceRowSecurity = isTrue(r, 0, 6)
	ri.isPartition = isTrue(r, 0, 7)
	ri.options = cell(r, 0, 8)
	ri.tablespace = cell(r, 0, 9)
	ri.ofType = cell(r, 0, 10)
	ri.persistence = cell(r, 0, 11)[0]
	ri.replIdent = cell(r, 0, 12)[0]
	if !isNull(r, 0, 13) {
		am := cell(r, 0, 13)
		ri.am = &am
	}

	titles, ok := relationTitles[ri.kind]
	if !ok {
		titles = [2]string{"?", "?"}
	}
	title := titles[0]
	if ri.persistence == 'u' {
		title = titles[1]
	}
	title = fmt.Sprintf("%s \"%s.%s\"", title, schema, name)

	if ri.kind == 'S' {
		return d.describeSequence(ri, title)
	}
	t, err := d.columnsTable(ri)
	if err != nil {
		return nil, err
	}
	t.Title = title
	f := &footers{}
	switch ri.kind {
	case 'i', 'I':
		if err = d.partitionFooters(ri, f); err == nil {
			err = d.indexFooters(ri, f)
		}
	default:
		err = d.tableFooters(ri, f)
	}
	if err != nil {
		return nil, err
	}
	t.Footers = f.lines
	if t.Footers == nil {
		t.Footers = []string{}
	}
	t.NoDefaultFooter = true
	t.NoExpanded = true
	return t, nil
}

// footers collects footer lines.
type footers struct{ lines []string }

func (f *footers) add(format string, a ...any) { f.lines = append(f.lines, fmt.Sprintf(format, a...)) }

func (d *describer) describeSequence(ri *relInfo, title string) (*Table, error) {
	r, err := d.query(`SELECT pg_catalog.format_type(seqtypid, NULL) AS "Type",
  seqstart AS "Start", seqmin AS "Minimum", seqmax AS "Maximum", seqincrement AS "Increment",
  CASE WHEN seqcycle THEN 'yes' ELSE 'no' END AS "Cycles?",
  seqcache AS "Cache"
FROM pg_catalog.pg_sequence
WHERE seqrelid = ` + oidLit(ri.oid))
	if err != nil {
		return nil, err
	}
	t := ResultTable(r)
	t.Title = title
	t.Footers = []string{}
	t.NoDefaultFooter = true
	t.NoExpanded = true
	own, err := d.query(`SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) || '.' || pg_catalog.quote_ident(a.attname),
  d.deptype
FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_class c ON c.oid = d.refobjid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
  AND d.objid = ` + oidLit(ri.oid) + `
  AND d.deptype IN ('a', 'i')`)
	if err != nil {
		return nil, err
	}
	if len(own.Rows) == 1 {
		if cell(own, 0, 1) == "i" {
			t.Footers = append(t.Footers, "Sequence for identity column: "+cell(own, 0, 0))
		} else {
			t.Footers = append(t.Footers, "Owned by: "+cell(own, 0, 0))
		}
	}
	if ri.tablespace != "0" {
		if err := d.tablespaceFooter(ri.tablespace, &footers{t.Footers}, true); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// columnsTable lists the columns of a relation with the details its kind has.
func (d *describer) columnsTable(ri *relInfo) (*Table, error) {
	k := ri.kind
	details := strings.IndexByte("rpvmfc", k) >= 0
	index := k == 'i' || k == 'I'
	v := d.s.verbose

	headers := []string{"Column", "Type"}
	cols := []string{"a.attname", "pg_catalog.format_type(a.atttypid, a.atttypmod)"}
	if details {
		headers = append(headers, "Collation", "Nullable", "Default")
		cols = append(cols,
			`(SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t
   WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation)`,
			"CASE WHEN a.attnotnull THEN 'not null' ELSE '' END",
			`CASE a.attidentity WHEN 'a' THEN 'generated always as identity'
   WHEN 'd' THEN 'generated by default as identity'
   ELSE CASE WHEN a.attgenerated = 's' THEN 'generated always as (' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) || ') stored'
   ELSE pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) END END`)
	}
	if index {
		headers = append(headers, "Key?", "Definition")
		cols = append(cols,
			"CASE WHEN a.attnum <= (SELECT i.indnkeyatts FROM pg_catalog.pg_index i WHERE i.indexrelid = a.attrelid) THEN 'yes' ELSE 'no' END",
			"pg_catalog.pg_get_indexdef(a.attrelid, a.attnum, true)")
	}
	if k == 'f' {
		headers = append(headers, "FDW options")
		cols = append(cols, `CASE WHEN a.attfdwoptions IS NULL THEN '' ELSE '(' || pg_catalog.array_to_string(ARRAY(
   SELECT pg_catalog.quote_ident(option_name) || ' ' || pg_catalog.quote_literal(option_value)
   FROM pg_catalog.pg_options_to_table(a.attfdwoptions)), ', ') || ')' END`)
	}
	if v {
		headers = append(headers, "Storage")
		cols = append(cols, "CASE a.attstorage WHEN 'p' THEN 'plain' WHEN 'm' THEN 'main' WHEN 'x' THEN 'extended' WHEN 'e' THEN 'external' ELSE '???' END")
		if d.version >= 140000 && strings.IndexByte("rpm", k) >= 0 {
			headers = append(headers, "Compression")
			cols = append(cols, "CASE a.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' ELSE '' END")
		}
		if strings.IndexByte("riImfp", k) >= 0 {
			headers = append(headers, "Stats target")
			cols = append(cols, "CASE WHEN a.attstattarget = -1 THEN NULL ELSE a.attstattarget END")
		}
		if strings.IndexByte("rvmfcp", k) >= 0 {
			headers = append(headers, "Description")
			cols = append(cols, "pg_catalog.col_description(a.attrelid, a.attnum)")
		}
	}
	r, err := d.query("SELECT " + strings.Join(cols, ",\n  ") + `
FROM pg_catalog.pg_attribute a
  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum AND a.atthasdef
WHERE a.attrelid = ` + oidLit(ri.oid) + ` AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`)
	if err != nil {
		return nil, err
	}
	t := &Table{Headers: headers, Align: make([]byte, len(headers))}
	for i := range t.Align {
		t.Align[i] = 'l'
	}
	for i := range r.Rows {
		row := make([]*string, len(headers))
		for j := range headers {
			row[j] = strp(cell(r, i, j)) // psql shows NULL details as empty strings
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// tablespaceFooter adds `Tablespace: "x"` (newLine) or appends
// `, tablespace "x"` to the last footer.
func (d *describer) tablespaceFooter(oid string, f *footers, newLine bool) error {
	if oid == "0" || oid == "" {
		return nil
	}
	r, err := d.query("SELECT spcname FROM pg_catalog.pg_tablespace WHERE oid = " + oidLit(oid))
	if err != nil {
		return err
	}
	if len(r.Rows) == 0 {
		return nil
	}
	if newLine || len(f.lines) == 0 {
		f.add("Tablespace: \"%s\"", cell(r, 0, 0))
	} else {
		f.lines[len(f.lines)-1] += fmt.Sprintf(", tablespace \"%s\"", cell(r, 0, 0))
	}
	return nil
}

func (d *describer) indexFooters(ri *relInfo, f *footers) error {
	nnd := "false"
	if d.version >= 150000 {
		nnd = "i.indnullsnotdistinct"
	}
	r, err := d.query(`SELECT i.indisunique, i.indisprimary, i.indisclustered, i.indisvalid,
  (NOT i.indimmediate) AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint
    WHERE conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x') AND condeferrable),
  (NOT i.indimmediate) AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint
    WHERE conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x') AND condeferred),
  i.indisreplident, ` + nnd + `, a.amname, c2.relname,
  pg_catalog.pg_get_expr(i.indpred, i.indrelid, true)
FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
  JOIN pg_catalog.pg_class c2 ON c2.oid = i.indrelid
  JOIN pg_catalog.pg_am a ON a.oid = c.relam
WHERE i.indexrelid = ` + oidLit(ri.oid))
	if err != nil {
		return err
	}
	if len(r.Rows) == 1 {
		var b strings.Builder
		switch {
		case isTrue(r, 0, 1):
			b.WriteString("primary key, ")
		case isTrue(r, 0, 0):
			b.WriteString("unique")
			if isTrue(r, 0, 7) {
				b.WriteString(" nulls not distinct")
			}
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s, for table \"%s.%s\"", cell(r, 0, 8), ri.schema, cell(r, 0, 9))
		if !isNull(r, 0, 10) {
			fmt.Fprintf(&b, ", predicate (%s)", cell(r, 0, 10))
		}
		if isTrue(r, 0, 2) {
			b.WriteString(", clustered")
		}
		if !isTrue(r, 0, 3) {
			b.WriteString(", invalid")
		}
		if isTrue(r, 0, 4) {
			b.WriteString(", deferrable")
		}
		if isTrue(r, 0, 5) {
			b.WriteString(", initially deferred")
		}
		if isTrue(r, 0, 6) {
			b.WriteString(", replica identity")
		}
		f.add("%s", b.String())
	}
	if err := d.tablespaceFooter(ri.tablespace, f, true); err != nil {
		return err
	}
	if ri.kind == 'I' {
		if err := d.childFooters(ri, f); err != nil {
			return err
		}
		if d.s.verbose && ri.am != nil {
			f.add("Access method: %s", *ri.am)
		}
	}
	if d.s.verbose && ri.options != "" {
		f.add("Options: %s", ri.options)
	}
	return nil
}

func (d *describer) tableFooters(ri *relInfo, f *footers) error {
	k := ri.kind
	v := d.s.verbose
	oid := oidLit(ri.oid)
	tableLike := strings.IndexByte("rpmft", k) >= 0

	if err := d.partitionFooters(ri, f); err != nil {
		return err
	}
	if k == 'p' {
		r, err := d.query("SELECT pg_catalog.pg_get_partkeydef(" + oid + "::pg_catalog.oid)")
		if err != nil {
			return err
		}
		if len(r.Rows) > 0 {
			f.add("Partition key: %s", cell(r, 0, 0))
		}
	}
	if k == 't' {
		r, err := d.query(`SELECT n.nspname, c.relname FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.reltoastrelid = ` + oid)
		if err != nil {
			return err
		}
		if len(r.Rows) > 0 {
			f.add("Owning table: \"%s.%s\"", cell(r, 0, 0), cell(r, 0, 1))
		}
	}
	if tableLike {
		if err := d.constraintFooters(ri, f); err != nil {
			return err
		}
	}
	if v && (k == 'v' || k == 'm') {
		r, err := d.query("SELECT pg_catalog.pg_get_viewdef(" + oid + "::pg_catalog.oid, true)")
		if err != nil {
			return err
		}
		if len(r.Rows) > 0 && !isNull(r, 0, 0) {
			f.add("View definition:")
			f.add("%s", cell(r, 0, 0))
		}
		if k == 'v' && ri.hasRules {
			r, err := d.query(`SELECT r.rulename, trim(trailing ';' from pg_catalog.pg_get_ruledef(r.oid, true))
FROM pg_catalog.pg_rewrite r
WHERE r.ev_class = ` + oid + ` AND r.rulename <> '_RETURN'
ORDER BY 1`)
			if err != nil {
				return err
			}
			if len(r.Rows) > 0 {
				f.add("Rules:")
				for i := range r.Rows {
					f.add(" %s", ruleText(cell(r, i, 1)))
				}
			}
		}
	}
	if ri.hasTriggers {
		if err := d.triggerFooters(ri, f); err != nil {
			return err
		}
	}
	if k == 'f' {
		r, err := d.query(`SELECT s.srvname,
  pg_catalog.array_to_string(ARRAY(
    SELECT pg_catalog.quote_ident(option_name) || ' ' || pg_catalog.quote_literal(option_value)
    FROM pg_catalog.pg_options_to_table(f.ftoptions)), ', ')
FROM pg_catalog.pg_foreign_table f
  JOIN pg_catalog.pg_foreign_server s ON s.oid = f.ftserver
WHERE f.ftrelid = ` + oid)
		if err != nil {
			return err
		}
		if len(r.Rows) > 0 {
			f.add("Server: %s", cell(r, 0, 0))
			if opts := cell(r, 0, 1); opts != "" {
				f.add("FDW options: (%s)", opts)
			}
		}
	}
	if tableLike {
		if !ri.isPartition {
			r, err := d.query(`SELECT c.oid::pg_catalog.regclass
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_inherits i ON c.oid = i.inhparent
WHERE i.inhrelid = ` + oid + ` AND c.relkind <> 'p' AND c.relkind <> 'I'
ORDER BY i.inhseqno`)
			if err != nil {
				return err
			}
			listFooter(f, "Inherits", r, func(i int) string { return cell(r, i, 0) })
		}
		if err := d.childFooters(ri, f); err != nil {
			return err
		}
		if ri.ofType != "" {
			f.add("Typed table of type: %s", ri.ofType)
		}
		if v && (k == 'r' || k == 'm') && ri.replIdent != 'd' && ri.replIdent != 'i' &&
			!(ri.schema == "pg_catalog" && ri.replIdent == 'n') {
			ident := "NOTHING"
			if ri.replIdent == 'f' {
				ident = "FULL"
			}
			f.add("Replica Identity: %s", ident)
		}
		if err := d.tablespaceFooter(ri.tablespace, f, true); err != nil {
			return err
		}
		if v && ri.am != nil {
			f.add("Access method: %s", *ri.am)
		}
	}
	if v && ri.options != "" {
		f.add("Options: %s", ri.options)
	}
	return nil
}

// partitionFooters adds "Partition of:" (with the bound, which an index
// lacks) and, verbose, the partition constraint.
func (d *describer) partitionFooters(ri *relInfo, f *footers) error {
	v := d.s.verbose
	oid := oidLit(ri.oid)
	if ri.isPartition {
		r, err := d.query(`SELECT i.inhparent::pg_catalog.regclass, pg_catalog.pg_get_expr(c.relpartbound, c.oid),
  ` + d.since(140000, "i.inhdetachpending", "false") + `, pg_catalog.pg_get_partition_constraintdef(c.oid)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_inherits i ON c.oid = i.inhrelid
WHERE c.oid = ` + oid)
		if err != nil {
			return err
		}
		if len(r.Rows) > 0 {
			detach := ""
			if isTrue(r, 0, 2) {
				detach = " DETACH PENDING"
			}
			f.add("Partition of: %s %s%s", cell(r, 0, 0), cell(r, 0, 1), detach)
			if v {
				if isNull(r, 0, 3) {
					f.add("No partition constraint")
				} else {
					f.add("Partition constraint: %s", cell(r, 0, 3))
				}
			}
		}
	}
	return nil
}

// listFooter adds "Label: first," and aligned continuation lines.
func listFooter(f *footers, label string, r *pgmoon.Result, item func(i int) string) {
	n := len(r.Rows)
	for i := 0; i < n; i++ {
		var line string
		if i == 0 {
			line = label + ": " + item(i)
		} else {
			line = strings.Repeat(" ", displayWidth(label)+2) + item(i)
		}
		if i < n-1 {
			line += ","
		}
		f.add("%s", line)
	}
}

// displayWidth approximates the terminal width of a label (ASCII here).
func displayWidth(s string) int { return len([]rune(s)) }

// ruleText strips "CREATE RULE " from a rule definition.
func ruleText(def string) string { return strings.TrimPrefix(def, "CREATE RULE ") }

func (d *describer) childFooters(ri *relInfo, f *footers) error {
	r, err := d.query(`SELECT c.oid::pg_catalog.regclass, c.relkind, ` + d.since(140000, "i.inhdetachpending", "false") + `, pg_catalog.pg_get_expr(c.relpartbound, c.oid)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_inherits i ON c.oid = i.inhrelid
WHERE i.inhparent = ` + oidLit(ri.oid) + `
ORDER BY pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', c.oid::pg_catalog.regclass::pg_catalog.text`)
	if err != nil {
		return err
	}
	partitioned := ri.kind == 'p' || ri.kind == 'I'
	n := len(r.Rows)
	switch {
	case partitioned && n == 0:
		f.add("Number of partitions: 0")
	case !d.s.verbose && n > 0:
		if partitioned {
			f.add("Number of partitions: %d (Use \\d+ to list them.)", n)
		} else {
			f.add("Number of child tables: %d (Use \\d+ to list them.)", n)
		}
	case n > 0:
		label := "Child tables"
		if partitioned {
			label = "Partitions"
		}
		listFooter(f, label, r, func(i int) string {
			s := cell(r, i, 0)
			if !isNull(r, i, 3) {
				s += " " + cell(r, i, 3)
			}
			switch cell(r, i, 1) {
			case "p", "I":
				s += ", PARTITIONED"
			}
			if isTrue(r, i, 2) {
				s += " (DETACH PENDING)"
			}
			return s
		})
	}
	return nil
}

// constraintFooters adds indexes, check and foreign-key constraints,
// referencing tables, policies, statistics objects, rules and publications.
func (d *describer) constraintFooters(ri *relInfo, f *footers) error {
	oid := oidLit(ri.oid)
	if ri.hasIndex {
		r, err := d.query(`SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid,
  pg_catalog.pg_get_indexdef(i.indexrelid, 0, true),
  pg_catalog.pg_get_constraintdef(con.oid, true), con.contype, con.condeferrable, con.condeferred,
  i.indisreplident, c2.reltablespace
FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class c2 ON c2.oid = i.indexrelid
  LEFT JOIN pg_catalog.pg_constraint con ON con.conrelid = i.indrelid AND con.conindid = i.indexrelid AND con.contype IN ('p','u','x')
WHERE i.indrelid = ` + oid + `
ORDER BY i.indisprimary DESC, c2.relname`)
		if err != nil {
			return err
		}
		if len(r.Rows) > 0 {
			f.add("Indexes:")
		}
		for i := range r.Rows {
			var b strings.Builder
			fmt.Fprintf(&b, "    \"%s\"", cell(r, i, 0))
			if cell(r, i, 7) == "x" {
				b.WriteString(" " + cell(r, i, 6))
			} else {
				if isTrue(r, i, 1) {
					b.WriteString(" PRIMARY KEY,")
				} else if isTrue(r, i, 2) {
					if cell(r, i, 7) == "u" {
						b.WriteString(" UNIQUE CONSTRAINT,")
					} else {
						b.WriteString(" UNIQUE,")
					}
				}
				def := cell(r, i, 5)
				if at := strings.Index(def, " USING "); at >= 0 {
					def = def[at+7:]
				}
				b.WriteString(" " + def)
				if isTrue(r, i, 8) {
					b.WriteString(" DEFERRABLE")
				}
				if isTrue(r, i, 9) {
					b.WriteString(" INITIALLY DEFERRED")
				}
			}
			if isTrue(r, i, 3) {
				b.WriteString(" CLUSTER")
			}
			if !isTrue(r, i, 4) {
				b.WriteString(" INVALID")
			}
			if isTrue(r, i, 10) {
				b.WriteString(" REPLICA IDENTITY")
			}
			f.add("%s", b.String())
			if err := d.tablespaceFooter(cell(r, i, 11), f, false); err != nil {
				return err
			}
		}
	}
	if ri.checks > 0 {
		r, err := d.query(`SELECT r.conname, pg_catalog.pg_get_constraintdef(r.oid, true)
FROM pg_catalog.pg_constraint r
WHERE r.conrelid = ` + oid + ` AND r.contype = 'c'
ORDER BY 1`)
		if err != nil {
			return err
		}
		if len(r.Rows) > 0 {
			f.add("Check constraints:")
		}
		for i := range r.Rows {
			f.add("    \"%s\" %s", cell(r, i, 0), cell(r, i, 1))
		}
	}
	if ri.hasTriggers || ri.kind == 'p' {
		var sql string
		if ri.isPartition || ri.kind == 'p' {
			sql = `SELECT con.conrelid = ` + oid + `::pg_catalog.regclass AS sametable, con.conname,
  pg_catalog.pg_get_constraintdef(con.oid, true), con.conrelid::pg_catalog.regclass
FROM pg_catalog.pg_constraint con, pg_catalog.pg_partition_ancestors(` + oid + `) a
WHERE con.conrelid = a.relid AND con.contype = 'f' AND con.conparentid = 0
ORDER BY sametable DESC, con.conname`
		} else {
			sql = `SELECT true, con.conname, pg_catalog.pg_get_constraintdef(con.oid, true), con.conrelid::pg_catalog.regclass
FROM pg_catalog.pg_constraint con
WHERE con.conrelid = ` + oid + ` AND con.contype = 'f' AND con.conparentid = 0
ORDER BY con.conname`
		}
		r, err := d.query(sql)
		if err != nil {
			return err
		}
		if len(r.Rows) > 0 {
			f.add("Foreign-key constraints:")
		}
		for i := range r.Rows {
			if isTrue(r, i, 0) {
				f.add("    \"%s\" %s", cell(r, i, 1), cell(r, i, 2))
			} else {
				f.add("    TABLE \"%s\" CONSTRAINT \"%s\" %s", cell(r, i, 3), cell(r, i, 1), cell(r, i, 2))
			}
		}
		r, err = d.query(`SELECT con.conname, con.conrelid::pg_catalog.regclass, pg_catalog.pg_get_constraintdef(con.oid, true)
FROM pg_catalog.pg_constraint con
WHERE con.confrelid IN (SELECT pg_catalog.pg_partition_ancestors(` + oid + `)
                        UNION ALL VALUES (` + oid + `::pg_catalog.regclass))
  AND con.contype = 'f' AND con.conparentid = 0
ORDER BY con.conname`)
		if err != nil {
			return err
		}
		if len(r.Rows) > 0 {
			f.add("Referenced by:")
		}
		for i := range r.Rows {
			f.add("    TABLE \"%s\" CONSTRAINT \"%s\" %s", cell(r, i, 1), cell(r, i, 0), cell(r, i, 2))
		}
	}
	if err := d.policyFooters(ri, f); err != nil {
		return err
	}
	if err := d.statisticsFooters(ri, f); err != nil {
		return err
	}
	if ri.hasRules && (ri.kind == 'r' || ri.kind == 'p') { // a materialized view has only its _RETURN rule
		r, err := d.query(`SELECT r.rulename, trim(trailing ';' from pg_catalog.pg_get_ruledef(r.oid, true)), r.ev_enabled
FROM pg_catalog.pg_rewrite r
WHERE r.ev_class = ` + oid + `
ORDER BY 1`)
		if err != nil {
			return err
		}
		for _, cat := range []struct {
			enabled, label string
		}{{"O", "Rules:"}, {"D", "Disabled rules:"}, {"A", "Rules firing always:"}, {"R", "Rules firing on replica only:"}} {
			first := true
			for i := range r.Rows {
				if cell(r, i, 2) != cat.enabled {
					continue
				}
				if first {
					f.add("%s", cat.label)
					first = false
				}
				f.add("    %s", ruleText(cell(r, i, 1)))
			}
		}
	}
	if ri.kind == 'r' || ri.kind == 'p' {
		if err := d.publicationFooters(ri, f); err != nil {
			return err
		}
	}
	return nil
}

func (d *describer) policyFooters(ri *relInfo, f *footers) error {
	r, err := d.query(`SELECT pol.polname, pol.polpermissive,
  CASE WHEN pol.polroles = '{0}' THEN NULL ELSE pg_catalog.array_to_string(ARRAY(
    SELECT rolname FROM pg_catalog.pg_roles WHERE oid = ANY (pol.polroles) ORDER BY 1), ',') END,
  pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),
  pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid),
  CASE pol.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' END
FROM pg_catalog.pg_policy pol
WHERE pol.polrelid = ` + oidLit(ri.oid) + `
ORDER BY 1`)
	if err != nil {
		return err
	}
	n := len(r.Rows)
	switch {
	case ri.rowSecurity && !ri.forceRowSecurity && n == 0:
		f.add("Policies (row security enabled): (none)")
	case ri.rowSecurity && ri.forceRowSecurity && n == 0:
		f.add("Policies (forced row security enabled): (none)")
	case !ri.rowSecurity && n > 0:
		f.add("Policies (row security disabled):")
	case ri.rowSecurity && !ri.forceRowSecurity && n > 0:
		f.add("Policies:")
	case ri.rowSecurity && ri.forceRowSecurity && n > 0:
		f.add("Policies (forced row security enabled):")
	}
	for i := 0; i < n; i++ {
		var b strings.Builder
		fmt.Fprintf(&b, "    POLICY \"%s\"", cell(r, i, 0))
		if cell(r, i, 1) == "f" {
			b.WriteString(" AS RESTRICTIVE")
		}
		if !isNull(r, i, 5) {
			b.WriteString(" FOR " + cell(r, i, 5))
		}
		if !isNull(r, i, 2) {
			b.WriteString("\n      TO " + cell(r, i, 2))
		}
		if !isNull(r, i, 3) {
			b.WriteString("\n      USING (" + cell(r, i, 3) + ")")
		}
		if !isNull(r, i, 4) {
			b.WriteString("\n      WITH CHECK (" + cell(r, i, 4) + ")")
		}
		f.add("%s", b.String())
	}
	return nil
}

func (d *describer) statisticsFooters(ri *relInfo, f *footers) error {
	r, err := d.query(`SELECT s.stxnamespace::pg_catalog.regnamespace::pg_catalog.text AS nsp, s.stxname,
  pg_catalog.pg_get_statisticsobjdef_columns(s.oid),
  'd' = ANY (s.stxkind), 'f' = ANY (s.stxkind), 'm' = ANY (s.stxkind),
  ` + d.since(130000, "s.stxstattarget", "-1") + `, s.stxrelid::pg_catalog.regclass
FROM pg_catalog.pg_statistic_ext s
WHERE s.stxrelid = ` + oidLit(ri.oid) + `
ORDER BY nsp, s.stxname`)
	if err != nil {
		return err
	}
	if len(r.Rows) > 0 {
		f.add("Statistics objects:")
	}
	for i := range r.Rows {
		var b strings.Builder
		fmt.Fprintf(&b, "    \"%s.%s\"", cell(r, i, 0), cell(r, i, 1))
		var kinds []string
		for j, name := range []string{"ndistinct", "dependencies", "mcv"} {
			if isTrue(r, i, 3+j) {
				kinds = append(kinds, name)
			}
		}
		if len(kinds) > 0 && len(kinds) < 3 {
			b.WriteString(" (" + strings.Join(kinds, ", ") + ")")
		}
		fmt.Fprintf(&b, " ON %s FROM %s", cell(r, i, 2), cell(r, i, 7))
		if st := cell(r, i, 6); st != "" && st != "-1" {
			fmt.Fprintf(&b, "; STATISTICS %s", st)
		}
		f.add("%s", b.String())
	}
	return nil
}

func (d *describer) publicationFooters(ri *relInfo, f *footers) error {
	oid := oidLit(ri.oid)
	var sql string
	if d.version >= 150000 {
		sql = `SELECT p.pubname, NULL, NULL
FROM pg_catalog.pg_publication p
  JOIN pg_catalog.pg_publication_namespace pn ON p.oid = pn.pnpubid
  JOIN pg_catalog.pg_class pc ON pc.relnamespace = pn.pnnspid
WHERE pc.oid = ` + oid + ` AND pg_catalog.pg_relation_is_publishable(` + oid + `)
UNION
SELECT p.pubname, pg_catalog.pg_get_expr(pr.prqual, c.oid),
  CASE WHEN pr.prattrs IS NOT NULL THEN
    (SELECT pg_catalog.string_agg(a.attname, ', ' ORDER BY s.i)
     FROM pg_catalog.generate_series(0, pg_catalog.array_upper(pr.prattrs::pg_catalog.int2[], 1)) s(i),
          pg_catalog.pg_attribute a
     WHERE a.attrelid = pr.prrelid AND a.attnum = pr.prattrs[s.i])
  END
FROM pg_catalog.pg_publication p
  JOIN pg_catalog.pg_publication_rel pr ON p.oid = pr.prpubid
  JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid
WHERE pr.prrelid = ` + oid + `
UNION
SELECT p.pubname, NULL, NULL
FROM pg_catalog.pg_publication p
WHERE p.puballtables AND pg_catalog.pg_relation_is_publishable(` + oid + `)
ORDER BY 1`
	} else {
		sql = `SELECT p.pubname, NULL, NULL
FROM pg_catalog.pg_publication p
  JOIN pg_catalog.pg_publication_rel pr ON p.oid = pr.prpubid
WHERE pr.prrelid = ` + oid + `
UNION ALL
SELECT p.pubname, NULL, NULL
FROM pg_catalog.pg_publication p
WHERE p.puballtables AND pg_catalog.pg_relation_is_publishable(` + oid + `)
ORDER BY 1`
	}
	r, err := d.query(sql)
	if err != nil {
		return err
	}
	if len(r.Rows) > 0 {
		f.add("Publications:")
	}
	for i := range r.Rows {
		line := fmt.Sprintf("    \"%s\"", cell(r, i, 0))
		if !isNull(r, i, 2) {
			line += " (" + cell(r, i, 2) + ")"
		}
		if !isNull(r, i, 1) {
			line += " WHERE " + cell(r, i, 1)
		}
		f.add("%s", line)
	}
	return nil
}

func (d *describer) triggerFooters(ri *relInfo, f *footers) error {
	r, err := d.query(`SELECT t.tgname, pg_catalog.pg_get_triggerdef(t.oid, true), t.tgenabled, t.tgisinternal,
  ` + d.since(130000, `CASE WHEN t.tgparentid <> 0 THEN
    (SELECT u.tgrelid::pg_catalog.regclass
     FROM pg_catalog.pg_trigger u,
          pg_catalog.pg_partition_ancestors(t.tgrelid) WITH ORDINALITY AS a(relid, depth)
     WHERE u.tgname = t.tgname AND u.tgrelid = a.relid AND u.tgparentid = 0
     ORDER BY a.depth LIMIT 1)
  END`, "NULL") + `
FROM pg_catalog.pg_trigger t
WHERE t.tgrelid = ` + oidLit(ri.oid) + ` AND (NOT t.tgisinternal OR (t.tgisinternal AND t.tgenabled = 'D'))
ORDER BY 1`)
	if err != nil {
		return err
	}
	cats := []struct {
		label string
		match func(enabled string, internal bool) bool
	}{
		{"Triggers:", func(e string, _ bool) bool { return e == "O" || e == "t" }},
		{"Disabled user triggers:", func(e string, in bool) bool { return (e == "D" || e == "f") && !in }},
		{"Disabled internal triggers:", func(e string, in bool) bool { return (e == "D" || e == "f") && in }},
		{"Triggers firing always:", func(e string, _ bool) bool { return e == "A" }},
		{"Triggers firing on replica only:", func(e string, _ bool) bool { return e == "R" }},
	}
	for _, c := range cats {
		first := true
		for i := range r.Rows {
			if !c.match(cell(r, i, 2), isTrue(r, i, 3)) {
				continue
			}
			if first {
				f.add("%s", c.label)
				first = false
			}
			def := cell(r, i, 1)
			if at := strings.Index(def, " TRIGGER "); at >= 0 {
				def = def[at+9:]
			}
			line := "    " + def
			if !isNull(r, i, 4) {
				line += ", ON TABLE " + cell(r, i, 4)
			}
			f.add("%s", line)
		}
	}
	return nil
}
