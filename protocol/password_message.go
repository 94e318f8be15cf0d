package protocol

// PasswordMessage carries a password, cleartext or MD5-hashed as the
// server's authentication request asked. It shares the type byte 'p' with
// SASLInitialResponse, SASLResponse and GSSResponse; the receiver tells them
// apart by the authentication exchange in progress.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PASSWORDMESSAGE
type PasswordMessage struct {
	Password string
}

func (*PasswordMessage) Frontend() {}

func (m *PasswordMessage) Encode(dst []byte) ([]byte, error) {
	dst, at := beginMessage(dst, 'p')
	dst, err := appendCString("PasswordMessage", dst, m.Password)
	if err != nil {
		return abort(dst, at, true, err)
	}
	return finishMessage("PasswordMessage", dst, at, true)
}

func (m *PasswordMessage) Decode(body []byte) error {
	d := newDecoder("PasswordMessage", 'p', body)
	m.Password = d.cstring("password")
	return d.finish()
}
