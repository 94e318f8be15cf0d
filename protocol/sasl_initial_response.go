package protocol

// SASLInitialResponse names the SASL mechanism the client chose and carries
// its first message. Data is nil when the mechanism has no initial response
// (length -1 on the wire), which differs from an empty one.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-SASLINITIALRESPONSE
type SASLInitialResponse struct {
	Mechanism string // e.g. "SCRAM-SHA-256"
	Data      []byte
}

func (*SASLInitialResponse) Frontend() {}

func (m *SASLInitialResponse) Encode(dst []byte) ([]byte, error) {
	dst, at := beginMessage(dst, 'p')
	dst, err := appendCString("SASLInitialResponse", dst, m.Mechanism)
	if err != nil {
		return abort(dst, at, true, err)
	}
	if dst, err = appendValue("SASLInitialResponse", dst, m.Data); err != nil {
		return abort(dst, at, true, err)
	}
	return finishMessage("SASLInitialResponse", dst, at, true)
}

// Decode keeps a reference to body in Data.
func (m *SASLInitialResponse) Decode(body []byte) error {
	d := newDecoder("SASLInitialResponse", 'p', body)
	m.Mechanism = d.cstring("mechanism")
	m.Data = d.value("initial response")
	return d.finish()
}
