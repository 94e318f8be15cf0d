package protocol

// EmptyQueryResponse takes the place of CommandComplete when the query
// string was empty.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-EMPTYQUERYRESPONSE
type EmptyQueryResponse struct{}

func (*EmptyQueryResponse) Backend() {}

func (m *EmptyQueryResponse) Encode(dst []byte) ([]byte, error) {
	return append(dst, 'I', 0, 0, 0, 4), nil
}

func (m *EmptyQueryResponse) Decode(body []byte) error {
	d := newDecoder("EmptyQueryResponse", 'I', body)
	return d.finish()
}
