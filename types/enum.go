package types

// EnumCodec is the codec of enum types, which the catalog defines at run
// time. Both formats carry the label's text (enum_in/enum_out and
// enum_recv/enum_send in src/backend/utils/adt/enum.c); the server
// rejects a label the enum does not have. Go types: string, []byte. The
// natural value is the label as a string.
// See https://www.postgresql.org/docs/current/datatype-enum.html
type EnumCodec struct{}

// PreferredFormat is binary, which is the same text.
func (EnumCodec) PreferredFormat() Format { return BinaryFormat }

func (EnumCodec) Encode(m *Map, t *Type, f Format, v any, buf []byte) ([]byte, error) {
	if out, ok := appendStringOrBytes(buf, v); ok {
		return out, nil
	}
	return buf, unsupportedValue(v, f)
}

func (EnumCodec) Decode(m *Map, t *Type, f Format, src []byte, dst any) error {
	return scanText(src, dst)
}

func (EnumCodec) DecodeAny(m *Map, t *Type, f Format, src []byte) (any, error) {
	return string(src), nil
}
