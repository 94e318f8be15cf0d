package protocol

// BindComplete acknowledges a Bind.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-BINDCOMPLETE
type BindComplete struct{}

func (*BindComplete) Backend() {}

func (m *BindComplete) Encode(dst []byte) ([]byte, error) {
	return append(dst, '2', 0, 0, 0, 4), nil
}

func (m *BindComplete) Decode(body []byte) error {
	d := newDecoder("BindComplete", '2', body)
	return d.finish()
}
