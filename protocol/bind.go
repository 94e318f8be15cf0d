package protocol

// Bind creates a portal from a prepared statement and parameter values. An
// empty Portal or Statement is the unnamed one. Parameters[i] is nil for
// SQL NULL.
//
// ParameterFormats holds no code (all parameters are text), one code (for
// every parameter) or one code per parameter; ResultFormats likewise for the
// result columns. A code is 0 for text or 1 for binary.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-BIND
type Bind struct {
	Portal           string
	Statement        string
	ParameterFormats []int16
	Parameters       [][]byte
	ResultFormats    []int16
}

func (*Bind) Frontend() {}

// Encode refuses more than 32767 parameters or format codes, a format code
// other than 0 or 1, and a number of parameter format codes other than 0, 1
// or len(Parameters).
func (m *Bind) Encode(dst []byte) ([]byte, error) {
	if err := checkCount16("Bind", "parameters", len(m.Parameters)); err != nil {
		return dst, err
	}
	if err := checkFormatCodeList("Bind", "parameter format codes", m.ParameterFormats, len(m.Parameters)); err != nil {
		return dst, err
	}
	if err := checkFormatCodeList("Bind", "result format codes", m.ResultFormats, -1); err != nil {
		return dst, err
	}
	dst, at := beginMessage(dst, 'B')
	dst, err := appendCString("Bind", dst, m.Portal)
	if err != nil {
		return abort(dst, at, true, err)
	}
	if dst, err = appendCString("Bind", dst, m.Statement); err != nil {
		return abort(dst, at, true, err)
	}
	dst = appendFormatCodeList(dst, m.ParameterFormats)
	dst = appendUint16(dst, uint16(len(m.Parameters)))
	for _, v := range m.Parameters {
		if dst, err = appendValue("Bind", dst, v); err != nil {
			return abort(dst, at, true, err)
		}
	}
	dst = appendFormatCodeList(dst, m.ResultFormats)
	return finishMessage("Bind", dst, at, true)
}

// Decode reuses the slices of m when they are large enough. The parameter
// values alias body.
func (m *Bind) Decode(body []byte) error {
	d := newDecoder("Bind", 'B', body)
	m.Portal = d.cstring("portal name")
	m.Statement = d.cstring("statement name")
	m.ParameterFormats = d.formatCodeList(m.ParameterFormats[:0], "parameter format code")
	m.Parameters = d.valueList(m.Parameters, "parameter")
	d.checkValueFormats("parameter format codes", len(m.ParameterFormats), len(m.Parameters))
	m.ResultFormats = d.formatCodeList(m.ResultFormats[:0], "result format code")
	return d.finish()
}
