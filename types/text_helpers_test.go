package types_test

import (
	"bytes"
	"testing"

	"github.com/pgmoon-go/pgmoon/types"
)

// Helpers of the text, bytea, uuid, json and hstore tests.

// txType returns the type registered for oid in m.
func txType(t testing.TB, m *types.Map, oid uint32) *types.Type {
	t.Helper()
	typ, ok := m.TypeForOID(oid)
	if !ok {
		t.Fatalf("no type for oid %d", oid)
	}
	return typ
}

// txEncode encodes v as typ in format f and checks the bytes.
func txEncode(t *testing.T, m *types.Map, typ *types.Type, f types.Format, v any, want []byte) {
	t.Helper()
	got, null, err := m.EncodeFormat(typ, f, v, nil)
	if err != nil {
		t.Errorf("encode %T %v as %s %s: %v", v, v, typ.Name, f, err)
		return
	}
	if null {
		t.Errorf("encode %T %v as %s %s: NULL", v, v, typ.Name, f)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("encode %T %v as %s %s:\n got %q\nwant %q", v, v, typ.Name, f, got, want)
	}
}

// txRejectPrefixes requires every strict prefix of src, a valid binary
// value, to be rejected with an error (not a panic), scanned into *any
// and into what newDst returns.
func txRejectPrefixes(t *testing.T, m *types.Map, typ *types.Type, src []byte, newDst func() any) {
	t.Helper()
	for n := range len(src) {
		p := src[:n:n]
		var a any
		if err := m.Scan(typ, types.BinaryFormat, p, &a); err == nil {
			t.Errorf("%s: prefix %x of %x scanned into *any: %#v", typ.Name, p, src, a)
		}
		if newDst != nil {
			d := newDst()
			if err := m.Scan(typ, types.BinaryFormat, p, d); err == nil {
				t.Errorf("%s: prefix %x of %x scanned into %T", typ.Name, p, src, d)
			}
		}
	}
}

// txReject requires src in format f to be rejected, scanned into *any.
func txReject(t *testing.T, m *types.Map, typ *types.Type, f types.Format, src []byte) {
	t.Helper()
	var a any
	if err := m.Scan(typ, f, src, &a); err == nil {
		t.Errorf("%s %s %q scanned into *any: %#v", typ.Name, f, src, a)
	}
}

func txPtr[T any](v T) *T { return &v }

// txSendCase is a value whose binary encoding must be byte for byte what
// the type's send function gives for the literal: the check of binary
// parameters while the harness sends only text ones.
type txSendCase struct {
	Type, Literal string
	Value         any
}

func txCheckSend(t *testing.T, cases []txSendCase) {
	t.Helper()
	conn := rtConn(t)
	m := types.NewMap()
	for _, c := range cases {
		oid, sendFn := rtTypeInfo(t, conn, c.Type)
		typ := m.TypeOrUnknown(oid)
		want := rtSelect(t, conn, rtCase{Type: c.Type, Literal: c.Literal}, types.BinaryFormat, sendFn)
		got, null, err := m.EncodeFormat(typ, types.BinaryFormat, c.Value, nil)
		if err != nil || null || !bytes.Equal(got, want) {
			t.Errorf("%s %s: binary encoding of %T %.40v is %.80q (null %v, %v), %s gives %.80q",
				c.Type, c.Literal, c.Value, c.Value, got, null, err, sendFn, want)
		}
	}
}
