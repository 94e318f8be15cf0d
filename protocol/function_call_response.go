package protocol

// FunctionCallResponse carries the result of a FunctionCall. Result is nil
// for SQL NULL.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-FUNCTIONCALLRESPONSE
type FunctionCallResponse struct {
	Result []byte
}

func (*FunctionCallResponse) Backend() {}

func (m *FunctionCallResponse) Encode(dst []byte) ([]byte, error) {
	dst, at := beginMessage(dst, 'V')
	dst, err := appendValue("FunctionCallResponse", dst, m.Result)
	if err != nil {
		return abort(dst, at, true, err)
	}
	return finishMessage("FunctionCallResponse", dst, at, true)
}

// Decode keeps a reference to body in Result.
func (m *FunctionCallResponse) Decode(body []byte) error {
	d := newDecoder("FunctionCallResponse", 'V', body)
	m.Result = d.value("result value")
	return d.finish()
}
