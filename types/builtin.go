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
