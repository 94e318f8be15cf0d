package protocol

// CopyBothResponse starts a COPY in both directions, used only by
// streaming replication.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYBOTHRESPONSE
type CopyBothResponse struct {
	OverallFormat byte    // 0 text, 1 binary
	ColumnFormats []int16 // 0 text, 1 binary; all 0 when OverallFormat is 0
}

func (*CopyBothResponse) Backend() {}

// Encode refuses formats other than 0 and 1.
func (m *CopyBothResponse) Encode(dst []byte) ([]byte, error) {
	return encodeCopyResponse("CopyBothResponse", 'W', dst, m.OverallFormat, m.ColumnFormats)
}

// Decode reuses the ColumnFormats slice when it is large enough.
func (m *CopyBothResponse) Decode(body []byte) error {
	var err error
	m.OverallFormat, m.ColumnFormats, err = decodeCopyResponse("CopyBothResponse", 'W', body, m.ColumnFormats)
	return err
}
