package protocol

// ErrorResponse reports an error. Each field carries one piece of it
// (severity, SQLSTATE code, message, detail, hint, position, ...); fields of
// a type this package does not know are kept.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-ERRORRESPONSE
// and https://www.postgresql.org/docs/current/protocol-error-fields.html
type ErrorResponse struct {
	Fields []ErrorField
}

// ErrorField is one field of an ErrorResponse or a NoticeResponse.
type ErrorField struct {
	Code  byte // field type, e.g. 'S' severity, 'C' SQLSTATE code, 'M' message
	Value string
}

func (*ErrorResponse) Backend() {}

// Encode refuses a field with Code 0, which would end the list early.
func (m *ErrorResponse) Encode(dst []byte) ([]byte, error) {
	return encodeErrorFields("ErrorResponse", 'E', dst, m.Fields)
}

// Decode reuses the Fields slice.
func (m *ErrorResponse) Decode(body []byte) error {
	var err error
	m.Fields, err = decodeErrorFields("ErrorResponse", 'E', body, m.Fields)
	return err
}

// encodeErrorFields encodes an ErrorResponse or a NoticeResponse: for each
// field its type byte and its value, then a 0 byte.
func encodeErrorFields(name string, typ byte, dst []byte, fields []ErrorField) ([]byte, error) {
	dst, at := beginMessage(dst, typ)
	var err error
	for i, f := range fields {
		if f.Code == 0 {
			return abort(dst, at, true, invalid(name, "field %d has code 0", i))
		}
		dst = append(dst, f.Code)
		if dst, err = appendCString(name, dst, f.Value); err != nil {
			return abort(dst, at, true, err)
		}
	}
	dst = append(dst, 0)
	return finishMessage(name, dst, at, true)
}

// decodeErrorFields decodes the body of an ErrorResponse or a NoticeResponse
// into fields[:0]. The 0 byte that ends the list must be the last byte of
// the body.
func decodeErrorFields(name string, typ byte, body []byte, fields []ErrorField) ([]ErrorField, error) {
	d := newDecoder(name, typ, body)
	fields = fields[:0]
	for d.err == nil {
		code := d.byte1("field type")
		if d.err != nil || code == 0 {
			break // error, or the terminator
		}
		value := d.cstring("field value")
		fields = append(fields, ErrorField{Code: code, Value: value})
	}
	if err := d.finish(); err != nil {
		return fields[:0], err
	}
	return fields, nil
}
