package protocol

// Transaction status indicators carried by ReadyForQuery.
const (
	TxIdle   byte = 'I' // not in a transaction block
	TxActive byte = 'T' // in a transaction block
	TxFailed byte = 'E' // in a failed transaction block
)

// ReadyForQuery says the server is ready for a new query cycle.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-READYFORQUERY
type ReadyForQuery struct {
	TxStatus byte // TxIdle, TxActive or TxFailed
}

func (*ReadyForQuery) Backend() {}

func (m *ReadyForQuery) Encode(dst []byte) ([]byte, error) {
	return append(dst, 'Z', 0, 0, 0, 5, m.TxStatus), nil
}

func (m *ReadyForQuery) Decode(body []byte) error {
	d := newDecoder("ReadyForQuery", 'Z', body)
	m.TxStatus = d.byte1("transaction status")
	if d.err == nil && m.TxStatus != TxIdle && m.TxStatus != TxActive && m.TxStatus != TxFailed {
		d.fail("unknown transaction status %q", m.TxStatus)
	}
	return d.finish()
}
