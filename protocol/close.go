package protocol

// Close closes a prepared statement or a portal. An empty Name is the
// unnamed statement or portal. Closing one that does not exist is not an
// error.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-CLOSE
type Close struct {
	ObjectType byte // ObjectStatement or ObjectPortal
	Name       string
}

func (*Close) Frontend() {}

// Encode refuses an ObjectType other than ObjectStatement or ObjectPortal.
func (m *Close) Encode(dst []byte) ([]byte, error) {
	if m.ObjectType != ObjectStatement && m.ObjectType != ObjectPortal {
		return dst, invalid("Close", "object type %q; want 'S' or 'P'", m.ObjectType)
	}
	dst, at := beginMessage(dst, 'C')
	dst = append(dst, m.ObjectType)
	dst, err := appendCString("Close", dst, m.Name)
	if err != nil {
		return abort(dst, at, true, err)
	}
	return finishMessage("Close", dst, at, true)
}

func (m *Close) Decode(body []byte) error {
	d := newDecoder("Close", 'C', body)
	m.ObjectType = d.byte1("object type")
	if d.err == nil && m.ObjectType != ObjectStatement && m.ObjectType != ObjectPortal {
		d.fail("object type %q; want 'S' or 'P'", m.ObjectType)
	}
	m.Name = d.cstring("name")
	return d.finish()
}
