package auth

import (
	"errors"
	"fmt"
	"strings"
)

// SASLMechanism is the client side of one SASL exchange, driven as a step
// machine (compare net/smtp's Auth). A mechanism is used for a single
// exchange on a single connection and is not safe for concurrent use.
//
// The connection code calls, in order:
//
//   - Start, and sends Name and the returned data in SASLInitialResponse;
//   - Next with the data of AuthenticationSASLContinue, and sends the
//     returned data in SASLResponse;
//   - Next with the data of AuthenticationSASLFinal, which verifies the
//     server and returns nil, nil.
//
// Any other order is an error, and after an error the mechanism refuses all
// further calls. Only when Complete reports true has the server proved its
// identity; the connection code must not accept AuthenticationOk before that.
type SASLMechanism interface {
	// Name returns the mechanism's name as sent in SASLInitialResponse,
	// e.g. "SCRAM-SHA-256".
	Name() string

	// Start returns the client's first message (for SCRAM, the
	// client-first-message).
	Start() ([]byte, error)

	// Next takes the data of a message from the server and returns the
	// client's answer. For SCRAM, the AuthenticationSASLContinue data gives
	// the client-final-message, and the AuthenticationSASLFinal data is
	// checked against the expected server signature and gives nil, nil.
	// The returned slice is the caller's.
	Next(fromServer []byte) ([]byte, error)

	// Complete reports whether the exchange finished and the server's final
	// message was verified.
	Complete() bool
}

// ErrNoPassword is returned when a method that needs a password is given an
// empty one. PostgreSQL never accepts an empty password, so, like libpq, the
// driver gives up before starting the exchange.
var ErrNoPassword = errors.New("auth: no password supplied")

// SASLConfig holds what ChooseSASL needs; ChooseSASL is shorthand for a
// SASLConfig with only User and Password set.
type SASLConfig struct {
	// User is the user name of the startup message. PostgreSQL takes the
	// user from there and ignores the SASL user name, so it is not sent.
	User string

	// Password is the user's password.
	Password string

	// ChannelBinding is reserved for SCRAM-SHA-256-PLUS: the
	// tls-server-end-point channel binding data (RFC 5929, section 4.1) of
	// the TLS connection the exchange runs over. Channel binding is not
	// supported yet, so it must be nil; Choose fails otherwise.
	// (default: nil, no channel binding)
	ChannelBinding []byte
}

// Mechanism names as PostgreSQL spells them in AuthenticationSASL.
const (
	mechSCRAMSHA256     = "SCRAM-SHA-256"
	mechSCRAMSHA256Plus = "SCRAM-SHA-256-PLUS"
)

// Choose picks a mechanism from the names the server offered in
// AuthenticationSASL and returns it ready to Start. It fails if none of
// them is supported, naming those offered.
func (c SASLConfig) Choose(offered []string) (SASLMechanism, error) {
	if c.ChannelBinding != nil {
		// When channel binding arrives: choose mechSCRAMSHA256Plus if it is
		// offered, and otherwise send the "y" gs2 flag with SCRAM-SHA-256.
		return nil, errors.New("auth: SCRAM channel binding (" + mechSCRAMSHA256Plus + ") is not supported yet")
	}
	if len(offered) == 0 {
		return nil, errors.New("auth: server offered no SASL mechanisms")
	}
	for _, name := range offered {
		if name == mechSCRAMSHA256 {
			return NewSCRAMSHA256(c.User, c.Password)
		}
	}
	quoted := make([]string, len(offered))
	for i, name := range offered {
		quoted[i] = fmt.Sprintf("%q", clip(name))
	}
	return nil, fmt.Errorf("auth: server offered SASL mechanisms %s, none of which pgmoon supports (it supports %s)",
		strings.Join(quoted, ", "), mechSCRAMSHA256)
}

// ChooseSASL picks a mechanism from the names the server offered in
// AuthenticationSASL. Only SCRAM-SHA-256 is supported for now, so
// SCRAM-SHA-256-PLUS is passed over. It fails if none of the offered
// mechanisms is supported, naming those offered, and with ErrNoPassword if
// password is empty.
func ChooseSASL(offered []string, user, password string) (SASLMechanism, error) {
	return SASLConfig{User: user, Password: password}.Choose(offered)
}

// clip shortens server-supplied text before it goes into an error message.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
