package cli

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pgmoon-go/pgmoon"
	"github.com/pgmoon-go/pgmoon/pgtest"
)

//go:embed testdata/describe_fixture.sql
var describeFixture string

// describeCases are compared byte for byte with psql 15's unaligned output
// (psql -X -A -c): stdout, stderr and whether the command failed. Every
// case, with those TestDescribe adds (cross-database names, tablespaces),
// is identical. What they do not show:
//   - Sizes (\dt+, \l+) are read twice, by us and then by psql; a write
//     in between (autovacuum) would make them differ. The fixture is
//     vacuumed first so that autovacuum has nothing to do.
//   - Describe leaves to its caller psql's warning about extra arguments
//     (`\dt: extra argument "b" ignored`) and the QUIET variable, which
//     silences the DescribeMessage texts.
//   - HIDE_TABLEAM and HIDE_TOAST_COMPRESSION are not supported: the
//     Access method and Compression details always show, as by default.
//   - Messages and labels are psql's English ones (no translations).
//   - Only PostgreSQL 15 is tested; the version guards for 12-14 and 17
//     (tgparentid, inhdetachpending, stxstattarget, datlocale...) are not.
var describeCases = []string{
	`\d`, `\d+`, `\dS`,
	`\d t`, `\d+ t`, `\d parent`, `\d ulog`, `\d+ ulog`, `\d excl`,
	`\d meas`, `\d+ meas`, `\d meas_2020`, `\d+ meas_2020`, `\d+ meas_rest`,
	`\d events`, `\d+ events`, `\d events_a`, `\d+ events_a1`, `\d evref`,
	`\d base`, `\d+ base`, `\d child`, `\d child2`, `\d trgs`, `\d typed`, `\d+ typed`,
	`\d emptyp`, `\d+ emptyp`,
	`\d v`, `\d+ v`, `\d mv`, `\d+ mv`, `\d seq1`, `\d+ seq1`, `\d t_id_seq`,
	`\d t_pkey`, `\d+ t_pkey`, `\d t_note_idx`, `\d t_lower_idx`, `\d trgs_a_idx`, `\d excl_y`,
	`\d events_pkey`, `\d+ events_pkey`, `\d pair`, `\d+ pair`,
	`\d s2.*`, `\d "Quoted Tbl"`, `\d s2."MixedCase"`, `\d pg_toast.pg_toast_2619`, `\dS pg_class`,
	`\d nosuch`, `\d+ t*`, `\d T`,
	`\dt`, `\dt+`, `\dtS`, `\dt *.other`, `\dt s2.`, `\dt .other`, `\dt a_b`, `\dt A?B`, `\dt "A?B"`,
	`\dt a.b.c.d`, `\dt nope.s2.other`, `\dt s2."MixedCase"`, `\dt s2.mixed*`, `\dt "s2.other"`,
	`\dt t|v`, `\dt (t|ab)`, `\dt ab$`, `\dt [ab]`, `\dtS pg_clas+`, `\dt nosuch`,
	`\di`, `\di+`, `\dv`, `\dv+`, `\dm`, `\dm+`, `\ds`, `\ds+`, `\dE`, `\dE foo`, `\dti`, `\dti+`, `\dvm`, `\dis t*`,
	`\df`, `\dfS add2`, `\df+`, `\dfa`, `\dfn`, `\dfp`, `\dft`, `\dfw`, `\dfan`, `\df s2.*`, `\df nosuch`, `\df *.sfn`,
	`\dn`, `\dn+`, `\dnS`, `\dn s*`, `\dn nosuch`, `\dn a.b`,
	`\du`, `\du+`, `\dg`, `\duS`, `\du describe_*`, `\du nosuch`,
	`\dx`, `\dx plpgsql`, `\dx+`, `\dx+ plpgsql`, `\dx+ nosuch`, `\dx nosuch`,
	`\l`, `\l+`, `\list`, `\l template*`, `\l nosuch`,
	`\dT`, `\dT+`, `\dT mood`, `\dT nosuch`,
	`\d ft`, `\d+ ft`, `\d ft2`, `\d meas_f`, `\dE`, `\dE+`,
	`\d rls_none`, `\d rls_forced`, `\d rls_off`, `\d rls_forced_none`,
	`\d misc`, `\d+ misc`, `\d misc_u`, `\d misc_pkey`, `\d misc_id_seq`, `\d noident`, `\d+ noident`,
	`\d fkchild`, `\d pref`, `\d pref_a`, `\d pfk`, `\d pfk_a`, `\d+ pfk_a`,
	`\d vt`, `\d+ vt`, `\d mv`, `\d+ mv_idx`, `\d sertab`, `\d+ useq`, `\d "Ugly ""Name"""`, `\d ugly*`,
	`\df s2.*`, `\df+ s2.ifn`, `\dfw`, `\df+ add2`, `\dn+ s2`, `\dn "Cased Schema"`, `\dt "Cased Schema".*`, `\d "Cased Schema".ct`,
	`\dt *.*`, `\dtS *.pg_class`, `\dv *.*`,
	`\dn s2`, `\dn+ s2`, `\dn public`, `\dn S2`, `\dn "s2"`, `\dn s?`, `\dn x.s2`,
	`\dT int`, `\dT int4`, `\dT integer`, `\dT float`, `\dT int[]`, `\dT _int4`, `\dT INT[]`, `\dT bool`,
	`\dTS+ mood`, `\dT timestamp*`, `\dT "char"`, `\dT pg_catalog.int*`,
	`\df add2 int`, `\df add2 integer integer`, `\df add2 - int`, `\df add2 int int int`, `\df add2 x`,
	`\dfS+ int4pl`, `\dfS int4pl int4 -`, `\dfS int4pl pg_catalog.int4`, `\df gen int`,
	`\dS+ pg_class`, `\d+ pg_catalog.pg_class_oid_index`,
	`\d events_a1_pkey`, `\d events_a_pkey`, `\d+ events_a_pkey`, `\d+ pg_toast.pg_toast_2619`,
	`\d+ pg_toast.pg_toast_2619_index`, `\d+ misc_id_seq`, `\d+ "Ugly ""Name"""`, `\d+ child2`, `\d+ ft2`,
	`\d+ meas_f`, `\d+ rls_forced`, `\d+ s2.*`, `\d+ pair`, `\d+ excl`, `\d+ trgs`, `\d+ fkchild`, `\d+ pfk`,
	`\d+ evref`, `\d+ parent`, `\dS information_schema.tables`, `\d+ information_schema.sql_features`,
	`\d vco`, `\d+ vco`, `\d t_opt_idx`, `\d+ t_opt_idx`, `\d+ t_expr_idx`, `\d+ trgs`, `\d+ mv`,
	`\dT+`, `\dT+ floatrange`, `\d replica_trg`, `\d+ t`, `\di t_*`,
	`\dv+ s2.*`, `\di+ s2.*`, `\dis+`, `\dE+ *`, `\d *.nosuch`, `\d nosuch.*`, `\d ""`, `\dt ""`,
}

