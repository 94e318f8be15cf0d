package types_test

import (
	"bytes"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pgmoon-go/pgmoon/types"
)

type jsonPerson struct {
	Name string   `json:"name"`
	Age  int      `json:"age,omitempty"`
	Tags []string `json:"tags,omitempty"`
}

// jsonValuer is a driver.Valuer that also implements json.Marshaler:
// Value wins.
type jsonValuer struct{ s string }

func (v jsonValuer) Value() (driver.Value, error) { return v.s, nil }
func (v jsonValuer) MarshalJSON() ([]byte, error) { return []byte(`"marshalled"`), nil }

// jsonPtrMarshaler marshals through a pointer receiver.
type jsonPtrMarshaler struct{ n int }

func (p *jsonPtrMarshaler) MarshalJSON() ([]byte, error) { return []byte(`{"ptr":true}`), nil }

// jsonScanner records what Scan received.
type jsonScanner struct{ got any }

func (s *jsonScanner) Scan(src any) error { s.got = src; return nil }

type jsonDoc string

func TestJSONEncode(t *testing.T) {
	m := types.Default()
	js, jb := txType(t, m, types.JSONOID), txType(t, m, types.JSONBOID)
	for _, c := range []struct {
		v    any
		want string
	}{
		{`{"a": 1}`, `{"a": 1}`},
		{[]byte(`[1, 2]`), `[1, 2]`},
		{json.RawMessage(`{"b" : null}`), `{"b" : null}`},
		{map[string]any{"b": 1, "a": "é"}, `{"a":"é","b":1}`},
		{jsonPerson{Name: "Ann", Tags: []string{"x"}}, `{"name":"Ann","tags":["x"]}`},
		{&jsonPerson{Name: "Bob"}, `{"name":"Bob"}`},
		{[]int{1, 2}, `[1,2]`},
		{42, `42`},
		{true, `true`},
		{jsonValuer{`{"valuer":1}`}, `{"valuer":1}`},
		{&jsonPtrMarshaler{}, `{"ptr":true}`},
		{txPtr(`"raw"`), `"raw"`},
		{jsonDoc(`{"named":1}`), `{"named":1}`},
	} {
		txEncode(t, m, js, types.TextFormat, c.v, []byte(c.want))
		txEncode(t, m, js, types.BinaryFormat, c.v, []byte(c.want))
		txEncode(t, m, jb, types.TextFormat, c.v, []byte(c.want))
		txEncode(t, m, jb, types.BinaryFormat, c.v, append([]byte{1}, c.want...))
	}
	// Nil pointers, maps and slices are SQL NULL, as for every type.
	for _, v := range []any{(*jsonPerson)(nil), (*jsonPtrMarshaler)(nil), (*string)(nil), map[string]any(nil), []int(nil)} {
		if _, null, err := m.EncodeFormat(jb, types.BinaryFormat, v, nil); err != nil || !null {
			t.Errorf("encode %#v: null %v, %v; want NULL", v, null, err)
		}
	}
	if _, _, err := m.EncodeFormat(jb, types.BinaryFormat, func() {}, nil); err == nil {
		t.Error("encode func succeeded")
	}
}

