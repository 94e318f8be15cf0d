package protocol

// SSLRequest asks the server to switch the connection to TLS. The server
// answers with a single byte, 'S' or 'N', not with a message. It has no type
// byte.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-SSLREQUEST
type SSLRequest struct{}

func (*SSLRequest) Frontend() {}

func (m *SSLRequest) Encode(dst []byte) ([]byte, error) {
	return appendUint32(append(dst, 0, 0, 0, 8), sslRequestCode), nil
}

func (m *SSLRequest) Decode(body []byte) error {
	d := newDecoder("SSLRequest", 0, body)
	if code := d.uint32("request code"); d.err == nil && code != sslRequestCode {
		d.fail("request code %d, want %d", code, sslRequestCode)
	}
	return d.finish()
}
