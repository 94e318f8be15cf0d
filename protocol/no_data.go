package protocol

// NoData answers a Describe of a statement or portal that returns no rows.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NODATA
type NoData struct{}

func (*NoData) Backend() {}

func (m *NoData) Encode(dst []byte) ([]byte, error) {
	return append(dst, 'n', 0, 0, 0, 4), nil
}

func (m *NoData) Decode(body []byte) error {
	d := newDecoder("NoData", 'n', body)
	return d.finish()
}
