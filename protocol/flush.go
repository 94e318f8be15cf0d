package protocol

// Flush asks the server to send the output it has buffered so far, without
// ending the extended-query cycle as Sync does.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-FLUSH
type Flush struct{}

func (*Flush) Frontend() {}

func (m *Flush) Encode(dst []byte) ([]byte, error) { return append(dst, 'H', 0, 0, 0, 4), nil }

func (m *Flush) Decode(body []byte) error {
	d := newDecoder("Flush", 'H', body)
	return d.finish()
}
