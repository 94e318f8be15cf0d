package protocol

// CopyFail aborts a COPY FROM STDIN; the server fails the COPY command with
// Message as the error text.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYFAIL
type CopyFail struct {
	Message string
}

func (*CopyFail) Frontend() {}

func (m *CopyFail) Encode(dst []byte) ([]byte, error) {
	dst, at := beginMessage(dst, 'f')
	dst, err := appendCString("CopyFail", dst, m.Message)
	if err != nil {
		return abort(dst, at, true, err)
	}
	return finishMessage("CopyFail", dst, at, true)
}

func (m *CopyFail) Decode(body []byte) error {
	d := newDecoder("CopyFail", 'f', body)
	m.Message = d.cstring("error message")
	return d.finish()
}
