package protocol

import "math"

// NegotiateProtocolVersion says the server does not support the requested
// minor protocol version or some of the requested protocol options
// ("_pq_."-prefixed startup parameters), and which it will use instead.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NEGOTIATEPROTOCOLVERSION
type NegotiateProtocolVersion struct {
	NewestMinorProtocol uint32   // newest minor version the server supports for the requested major version
	UnrecognizedOptions []string // protocol options the server does not recognize
}

func (*NegotiateProtocolVersion) Backend() {}

// Encode refuses an option name containing a NUL byte.
func (m *NegotiateProtocolVersion) Encode(dst []byte) ([]byte, error) {
	if len(m.UnrecognizedOptions) > math.MaxInt32 {
		return dst, invalid("NegotiateProtocolVersion", "%d options do not fit in a message", len(m.UnrecognizedOptions))
	}
	dst, at := beginMessage(dst, 'v')
	dst = appendUint32(dst, m.NewestMinorProtocol)
	dst = appendInt32(dst, int32(len(m.UnrecognizedOptions)))
	var err error
	for _, opt := range m.UnrecognizedOptions {
		if dst, err = appendCString("NegotiateProtocolVersion", dst, opt); err != nil {
			return abort(dst, at, true, err)
		}
	}
	return finishMessage("NegotiateProtocolVersion", dst, at, true)
}

// Decode reuses the UnrecognizedOptions slice. The Int32 option count is
// checked against the body, each option taking at least its NUL byte,
// before anything is allocated for it.
func (m *NegotiateProtocolVersion) Decode(body []byte) error {
	d := newDecoder("NegotiateProtocolVersion", 'v', body)
	m.NewestMinorProtocol = d.uint32("newest minor protocol version")
	n := d.int32("option count")
	if d.err == nil && (n < 0 || int(n) > d.remaining()) {
		d.fail("option count %d with %d bytes left", n, d.remaining())
	}
	m.UnrecognizedOptions = m.UnrecognizedOptions[:0]
	for i := int32(0); i < n && d.err == nil; i++ {
		opt := d.cstring("option name")
		if d.err == nil {
			m.UnrecognizedOptions = append(m.UnrecognizedOptions, opt)
		}
	}
	if err := d.finish(); err != nil {
		m.UnrecognizedOptions = m.UnrecognizedOptions[:0]
		return err
	}
	return nil
}
