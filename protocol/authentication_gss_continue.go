package protocol

// AuthenticationGSSContinue carries the server's next token of a GSSAPI or
// SSPI exchange.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONGSSCONTINUE
type AuthenticationGSSContinue struct {
	Data []byte
}

func (*AuthenticationGSSContinue) Backend() {}

func (m *AuthenticationGSSContinue) Encode(dst []byte) ([]byte, error) {
	return encodeAuthData("AuthenticationGSSContinue", dst, authGSSContinue, m.Data)
}

// Decode keeps a reference to body in Data.
func (m *AuthenticationGSSContinue) Decode(body []byte) error {
	d := newAuthDecoder("AuthenticationGSSContinue", body, authGSSContinue)
	m.Data = d.rest()
	return d.finish()
}
