package protocol

// NoticeResponse carries a warning or an informational message. Its fields
// are those of an ErrorResponse.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NOTICERESPONSE
type NoticeResponse struct {
	Fields []ErrorField
}

func (*NoticeResponse) Backend() {}

// Encode refuses a field with Code 0, which would end the list early.
func (m *NoticeResponse) Encode(dst []byte) ([]byte, error) {
	return encodeErrorFields("NoticeResponse", 'N', dst, m.Fields)
}

// Decode reuses the Fields slice.
func (m *NoticeResponse) Decode(body []byte) error {
	var err error
	m.Fields, err = decodeErrorFields("NoticeResponse", 'N', body, m.Fields)
	return err
}
