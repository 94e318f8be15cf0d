package protocol

// Parse creates a prepared statement from one SQL statement. An empty Name
// is the unnamed statement. ParameterOIDs gives the types of the first
// parameters; an OID of 0 or a missing entry leaves a type to the server.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PARSE
type Parse struct {
	Name          string
	Query         string
	ParameterOIDs []uint32
}

func (*Parse) Frontend() {}

func (m *Parse) Encode(dst []byte) ([]byte, error) {
	if err := checkCount16("Parse", "parameter types", len(m.ParameterOIDs)); err != nil {
		return dst, err
	}
	dst, at := beginMessage(dst, 'P')
	dst, err := appendCString("Parse", dst, m.Name)
	if err != nil {
		return abort(dst, at, true, err)
	}
	if dst, err = appendCString("Parse", dst, m.Query); err != nil {
		return abort(dst, at, true, err)
	}
	dst = appendUint16(dst, uint16(len(m.ParameterOIDs)))
	for _, oid := range m.ParameterOIDs {
		dst = appendUint32(dst, oid)
	}
	return finishMessage("Parse", dst, at, true)
}

// Decode reuses the ParameterOIDs slice when it is large enough.
func (m *Parse) Decode(body []byte) error {
	d := newDecoder("Parse", 'P', body)
	m.Name = d.cstring("statement name")
	m.Query = d.cstring("query string")
	n := d.count("parameter type count", 4)
	m.ParameterOIDs = m.ParameterOIDs[:0]
	for range n {
		m.ParameterOIDs = append(m.ParameterOIDs, d.uint32("parameter type"))
	}
	return d.finish()
}
