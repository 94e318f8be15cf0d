package protocol

// AuthenticationMD5Password asks for the password hashed with MD5 and the
// given salt.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONMD5PASSWORD
type AuthenticationMD5Password struct {
	Salt [4]byte
}

func (*AuthenticationMD5Password) Backend() {}

func (m *AuthenticationMD5Password) Encode(dst []byte) ([]byte, error) {
	return append(dst, 'R', 0, 0, 0, 12, 0, 0, 0, authMD5Password,
		m.Salt[0], m.Salt[1], m.Salt[2], m.Salt[3]), nil
}

func (m *AuthenticationMD5Password) Decode(body []byte) error {
	d := newAuthDecoder("AuthenticationMD5Password", body, authMD5Password)
	copy(m.Salt[:], d.bytes(4, "salt"))
	return d.finish()
}
