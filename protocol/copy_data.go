package protocol

// CopyData carries COPY data in either direction.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYDATA
type CopyData struct {
	Data []byte
}

func (*CopyData) Frontend() {}
func (*CopyData) Backend()  {}

func (m *CopyData) Encode(dst []byte) ([]byte, error) {
	dst, at := beginMessage(dst, 'd')
	dst = append(dst, m.Data...)
	return finishMessage("CopyData", dst, at, true)
}

// Decode keeps a reference to body.
func (m *CopyData) Decode(body []byte) error {
	m.Data = body
	return nil
}
