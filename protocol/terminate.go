package protocol

// Terminate ends the session; the client closes the connection after
// sending it.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-TERMINATE
type Terminate struct{}

func (*Terminate) Frontend() {}

func (m *Terminate) Encode(dst []byte) ([]byte, error) { return append(dst, 'X', 0, 0, 0, 4), nil }

func (m *Terminate) Decode(body []byte) error {
	d := newDecoder("Terminate", 'X', body)
	return d.finish()
}
