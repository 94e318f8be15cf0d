package protocol

// AuthenticationCleartextPassword asks for the password in clear text.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONCLEARTEXTPASSWORD
type AuthenticationCleartextPassword struct{}

func (*AuthenticationCleartextPassword) Backend() {}

func (m *AuthenticationCleartextPassword) Encode(dst []byte) ([]byte, error) {
	return append(dst, 'R', 0, 0, 0, 8, 0, 0, 0, authCleartextPassword), nil
}

func (m *AuthenticationCleartextPassword) Decode(body []byte) error {
	d := newAuthDecoder("AuthenticationCleartextPassword", body, authCleartextPassword)
	return d.finish()
}
