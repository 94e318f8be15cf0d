package protocol

// AuthenticationSASL asks for SASL authentication and lists the mechanisms
// the server accepts, in its order of preference.
// See https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONSASL
type AuthenticationSASL struct {
	Mechanisms []string // e.g. "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"
}

func (*AuthenticationSASL) Backend() {}

// Encode refuses an empty mechanism name, which would end the list early.
func (m *AuthenticationSASL) Encode(dst []byte) ([]byte, error) {
	dst, at := beginMessage(dst, 'R')
	dst = appendInt32(dst, authSASL)
	var err error
	for i, mech := range m.Mechanisms {
		if mech == "" {
			return abort(dst, at, true, invalid("AuthenticationSASL", "mechanism %d is empty", i))
		}
		if dst, err = appendCString("AuthenticationSASL", dst, mech); err != nil {
			return abort(dst, at, true, err)
		}
	}
	dst = append(dst, 0)
	return finishMessage("AuthenticationSASL", dst, at, true)
}

// Decode reads mechanism names up to the empty name that ends the list; that
// terminator must be the last byte of the body. An empty list is accepted.
// Decode reuses the Mechanisms slice.
func (m *AuthenticationSASL) Decode(body []byte) error {
	d := newAuthDecoder("AuthenticationSASL", body, authSASL)
	m.Mechanisms = m.Mechanisms[:0]
	for d.err == nil {
		mech := d.cstringBytes("mechanism name")
		if d.err != nil || len(mech) == 0 {
			break // error, or the terminator
		}
		m.Mechanisms = append(m.Mechanisms, string(mech))
	}
	if err := d.finish(); err != nil {
		m.Mechanisms = m.Mechanisms[:0]
		return err
	}
	return nil
}
