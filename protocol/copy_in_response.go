package protocol

// CopyInResponse says the server is ready to receive COPY FROM STDIN data
// as CopyData messages, ended by CopyDone or CopyFail.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYINRESPONSE
type CopyInResponse struct {
	OverallFormat byte    // 0 text, 1 binary
	ColumnFormats []int16 // 0 text, 1 binary; all 0 when OverallFormat is 0
}

func (*CopyInResponse) Backend() {}

// Encode refuses formats other than 0 and 1.
func (m *CopyInResponse) Encode(dst []byte) ([]byte, error) {
	return encodeCopyResponse("CopyInResponse", 'G', dst, m.OverallFormat, m.ColumnFormats)
}

// Decode reuses the ColumnFormats slice when it is large enough.
func (m *CopyInResponse) Decode(body []byte) error {
	var err error
	m.OverallFormat, m.ColumnFormats, err = decodeCopyResponse("CopyInResponse", 'G', body, m.ColumnFormats)
	return err
}
