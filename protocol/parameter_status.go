package protocol

// ParameterStatus reports the current value of a run-time parameter, at
// startup and whenever a reported parameter changes (server_version,
// client_encoding, TimeZone, standard_conforming_strings, ...).
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PARAMETERSTATUS
type ParameterStatus struct {
	Name  string
	Value string
}

func (*ParameterStatus) Backend() {}

func (m *ParameterStatus) Encode(dst []byte) ([]byte, error) {
	dst, at := beginMessage(dst, 'S')
	dst, err := appendCString("ParameterStatus", dst, m.Name)
	if err != nil {
		return abort(dst, at, true, err)
	}
	if dst, err = appendCString("ParameterStatus", dst, m.Value); err != nil {
		return abort(dst, at, true, err)
	}
	return finishMessage("ParameterStatus", dst, at, true)
}

func (m *ParameterStatus) Decode(body []byte) error {
	d := newDecoder("ParameterStatus", 'S', body)
	m.Name = d.cstring("parameter name")
	m.Value = d.cstring("parameter value")
	return d.finish()
}
