package protocol

// AuthenticationSCMCredential asks for an SCM credentials message, which
// servers no longer support.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONSCMCREDENTIAL
type AuthenticationSCMCredential struct{}

func (*AuthenticationSCMCredential) Backend() {}

func (m *AuthenticationSCMCredential) Encode(dst []byte) ([]byte, error) {
	return append(dst, 'R', 0, 0, 0, 8, 0, 0, 0, authSCMCredential), nil
}

func (m *AuthenticationSCMCredential) Decode(body []byte) error {
	d := newAuthDecoder("AuthenticationSCMCredential", body, authSCMCredential)
	return d.finish()
}