func TestDescribe(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Fatalf("psql is needed to compare with: %v", err)
	}
	ctx := context.Background()
	dsn := pgtest.Default(t).NewDatabase(t)
	conn, err := pgmoon.ConnectString(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	exec1 := func(sql string) {
		t.Helper()
		if _, err := conn.SimpleQuery(ctx, sql); err != nil {
			t.Fatalf("%.60s...: %v", sql, err)
		}
	}
	exec1(`DROP ROLE IF EXISTS describe_alice; DROP ROLE IF EXISTS describe_bob;
CREATE ROLE describe_bob;
CREATE ROLE describe_alice LOGIN CREATEDB CONNECTION LIMIT 3 VALID UNTIL '2030-01-01' IN ROLE describe_bob;
COMMENT ON ROLE describe_bob IS 'bob role'`)
	t.Cleanup(func() {
		c, err := pgmoon.ConnectString(context.Background(), dsn)
		if err != nil {
			t.Errorf("role cleanup: %v", err)
			return
		}
		defer c.Close(context.Background())
		// The grants and policies that name the roles go first.
		if _, err := c.SimpleQuery(context.Background(), "DROP OWNED BY describe_alice, describe_bob; DROP ROLE describe_alice; DROP ROLE describe_bob"); err != nil {
			t.Errorf("role cleanup: %v", err)
		}
	})
	exec1(describeFixture)
	tablespaceFixture(t, conn, dsn)
	exec1("VACUUM")
	exec1("CHECKPOINT")

	var version int
	if r, err := conn.SimpleQuery(ctx, "SHOW server_version_num"); err != nil {
		t.Fatal(err)
	} else {
		fmt.Sscan(string(r[0].Rows[0][0]), &version)
	}
	q := func(ctx context.Context, sql string) (*pgmoon.Result, error) {
		rs, err := conn.SimpleQuery(ctx, sql)
		if err != nil {
			return nil, err
		}
		return rs[len(rs)-1], nil
	}

	var db string
	if r, err := conn.SimpleQuery(ctx, "SELECT current_database()"); err != nil {
		t.Fatal(err)
	} else {
		db = string(r[0].Rows[0][0])
	}
	cases := append(describeCases[:len(describeCases):len(describeCases)],
		`\d tsp`, `\d+ tsp`, `\d tsp_pkey`, `\d tsp_idx`, `\d tsmv`, `\d+ tsmv`, `\d tsmv_idx`,
		`\dt `+db+`.s2.other`, `\d `+db+`.s2.*`, `\dn `+db+`.s2`, `\df `+db+`.s2.*`, `\d "`+db+`".s2.ov`)
	for _, c := range cases {
		t.Run(c, func(t *testing.T) {
			name, args := splitMeta(c)
			if !isDescribe(name) {
				t.Fatalf("isDescribe(%q) = false", name)
			}
			tabs, err := Describe(ctx, q, version, name, args)
			var gotOut, gotErr string
			gotFailed := false
			if err != nil {
				var m *DescribeMessage
				if !errors.As(err, &m) {
					t.Fatalf("Describe: %v", err)
				}
				gotErr = m.Text + "\n"
				gotFailed = m.Failed
			}
			var b bytes.Buffer
			for _, tab := range tabs {
				renderUnaligned(&b, tab)
			}
			gotOut = b.String()

			cmd := exec.Command("psql", "-X", "-A", "-d", dsn, "-c", c)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			runErr := cmd.Run()
			wantFailed := false
			if ee, ok := runErr.(*exec.ExitError); ok && ee.ExitCode() == 1 {
				wantFailed = true
			} else if runErr != nil {
				t.Fatalf("psql: %v: %s", runErr, stderr.String())
			}
			if gotOut != stdout.String() {
				t.Errorf("stdout differs\n--- got\n%s--- psql\n%s", gotOut, stdout.String())
			}
			if gotErr != stderr.String() {
				t.Errorf("stderr differs\n--- got\n%s--- psql\n%s", gotErr, stderr.String())
			}
			if gotFailed != wantFailed {
				t.Errorf("failed = %v, psql %v", gotFailed, wantFailed)
			}
		})
	}
}

