package protocol

// AuthenticationKerberosV5 asks for Kerberos V5 authentication, which
// servers no longer support.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONKERBEROSV5
type AuthenticationKerberosV5 struct{}

func (*AuthenticationKerberosV5) Backend() {}

func (m *AuthenticationKerberosV5) Encode(dst []byte) ([]byte, error) {
	return append(dst, 'R', 0, 0, 0, 8, 0, 0, 0, authKerberosV5), nil
}

func (m *AuthenticationKerberosV5) Decode(body []byte) error {
	d := newAuthDecoder("AuthenticationKerberosV5", body, authKerberosV5)
	return d.finish()
}
