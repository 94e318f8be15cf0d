package pgmoon_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon/pgtest"
	"github.com/pgmoon-go/pgmoon/types"
)

// Types the driver does not know are looked up in the catalog on first use:
// enums, domains, composites (nested, with arrays), arrays of them, ranges
// over them, and hstore.
func TestCatalogTypes(t *testing.T) {
	conn := connect(t, pgtest.Default(t).NewDatabase(t))
	ctx := testCtx(t)
	_, err := conn.SimpleQuery(ctx, `
		create extension hstore;
		create type mood as enum ('sad', 'ok', 'happy 😀');
		create domain posint as int4 check (value > 0);
		create type point3 as (x float8, y float8, z float8);
		create type tagged as (name text, at point3, moods mood[], score posint);
		create type floatrange as range (subtype = float8);
		create table things (id posint primary key, m mood, t tagged, ts tagged[], r floatrange, h hstore);
		insert into things values (1, 'happy 😀', row('a, "b"', row(1, 2, 3), '{sad,ok}', 7),
			array[row('x', null, '{}', 1)::tagged], '[1.5,2.5)', 'k=>v, n=>NULL');`)
	if err != nil {
		t.Fatal(err)
	}

	type point3 struct{ X, Y, Z float64 }
	type tagged struct {
		Name  string
		At    *point3
		Moods []string
		Score int32
	}
	var (
		id    int32
		m     string
		tg    tagged
		ts    []tagged
		r     types.Range[float64]
		h     map[string]*string
		moods []string
	)
	err = conn.QueryRow(ctx, "select id, m, t, ts, r, h, (t).moods from things where id = $1 and m = $2", 1, "happy 😀").
		Scan(&id, &m, &tg, &ts, &r, &h, &moods)
	if err != nil {
		t.Fatal(err)
	}
	v := "v"
	want := []any{int32(1), "happy 😀",
		tagged{Name: `a, "b"`, At: &point3{1, 2, 3}, Moods: []string{"sad", "ok"}, Score: 7},
		[]tagged{{Name: "x", Moods: []string{}, Score: 1}},
		types.Range[float64]{Lower: 1.5, Upper: 2.5, LowerType: types.Inclusive, UpperType: types.Exclusive},
		map[string]*string{"k": &v, "n": nil},
		[]string{"sad", "ok"}}
	got := []any{id, m, tg, ts, r, h, moods}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}

	// The same values as parameters, compared server-side.
	var same bool
	err = conn.QueryRow(ctx, "select t = $1::tagged and ts = $2::tagged[] and r = $3 and h = $4 and m = $5 from things",
		tg, ts, r, h, m).Scan(&same)
	if err != nil || !same {
		t.Errorf("parameters: equal = %v, %v", same, err)
	}

	// A domain's value out of its check fails server-side, with the
	// connection still usable.
	if _, err := conn.Exec(ctx, "insert into things (id) values ($1)", -1); err == nil {
		t.Error("domain check did not fail")
	}
	for _, name := range []string{"mood", "posint", "point3", "tagged", "_tagged", "floatrange", "hstore"} {
		if _, ok := conn.TypeMap().TypeForName(name); !ok {
			t.Errorf("%s not registered on the connection's map", name)
		}
	}
	if _, ok := types.Default().TypeForName("mood"); ok {
		t.Error("mood leaked into the Default map")
	}
}
