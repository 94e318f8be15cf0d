package protocol

// PortalSuspended ends an Execute that stopped at its row limit before the
// portal was exhausted; another Execute continues it.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PORTALSUSPENDED
type PortalSuspended struct{}

func (*PortalSuspended) Backend() {}

func (m *PortalSuspended) Encode(dst []byte) ([]byte, error) {
	return append(dst, 's', 0, 0, 0, 4), nil
}

func (m *PortalSuspended) Decode(body []byte) error {
	d := newDecoder("PortalSuspended", 's', body)
	return d.finish()
}
