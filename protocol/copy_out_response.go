package protocol

// CopyOutResponse says COPY TO STDOUT data follows as CopyData messages,
// ended by CopyDone.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYOUTRESPONSE
type CopyOutResponse struct {
	OverallFormat byte    // 0 text, 1 binary
	ColumnFormats []int16 // 0 text, 1 binary; all 0 when OverallFormat is 0
}

func (*CopyOutResponse) Backend() {}

// Encode refuses formats other than 0 and 1.
func (m *CopyOutResponse) Encode(dst []byte) ([]byte, error) {
	return encodeCopyResponse("CopyOutResponse", 'H', dst, m.OverallFormat, m.ColumnFormats)
}

// Decode reuses the ColumnFormats slice when it is large enough.
func (m *CopyOutResponse) Decode(body []byte) error {
	var err error
	m.OverallFormat, m.ColumnFormats, err = decodeCopyResponse("CopyOutResponse", 'H', body, m.ColumnFormats)
	return err
}
