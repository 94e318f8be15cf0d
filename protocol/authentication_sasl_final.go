package protocol

// AuthenticationSASLFinal carries the outcome of a SASL exchange (for SCRAM,
// the server-final-message). AuthenticationOk follows.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONSASLFINAL
type AuthenticationSASLFinal struct {
	Data []byte
}

func (*AuthenticationSASLFinal) Backend() {}

func (m *AuthenticationSASLFinal) Encode(dst []byte) ([]byte, error) {
	return encodeAuthData("AuthenticationSASLFinal", dst, authSASLFinal, m.Data)
}

// Decode keeps a reference to body in Data.
func (m *AuthenticationSASLFinal) Decode(body []byte) error {
	d := newAuthDecoder("AuthenticationSASLFinal", body, authSASLFinal)
	m.Data = d.rest()
	return d.finish()
}
