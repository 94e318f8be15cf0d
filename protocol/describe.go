package protocol

// Kinds of object named by Describe and Close.
const (
	ObjectStatement byte = 'S' // a prepared statement
	ObjectPortal    byte = 'P' // a portal
)

// Describe asks for the description of a prepared statement (its parameter
// types and result columns) or of a portal (its result columns). An empty
// Name is the unnamed statement or portal.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-DESCRIBE
type Describe struct {
	ObjectType byte // ObjectStatement or ObjectPortal
	Name       string
}

func (*Describe) Frontend() {}

// Encode refuses an ObjectType other than ObjectStatement or ObjectPortal.
func (m *Describe) Encode(dst []byte) ([]byte, error) {
	if m.ObjectType != ObjectStatement && m.ObjectType != ObjectPortal {
		return dst, invalid("Describe", "object type %q; want 'S' or 'P'", m.ObjectType)
	}
	dst, at := beginMessage(dst, 'D')
	dst = append(dst, m.ObjectType)
	dst, err := appendCString("Describe", dst, m.Name)
	if err != nil {
		return abort(dst, at, true, err)
	}
	return finishMessage("Describe", dst, at, true)
}

func (m *Describe) Decode(body []byte) error {
	d := newDecoder("Describe", 'D', body)
	m.ObjectType = d.byte1("object type")
	if d.err == nil && m.ObjectType != ObjectStatement && m.ObjectType != ObjectPortal {
		d.fail("object type %q; want 'S' or 'P'", m.ObjectType)
	}
	m.Name = d.cstring("name")
	return d.finish()
}
