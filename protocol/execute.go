package protocol

// Execute runs a portal. An empty Portal is the unnamed portal. MaxRows
// limits the rows returned before the portal is suspended; 0 means no
// limit.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-EXECUTE
type Execute struct {
	Portal  string
	MaxRows uint32
}

func (*Execute) Frontend() {}

func (m *Execute) Encode(dst []byte) ([]byte, error) {
	dst, at := beginMessage(dst, 'E')
	dst, err := appendCString("Execute", dst, m.Portal)
	if err != nil {
		return abort(dst, at, true, err)
	}
	dst = appendUint32(dst, m.MaxRows)
	return finishMessage("Execute", dst, at, true)
}

func (m *Execute) Decode(body []byte) error {
	d := newDecoder("Execute", 'E', body)
	m.Portal = d.cstring("portal name")
	m.MaxRows = d.uint32("maximum rows")
	return d.finish()
}
