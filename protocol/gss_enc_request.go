package protocol

// GSSENCRequest asks the server to switch the connection to GSSAPI
// encryption. The server answers with a single byte, 'G' or 'N', not with a
// message. It has no type byte.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-GSSENCREQUEST
type GSSENCRequest struct{}

func (*GSSENCRequest) Frontend() {}

func (m *GSSENCRequest) Encode(dst []byte) ([]byte, error) {
	return appendUint32(append(dst, 0, 0, 0, 8), gssEncRequestCode), nil
}

func (m *GSSENCRequest) Decode(body []byte) error {
	d := newDecoder("GSSENCRequest", 0, body)
	if code := d.uint32("request code"); d.err == nil && code != gssEncRequestCode {
		d.fail("request code %d, want %d", code, gssEncRequestCode)
	}
	return d.finish()
}
