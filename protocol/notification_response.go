package protocol

// NotificationResponse delivers a NOTIFY on a channel the session listens
// on.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NOTIFICATIONRESPONSE
type NotificationResponse struct {
	ProcessID uint32 // process ID of the notifying backend
	Channel   string
	Payload   string
}

func (*NotificationResponse) Backend() {}

func (m *NotificationResponse) Encode(dst []byte) ([]byte, error) {
	dst, at := beginMessage(dst, 'A')
	dst = appendUint32(dst, m.ProcessID)
	dst, err := appendCString("NotificationResponse", dst, m.Channel)
	if err != nil {
		return abort(dst, at, true, err)
	}
	if dst, err = appendCString("NotificationResponse", dst, m.Payload); err != nil {
		return abort(dst, at, true, err)
	}
	return finishMessage("NotificationResponse", dst, at, true)
}

func (m *NotificationResponse) Decode(body []byte) error {
	d := newDecoder("NotificationResponse", 'A', body)
	m.ProcessID = d.uint32("process ID")
	m.Channel = d.cstring("channel name")
	m.Payload = d.cstring("payload")
	return d.finish()
}
