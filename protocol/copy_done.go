package protocol

// CopyDone ends the data of a COPY, in either direction.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYDONE
type CopyDone struct{}

func (*CopyDone) Frontend() {}
func (*CopyDone) Backend()  {}

func (m *CopyDone) Encode(dst []byte) ([]byte, error) { return append(dst, 'c', 0, 0, 0, 4), nil }

func (m *CopyDone) Decode(body []byte) error {
	d := newDecoder("CopyDone", 'c', body)
	return d.finish()
}
