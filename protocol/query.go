package protocol

// Query starts a simple query cycle: one string holding one or more SQL
// statements.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-QUERY
type Query struct {
	SQL string
}

func (*Query) Frontend() {}

func (m *Query) Encode(dst []byte) ([]byte, error) {
	dst, at := beginMessage(dst, 'Q')
	dst, err := appendCString("Query", dst, m.SQL)
	if err != nil {
		return abort(dst, at, true, err)
	}
	return finishMessage("Query", dst, at, true)
}

func (m *Query) Decode(body []byte) error {
	d := newDecoder("Query", 'Q', body)
	m.SQL = d.cstring("query string")
	return d.finish()
}
