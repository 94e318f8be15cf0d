package protocol

// GSSResponse carries a GSSAPI or SSPI token.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-GSSRESPONSE
type GSSResponse struct {
	Data []byte
}

func (*GSSResponse) Frontend() {}

func (m *GSSResponse) Encode(dst []byte) ([]byte, error) {
	dst, at := beginMessage(dst, 'p')
	dst = append(dst, m.Data...)
	return finishMessage("GSSResponse", dst, at, true)
}

// Decode keeps a reference to body.
func (m *GSSResponse) Decode(body []byte) error {
	m.Data = body
	return nil
}
