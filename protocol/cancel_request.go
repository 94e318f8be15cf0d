package protocol

// Bounds on the secret key of a CancelRequest (and of BackendKeyData):
// protocol 3.0 uses 4 bytes, protocol 3.2 allows up to 256.
const (
	cancelKeyMinLen = 4
	cancelKeyMaxLen = 256
)

// CancelRequest asks the server to cancel the query running on another
// connection, identified by the process ID and secret key that connection
// received in BackendKeyData. It is sent on a new connection, has no type
// byte and gets no reply.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-CANCELREQUEST
type CancelRequest struct {
	ProcessID uint32
	SecretKey []byte // 4 bytes in protocol 3.0, up to 256 in 3.2
}

func (*CancelRequest) Frontend() {}

// Encode refuses a secret key shorter than 4 or longer than 256 bytes.
func (m *CancelRequest) Encode(dst []byte) ([]byte, error) {
	if err := checkSecretKey("CancelRequest", m.SecretKey); err != nil {
		return dst, err
	}
	dst, at := beginUntyped(dst)
	dst = appendUint32(dst, cancelRequestCode)
	dst = appendUint32(dst, m.ProcessID)
	dst = append(dst, m.SecretKey...)
	return finishMessage("CancelRequest", dst, at, false)
}

// Decode keeps a reference to body in SecretKey.
func (m *CancelRequest) Decode(body []byte) error {
	d := newDecoder("CancelRequest", 0, body)
	if code := d.uint32("request code"); d.err == nil && code != cancelRequestCode {
		d.fail("request code %d, want %d", code, cancelRequestCode)
	}
	m.ProcessID = d.uint32("process ID")
	m.SecretKey = d.secretKey()
	return d.finish()
}

// checkSecretKey checks a secret key's length before encoding.
func checkSecretKey(name string, key []byte) error {
	if n := len(key); n < cancelKeyMinLen || n > cancelKeyMaxLen {
		return invalid(name, "secret key of %d bytes; want %d to %d", n, cancelKeyMinLen, cancelKeyMaxLen)
	}
	return nil
}

// secretKey reads a secret key, which runs to the end of the body, and
// checks its length.
func (d *decoder) secretKey() []byte {
	key := d.rest()
	if n := len(key); d.err == nil && (n < cancelKeyMinLen || n > cancelKeyMaxLen) {
		d.fail("secret key of %d bytes; want %d to %d", n, cancelKeyMinLen, cancelKeyMaxLen)
	}
	return key
}
