package protocol

// CloseComplete acknowledges a Close.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-CLOSECOMPLETE
type CloseComplete struct{}

func (*CloseComplete) Backend() {}

func (m *CloseComplete) Encode(dst []byte) ([]byte, error) {
	return append(dst, '3', 0, 0, 0, 4), nil
}

func (m *CloseComplete) Decode(body []byte) error {
	d := newDecoder("CloseComplete", '3', body)
	return d.finish()
}
