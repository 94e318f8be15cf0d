package protocol

// AuthenticationGSS asks the client to start a GSSAPI exchange.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONGSS
type AuthenticationGSS struct{}

func (*AuthenticationGSS) Backend() {}

func (m *AuthenticationGSS) Encode(dst []byte) ([]byte, error) {
	return append(dst, 'R', 0, 0, 0, 8, 0, 0, 0, authGSS), nil
}

func (m *AuthenticationGSS) Decode(body []byte) error {
	d := newAuthDecoder("AuthenticationGSS", body, authGSS)
	return d.finish()
}
