package protocol

// BackendKeyData gives the process ID and secret key a client needs to send
// a CancelRequest for this session later.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-BACKENDKEYDATA
type BackendKeyData struct {
	ProcessID uint32
	SecretKey []byte // 4 bytes in protocol 3.0, up to 256 in 3.2
}

func (*BackendKeyData) Backend() {}

// Encode refuses a secret key shorter than 4 or longer than 256 bytes.
func (m *BackendKeyData) Encode(dst []byte) ([]byte, error) {
	if err := checkSecretKey("BackendKeyData", m.SecretKey); err != nil {
		return dst, err
	}
	dst, at := beginMessage(dst, 'K')
	dst = appendUint32(dst, m.ProcessID)
	dst = append(dst, m.SecretKey...)
	return finishMessage("BackendKeyData", dst, at, true)
}

// Decode keeps a reference to body in SecretKey. The key runs to the end of
// the message and must be 4 to 256 bytes long.
func (m *BackendKeyData) Decode(body []byte) error {
	d := newDecoder("BackendKeyData", 'K', body)
	m.ProcessID = d.uint32("process ID")
	m.SecretKey = d.secretKey()
	return d.finish()
}
