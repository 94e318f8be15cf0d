package protocol

// FunctionCall calls a function by OID through the legacy fast-path
// interface. Args[i] is nil for SQL NULL. ArgFormats holds no code (all
// text), one code (for every argument) or one per argument; a code is 0 for
// text or 1 for binary, as is ResultFormat.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-FUNCTIONCALL
type FunctionCall struct {
	FunctionOID  uint32
	ArgFormats   []int16
	Args         [][]byte
	ResultFormat int16
}

func (*FunctionCall) Frontend() {}

// Encode refuses more than 32767 arguments or format codes, a format code
// other than 0 or 1, and a number of argument format codes other than 0, 1
// or len(Args).
func (m *FunctionCall) Encode(dst []byte) ([]byte, error) {
	if err := checkCount16("FunctionCall", "arguments", len(m.Args)); err != nil {
		return dst, err
	}
	if err := checkFormatCodeList("FunctionCall", "argument format codes", m.ArgFormats, len(m.Args)); err != nil {
		return dst, err
	}
	if f := m.ResultFormat; f != textFormatCode && f != binaryFormatCode {
		return dst, invalid("FunctionCall", "result format code is %d; want 0 (text) or 1 (binary)", f)
	}
	dst, at := beginMessage(dst, 'F')
	dst = appendUint32(dst, m.FunctionOID)
	dst = appendFormatCodeList(dst, m.ArgFormats)
	dst = appendUint16(dst, uint16(len(m.Args)))
	var err error
	for _, v := range m.Args {
		if dst, err = appendValue("FunctionCall", dst, v); err != nil {
			return abort(dst, at, true, err)
		}
	}
	dst = appendInt16(dst, m.ResultFormat)
	return finishMessage("FunctionCall", dst, at, true)
}

// Decode reuses the slices of m when they are large enough. The argument
// values alias body.
func (m *FunctionCall) Decode(body []byte) error {
	d := newDecoder("FunctionCall", 'F', body)
	m.FunctionOID = d.uint32("function OID")
	m.ArgFormats = d.formatCodeList(m.ArgFormats[:0], "argument format code")
	m.Args = d.valueList(m.Args, "argument")
	d.checkValueFormats("argument format codes", len(m.ArgFormats), len(m.Args))
	m.ResultFormat = d.formatCode("result format code")
	return d.finish()
}
