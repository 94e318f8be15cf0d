package protocol

// AuthenticationOk says that authentication succeeded.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONOK
type AuthenticationOk struct{}

func (*AuthenticationOk) Backend() {}

func (m *AuthenticationOk) Encode(dst []byte) ([]byte, error) {
	return append(dst, 'R', 0, 0, 0, 8, 0, 0, 0, authOk), nil
}

func (m *AuthenticationOk) Decode(body []byte) error {
	d := newAuthDecoder("AuthenticationOk", body, authOk)
	return d.finish()
}
