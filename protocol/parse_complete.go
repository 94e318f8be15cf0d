package protocol

// ParseComplete acknowledges a Parse.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PARSECOMPLETE
type ParseComplete struct{}

func (*ParseComplete) Backend() {}

func (m *ParseComplete) Encode(dst []byte) ([]byte, error) {
	return append(dst, '1', 0, 0, 0, 4), nil
}

func (m *ParseComplete) Decode(body []byte) error {
	d := newDecoder("ParseComplete", '1', body)
	return d.finish()
}
