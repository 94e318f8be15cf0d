package types_test

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

var uuidA = types.UUID{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11}

// uuidForms are inputs uuid_in accepts, from the PostgreSQL documentation.
var uuidForms = []string{
	"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
	"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
	"{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
	"a0eebc999c0b4ef8bb6d6bb9bd380a11",
	"a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
	"{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}",
}

// uuidBad are inputs uuid_in rejects.
var uuidBad = []string{
	"",
	"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",   // 31 digits
	"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111", // 33 digits
	"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-", // trailing hyphen
	"-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", // leading hyphen
	"a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11", // two hyphens
	"a0e-ebc99-9c0b-4ef8-bb6d-6bb9bd380a11", // hyphen after 3 digits
	"{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", // no closing brace
	"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", // no opening brace
	"g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",  // not hex
	" a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", // blank
	"{{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}}",
}

func TestParseUUID(t *testing.T) {
	for _, s := range uuidForms {
		u, err := types.ParseUUID(s)
		if err != nil || u != uuidA {
			t.Errorf("ParseUUID(%q) = %v, %v", s, u, err)
		}
	}
	for _, s := range uuidBad {
		if u, err := types.ParseUUID(s); err == nil {
			t.Errorf("ParseUUID(%q) = %v, want an error", s, u)
		}
	}
}

func TestUUIDMethods(t *testing.T) {
	const canon = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
	if s := uuidA.String(); s != canon {
		t.Errorf("String() = %q", s)
	}
	if v, err := uuidA.Value(); err != nil || v != driver.Value(canon) {
		t.Errorf("Value() = %#v, %v", v, err)
	}
	j, err := json.Marshal(map[string]types.UUID{"id": uuidA})
	if err != nil || string(j) != `{"id":"`+canon+`"}` {
		t.Errorf("json.Marshal: %s, %v", j, err)
	}
	var back map[string]types.UUID
	if err := json.Unmarshal(j, &back); err != nil || back["id"] != uuidA {
		t.Errorf("json.Unmarshal: %v, %v", back, err)
	}
	for _, src := range []any{canon, []byte(uuidForms[2]), uuidA[:], uuidA, [16]byte(uuidA)} {
		var u types.UUID
		if err := u.Scan(src); err != nil || u != uuidA {
			t.Errorf("Scan(%#v) = %v, %v", src, u, err)
		}
	}
	var u types.UUID
	if err := u.Scan(nil); !errors.Is(err, types.ErrNull) {
		t.Errorf("Scan(nil) = %v", err)
	}
	for _, src := range []any{"x", []byte{1, 2}, 5} {
		if err := u.Scan(src); err == nil {
			t.Errorf("Scan(%#v) succeeded", src)
		}
	}
}

func TestUUIDCodec(t *testing.T) {
	m := types.Default()
	typ := txType(t, m, types.UUIDOID)
	canon := []byte("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
	for _, v := range []any{uuidA, [16]byte(uuidA), uuidForms[1], uuidForms[4], uuidA[:], []byte(uuidForms[3]), &uuidA} {
		txEncode(t, m, typ, types.BinaryFormat, v, uuidA[:])
		txEncode(t, m, typ, types.TextFormat, v, canon)
	}
	for _, v := range []any{"nope", []byte{1, 2, 3}, 7} {
		if _, _, err := m.EncodeFormat(typ, types.BinaryFormat, v, nil); err == nil {
			t.Errorf("encode %#v succeeded", v)
		}
	}
	for _, in := range []struct {
		f   types.Format
		src []byte
	}{{types.BinaryFormat, uuidA[:]}, {types.TextFormat, canon}, {types.TextFormat, []byte(uuidForms[5])}} {
		var u types.UUID
		if err := m.Scan(typ, in.f, in.src, &u); err != nil || u != uuidA {
			t.Errorf("%s scan into *UUID: %v, %v", in.f, u, err)
		}
		var a [16]byte
		if err := m.Scan(typ, in.f, in.src, &a); err != nil || a != uuidA {
			t.Errorf("%s scan into *[16]byte: %v, %v", in.f, a, err)
		}
		var s string
		if err := m.Scan(typ, in.f, in.src, &s); err != nil || s != string(canon) {
			t.Errorf("%s scan into *string: %v, %v", in.f, s, err)
		}
		var b []byte
		if err := m.Scan(typ, in.f, in.src, &b); err != nil || string(b) != string(uuidA[:]) {
			t.Errorf("%s scan into *[]byte: %x, %v", in.f, b, err)
		}
		var x any
		if err := m.Scan(typ, in.f, in.src, &x); err != nil || x != uuidA {
			t.Errorf("%s scan into *any: %#v, %v", in.f, x, err)
		}
		var p *types.UUID
		if err := m.Scan(typ, in.f, in.src, &p); err != nil || p == nil || *p != uuidA {
			t.Errorf("%s scan into **UUID: %v, %v", in.f, p, err)
		}
		var n sql.Null[types.UUID]
		if err := m.Scan(typ, in.f, in.src, &n); err != nil || !n.Valid || n.V != uuidA {
			t.Errorf("%s scan into sql.Null[UUID]: %v, %v", in.f, n, err)
		}
	}
	var u types.UUID
	if err := m.Scan(typ, types.BinaryFormat, nil, &u); !errors.Is(err, types.ErrNull) {
		t.Errorf("NULL into *UUID: %v", err)
	}
	var p *types.UUID = &uuidA
	if err := m.Scan(typ, types.BinaryFormat, nil, &p); err != nil || p != nil {
		t.Errorf("NULL into **UUID: %v, %v", p, err)
	}
	for _, s := range uuidBad {
		txReject(t, m, typ, types.TextFormat, []byte(s))
	}
	txReject(t, m, typ, types.BinaryFormat, make([]byte, 17))
	txRejectPrefixes(t, m, typ, uuidA[:], func() any { return new(types.UUID) })

	// A uuid text column scans into a *UUID through its Scan method.
	if err := m.Scan(txType(t, m, types.TextOID), types.TextFormat, canon, &u); err != nil || u != uuidA {
		t.Errorf("text into *UUID: %v, %v", u, err)
	}
}

func TestUUIDDecodeAllocs(t *testing.T) {
	m := types.Default()
	typ := txType(t, m, types.UUIDOID)
	text := []byte(uuidA.String())
	var u types.UUID
	for _, c := range []struct {
		f   types.Format
		src []byte
	}{{types.BinaryFormat, uuidA[:]}, {types.TextFormat, text}} {
		if n := testing.AllocsPerRun(100, func() { _ = m.Scan(typ, c.f, c.src, &u) }); n != 0 {
			t.Errorf("%s decode into *UUID: %v allocs", c.f, n)
		}
	}
}
