package protocol

// Sync ends an extended-query cycle: the server commits or rolls back an
// implicit transaction, leaves error recovery and answers ReadyForQuery.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-SYNC
type Sync struct{}

func (*Sync) Frontend() {}

func (m *Sync) Encode(dst []byte) ([]byte, error) { return append(dst, 'S', 0, 0, 0, 4), nil }

func (m *Sync) Decode(body []byte) error {
	d := newDecoder("Sync", 'S', body)
	return d.finish()
}
