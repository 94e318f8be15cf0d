package protocol

// AuthenticationSSPI asks the client to start an SSPI exchange.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONSSPI
type AuthenticationSSPI struct{}

func (*AuthenticationSSPI) Backend() {}

func (m *AuthenticationSSPI) Encode(dst []byte) ([]byte, error) {
	return append(dst, 'R', 0, 0, 0, 8, 0, 0, 0, authSSPI), nil
}

func (m *AuthenticationSSPI) Decode(body []byte) error {
	d := newAuthDecoder("AuthenticationSSPI", body, authSSPI)
	return d.finish()
}
