package types

// DomainType returns the type of a domain over base: its values are
// base's, in both formats, so the domain reuses base's codec.
// See https://www.postgresql.org/docs/current/domains.html
func DomainType(name string, oid uint32, base *Type) *Type {
	return &Type{Name: name, OID: oid, Codec: DomainCodec{Base: base}}
}

// DomainCodec is the codec of a domain: Base's codec, called with Base as
// the type, so a codec that looks at its type's OID sees the base type's.
// Go types and the natural value are Base's. A domain's wire format is its
// base type's (domain_in and domain_recv call the base type's functions,
// then check the constraints; src/backend/utils/adt/domains.c).
type DomainCodec struct {
	Base *Type
}

// PreferredFormat is the base type's.
func (c DomainCodec) PreferredFormat() Format { return c.Base.Codec.PreferredFormat() }

func (c DomainCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	return c.Base.Codec.Encode(m, c.Base, f, v, buf)
}

func (c DomainCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	return c.Base.Codec.Decode(m, c.Base, f, src, dst)
}

func (c DomainCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return c.Base.Codec.DecodeAny(m, c.Base, f, src)
}
