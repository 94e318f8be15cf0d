package protocol

// StartupParameter is one name/value pair of a StartupMessage, such as
// user, database, application_name or options.
type StartupParameter struct {
	Name  string
	Value string
}

// StartupMessage opens a session: the protocol version the client speaks and
// the run-time parameters it asks for, in the order given. It has no type
// byte.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-STARTUPMESSAGE
type StartupMessage struct {
	ProtocolVersion uint32 // e.g. ProtocolVersion30
	Parameters      []StartupParameter
}

func (*StartupMessage) Frontend() {}

// Encode refuses an empty parameter name, which the server would read as the
// end of the list, and a version that is one of the request codes.
func (m *StartupMessage) Encode(dst []byte) ([]byte, error) {
	if isRequestCode(m.ProtocolVersion) {
		return dst, invalid("StartupMessage", "protocol version %d is a request code", m.ProtocolVersion)
	}
	dst, at := beginUntyped(dst)
	dst = appendUint32(dst, m.ProtocolVersion)
	var err error
	for i, p := range m.Parameters {
		if p.Name == "" {
			return abort(dst, at, false, invalid("StartupMessage", "parameter %d has an empty name", i))
		}
		if dst, err = appendCString("StartupMessage", dst, p.Name); err != nil {
			return abort(dst, at, false, err)
		}
		if dst, err = appendCString("StartupMessage", dst, p.Value); err != nil {
			return abort(dst, at, false, err)
		}
	}
	dst = append(dst, 0)
	return finishMessage("StartupMessage", dst, at, false)
}

// Decode reads parameters up to the empty name that ends the list; that
// terminator must be the last byte of the body. Decode reuses the Parameters
// slice when it is large enough.
func (m *StartupMessage) Decode(body []byte) error {
	d := newDecoder("StartupMessage", 0, body)
	m.ProtocolVersion = d.uint32("protocol version")
	if d.err == nil && isRequestCode(m.ProtocolVersion) {
		d.fail("protocol version %d is a request code", m.ProtocolVersion)
	}
	m.Parameters = m.Parameters[:0]
	for d.err == nil {
		name := d.cstring("parameter name")
		if d.err != nil {
			break
		}
		if name == "" {
			// The terminator; an empty name anywhere else is refused.
			if d.remaining() != 0 {
				d.fail("empty parameter name at offset %d followed by %d bytes", d.off-1, d.remaining())
			}
			break
		}
		value := d.cstring("parameter value")
		m.Parameters = append(m.Parameters, StartupParameter{Name: name, Value: value})
	}
	return d.finish()
}

// isRequestCode reports whether v, read where a protocol version goes, is
// one of the request codes (major version 1234) that SSLRequest,
// GSSENCRequest and CancelRequest carry instead.
func isRequestCode(v uint32) bool { return v>>16 == 1234 }
