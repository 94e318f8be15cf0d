package types_test

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

// geoF8 returns the float8s xs in network byte order.
func geoF8(xs ...float64) []byte {
	var b []byte
	for _, x := range xs {
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

func geoCat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func TestGeometryCodecs(t *testing.T) {
	negZero := math.Copysign(0, -1)
	inf := math.Inf(1)
	pt := func(x, y float64) types.Point { return types.Point{X: x, Y: y} }
	netRunCodecCases(t, []netCodecCase{
		{typ: "point", value: pt(1, 2), text: "(1,2)", bin: geoF8(1, 2)},
		{typ: "point", value: pt(negZero, -1.5), text: "(-0,-1.5)", bin: geoF8(negZero, -1.5)},
		{typ: "point", value: pt(inf, -inf), text: "(Infinity,-Infinity)", bin: geoF8(inf, -inf)},
		{typ: "point", value: pt(math.NaN(), 0), text: "(NaN,0)", bin: geoF8(math.NaN(), 0)},
		{typ: "point", value: pt(math.MaxFloat64, 5e-324), text: "(1.7976931348623157e+308,5e-324)", bin: geoF8(math.MaxFloat64, 5e-324)},
		{typ: "point", value: pt(1e15, 1e14), text: "(1e+15,100000000000000)", bin: geoF8(1e15, 1e14)},
		{typ: "point", value: pt(0.0001, 0.00001), text: "(0.0001,1e-05)", bin: geoF8(0.0001, 0.00001)},
		{typ: "point", value: pt(1234567890123456, 0.1), text: "(1.234567890123456e+15,0.1)", bin: geoF8(1234567890123456, 0.1)},
		{typ: "line", value: types.Line{A: 1, B: -1, C: 0}, text: "{1,-1,0}", bin: geoF8(1, -1, 0)},
		{typ: "line", value: types.Line{A: 0, B: 2, C: -1e300}, text: "{0,2,-1e+300}", bin: geoF8(0, 2, -1e300)},
		{typ: "lseg", value: types.Lseg{P: [2]types.Point{pt(1, 2), pt(-3, -4)}}, text: "[(1,2),(-3,-4)]", bin: geoF8(1, 2, -3, -4)},
		{typ: "box", value: types.Box{P: [2]types.Point{pt(3, 4), pt(1, 2)}}, text: "(3,4),(1,2)", bin: geoF8(3, 4, 1, 2)},
		{typ: "path", value: types.Path{P: []types.Point{pt(1, 2)}}, text: "[(1,2)]",
			bin: geoCat([]byte{
				0,          // open
				0, 0, 0, 1, // one point
			}, geoF8(1, 2))},
		{typ: "path", value: types.Path{P: []types.Point{pt(1, 2), pt(3, 4)}, Closed: true}, text: "((1,2),(3,4))",
			bin: geoCat([]byte{1, 0, 0, 0, 2}, geoF8(1, 2, 3, 4))},
		{typ: "polygon", value: types.Polygon{P: []types.Point{pt(0, 0)}}, text: "((0,0))",
			bin: geoCat([]byte{0, 0, 0, 1}, geoF8(0, 0))},
		{typ: "polygon", value: types.Polygon{P: []types.Point{pt(0, 0), pt(1, 1), pt(1, 0)}}, text: "((0,0),(1,1),(1,0))",
			bin: geoCat([]byte{0, 0, 0, 3}, geoF8(0, 0, 1, 1, 1, 0))},
		{typ: "circle", value: types.Circle{P: pt(1, 2), R: 3}, text: "<(1,2),3>", bin: geoF8(1, 2, 3)},
		{typ: "circle", value: types.Circle{P: pt(negZero, 0), R: inf}, text: "<(-0,0),Infinity>", bin: geoF8(negZero, 0, inf)},
	})
	netCheckMalformedText(t, "point", []string{"", "(1,2", "1,2", "(1,2))", "(1;2)", "(1,)", "(,2)", "(1,2,3)", "(1e999,0)",
		"(1_0,2)", "(x,2)", "((1,2))"})
	netCheckMalformedText(t, "line", []string{"", "{1,2}", "{1,2,3", "{0,0,1}", "[(1,2),(3,4)]", "{1,2,3,4}"})
	netCheckMalformedText(t, "lseg", []string{"", "[(1,2)]", "[(1,2),(3,4)", "((1,2),(3,4))", "[(1,2),(3,4),(5,6)]"})
	netCheckMalformedText(t, "box", []string{"", "(1,2)", "(1,2),(3,4),", "((1,2),(3,4))", "(1,2),(3,4)x"})
	netCheckMalformedText(t, "path", []string{"", "[]", "()", "[(1,2)", "((1,2)]", "[(1,2),]", "{(1,2)}", "[(1,2)])"})
	netCheckMalformedText(t, "polygon", []string{"", "()", "[(1,2)]", "((1,2)", "((1,2),)"})
	netCheckMalformedText(t, "circle", []string{"", "<(1,2),-1>", "<(1,2)>", "<(1,2),3", "<1,2,3>", "((1,2),3)"})
}

func TestGeometryCodecErrors(t *testing.T) {
	m := types.NewMap()
	for _, c := range []struct {
		typ string
		v   any
	}{
		{"line", types.Line{A: 0, B: 1e-7, C: 1}},
		{"path", types.Path{}},
		{"polygon", types.Polygon{P: []types.Point{}}},
		{"circle", types.Circle{R: -1}},
		{"point", 42},
		{"point", types.Line{}},
	} {
		typ := netType(t, m, c.typ)
		for _, f := range []types.Format{types.BinaryFormat, types.TextFormat} {
			if buf, _, err := m.EncodeFormat(typ, f, c.v, nil); err == nil {
				t.Errorf("%s %s encode %#v: %q, want an error", c.typ, f, c.v, buf)
			}
		}
	}
	for _, c := range []struct {
		typ string
		bin []byte
	}{
		{"line", geoF8(0, 0, 1)},
		{"circle", geoF8(0, 0, -1)},
		{"path", geoCat([]byte{2, 0, 0, 0, 1}, geoF8(1, 2))},             // closed flag 2
		{"path", []byte{0, 0, 0, 0, 0}},                                  // no points
		{"path", geoCat([]byte{0, 0xff, 0xff, 0xff, 0xff}, geoF8(1, 2))}, // -1 points
		{"polygon", geoCat([]byte{0x7f, 0xff, 0xff, 0xff}, geoF8(1, 2))}, // count beyond the data
		{"polygon", []byte{0, 0, 0, 0}},
	} {
		var a any
		if err := m.Scan(netType(t, m, c.typ), types.BinaryFormat, c.bin, &a); err == nil {
			t.Errorf("%s decode %x: %#v, want an error", c.typ, c.bin, a)
		}
	}
	// A path decoded into a Path reuses its points' memory.
	typ := netType(t, m, "path")
	p := types.Path{P: make([]types.Point, 0, 4)}
	first := &p.P[:1][0]
	if err := m.Scan(typ, types.BinaryFormat, geoCat([]byte{1, 0, 0, 0, 2}, geoF8(1, 2, 3, 4)), &p); err != nil || &p.P[0] != first || !p.Closed || len(p.P) != 2 {
		t.Errorf("path decode: %+v, %v", p, err)
	}
	// A string the codec cannot parse goes to the server as text.
	buf, f, _, err := m.Encode(netType(t, m, "box"), "1,2,3,4", nil)
	if err != nil || f != types.TextFormat || string(buf) != "1,2,3,4" {
		t.Errorf("box \"1,2,3,4\": %q %v %v", buf, f, err)
	}
	buf, f, _, err = m.Encode(netType(t, m, "box"), " ( 1 , 2 ) , ( 3 , 4 ) ", nil)
	if err != nil || f != types.BinaryFormat || string(buf) != string(geoF8(1, 2, 3, 4)) {
		t.Errorf("box with spaces: %x %v %v", buf, f, err)
	}
}

var geoFuzzTypes = []string{"point", "line", "lseg", "box", "path", "polygon", "circle"}

func FuzzGeometryDecode(f *testing.F) {
	for i := range geoFuzzTypes {
		f.Add(uint8(i), true, []byte{})
		for _, s := range []string{"(1,2)", "{1,-1,0}", "[(1,2),(-3,-4)]", "(3,4),(1,2)", "[(1,2)]", "((1,2),(3,4))",
			"<(1,2),3>", "(NaN,-Infinity)", "(-0,1e+300)", "( 1 , 2 )"} {
			f.Add(uint8(i), false, []byte(s))
		}
	}
	f.Add(uint8(0), true, geoF8(1, 2))
	f.Add(uint8(1), true, geoF8(1, 2, 3))
	f.Add(uint8(2), true, geoF8(1, 2, 3, 4))
	f.Add(uint8(3), true, geoF8(3, 4, 1, 2))
	f.Add(uint8(4), true, geoCat([]byte{1, 0, 0, 0, 2}, geoF8(1, 2, 3, 4)))
	f.Add(uint8(5), true, geoCat([]byte{0, 0, 0, 1}, geoF8(0, 0)))
	f.Add(uint8(6), true, geoF8(1, 2, math.NaN()))
	f.Fuzz(func(t *testing.T, kind uint8, binary bool, data []byte) {
		netFuzzDecode(t, geoFuzzTypes, kind, binary, data, func() []any {
			return []any{new(types.Point), new(types.Line), new(types.Lseg), new(types.Box), new(types.Path),
				new(types.Polygon), new(types.Circle), new(string)}
		})
	})
}

func BenchmarkDecodeGeometry(b *testing.B) {
	var path100, poly100 []byte
	path100 = append(path100, 1, 0, 0, 0, 100)
	poly100 = append(poly100, 0, 0, 0, 100)
	for i := range 100 {
		path100 = append(path100, geoF8(float64(i), -float64(i))...)
		poly100 = append(poly100, geoF8(float64(i), -float64(i))...)
	}
	netRunBench(b, []netBench{
		{"point", "point", geoF8(1, 2), new(types.Point)},
		{"line", "line", geoF8(1, 2, 3), new(types.Line)},
		{"lseg", "lseg", geoF8(1, 2, 3, 4), new(types.Lseg)},
		{"box", "box", geoF8(3, 4, 1, 2), new(types.Box)},
		{"circle", "circle", geoF8(1, 2, 3), new(types.Circle)},
		{"path100/reused", "path", path100, &types.Path{P: make([]types.Point, 0, 100)}},
		{"polygon100/reused", "polygon", poly100, &types.Polygon{P: make([]types.Point, 0, 100)}},
		{"point/text", "point", []byte("(1.5,-2.25)"), new(types.Point)},
	})
}

// TestGeometryFloatText checks the float text against strconv's shortest
// digits over a spread of magnitudes: it must parse back exactly.
func TestGeometryFloatText(t *testing.T) {
	m := types.NewMap()
	typ := netType(t, m, "point")
	for e := -330; e <= 310; e++ {
		for _, mant := range []float64{1, 1.5, 9.999999999999999, 1.2345678901234567} {
			x := mant * math.Pow(10, float64(e))
			if math.IsInf(x, 0) {
				continue
			}
			buf, _, err := m.EncodeFormat(typ, types.TextFormat, types.Point{X: x, Y: -x}, nil)
			if err != nil {
				t.Fatal(err)
			}
			s := strings.Trim(string(buf), "()")
			xs, ys, _ := strings.Cut(s, ",")
			gx, err1 := strconv.ParseFloat(xs, 64)
			gy, err2 := strconv.ParseFloat(ys, 64)
			if err1 != nil || err2 != nil || gx != x || gy != -x {
				t.Errorf("%v printed as %s", x, buf)
			}
		}
	}
}
