package protocol

// SASLResponse carries a further message of a SASL exchange, such as the
// SCRAM client-final-message.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-SASLRESPONSE
type SASLResponse struct {
	Data []byte
}

func (*SASLResponse) Frontend() {}

func (m *SASLResponse) Encode(dst []byte) ([]byte, error) {
	dst, at := beginMessage(dst, 'p')
	dst = append(dst, m.Data...)
	return finishMessage("SASLResponse", dst, at, true)
}

// Decode keeps a reference to body.
func (m *SASLResponse) Decode(body []byte) error {
	m.Data = body
	return nil
}
