package protocol

// ParameterDescription gives the data type OIDs of the parameters of a
// prepared statement, in answer to Describe.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PARAMETERDESCRIPTION
type ParameterDescription struct {
	ParameterOIDs []uint32
}

func (*ParameterDescription) Backend() {}

// Encode refuses more than 65535 parameters.
//
// The specification gives the parameter count as an Int16, but the server
// reads and writes it unsigned: a statement may have up to 65535
// parameters, so the count is treated as a uint16 in both directions.
func (m *ParameterDescription) Encode(dst []byte) ([]byte, error) {
	if err := checkCount16("ParameterDescription", "parameters", len(m.ParameterOIDs)); err != nil {
		return dst, err
	}
	dst, at := beginMessage(dst, 't')
	dst = appendUint16(dst, uint16(len(m.ParameterOIDs)))
	for _, oid := range m.ParameterOIDs {
		dst = appendUint32(dst, oid)
	}
	return finishMessage("ParameterDescription", dst, at, true)
}

// Decode reuses the ParameterOIDs slice when it is large enough.
func (m *ParameterDescription) Decode(body []byte) error {
	d := newDecoder("ParameterDescription", 't', body)
	n := int(d.uint16("parameter count"))
	if d.err == nil && n*4 != d.remaining() {
		d.fail("parameter count %d needs %d bytes, have %d", n, n*4, d.remaining())
	}
	if d.err != nil {
		n = 0
	}
	if cap(m.ParameterOIDs) >= n {
		m.ParameterOIDs = m.ParameterOIDs[:n]
	} else {
		m.ParameterOIDs = make([]uint32, n)
	}
	for i := range n {
		m.ParameterOIDs[i] = d.uint32("parameter type OID")
	}
	if err := d.finish(); err != nil {
		m.ParameterOIDs = m.ParameterOIDs[:0]
		return err
	}
	return nil
}
