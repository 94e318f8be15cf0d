package types

// register adds a built-in type to m, with its array type when arrayOID is
// not zero.
func register(m *Map, name string, oid, arrayOID uint32, c Codec) *Type {
	t := &Type{Name: name, OID: oid, Codec: c}
	m.Register(t)
	if arrayOID != 0 {
		arrayOIDs[oid] = arrayOID
	}
	return t
}

// mustType returns the type registered for oid; for derived types, whose
// elements are registered first.
func mustType(m *Map, oid uint32) *Type {
	t, ok := m.TypeForOID(oid)
	if !ok {
		panic("types: built-in element type missing")
	}
	return t
}
