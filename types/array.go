package types

// ArrayType returns the array type of elem with the given OID.
// PLACEHOLDER: replaced by the array implementation.
func ArrayType(oid uint32, elem *Type) *Type {
	return &Type{Name: "_" + elem.Name, OID: oid, Codec: UnknownCodec{}}
}