// tablespaceFixture makes a tablespace (in a directory the server's own
// user creates, through COPY TO PROGRAM) and tables in it; cleanup drops
// them before the database goes.
func tablespaceFixture(t *testing.T, conn *pgmoon.Conn, dsn string) {
	t.Helper()
	ctx := context.Background()
	dir := fmt.Sprintf("/tmp/pgmoon_describe_ts_%d", time.Now().UnixNano())
	for _, sql := range []string{
		"DROP TABLESPACE IF EXISTS describe_ts",
		"COPY (SELECT 1) TO PROGRAM 'mkdir -p " + dir + "'",
		"CREATE TABLESPACE describe_ts LOCATION '" + dir + "'",
	} {
		if _, err := conn.SimpleQuery(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	t.Cleanup(func() {
		c, err := pgmoon.ConnectString(ctx, dsn)
		if err != nil {
			t.Errorf("tablespace cleanup: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.SimpleQuery(ctx, "DROP TABLE tsp; DROP MATERIALIZED VIEW tsmv"); err != nil {
			t.Errorf("tablespace cleanup: %v", err)
		}
		if _, err := c.SimpleQuery(ctx, "DROP TABLESPACE describe_ts"); err != nil {
			t.Errorf("tablespace cleanup: %v", err)
		}
		c.SimpleQuery(ctx, "COPY (SELECT 1) TO PROGRAM 'rmdir "+dir+"'")
	})
	if _, err := conn.SimpleQuery(ctx, `CREATE TABLE tsp (a int PRIMARY KEY USING INDEX TABLESPACE describe_ts, b int) TABLESPACE describe_ts;
CREATE INDEX tsp_idx ON tsp (b) TABLESPACE describe_ts;
CREATE MATERIALIZED VIEW tsmv TABLESPACE describe_ts AS SELECT 1 AS x;
CREATE INDEX tsmv_idx ON tsmv (x) TABLESPACE describe_ts`); err != nil {
		t.Fatal(err)
	}
}

// splitMeta splits `\dt+ a "b c"` into "dt+" and its arguments, double
// quotes kept (they are part of a pattern) and protecting blanks.
func splitMeta(s string) (string, []string) {
	var f []string
	var cur strings.Builder
	inQuotes, has := false, false
	for _, r := range strings.TrimPrefix(s, `\`) {
		switch {
		case r == '"':
			inQuotes = !inQuotes
			cur.WriteRune(r)
			has = true
		case r == ' ' && !inQuotes:
			if has {
				f = append(f, cur.String())
				cur.Reset()
				has = false
			}
		default:
			cur.WriteRune(r)
			has = true
		}
	}
	if has {
		f = append(f, cur.String())
	}
	return f[0], f[1:]
}

// renderUnaligned prints t as psql -A does with the default \pset options,
// until the printer lands.
func renderUnaligned(b *bytes.Buffer, t *Table) {
	if t.Title != "" {
		b.WriteString(t.Title + "\n")
	}
	b.WriteString(strings.Join(t.Headers, "|") + "\n")
	for _, row := range t.Rows {
		for j, v := range row {
			if j > 0 {
				b.WriteByte('|')
			}
			if v != nil {
				b.WriteString(*v)
			}
		}
		b.WriteByte('\n')
	}
	switch {
	case t.Footers != nil:
		for _, f := range t.Footers {
			b.WriteString(f + "\n")
		}
	case !t.NoDefaultFooter:
		if len(t.Rows) == 1 {
			b.WriteString("(1 row)\n")
		} else {
			fmt.Fprintf(b, "(%d rows)\n", len(t.Rows))
		}
	}
}

func TestIsDescribe(t *testing.T) {
	for _, c := range []string{"d", "d+", "dS", "dS+", "d+S", "dt", "dt+", "dtS", "dt+S", "dti", "dit", "dvm", "dE", "dsS+", "df", "dfa+", "dfS+", "dfS+a", "dftw", "dn", "dn+", "du", "dg", "du+", "dx", "dx+", "l", "l+", "list", "dT", "dTS+"} {
		if !isDescribe(c) {
			t.Errorf("isDescribe(%q) = false", c)
		}
	}
	for _, c := range []string{"", "x", "copy", "dq", "drds", "lS", "dtx", "dSt", "dfx", "dp", "da", "dD", "dnx"} {
		if isDescribe(c) {
			t.Errorf("isDescribe(%q) = true", c)
		}
	}
}

func TestDescribeOldServer(t *testing.T) {
	_, err := Describe(context.Background(), nil, 110000, "dt", nil)
	var m *DescribeMessage
	if !errors.As(err, &m) || !m.Failed || !strings.Contains(m.Text, "PostgreSQL 12") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseDescribe(t *testing.T) {
	tests := []struct {
		cmd  string
		want describeSpec
	}{
		{"d", describeSpec{base: "d"}},
		{"dS+", describeSpec{base: "d", system: true, verbose: true}},
		{"dt+S", describeSpec{base: "d", letters: "t", system: true, verbose: true}},
		{"dtit", describeSpec{base: "d", letters: "ti"}},
		{"dfS+a", describeSpec{base: "df", letters: "a", system: true, verbose: true}},
		{"dg+", describeSpec{base: "du", verbose: true}},
		{"dx+", describeSpec{base: "dx", verbose: true}},
		{"list+", describeSpec{base: "l", verbose: true}},
		{"dTS", describeSpec{base: "dT", system: true}},
	}
	for _, tt := range tests {
		got, ok := parseDescribe(tt.cmd)
		if !ok || got != tt.want {
			t.Errorf("parseDescribe(%q) = %+v, %v; want %+v", tt.cmd, got, ok, tt.want)
		}
	}
	if !describeUsesAllArgs("dfS") || describeUsesAllArgs("dt") {
		t.Error("describeUsesAllArgs: only \\df uses all its arguments")
	}
}

// TestDescribeDroppedRelation: a relation that the lookup found but that
// is gone when its details are read fails the command with psql's message.
func TestDescribeDroppedRelation(t *testing.T) {
	calls := 0
	q := func(ctx context.Context, sql string) (*pgmoon.Result, error) {
		calls++
		if calls == 1 { // the lookup: oid, schema, name
			return &pgmoon.Result{Rows: [][][]byte{{[]byte("12345"), []byte("public"), []byte("gone")}}}, nil
		}
		return &pgmoon.Result{}, nil // pg_class has no such row any more
	}
	tabs, err := Describe(context.Background(), q, 150000, "d", []string{"gone"})
	var m *DescribeMessage
	if !errors.As(err, &m) || m.Text != "Did not find any relation with OID 12345." || !m.Failed || len(tabs) != 0 {
		t.Fatalf("tabs = %v, err = %v", tabs, err)
	}
}
