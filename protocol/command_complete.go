package protocol

// CommandComplete ends the result of one SQL command with its command tag,
// such as "SELECT 5", "INSERT 0 1" or "UPDATE 3".
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COMMANDCOMPLETE
type CommandComplete struct {
	CommandTag []byte
}

func (*CommandComplete) Backend() {}

func (m *CommandComplete) Encode(dst []byte) ([]byte, error) {
	dst, at := beginMessage(dst, 'C')
	dst, err := appendCStringBytes("CommandComplete", dst, m.CommandTag)
	if err != nil {
		return abort(dst, at, true, err)
	}
	return finishMessage("CommandComplete", dst, at, true)
}

// Decode keeps a reference to body in CommandTag.
func (m *CommandComplete) Decode(body []byte) error {
	d := newDecoder("CommandComplete", 'C', body)
	m.CommandTag = d.cstringBytes("command tag")
	return d.finish()
}