func TestJSONDecode(t *testing.T) {
	m := types.Default()
	js, jb := txType(t, m, types.JSONOID), txType(t, m, types.JSONBOID)
	text := `{"name": "Ann", "tags": ["x", "é"]}`
	for _, in := range []struct {
		typ *types.Type
		f   types.Format
		src []byte
	}{
		{js, types.TextFormat, []byte(text)},
		{js, types.BinaryFormat, []byte(text)},
		{jb, types.TextFormat, []byte(text)},
		{jb, types.BinaryFormat, append([]byte{1}, text...)},
	} {
		name := in.typ.Name + " " + in.f.String()
		var s string
		if err := m.Scan(in.typ, in.f, in.src, &s); err != nil || s != text {
			t.Errorf("%s into *string: %q, %v", name, s, err)
		}
		var b []byte
		if err := m.Scan(in.typ, in.f, in.src, &b); err != nil || string(b) != text {
			t.Errorf("%s into *[]byte: %q, %v", name, b, err)
		}
		var r json.RawMessage
		if err := m.Scan(in.typ, in.f, in.src, &r); err != nil || string(r) != text {
			t.Errorf("%s into *json.RawMessage: %q, %v", name, r, err)
		}
		var d jsonDoc
		if err := m.Scan(in.typ, in.f, in.src, &d); err != nil || string(d) != text {
			t.Errorf("%s into *jsonDoc: %q, %v", name, d, err)
		}
		p := jsonPerson{Age: 99} // stale field: zeroed before Unmarshal
		if err := m.Scan(in.typ, in.f, in.src, &p); err != nil || !cmp.Equal(p, jsonPerson{Name: "Ann", Tags: []string{"x", "é"}}) {
			t.Errorf("%s into *jsonPerson: %+v, %v", name, p, err)
		}
		mp := map[string]any{"stale": 1}
		want := map[string]any{"name": "Ann", "tags": []any{"x", "é"}}
		if err := m.Scan(in.typ, in.f, in.src, &mp); err != nil || !cmp.Equal(mp, want) {
			t.Errorf("%s into *map: %v, %v", name, mp, err)
		}
		var a any
		if err := m.Scan(in.typ, in.f, in.src, &a); err != nil || !cmp.Equal(a, any(want)) {
			t.Errorf("%s into *any: %#v, %v", name, a, err)
		}
		var sc jsonScanner
		if err := m.Scan(in.typ, in.f, in.src, &sc); err != nil || !cmp.Equal(sc.got, any([]byte(text))) {
			t.Errorf("%s into sql.Scanner: %#v, %v", name, sc.got, err)
		}
		var ns sql.NullString
		if err := m.Scan(in.typ, in.f, in.src, &ns); err != nil || !ns.Valid || ns.String != text {
			t.Errorf("%s into sql.NullString: %#v, %v", name, ns, err)
		}
		var np sql.Null[jsonPerson]
		if err := m.Scan(in.typ, in.f, in.src, &np); err != nil || !np.Valid || np.V.Name != "Ann" {
			t.Errorf("%s into sql.Null[jsonPerson]: %#v, %v", name, np, err)
		}
		var pp *jsonPerson
		if err := m.Scan(in.typ, in.f, in.src, &pp); err != nil || pp == nil || pp.Name != "Ann" {
			t.Errorf("%s into **jsonPerson: %#v, %v", name, pp, err)
		}
		var ps *string
		if err := m.Scan(in.typ, in.f, in.src, &ps); err != nil || ps == nil || *ps != text {
			t.Errorf("%s into **string: %#v, %v", name, ps, err)
		}
		var n int
		if err := m.Scan(in.typ, in.f, in.src, &n); err == nil {
			t.Errorf("%s into *int succeeded", name)
		}
	}
	// JSON null.
	for _, typ := range []*types.Type{js, jb} {
		var a any = 1
		if err := m.Scan(typ, types.TextFormat, []byte("null"), &a); err != nil || a != nil {
			t.Errorf("%s null into *any: %#v, %v", typ.Name, a, err)
		}
		mp := map[string]any{"x": 1}
		if err := m.Scan(typ, types.TextFormat, []byte("null"), &mp); err != nil || mp != nil {
			t.Errorf("%s null into *map: %#v, %v", typ.Name, mp, err)
		}
		// SQL NULL.
		mp = map[string]any{"x": 1}
		if err := m.Scan(typ, types.TextFormat, nil, &mp); err != nil || mp != nil {
			t.Errorf("%s NULL into *map: %#v, %v", typ.Name, mp, err)
		}
		var p jsonPerson
		if err := m.Scan(typ, types.TextFormat, nil, &p); !errors.Is(err, types.ErrNull) {
			t.Errorf("%s NULL into *jsonPerson: %v", typ.Name, err)
		}
		var n int
		if err := m.Scan(typ, types.TextFormat, []byte("12"), &n); err != nil || n != 12 {
			t.Errorf("%s 12 into *int: %v, %v", typ.Name, n, err)
		}
		var a2 any
		if err := m.Scan(typ, types.TextFormat, []byte("{"), &a2); err == nil {
			t.Errorf("%s invalid JSON into *any succeeded", typ.Name)
		}
	}
	// jsonb's version byte.
	for _, src := range [][]byte{{}, {2, '1'}, {0, '1'}} {
		txReject(t, m, jb, types.BinaryFormat, src)
		var s string
		if err := m.Scan(jb, types.BinaryFormat, src, &s); err == nil {
			t.Errorf("jsonb binary %q into *string succeeded", src)
		}
	}
	txRejectPrefixes(t, m, jb, []byte{1}, func() any { return new(string) })
}

