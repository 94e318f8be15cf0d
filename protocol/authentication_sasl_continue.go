package protocol

// AuthenticationSASLContinue carries the server's challenge in a SASL
// exchange (for SCRAM, the server-first-message).
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONSASLCONTINUE
type AuthenticationSASLContinue struct {
	Data []byte
}

func (*AuthenticationSASLContinue) Backend() {}

func (m *AuthenticationSASLContinue) Encode(dst []byte) ([]byte, error) {
	return encodeAuthData("AuthenticationSASLContinue", dst, authSASLContinue, m.Data)
}

// Decode keeps a reference to body in Data.
func (m *AuthenticationSASLContinue) Decode(body []byte) error {
	d := newAuthDecoder("AuthenticationSASLContinue", body, authSASLContinue)
	m.Data = d.rest()
	return d.finish()
}
