package types_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

func TestRoundTripGeometry(t *testing.T) {
	const byText = "%s::text = %s::text"
	negZero := math.Copysign(0, -1)
	inf := math.Inf(1)
	nan := math.NaN()
	long := types.Path{Closed: false}
	var longLit strings.Builder
	longLit.WriteString("'[")
	for i := range 1000 {
		p := types.Point{X: float64(i) * 1.5, Y: -float64(i) / 3}
		long.P = append(long.P, p)
		if i > 0 {
			longLit.WriteByte(',')
		}
		longLit.WriteString("(" + geoRTFloat(p.X) + "," + geoRTFloat(p.Y) + ")")
	}
	longLit.WriteString("]'")
	poly := types.Polygon{}
	var polyLit strings.Builder
	polyLit.WriteString("'(")
	for i := range 500 {
		a := 2 * math.Pi * float64(i) / 500
		p := types.Point{X: 1e6 * math.Cos(a), Y: -1e-6 * math.Sin(a)}
		poly.P = append(poly.P, p)
		if i > 0 {
			polyLit.WriteByte(',')
		}
		polyLit.WriteString("(" + geoRTFloat(p.X) + "," + geoRTFloat(p.Y) + ")")
	}
	polyLit.WriteString(")'")

	cases := []rtCase{
		{Type: "point", Literal: "NULL", Value: nil, Want: (*types.Point)(nil)},
		{Type: "point", Literal: "'(1,2)'", Value: types.Point{X: 1, Y: 2}},
		{Type: "point", Literal: "'(-0,-1.5)'", Value: types.Point{X: negZero, Y: -1.5}},
		{Type: "point", Literal: "'(1.7976931348623157e+308,-5e-324)'", Value: types.Point{X: math.MaxFloat64, Y: -5e-324}},
		{Type: "point", Literal: "'(Infinity,-Infinity)'", Value: types.Point{X: inf, Y: -inf}},
		{Name: "point NaN", Type: "point", Literal: "'(NaN,0.1)'", Value: types.Point{X: nan, Y: 0.1}},
		{Name: "point as string", Type: "point", Literal: "'(1e+15,0.0001)'", Value: "(1e15, 1e-4)", Want: "(1e+15,0.0001)"},
		{Name: "point server-only form", Type: "point", Literal: "'(1,2)'", Value: "1,2", Want: types.Point{X: 1, Y: 2}},
		{Name: "point text of large and small", Type: "point", Literal: "'(123456789012345,1e-05)'", Value: types.Point{X: 123456789012345, Y: 1e-5}, Want: "(123456789012345,1e-05)"},

		{Type: "line", Literal: "NULL", Value: nil, Want: (*types.Line)(nil)},
		{Type: "line", Literal: "'{1,-1,0}'", Value: types.Line{A: 1, B: -1, C: 0}},
		{Type: "line", Literal: "'{0,-0.5,-1e+300}'", Value: types.Line{A: 0, B: -0.5, C: -1e300}},
		{Type: "line", Literal: "'{1,2,3}'", Value: "{1,2,3}", Want: "{1,2,3}"},

		{Type: "lseg", Literal: "'[(1,2),(-3,-4)]'", Value: types.Lseg{P: [2]types.Point{{X: 1, Y: 2}, {X: -3, Y: -4}}}},
		{Type: "lseg", Literal: "'[(-0,0),(1e+300,-1e-300)]'", Value: types.Lseg{P: [2]types.Point{{X: negZero, Y: 0}, {X: 1e300, Y: -1e-300}}}},

		{Type: "box", Literal: "NULL", Value: nil, Want: (*types.Box)(nil)},
		{Type: "box", Literal: "'(3,4),(1,2)'", Value: types.Box{P: [2]types.Point{{X: 3, Y: 4}, {X: 1, Y: 2}}}},
		{Name: "box corners reordered", Type: "box", Literal: "'(1,2),(3,4)'", Value: types.Box{P: [2]types.Point{{X: 1, Y: 2}, {X: 3, Y: 4}}},
			Want: types.Box{P: [2]types.Point{{X: 3, Y: 4}, {X: 1, Y: 2}}}},
		{Type: "box", Literal: "'(-0,-0),(-1e+300,-Infinity)'", Value: types.Box{P: [2]types.Point{{X: negZero, Y: negZero}, {X: -1e300, Y: -inf}}}},

		{Type: "path", Literal: "NULL", Value: nil, Want: (*types.Path)(nil)},
		{Name: "path one point", Type: "path", Literal: "'[(1,2)]'", Value: types.Path{P: []types.Point{{X: 1, Y: 2}}}},
		{Name: "path one point closed", Type: "path", Literal: "'((1,2))'", Value: types.Path{P: []types.Point{{X: 1, Y: 2}}, Closed: true}},
		{Name: "path closed", Type: "path", Literal: "'((1,2),(3,-4),(-0,1e+20))'",
			Value: types.Path{P: []types.Point{{X: 1, Y: 2}, {X: 3, Y: -4}, {X: negZero, Y: 1e20}}, Closed: true}},
		{Name: "path open as string", Type: "path", Literal: "'[(1,2),(3,4)]'", Value: "[(1,2),(3,4)]", Want: "[(1,2),(3,4)]"},
		{Name: "path 1000 points", Type: "path", Literal: longLit.String(), Value: long},

		{Type: "polygon", Literal: "NULL", Value: nil, Want: (*types.Polygon)(nil)},
		{Name: "polygon one point", Type: "polygon", Literal: "'((0,0))'", Value: types.Polygon{P: []types.Point{{X: 0, Y: 0}}}},
		{Type: "polygon", Literal: "'((0,0),(1,1),(1,0))'", Value: types.Polygon{P: []types.Point{{X: 0, Y: 0}, {X: 1, Y: 1}, {X: 1, Y: 0}}}},
		{Name: "polygon 500 points", Type: "polygon", Literal: polyLit.String(), Value: poly},

		{Type: "circle", Literal: "NULL", Value: nil, Want: (*types.Circle)(nil)},
		{Type: "circle", Literal: "'<(1,2),3>'", Value: types.Circle{P: types.Point{X: 1, Y: 2}, R: 3}},
		{Type: "circle", Literal: "'<(-0,-1e-300),0>'", Value: types.Circle{P: types.Point{X: negZero, Y: -1e-300}, R: 0}},
		{Type: "circle", Literal: "'<(1,1),Infinity>'", Value: types.Circle{P: types.Point{X: 1, Y: 1}, R: inf}},
		{Name: "circle NaN radius", Type: "circle", Literal: "'<(0,0),NaN>'", Value: types.Circle{R: nan}},
		{Type: "circle", Literal: "'<(1,2),3>'", Value: "<(1,2),3>", Want: "<(1,2),3>"},
	}
	for i := range cases {
		if cases[i].Value != nil {
			cases[i].Compare = byText
		}
	}
	runRoundTrip(t, cases)
	netCheckSend(t, cases, func(c rtCase) bool {
		// The server stores box corners reordered and its own NaN.
		return strings.Contains(c.Name, "reordered") || strings.Contains(c.Name, "NaN")
	})
}