func TestJSONCustomFuncs(t *testing.T) {
	m := types.NewMap()
	var marshalled, unmarshalled int
	c := types.JSONCodec{
		Marshal: func(v any) ([]byte, error) {
			marshalled++
			return json.Marshal(v)
		},
		Unmarshal: func(data []byte, v any) error {
			unmarshalled++
			d := json.NewDecoder(bytes.NewReader(data))
			d.UseNumber()
			return d.Decode(v)
		},
	}
	m.Register(&types.Type{Name: "jsonb", OID: types.JSONBOID, Codec: c})
	typ := txType(t, m, types.JSONBOID)
	out, f, _, err := m.Encode(typ, map[string]int{"a": 1}, nil)
	if err != nil || f != types.BinaryFormat || string(out) != "\x01{\"a\":1}" || marshalled != 1 {
		t.Errorf("Encode: %q %s %v, %d marshals", out, f, err, marshalled)
	}
	var a any
	if err := m.Scan(typ, types.BinaryFormat, []byte("\x01{\"n\": 12345678901234567890}"), &a); err != nil || unmarshalled != 1 {
		t.Fatalf("Scan: %v, %d unmarshals", err, unmarshalled)
	}
	if n := a.(map[string]any)["n"]; n != json.Number("12345678901234567890") {
		t.Errorf("UseNumber: %#v", n)
	}
}

func TestJSONPath(t *testing.T) {
	m := types.Default()
	typ := txType(t, m, types.JSONPathOID)
	const p = `$."a"[*]?(@ > 1)`
	txEncode(t, m, typ, types.TextFormat, p, []byte(p))
	txEncode(t, m, typ, types.BinaryFormat, p, append([]byte{1}, p...))
	txEncode(t, m, typ, types.BinaryFormat, []byte(p), append([]byte{1}, p...))
	for _, in := range []struct {
		f   types.Format
		src []byte
	}{{types.TextFormat, []byte(p)}, {types.BinaryFormat, append([]byte{1}, p...)}} {
		var s string
		if err := m.Scan(typ, in.f, in.src, &s); err != nil || s != p {
			t.Errorf("%s into *string: %q, %v", in.f, s, err)
		}
		var b []byte
		if err := m.Scan(typ, in.f, in.src, &b); err != nil || string(b) != p {
			t.Errorf("%s into *[]byte: %q, %v", in.f, b, err)
		}
		var a any
		if err := m.Scan(typ, in.f, in.src, &a); err != nil || a != p {
			t.Errorf("%s into *any: %#v, %v", in.f, a, err)
		}
	}
	txReject(t, m, typ, types.BinaryFormat, []byte("\x02$"))
	txRejectPrefixes(t, m, typ, []byte{1}, func() any { return new(string) })
	if _, _, err := m.EncodeFormat(typ, types.BinaryFormat, 1, nil); err == nil || !strings.Contains(err.Error(), "unsupported") {
		t.Errorf("encode int as jsonpath: %v", err)
	}
}
