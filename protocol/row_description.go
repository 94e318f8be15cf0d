package protocol

// RowDescription describes the columns of the rows that follow.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-ROWDESCRIPTION
type RowDescription struct {
	Fields []FieldDescription
}

// FieldDescription describes one column of a RowDescription.
type FieldDescription struct {
	Name                 []byte
	TableOID             uint32 // 0 when the column is not a table column
	TableAttributeNumber uint16 // 0 when the column is not a table column
	DataTypeOID          uint32
	DataTypeSize         int16 // pg_type.typlen; negative for variable width
	TypeModifier         int32 // pg_attribute.atttypmod; -1 when none
	Format               int16 // 0 text, 1 binary
}

// minFieldDescriptionLen is the wire size of a FieldDescription with an
// empty name: the NUL, then 4+2+4+2+4+2 bytes of fixed fields.
const minFieldDescriptionLen = 19

func (*RowDescription) Backend() {}

// Encode refuses more than 32767 fields and a format other than 0 or 1.
func (m *RowDescription) Encode(dst []byte) ([]byte, error) {
	if err := checkCount16("RowDescription", "fields", len(m.Fields)); err != nil {
		return dst, err
	}
	dst, at := beginMessage(dst, 'T')
	dst = appendUint16(dst, uint16(len(m.Fields)))
	var err error
	for i := range m.Fields {
		f := &m.Fields[i]
		if f.Format != 0 && f.Format != 1 {
			return abort(dst, at, true, invalid("RowDescription", "field %d has format %d; want 0 (text) or 1 (binary)", i, f.Format))
		}
		if dst, err = appendCStringBytes("RowDescription", dst, f.Name); err != nil {
			return abort(dst, at, true, err)
		}
		dst = appendUint32(dst, f.TableOID)
		dst = appendUint16(dst, f.TableAttributeNumber)
		dst = appendUint32(dst, f.DataTypeOID)
		dst = appendInt16(dst, f.DataTypeSize)
		dst = appendInt32(dst, f.TypeModifier)
		dst = appendInt16(dst, f.Format)
	}
	return finishMessage("RowDescription", dst, at, true)
}

// Decode reuses the Fields slice when it is large enough. Field names alias
// body.
func (m *RowDescription) Decode(body []byte) error {
	d := newDecoder("RowDescription", 'T', body)
	n := d.count("field count", minFieldDescriptionLen)
	if cap(m.Fields) >= n {
		m.Fields = m.Fields[:n]
	} else {
		m.Fields = make([]FieldDescription, n)
	}
	for i := range n {
		f := &m.Fields[i]
		f.Name = d.cstringBytes("field name")
		f.TableOID = d.uint32("table OID")
		f.TableAttributeNumber = d.uint16("column attribute number")
		f.DataTypeOID = d.uint32("data type OID")
		f.DataTypeSize = d.int16("data type size")
		f.TypeModifier = d.int32("type modifier")
		f.Format = d.formatCode("format code")
	}
	if err := d.finish(); err != nil {
		m.Fields = m.Fields[:0]
		return err
	}
	return nil
}