// geoRTFloat writes x for a SQL literal.
func geoRTFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// TestGeometryFloatTextServer checks that a point decoded from binary into
// a string reads as the server prints it, over a spread of magnitudes.
func TestGeometryFloatTextServer(t *testing.T) {
	conn := rtConn(t)
	m := types.NewMap()
	typ, _ := m.TypeForName("point")
	var xs []float64
	for e := -325; e <= 308; e += 3 {
		for _, mant := range []float64{1, 1.5, 9.999999999999999, 1.2345678901234567} {
			if x := mant * math.Pow(10, float64(e)); !math.IsInf(x, 0) && x != 0 {
				xs = append(xs, x)
			}
		}
	}
	// Short decimals of large magnitude: some lie exactly halfway between
	// two float64s (1e+23).
	for e := 15; e <= 308; e++ {
		for d := 1; d <= 30; d++ {
			xs = append(xs, float64(d)*math.Pow(10, float64(e)))
		}
	}
	var lits []string
	for _, x := range xs {
		if !math.IsInf(x, 0) {
			lits = append(lits, geoRTFloat(x))
		}
	}
	res, err := conn.SimpleQuery(rtCtx(t), "select point(x, -x)::text from unnest('{"+strings.Join(lits, ",")+
		"}'::float8[]) with ordinality as u(x, i) order by i")
	if err != nil {
		t.Fatal(err)
	}
	for i, lit := range lits {
		x, _ := strconv.ParseFloat(lit, 64)
		var s string
		bin, _, err := m.EncodeFormat(typ, types.BinaryFormat, types.Point{X: x, Y: -x}, nil)
		if err == nil {
			err = m.Scan(typ, types.BinaryFormat, bin, &s)
		}
		if want := string(res[0].Rows[i][0]); err != nil || s != want {
			t.Errorf("point(%v): %q, %v; server prints %q", x, s, err, want)
		}
	}
}
